//! The message catalog (Fluent). Every visible string lives in `locales/<lang>/*.ftl`;
//! Russian is the first and default language. Catalogs are embedded in the binary.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// The embedded Russian catalog files.
const RU: &[(&str, &str)] = &[
    ("main.ftl", include_str!("../../../locales/ru/main.ftl")),
    ("auth.ftl", include_str!("../../../locales/ru/auth.ftl")),
    ("ids.ftl", include_str!("../../../locales/ru/ids.ftl")),
    (
        "profile.ftl",
        include_str!("../../../locales/ru/profile.ftl"),
    ),
    (
        "catalog.ftl",
        include_str!("../../../locales/ru/catalog.ftl"),
    ),
    ("staff.ftl", include_str!("../../../locales/ru/staff.ftl")),
    ("notify.ftl", include_str!("../../../locales/ru/notify.ftl")),
    ("org.ftl", include_str!("../../../locales/ru/org.ftl")),
];

/// A loaded catalog for one language.
pub struct I18n {
    bundle: FluentBundle<FluentResource>,
}

impl std::fmt::Debug for I18n {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("I18n(ru)")
    }
}

impl I18n {
    /// The Russian catalog; fails on a syntax error or a key defined twice.
    pub fn russian() -> Result<I18n, String> {
        let ru: LanguageIdentifier = "ru".parse().map_err(|e| format!("language id: {e}"))?;
        let mut bundle = FluentBundle::new_concurrent(vec![ru]);
        // No Unicode isolation marks: the output is HTML, and marks would show in inputs.
        bundle.set_use_isolating(false);
        for (name, text) in RU {
            let resource = FluentResource::try_new((*text).to_owned())
                .map_err(|(_, errors)| format!("locales/ru/{name}: {errors:?}"))?;
            bundle
                .add_resource(resource)
                .map_err(|errors| format!("locales/ru/{name}: {errors:?}"))?;
        }
        Ok(I18n { bundle })
    }

    /// True when the catalog has the key.
    pub fn has(&self, key: &str) -> bool {
        self.bundle
            .get_message(key)
            .and_then(|m| m.value())
            .is_some()
    }

    /// The text for a key without arguments.
    pub fn t(&self, key: &str) -> String {
        self.format(key, None)
    }

    /// The text for a key with named arguments.
    pub fn t_with(&self, key: &str, args: &[(&str, &str)]) -> String {
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, FluentValue::from(*value));
        }
        self.format(key, Some(&fluent_args))
    }

    /// The message for a count: `$count` is passed as a number, so the catalog picks
    /// the Russian plural form (`1 проблема`, `2 проблемы`, `5 проблем`).
    pub fn t_count(&self, key: &str, count: u64) -> String {
        let mut fluent_args = FluentArgs::new();
        fluent_args.set("count", FluentValue::from(count));
        self.format(key, Some(&fluent_args))
    }

    fn format(&self, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        let Some(pattern) = self.bundle.get_message(key).and_then(|m| m.value()) else {
            tracing::error!(key, "message key missing from the catalog");
            return key.to_owned();
        };
        let mut errors = Vec::new();
        let text = self.bundle.format_pattern(pattern, args, &mut errors);
        if !errors.is_empty() {
            tracing::error!(key, ?errors, "message could not be formatted");
            // A template and its call disagree (a variable missing): loud in tests.
            debug_assert!(errors.is_empty(), "message {key}: {errors:?}");
        }
        text.into_owned()
    }

    /// The errors formatting `key` with `args` gives (empty when it renders cleanly).
    pub fn check(&self, key: &str, args: &[(&str, &str)]) -> Vec<String> {
        let Some(pattern) = self.bundle.get_message(key).and_then(|m| m.value()) else {
            return vec![format!("{key}: missing")];
        };
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, FluentValue::from(*value));
        }
        let mut errors = Vec::new();
        let _ = self
            .bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors);
        errors.iter().map(|e| format!("{key}: {e}")).collect()
    }
}

/// Every message key of the catalog files with the variables its text uses.
pub fn templates() -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for (_, source) in RU {
        for line in source.lines() {
            let Some((key, value)) = line.split_once(" = ") else {
                continue;
            };
            if key.starts_with('#') || key.starts_with(' ') {
                continue;
            }
            let vars = value
                .split("{ $")
                .skip(1)
                .filter_map(|rest| rest.split_once(" }").map(|(v, _)| v.to_owned()))
                .collect();
            out.push((key.to_owned(), vars));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn catalog_loads_and_formats() {
        let i18n = I18n::russian().unwrap();
        assert_eq!(i18n.t("app-name"), "Личный кабинет");
        assert_eq!(
            i18n.t_with("error-request-id", &[("id", "abc")]),
            "Номер запроса для обращения в поддержку: abc"
        );
        assert!(!i18n.has("no-such-key"));
    }

    #[test]
    fn every_identifier_error_has_a_russian_text() {
        let i18n = I18n::russian().unwrap();
        for key in kabinet_domain::ids::ALL_MESSAGE_KEYS {
            assert!(i18n.has(key), "locales/ru/ids.ftl lacks {key}");
        }
        for key in kabinet_domain::organisation::MESSAGE_KEYS {
            assert!(i18n.has(key), "locales/ru/org.ftl lacks {key}");
        }
        for key in crate::organisations::MESSAGE_KEYS {
            assert!(i18n.has(key), "locales/ru/org.ftl lacks {key}");
        }
        for what in [
            "created",
            "verified",
            "refused",
            "invited",
            "invitation_accepted",
            "invitation_declined",
            "role_changed",
            "member_removed",
            "data_changed",
            "document_added",
            "change_requested",
            "identifiers_changed",
            "change_refused",
        ] {
            assert!(i18n.has(&format!("org-what-{what}")), "org-what-{what}");
        }
    }

    #[test]
    fn every_form_message_has_a_russian_text() {
        let i18n = I18n::russian().unwrap();
        let statuses =
            kabinet_domain::application::Status::ALL.map(|s| format!("status-{}", s.as_str()));
        for key in statuses
            .iter()
            .map(String::as_str)
            .chain(crate::applications::MESSAGE_KEYS.iter().copied())
        {
            assert!(i18n.has(key), "locales/ru/catalog.ftl lacks {key}");
        }
        for key in kabinet_domain::form::MESSAGE_KEYS {
            assert!(i18n.has(key), "locales/ru/catalog.ftl lacks {key}");
        }
        for key in crate::error::MESSAGE_KEYS {
            assert!(i18n.has(key), "locales/ru/main.ftl lacks {key}");
        }
    }

    /// Every notice template renders with example data for the variables it names,
    /// and every call of a notice in the code passes what its template needs.
    #[test]
    fn every_notice_template_renders_with_example_data() {
        let i18n = I18n::russian().unwrap();
        let templates = templates();
        let notices: Vec<_> = templates
            .iter()
            .filter(|(k, _)| k.starts_with("notice-"))
            .collect();
        assert!(notices.len() > 30, "{}", notices.len());
        for (key, vars) in notices {
            let args: Vec<(&str, &str)> = vars.iter().map(|v| (v.as_str(), "пример")).collect();
            assert_eq!(i18n.check(key, &args), Vec::<String>::new());
            if !vars.is_empty() {
                assert!(
                    !i18n.check(key, &[]).is_empty(),
                    "{key}: a missing variable must be reported"
                );
            }
        }
        // What the code passes to each notice (the contract with the templates).
        let calls: &[(&str, &[&str])] = &[
            (
                "notice-application-submitted-message",
                &["number", "title", "date"],
            ),
            (
                "notice-application-moved-message",
                &["number", "status", "reason"],
            ),
            ("notice-application-comment-message", &["number"]),
            ("notice-application-assigned-message", &["number"]),
            ("notice-application-overdue-message", &["number", "due"]),
            ("notice-staff-role-message", &["role"]),
            ("notice-ticket-created-message", &["number"]),
            ("notice-ticket-answered-message", &["number"]),
            (
                "notice-ticket-answered-visitor-message",
                &["number", "text"],
            ),
            ("notice-ticket-escalated-message", &["number", "reason"]),
        ];
        for (key, vars) in calls {
            let args: Vec<(&str, &str)> = vars.iter().map(|v| (*v, "пример")).collect();
            assert_eq!(i18n.check(key, &args), Vec::<String>::new(), "{key}");
        }
    }

    #[test]
    fn every_profile_message_has_a_russian_text() {
        let i18n = I18n::russian().unwrap();
        for key in kabinet_domain::profile::ProfileError::ALL_KEYS {
            assert!(i18n.has(key), "locales/ru/profile.ftl lacks {key}");
        }
        for key in crate::profile::MESSAGE_KEYS {
            assert!(i18n.has(key), "locales/ru/profile.ftl lacks {key}");
        }
    }
}

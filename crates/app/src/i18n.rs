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

    fn format(&self, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        let Some(pattern) = self.bundle.get_message(key).and_then(|m| m.value()) else {
            tracing::error!(key, "message key missing from the catalog");
            return key.to_owned();
        };
        let mut errors = Vec::new();
        let text = self.bundle.format_pattern(pattern, args, &mut errors);
        if !errors.is_empty() {
            tracing::error!(key, ?errors, "message could not be formatted");
        }
        text.into_owned()
    }
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

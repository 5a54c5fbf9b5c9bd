//! The services catalog (CAT-1 … CAT-3): service definitions as data, one TOML file per
//! service in `catalog/`, imported all-or-nothing with errors that name the file and the
//! line; a new version whenever a definition changes; and search in Russian that finds
//! a service by other word forms and with a typo.

mod definition;
mod import;
mod search;

pub use definition::{Applicant, CatalogError, Definition, DocumentSpec, Kind, Step, parse};
use definition::{CalendarFile, line_at, line_of};
pub use import::{DEMO, Imported, import_demo, import_dir, import_sources, problems_summary};
pub use search::{Hit, edit_distance, search, words};

use crate::{App, AppError};
use kabinet_domain::calendar::Calendar;
use kabinet_store::catalog::{self, ServiceRow};
use std::collections::HashMap;
use time::Date;

/// A stored service: its definition and version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    /// The version.
    pub version: i64,
    /// The definition.
    pub def: Definition,
}

fn decode(row: &ServiceRow) -> Result<Service, AppError> {
    let def = serde_json::from_str(&row.definition).map_err(|e| {
        AppError::Store(kabinet_store::StoreError::Corrupt(format!(
            "service {}: {e}",
            row.id
        )))
    })?;
    Ok(Service {
        version: row.version,
        def,
    })
}

/// Every current service.
pub async fn all(app: &App) -> Result<Vec<Service>, AppError> {
    let mut conn = app
        .store
        .pool()
        .acquire()
        .await
        .map_err(kabinet_store::StoreError::from)?;
    catalog::current(&mut conn)
        .await?
        .iter()
        .map(decode)
        .collect()
}

/// `(id, title)` of every current service (for filters).
pub async fn titles(app: &App) -> Result<Vec<(String, String)>, AppError> {
    let mut conn = app
        .store
        .pool()
        .acquire()
        .await
        .map_err(kabinet_store::StoreError::from)?;
    Ok(catalog::titles(&mut conn).await?)
}

/// The current version of a service.
pub async fn get(app: &App, id: &str) -> Result<Service, AppError> {
    let mut conn = app
        .store
        .pool()
        .acquire()
        .await
        .map_err(kabinet_store::StoreError::from)?;
    let row = catalog::current_of(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    decode(&row)
}

/// Stored versions never change, so every process may keep the ones it has read.
pub type VersionCache =
    std::sync::Arc<std::sync::RwLock<HashMap<(String, i64), std::sync::Arc<Service>>>>;

/// A given version of a service (what an application was filed under); versions are
/// immutable, so they are kept in memory once read.
pub async fn get_version(
    app: &App,
    conn: &mut kabinet_store::Conn,
    id: &str,
    version: i64,
) -> Result<std::sync::Arc<Service>, AppError> {
    let key = (id.to_owned(), version);
    if let Some(s) = app
        .service_versions
        .read()
        .ok()
        .and_then(|c| c.get(&key).cloned())
    {
        return Ok(s);
    }
    let row = catalog::version(conn, id, version)
        .await?
        .ok_or(AppError::NotFound)?;
    let service = std::sync::Arc::new(decode(&row)?);
    if let Ok(mut c) = app.service_versions.write() {
        c.insert(key, service.clone());
    }
    Ok(service)
}

/// The production calendar.
pub async fn calendar(conn: &mut kabinet_store::Conn) -> Result<Calendar, AppError> {
    let mut c = Calendar::default();
    for (day, working) in catalog::calendar(conn).await? {
        if let Ok(d) = kabinet_domain::profile::date(&day) {
            if working {
                c.working_weekends.insert(d);
            } else {
                c.holidays.insert(d);
            }
        }
    }
    Ok(c)
}

/// The due date of an application of `def` filed on `filed`.
pub fn due_on(def: &Definition, calendar: &Calendar, filed: Date) -> Date {
    calendar.add_working_days(filed, def.processing_days)
}

// ---- search (CAT-2) ----

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("справка", "справка", 1), 0);
        assert_eq!(edit_distance("справка", "спраква", 1), 1, "a swap");
        assert_eq!(edit_distance("справка", "сравка", 1), 1, "a missing letter");
        assert_eq!(
            edit_distance("справка", "справкка", 1),
            1,
            "an extra letter"
        );
        assert_eq!(edit_distance("справка", "спровка", 1), 1, "a wrong letter");
        assert_eq!(edit_distance("справка", "спрвака", 1), 1);
        assert_eq!(edit_distance("справка", "сплавка", 2), 1);
        assert_eq!(edit_distance("справка", "нотариус", 1), 2);
    }

    #[test]
    fn definitions_report_file_and_line() {
        let path = Path::new("catalog/bad.toml");
        let err = parse(path, "id = \"x\"\ntitle = 5\n").unwrap_err();
        assert_eq!(err[0].line, Some(2), "{err:?}");
        let source = r#"
id = "Bad Id"
section = "Налоги"
title = "Справка"
summary = "Кратко"
description = "Описание"
applicants = []
level = "gold"
processing_days = 0
result = "Справка"

[[steps]]
title = "Шаг"
[[steps.fields]]
name = "a"
type = "select"
label = "Выбор"

[[steps.fields]]
name = "a"
type = "text"
label = "Снова"
prefill = "profile.nothing"
"#;
        let errs = parse(path, source).unwrap_err();
        let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
        let has = |s: &str| text.iter().any(|t| t.contains(s));
        assert!(has("catalog/bad.toml:2: id \"Bad Id\""), "{text:#?}");
        assert!(has(":7: applicants"), "{text:#?}");
        assert!(has(":8: level \"gold\""), "{text:#?}");
        assert!(has(":9: processing_days"), "{text:#?}");
        assert!(has("select \"a\" has no options"), "{text:#?}");
        assert!(has("field name \"a\" is used twice"), "{text:#?}");
        assert!(has("unknown prefill \"profile.nothing\""), "{text:#?}");
    }

    #[test]
    fn problems_are_counted_in_both_languages() {
        let i18n = crate::i18n::I18n::russian().unwrap();
        let cases = [
            (
                1,
                "1 problem; nothing was imported (1 проблема; ничего не импортировано)",
            ),
            (
                2,
                "2 problems; nothing was imported (2 проблемы; ничего не импортировано)",
            ),
            (
                5,
                "5 problems; nothing was imported (5 проблем; ничего не импортировано)",
            ),
            (
                11,
                "11 problems; nothing was imported (11 проблем; ничего не импортировано)",
            ),
            (
                21,
                "21 problems; nothing was imported (21 проблема; ничего не импортировано)",
            ),
            (
                23,
                "23 problems; nothing was imported (23 проблемы; ничего не импортировано)",
            ),
        ];
        for (n, expected) in cases {
            assert_eq!(problems_summary(&i18n, n), expected);
        }
    }

    #[test]
    fn every_problem_of_a_file_is_reported() {
        let path = Path::new("catalog/bad.toml");
        let source = r#"id = "bad"
section = 5
title = 42
summary = "Кратко"
applicants = ["individual"]
level = "gold"
processing_days = "ten"
result = "Справка"

[[steps]]
title = "Шаг"
[[steps.fields]]
name = "a"
type = "text"
label = 7
"#;
        let errs = parse(path, source).unwrap_err();
        let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
        let has = |s: &str| text.iter().any(|t| t.contains(s));
        assert!(has("field name \"a\": lowercase"), "{text:#?}");
        assert!(has("catalog/bad.toml:2:"), "{text:#?}");
        assert!(has("catalog/bad.toml:3:"), "{text:#?}");
        assert!(has("catalog/bad.toml:7:"), "{text:#?}");
        assert!(has("catalog/bad.toml:15:"), "{text:#?}");
        assert!(has("description"), "the missing field too: {text:#?}");
        assert!(
            has(":6: level \"gold\""),
            "and the checks after reading: {text:#?}"
        );
        // Stand-ins are not reported as problems of their own.
        assert!(
            !has("must not be empty") && !has("has no label"),
            "{text:#?}"
        );
        assert_eq!(errs.len(), 7, "{text:#?}");
        // A syntax error is one problem: what follows cannot be read.
        let errs = parse(path, "id = \"x\"\ntitle = \"unclosed\n").unwrap_err();
        assert_eq!(errs.len(), 1, "{errs:?}");
    }

    #[test]
    fn fees_read_as_money() {
        let mut d: Definition = toml::from_str(include_str!(
            "../../../../catalog/education-certificate.toml"
        ))
        .unwrap();
        d.fee_kopecks = 0;
        assert_eq!(d.fee_text(), "Бесплатно");
        d.fee_kopecks = 150_000;
        assert_eq!(d.fee_text(), "1\u{a0}500,00\u{a0}₽");
        d.fee_kopecks = 12_345_678;
        assert_eq!(d.fee_text(), "123\u{a0}456,78\u{a0}₽");
    }
}

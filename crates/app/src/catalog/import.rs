//! Importing service definitions (from a folder, from text, the demo set).

use crate::audit::audit_event;
use crate::{App, AppError, Ctx};
use kabinet_store::catalog::{self};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::*;

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Imported {
    /// Definitions read.
    pub services: usize,
    /// New versions stored (new or changed definitions).
    pub new_versions: usize,
    /// Calendar days loaded.
    pub calendar_days: usize,
}

/// Reads, checks and imports every `*.toml` of a directory (`calendar.toml` is the
/// production calendar). All or nothing: with any error, nothing is written and every
/// error is returned.
pub async fn import_dir(
    app: &App,
    ctx: &Ctx,
    dir: &Path,
) -> Result<Imported, Result<Vec<CatalogError>, AppError>> {
    let io = |path: &Path, e: std::io::Error| {
        vec![CatalogError {
            file: path.to_owned(),
            line: None,
            message: e.to_string(),
        }]
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Ok(io(dir, e)))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    let mut sources = Vec::with_capacity(paths.len());
    for path in paths {
        match std::fs::read_to_string(&path) {
            Ok(s) => sources.push((path, s)),
            Err(e) => return Err(Ok(io(&path, e))),
        }
    }
    if sources.is_empty() {
        return Err(Ok(vec![CatalogError {
            file: dir.to_owned(),
            line: None,
            message: "no service definitions (*.toml) here".into(),
        }]));
    }
    import_sources(app, ctx, &sources).await
}

/// The demo catalog, built into the binary (`catalog/` of the source tree).
pub const DEMO: &[(&str, &str)] = &[
    (
        "calendar.toml",
        include_str!("../../../../catalog/calendar.toml"),
    ),
    (
        "appeal-complaint.toml",
        include_str!("../../../../catalog/appeal-complaint.toml"),
    ),
    (
        "appeal-question.toml",
        include_str!("../../../../catalog/appeal-question.toml"),
    ),
    (
        "appeal-status-certificate.toml",
        include_str!("../../../../catalog/appeal-status-certificate.toml"),
    ),
    (
        "education-certificate.toml",
        include_str!("../../../../catalog/education-certificate.toml"),
    ),
    (
        "education-enrolment.toml",
        include_str!("../../../../catalog/education-enrolment.toml"),
    ),
    (
        "notary-copy.toml",
        include_str!("../../../../catalog/notary-copy.toml"),
    ),
    (
        "notary-remote.toml",
        include_str!("../../../../catalog/notary-remote.toml"),
    ),
    (
        "social-child-benefit.toml",
        include_str!("../../../../catalog/social-child-benefit.toml"),
    ),
    (
        "social-large-family.toml",
        include_str!("../../../../catalog/social-large-family.toml"),
    ),
    (
        "tax-deduction-education.toml",
        include_str!("../../../../catalog/tax-deduction-education.toml"),
    ),
    (
        "tax-no-debt.toml",
        include_str!("../../../../catalog/tax-no-debt.toml"),
    ),
];

/// What `kabinet catalog import` says when a catalog has problems, in English and
/// Russian with the right plural: `2 problems; nothing was imported (2 проблемы;
/// ничего не импортировано)`.
pub fn problems_summary(i18n: &crate::i18n::I18n, count: usize) -> String {
    let english = if count == 1 { "problem" } else { "problems" };
    let russian = i18n.t_count("catalog-import-problems", count as u64);
    format!("{count} {english}; nothing was imported ({russian})")
}

/// Imports the built-in demo catalog (demo mode); unchanged definitions stay as they are.
pub async fn import_demo(app: &App) -> Result<Imported, AppError> {
    let sources: Vec<(PathBuf, String)> = DEMO
        .iter()
        .map(|(name, text)| (PathBuf::from("catalog").join(name), (*text).to_owned()))
        .collect();
    match import_sources(app, &Ctx::system(), &sources).await {
        Ok(done) => Ok(done),
        Err(Err(e)) => Err(e),
        Err(Ok(errors)) => Err(AppError::internal(format!(
            "the built-in demo catalog is invalid: {}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        ))),
    }
}

/// Checks and imports definitions given as `(file name, text)`; all or nothing.
pub async fn import_sources(
    app: &App,
    ctx: &Ctx,
    sources: &[(PathBuf, String)],
) -> Result<Imported, Result<Vec<CatalogError>, AppError>> {
    let mut errors = Vec::new();
    let mut defs: Vec<Definition> = Vec::new();
    let mut calendar_days: Vec<(String, bool)> = Vec::new();
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    for (path, source) in sources {
        let source = source.as_str();
        if path.file_name().is_some_and(|n| n == "calendar.toml") {
            match toml::from_str::<CalendarFile>(source) {
                Ok(c) => {
                    for (days, working) in [(&c.holidays, false), (&c.working_weekends, true)] {
                        for d in days {
                            match kabinet_domain::profile::date(d) {
                                Ok(day) => calendar_days.push((day.to_string(), working)),
                                Err(_) => errors.push(CatalogError {
                                    file: path.clone(),
                                    line: line_of(source, d),
                                    message: format!("{d:?} is not a date YYYY-MM-DD"),
                                }),
                            }
                        }
                    }
                }
                Err(e) => errors.push(CatalogError {
                    file: path.clone(),
                    line: e.span().map(|s| line_at(source, s.start)),
                    message: e.message().trim().to_owned(),
                }),
            }
            continue;
        }
        match parse(path, source) {
            Ok(def) => {
                if let Some(first) = seen.insert(def.id.clone(), path.clone()) {
                    errors.push(CatalogError {
                        file: path.clone(),
                        line: line_of(source, "id"),
                        message: format!("id {:?} is also used by {}", def.id, first.display()),
                    });
                }
                defs.push(def);
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    if defs.is_empty() && errors.is_empty() {
        errors.push(CatalogError {
            file: sources.first().map(|(p, _)| p.clone()).unwrap_or_default(),
            line: None,
            message: "no service definitions besides the calendar".into(),
        });
    }
    if !errors.is_empty() {
        return Err(Ok(errors));
    }
    let now = app.clock.now();
    let store_err = |e: kabinet_store::StoreError| Err(AppError::from(e));
    let mut tx = app.store.begin().await.map_err(store_err)?;
    let mut done = Imported {
        services: defs.len(),
        calendar_days: calendar_days.len(),
        ..Imported::default()
    };
    for def in &defs {
        let json =
            serde_json::to_string(def).map_err(|e| Err(AppError::internal(e.to_string())))?;
        let hash = hex::encode(Sha256::digest(json.as_bytes()));
        let (_, new) = catalog::put(
            &mut tx,
            &def.id,
            &def.section,
            &def.title,
            &json,
            &hash,
            now,
        )
        .await
        .map_err(store_err)?;
        if new {
            done.new_versions += 1;
        }
    }
    if sources
        .iter()
        .any(|(p, _)| p.file_name().is_some_and(|n| n == "calendar.toml"))
    {
        catalog::set_calendar(&mut tx, &calendar_days)
            .await
            .map_err(store_err)?;
    }
    audit_event(
        &mut tx,
        ctx,
        now,
        &ctx.actor,
        "catalog.imported",
        "catalog",
        json!({ "services": done.services, "new_versions": done.new_versions }),
    )
    .await
    .map_err(Err)?;
    tx.commit().await.map_err(|e| Err(AppError::from(e)))?;
    Ok(done)
}

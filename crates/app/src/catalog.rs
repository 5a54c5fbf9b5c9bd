//! The services catalog (CAT-1 … CAT-3): service definitions as data, one TOML file per
//! service in `catalog/`, imported all-or-nothing with errors that name the file and the
//! line; a new version whenever a definition changes; and search in Russian that finds
//! a service by other word forms and with a typo.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use kabinet_domain::calendar::Calendar;
use kabinet_domain::form::{Field, FieldType};
use kabinet_store::catalog::{self, ServiceRow};
use rust_stemmers::{Algorithm, Stemmer};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use time::Date;

use crate::auth::audit_event;
use crate::{App, AppError, Ctx};

/// Who may apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Applicant {
    /// A person (физическое лицо).
    Individual,
    /// An organisation (юридическое лицо, ИП), acting through a member.
    Organisation,
}

/// A service, or an appeal to the operator (APP-7: same mechanism).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A state service.
    #[default]
    Service,
    /// A question, complaint or request to the operator.
    Appeal,
}

/// A group of questions: one step of the form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// The step's heading.
    pub title: String,
    /// Its fields.
    pub fields: Vec<Field>,
}

/// A document the applicant attaches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentSpec {
    /// An id within the service (`passport_copy`).
    pub kind: String,
    /// What to attach (Russian).
    pub title: String,
    /// Must be attached before submitting.
    #[serde(default)]
    pub required: bool,
    /// Allowed formats: `pdf`, `jpeg`, `png` (default all three).
    #[serde(default = "default_formats")]
    pub formats: Vec<String>,
    /// Largest file in MB (default 5).
    #[serde(default = "default_max_mb")]
    pub max_mb: u32,
}

fn default_formats() -> Vec<String> {
    vec!["pdf".into(), "jpeg".into(), "png".into()]
}

fn default_max_mb() -> u32 {
    5
}

/// A service definition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    /// Stable id: lowercase letters, digits and `-`.
    pub id: String,
    /// `service` (default) or `appeal`.
    #[serde(default)]
    pub kind: Kind,
    /// Section («Образование», «Налоги», …).
    pub section: String,
    /// Title.
    pub title: String,
    /// One sentence for the service card.
    pub summary: String,
    /// The full description (paragraphs separated by blank lines).
    pub description: String,
    /// Who may apply.
    pub applicants: Vec<Applicant>,
    /// The account level needed: `simplified`, `standard` or `confirmed`.
    pub level: String,
    /// Processing time in working days.
    pub processing_days: u32,
    /// Fee in kopecks (0: free).
    #[serde(default)]
    pub fee_kopecks: u64,
    /// What the applicant receives.
    pub result: String,
    /// Other words people search with.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// The form, step by step.
    pub steps: Vec<Step>,
    /// Documents to attach.
    #[serde(default)]
    pub documents: Vec<DocumentSpec>,
}

impl Definition {
    /// Every field of every step.
    pub fn fields(&self) -> impl Iterator<Item = &Field> {
        self.steps.iter().flat_map(|s| s.fields.iter())
    }

    /// The fee as shown: «Бесплатно» or `1 500,00 ₽`.
    pub fn fee_text(&self) -> String {
        if self.fee_kopecks == 0 {
            return "Бесплатно".to_owned();
        }
        let rubles = (self.fee_kopecks / 100).to_string();
        let mut grouped = String::new();
        for (i, c) in rubles.chars().enumerate() {
            if i > 0 && (rubles.len() - i).is_multiple_of(3) {
                grouped.push('\u{a0}');
            }
            grouped.push(c);
        }
        format!("{grouped},{:02}\u{a0}₽", self.fee_kopecks % 100)
    }
}

/// A problem in a definition file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogError {
    /// The file.
    pub file: PathBuf,
    /// The line (1-based), when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for CatalogError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file.display(), self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

fn line_at(source: &str, offset: usize) -> usize {
    source[..offset.min(source.len())].matches('\n').count() + 1
}

/// The line of the first occurrence of `needle`, if any.
fn line_of(source: &str, needle: &str) -> Option<usize> {
    source.find(needle).map(|at| line_at(source, at))
}

const LEVELS: &[&str] = &["simplified", "standard", "confirmed"];
const FORMATS: &[&str] = &["pdf", "jpeg", "png"];

fn valid_id(s: &str, extra: char) -> bool {
    (2..=64).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == extra)
}

/// Parses and checks one definition; every problem found is reported.
pub fn parse(file: &Path, source: &str) -> Result<Definition, Vec<CatalogError>> {
    let err = |line: Option<usize>, message: String| CatalogError {
        file: file.to_owned(),
        line,
        message,
    };
    let def: Definition = match toml::from_str(source) {
        Ok(d) => d,
        Err(e) => {
            let line = e.span().map(|s| line_at(source, s.start));
            return Err(vec![err(line, e.message().trim().to_owned())]);
        }
    };
    let mut errors = Vec::new();
    let mut check = |ok: bool, needle: &str, message: String| {
        if !ok {
            errors.push(err(line_of(source, needle), message));
        }
    };
    check(
        valid_id(&def.id, '-'),
        "id",
        format!(
            "id {:?}: 2–64 lowercase Latin letters, digits and -",
            def.id
        ),
    );
    for (key, value) in [
        ("section", &def.section),
        ("title", &def.title),
        ("summary", &def.summary),
        ("description", &def.description),
        ("result", &def.result),
    ] {
        check(
            !value.trim().is_empty(),
            key,
            format!("{key} must not be empty"),
        );
    }
    check(
        !def.applicants.is_empty(),
        "applicants",
        "applicants: name at least one of individual, organisation".into(),
    );
    check(
        LEVELS.contains(&def.level.as_str()),
        "level",
        format!(
            "level {:?}: one of simplified, standard, confirmed",
            def.level
        ),
    );
    check(
        (1..=365).contains(&def.processing_days),
        "processing_days",
        "processing_days: 1 to 365 working days".into(),
    );
    check(
        !def.steps.is_empty(),
        "title",
        "the form needs at least one [[steps]]".into(),
    );
    let mut names = HashSet::new();
    for step in &def.steps {
        check(
            !step.fields.is_empty(),
            &step.title,
            format!("step {:?} has no fields", step.title),
        );
        for f in &step.fields {
            let at = format!("name = \"{}\"", f.name);
            check(
                valid_id(&f.name, '_'),
                &at,
                format!(
                    "field name {:?}: lowercase Latin letters, digits and _",
                    f.name
                ),
            );
            check(
                names.insert(f.name.clone()),
                &at,
                format!("field name {:?} is used twice", f.name),
            );
            check(
                !f.label.trim().is_empty(),
                &at,
                format!("field {:?} has no label", f.name),
            );
            check(
                f.kind != FieldType::Select || !f.options.is_empty(),
                &at,
                format!("select {:?} has no options", f.name),
            );
            check(
                f.kind == FieldType::Select || f.options.is_empty(),
                &at,
                format!("field {:?}: options are for select only", f.name),
            );
            check(
                f.kind != FieldType::File,
                &at,
                format!(
                    "field {:?}: describe documents to attach as [[documents]], not as a file field",
                    f.name
                ),
            );
            if let (Some(min), Some(max)) = (f.min_length, f.max_length) {
                check(
                    min <= max,
                    &at,
                    format!("field {:?}: min_length is above max_length", f.name),
                );
            }
            if let (Some(min), Some(max)) = (f.min, f.max) {
                check(
                    min <= max,
                    &at,
                    format!("field {:?}: min is above max", f.name),
                );
            }
            if let Some(binding) = &f.prefill {
                check(
                    crate::profile::PREFILL_BINDINGS.contains(&binding.as_str())
                        || binding.starts_with("previous."),
                    &at,
                    format!(
                        "field {:?}: unknown prefill {:?} (profile.* bindings or previous.<field>)",
                        f.name, binding
                    ),
                );
            }
        }
    }
    let mut kinds = HashSet::new();
    for d in &def.documents {
        let at = format!("kind = \"{}\"", d.kind);
        check(
            valid_id(&d.kind, '_'),
            &at,
            format!(
                "document kind {:?}: lowercase Latin letters, digits and _",
                d.kind
            ),
        );
        check(
            kinds.insert(d.kind.clone()),
            &at,
            format!("document kind {:?} is used twice", d.kind),
        );
        check(
            !d.formats.is_empty() && d.formats.iter().all(|f| FORMATS.contains(&f.as_str())),
            &at,
            format!("document {:?}: formats are pdf, jpeg, png", d.kind),
        );
        check(
            (1..=20).contains(&d.max_mb),
            &at,
            format!("document {:?}: max_mb 1 to 20", d.kind),
        );
    }
    if errors.is_empty() {
        Ok(def)
    } else {
        Err(errors)
    }
}

/// The production calendar file (`calendar.toml` in the catalog directory).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarFile {
    #[serde(default)]
    holidays: Vec<String>,
    #[serde(default)]
    working_weekends: Vec<String>,
}

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
        include_str!("../../../catalog/calendar.toml"),
    ),
    (
        "appeal-complaint.toml",
        include_str!("../../../catalog/appeal-complaint.toml"),
    ),
    (
        "appeal-question.toml",
        include_str!("../../../catalog/appeal-question.toml"),
    ),
    (
        "appeal-status-certificate.toml",
        include_str!("../../../catalog/appeal-status-certificate.toml"),
    ),
    (
        "education-certificate.toml",
        include_str!("../../../catalog/education-certificate.toml"),
    ),
    (
        "education-enrolment.toml",
        include_str!("../../../catalog/education-enrolment.toml"),
    ),
    (
        "notary-copy.toml",
        include_str!("../../../catalog/notary-copy.toml"),
    ),
    (
        "notary-remote.toml",
        include_str!("../../../catalog/notary-remote.toml"),
    ),
    (
        "social-child-benefit.toml",
        include_str!("../../../catalog/social-child-benefit.toml"),
    ),
    (
        "social-large-family.toml",
        include_str!("../../../catalog/social-large-family.toml"),
    ),
    (
        "tax-deduction-education.toml",
        include_str!("../../../catalog/tax-deduction-education.toml"),
    ),
    (
        "tax-no-debt.toml",
        include_str!("../../../catalog/tax-no-debt.toml"),
    ),
];

/// Imports the built-in demo catalog (demo mode); unchanged definitions stay as they are.
pub async fn import_demo(app: &App) -> Result<Imported, AppError> {
    let sources: Vec<(PathBuf, String)> = DEMO
        .iter()
        .map(|(name, text)| (PathBuf::from("catalog").join(name), (*text).to_owned()))
        .collect();
    match import_sources(app, &Ctx::system(), &sources).await {
        Ok(done) => Ok(done),
        Err(Err(e)) => Err(e),
        Err(Ok(errors)) => Err(AppError::Store(kabinet_store::StoreError::Corrupt(
            format!(
                "the built-in demo catalog is invalid: {}",
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
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
        let json = serde_json::to_string(def).map_err(|e| {
            Err(AppError::Store(kabinet_store::StoreError::Corrupt(
                e.to_string(),
            )))
        })?;
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

/// Lowercase words of a text (letters and digits), `ё` read as `е`.
pub fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .replace('ё', "е")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Optimal string alignment distance (one swap of neighbours counts as one edit),
/// capped: anything above `cap` is `cap + 1`.
pub fn edit_distance(a: &str, b: &str, cap: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > cap {
        return cap + 1;
    }
    let mut prev2 = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(prev2[j - 2] + 1);
            }
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()].min(cap + 1)
}

/// Words too common to search by.
const STOP: &[&str] = &[
    "и", "в", "во", "на", "о", "об", "по", "для", "с", "со", "к", "от", "из", "за", "а", "или",
    "не", "как", "мне", "моя", "мой", "мои",
];

struct Indexed<'a> {
    service: &'a Service,
    /// stem → the best weight it appears with.
    stems: HashMap<String, u32>,
    /// the words as written, for typo matching.
    words: BTreeSet<String>,
}

/// A search hit.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit<'a> {
    /// The service.
    pub service: &'a Service,
    /// Its score (higher first).
    pub score: f64,
}

/// Searches services by a query in Russian: each query word matches a service word
/// with the same stem (справки, справку → справк), or — for words of 5 letters or
/// more — a word or stem one edit away (one wrong, missing, extra or swapped letter).
/// Words found in the title weigh most, then keywords, then the section, then the
/// text. At least two thirds of the query words must match (people add words the
/// service does not use: «записать ребёнка в секцию»); ranked by score, then title.
pub fn search<'a>(services: &'a [Service], query: &str) -> Vec<Hit<'a>> {
    let stemmer = Stemmer::create(Algorithm::Russian);
    let stem = |w: &str| stemmer.stem(w).into_owned();
    let terms: Vec<String> = words(query)
        .into_iter()
        .filter(|w| !STOP.contains(&w.as_str()))
        .collect();
    if terms.is_empty() {
        return Vec::new();
    }
    let index: Vec<Indexed> = services
        .iter()
        .map(|s| {
            let mut stems = HashMap::new();
            let mut all = BTreeSet::new();
            let d = &s.def;
            let fields: Vec<(String, u32)> = vec![
                (d.title.clone(), 8),
                (d.keywords.join(" "), 5),
                (d.section.clone(), 3),
                (d.summary.clone(), 2),
                (format!("{} {}", d.description, d.result), 1),
            ];
            for (text, weight) in fields {
                for w in words(&text) {
                    let st = stem(&w);
                    let e = stems.entry(st).or_insert(0);
                    *e = (*e).max(weight);
                    all.insert(w);
                }
            }
            Indexed {
                service: s,
                stems,
                words: all,
            }
        })
        .collect();
    let mut hits: Vec<Hit> = index
        .iter()
        .filter_map(|ix| {
            let mut score = 0.0;
            let mut matched = 0;
            for term in &terms {
                let st = stem(term);
                let exact = ix.stems.get(&st).copied();
                let best: Option<f64> = (|| match exact {
                    Some(w) => Some(f64::from(w)),
                    None if term.chars().count() >= 5 => {
                        // One edit away from a word as written or from a stem.
                        let fuzzy = ix
                            .stems
                            .iter()
                            .filter(|(s, _)| {
                                s.chars().count() >= 4 && edit_distance(&st, s, 1) <= 1
                            })
                            .map(|(_, w)| *w)
                            .chain(
                                ix.words
                                    .iter()
                                    .filter(|w| {
                                        w.chars().count() >= 5 && edit_distance(term, w, 1) <= 1
                                    })
                                    .filter_map(|w| ix.stems.get(&stem(w)).copied()),
                            )
                            .max()?;
                        Some(f64::from(fuzzy) * 0.7)
                    }
                    None => {
                        // A short word may be the start of a longer one (`нотар` → нотариат).
                        let prefix = ix
                            .stems
                            .iter()
                            .filter(|(s, _)| {
                                term.chars().count() >= 3 && s.starts_with(st.as_str())
                            })
                            .map(|(_, w)| *w)
                            .max()?;
                        Some(f64::from(prefix) * 0.5)
                    }
                })();
                if let Some(best) = best {
                    score += best;
                    matched += 1;
                }
            }
            (matched > 0 && matched * 3 >= terms.len() * 2).then_some(Hit {
                service: ix.service,
                score,
            })
        })
        .collect();
    hits.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.service.def.title.cmp(&b.service.def.title))
    });
    hits
}

#[cfg(test)]
mod tests {
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
    fn fees_read_as_money() {
        let mut d: Definition =
            toml::from_str(include_str!("../../../catalog/education-certificate.toml")).unwrap();
        d.fee_kopecks = 0;
        assert_eq!(d.fee_text(), "Бесплатно");
        d.fee_kopecks = 150_000;
        assert_eq!(d.fee_text(), "1\u{a0}500,00\u{a0}₽");
        d.fee_kopecks = 12_345_678;
        assert_eq!(d.fee_text(), "123\u{a0}456,78\u{a0}₽");
    }
}

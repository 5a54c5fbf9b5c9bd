//! A service definition file and its checking.

use kabinet_domain::account::AccountLevel;
use kabinet_domain::form::{Field, FieldType};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

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

pub(super) fn default_formats() -> Vec<String> {
    vec!["pdf".into(), "jpeg".into(), "png".into()]
}

pub(super) fn default_max_mb() -> u32 {
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
    /// The account level the service needs; `None` only for a definition that did
    /// not pass [`parse`] (its `level` names no [`AccountLevel`]).
    pub fn required_level(&self) -> Option<AccountLevel> {
        AccountLevel::parse(&self.level)
    }

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

pub(super) fn line_at(source: &str, offset: usize) -> usize {
    source[..offset.min(source.len())].matches('\n').count() + 1
}

/// The line of the first occurrence of `needle`, if any.
pub(super) fn line_of(source: &str, needle: &str) -> Option<usize> {
    source.find(needle).map(|at| line_at(source, at))
}

pub(super) const FORMATS: &[&str] = &["pdf", "jpeg", "png"];

pub(super) fn valid_id(s: &str, extra: char) -> bool {
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
    let (def, mut errors, stood_in) = read_collecting(file, source)?;
    let mut check = |ok: bool, needle: &str, message: String| {
        // A value stood in for one already reported is not reported again.
        let about_stand_in = message
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .any(|word| stood_in.contains(word));
        if !ok && !about_stand_in {
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
        def.required_level().is_some(),
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

/// Values tried in place of a refused or missing one, so that reading goes on to the
/// next problem: one of them has the type the definition expects.
const STAND_INS: &[&str] = &["\"\"", "0", "[]", "false", "{}"];

/// Reads a definition reporting every problem of the file, not just the first: a
/// value of the wrong type is reported, then its line is set aside (and a missing
/// value stood in for) and the text is read again, until it reads or nothing more can
/// be learnt. A syntax error ends the reading (what follows it cannot be trusted).
/// Returns the definition as read, the problems found and the keys stood in for, or
/// the problems when it could not be read at all.
#[allow(clippy::type_complexity)]
fn read_collecting(
    file: &Path,
    source: &str,
) -> Result<(Definition, Vec<CatalogError>, HashSet<String>), Vec<CatalogError>> {
    let err = |line: Option<usize>, message: String| CatalogError {
        file: file.to_owned(),
        line,
        message,
    };
    // Each line with its line number in the file (`None` for a stand-in).
    let mut lines: Vec<(Option<usize>, String)> = source
        .lines()
        .enumerate()
        .map(|(i, l)| (Some(i + 1), l.to_owned()))
        .collect();
    let mut errors = Vec::new();
    let mut patched = HashSet::new();
    // The stand-in being tried for a key: (index in `lines`, key, next candidate).
    let mut trying: Option<(usize, String, usize)> = None;
    for _ in 0..200 {
        let text = lines
            .iter()
            .map(|(_, l)| l.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        let e = match toml::from_str::<Definition>(&text) {
            Ok(def) => return Ok((def, errors, patched)),
            Err(e) => e,
        };
        let at = e.span().map(|s| line_at(&text, s.start));
        let original = |at: Option<usize>| {
            at.and_then(|l| {
                lines[..l.min(lines.len())]
                    .iter()
                    .rev()
                    .find_map(|(o, _)| *o)
            })
        };
        let message = e.message().trim().to_owned();
        // A stand-in of the wrong type: try the next one.
        let missing = message.starts_with("missing field `");
        if let Some((index, key, next)) = trying.take()
            && at == Some(index + 1)
            && !missing
        {
            if let Some(value) = STAND_INS.get(next) {
                lines[index].1 = format!("{key} = {value}");
                trying = Some((index, key, next + 1));
                continue;
            }
            break;
        }
        let syntax = toml::from_str::<toml::Table>(&text).is_err();
        if syntax {
            if errors.is_empty() {
                errors.push(err(original(at), message));
            }
            break;
        }
        if let Some(key) = missing
            .then(|| message.strip_prefix("missing field `"))
            .flatten()
            .and_then(|m| m.split('`').next())
            .map(str::to_owned)
        {
            // Stand in for it where it was set aside, or else just below the table's
            // header (or at the top): reported once, unless it was set aside for its
            // own problem.
            let aside = lines
                .iter()
                .position(|(_, l)| l.starts_with(&format!("# kabinet: {key} =")));
            let index = match aside {
                Some(i) => i,
                None => {
                    errors.push(err(original(at), message));
                    // A table's header line, or the top of the file for the top level.
                    let header = |l: usize| lines[l - 1].1.trim_start().starts_with('[');
                    let below = at.filter(|&l| header(l)).unwrap_or(0);
                    lines.insert(below, (None, String::new()));
                    below
                }
            };
            patched.insert(key.clone());
            lines[index].1 = format!("{key} = {}", STAND_INS[0]);
            trying = Some((index, key, 1));
            continue;
        }
        errors.push(err(original(at), message));
        // Set the offending line aside and read again.
        let Some(index) = at.map(|l| l - 1).filter(|&i| i < lines.len()) else {
            break;
        };
        let line = lines[index].1.clone();
        if line.starts_with("# kabinet:") {
            break;
        }
        if let Some((key, _)) = line.split_once('=') {
            patched.insert(key.trim().to_owned());
        }
        lines[index].1 = format!("# kabinet: {line}");
    }
    if errors.is_empty() {
        errors.push(err(None, "the definition could not be read".into()));
    }
    Err(errors)
}

/// The production calendar file (`calendar.toml` in the catalog directory).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CalendarFile {
    #[serde(default)]
    pub(super) holidays: Vec<String>,
    #[serde(default)]
    pub(super) working_weekends: Vec<String>,
}

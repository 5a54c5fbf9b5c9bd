//! Searching services by words, forgiving small typos.

use rust_stemmers::{Algorithm, Stemmer};
use std::collections::{BTreeSet, HashMap};

use super::*;

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
pub(super) const STOP: &[&str] = &[
    "и", "в", "во", "на", "о", "об", "по", "для", "с", "со", "к", "от", "из", "за", "а", "или",
    "не", "как", "мне", "моя", "мой", "мои",
];

pub(super) struct Indexed<'a> {
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

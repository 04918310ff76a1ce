//! `docs/asvs.toml`: its rows, and the checks on their shape that need no
//! build (the test references are checked against the real test list in
//! `listing.rs`).

use std::{collections::BTreeSet, fmt};

use serde::Deserialize;

/// The ten ASVS 5.0 chapters the map covers (issue 16), with their titles
/// as ASVS 5.0.0 spells them (`5.0/en/0x10-V1-...` to `0x25-V16-...`).
pub(crate) const CHAPTERS: [(u8, &str); 10] = [
    (1, "Encoding and Sanitization"),
    (5, "File Handling"),
    (6, "Authentication"),
    (7, "Session Management"),
    (9, "Self-contained Tokens"),
    (11, "Cryptography"),
    (13, "Configuration"),
    (14, "Data Protection"),
    (15, "Secure Coding and Architecture"),
    (16, "Security Logging and Error Handling"),
];

/// The fewest rows the map may have (issue 16: "at least 40").
pub(crate) const MIN_ROWS: usize = 40;

/// The longest summary, in characters: one line of a table cell.
pub(crate) const MAX_SUMMARY_CHARS: usize = 160;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Map {
    /// Which ASVS the ids and levels were read from.
    pub(crate) asvs: Source,
    /// One per requirement, sorted by id.
    #[serde(rename = "requirement")]
    pub(crate) rows: Vec<Row>,
}

/// The ASVS release the map follows.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Source {
    /// `5.0.0`.
    pub(crate) version: String,
    /// The git tag of github.com/OWASP/ASVS read.
    pub(crate) tag: String,
    /// The commit that tag names, 40 hex digits.
    pub(crate) commit: String,
    /// Where a reader finds the requirement texts.
    pub(crate) url: String,
}

/// One ASVS requirement guardrail helps meet.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Row {
    /// `V<chapter>.<section>.<requirement>`, as ASVS 5.0 numbers it.
    pub(crate) id: String,
    /// The ASVS level that first requires it: 1, 2 or 3.
    pub(crate) level: u8,
    /// One line in our own words: what guardrail does, and what is left
    /// to the product team.
    pub(crate) summary: String,
    /// The API that helps (Markdown, usually code spans).
    pub(crate) api: String,
    /// `<source file of the test target>::<test name as the harness lists it>`.
    pub(crate) tests: Vec<String>,
    /// Why no test backs the row; required when `tests` is empty.
    #[serde(default)]
    pub(crate) no_test: Option<String>,
}

/// A parsed requirement id, ordered as ASVS orders them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Id {
    pub(crate) chapter: u8,
    pub(crate) section: u8,
    pub(crate) requirement: u8,
}

impl Id {
    /// `V6.2.1`: a `V`, then three positive numbers without leading zeros.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let mut parts = text.strip_prefix('V')?.split('.').map(|part| {
            let well_formed = !part.is_empty() && !part.starts_with('0') && part.bytes().all(|b| b.is_ascii_digit());
            if well_formed { part.parse::<u8>().ok() } else { None }
        });
        let id = Self { chapter: parts.next()??, section: parts.next()??, requirement: parts.next()?? };
        parts.next().is_none().then_some(id)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "V{}.{}.{}", self.chapter, self.section, self.requirement)
    }
}

/// Parses the file's text.
pub(crate) fn parse(text: &str) -> Result<Map, String> {
    toml::from_str(text).map_err(|e| format!("docs/asvs.toml does not parse: {e}"))
}

/// Every way the map breaks the rules of its format, one message each
/// (empty when it keeps them all).
pub(crate) fn problems(map: &Map) -> Vec<String> {
    let mut out = source_problems(&map.asvs);
    let mut previous: Option<Id> = None;
    for row in &map.rows {
        let Some(id) = Id::parse(&row.id) else {
            out.push(format!("{:?}: not an id of the form V<chapter>.<section>.<requirement>", row.id));
            continue;
        };
        if let Some(before) = previous.filter(|before| *before >= id) {
            let what = if before == id { "duplicate id" } else { "out of order" };
            out.push(format!("{id}: {what} (after {before}); rows are sorted by id, one per requirement"));
        }
        previous = Some(id);
        if !CHAPTERS.iter().any(|(chapter, _)| *chapter == id.chapter) {
            out.push(format!("{id}: chapter V{} is not one of the ten the map covers", id.chapter));
        }
        out.extend(row_problems(row).into_iter().map(|p| format!("{id}: {p}")));
    }
    if map.rows.len() < MIN_ROWS {
        out.push(format!("{} rows; the map needs at least {MIN_ROWS}", map.rows.len()));
    }
    for (chapter, title) in CHAPTERS {
        if !map.rows.iter().any(|row| Id::parse(&row.id).is_some_and(|id| id.chapter == chapter)) {
            out.push(format!("chapter V{chapter} ({title}) has no row"));
        }
    }
    out
}

fn source_problems(source: &Source) -> Vec<String> {
    let mut out = Vec::new();
    if !source.version.starts_with("5.0") {
        out.push(format!("[asvs] version {:?}: the map follows ASVS 5.0", source.version));
    }
    if source.commit.len() != 40 || !source.commit.bytes().all(|b| b.is_ascii_hexdigit()) {
        out.push("[asvs] commit: 40 hex digits".to_owned());
    }
    if source.tag.is_empty() || !source.url.starts_with("https://") {
        out.push("[asvs] needs the tag read and an https url".to_owned());
    }
    out
}

/// The problems of one row's fields other than its id.
fn row_problems(row: &Row) -> Vec<String> {
    let mut out = Vec::new();
    if !(1..=3).contains(&row.level) {
        out.push(format!("level {} is not 1, 2 or 3", row.level));
    }
    let chars = row.summary.chars().count();
    if row.summary.trim().is_empty() || chars > MAX_SUMMARY_CHARS {
        out.push(format!("summary of {chars} characters; one line of 1..={MAX_SUMMARY_CHARS}"));
    }
    if row.api.trim().is_empty() {
        out.push("api is empty".to_owned());
    }
    for (field, text) in [("summary", &row.summary), ("api", &row.api)] {
        if text.contains(['\n', '\r', '|']) {
            out.push(format!("{field} holds a line break or a `|`, which would break the table"));
        }
    }
    match (&row.no_test, row.tests.is_empty()) {
        (None, true) => out.push("no tests and no `no_test` reason".to_owned()),
        (Some(_), false) => out.push("both tests and a `no_test` reason".to_owned()),
        (Some(why), true) if why.trim().is_empty() || why.contains(['\n', '|']) => {
            out.push("`no_test` must be one line saying why".to_owned());
        }
        _ => {}
    }
    let mut seen = BTreeSet::new();
    for reference in &row.tests {
        let well_formed =
            reference.split_once("::").is_some_and(|(file, name)| file.ends_with(".rs") && !name.is_empty());
        if !well_formed {
            out.push(format!("{reference:?} is not `<path/to/file.rs>::<test name>`"));
        }
        if !seen.insert(reference) {
            out.push(format!("{reference} is listed twice"));
        }
    }
    out
}

//! gitleaks v8's matching of one rule, emulated (gitleaks is a Go binary
//! that none of the registries CI reaches ships officially).
//!
//! What gitleaks 8.30 does per file (`detect/detect.go`, `Detect` and
//! `detectRule`; `detect/utils.go`, `shannonEntropy`), and what this does:
//! - a rule with keywords runs only if one of them occurs in the
//!   lower-cased text (gitleaks' Aho-Corasick prefilter);
//! - the regex runs over the whole text (`FindAllStringIndex`), so `^` and
//!   `$` are its start and end; Go's RE2 here is the `regex` crate on bytes
//!   with Unicode off: `\b`, `\d`, `\w` are ASCII as in RE2, and neither
//!   has lookaround or backreferences ([`check_re2_subset`] refuses the
//!   syntax where the two differ);
//! - each match is trimmed of `\n`, the regex is run again on it
//!   (`FindStringSubmatch`), and the secret is group `secretGroup`, else the
//!   first non-empty group, else the whole match;
//! - a rule with `entropy` drops a finding whose secret's Shannon entropy
//!   (per character, log base 2) is at or below it;
//! - a finding whose line(s) hold `gitleaks:allow` is dropped.
//!
//! Not emulated: the default rules and global allowlist that `[extend]
//! useDefault` brings, decoding passes (base64, hex, percent), baselines,
//! `.gitleaksignore` and line numbers.

use std::collections::BTreeMap;

use regex::bytes::{Regex, RegexBuilder};

/// One `[[rules]]` entry of a gitleaks config.
#[derive(Debug)]
pub(crate) struct Rule {
    pub(crate) id: String,
    regex: Regex,
    secret_group: usize,
    entropy: f64,
    keywords: Vec<String>,
}

/// A rule's finding: the rule id and the secret.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Finding {
    pub(crate) rule: String,
    pub(crate) secret: String,
}

/// RE2 syntax the `regex` crate reads differently or that RE2 lacks:
/// the pattern must not contain these.
const NOT_RE2: &[(&str, &str)] = &[
    ("(?=", "lookahead"),
    ("(?!", "negative lookahead"),
    ("(?<", "lookbehind or a named group in .NET syntax"),
    (r"\<", "start-of-word assertion (regex crate only)"),
    (r"\>", "end-of-word assertion (regex crate only)"),
    (r"\b{", "special word boundary (regex crate only)"),
    ("&&", "class intersection (regex crate only)"),
    ("~~", "class symmetric difference (regex crate only)"),
    ("--", "class difference (regex crate only)"),
    ("[[", "nested class (regex crate only; RE2 reads [[:name:]] only)"),
    (r"\s", "\\s (RE2's lacks \\v, the regex crate's has it): write [ \\t\\r\\n]"),
];

/// Refuses syntax where Go's RE2 and the `regex` crate differ, naming it.
pub(crate) fn check_re2_subset(id: &str, pattern: &str) -> Result<(), String> {
    for (token, what) in NOT_RE2 {
        if pattern.contains(token) {
            return Err(format!("rule {id}: {what} ({token}) is not RE2 as the regex crate reads it"));
        }
    }
    // Backreferences: \1 .. \9 (the regex crate refuses them too).
    if pattern.as_bytes().windows(2).any(|w| w[0] == b'\\' && w[1].is_ascii_digit() && w[1] != b'0') {
        return Err(format!("rule {id}: backreference"));
    }
    Ok(())
}

impl Rule {
    /// A rule from its TOML table; every problem names the rule.
    pub(crate) fn from_toml(table: &toml::Table) -> Result<Self, String> {
        let id = table.get("id").and_then(toml::Value::as_str).ok_or("a rule without an id")?.to_owned();
        let known = ["id", "description", "regex", "secretGroup", "entropy", "keywords", "tags"];
        if let Some(key) = table.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(format!("rule {id}: field {key} is not emulated"));
        }
        let pattern = table.get("regex").and_then(toml::Value::as_str).ok_or(format!("rule {id}: no regex"))?;
        check_re2_subset(&id, pattern)?;
        let regex = RegexBuilder::new(pattern).unicode(false).build().map_err(|e| format!("rule {id}: {e}"))?;
        let secret_group = table.get("secretGroup").map_or(Some(0), toml::Value::as_integer).unwrap_or(-1);
        let secret_group = usize::try_from(secret_group).map_err(|_| format!("rule {id}: secretGroup"))?;
        if secret_group >= regex.captures_len() {
            return Err(format!("rule {id}: secretGroup {secret_group} past the regex's groups"));
        }
        let entropy = match table.get("entropy") {
            None => 0.0,
            Some(v) => v.as_float().ok_or(format!("rule {id}: entropy is not a float"))?,
        };
        let strings = |key: &str| -> Result<Vec<String>, String> {
            let list = table.get(key).and_then(toml::Value::as_array).ok_or(format!("rule {id}: no {key}"))?;
            list.iter().map(|v| v.as_str().map(str::to_owned).ok_or(format!("rule {id}: {key}"))).collect()
        };
        let keywords = strings("keywords")?;
        if keywords.is_empty() || strings("tags")?.is_empty() {
            return Err(format!("rule {id}: keywords and tags must not be empty"));
        }
        if table.get("description").and_then(toml::Value::as_str).is_none_or(str::is_empty) {
            return Err(format!("rule {id}: no description"));
        }
        Ok(Self { id, regex, secret_group, entropy, keywords })
    }

    /// This rule's findings in `text`, as gitleaks finds them.
    pub(crate) fn findings(&self, text: &str) -> Vec<Finding> {
        let lower = text.to_lowercase();
        if !self.keywords.iter().any(|k| lower.contains(&k.to_lowercase())) {
            return Vec::new();
        }
        let mut out = Vec::new();
        let bytes = text.as_bytes();
        for m in self.regex.find_iter(bytes) {
            let line_start = bytes[..m.start()].iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
            let line_end = bytes[m.end()..].iter().position(|b| *b == b'\n').map_or(bytes.len(), |i| m.end() + i);
            if text[line_start..line_end].contains("gitleaks:allow") {
                continue;
            }
            let matched = trim_newlines(m.as_bytes());
            let secret = match self.regex.captures(matched) {
                Some(groups) if groups.len() >= 2 => {
                    if self.secret_group > 0 {
                        groups.get(self.secret_group).map_or(&b""[..], |g| g.as_bytes())
                    } else {
                        groups.iter().skip(1).flatten().map(|g| g.as_bytes()).find(|g| !g.is_empty()).unwrap_or(matched)
                    }
                }
                _ => matched,
            };
            let secret = String::from_utf8_lossy(secret).into_owned();
            if self.entropy != 0.0 && shannon_entropy(&secret) <= self.entropy {
                continue;
            }
            out.push(Finding { rule: self.id.clone(), secret });
        }
        out
    }
}

/// `strings.Trim(s, "\n")`.
fn trim_newlines(mut s: &[u8]) -> &[u8] {
    while let [b'\n', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b'\n'] = s {
        s = rest;
    }
    s
}

/// gitleaks' `shannonEntropy`: characters counted as runes, frequencies over
/// the length in bytes.
pub(crate) fn shannon_entropy(data: &str) -> f64 {
    if data.is_empty() {
        return 0.0;
    }
    let mut counts = BTreeMap::new();
    for c in data.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let inv_len = 1.0 / data.len() as f64;
    counts.values().map(|&n| n as f64 * inv_len).map(|f| -f * f.log2()).sum()
}

/// Every rule's findings in `text`, sorted.
pub(crate) fn scan(rules: &[Rule], text: &str) -> Vec<Finding> {
    let mut all: Vec<Finding> = rules.iter().flat_map(|r| r.findings(text)).collect();
    all.sort();
    all
}

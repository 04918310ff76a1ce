//! policy/gitleaks.toml, the secret-scanning rules for guardrail's formats
//! (docs/src/secret-scanning.md): every rule finds freshly generated
//! secrets of its format pasted into realistic text, finds nothing in
//! random strings of the same length and alphabet (or with the format's
//! prefix or header broken), and no rule goes untested.
//!
//! gitleaks' matching is emulated (tests/gitleaks/emulate.rs says what of
//! it, and what not). When a `gitleaks` binary is found (`$GITLEAKS`, or
//! on `PATH`) the same samples also go through it, and its findings must
//! equal the emulation's.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::expect_used, clippy::panic)] // test code

mod gitleaks {
    pub(crate) mod emulate;
    pub(crate) mod samples;
}

use std::{collections::BTreeSet, path::PathBuf};

use gitleaks::{
    emulate::{Finding, Rule, check_re2_subset, scan, shannon_entropy},
    samples::{CONTEXTS, GENERATORS, Sample, paste},
};

/// Fresh secrets per rule.
const N: usize = 50;

fn config_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../policy/gitleaks.toml")
}

/// The config as TOML, and its rules.
fn config() -> (toml::Table, Vec<Rule>) {
    let text = std::fs::read_to_string(config_path()).unwrap();
    let table: toml::Table = text.parse().unwrap();
    let rules = table["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| Rule::from_toml(r.as_table().unwrap()).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    (table, rules)
}

/// `n` samples of each rule's format.
fn samples(n: usize) -> Vec<(&'static str, Sample)> {
    GENERATORS.iter().flat_map(|(id, make)| (0..n).map(move |_| (*id, make()))).collect()
}

/// The contexts a sample's text is pasted into: all of them for a one-line
/// text, the whole file for a multi-line one (the keyring file).
fn contexts(text: &str) -> &'static [&'static str] {
    if text.contains('\n') { &CONTEXTS[..1] } else { CONTEXTS }
}

#[test]
fn the_config_is_gitleaks_v8_extending_the_default_rules() {
    let (table, rules) = config();
    assert!(table["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(table["extend"]["useDefault"].as_bool(), Some(true), "teams keep gitleaks' default rules");
    let ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "rule ids are unique: {ids:?}");
    // No untested rule, and no generator for a rule that is gone.
    let tested: BTreeSet<&str> = GENERATORS.iter().map(|(id, _)| *id).collect();
    assert_eq!(unique, tested, "every rule of policy/gitleaks.toml has a generator in tests/gitleaks/samples.rs");
}

#[test]
fn syntax_outside_re2_is_refused() {
    for (pattern, what) in [
        (r"(?=x)abc", "lookahead"),
        (r"\bkey\b(?<!x)", "lookbehind"),
        (r"(a)\1", "backreference"),
        (r"\<word\>", "start-of-word"),
        (r"[a-z&&[^x]]", "intersection"),
        (r"key\s*=", r"\s"),
    ] {
        let e = check_re2_subset("t", pattern).unwrap_err();
        assert!(e.contains(what), "{pattern}: {e}");
    }
    assert!(check_re2_subset("t", r"\b(?:a|b)_[A-Za-z0-9]{36}\b").is_ok());
}

#[test]
fn every_rule_finds_fresh_secrets_of_its_format_in_realistic_text() {
    let (_, rules) = config();
    for (id, sample) in samples(N) {
        for context in contexts(&sample.text) {
            let text = paste(context, &sample.text);
            let mut expected: Vec<Finding> =
                sample.secrets.iter().map(|s| Finding { rule: id.to_owned(), secret: s.clone() }).collect();
            expected.sort();
            // Exactly the secrets, by this rule only: no rule double-reports.
            assert_same(&scan(&rules, &text), &expected, &format!("{id} in {context:?}"));
        }
    }
}

#[test]
fn random_strings_of_the_same_length_and_broken_formats_match_no_rule() {
    let (_, rules) = config();
    for (id, sample) in samples(N) {
        assert!(!sample.impostors.is_empty());
        for impostor in &sample.impostors {
            for context in contexts(impostor) {
                let text = paste(context, impostor);
                assert_same(&scan(&rules, &text), &[], &format!("{id}: impostor in {context:?}"));
            }
        }
    }
}

#[test]
fn entropy_thresholds_sit_well_below_real_secrets() {
    // The least entropy of real secrets, per rule, is above the threshold
    // by a margin (so a threshold never drops a real one by chance), and a
    // placeholder of one repeated character falls under it.
    let (table, _) = config();
    for rule in table["rules"].as_array().unwrap() {
        let id = rule["id"].as_str().unwrap();
        let threshold = rule["entropy"].as_float().unwrap();
        let make = GENERATORS.iter().find(|(g, _)| *g == id).unwrap().1;
        let least = (0..N).flat_map(|_| make().secrets).map(|s| shannon_entropy(&s)).fold(f64::MAX, f64::min);
        assert!(least > threshold + 0.5, "{id}: least entropy {least:.2} vs threshold {threshold}");
        assert!(shannon_entropy(&"A".repeat(44)) <= threshold);
    }
}

#[test]
fn a_gitleaks_allow_comment_silences_its_line_only() {
    let (_, rules) = config();
    let sample = gitleaks::samples::api_key();
    let key = &sample.text;
    let text = format!("EXAMPLE={key} # gitleaks:allow\nREAL={key}\n");
    assert_same(&scan(&rules, &text), &[Finding { rule: "guardrail-api-key".into(), secret: key.clone() }], "allow");
}

/// The guide, the READMEs and the policy kit: no rule fires (an example
/// that looks like a secret carries `gitleaks:allow`). gitleaks skips its
/// own config file, and so does this.
#[test]
fn no_rule_fires_on_the_repository_docs() {
    let (_, rules) = config();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    let mut dirs = vec![root.join("docs"), root.join("policy")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                // Build output (the built book, a fixture crate's target/) is not docs.
                if !path.ends_with("target") && !path.ends_with("docs/book") {
                    dirs.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "md" || e == "toml" || e == "json" || e == "yml") {
                files.push(path);
            }
        }
    }
    for crate_dir in std::fs::read_dir(root.join("crates")).unwrap() {
        files.push(crate_dir.unwrap().path().join("README.md"));
    }
    files.extend(["README.md", "SECURITY.md", "ARCHITECTURE.md"].map(|f| root.join(f)));
    files.retain(|f| f.is_file() && !f.ends_with("policy/gitleaks.toml"));
    assert!(files.len() > 20, "{} files", files.len());
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let found = scan(&rules, &text);
        assert!(found.is_empty(), "{}: {:?}", file.display(), found.iter().map(|f| &f.rule).collect::<Vec<_>>());
    }
}

/// The real gitleaks, when installed: the same samples, the same findings.
#[test]
fn real_gitleaks_agrees_with_the_emulation_when_installed() {
    let Some(binary) = gitleaks_binary() else {
        #[allow(clippy::print_stderr)] // says why the cross-check did not run
        {
            eprintln!("gitleaks not installed ($GITLEAKS or PATH): only the emulation was checked");
        }
        return;
    };
    let (_, rules) = config();
    let dir = tempfile::tempdir().unwrap();
    let mut expected = BTreeSet::new();
    for (i, (id, sample)) in samples(5).into_iter().enumerate() {
        for (j, context) in contexts(&sample.text).iter().enumerate() {
            let text = paste(context, &sample.text);
            std::fs::write(dir.path().join(format!("{id}-{i}-{j}.txt")), &text).unwrap();
            expected.extend(scan(&rules, &text));
        }
        for (j, impostor) in sample.impostors.iter().enumerate() {
            std::fs::write(dir.path().join(format!("{id}-{i}-impostor-{j}.txt")), impostor).unwrap();
        }
    }
    let report = dir.path().join("report.json");
    let ids: Vec<&str> = GENERATORS.iter().map(|(id, _)| *id).collect();
    let status = std::process::Command::new(binary)
        .args([
            "dir",
            "--no-banner",
            "--log-level",
            "error",
            "--exit-code",
            "0",
            "--report-format",
            "json",
            "--enable-rule",
            &ids.join(","),
        ])
        .arg("--config")
        .arg(config_path())
        .arg("--report-path")
        .arg(&report)
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    let found: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    // gitleaks also decodes base64 runs and scans the result again
    // (`--max-decode-depth`, default 5): a signed token whose subject is
    // long base64 text is found a second time, decoded. Those findings are
    // tagged `decoded:<encoding>`; the emulation does not decode, so they
    // are left out of the comparison (they add to ours, never replace).
    let found: BTreeSet<Finding> = found
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !f["Tags"].as_array().unwrap().iter().any(|t| t.as_str().unwrap().starts_with("decoded:")))
        .map(|f| Finding {
            rule: f["RuleID"].as_str().unwrap().to_owned(),
            secret: f["Secret"].as_str().unwrap().to_owned(),
        })
        .collect();
    let found: Vec<Finding> = found.into_iter().collect();
    let expected: Vec<Finding> = expected.into_iter().collect();
    assert_same(&found, &expected, "gitleaks vs the emulation");
}

/// Asserts `found` equals `expected`; a difference is told by rule and
/// count, never by the secrets (test output holds no secret, even a fresh
/// one).
fn assert_same(found: &[Finding], expected: &[Finding], what: &str) {
    if found != expected {
        let rules = |v: &[Finding]| v.iter().map(|f| f.rule.clone()).collect::<Vec<_>>();
        let missing = expected.iter().filter(|f| !found.contains(f)).count();
        let extra = found.iter().filter(|f| !expected.contains(f)).count();
        panic!("{what}: found {:?}, expected {:?} ({missing} missing, {extra} extra)", rules(found), rules(expected));
    }
}

fn gitleaks_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("GITLEAKS") {
        return Some(PathBuf::from(path));
    }
    std::env::split_paths(&std::env::var_os("PATH")?).map(|d| d.join("gitleaks")).find(|p| p.is_file())
}

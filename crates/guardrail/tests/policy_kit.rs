//! The policy kit's files that no tool of theirs checks here stay true.
//!
//! `policy/review-checklist.md`: every item links to a guide chapter that
//! exists and is in the book, and every `#anchor` names a heading of that
//! chapter (mdBook's heading ids), so renaming a chapter or a section
//! cannot leave a team's pull-request template pointing nowhere.
//! `policy/renovate.json` groups every published crate of this workspace.
//! `policy/deny.toml`'s bans name their wrappers by crates that exist.
//! (cargo-deny itself runs `policy/deny.toml` in `.ci/run`.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // test code

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// mdBook's id for a heading: lower-case alphanumerics, `_` and `-` kept,
/// white space turned into `-`, everything else (backticks, punctuation)
/// dropped (mdbook's `normalize_id`).
fn heading_id(heading: &str) -> String {
    heading
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                Some(c.to_ascii_lowercase())
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// The ids of a chapter's headings, outside fenced code blocks (a `# ` line
/// in a Rust block is a hidden line, not a heading).
fn heading_ids(chapter: &str) -> BTreeSet<String> {
    let mut fenced = false;
    let mut ids = BTreeSet::new();
    for line in chapter.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced && line.starts_with('#') {
            ids.insert(heading_id(line.trim_start_matches('#').trim()));
        }
    }
    ids
}

/// The `(target)` of every `[text](target)` on one line.
fn links(line: &str) -> Vec<&str> {
    line.split("](").skip(1).filter_map(|rest| rest.split_once(')').map(|(target, _)| target)).collect()
}

#[test]
fn every_checklist_item_links_to_a_chapter_of_the_book() {
    let checklist = read("policy/review-checklist.md");
    let summary = read("docs/src/SUMMARY.md");
    let items: Vec<&str> = checklist.lines().filter(|l| l.starts_with("- [ ] ")).collect();
    assert!(items.len() >= 20, "the checklist lost items: {} left", items.len());
    let mut problems = Vec::new();
    for item in &items {
        let targets = links(item);
        if targets.is_empty() {
            problems.push(format!("no link: {item}"));
        }
        for target in targets {
            let Some(chapter) = target.strip_prefix("../docs/src/") else {
                problems.push(format!("not a guide chapter: {target}"));
                continue;
            };
            let (file, anchor) = chapter.split_once('#').map_or((chapter, None), |(f, a)| (f, Some(a)));
            let Ok(text) = std::fs::read_to_string(root().join("docs/src").join(file)) else {
                problems.push(format!("no such chapter: {target}"));
                continue;
            };
            if !summary.contains(&format!("]({file})")) {
                problems.push(format!("chapter not in SUMMARY.md: {target}"));
            }
            if let Some(anchor) = anchor
                && !heading_ids(&text).contains(anchor)
            {
                problems.push(format!("no heading #{anchor} in {file}"));
            }
        }
    }
    assert!(problems.is_empty(), "review-checklist.md: {problems:#?}");
}

#[test]
fn heading_ids_follow_mdbook() {
    assert_eq!(heading_id("Reading a `Pii` back"), "reading-a-pii-back");
    assert_eq!(heading_id("`Json` and `Problem`"), "json-and-problem");
    assert_eq!(heading_id("1. cargo-deny in CI"), "1-cargo-deny-in-ci");
    let ids = heading_ids("# Title\n```rust\n# hidden\n```\n## A `b` c\n");
    assert_eq!(ids, BTreeSet::from(["title".to_owned(), "a-b-c".to_owned()]));
}

/// The workspace's published crates (members without `publish = false`).
fn published_crates() -> Vec<String> {
    let manifest: toml::Table = read("Cargo.toml").parse().unwrap();
    let members = manifest["workspace"]["members"].as_array().unwrap();
    let mut names = Vec::new();
    for member in members {
        let dir = member.as_str().unwrap();
        let krate: toml::Table = read(&format!("{dir}/Cargo.toml")).parse().unwrap();
        let package = krate["package"].as_table().unwrap();
        if package.get("publish").and_then(toml::Value::as_bool) != Some(false) {
            names.push(package["name"].as_str().unwrap().to_owned());
        }
    }
    names
}

#[test]
fn renovate_groups_every_published_crate() {
    let renovate: serde_json::Value = serde_json::from_str(&read("policy/renovate.json")).unwrap();
    let rules = renovate["packageRules"].as_array().unwrap();
    let group = rules.iter().find(|r| r["groupName"] == "guardrail crates").expect("the guardrail group");
    let patterns: Vec<&str> =
        group["matchPackageNames"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    let matches =
        |name: &str| patterns.iter().any(|p| p.strip_suffix('*').map_or(*p == name, |prefix| name.starts_with(prefix)));
    let published = published_crates();
    assert!(published.len() >= 10, "published crates: {published:?}");
    let ungrouped: Vec<_> = published.iter().filter(|n| !matches(n)).collect();
    assert!(ungrouped.is_empty(), "published crates outside renovate.json's guardrail group: {ungrouped:?}");
    assert_eq!(renovate["lockFileMaintenance"]["enabled"], true);
    assert!(renovate["vulnerabilityAlerts"].is_object(), "security updates configured");
}

#[test]
fn deny_bans_name_real_wrappers_and_a_reason() {
    let deny: toml::Table = read("policy/deny.toml").parse().unwrap();
    let lock: toml::Table = read("Cargo.lock").parse().unwrap();
    let locked: BTreeSet<&str> =
        lock["package"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    let bans = deny["bans"]["deny"].as_array().unwrap();
    assert!(bans.len() >= 5, "bans: {bans:?}");
    for ban in bans {
        let ban = ban.as_table().unwrap();
        let krate = ban["crate"].as_str().unwrap();
        assert!(ban.contains_key("reason") || ban.contains_key("use-instead"), "{krate}: no reason");
        for wrapper in ban.get("wrappers").and_then(toml::Value::as_array).into_iter().flatten() {
            let wrapper = wrapper.as_str().unwrap();
            assert!(locked.contains(wrapper), "{krate}'s wrapper {wrapper} is in no Cargo.lock entry");
        }
    }
    let sources = deny["sources"].as_table().unwrap();
    assert_eq!(sources["unknown-registry"].as_str(), Some("deny"));
    assert_eq!(sources["unknown-git"].as_str(), Some("deny"));
}

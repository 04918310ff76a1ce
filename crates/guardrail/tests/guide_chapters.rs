//! Every chapter of the guide is in the book and runs as a doctest.
//!
//! `docs/src/**/*.md` is the book (`mdbook build docs`, run by `.ci/run`);
//! `src/lib.rs`'s `guide` module includes each chapter so its Rust code
//! blocks compile and run as doctests of this crate. A chapter missing
//! from either would be a chapter whose examples nobody checks, or one no
//! reader finds.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.md` file under `docs/src`, as a path relative to it.
fn chapter_files() -> BTreeSet<String> {
    fn walk(dir: &Path, base: &Path, out: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, base, out);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.insert(path.strip_prefix(base).unwrap().to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let base = root().join("docs/src");
    let mut out = BTreeSet::new();
    walk(&base, &base, &mut out);
    out.remove("SUMMARY.md");
    out
}

/// The link targets of `(…)` after `](` in `text`.
fn link_targets(text: &str) -> BTreeSet<String> {
    text.split("](").skip(1).filter_map(|rest| rest.split_once(')').map(|(target, _)| target.to_owned())).collect()
}

#[test]
fn every_chapter_is_in_the_summary() {
    let summary = std::fs::read_to_string(root().join("docs/src/SUMMARY.md")).unwrap();
    let linked = link_targets(&summary);
    let missing: Vec<_> = chapter_files().into_iter().filter(|f| !linked.contains(f)).collect();
    assert!(missing.is_empty(), "chapters not in docs/src/SUMMARY.md: {missing:?}");
    let dangling: Vec<_> = linked.iter().filter(|f| !root().join("docs/src").join(f).is_file()).collect();
    assert!(dangling.is_empty(), "SUMMARY.md links to missing files: {dangling:?}");
}

#[test]
fn every_chapter_runs_as_a_doctest() {
    let lib = std::fs::read_to_string(root().join("crates/guardrail/src/lib.rs")).unwrap();
    let included: BTreeSet<String> = lib
        .split("include_str!(\"../../../docs/src/")
        .skip(1)
        .filter_map(|rest| rest.split_once("\")").map(|(path, _)| path.to_owned()))
        .collect();
    let missing: Vec<_> = chapter_files().into_iter().filter(|f| !included.contains(f)).collect();
    assert!(missing.is_empty(), "chapters not in the guide module of crates/guardrail/src/lib.rs: {missing:?}");
}

/// An unlabelled fence is compiled as Rust by rustdoc: a shell session or a
/// TOML file without a language would fail the doctests (or, worse, be
/// skipped as `ignore`). Every fence names its language.
#[test]
fn every_code_block_names_its_language() {
    let mut bare = Vec::new();
    for file in chapter_files() {
        let text = std::fs::read_to_string(root().join("docs/src").join(&file)).unwrap();
        let mut open = false;
        for (n, line) in text.lines().enumerate() {
            let trimmed = line.trim_start();
            if let Some(info) = trimmed.strip_prefix("```") {
                if !open && info.trim().is_empty() {
                    bare.push(format!("{file}:{}", n + 1));
                }
                open = !open;
            }
        }
    }
    assert!(bare.is_empty(), "code blocks without a language (rustdoc would compile them as Rust): {bare:?}");
}

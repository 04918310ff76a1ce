//! The ASVS 5.0 map, `docs/asvs.toml`, cannot rot:
//!
//! - its rows keep their format (`asvs/map.rs`): ids `V<chapter>.<section>.<req>`,
//!   unique and sorted, levels 1..=3, only the ten chapters issue 16 names
//!   and each of them present, one-line summaries, an API, and tests or a
//!   `no_test` reason; at least 40 rows;
//! - every test a row names is a test the workspace's test binaries list
//!   (`asvs/listing.rs`: the nested `cargo test --workspace --locked
//!   --no-run`, then each binary's `--list`). Running this test alone
//!   (`cargo test -p guardrail --test asvs`) therefore builds the whole
//!   workspace's tests first: slow the first time; in CI they are built
//!   already;
//! - the book's chapter `docs/src/asvs.md` is the map's render
//!   (`asvs/render.rs`); `GUARDRAIL_BLESS=1` writes it instead.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // test code

mod asvs {
    pub(crate) mod listing;
    pub(crate) mod map;
    pub(crate) mod render;
}

use std::{
    fs,
    path::{Path, PathBuf},
};

use asvs::{listing::Listing, map};

const MAP: &str = "docs/asvs.toml";
const CHAPTER: &str = "docs/src/asvs.md";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn load() -> map::Map {
    let text = fs::read_to_string(root().join(MAP)).unwrap_or_else(|e| panic!("{MAP}: {e}"));
    map::parse(&text).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_map_keeps_its_format() {
    let problems = map::problems(&load());
    assert!(problems.is_empty(), "{MAP}:\n{}", problems.join("\n"));
}

#[test]
fn every_referenced_test_is_in_the_workspaces_test_list() {
    let map = load();
    let listing = asvs::listing::workspace(&root()).unwrap_or_else(|e| panic!("listing the workspace's tests: {e}"));
    let refs = map.rows.iter().flat_map(|row| row.tests.iter().map(|t| (row.id.as_str(), t.as_str())));
    let missing = listing.missing(refs);
    assert!(
        missing.is_empty(),
        "{MAP} names tests that do not exist (renamed or deleted? point the row at the test that now backs it, \
         or give `no_test`):\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_chapter_is_the_render_of_the_map() {
    let rendered = asvs::render::chapter(&load());
    let path = root().join(CHAPTER);
    if std::env::var_os("GUARDRAIL_BLESS").is_some_and(|v| v == "1") {
        fs::write(&path, &rendered).unwrap_or_else(|e| panic!("{CHAPTER}: {e}"));
        return;
    }
    let committed = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{CHAPTER}: {e}"));
    assert!(
        committed == rendered,
        "{CHAPTER} is not the render of {MAP}; write it again with \
         `GUARDRAIL_BLESS=1 cargo test -p guardrail --test asvs`"
    );
}

/// The checks themselves: a map breaking each rule is told so, row by row.
#[test]
fn malformed_rows_are_each_reported() {
    let row = |id: &str, level: u8, tests: &str, no_test: Option<&str>| {
        format!(
            "[[requirement]]\nid = \"{id}\"\nlevel = {level}\nsummary = \"s\"\napi = \"a\"\ntests = [{tests}]\n{}\n",
            no_test.map(|w| format!("no_test = \"{w}\"")).unwrap_or_default()
        )
    };
    let text = [
        "[asvs]\nversion = \"4.0.3\"\ntag = \"t\"\ncommit = \"abc\"\nurl = \"https://example.invalid\"\n".to_owned(),
        row("V6.2.1", 1, "\"crates/x/tests/y.rs::t\"", None),
        row("V6.2.1", 1, "\"crates/x/tests/y.rs::t\"", None),
        row("V6.1.9", 2, "\"crates/x/tests/y.rs::t\"", None),
        row("V2.1.1", 1, "\"crates/x/tests/y.rs::t\"", None),
        row("V6.03.1", 1, "\"crates/x/tests/y.rs::t\"", None),
        row("V7.1.1", 4, "", None),
        row("V7.1.2", 1, "\"no-separator\"", Some("both")),
    ]
    .concat();
    let problems = map::problems(&map::parse(&text).unwrap()).join("\n");
    for expected in [
        "[asvs] version \"4.0.3\"",
        "[asvs] commit",
        "V6.2.1: duplicate id",
        "V6.1.9: out of order",
        "V2.1.1: chapter V2 is not one of the ten",
        "\"V6.03.1\": not an id",
        "V7.1.1: level 4",
        "V7.1.1: no tests and no `no_test` reason",
        "V7.1.2: both tests and a `no_test` reason",
        "V7.1.2: \"no-separator\" is not",
        "rows; the map needs at least 40",
        "chapter V9 (Self-contained Tokens) has no row",
    ] {
        assert!(problems.contains(expected), "{expected:?} not reported in:\n{problems}");
    }
}

/// A reference is missing unless the listing holds it exactly, and the
/// report says which row and why.
#[test]
fn missing_references_name_their_row_and_reason() {
    let mut listing = Listing::default();
    listing.tests.insert("crates/a/tests/t.rs::kept".to_owned());
    listing.tests.insert("crates/a/src/lib.rs::m::tests::unit".to_owned());
    listing.unlisted.insert("crates/b/tests/main.rs".to_owned(), "is a `harness = false` target".to_owned());
    let missing = listing.missing([
        ("V1.1.1", "crates/a/tests/t.rs::kept"),
        ("V1.1.2", "crates/a/src/lib.rs::m::tests::unit"),
        ("V1.1.3", "crates/a/tests/t.rs::renamed"),
        ("V1.1.4", "crates/a/src/lib.rs::unit"),
        ("V1.1.5", "crates/b/tests/main.rs::x"),
        ("V1.1.6", "crates/c/tests/gone.rs::x"),
    ]);
    assert_eq!(
        missing,
        [
            "V1.1.3: crates/a/tests/t.rs::renamed: crates/a/tests/t.rs has no test of that name",
            "V1.1.4: crates/a/src/lib.rs::unit: crates/a/src/lib.rs has no test of that name",
            "V1.1.5: crates/b/tests/main.rs::x: crates/b/tests/main.rs is a `harness = false` target",
            "V1.1.6: crates/c/tests/gone.rs::x: no test binary has the source file crates/c/tests/gone.rs",
        ]
    );
}

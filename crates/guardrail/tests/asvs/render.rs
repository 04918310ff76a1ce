//! `docs/src/asvs.md`, the book's chapter, rendered from the map: the same
//! map always gives the same bytes.

use std::fmt::Write as _;

use super::map::{CHAPTERS, Id, Map, Row};

/// The chapter's Markdown.
pub(crate) fn chapter(map: &Map) -> String {
    let source = &map.asvs;
    let mut out = String::new();
    out.push_str("# ASVS 5.0 map\n\n");
    out.push_str(
        "<!-- Generated from docs/asvs.toml by crates/guardrail/tests/asvs.rs: edit the TOML, then run \
         GUARDRAIL_BLESS=1 cargo test -p guardrail --test asvs -->\n\n",
    );
    let _ = write!(
        out,
        "This chapter maps the OWASP Application Security Verification Standard (ASVS) {version} to \
         guardrail: one row per requirement that guardrail helps meet. The ids, levels and chapter \
         titles are those of ASVS {version} as published in [github.com/OWASP/ASVS]({url}) (tag \
         `{tag}`, commit `{commit}`); each summary is ours, not OWASP's text, so read the \
         requirement itself before you rely on a row.\n\n",
        version = source.version,
        url = source.url,
        tag = source.tag,
        commit = source.commit,
    );
    out.push_str(
        "\"Helps meet\" is not \"meets\": ASVS verifies an application, and an application built on \
         guardrail still has to call the API a row names, in the place the requirement asks for. Where \
         the product team has more to do, the summary says what. A row's level is the ASVS level that \
         first requires it (1, 2 or 3).\n\n",
    );
    out.push_str(
        "The map cannot rot. It is data, `docs/asvs.toml`, and `crates/guardrail/tests/asvs.rs` checks it \
         on every CI run (`cargo test --workspace --locked`): every id is well-formed, unique and in \
         order; every row names an API and either tests or the reason it has none; and every test \
         it names is in the list the workspace's test binaries print with `--list` (the list \
         `cargo test -- --list` shows, read per binary), so renaming or deleting a test that backs a \
         claim fails CI. This page is the render of the TOML, compared byte for byte. After \
         changing the TOML, write the page again:\n\n",
    );
    out.push_str("```console\n$ GUARDRAIL_BLESS=1 cargo test -p guardrail --test asvs\n```\n\n");
    out.push_str(
        "A test reference is `<source file of the test target>::<test name as the harness lists it>`; \
         a unit test's name includes its module path.\n\n",
    );
    overview(map, &mut out);
    for (chapter, title) in CHAPTERS {
        let _ = write!(out, "\n## V{chapter} {title}\n\n");
        out.push_str("| Id | Level | What guardrail does | API | Tests |\n|---|---|---|---|---|\n");
        for row in map.rows.iter().filter(|row| Id::parse(&row.id).is_some_and(|id| id.chapter == chapter)) {
            let _ =
                writeln!(out, "| {} | {} | {} | {} | {} |", row.id, row.level, row.summary, row.api, tests_cell(row));
        }
    }
    out
}

/// The table of rows per chapter and level, and the chapters left out.
fn overview(map: &Map, out: &mut String) {
    out.push_str("| Chapter | Rows | Level 1 | Level 2 | Level 3 | Without a test |\n|---|---|---|---|---|---|\n");
    let count = |chapter: Option<u8>, keep: &dyn Fn(&Row) -> bool| {
        map.rows
            .iter()
            .filter(|row| chapter.is_none_or(|c| Id::parse(&row.id).is_some_and(|id| id.chapter == c)) && keep(row))
            .count()
    };
    let mut line = |label: String, chapter: Option<u8>| {
        let _ = writeln!(
            out,
            "| {label} | {} | {} | {} | {} | {} |",
            count(chapter, &|_| true),
            count(chapter, &|row| row.level == 1),
            count(chapter, &|row| row.level == 2),
            count(chapter, &|row| row.level == 3),
            count(chapter, &|row| row.tests.is_empty()),
        );
    };
    for (chapter, title) in CHAPTERS {
        line(format!("V{chapter} {title}"), Some(chapter));
    }
    line("All".to_owned(), None);
    out.push_str(
        "\nThe map covers the ten chapters above. ASVS 5.0 has seven more (V2 Validation and Business \
         Logic, V3 Web Frontend Security, V4 API and Web Service, V8 Authorization, V10 OAuth and OIDC, \
         V12 Secure Communication, V17 WebRTC); guardrail-axum's cookie, CSRF and header presets bear on \
         some V3 requirements, which this map does not list yet.\n",
    );
}

/// The tests as code spans, one per line, or the reason there is none.
fn tests_cell(row: &Row) -> String {
    if row.tests.is_empty() {
        return format!("none: {}", row.no_test.as_deref().unwrap_or_default());
    }
    row.tests.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join("<br>")
}

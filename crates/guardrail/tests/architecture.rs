//! `ARCHITECTURE.md` is data this test checks, so it cannot go stale:
//!
//! - the crate table's arrows are the `guardrail-*` entries of each crate's
//!   `[dependencies]`, no more and no fewer;
//! - every row of the claims table names, in its "backed by" cell, only
//!   things that exist: `path/to/file.rs::test_fn` (the file holds
//!   `fn test_fn(`), `path/to/file_or_dir`, `fuzz:target` (a file in
//!   `fuzz/fuzz_targets/` and a `[[bin]]` of `fuzz/Cargo.toml`) and
//!   `bench:benches/benches/file.rs::fn`;
//! - every repository path written in backticks anywhere in the document
//!   exists (with `::name`, the file defines `fn name`).
//!
//! It also holds the workspace's size measures (the Rust port of
//! `measure.py`'s heuristic): no `.rs` file over 600 lines in `crates/` or
//! `examples/*/src`, and no function over 80 lines outside tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // test code

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

const ARCHITECTURE: &str = "ARCHITECTURE.md";
const CRATES_HEADING: &str = "## Code map";
const CLAIMS_HEADING: &str = "## Claims and the tests that back them";
const EXITS_HEADING: &str = "## Where secrets leave their boxes";

/// The longest source file, in lines.
const MAX_FILE_LINES: usize = 600;
/// The longest function outside tests, in lines.
const MAX_FN_LINES: usize = 80;

/// Offenders of the size measures that may stay for now (`path` for a
/// file, `path::fn` for a function), each with the reason in a comment. A
/// listed item that no longer offends is reported. Empty: every file and
/// function is within the measures.
const KNOWN_OFFENDERS: &[&str] = &[];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(rel: &str) -> String {
    fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The lines of the section that starts with `heading`, up to the next `## `.
fn section<'a>(doc: &'a str, heading: &str) -> Vec<&'a str> {
    let mut lines = doc.lines().skip_while(|l| l.trim_end() != heading);
    assert!(lines.next().is_some(), "{ARCHITECTURE} has no `{heading}` section");
    lines.take_while(|l| !l.starts_with("## ")).collect()
}

/// The body rows of the first table in `lines`, each split into its cells
/// (`\|` is a literal bar inside a cell).
fn table_rows(lines: &[&str]) -> Vec<Vec<String>> {
    let rows: Vec<&str> =
        lines.iter().copied().skip_while(|l| !l.starts_with('|')).take_while(|l| l.starts_with('|')).collect();
    assert!(rows.len() > 2, "a table with a header, a separator and rows: {rows:?}");
    rows[2..]
        .iter()
        .map(|row| {
            let row = row.trim().trim_start_matches('|').trim_end_matches('|').replace("\\|", "\u{0}");
            row.split('|').map(|cell| cell.replace('\u{0}', "|").trim().to_owned()).collect()
        })
        .collect()
}

/// The text between backticks in `cell`.
fn code_spans(cell: &str) -> Vec<&str> {
    cell.split('`').skip(1).step_by(2).collect()
}

/// Whether `text` defines a function `name` (`fn name(` or `fn name<`).
fn defines_fn(text: &str, name: &str) -> bool {
    ['(', '<'].iter().any(|c| text.contains(&format!("fn {name}{c}")))
}

/// Checks one `path` or `path::name` (the path's last `::` segment is a
/// function the file defines; segments between, such as `tests::`, are
/// module names and not checked). Returns what is wrong.
fn check_path(entry: &str) -> Option<String> {
    let (path, name) = match entry.split_once("::") {
        Some((path, rest)) => (path, rest.rsplit("::").next()),
        None => (entry, None),
    };
    let full = root().join(path.trim_end_matches('/'));
    if !full.exists() {
        return Some(format!("`{entry}`: no such file or directory"));
    }
    match name {
        Some(name) if !defines_fn(&fs::read_to_string(&full).unwrap_or_default(), name) => {
            Some(format!("`{entry}`: `{path}` defines no `fn {name}`"))
        }
        _ => None,
    }
}

/// Checks one entry of a "backed by" cell. Returns what is wrong.
fn check_backing(entry: &str) -> Option<String> {
    if let Some(target) = entry.strip_prefix("fuzz:") {
        let declared = read("fuzz/Cargo.toml").contains(&format!("name = \"{target}\""));
        let file = root().join(format!("fuzz/fuzz_targets/{target}.rs")).is_file();
        return (!(declared && file)).then(|| format!("`{entry}`: no fuzz target `{target}` in fuzz/"));
    }
    if let Some(bench) = entry.strip_prefix("bench:") {
        if !bench.starts_with("benches/") || !bench.contains("::") {
            return Some(format!("`{entry}`: a bench is `bench:benches/<file>.rs::<fn>`"));
        }
        return check_path(bench);
    }
    if looks_like_path(entry) {
        return check_path(entry);
    }
    Some(format!("`{entry}`: not `path::test_fn`, `path`, `fuzz:target` or `bench:path::fn`"))
}

/// Whether a code span names a file of this repository (not a glob, not a
/// command line).
fn looks_like_path(span: &str) -> bool {
    const TOP: &[&str] = &["crates/", "examples/", "benches/", "fuzz/", "docs/", "policy/", ".ci/"];
    let root_file = ["README.md", "SECURITY.md", "ARCHITECTURE.md", "Cargo.toml"].contains(&span);
    let plain = !span.contains(['*', '{', ' ', '<', '$']);
    plain && (root_file || TOP.iter().any(|top| span.starts_with(top)))
}

#[test]
fn crate_arrows_are_the_manifests_dependencies() {
    let doc = read(ARCHITECTURE);
    let rows = table_rows(&section(&doc, CRATES_HEADING));
    let mut problems = Vec::new();
    for row in &rows {
        let [package, path, deps, ..] = &row[..] else { panic!("crate row with fewer than 3 cells: {row:?}") };
        let path = path.trim_matches('`');
        let manifest = read(&format!("{path}/Cargo.toml"));
        let package = package.trim_matches('`');
        if !manifest.contains(&format!("name = \"{package}\"")) {
            problems.push(format!("{path}/Cargo.toml is not package `{package}`"));
        }
        let written: BTreeSet<&str> = code_spans(deps).into_iter().collect();
        let actual: BTreeSet<String> = guardrail_dependencies(&manifest);
        let actual: BTreeSet<&str> = actual.iter().map(String::as_str).collect();
        if written != actual {
            problems.push(format!("{package}: {ARCHITECTURE} says {written:?}, {path}/Cargo.toml has {actual:?}"));
        }
    }
    let members = workspace_members();
    let listed: BTreeSet<String> = rows.iter().map(|r| r[1].trim_matches('`').to_owned()).collect();
    for member in members.difference(&listed) {
        problems.push(format!("workspace member {member} is missing from the code map"));
    }
    assert!(problems.is_empty(), "{ARCHITECTURE} is out of date:\n{}", problems.join("\n"));
}

/// The `guardrail*` packages in a manifest's `[dependencies]` table.
fn guardrail_dependencies(manifest: &str) -> BTreeSet<String> {
    manifest
        .lines()
        .skip_while(|l| l.trim() != "[dependencies]")
        .skip(1)
        .take_while(|l| !l.starts_with('['))
        .filter_map(|l| l.split(['=', '.', ' ']).next())
        .filter(|name| name.starts_with("guardrail"))
        .map(str::to_owned)
        .collect()
}

/// The root manifest's `members`.
fn workspace_members() -> BTreeSet<String> {
    let manifest = read("Cargo.toml");
    let members = manifest.split("members = [").nth(1).and_then(|m| m.split(']').next()).expect("members");
    members.lines().filter_map(|l| code_like_string(l.split('#').next()?)).collect()
}

fn code_like_string(text: &str) -> Option<String> {
    Some(text.split('"').nth(1)?.to_owned())
}

#[test]
fn every_claim_names_a_backing_that_exists() {
    let doc = read(ARCHITECTURE);
    let rows = table_rows(&section(&doc, CLAIMS_HEADING));
    assert!(rows.len() >= 20, "the claims table has {} rows", rows.len());
    let mut problems = Vec::new();
    for row in &rows {
        let [claim, claimed, backed, ..] = &row[..] else { panic!("claim row with fewer than 3 cells: {row:?}") };
        for place in code_spans(claimed).into_iter().chain(plain_words(claimed)) {
            if let Some(problem) = check_path(place) {
                problems.push(format!("{claim}: where claimed: {problem}"));
            }
        }
        let backings = code_spans(backed);
        if backings.is_empty() {
            problems.push(format!("{claim}: nothing backs it"));
        }
        problems.extend(backings.into_iter().filter_map(check_backing).map(|p| format!("{claim}: {p}")));
    }
    assert!(problems.is_empty(), "{ARCHITECTURE}'s claims table is out of date:\n{}", problems.join("\n"));
}

/// `doc` without its fenced code blocks.
fn prose(doc: &str) -> String {
    let mut fenced = false;
    let mut out = String::new();
    for line in doc.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Plain (not back-ticked) paths in a cell: words with a `/` or a `.md`.
fn plain_words(cell: &str) -> Vec<&str> {
    let outside: Vec<&str> = cell.split('`').step_by(2).collect();
    outside
        .into_iter()
        .flat_map(|t| t.split([' ', ',', ';']))
        .map(|w| w.trim_matches(|c: char| "()[].:".contains(c)))
        .filter(|w| w.ends_with(".md") || w.contains('/'))
        .collect()
}

#[test]
fn every_path_in_the_document_exists() {
    let doc = read(ARCHITECTURE);
    let problems: Vec<String> = code_spans(&prose(&doc))
        .into_iter()
        .filter(|span| looks_like_path(span.split("::").next().unwrap_or(span)))
        .filter_map(check_path)
        .collect();
    assert!(problems.is_empty(), "{ARCHITECTURE} names what is not there:\n{}", problems.join("\n"));
}

#[test]
fn every_expose_secret_exit_is_listed() {
    let doc = read(ARCHITECTURE);
    let listed: BTreeSet<String> =
        table_rows(&section(&doc, EXITS_HEADING)).iter().map(|row| row[0].trim_matches('`').to_owned()).collect();
    let mut files = Vec::new();
    for base in ["crates", "examples"] {
        rust_files(&root().join(base), &mut files);
    }
    let mut exits = BTreeSet::new();
    for path in files {
        let rel = path.strip_prefix(root()).expect("under root").to_string_lossy().replace('\\', "/");
        if rel.contains("/tests/") || rel.starts_with("crates/testkit/") {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let code = &lines[..test_module_start(&lines)];
        if code.iter().any(|l| strip_code_noise(l).contains("expose_secret")) {
            exits.insert(rel);
        }
    }
    let unlisted: Vec<&String> = exits.difference(&listed).collect();
    let stale: Vec<&String> = listed.difference(&exits).collect();
    assert!(
        unlisted.is_empty() && stale.is_empty(),
        "`{EXITS_HEADING}` in {ARCHITECTURE}: files whose code names expose_secret but are not listed: {unlisted:?}; \
         listed files that no longer do: {stale:?}"
    );
}

#[test]
fn readme_links_the_architecture() {
    assert!(read("README.md").contains("(ARCHITECTURE.md)"), "README.md links ARCHITECTURE.md");
}

/// The README's quick start is two commands, run the service and run the
/// tests, and CI runs the same test command.
#[test]
fn quick_start_is_two_commands_and_ci_runs_the_same_tests() {
    let readme = read("README.md");
    let quick_start = section(&readme, "## Quick start");
    let commands: Vec<&str> = quick_start
        .iter()
        .skip_while(|l| !l.starts_with("```sh"))
        .skip(1)
        .take_while(|l| !l.starts_with("```"))
        .map(|l| l.split(" #").next().unwrap_or_default().trim())
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(commands.len(), 2, "the quick start's set-up commands: {commands:?}");
    assert!(commands[0].starts_with("cargo run") && commands[0].contains("-p auth-service"), "{commands:?}");
    assert!(commands[1].starts_with("cargo test"), "{commands:?}");
    let ci = read(".ci/run");
    assert!(ci.lines().any(|l| l.trim() == commands[1]), ".ci/run does not run `{}`", commands[1]);
}

#[test]
#[allow(clippy::print_stderr)] // a note for whoever empties KNOWN_OFFENDERS
fn sources_and_functions_stay_small() {
    let offenders = measure(&root());
    let known: BTreeSet<&str> = KNOWN_OFFENDERS.iter().copied().collect();
    let new: Vec<&String> = offenders.iter().filter(|o| !known.contains(key(o))).collect();
    for gone in known.iter().filter(|k| !offenders.iter().any(|o| key(o) == **k)) {
        eprintln!("{gone} no longer offends: remove it from KNOWN_OFFENDERS");
    }
    assert!(new.is_empty(), "over {MAX_FILE_LINES} lines a file or {MAX_FN_LINES} a function:\n{new:#?}");
}

/// An offender's key: `path` or `path::fn`, without the line counts.
fn key(offender: &str) -> &str {
    offender.split(' ').next().unwrap_or(offender)
}

/// `path (N lines)` for each file over the cap and `path::fn (N lines, line L)`
/// for each function over its cap, as `measure.py` finds them.
fn measure(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    for base in ["crates", "examples"] {
        rust_files(&root.join(base), &mut files);
    }
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let rel = path.strip_prefix(root).expect("under root").to_string_lossy().replace('\\', "/");
        let text = String::from_utf8_lossy(&fs::read(&path).expect("readable")).into_owned();
        let lines: Vec<&str> = text.split('\n').collect();
        let count = lines.len() - usize::from(lines.last() == Some(&""));
        if (rel.starts_with("crates/") || rel.contains("/src/")) && count > MAX_FILE_LINES {
            out.push(format!("{rel} ({count} lines)"));
        }
        if rel.contains("/tests/") || rel.contains("/benches/") {
            continue;
        }
        for (name, start, len) in long_fns(&lines) {
            out.push(format!("{rel}::{name} ({len} lines, line {})", start + 1));
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Functions longer than [`MAX_FN_LINES`] before the first `#[cfg(test)] mod`:
/// (name, first line index, length). Brace counting per line, with string
/// and character literals and `//` comments removed first.
fn long_fns(lines: &[&str]) -> Vec<(String, usize, usize)> {
    let test_start = test_module_start(lines);
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate().take(test_start) {
        let Some(name) = fn_name(line) else { continue };
        let (mut depth, mut started) = (0_i64, false);
        for (j, raw) in lines.iter().enumerate().skip(i) {
            let s = strip_code_noise(raw);
            if !started && s.contains(';') && !s.contains('{') {
                break;
            }
            depth += count(&s, '{') - count(&s, '}');
            started |= s.contains('{');
            if started && depth <= 0 {
                if j - i + 1 > MAX_FN_LINES {
                    out.push((name, i, j - i + 1));
                }
                break;
            }
        }
    }
    out
}

/// The index of the first `#[cfg(test)]` line followed by a `mod` line, or the end.
fn test_module_start(lines: &[&str]) -> usize {
    lines
        .windows(2)
        .position(|w| w[0].trim_start().starts_with("#[cfg(test)]") && w[1].trim_start().starts_with("mod "))
        .unwrap_or(lines.len())
}

fn count(s: &str, c: char) -> i64 {
    i64::try_from(s.matches(c).count()).unwrap_or(i64::MAX)
}

/// The function a line declares: `[pub[(..)] ][const ][async ][unsafe ]fn name`.
fn fn_name(line: &str) -> Option<String> {
    let mut rest = line.trim_start();
    if let Some(after) = rest.strip_prefix("pub") {
        let after = match after.strip_prefix('(') {
            Some(inner) => &inner[inner.find(')')? + 1..],
            None => after,
        };
        rest = strip_space(after)?;
    }
    for word in ["const", "async", "unsafe"] {
        if let Some(after) = rest.strip_prefix(word).and_then(strip_space) {
            rest = after;
        }
    }
    let name: String =
        strip_space(rest.strip_prefix("fn")?)?.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    (!name.is_empty()).then_some(name)
}

/// `text` without its leading whitespace, if it has at least one.
fn strip_space(text: &str) -> Option<&str> {
    let trimmed = text.trim_start();
    (trimmed.len() < text.len()).then_some(trimmed)
}

/// A line with each complete string literal replaced by `""`, each character
/// literal by `''`, and a `//` comment removed.
fn strip_code_noise(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let no_strings = replace_literals(&chars, '"', string_literal_len);
    let chars: Vec<char> = no_strings.chars().collect();
    let no_chars = replace_literals(&chars, '\'', |rest| match rest {
        ['\'', '\\', _, '\'', ..] => Some(4),
        ['\'', c, '\'', ..] if *c != '\'' && *c != '\\' => Some(3),
        _ => None,
    });
    no_chars.split("//").next().unwrap_or_default().to_owned()
}

/// Replaces each literal that `len` measures (starting at `quote`) by two quotes.
fn replace_literals(chars: &[char], quote: char, len: impl Fn(&[char]) -> Option<usize>) -> String {
    let (mut out, mut i) = (String::new(), 0);
    while i < chars.len() {
        match (chars[i] == quote).then(|| len(&chars[i..])).flatten() {
            Some(n) => {
                out.extend([quote, quote]);
                i += n;
            }
            None => {
                out.push(chars[i]);
                i += 1;
            }
        }
    }
    out
}

/// The length of the string literal at the start of `rest` (`"` .. `"`, with
/// `\` escaping one character), if it closes on this line.
fn string_literal_len(rest: &[char]) -> Option<usize> {
    let mut k = 1;
    while k < rest.len() {
        match rest[k] {
            '"' => return Some(k + 1),
            '\\' if k + 1 < rest.len() => k += 2,
            '\\' => return None,
            _ => k += 1,
        }
    }
    None
}

#[test]
fn the_measure_heuristic_matches_measure_py() {
    let body: Vec<String> = (0..MAX_FN_LINES).map(|i| format!("    let s{i} = \"}}\"; // }} {{")).collect();
    let long = format!("pub(crate) async fn long() {{\n{}\n}}", body.join("\n"));
    let lines: Vec<&str> = long.split('\n').collect();
    assert_eq!(long_fns(&lines), vec![("long".to_owned(), 0, MAX_FN_LINES + 2)]);
    let short = format!("fn short() {{\n{}\n}}", body[..MAX_FN_LINES - 2].join("\n"));
    assert!(long_fns(&short.split('\n').collect::<Vec<_>>()).is_empty());
    assert_eq!(fn_name("    pub const unsafe fn f<T>(x: T)"), Some("f".to_owned()));
    assert_eq!(fn_name("fnord()"), None);
    assert_eq!(fn_name("pub fn"), None);
    assert_eq!(strip_code_noise(r#"let c = '{'; let s = "a\"{"; x // {"#), "let c = ''; let s = \"\"; x ");
    let in_tests = format!("#[cfg(test)]\nmod tests {{\n{long}\n}}");
    assert!(long_fns(&in_tests.split('\n').collect::<Vec<_>>()).is_empty());
}

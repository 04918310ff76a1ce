//! The runbooks of the guide (docs/src/runbooks/) run: every command of
//! every ```console block is executed, in order, in one bash process per
//! runbook, in a fresh temporary directory, with the `auth-service` and
//! `guardrail` binaries of this build first on PATH, and its output and
//! exit status are compared with what the book shows (the format is in
//! docs/src/runbooks/index.md and `runbooks/console.rs`). A runbook that
//! drifts from the CLI or the service fails here, naming the file, the
//! line and the command.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)] // test code

#[path = "runbooks/console.rs"]
mod console;
#[path = "runbooks/runner.rs"]
mod runner;

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::OnceLock,
    time::Duration,
};

/// Every runbook, and the index (its two commands check the binaries).
const RUNBOOKS: [&str; 7] = [
    "index.md",
    "rotate-keyring.md",
    "rotate-mac-key.md",
    "rotate-pepper.md",
    "leaked-api-key.md",
    "leaked-database.md",
    "end-sessions.md",
];

/// The most one runbook may take, servers, hashing and all, on a loaded
/// 2-core machine.
const TIMEOUT: Duration = Duration::from_secs(300);

fn runbooks_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/src/runbooks")
}

/// The directories holding this build's `auth-service` and `guardrail`.
/// `guardrail` is built (or found up to date) by a nested
/// `cargo build -p guardrail-cli` into the same target directory and
/// profile, so the runbooks never run a stale CLI.
fn binaries() -> &'static [PathBuf] {
    static DIRS: OnceLock<Vec<PathBuf>> = OnceLock::new();
    DIRS.get_or_init(|| {
        let service = Path::new(env!("CARGO_BIN_EXE_auth-service")).parent().unwrap().to_path_buf();
        let target = service.parent().unwrap();
        let mut cargo = Command::new(env!("CARGO"));
        cargo
            .args(["build", "--quiet", "-p", "guardrail-cli", "--bin", "guardrail", "--manifest-path"])
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml"))
            .arg("--target-dir")
            .arg(target);
        match service.file_name().and_then(|p| p.to_str()) {
            Some("debug") => {}
            Some("release") => {
                cargo.arg("--release");
            }
            Some(profile) => {
                cargo.args(["--profile", profile]);
            }
            None => panic!("no profile directory above {}", service.display()),
        }
        let out = cargo.output().unwrap();
        assert!(out.status.success(), "building guardrail failed:\n{}", String::from_utf8_lossy(&out.stderr));
        assert!(service.join("guardrail").is_file(), "no guardrail binary in {}", service.display());
        vec![service]
    })
}

/// Runs one runbook and fails with every command that did not print what
/// the book shows.
fn check(file: &str) {
    let text = std::fs::read_to_string(runbooks_dir().join(file)).unwrap();
    let commands = console::commands(&text);
    let least = if file == "index.md" { 2 } else { 10 };
    assert!(commands.len() >= least, "docs/src/runbooks/{file}: only {} commands", commands.len());
    let report = runner::run(&format!("docs/src/runbooks/{file}"), &text, binaries(), TIMEOUT);
    assert!(
        report.is_empty(),
        "docs/src/runbooks/{file} drifted from the binaries ({} findings):\n\n{}",
        report.len(),
        report.join("\n\n")
    );
}

#[test]
fn runbook_index_checks_run() {
    check("index.md");
}

#[test]
fn rotate_keyring_runbook_runs() {
    check("rotate-keyring.md");
}

#[test]
fn rotate_mac_key_runbook_runs() {
    check("rotate-mac-key.md");
}

#[test]
fn rotate_pepper_runbook_runs() {
    check("rotate-pepper.md");
}

#[test]
fn leaked_api_key_runbook_runs() {
    check("leaked-api-key.md");
}

#[test]
fn leaked_database_runbook_runs() {
    check("leaked-database.md");
}

#[test]
fn end_sessions_runbook_runs() {
    check("end-sessions.md");
}

/// A runbook added to the directory is run too (or this fails).
#[test]
fn every_runbook_is_run() {
    let mut found: Vec<String> = std::fs::read_dir(runbooks_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".md"))
        .collect();
    found.sort();
    let mut listed: Vec<String> = RUNBOOKS.iter().map(|f| (*f).to_owned()).collect();
    listed.sort();
    assert_eq!(found, listed, "docs/src/runbooks/*.md and RUNBOOKS differ: add a test for the new runbook");
}

/// The check catches drift: a runbook whose second command names a
/// subcommand the CLI does not have fails, naming the file, the line and
/// the command, with the exit status it got; the first, correct command
/// passes (its `[..]` matching the temporary path).
#[test]
fn a_drifted_command_fails_and_is_named() {
    let book = "# Drifted\n\n```console\n$ guardrail keyring new --out k.json\nguardrail: created [..]k.json (mode 0600) with primary key 1\n$ guardrail keyring lst --keyring k.json\n1\tenabled\tprimary\n```\n";
    let report = runner::run("drifted.md", book, binaries(), TIMEOUT);
    assert_eq!(report.len(), 1, "{report:#?}");
    let finding = &report[0];
    assert!(finding.starts_with("drifted.md:6: $ guardrail keyring lst --keyring k.json"), "{finding}");
    assert!(finding.contains("the book shows (exit 0)") && finding.contains("(exit 2;"), "{finding}");
    assert!(finding.contains("lst"), "clap's message names the unknown subcommand: {finding}");
}

/// A command that never finishes is stopped at the timeout and reported,
/// with the commands after it, and the background process the runbook
/// started is killed with it (the whole process group goes).
#[test]
fn a_hanging_runbook_is_stopped_and_its_processes_killed() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("sleeper.pid");
    let book = format!(
        "```console\n$ sleep 300 &\n$ echo $! > '{}'; sleep 600\n$ echo never\nnever\n```\n",
        pid_file.display()
    );
    let started = std::time::Instant::now();
    let report = runner::run("hang.md", &book, &[], Duration::from_secs(2));
    assert!(started.elapsed() < Duration::from_secs(20), "the run was not stopped");
    let all = report.join("\n");
    assert!(all.contains("hang.md:3: $ echo $!") && all.contains("was not reached"), "{all}");
    assert!(all.contains("hang.md:4: $ echo never") && all.contains("stopped after 2 s"), "{all}");
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let stat = Path::new("/proc").join(pid.trim()).join("stat");
    let alive = || std::fs::read_to_string(&stat).is_ok_and(|s| !s.contains(") Z "));
    let waited = std::time::Instant::now();
    while alive() && waited.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!alive(), "the runbook's background process {} outlived the run", pid.trim());
}

#[test]
fn commands_continuations_and_heredocs_are_parsed() {
    let book = "text\n```console\n$ echo a \\\n  b\na b\n$ head -1 <<'EOF'\nx\n$ not a command\nEOF\nx\n\n$ false\n[exit 1]\n```\n```bash\n$ not run\n```\n1. step\n   ```console\n   $ echo indented\n   indented\n   ```\n";
    let c = console::commands(book);
    let shown: Vec<(usize, &str, Vec<&str>)> =
        c.iter().map(|c| (c.line, c.text.as_str(), c.expected.iter().map(String::as_str).collect())).collect();
    assert_eq!(
        shown,
        vec![
            (3, "echo a \\\n  b", vec!["a b"]),
            (6, "head -1 <<'EOF'\nx\n$ not a command\nEOF", vec!["x"]),
            (12, "false", vec!["[exit 1]"]),
            (20, "echo indented", vec!["indented"]),
        ]
    );
}

#[test]
fn expected_output_matches_exactly_but_for_wildcards() {
    let lines = |s: &str| s.lines().map(str::to_owned).collect::<Vec<_>>();
    // Exact lines, trailing whitespace and blank lines aside.
    assert!(console::output_matches(&lines("a\nb"), "a\nb  \n\n", 0));
    assert!(!console::output_matches(&lines("a\nb"), "a\nc\n", 0));
    assert!(!console::output_matches(&lines("a"), "a\nb\n", 0));
    // `[..]` within one line, anywhere, several times; never across lines.
    assert!(console::line_matches("created [..] (mode 0600)", "created /tmp/x/k.json (mode 0600)"));
    assert!(console::line_matches("[..]b[..]d[..]", "abcde"));
    assert!(console::line_matches("a[..]", "a"));
    assert!(!console::line_matches("a[..]c", "ab"));
    assert!(!console::line_matches("ab[..]ba", "aba"), "prefix and suffix may not overlap");
    assert!(!console::output_matches(&lines("a[..]c"), "ab\nc\n", 0));
    // `...` for any number of lines, none included.
    assert!(console::output_matches(&lines("first\n...\nlast"), "first\nx\ny\nlast\n", 0));
    assert!(console::output_matches(&lines("first\n...\nlast"), "first\nlast\n", 0));
    assert!(!console::output_matches(&lines("first\n...\nlast"), "first\nx\n", 0));
    assert!(console::output_matches(&lines("..."), "", 0));
    // `[exit N]`: the status must be N; without it, 0.
    assert!(console::output_matches(&lines("no\n[exit 1]"), "no\n", 1));
    assert!(!console::output_matches(&lines("no\n[exit 1]"), "no\n", 0));
    assert!(!console::output_matches(&lines("no"), "no\n", 2));
    assert!(console::output_matches(&lines("[exit 2]"), "", 2));
}

#[test]
fn redaction_hides_token_shaped_runs_only() {
    let key = "authsvc_live_4xTqv9Wb2kRz7mNc1pLs8dHf3gJy6Qe0";
    let shown = runner::redact(&format!("revoked {key} of ada\nkey 2\tenabled\tprimary\n"));
    assert!(!shown.contains("4xTqv9Wb"), "{shown}");
    assert_eq!(shown, "revoked [redacted 45 chars] of ada\nkey 2\tenabled\tprimary\n");
}

//! `.ci/run`'s advisories step never passes in silence, and never swallows
//! a finding.
//!
//! The step's own lines (from `.ci/run`, between its `step` line and the next
//! step) run under `set -euo pipefail`, with `policy/deny.toml` swapped for a
//! copy whose advisory database is either unreachable or a local git
//! repository in the RustSec layout holding one made-up advisory. Needs
//! `cargo-deny` 0.20 and `git` on `PATH` (`.ci/run` installs cargo-deny before
//! the tests); without cargo-deny the test says so and checks nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stderr)] // test code

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The advisories step of `.ci/run`, reading `config` instead of `policy/deny.toml`.
fn advisories_step(config: &Path) -> String {
    let ci = std::fs::read_to_string(root().join(".ci/run")).unwrap();
    let start = ci.find("step \"policy kit: cargo deny check advisories").expect("the advisories step");
    let len = ci[start..].find("\nstep ").expect("a step after it");
    let step = &ci[start..start + len];
    assert!(step.contains("policy/deny.toml"), "the step reads policy/deny.toml");
    step.replace("policy/deny.toml", config.to_str().unwrap())
}

fn run_step(step: &str, require: bool) -> Output {
    let mut bash = Command::new("bash");
    bash.current_dir(root()).env_remove("GUARDRAIL_REQUIRE_ADVISORIES");
    if require {
        bash.env("GUARDRAIL_REQUIRE_ADVISORIES", "1");
    }
    let script = format!("set -euo pipefail\nstep() {{ :; }}\n{step}\necho 'STEP PASSED'\n");
    bash.arg("-c").arg(script).output().unwrap()
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// `policy/deny.toml` with the advisory database at `url`, cloned under `db_path`.
fn config_with_db(dir: &Path, url: &str, db_path: &Path) -> PathBuf {
    let deny = std::fs::read_to_string(root().join("policy/deny.toml")).unwrap();
    let db = format!("[advisories]\ndb-urls = [\"{url}\"]\ndb-path = \"{}\"\n", db_path.display());
    let config = dir.join("deny.toml");
    std::fs::write(&config, deny.replacen("[advisories]\n", &db, 1)).unwrap();
    config
}

/// A git repository in the RustSec layout with one advisory against every
/// version of `krate`.
fn advisory_repo(dir: &Path, krate: &str) -> PathBuf {
    let repo = dir.join("advisory-db");
    let crate_dir = repo.join("crates").join(krate);
    std::fs::create_dir_all(&crate_dir).unwrap();
    let advisory = format!(
        "```toml\n[advisory]\nid = \"RUSTSEC-2099-0001\"\npackage = \"{krate}\"\ndate = \"2026-11-30\"\n\n\
         [versions]\npatched = [\">= 99.0.0\"]\n```\n\n# A made-up advisory against {krate}\n\nguardrail's CI self-test.\n"
    );
    std::fs::write(crate_dir.join("RUSTSEC-2099-0001.md"), advisory).unwrap();
    let git = |args: &[&str]| {
        let out = Command::new("git").current_dir(&repo).args(args).output().unwrap();
        assert!(out.status.success(), "git {args:?}: {}", text(&out));
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "."]);
    git(&["-c", "user.name=guardrail", "-c", "user.email=ci@guardrail.invalid", "commit", "-q", "-m", "advisory"]);
    repo
}

/// Makes the database at `url` reachable: cargo-deny names the directory it
/// clones into in its fetch error, and fetches with `git fetch origin` once
/// that directory is a clone, so a clone of the local repository stands in.
fn serve_locally(config: &Path, db_path: &Path, repo: &Path) {
    let mut fetch = Command::new("cargo");
    fetch.current_dir(root()).args(["deny", "--config"]).arg(config).args(["fetch", "db"]);
    let out = fetch.output().unwrap();
    assert!(!out.status.success(), "an .invalid host cannot be fetched: {}", text(&out));
    let err = text(&out);
    let prefix = db_path.join("fake-db-").to_str().unwrap().to_owned();
    let at = err.find(&prefix).unwrap_or_else(|| panic!("no clone directory in: {err}"));
    let dir: String = err[at..].chars().take_while(|c| *c != '"' && *c != '\'').collect();
    let url = format!("file://{}", repo.display());
    let out = Command::new("git").args(["clone", "-q", "--depth=1", "--branch", "main", &url, &dir]).output().unwrap();
    assert!(out.status.success(), "git clone: {}", text(&out));
}

fn cargo_deny_present() -> bool {
    let version = Command::new("cargo").args(["deny", "--version"]).output();
    let present = version.is_ok_and(|v| v.status.success() && String::from_utf8_lossy(&v.stdout).contains(" 0.20."));
    if !present {
        eprintln!("cargo-deny 0.20 not installed: the advisories step was not exercised (.ci/run installs it)");
    }
    present
}

#[test]
fn an_unreachable_database_is_a_loud_skip_or_with_require_a_failure() {
    if !cargo_deny_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = config_with_db(dir.path(), "https://advisories.invalid/unreachable", &dir.path().join("dbs"));
    let step = advisories_step(&config);

    let out = run_step(&step, false);
    let said = text(&out);
    assert!(out.status.success(), "a skip is not a failure: {said}");
    assert!(said.contains("SKIPPED: cargo deny check advisories"), "{said}");
    assert!(said.contains("advisories.invalid"), "the reason is printed: {said}");
    assert!(said.contains("STEP PASSED"), "{said}");

    let out = run_step(&step, true);
    let said = text(&out);
    assert!(!out.status.success(), "GUARDRAIL_REQUIRE_ADVISORIES=1 fails a skip: {said}");
    assert!(said.contains("SKIPPED") && !said.contains("STEP PASSED"), "{said}");
}

#[test]
fn a_finding_fails_the_step_and_a_clean_database_passes_it() {
    if !cargo_deny_present() {
        return;
    }
    for (krate, affected) in [("subtle", true), ("guardrail-no-such-dependency", false)] {
        let dir = tempfile::tempdir().unwrap();
        let db_path = dir.path().join("dbs");
        let config = config_with_db(dir.path(), "https://advisories.invalid/fake-db", &db_path);
        serve_locally(&config, &db_path, &advisory_repo(dir.path(), krate));

        let out = run_step(&advisories_step(&config), false);
        let said = text(&out);
        assert!(!said.contains("SKIPPED"), "the local database was fetched: {said}");
        if affected {
            assert!(!out.status.success(), "an advisory against {krate} fails CI: {said}");
            assert!(said.contains("RUSTSEC-2099-0001") && said.contains("error[vulnerability]"), "{said}");
            assert!(!said.contains("STEP PASSED"), "set -e stopped the script: {said}");
        } else {
            assert!(out.status.success(), "no advisory matches the graph: {said}");
            assert!(said.contains("advisories ok") && said.contains("STEP PASSED"), "{said}");
        }
    }
}

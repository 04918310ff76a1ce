//! The policy kit's `policy/clippy.toml` is proven, not just written: clippy,
//! run with that file on `policy/lint-check` (a `publish = false` crate with
//! its own workspace and lock file, one function per entry), reports every
//! `disallowed-methods` and `disallowed-types` entry, shows the entry's
//! reason, and reports nothing else. An entry clippy cannot match (a
//! misspelt path, a trait method it does not see, a crate version without
//! the item) is an entry it never reports, and this test names it.
//!
//! Every reason names its guardrail replacement, and each named item is
//! referenced below, so a rename in guardrail breaks this test's build
//! instead of leaving the kit pointing at nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::{
    collections::BTreeSet,
    io::Read,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    thread,
    time::{Duration, Instant},
};

use serde_json::Value;

/// The whole clippy run, cold: checking bcrypt, argon2, reqwest and their
/// dependencies from scratch took 52 s inside this test and 2 min 0 s by
/// hand (`cargo clippy` in policy/lint-check) on the 2-core build machine,
/// 30 Nov 2026, with other builds running; warm, 0.4 s. Bounded at ten times
/// the slower figure, so a loaded CI machine passes and a hung cargo fails.
const TIMEOUT: Duration = Duration::from_secs(20 * 60);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Which list of `clippy.toml` an entry is in, and the lint that reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum List {
    Methods,
    Types,
}

impl List {
    fn lint(self) -> &'static str {
        match self {
            List::Methods => "clippy::disallowed_methods",
            List::Types => "clippy::disallowed_types",
        }
    }
}

#[derive(Debug)]
struct Entry {
    list: List,
    path: String,
    reason: String,
}

/// The entries of policy/clippy.toml's `disallowed-methods` and
/// `disallowed-types`; each must be a `{ path, reason }` table.
fn entries() -> Vec<Entry> {
    let text = std::fs::read_to_string(root().join("policy/clippy.toml")).unwrap();
    let config: toml::Table = toml::from_str(&text).expect("policy/clippy.toml is TOML");
    let mut out = Vec::new();
    for (key, list) in [("disallowed-methods", List::Methods), ("disallowed-types", List::Types)] {
        for item in config.get(key).and_then(toml::Value::as_array).into_iter().flatten() {
            let text_of = |field: &str| item.get(field).and_then(toml::Value::as_str).map(str::to_owned);
            let path = text_of("path").unwrap_or_else(|| panic!("{key}: an entry without a path: {item}"));
            let reason = text_of("reason").unwrap_or_else(|| panic!("{path}: every entry needs a reason"));
            out.push(Entry { list, path, reason });
        }
    }
    out
}

/// Every guardrail item a reason may name, each referenced so that it must
/// exist for this file to compile.
macro_rules! replacements {
    ($($item:path),* $(,)?) => {{
        $( let _ = $item; )*
        [$( stringify!($item).replace(' ', "") ),*]
    }};
}

fn known_replacements() -> BTreeSet<String> {
    replacements![
        guardrail::password::PasswordHasher::hash_new,
        guardrail::password::PasswordHasher::verify_login,
        guardrail::password::Params::new,
        guardrail::token::random::token,
        guardrail::token::random::fill,
        guardrail::token::random::uniform,
        guardrail::keys::MacKeyring::verify_raw,
        guardrail::keys::MacKeyring::sign_raw,
        guardrail::fetch::FetchClient::get,
    ]
    .into_iter()
    .collect()
}

/// The `guardrail::...` items a reason names.
fn named_items(reason: &str) -> Vec<String> {
    reason
        .match_indices("guardrail::")
        .map(|(at, _)| {
            let rest = reason.get(at..).unwrap_or_default();
            rest.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).next().unwrap_or_default().to_owned()
        })
        .collect()
}

#[test]
fn the_kit_lists_at_least_eight_entries_each_naming_an_existing_guardrail_replacement() {
    let entries = entries();
    assert!(entries.len() >= 8, "issue 16 asks for at least 8 entries, found {}", entries.len());
    let known = known_replacements();
    let mut bad = Vec::new();
    for entry in &entries {
        let items = named_items(&entry.reason);
        if !entry.reason.starts_with("use guardrail::") || items.is_empty() {
            bad.push(format!("{}: the reason must start `use guardrail::<item>`", entry.path));
        }
        for item in items.iter().filter(|item| !known.contains(*item)) {
            bad.push(format!("{}: names {item}, not in known_replacements()", entry.path));
        }
    }
    let mut seen = BTreeSet::new();
    bad.extend(entries.iter().filter(|e| !seen.insert(&e.path)).map(|e| format!("{}: listed twice", e.path)));
    assert!(bad.is_empty(), "policy/clippy.toml:\n{}", bad.join("\n"));
}

/// Runs `cargo clippy --message-format=json` on policy/lint-check with
/// policy/clippy.toml, bounded by [`TIMEOUT`]: (exit success, stdout, stderr).
fn clippy_on_fixture() -> (bool, String, String) {
    let root = root();
    // A target dir of its own beside the workspace's, so the nested cargo never
    // waits on the lock of the build that is running this test.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap().join("policy-lint-check");
    let mut child = Command::new(env!("CARGO"))
        .arg("clippy")
        .arg("--manifest-path")
        .arg(root.join("policy/lint-check/Cargo.toml"))
        .args(["--locked", "--message-format=json"])
        .env("CARGO_TARGET_DIR", &target)
        // Explicit, although clippy would also find policy/clippy.toml by
        // walking up from policy/lint-check.
        .env("CLIPPY_CONF_DIR", root.join("policy"))
        // The fixture runs under clippy's defaults, whatever flags the outer
        // build was given.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cargo clippy starts");
    let drain = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut text = String::new();
            pipe.read_to_string(&mut text).map(|_| text)
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().ok();
            child.wait().ok();
            panic!("cargo clippy on policy/lint-check ran over {TIMEOUT:?}");
        }
        thread::sleep(Duration::from_millis(200));
    };
    (status.success(), stdout.join().unwrap().unwrap(), stderr.join().unwrap().unwrap())
}

/// The first `` `quoted` `` span of a diagnostic message: the path clippy
/// reports ("use of a disallowed method `bcrypt::hash`").
fn quoted(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message.get(start..)?.find('`')?;
    message.get(start..start + len)
}

#[test]
fn clippy_reports_every_entry_of_the_policy_kit_and_nothing_else() {
    let entries = entries();
    let (success, stdout, stderr) = clippy_on_fixture();
    let mut reported = BTreeSet::new();
    let mut unexpected = Vec::new();
    for line in stdout.lines() {
        let Ok(message) = serde_json::from_str::<Value>(line) else { continue };
        if message.get("reason").and_then(Value::as_str) != Some("compiler-message") {
            continue;
        }
        let diagnostic = message.get("message").cloned().unwrap_or_default();
        let text = diagnostic.get("message").and_then(Value::as_str).unwrap_or_default();
        let code = diagnostic.pointer("/code/code").and_then(Value::as_str).unwrap_or_default();
        let notes: Vec<&str> = diagnostic
            .get("children")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|c| c.get("message")?.as_str())
            .collect();
        let entry = entries.iter().find(|e| e.list.lint() == code && quoted(text) == Some(e.path.as_str()));
        match entry {
            Some(entry) if notes.contains(&entry.reason.as_str()) => {
                reported.insert(entry.path.as_str());
            }
            _ => unexpected.push(diagnostic.get("rendered").and_then(Value::as_str).unwrap_or(text).to_owned()),
        }
    }
    let missing: Vec<&str> = entries.iter().map(|e| e.path.as_str()).filter(|p| !reported.contains(p)).collect();
    assert!(
        success && missing.is_empty() && unexpected.is_empty(),
        "clippy on policy/lint-check with policy/clippy.toml (exit success: {success})\n\
         entries clippy did not report: {missing:?}\n\
         other diagnostics:\n{}\n\
         cargo's stderr (last 40 lines):\n{}",
        unexpected.join("\n"),
        stderr.lines().rev().take(40).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n"),
    );
}

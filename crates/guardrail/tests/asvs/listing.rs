//! The workspace's real test list: what `cargo test -- --list` prints, one
//! test binary at a time, each name keyed by the binary's source file.
//!
//! `cargo test --workspace --locked --no-run --message-format=json` names
//! every test binary (a `compiler-artifact` with `profile.test` and an
//! `executable`) and the source file of its target; each binary is then
//! run with `--list --format terse`, which prints `<name>: test` per test.
//! The flags are CI's (`cargo test --workspace --locked`), so after CI's
//! build nothing is rebuilt. Run alone (`cargo test -p guardrail --test
//! asvs`), the nested cargo first builds every test target of the
//! workspace: slow the first time.
//!
//! A target with `harness = false` has its own `main` and ignores
//! `--list` (it would run its tests instead), so it is not run: its source
//! file is reported as unlisted, and a reference into it fails.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs::{self, File},
    path::{Path, PathBuf},
    process::{Command, ExitStatus, Stdio},
    thread,
    time::{Duration, Instant},
};

/// The nested build; minutes only when it has to build the workspace's tests.
const CARGO_TIMEOUT: Duration = Duration::from_secs(45 * 60);
/// One test binary's `--list`, which runs no test.
const LIST_TIMEOUT: Duration = Duration::from_secs(60);

/// The tests of the workspace, as `<source file>::<name>`.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    /// Every listed test: `crates/x/tests/y.rs::name`, `crates/x/src/lib.rs::module::tests::name`.
    pub(crate) tests: BTreeSet<String>,
    /// Source files of targets that cannot be listed, with the reason.
    pub(crate) unlisted: BTreeMap<String, String>,
}

impl Listing {
    /// Each reference of `refs` (row id, reference) that is not a listed
    /// test, with what is wrong with it.
    pub(crate) fn missing<'a>(&self, refs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<String> {
        let mut out = Vec::new();
        for (id, reference) in refs {
            if self.tests.contains(reference) {
                continue;
            }
            let file = reference.split_once("::").map_or(reference, |(file, _)| file);
            let why = if let Some(reason) = self.unlisted.get(file) {
                format!("{file} {reason}")
            } else if self.tests.iter().any(|t| t.strip_prefix(file).is_some_and(|rest| rest.starts_with("::"))) {
                format!("{file} has no test of that name")
            } else {
                format!("no test binary has the source file {file}")
            };
            out.push(format!("{id}: {reference}: {why}"));
        }
        out
    }
}

/// One test binary cargo built.
#[derive(Debug)]
struct TestBinary {
    /// The target's source file, relative to the workspace root.
    src: String,
    executable: PathBuf,
    /// The package's directory: where `cargo test` runs the binary.
    package_dir: PathBuf,
    /// Whether the manifest declares this target `harness = false`.
    own_main: bool,
}

/// Builds (or finds built) every test binary of the workspace and lists
/// their tests.
pub(crate) fn workspace(root: &Path) -> Result<Listing, String> {
    let scratch = tempfile::tempdir().map_err(|e| format!("a temporary directory: {e}"))?;
    let out_path = scratch.path().join("cargo.json");
    let err_path = scratch.path().join("cargo.err");
    let mut cargo = Command::new(env!("CARGO"));
    cargo.args(["test", "--workspace", "--locked", "--no-run", "--message-format=json"]).current_dir(root);
    let status = run_bounded(&mut cargo, CARGO_TIMEOUT, &out_path, &err_path)?;
    if !status.success() {
        // From the first error on (cargo's progress lines come before it).
        let stderr = fs::read_to_string(&err_path).unwrap_or_default();
        let lines: Vec<&str> = stderr.lines().collect();
        let first = lines.iter().position(|l| l.starts_with("error")).unwrap_or(0);
        let shown = lines.get(first..).unwrap_or_default().iter().take(40).copied().collect::<Vec<_>>().join("\n");
        return Err(format!("`cargo test --workspace --locked --no-run` failed ({status}):\n{shown}"));
    }
    let json = fs::read_to_string(&out_path).map_err(|e| format!("cargo's output: {e}"))?;
    let mut listing = Listing::default();
    for binary in test_binaries(root, &json)? {
        if binary.own_main {
            let reason = "is a `harness = false` target, whose tests cannot be listed without running them";
            listing.unlisted.insert(binary.src, reason.to_owned());
            continue;
        }
        let list_path = scratch.path().join("list.txt");
        let mut list = Command::new(&binary.executable);
        list.args(["--list", "--format", "terse"]).current_dir(&binary.package_dir);
        let status = run_bounded(&mut list, LIST_TIMEOUT, &list_path, &scratch.path().join("list.err"))?;
        if !status.success() {
            return Err(format!("{} --list failed ({status})", binary.executable.display()));
        }
        let text = fs::read_to_string(&list_path).map_err(|e| format!("the list of {}: {e}", binary.src))?;
        for name in text.lines().filter_map(|line| line.strip_suffix(": test")) {
            listing.tests.insert(format!("{}::{name}", binary.src));
        }
    }
    Ok(listing)
}

/// The test binaries in cargo's JSON messages, one per target.
fn test_binaries(root: &Path, json: &str) -> Result<Vec<TestBinary>, String> {
    let root = root.canonicalize().map_err(|e| format!("the workspace root: {e}"))?;
    let mut manifests: BTreeMap<String, toml::Table> = BTreeMap::new();
    let mut out = Vec::new();
    for line in json.lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        let is_test = message["reason"] == "compiler-artifact" && message["profile"]["test"] == true;
        let (Some(executable), Some(src), Some(manifest)) =
            (message["executable"].as_str(), message["target"]["src_path"].as_str(), message["manifest_path"].as_str())
        else {
            continue;
        };
        if !is_test {
            continue;
        }
        let src = Path::new(src).canonicalize().map_err(|e| format!("{src}: {e}"))?;
        let relative = src.strip_prefix(&root).map_err(|_| format!("{} is outside the workspace", src.display()))?;
        if !manifests.contains_key(manifest) {
            let text = fs::read_to_string(manifest).map_err(|e| format!("{manifest}: {e}"))?;
            manifests.insert(manifest.to_owned(), text.parse().map_err(|e| format!("{manifest}: {e}"))?);
        }
        let name = message["target"]["name"].as_str().unwrap_or_default();
        let kind = message["target"]["kind"][0].as_str().unwrap_or_default();
        out.push(TestBinary {
            src: relative.to_string_lossy().replace('\\', "/"),
            executable: PathBuf::from(executable),
            package_dir: Path::new(manifest).parent().unwrap_or(&root).to_path_buf(),
            own_main: manifests.get(manifest).is_some_and(|m| without_harness(m, kind, name)),
        });
    }
    if out.is_empty() {
        return Err("cargo named no test binary".to_owned());
    }
    Ok(out)
}

/// Whether the manifest declares the target of cargo's `kind` (`lib`,
/// `bin`, `test`, `bench`, `example`) and `name` with `harness = false`.
fn without_harness(manifest: &toml::Table, kind: &str, name: &str) -> bool {
    let no_harness = |t: &toml::Value| t.get("harness").and_then(toml::Value::as_bool) == Some(false);
    let named = |t: &toml::Value| t.get("name").and_then(toml::Value::as_str) == Some(name);
    match kind {
        "bin" | "test" | "bench" | "example" => manifest
            .get(kind)
            .and_then(toml::Value::as_array)
            .is_some_and(|targets| targets.iter().any(|t| named(t) && no_harness(t))),
        _ => manifest.get("lib").is_some_and(no_harness),
    }
}

/// Runs `command` with stdout and stderr in files (no pipe to fill up),
/// killing it past `limit`.
fn run_bounded(command: &mut Command, limit: Duration, out: &Path, err: &Path) -> Result<ExitStatus, String> {
    let file = |path: &Path| File::create(path).map_err(|e| format!("{}: {e}", path.display()));
    let mut child = command
        .stdin(Stdio::null())
        .stdout(file(out)?)
        .stderr(file(err)?)
        .spawn()
        .map_err(|e| format!("starting {command:?}: {e}"))?;
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().map_err(|e| format!("waiting for {command:?}: {e}"))? {
            return Ok(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{command:?} did not finish within {} s; killed", limit.as_secs()));
        }
        thread::sleep(Duration::from_millis(20));
    }
}

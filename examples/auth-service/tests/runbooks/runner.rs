//! Runs a runbook's commands in one bash process, in a fresh temporary
//! directory, and reports every command whose output or exit status is
//! not what the book shows.
//!
//! One script holds every command, each as `{ command; } > N.out 2>&1`
//! followed by its status into `N.rc`, so `cd`, variables, shell functions
//! and background jobs carry from one command to the next as they do for
//! a reader typing them. bash runs in its own process group; the group is
//! killed when the run ends, however it ends (a server the runbook left
//! running, a timeout, a panic), so no process outlives the test.

use std::{
    fmt::Write as _,
    os::unix::process::CommandExt,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use super::console::{self, expected_exit};

/// Kills a process group when dropped.
struct Group(u32);

impl Drop for Group {
    fn drop(&mut self) {
        // The group may be gone already: then kill fails, and that is fine.
        let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", self.0)]).stderr(Stdio::null()).status();
    }
}

/// What a run found: one entry per command that did not print what the
/// book shows (empty: the runbook holds).
pub(crate) type Mismatches = Vec<String>;

/// Runs every ```console command of `markdown` (the file `name`, for the
/// report) with `path` first on PATH, stopping the whole run after
/// `timeout`.
///
/// # Panics
///
/// When the temporary directory or bash cannot be set up (the test
/// machine, not the runbook, is wrong).
#[allow(clippy::expect_used)] // test code: a broken test machine stops the test
pub(crate) fn run(name: &str, markdown: &str, path: &[PathBuf], timeout: Duration) -> Mismatches {
    let commands = console::commands(markdown);
    let root = tempfile::tempdir().expect("a temporary directory");
    let (work, out) = (root.path().join("work"), root.path().join("out"));
    std::fs::create_dir(&work).expect("the work directory");
    std::fs::create_dir(&out).expect("the output directory");
    let script = root.path().join("runbook.sh");
    std::fs::write(&script, script_text(&commands)).expect("the script");
    let log = std::fs::File::create(root.path().join("bash.log")).expect("bash's log");

    let mut bash = Command::new("bash");
    bash.arg("--noprofile")
        .arg("--norc")
        .arg(&script)
        .current_dir(&work)
        .env_clear()
        .env("PATH", search_path(path))
        .env("HOME", &work)
        .env("LC_ALL", "C")
        .env("RB_OUT", &out)
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("bash's log"))
        .stderr(log)
        .process_group(0);
    if let Some(tmp) = std::env::var_os("TMPDIR") {
        bash.env("TMPDIR", tmp);
    }
    let mut child = bash.spawn().expect("bash");
    let group = Group(child.id());
    let started = Instant::now();
    let mut timed_out = false;
    while child.try_wait().expect("bash's status").is_none() {
        if started.elapsed() > timeout {
            timed_out = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // Whatever the runbook left running (or, on a timeout, everything)
    // ends before the outputs are read.
    drop(group);
    let _ = child.wait();
    let mut report = compare(name, &commands, &out);
    if timed_out {
        report.push(format!(
            "{name}: the run was stopped after {} s (commands not reached are listed)",
            timeout.as_secs()
        ));
    }
    let bash_log = std::fs::read_to_string(root.path().join("bash.log")).unwrap_or_default();
    if !report.is_empty() && !bash_log.trim().is_empty() {
        report.push(format!("bash said:\n{}", indent(&redact(&bash_log))));
    }
    report
}

/// PATH with `first` ahead of this process's own.
fn search_path(first: &[PathBuf]) -> std::ffi::OsString {
    let inherited = std::env::var_os("PATH").unwrap_or_default();
    let dirs = first.iter().cloned().chain(std::env::split_paths(&inherited));
    std::env::join_paths(dirs).unwrap_or(inherited)
}

/// The script: each command in a group whose output and status land in
/// numbered files; stdin is /dev/null unless the command redirects it.
fn script_text(commands: &[console::Command]) -> String {
    let mut s = String::new();
    for (i, c) in commands.iter().enumerate() {
        // The newline before `}` ends a trailing comment or a here-document.
        let _ = write!(s, "{{\n{}\n}} > \"$RB_OUT/{i}.out\" 2>&1 < /dev/null\necho $? > \"$RB_OUT/{i}.rc\"\n", c.text);
    }
    s
}

/// Each command's output against the book's.
fn compare(name: &str, commands: &[console::Command], out: &Path) -> Mismatches {
    let mut report = Vec::new();
    for (i, c) in commands.iter().enumerate() {
        let code = std::fs::read_to_string(out.join(format!("{i}.rc"))).ok().and_then(|s| s.trim().parse().ok());
        let printed = std::fs::read(out.join(format!("{i}.out"))).unwrap_or_default();
        let printed = String::from_utf8_lossy(&printed);
        let shown = format!("{name}:{}: $ {}", c.line, c.text.replace('\n', "\n  "));
        match code {
            None => report
                .push(format!("{shown}\n  was not reached (an earlier command ended the shell, or the time ran out)")),
            Some(code) if !console::output_matches(&c.expected, &printed, code) => {
                let (want, lines) = expected_exit(&c.expected);
                report.push(format!(
                    "{shown}\n  the book shows (exit {want}):\n{}\n  it printed (exit {code}; long tokens redacted):\n{}",
                    indent(&lines.join("\n")),
                    indent(&redact(&printed))
                ));
            }
            Some(_) => {}
        }
    }
    report
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    | {l}\n")).collect::<String>().trim_end().to_owned()
}

/// `text` with every run of 24 or more token characters (base64, base64url,
/// hex, PHC strings) that mixes letters and digits replaced: what a drifted
/// command printed may hold a practice key, token, sealed value or hash,
/// and none of those goes into a test's output.
pub(crate) fn redact(text: &str) -> String {
    let token = |c: char| c.is_ascii_alphanumeric() || "_-+/=.$".contains(c);
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let mixed = run.chars().any(|c| c.is_ascii_digit()) && run.chars().any(|c| c.is_ascii_alphabetic());
        if run.len() >= 24 && mixed {
            let _ = write!(out, "[redacted {} chars]", run.len());
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if token(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

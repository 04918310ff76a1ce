//! Helpers shared by the CLI's integration tests: run the `guardrail`
//! binary (with or without stdin), read its output, and give each test a
//! scratch directory of its own.
//!
//! Each test file compiles this module into its own crate and uses only
//! some of it, so each `mod common;` allows dead code, saying which part
//! it uses.
#![allow(clippy::unwrap_used)] // test code

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
};

/// The `guardrail` binary Cargo built for these tests.
pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_guardrail");

/// Starts `guardrail args…` with stdin, stdout and stderr piped.
pub(crate) fn spawn(args: &[&str]) -> Child {
    Command::new(BIN).args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
}

/// Runs `guardrail args…` with `stdin` as its input; collects its exit
/// status, stdout and stderr.
pub(crate) fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = spawn(args);
    // Feed stdin from a thread: the child may fill its stdout pipe before it
    // has read all of its input.
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        // A child that exits without reading (a usage error) closes the pipe.
        let _ = pipe.write_all(&input);
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    output
}

/// Runs `guardrail args…` with no input (stdin closed); collects its exit
/// status, stdout and stderr.
pub(crate) fn guardrail(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

/// The child's stdout as UTF-8 (panics if it is not).
pub(crate) fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// A fresh owner-only directory for one test
/// (`$TMPDIR/guardrail-cli-{name}-{pid}`, removed first if a killed run
/// left it), removed when dropped.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    /// Creates the directory for the test `name` (mode 0700 on unix).
    pub(crate) fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("guardrail-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        }
        Self(dir)
    }

    /// The directory's path.
    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

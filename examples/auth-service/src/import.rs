//! Importing users from another system with their existing password
//! hashes (bcrypt, Django PBKDF2, passlib, sha-crypt, phpass, …).
//!
//! Input is JSON lines, one user each: `{"email", "username", "hash"}`.
//! Each row is validated like a sign-up (email, username) and its hash is
//! parsed as a login would parse it (`PasswordHasher::inspect`, no hashing):
//! a scheme guardrail verifies, with a cost within the hasher's caps (a row
//! over them is refused here, `hash_over_caps`, rather than at every
//! login). The hash, wrapped (`guardrail migrate wrap`) or not, is stored
//! sealed under the keyring and bound to its new row (as every hash the
//! service stores: a copy in another row does not log in), with the
//! username's skeleton (a look-alike of a stored name is `already_exists`).
//! The user's first successful login verifies it and replaces it with a
//! sealed argon2id hash (`user_updated` / `password_hash_upgraded` in the
//! log) — no password reset, no plaintext ever handled here.
//!
//! Problems are reported by line number and code, never with the line's
//! content (it holds hashes and personal data).
//!
//! Lines are read with a cap of [`MAX_LINE`] bytes (16 KiB): a longer line
//! is reported as `line_too_long` and skipped without being buffered (at
//! most the cap is ever held, however long the line), and the import goes
//! on with the next line, as it does for every other bad line.

use std::io::BufRead;

use guardrail::{
    password::{Error as PasswordError, PasswordHasher},
    secret::{self, read::Lines},
    validate::{Email, Username},
};
use serde::Deserialize;

use crate::db::{self, Db, DbError, Inserted};

/// Longest line read, in bytes (a hash plus two short fields fits many
/// times over).
pub const MAX_LINE: usize = 16 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    email: String,
    username: String,
    hash: String,
}

/// What happened to one line that was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// 1-based line number.
    pub line: usize,
    /// `malformed_json`, `line_too_long`, `invalid_email`,
    /// `invalid_username`, `unsupported_hash` (no scheme guardrail reads,
    /// or malformed), `plaintext_refused` (stored plaintext without the
    /// opt-in; a wrapped plaintext row is imported), `hash_over_caps` (its
    /// memory or work is above the hasher's caps) or `already_exists`.
    pub code: &'static str,
}

/// The outcome of an import.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Users stored.
    pub imported: usize,
    /// Lines not imported, in order.
    pub skipped: Vec<Skipped>,
}

/// Imports every line of `input`; storage errors stop the import (lines
/// before it stay imported, each in its own statement).
///
/// # Errors
/// [`ImportError::Read`] when `input` cannot be read, [`ImportError::Db`]
/// when storage fails. A refused line is no error: it is in
/// [`Summary::skipped`] with its code.
pub fn import_jsonl(db: &Db, hasher: &PasswordHasher, input: impl BufRead) -> Result<Summary, ImportError> {
    let mut summary = Summary::default();
    let mut lines = Lines::new(input, MAX_LINE);
    loop {
        let line = match lines.next_line() {
            Ok(Some(line)) => line,
            Ok(None) => break,
            Err(secret::Error::LineTooLong { line, .. }) => {
                summary.skipped.push(Skipped { line, code: "line_too_long" });
                continue;
            }
            Err(secret::Error::Read(e)) => return Err(ImportError::Read(e)),
            Err(e) => return Err(ImportError::Read(std::io::Error::other(e))),
        };
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let checked = check(line, hasher);
        let number = lines.line_number();
        match checked {
            Ok(row) => match store(db, hasher, &row)? {
                Ok(()) => summary.imported += 1,
                Err(code) => summary.skipped.push(Skipped { line: number, code }),
            },
            Err(code) => summary.skipped.push(Skipped { line: number, code }),
        }
    }
    Ok(summary)
}

struct Checked {
    email: Email,
    username: Username,
    hash: String,
}

/// Stores one checked row, its hash sealed and bound to the new row: the
/// row is inserted with an empty placeholder (it verifies nothing) to
/// learn its id, then given its bound hash, in one transaction, so the
/// placeholder never commits. The inner error is the skip code:
/// `already_exists` (the e-mail, the username or a look-alike of it is
/// taken) or `unsupported_hash` (the hasher could not seal it; the row is
/// removed before the commit).
fn store(db: &Db, hasher: &PasswordHasher, row: &Checked) -> Result<Result<(), &'static str>, DbError> {
    let skeleton = row.username.skeleton();
    db.write_blocking(|tx| {
        let id = match db::insert_user(tx, row.email.as_str(), row.username.as_str(), skeleton.as_str(), "")? {
            Inserted::Id(id) => id,
            Inserted::Duplicate => return Ok(Err("already_exists")),
        };
        let Ok(bound) = hasher.bind(&row.hash, &db::binding(id)) else {
            tx.execute("DELETE FROM users WHERE id = ?1", [id])?;
            return Ok(Err("unsupported_hash"));
        };
        tx.execute(
            "UPDATE users SET password_hash = ?2 WHERE id = ?1",
            rusqlite::params![id, bound.as_str_for_storage()],
        )?;
        Ok(Ok(()))
    })
}

fn check(line: &[u8], hasher: &PasswordHasher) -> Result<Checked, &'static str> {
    let row: Row = serde_json::from_slice(line).map_err(|_| "malformed_json")?;
    let email = Email::parse(&row.email).map_err(|_| "invalid_email")?;
    let username = Username::parse(&row.username).map_err(|_| "invalid_username")?;
    hasher.inspect(&row.hash).map_err(|e| match e {
        PasswordError::OutOfPolicy { .. } => "hash_over_caps",
        PasswordError::PlaintextRefused => "plaintext_refused",
        _ => "unsupported_hash",
    })?;
    Ok(Checked { email, username, hash: row.hash })
}

/// Why an import stopped.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The input could not be read.
    #[error("reading the import: {0}")]
    Read(std::io::Error),
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code

    use super::*;

    /// A new database in a temporary directory, and a fast hasher peppered
    /// with a new keyring (the service's: binding needs the pepper).
    fn setup() -> (tempfile::TempDir, Db, PasswordHasher) {
        let dir = tempfile::tempdir().unwrap();
        let db = db::tests::migrated(&dir.path().join("t.db"));
        (dir, db, db::tests::peppered_hasher())
    }

    /// Issue 15, faults 5 and 7: an imported hash is stored bound to its
    /// row (moved to another row, it does not verify), and a look-alike of
    /// a stored username is skipped as `already_exists`.
    #[test]
    fn imported_hashes_are_bound_and_look_alikes_skipped() {
        let (_dir, db, hasher) = setup();
        let input = format!(
            "{ROW}\n{}\n{}\n",
            // "app1e" (a digit one) after "apple": the same skeleton.
            ROW.replace("alice", "apple").replace("a@", "b@"),
            ROW.replace("alice", "app1e").replace("a@", "c@"),
        );
        let summary = import_jsonl(&db, &hasher, input.as_bytes()).unwrap();
        assert_eq!(summary.imported, 2);
        assert_eq!(summary.skipped, [Skipped { line: 3, code: "already_exists" }]);
        let rows: Vec<(i64, String)> = db
            .call_blocking(|c| {
                c.prepare("SELECT id, password_hash FROM users ORDER BY id")?
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect()
            })
            .unwrap();
        assert_eq!(rows.len(), 2, "the placeholder of the skipped row did not commit");
        let (alice, bound) = (&rows[0].0, &rows[0].1);
        assert!(bound.starts_with("$guardrail-sealed$v2$"), "stored bound");
        assert!(hasher.bind(bound, &db::binding(*alice)).is_ok(), "opens under its own row");
        assert!(hasher.bind(bound, &db::binding(rows[1].0)).is_err(), "not under another row");
    }

    #[test]
    fn imports_valid_rows_and_reports_the_rest_by_line() {
        let (_dir, db, hasher) = setup();
        let input = concat!(
            r#"{"email":"a@example.com","username":"alice","hash":"$2b$04$GMws5cBWcskZ.MMt2VQQ.usbIOs6Td6DwqZ5vLOJe7kCtBJBqrQoW"}"#,
            "\n",
            "\n",
            r#"{"email":"not an email","username":"bob","hash":"$2b$04$x"}"#,
            "\n",
            r#"{"email":"b@example.com","username":"b o b","hash":"$2b$04$x"}"#,
            "\n",
            r#"{"email":"c@example.com","username":"carol","hash":"plaintext-password"}"#,
            "\n",
            r#"{"email":"A@example.com","username":"alice2","hash":"$2b$04$GMws5cBWcskZ.MMt2VQQ.usbIOs6Td6DwqZ5vLOJe7kCtBJBqrQoW"}"#,
            "\n",
            "{not json\n",
            // bcrypt cost 15: twice the default work cap (cost 14 is the
            // highest admitted), refused now instead of at each login.
            r#"{"email":"d@example.com","username":"dave","hash":"$2b$15$GMws5cBWcskZ.MMt2VQQ.usbIOs6Td6DwqZ5vLOJe7kCtBJBqrQoW"}"#,
            "\n",
            r#"{"email":"e@example.com","username":"erin","hash":"{noop}plaintext-password"}"#,
            "\n",
        );
        let summary = import_jsonl(&db, &hasher, input.as_bytes()).unwrap();
        assert_eq!(summary.imported, 1);
        let codes: Vec<_> = summary.skipped.iter().map(|s| (s.line, s.code)).collect();
        assert_eq!(
            codes,
            [
                (3, "invalid_email"),
                (4, "invalid_username"),
                (5, "unsupported_hash"),
                (6, "already_exists"),
                (7, "malformed_json"),
                (8, "hash_over_caps"),
                (9, "plaintext_refused"),
            ]
        );
    }

    const ROW: &str = r#"{"email":"a@example.com","username":"alice","hash":"$2b$04$GMws5cBWcskZ.MMt2VQQ.usbIOs6Td6DwqZ5vLOJe7kCtBJBqrQoW"}"#;

    fn padded(row: &str, len: usize) -> String {
        format!("{row}{}", " ".repeat(len - row.len()))
    }

    #[test]
    fn a_line_at_the_cap_is_imported_and_one_byte_more_is_refused() {
        let (_dir, db, hasher) = setup();
        // JSON allows trailing spaces: both lines are valid rows.
        let input = format!(
            "{}\n{}\n{}\n",
            padded(ROW, MAX_LINE + 1),
            padded(ROW, MAX_LINE),
            ROW.replace("alice", "bob").replace("a@", "b@")
        );
        let summary = import_jsonl(&db, &hasher, input.as_bytes()).unwrap();
        assert_eq!(summary.imported, 2);
        assert_eq!(summary.skipped, [Skipped { line: 1, code: "line_too_long" }]);
    }

    /// A 200 MB line is skipped without being held: the import reads on to
    /// the next line with its memory at the cap, not at the line's length.
    /// Measured in a child process running this test alone, so no other
    /// test's memory shows in the peak.
    #[test]
    #[allow(clippy::print_stderr)] // the child reports its measurement to the parent
    fn a_200_mb_line_is_skipped_without_buffering_it() {
        const CHILD: &str = "AUTH_SERVICE_IMPORT_RSS_CHILD";
        if std::env::var_os(CHILD).is_none() {
            let out = std::process::Command::new(std::env::current_exe().unwrap())
                .args(["--exact", "import::tests::a_200_mb_line_is_skipped_without_buffering_it", "--nocapture"])
                .env(CHILD, "1")
                .output()
                .unwrap();
            let report = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "child: {report}");
            assert!(report.contains("peak RSS grew by"), "the child did not run the import: {report}");
            return;
        }
        struct LongLine {
            left: usize,
            tail: std::io::Cursor<Vec<u8>>,
        }
        impl std::io::Read for LongLine {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                if self.left == 0 {
                    return self.tail.read(out);
                }
                let n = out.len().min(self.left);
                out[..n].fill(b' ');
                self.left -= n;
                Ok(n)
            }
        }
        let (_dir, db, hasher) = setup();
        let line_len = 200_000_000;
        let input = std::io::BufReader::new(LongLine {
            left: line_len,
            tail: std::io::Cursor::new(format!("\n{ROW}\n").into_bytes()),
        });
        let before = peak_rss_kib();
        let summary = import_jsonl(&db, &hasher, input).unwrap();
        let after = peak_rss_kib();
        assert_eq!(summary.imported, 1, "the line after the long one was lost");
        assert_eq!(summary.skipped, [Skipped { line: 1, code: "line_too_long" }]);
        if let (Some(before), Some(after)) = (before, after) {
            eprintln!("peak RSS grew by {} KiB over a {line_len}-byte line", after - before);
            // Buffering the line would raise the peak by ~195,000 KiB.
            assert!(after - before < 32 * 1024, "peak RSS grew by {} KiB", after - before);
        } else {
            eprintln!("peak RSS grew by (not measurable here: no /proc)");
        }
    }

    /// The process's peak resident set (`VmHWM`), where /proc has it.
    fn peak_rss_kib() -> Option<u64> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }
}

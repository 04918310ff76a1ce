//! Importing users from another system with their existing password
//! hashes (bcrypt, Django PBKDF2, passlib, sha-crypt, phpass, …).
//!
//! Input is JSON lines, one user each: `{"email", "username", "hash"}`.
//! Each row is validated like a sign-up (email, username) and its hash is
//! checked to be a scheme guardrail verifies; the hash is stored as it is.
//! The user's first successful login verifies it and replaces it with a
//! sealed argon2id hash (`user_updated` / `password_hash_upgraded` in the
//! log) — no password reset, no plaintext ever handled here.
//!
//! Problems are reported by line number and code, never with the line's
//! content (it holds hashes and personal data).

use std::io::BufRead;

use guardrail::{
    password::PasswordHasher,
    validate::{Email, Username},
};
use serde::Deserialize;

use crate::db::{self, Db, DbError, Inserted};

/// Longest line read (a hash plus two short fields fits many times over).
const MAX_LINE: usize = 16 * 1024;

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
    /// `invalid_username`, `unsupported_hash` or `already_exists`.
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
pub fn import_jsonl(db: &Db, hasher: &PasswordHasher, input: impl BufRead) -> Result<Summary, ImportError> {
    let mut summary = Summary::default();
    for (n, line) in input.split(b'\n').enumerate() {
        let line = line.map_err(ImportError::Read)?;
        let number = n + 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match check(&line, hasher) {
            Ok(row) => {
                match db.call_blocking(|c| db::insert_user(c, row.email.as_str(), row.username.as_str(), &row.hash))? {
                    Inserted::Id(_) => summary.imported += 1,
                    Inserted::Duplicate => summary.skipped.push(Skipped { line: number, code: "already_exists" }),
                }
            }
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

fn check(line: &[u8], hasher: &PasswordHasher) -> Result<Checked, &'static str> {
    if line.len() > MAX_LINE {
        return Err("line_too_long");
    }
    let row: Row = serde_json::from_slice(line).map_err(|_| "malformed_json")?;
    let email = Email::parse(&row.email).map_err(|_| "invalid_email")?;
    let username = Username::parse(&row.username).map_err(|_| "invalid_username")?;
    hasher.check_stored(&row.hash).map_err(|_| "unsupported_hash")?;
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

    use guardrail::password::Params;

    use super::*;

    #[test]
    fn imports_valid_rows_and_reports_the_rest_by_line() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.db")).unwrap();
        let hasher = PasswordHasher::new(Params::new(64, 1, 1).unwrap());
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
                (7, "malformed_json")
            ]
        );
    }
}

//! `guardrail api-key scan`: find API keys in files, exactly — a candidate
//! (prefix, `_`, 36 base62 characters) is reported only when its CRC-32
//! checksum verifies, and by its lookup id, never its text.
//!
//! Secret scanners such as gitleaks match by shape alone (they cannot
//! compute the checksum); this command is the exact check behind them.

use std::{
    fs::File,
    io::{self, BufRead, BufReader, Read, Write},
    path::{Path, PathBuf},
};

use crate::error::{CliError, note, verdict};
use clap::Args;
use guardrail_token::{
    ApiKey,
    api_key::{CHECKSUM_CHARS, RANDOM_CHARS},
};

/// The prefixes guardrail ships, always looked for: the reference
/// service's (examples/auth-service, `AUTH_SERVICE_API_KEY_PREFIX`'s
/// default). `api-key new` has no default prefix (`--prefix` is required).
pub(crate) const SHIPPED_PREFIXES: &[&str] = &["authsvc_live"];

/// Files larger than this are skipped, named on stderr: 64 MiB.
pub(crate) const MAX_FILE_BYTES: u64 = 64 << 20;
/// Lines longer than this are skipped, named on stderr: 1 MiB.
const MAX_LINE_BYTES: usize = 1 << 20;
/// A file with a NUL byte in its first 8000 bytes is binary and skipped,
/// named on stderr (git's test, `buffer_is_binary`).
const BINARY_SNIFF_BYTES: u64 = 8000;
/// [`BINARY_SNIFF_BYTES`] as a read cap (never reached: the read is `take`n).
const MAX_SNIFF: usize = 8000;
/// Directories never entered: version control and build output.
const SKIPPED_DIRS: &[&str] = &[".git", "target"];
/// The longest prefix a key may have (`ApiKeyIssuer::new`'s rule).
const MAX_PREFIX: usize = 32;
/// A key's characters after its prefix's `_`.
const TAIL: usize = RANDOM_CHARS + CHECKSUM_CHARS;

/// `guardrail api-key scan`.
#[derive(Args, Debug)]
pub(crate) struct ScanArgs {
    /// Also look for keys with this prefix (repeatable). authsvc_live is
    /// always looked for.
    #[arg(long = "prefix", value_name = "PREFIX")]
    prefixes: Vec<String>,
    /// Report keys of any valid prefix (1-32 of a-z, 0-9, _, starting with
    /// a letter) whose checksum verifies, not only the listed prefixes.
    #[arg(long)]
    any_prefix: bool,
    /// Files and directories to scan (directories recursively, skipping
    /// .git and target); `-` is stdin.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
}

/// Which prefixes a candidate may have.
struct Prefixes<'a> {
    listed: Vec<&'a str>,
    any: bool,
}

impl Prefixes<'_> {
    fn accepts(&self, prefix: &str) -> bool {
        self.any || self.listed.contains(&prefix)
    }
}

/// The scan's running state: where findings go, and what went wrong.
struct Scan<'a, W> {
    prefixes: Prefixes<'a>,
    out: W,
    found: bool,
    failed: usize,
    /// Files and lines skipped (each named on stderr).
    skipped: usize,
}

/// Scans every path; exit 1 when a key was found, 0 when none and nothing
/// was skipped, 2 when a path could not be read, or when none was found
/// but a file or line was skipped (each named on stderr; the others are
/// still scanned and their keys printed).
pub(crate) fn scan(args: &ScanArgs) -> Result<(), CliError> {
    for (n, p) in args.prefixes.iter().enumerate() {
        // A key pasted as the prefix is not echoed back.
        if looks_like_key(p) {
            return Err(CliError::usage(format_args!(
                "--prefix value {} looks like an API key, not a prefix: pass keys on stdin",
                n + 1
            )));
        }
        if guardrail_token::ApiKeyIssuer::new(p).is_err() {
            return Err(CliError::usage(format_args!(
                "--prefix {p}: not a key prefix: use 1-32 of a-z, 0-9 and _, starting with a letter"
            )));
        }
    }
    let mut listed: Vec<&str> = SHIPPED_PREFIXES.to_vec();
    listed.extend(args.prefixes.iter().map(String::as_str));
    let mut state = Scan {
        prefixes: Prefixes { listed, any: args.any_prefix },
        out: io::BufWriter::new(io::stdout().lock()),
        found: false,
        failed: 0,
        skipped: 0,
    };
    let written = args
        .paths
        .iter()
        .enumerate()
        .try_for_each(|(n, path)| state.path(n + 1, path))
        .and_then(|()| state.out.flush().map_err(CliError::from));
    if state.failed > 0 && written.is_ok() {
        return Err(CliError::failed(format_args!(
            "{} path(s) could not be scanned (named above); the rest were",
            state.failed
        )));
    }
    if state.skipped > 0 && !state.found && written.is_ok() {
        return Err(CliError::failed(format_args!(
            "no API key found, but not everything could be scanned: {} file(s) or line(s) skipped (named above)",
            state.skipped
        )));
    }
    verdict(state.found, written)
}

/// Whether `arg` is a whole API key of any prefix whose checksum verifies
/// (guardrail-token's parser).
fn looks_like_key(arg: &str) -> bool {
    ApiKey::parse_any_prefix(arg).is_ok()
}

/// Why a file's first bytes make it unscannable as text, if they do: a
/// gzip stream, UTF-16 text (a byte order mark), or a NUL byte.
fn binary_reason(head: &[u8], shown: &str) -> Option<String> {
    if head.starts_with(&[0x1f, 0x8b]) {
        Some(format!("binary file (gzip? use zcat {shown} | guardrail api-key scan -)"))
    } else if head.starts_with(&[0xff, 0xfe]) || head.starts_with(&[0xfe, 0xff]) {
        Some(format!("UTF-16 text (use iconv -f UTF-16 -t UTF-8 {shown} | guardrail api-key scan -)"))
    } else if head.contains(&0) {
        Some(format!("binary file (a NUL byte in the first {BINARY_SNIFF_BYTES} bytes)"))
    } else {
        None
    }
}

impl<W: Write> Scan<'_, W> {
    /// Command-line path number `n`: stdin, a directory (walked) or a file.
    /// One that cannot be read but is an API key is not echoed back.
    fn path(&mut self, n: usize, path: &Path) -> Result<(), CliError> {
        if path == Path::new("-") {
            return self.stream("-", io::stdin().lock());
        }
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => self.walk(path),
            Ok(_) => self.file(path),
            Err(_) if path.to_str().is_some_and(looks_like_key) => {
                note(format_args!("argument {n} looks like an API key, not a path: pass keys on stdin"));
                self.failed += 1;
                Ok(())
            }
            Err(e) => {
                self.fail(path, &e);
                Ok(())
            }
        }
    }

    /// Every file under `root`, depth first in name order; symbolic links
    /// are not followed and `.git` and `target` are not entered.
    fn walk(&mut self, root: &Path) -> Result<(), CliError> {
        // (path, is a directory), popped last-first.
        let mut todo = vec![(root.to_path_buf(), true)];
        while let Some((path, is_dir)) = todo.pop() {
            if !is_dir {
                self.file(&path)?;
                continue;
            }
            let mut entries = match std::fs::read_dir(&path).and_then(Iterator::collect::<io::Result<Vec<_>>>) {
                Ok(entries) => entries,
                Err(e) => {
                    self.fail(&path, &e);
                    continue;
                }
            };
            entries.sort_by_key(std::fs::DirEntry::file_name);
            for entry in entries.iter().rev() {
                match entry.file_type() {
                    Ok(t) if t.is_dir() && !SKIPPED_DIRS.iter().any(|s| entry.file_name() == *s) => {
                        todo.push((entry.path(), true));
                    }
                    Ok(t) if t.is_file() => todo.push((entry.path(), false)),
                    Ok(_) => {} // skipped directories, symbolic links, special files
                    Err(e) => self.fail(&entry.path(), &e),
                }
            }
        }
        Ok(())
    }

    /// One file: skipped past [`MAX_FILE_BYTES`] (noted) or when binary.
    fn file(&mut self, path: &Path) -> Result<(), CliError> {
        let opened = File::open(path).and_then(|f| f.metadata().map(|m| (f, m.len())));
        let (mut file, len) = match opened {
            Ok(opened) => opened,
            Err(e) => {
                self.fail(path, &e);
                return Ok(());
            }
        };
        if len > MAX_FILE_BYTES {
            note(format_args!("{}: skipped, larger than 64 MiB ({MAX_FILE_BYTES} bytes)", path.display()));
            self.skipped += 1;
            return Ok(());
        }
        // Read into a buffer wiped on drop: the head may hold a key.
        let head = match guardrail_secret::read::to_end((&mut file).take(BINARY_SNIFF_BYTES), MAX_SNIFF) {
            Ok(head) => head,
            Err(e) => {
                self.fail(path, &e);
                return Ok(());
            }
        };
        if let Some(reason) = binary_reason(&head, &path.display().to_string()) {
            note(format_args!("{}: skipped: {reason}", path.display()));
            self.skipped += 1;
            return Ok(());
        }
        let reader = BufReader::new(io::Cursor::new(head).chain(file));
        self.stream(&path.display().to_string(), reader)
    }

    /// Scans `reader` line by line, printing `<name>:<line>: api key <lookup id>`
    /// for each key found.
    fn stream(&mut self, name: &str, reader: impl BufRead) -> Result<(), CliError> {
        // Escaped once for stdout; `note` escapes what it prints itself.
        let shown = guardrail_encode::log_line(name).into_owned();
        let mut lines = guardrail_secret::read::Lines::new(reader, MAX_LINE_BYTES);
        loop {
            let line = match lines.next_line() {
                Ok(Some(line)) => line,
                Ok(None) => return Ok(()),
                Err(guardrail_secret::Error::LineTooLong { line, .. }) => {
                    note(format_args!("{name}: line {line} skipped, longer than 1 MiB ({MAX_LINE_BYTES} bytes)"));
                    self.skipped += 1;
                    continue;
                }
                Err(e) => {
                    note(format_args!("{name}: {e}"));
                    self.failed += 1;
                    return Ok(());
                }
            };
            let ids = lookup_ids(line, &self.prefixes);
            let number = lines.line_number();
            for id in ids {
                self.found = true;
                writeln!(self.out, "{shown}:{number}: api key {id}")?;
            }
        }
    }

    /// Notes that `path` could not be scanned, and why.
    fn fail(&mut self, path: &Path, e: &dyn std::fmt::Display) {
        note(format_args!("{}: {e}", path.display()));
        self.failed += 1;
    }
}

/// The lookup ids of the keys in `line` whose prefix is accepted and whose
/// checksum verifies, in order. A candidate is `_` and 36 base62
/// characters not followed by a letter, digit or `_`; its prefix is the
/// longest accepted one (at most 32 bytes) that ends at the `_` and makes
/// the checksum verify, so `x_acme_live_…` is found as an `acme_live` key.
fn lookup_ids(line: &[u8], prefixes: &Prefixes<'_>) -> Vec<String> {
    let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    let mut ids = Vec::new();
    let mut from = 0;
    while let Some(underscore) =
        line.get(from..).and_then(|rest| rest.iter().position(|b| *b == b'_')).map(|i| i + from)
    {
        let end = underscore + 1 + TAIL;
        let body_ok = line.get(underscore + 1..end).is_some_and(|b| b.iter().all(u8::is_ascii_alphanumeric))
            && !line.get(end).is_some_and(word);
        if !body_ok {
            from = underscore + 1;
            continue;
        }
        let found = (underscore.saturating_sub(MAX_PREFIX)..underscore).find_map(|start| {
            let candidate = std::str::from_utf8(line.get(start..end)?).ok()?;
            let prefix = candidate.get(..underscore - start)?;
            if !prefixes.accepts(prefix) {
                return None;
            }
            ApiKey::parse(candidate, prefix).ok().map(|key| key.lookup_id())
        });
        ids.extend(found);
        from = end;
    }
    ids
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code
    use guardrail_secret::ExposeSecret;
    use guardrail_token::ApiKeyIssuer;

    use super::{Prefixes, lookup_ids};

    fn key(prefix: &str) -> (String, String) {
        let (key, stored) = ApiKeyIssuer::new(prefix).unwrap().issue().unwrap();
        (key.expose_secret().to_owned(), stored.lookup_id().to_owned())
    }

    #[test]
    fn keys_are_found_by_prefix_and_checksum_only() {
        let listed = Prefixes { listed: vec!["acme_live"], any: false };
        let (k1, id1) = key("acme_live");
        let (k2, id2) = key("acme_live");
        let (other, other_id) = key("other_test");
        // Adjacent, quoted, glued to an identifier, at the line's ends.
        let line = format!("{k1} \"{k2}\",x_{k1};{other}");
        assert_eq!(lookup_ids(line.as_bytes(), &listed), [id1.clone(), id2, id1.clone()]);
        let any = Prefixes { listed: vec![], any: true };
        assert_eq!(lookup_ids(other.as_bytes(), &any), [other_id]);
        // A broken checksum, a longer body, a shorter body: nothing.
        let mut broken = k1.clone().into_bytes();
        let last = broken.last_mut().unwrap();
        *last = if *last == b'0' { b'1' } else { b'0' };
        for junk in [broken, format!("{k1}x").into_bytes(), format!("{k1}_").into_bytes(), k1[..k1.len() - 1].into()] {
            assert!(lookup_ids(&junk, &any).is_empty(), "{}", String::from_utf8_lossy(&junk));
        }
    }
}

//! Golden-vector files: the `field: value` text files under a crate's
//! `tests/data/` that pin guardrail's own formats, each beside a tampered
//! twin (`crates/keys/tests/data/README.md` and its siblings).

use std::path::PathBuf;

/// The text of `tests/data/<name>` in the crate whose manifest directory is
/// `manifest_dir` (pass `env!("CARGO_MANIFEST_DIR")`).
///
/// # Panics
///
/// When the file cannot be read: a missing vector is a failed test.
#[must_use]
#[allow(clippy::panic)] // a test helper: the panic is the test failure
pub fn read_data(manifest_dir: &str, name: &str) -> String {
    let path = data_path(manifest_dir, name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The path of `tests/data/<name>` in the crate at `manifest_dir` (what a
/// generator writes).
#[must_use]
pub fn data_path(manifest_dir: &str, name: &str) -> PathBuf {
    PathBuf::from(manifest_dir).join("tests/data").join(name)
}

/// The value of the line `name: value` of a vector file.
///
/// # Panics
///
/// When no line has that field: a malformed vector is a failed test.
#[must_use]
#[allow(clippy::panic)] // a test helper: the panic is the test failure
pub fn field(text: &str, name: &str) -> String {
    let prefix = format!("{name}: ");
    text.lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .unwrap_or_else(|| panic!("no field {name:?} in the vector"))
        .to_owned()
}

/// `text` with the byte at `at` changed: to `B` if it is `A`, else to `A`
/// (a character of base64, base64url and upper-case hex alike). The twin
/// of a golden vector.
///
/// # Panics
///
/// When `at` is out of range or not at an ASCII character.
#[must_use]
#[allow(clippy::panic, clippy::indexing_slicing)] // a test helper: the panic is the test failure
pub fn tamper_char(text: &str, at: usize) -> String {
    let mut bytes = text.as_bytes().to_vec();
    assert!(bytes[at].is_ascii(), "not an ASCII character at {at}");
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap_or_else(|_| panic!("not UTF-8 after the change at {at}"))
}

/// 32 key bytes `byte ^ i` for i in 0..32: distinct for each `byte`, and
/// never one repeated byte (which the keyrings refuse as a placeholder).
#[must_use]
pub fn distinct_key(byte: u8) -> [u8; 32] {
    std::array::from_fn(|i| byte ^ (i as u8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_twins() {
        assert_eq!(field("a: 1\nkey: v: w\n", "key"), "v: w");
        assert_eq!(tamper_char("xAy", 1), "xBy");
        assert_eq!(tamper_char("xzy", 1), "xAy");
        assert_ne!(distinct_key(1), distinct_key(2));
        assert!(distinct_key(0).iter().any(|b| *b != 0));
    }
}

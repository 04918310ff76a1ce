//! The CLI's messages name files the caller chose; a name holding a bidi
//! override, a zero-width space or a control reaches the terminal escaped
//! (`\u{202e}`), so it cannot reorder or forge the message.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code

#[allow(dead_code)] // uses guardrail and TempDir only
mod common;

use common::{TempDir, guardrail};

const HIDDEN: [char; 5] = ['\u{202E}', '\u{200B}', '\u{2066}', '\u{2800}', '\u{1b}'];

fn assert_escaped(stderr: &[u8], c: char) {
    let text = String::from_utf8(stderr.to_vec()).unwrap();
    assert!(text.starts_with("guardrail: "), "{text:?}");
    let body = text.strip_suffix('\n').unwrap();
    assert!(!body.contains(c) && !body.contains('\n'), "U+{:04X} reached the terminal: {text:?}", u32::from(c));
    assert!(text.contains(&format!("\\u{{{:x}}}", u32::from(c))) || text.contains("\\x1b"), "{text:?}");
}

#[test]
fn file_names_in_messages_are_escaped() {
    let dir = TempDir::new("hidden-names");
    for c in HIDDEN {
        // A keyring that does not exist: the loader's error names it.
        let missing = dir.path().join(format!("missing{c}nosj.json"));
        let out = guardrail(&["keyring", "list", "--keyring", missing.to_str().unwrap()]);
        assert_ne!(out.status.code(), Some(0));
        assert_escaped(&out.stderr, c);

        // Created, then refused as existing: both messages name it.
        let k = dir.path().join(format!("k{c}.json"));
        let out = guardrail(&["keyring", "new", "--out", k.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        assert_escaped(&out.stderr, c);
        let out = guardrail(&["keyring", "new", "--out", k.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2));
        assert_escaped(&out.stderr, c);
    }
}

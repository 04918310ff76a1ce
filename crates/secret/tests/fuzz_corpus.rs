//! Replays the committed seed corpus of the `secret_mask` fuzz target.
#![allow(clippy::unwrap_used, clippy::panic)] // test code

use std::path::Path;

#[test]
fn secret_mask() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/secret_mask");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        // libFuzzer hands `&str` targets only valid UTF-8; so does the replay.
        if let Ok(text) = std::fs::read_to_string(&path) {
            guardrail_secret::check_mask(&text);
            count += 1;
        }
    }
    assert!(count > 0, "no seeds in {}", dir.display());
}

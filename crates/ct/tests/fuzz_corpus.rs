//! Replays the committed seed corpora of the fuzz targets (fuzz/corpus/),
//! so CI exercises every target's oracle without a fuzzer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failure report

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_file() {
            check(&std::fs::read(&path).unwrap());
            count += 1;
        }
    }
    assert!(count > 0, "no seeds in {}", dir.display());
}

#[test]
fn ct_hex_decode() {
    replay("ct_hex_decode", guardrail_ct::hex::check_decode);
}

#[test]
fn ct_base64_decode() {
    replay("ct_base64_decode", guardrail_ct::base64::check_decode);
}

#[test]
fn ct_base64url_decode() {
    replay("ct_base64url_decode", guardrail_ct::base64url::check_decode);
}

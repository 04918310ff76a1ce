//! `guardrail encode` streams stdin through `io::copy`, whose buffer is
//! 8 KiB: a multibyte UTF-8 character split across that boundary (or any
//! read) must come out exactly as the library encodes the whole input,
//! never as two replacement characters or an error.
#![allow(clippy::unwrap_used)] // test code

#[allow(dead_code)] // uses run and stdout; not guardrail, BIN or TempDir
mod common;

use clap::ValueEnum;
use common::{run, stdout};
use guardrail_encode::Context;

#[test]
fn characters_split_across_the_copy_buffer_encode_as_a_whole() {
    const BUFFER: usize = 8 << 10;
    // 'é' (2 bytes), '€' (3) and '😀' (4) starting at every offset that
    // splits them across the first buffer's end, and across the second's.
    for ch in ['é', '€', '😀'] {
        for boundary in [BUFFER, 2 * BUFFER] {
            for before in boundary + 1 - ch.len_utf8()..boundary {
                let input = format!("{}{ch}<tail>", "a".repeat(before));
                // Every context, by the name the command takes.
                for context in Context::value_variants() {
                    let name = context.to_possible_value().unwrap().get_name().to_owned();
                    let name = name.as_str();
                    let out = run(&["encode", name], input.as_bytes());
                    assert_eq!(out.status.code(), Some(0), "{name} {ch} at {before}");
                    assert!(
                        stdout(&out) == context.encode(&input),
                        "{name}: {ch} at byte {before} does not encode as the library encodes the whole input"
                    );
                }
            }
        }
    }
}

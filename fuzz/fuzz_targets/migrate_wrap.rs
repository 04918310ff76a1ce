#![no_main]
// The wrapped format `$guardrail-wrap$v=1$…`: parsed under small caps (no panic, none admitted above), and what parses re-encodes to the same inner scheme and argon2id.
libfuzzer_sys::fuzz_target!(|data: &[u8]| guardrail_password::fuzzing::wrap(data));

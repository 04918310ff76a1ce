#![no_main]
// Any stored string: identified and parsed once, its cost checked against the caps (no panic, none admitted above).
libfuzzer_sys::fuzz_target!(|data: &[u8]| guardrail_password::fuzzing::migrate_identify(data));

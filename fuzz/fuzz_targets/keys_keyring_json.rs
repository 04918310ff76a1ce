#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| guardrail_keys::fuzzing::check_keyring_json(data));

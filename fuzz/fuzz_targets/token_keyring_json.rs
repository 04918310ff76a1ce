#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| guardrail_token::keyring::fuzzing::load_json(data));

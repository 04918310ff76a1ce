#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| guardrail_ct::fuzzing::check_hex_decode(data));

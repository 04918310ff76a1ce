#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| guardrail_ct::fuzzing::check_base64_decode(data));

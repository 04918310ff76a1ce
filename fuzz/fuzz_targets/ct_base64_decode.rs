#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| guardrail_ct::base64::check_decode(data));

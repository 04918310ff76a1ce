#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| guardrail_ct::base64url::check_decode(data));

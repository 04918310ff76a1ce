#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| guardrail_ct::hex::check_decode(data));

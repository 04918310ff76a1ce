#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| guardrail_token::api_key::check_parse(data));

#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| guardrail_token::fuzzing::check_signed_verify(data));

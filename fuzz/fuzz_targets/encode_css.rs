#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| guardrail_encode::fuzzing::check(guardrail_encode::Context::CssString, data));

#![no_main]
libfuzzer_sys::fuzz_target!(|text: &str| guardrail_secret::fuzzing::check_mask(text));

#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| guardrail_password::fuzzing::engine_differential(data));

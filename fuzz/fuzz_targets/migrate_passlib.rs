#![no_main]
// passlib's bcrypt_sha256 (v1 `$bcrypt-sha256$2b,12$…` and v2 `$bcrypt-sha256$v=2,t=2b,r=12$…`).
libfuzzer_sys::fuzz_target!(|data: &[u8]| guardrail_password::fuzzing::legacy("$bcrypt-sha256$", data));

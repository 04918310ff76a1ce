#![no_main]
// Spring Security's `{id}` layer (every PasswordEncoderFactories id, and the LDAP braces it shares the table with).
libfuzzer_sys::fuzz_target!(|data: &[u8]| guardrail_password::fuzzing::legacy("{", data));

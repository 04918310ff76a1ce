#![no_main]
// Django's scrypt hasher (`scrypt$N$salt$r$p$key`), new in this reader; Django's other forms: legacy_django.
libfuzzer_sys::fuzz_target!(|data: &[u8]| guardrail_password::fuzzing::legacy("scrypt$", data));

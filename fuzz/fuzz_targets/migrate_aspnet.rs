#![no_main]
// ASP.NET Core Identity v2/v3: bare base64, recognised by its shape (no prefix).
libfuzzer_sys::fuzz_target!(|data: &[u8]| guardrail_password::fuzzing::legacy("", data));

//! Replays every fuzz target's committed corpus (fuzz/corpus/TARGET) through
//! the same oracle the target calls, so `cargo test` exercises all of them
//! without a fuzzer. A target without an entry here fails the test.
#![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::panic)] // test code: a panic is a failure report

use std::path::Path;

use guardrail::encode::Context;

type Oracle = fn(&[u8]);

const TARGETS: &[(&str, Oracle)] = &[
    ("ct_hex_decode", guardrail::ct::fuzzing::check_hex_decode),
    ("ct_base64_decode", guardrail::ct::fuzzing::check_base64_decode),
    ("ct_base64url_decode", guardrail::ct::fuzzing::check_base64url_decode),
    ("secret_mask", |d| {
        // libFuzzer hands `&str` targets valid UTF-8 only; so does the replay.
        if let Ok(text) = std::str::from_utf8(d) {
            guardrail::secret::fuzzing::check_mask(text);
        }
    }),
    ("password_phc", guardrail::password::fuzzing::phc),
    ("password_engine_differential", guardrail::password::fuzzing::engine_differential),
    ("token_api_key", guardrail::token::fuzzing::check_api_key_parse),
    ("token_signed_verify", guardrail::token::fuzzing::check_signed_verify),
    ("keys_keyring_open", guardrail::keys::fuzzing::check_keyring_open),
    ("keys_keyring_json", guardrail::keys::fuzzing::check_keyring_json),
    ("legacy_bcrypt", |d| guardrail::password::fuzzing::legacy("$2b$", d)),
    ("legacy_passlib_pbkdf2", |d| guardrail::password::fuzzing::legacy("$pbkdf2", d)),
    ("legacy_passlib_scrypt", |d| guardrail::password::fuzzing::legacy("$scrypt$", d)),
    ("legacy_django", |d| guardrail::password::fuzzing::legacy("", d)),
    ("legacy_sha_crypt", |d| guardrail::password::fuzzing::legacy("$", d)),
    ("legacy_md5_crypt", |d| guardrail::password::fuzzing::legacy("$", d)),
    ("legacy_sha1_crypt", |d| guardrail::password::fuzzing::legacy("$sha1$", d)),
    ("legacy_phpass", |d| guardrail::password::fuzzing::legacy("$", d)),
    ("legacy_ldap", |d| guardrail::password::fuzzing::legacy("{", d)),
    ("migrate_identify", guardrail::password::fuzzing::migrate_identify),
    ("migrate_spring", |d| guardrail::password::fuzzing::legacy("{", d)),
    ("migrate_aspnet", |d| guardrail::password::fuzzing::legacy("", d)),
    ("migrate_django", |d| guardrail::password::fuzzing::legacy("scrypt$", d)),
    ("migrate_passlib", |d| guardrail::password::fuzzing::legacy("$bcrypt-sha256$", d)),
    ("migrate_wrap", guardrail::password::fuzzing::wrap),
    ("validate_email", guardrail::validate::fuzzing::email),
    ("validate_username", guardrail::validate::fuzzing::username),
    ("validate_url", guardrail::validate::fuzzing::url),
    ("validate_host", guardrail::validate::fuzzing::host),
    ("validate_path", guardrail::validate::fuzzing::path),
    ("encode_html", |d| guardrail::encode::fuzzing::check(Context::Html, d)),
    ("encode_attr", |d| guardrail::encode::fuzzing::check(Context::HtmlAttribute, d)),
    ("encode_js", |d| guardrail::encode::fuzzing::check(Context::JsString, d)),
    ("encode_url", |d| guardrail::encode::fuzzing::check(Context::UrlComponent, d)),
    ("encode_css", |d| guardrail::encode::fuzzing::check(Context::CssString, d)),
    ("encode_log", |d| guardrail::encode::fuzzing::check(Context::LogLine, d)),
];

fn fuzz_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

#[test]
fn every_seed_of_every_target_passes_its_oracle() {
    for (target, oracle) in TARGETS {
        let dir = fuzz_dir().join("corpus").join(target);
        let mut count = 0;
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_file() {
                oracle(&std::fs::read(&path).unwrap());
                count += 1;
            }
        }
        assert!(count > 0, "no seeds in {}", dir.display());
    }
}

#[test]
fn every_fuzz_target_is_replayed() {
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(fuzz_dir().join("fuzz_targets")).unwrap() {
        let name = entry.unwrap().path().file_stem().unwrap().to_string_lossy().into_owned();
        if !TARGETS.iter().any(|(t, _)| *t == name) {
            missing.push(name);
        }
    }
    assert!(missing.is_empty(), "fuzz targets without a corpus replay: {missing:?}");
}

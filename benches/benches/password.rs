//! Password hashing hot paths beside their baselines: a default-profile
//! verify through guardrail (pooled, wiped working memory, admission slot)
//! vs the raw argon2 crate allocating per hash; hashing per profile; a
//! legacy bcrypt verify through guardrail vs the raw bcrypt crate (and an
//! over-long candidate, refused at the same cost); the new-password policy
//! with and without zxcvbn's estimate at 15, 64, 100 and 128 characters,
//! and on input dense in l33t characters at 64, 100, 128 and 4096 bytes
//! (its worst case, bounded by `PasswordPolicy::SCORE_WORK_BUDGET`).
#![allow(clippy::unwrap_used, clippy::print_stderr)] // bench code; reports to the terminal

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use guardrail_password::{Params, PasswordHasher, PasswordPolicy};
use guardrail_secret::SecretString;

fn verify(c: &mut Criterion) {
    #[cfg(target_arch = "x86_64")]
    eprintln!(
        "password: CPU has AVX2: {} (argon2 0.6 picks its AVX2 block function at run time)",
        std::arch::is_x86_feature_detected!("avx2")
    );
    let hasher = PasswordHasher::default();
    let password = SecretString::from("correct horse battery staple");
    let stored = hasher.hash(&password).unwrap().into_string();
    let wrong = SecretString::from("correct horse battery stapler");

    let params = argon2::Params::new(19456, 2, 1, Some(32)).unwrap();
    let raw = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let salt = [7u8; 16];
    let mut expected = [0u8; 32];
    raw.hash_password_into(b"correct horse battery staple", &salt, &mut expected).unwrap();

    let mut group = c.benchmark_group("password_verify_owasp");
    group.sample_size(20);
    group.bench_function("guardrail verify", |b| {
        b.iter(|| hasher.verify(black_box(&wrong), black_box(&stored)).unwrap())
    });
    group.bench_function("raw argon2 (allocates per hash)", |b| {
        b.iter(|| {
            let mut out = [0u8; 32];
            raw.hash_password_into(black_box(b"correct horse battery stapler"), &salt, &mut out).unwrap();
            out == expected
        })
    });
    group.finish();

    let mut group = c.benchmark_group("password_hash");
    group.sample_size(10);
    for (name, params) in [("owasp", Params::OWASP), ("rfc9106-low", Params::RFC9106_LOW_MEMORY)] {
        let hasher = PasswordHasher::new(params);
        group.bench_function(BenchmarkId::new("guardrail hash", name), |b| {
            b.iter(|| hasher.hash(black_box(&password)).unwrap())
        });
    }
    group.finish();

    let bcrypt_hash = bcrypt::hash("correct horse battery staple", 10).unwrap();
    let mut group = c.benchmark_group("legacy_bcrypt_verify_cost10");
    group.sample_size(10);
    group.bench_function("guardrail verify (+ argon2id upgrade)", |b| {
        b.iter(|| hasher.verify(black_box(&password), black_box(&bcrypt_hash)).unwrap())
    });
    group.bench_function("guardrail verify, wrong password", |b| {
        b.iter(|| hasher.verify(black_box(&wrong), black_box(&bcrypt_hash)).unwrap())
    });
    group.bench_function("raw bcrypt::verify", |b| {
        b.iter(|| bcrypt::verify(black_box("correct horse battery stapler"), &bcrypt_hash).unwrap())
    });
    // Refused (longer than the 72 bytes bcrypt reads), at the cost of a wrong password.
    let over_long = SecretString::from("x".repeat(73));
    group.bench_function("guardrail verify, 73-byte candidate (refused)", |b| {
        b.iter(|| hasher.verify(black_box(&over_long), black_box(&bcrypt_hash)).unwrap())
    });
    group.finish();
}

/// The new-password policy per length: zxcvbn's estimate (the policy's
/// cost; it sees at most 100 characters) beside the policy without it.
fn policy(c: &mut Criterion) {
    let words = "correct horse battery staple orbit lantern quiet velvet meadow copper ";
    let mut group = c.benchmark_group("password_policy_check");
    for chars in [15usize, 64, 100, 128] {
        let text: String = words.chars().cycle().take(chars).collect();
        let password = SecretString::from(text);
        let with = PasswordPolicy::default();
        let without = PasswordPolicy::default().min_score(0);
        group.bench_with_input(BenchmarkId::new("with zxcvbn (default)", chars), &password, |b, pw| {
            b.iter(|| with.check(black_box(pw), &["ana", "ana@example.org"]).is_ok())
        });
        group.bench_with_input(BenchmarkId::new("without zxcvbn (min_score 0)", chars), &password, |b, pw| {
            b.iter(|| without.check(black_box(pw), &["ana", "ana@example.org"]).is_ok())
        });
    }
    // Adversarial: dense in distinct l33t characters (800 substitution maps
    // for zxcvbn once all are in); before the work budget 100 characters of
    // this cost ~1 s. Over 128 characters the default policy refuses it as
    // too long before any estimate; a policy whose maximum is the 4096-byte
    // hard cap (MAX_PASSWORD_BYTES) scores it.
    let dense = "p4$$w0rd!|1+7%2(@{[<368950";
    let lenient = PasswordPolicy::default().length(15, 4096);
    for bytes in [64usize, 100, 128, 4096] {
        let password = SecretString::from(dense.chars().cycle().take(bytes).collect::<String>());
        let with = PasswordPolicy::default();
        group.bench_with_input(BenchmarkId::new("l33t-dense, with zxcvbn (default)", bytes), &password, |b, pw| {
            b.iter(|| with.check(black_box(pw), &["ana", "ana@example.org"]).is_ok())
        });
        group.bench_with_input(BenchmarkId::new("l33t-dense, max length 4096", bytes), &password, |b, pw| {
            b.iter(|| lenient.check(black_box(pw), &["ana", "ana@example.org"]).is_ok())
        });
    }
    // Adversarial for the folded form too: a Cyrillic `а` first, so the
    // folded form differs and both forms are scored (each on half the
    // budget); and text whose NFKC form is 18 times longer (U+FDFA), the
    // most the folding (NFD, hidden characters, confusable skeleton) walks.
    for bytes in [100usize, 128, 4096] {
        let text: String = "\u{430}".chars().chain(dense.chars().cycle().take(bytes - 2)).collect();
        let password = SecretString::from(text);
        group.bench_with_input(
            BenchmarkId::new("l33t-dense + homoglyph, max length 4096", bytes),
            &password,
            |b, pw| b.iter(|| lenient.check(black_box(pw), &["ana", "ana@example.org"]).is_ok()),
        );
    }
    // The floor: the 16 l33t characters with the most maps, which both
    // forms score even past their half of the budget; then a homoglyph.
    let worst16 = "4@({[<691!|7$5+2";
    for (name, tail) in [("l33t floor, one form", "8%3-abc"), ("l33t floor + homoglyph, both forms", "\u{430}8%3-abc")]
    {
        let password = SecretString::from(format!("{worst16}{tail}"));
        group.bench_with_input(BenchmarkId::new(name, 16), &password, |b, pw| {
            b.iter(|| lenient.check(black_box(pw), &["ana", "ana@example.org"]).is_ok())
        });
    }
    let expanding = SecretString::from("\u{fdfa}".repeat(4096 / 3));
    group.bench_with_input(BenchmarkId::new("NFKC 18x (U+FDFA), max length 4096", 4095), &expanding, |b, pw| {
        b.iter(|| lenient.check(black_box(pw), &["ana", "ana@example.org"]).is_ok())
    });
    group.finish();
}

criterion_group!(benches, verify, policy);
criterion_main!(benches);

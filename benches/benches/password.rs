//! Password hashing hot paths beside their baselines. Verify (a wrong
//! password, so the full work) through guardrail — its engine's admission,
//! workers and warm, wiped working memory — beside argon2-rust 1.1's pooled
//! `Hasher` (the engine issue's baseline), RustCrypto `argon2` 0.6 with a
//! reused block buffer and the same allocating per hash, in one group per
//! profile: OWASP (m=19456, t=2, p=1) on one thread, and RFC 9106's low-memory
//! option (m=65536, t=3, p=4) with argon2-rust on 4 threads and on 1, and
//! RustCrypto on 1. The interleaved rep-by-rep comparison of the same arms is
//! `--bin engine-compare`. Then hashing per profile; a legacy bcrypt verify
//! through guardrail vs the raw bcrypt crate (and an over-long candidate,
//! refused at the same cost); the new-password policy with and without
//! zxcvbn's estimate at 15, 64, 100 and 128 characters, and on input dense in
//! l33t characters at 64, 100, 128 and 4096 bytes (its worst case, bounded by
//! `PasswordPolicy::SCORE_WORK_BUDGET`).
//!
//! Only the verify groups: `cargo bench -p guardrail-benches --bench password
//! -- password_verify_`
#![allow(clippy::unwrap_used, clippy::print_stderr)] // bench code; reports to the terminal

use std::{hint::black_box, time::Duration};

use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use guardrail_benches::engines::{self, Argon2Rust, GuardrailVerify, PASSWORD, Profile, RustCrypto, WRONG};
use guardrail_password::{Params, PasswordHasher, PasswordPolicy};
use guardrail_secret::SecretString;

/// Verify at the OWASP default: guardrail beside the raw engines, one thread.
fn verify_owasp(c: &mut Criterion) {
    eprintln!("password: {}", engines::backends());
    let guardrail = GuardrailVerify::new(Profile::OWASP).unwrap();
    let mut argon2_rust = Argon2Rust::new(Profile::OWASP, 1).unwrap();
    let mut rustcrypto = RustCrypto::new(Profile::OWASP).unwrap();

    let mut group = c.benchmark_group("password_verify_owasp");
    group.sample_size(20);
    group.bench_function("guardrail verify", |b| b.iter(|| assert!(black_box(guardrail.run().unwrap()))));
    group.bench_function("argon2-rust 1.1, pooled Hasher", |b| {
        b.iter(|| assert!(black_box(argon2_rust.run().unwrap())))
    });
    group.bench_function("argon2 0.6, reused buffer", |b| b.iter(|| assert!(black_box(rustcrypto.run().unwrap()))));
    group.bench_function("argon2 0.6, allocates per hash", |b| {
        b.iter(|| assert!(black_box(rustcrypto.run_allocating().unwrap())))
    });
    group.finish();
}

/// Verify at RFC 9106's low-memory option (4 lanes): guardrail beside
/// argon2-rust on 4 threads (the goal's baseline) and on 1, and RustCrypto
/// on 1 (it spawns no threads without its `parallel` feature).
fn verify_rfc9106_low(c: &mut Criterion) {
    let profile = Profile::RFC9106_LOW;
    let guardrail = GuardrailVerify::new(profile).unwrap();
    let mut threaded = Argon2Rust::new(profile, profile.p).unwrap();
    let mut single = Argon2Rust::new(profile, 1).unwrap();
    let mut rustcrypto = RustCrypto::new(profile).unwrap();

    let mut group = c.benchmark_group("password_verify_rfc9106_low");
    // 50-160 ms an iteration: the same count in every sample, ten of them.
    group.sampling_mode(SamplingMode::Flat).sample_size(10).measurement_time(Duration::from_secs(8));
    group.bench_function("guardrail verify", |b| b.iter(|| assert!(black_box(guardrail.run().unwrap()))));
    group.bench_function("argon2-rust 1.1, pooled Hasher, 4 threads", |b| {
        b.iter(|| assert!(black_box(threaded.run().unwrap())))
    });
    group.bench_function("argon2-rust 1.1, pooled Hasher, 1 thread", |b| {
        b.iter(|| assert!(black_box(single.run().unwrap())))
    });
    group.bench_function("argon2 0.6, reused buffer, 1 thread", |b| {
        b.iter(|| assert!(black_box(rustcrypto.run().unwrap())))
    });
    group.finish();
}

/// Hashing per profile, and legacy bcrypt verifies through guardrail.
fn hash_and_legacy(c: &mut Criterion) {
    let hasher = PasswordHasher::default();
    let password = SecretString::from(PASSWORD);
    let wrong = SecretString::from(WRONG);

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

criterion_group!(benches, verify_owasp, verify_rfc9106_low, hash_and_legacy, policy);
criterion_main!(benches);

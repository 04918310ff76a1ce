//! Password hashing hot paths beside their baselines: a default-profile
//! verify through guardrail (pooled, wiped working memory, admission slot)
//! vs the raw argon2 crate allocating per hash; hashing per profile; a
//! legacy bcrypt verify through guardrail vs the raw bcrypt crate.
#![allow(clippy::unwrap_used, clippy::print_stderr)] // bench code; reports to the terminal

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use guardrail_password::{Params, PasswordHasher};
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
    group.finish();
}

criterion_group!(benches, verify);
criterion_main!(benches);

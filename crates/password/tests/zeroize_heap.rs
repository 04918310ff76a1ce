//! Proof that hashing leaves no secret in freed heap memory: neither the
//! password nor argon2's working memory (which holds blocks derived from
//! it, enough to test guesses against without the stored hash's cost).
//!
//! This test binary installs guardrail-testkit's global allocator, which,
//! while armed, scans every block it is about to free for a marker (as
//! crates/secret/tests/zeroize_heap.rs does). A plain `String` holding the
//! marker is caught (the control, which shows the scan works).
#![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)] // test code

use std::{sync::Arc, time::Duration};

use guardrail_password::{Limits, Params, PasswordHasher, Verification};
use guardrail_secret::SecretString;
use guardrail_testkit::ScanningAllocator;

const CANARY: &str = "ZQ-password-canary-7d3f0a";

#[global_allocator]
static GLOBAL: ScanningAllocator = ScanningAllocator;

/// Runs `f` with the scan armed for `marker`; returns how many freed blocks held it.
fn freed_copies(marker: &[u8], f: impl FnOnce()) -> usize {
    guardrail_testkit::freed_copies(&[marker], f).0
}

fn b64(bytes: &[u8]) -> String {
    <base64ct::Base64Unpadded as base64ct::Encoding>::encode_string(bytes)
}

/// A stored argon2id hash with a known salt and a tag that never matches.
fn stored(m: u32, t: u32, salt: &[u8; 16]) -> String {
    format!("$argon2id$v=19$m={m},t={t},p=1${}${}", b64(salt), b64(&[0x5a; 32]))
}

/// 64 bytes from the middle of argon2id's final working memory for
/// (`password`, `salt`, m, t): what a pooled buffer holds after that hash.
fn final_memory_marker(password: &[u8], salt: &[u8], m: u32, t: u32) -> Vec<u8> {
    let params = argon2::Params::new(m, t, 1, Some(32)).unwrap();
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut blocks = vec![argon2::Block::default(); m as usize];
    let mut out = [0u8; 32];
    argon.hash_password_into_with_memory(password, salt, &mut out, &mut blocks).unwrap();
    let words = &blocks[m as usize / 2].as_ref()[..8];
    let marker = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    // Our own copy is wiped before it is freed.
    blocks.fill(argon2::Block::default());
    std::hint::black_box(&blocks);
    marker
}

/// One test function: the allocator state is global, so the sections run
/// in sequence, never beside each other.
#[test]
fn no_secret_copy_is_freed_unwiped() {
    // Control: the scan sees a plain String holding the canary.
    assert!(freed_copies(CANARY.as_bytes(), || drop(String::from(CANARY))) >= 1, "the scan works");

    // The password itself, through hash and verify (NFKC and raw forms).
    let hasher = PasswordHasher::new(Params::new(64, 1, 1).unwrap());
    // Not NFKC ("ﬁ"), so both forms are tried; built at its exact size, so
    // nothing of ours reallocates.
    let text = [CANARY, "-ﬁ"];
    let mut owned = String::with_capacity(text.iter().map(|t| t.len()).sum());
    text.iter().for_each(|t| owned.push_str(t));
    let mut pw = Some(SecretString::from(owned));
    let hits = freed_copies(CANARY.as_bytes(), || {
        let pw = pw.take().unwrap();
        let hash = hasher.hash(&pw).unwrap();
        assert_eq!(hasher.verify(&pw, hash.as_str_for_storage()).unwrap(), Verification::Valid { upgrade: None });
        assert_eq!(
            hasher.verify_bytes(b"ZQ-password-canary-7d3f0a-raw", hash.as_str_for_storage()).unwrap(),
            Verification::Invalid
        );
        assert_eq!(hasher.verify_login(&pw, None).unwrap(), Verification::Invalid);
    });
    assert_eq!(hits, 0, "a freed block held the password");

    // Legacy schemes (verify only): the canary against one passlib-made
    // hash of every scheme (a wrong password, so each runs its whole computation).
    let mut seen = std::collections::BTreeSet::new();
    let legacy: Vec<&str> = include_str!("data/legacy.tsv")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            seen.insert(f[0]).then_some(f[2])
        })
        .collect();
    assert!(legacy.len() >= 20);
    let hasher = PasswordHasher::new(Params::new(64, 1, 1).unwrap());
    let text = [CANARY, "-legacy"];
    let mut owned = String::with_capacity(text.iter().map(|t| t.len()).sum());
    text.iter().for_each(|t| owned.push_str(t));
    let mut pw = Some(SecretString::from(owned));
    let mut leaking = Vec::new();
    for stored in legacy {
        let hits = freed_copies(CANARY.as_bytes(), || {
            assert_eq!(hasher.verify(pw.as_ref().unwrap(), stored).unwrap(), Verification::Invalid, "{stored}");
        });
        if hits > 0 {
            leaking.push(stored);
        }
    }
    assert!(leaking.is_empty(), "legacy verify freed a copy of the password: {leaking:?}");

    // The new-password policy's own work (NFKC, lower case, the list, the
    // context words) frees no copy. zxcvbn's estimate is left out: the
    // crate copies the password into buffers it frees without a wipe (a
    // documented limitation, crates/password/README.md).
    // All lower case, so the policy's lower-cased copy holds it too.
    drop(pw.take());
    let lower = CANARY.to_lowercase();
    // Long enough that a buffer grown by doubling reallocates past the canary.
    let text = [lower.as_str(), "-policy-check-of-a-longer-password"];
    let mut owned = String::with_capacity(text.iter().map(|t| t.len()).sum());
    text.iter().for_each(|t| owned.push_str(t));
    let pw = SecretString::from(owned);
    let policy = guardrail_password::PasswordPolicy::default().min_score(0);
    let hits = freed_copies(lower.as_bytes(), || {
        assert!(policy.check(&pw, &["ana", "ana@example.org"]).is_ok());
    });
    assert_eq!(hits, 0, "the policy freed a copy of the password");
    // The same with a homoglyph and a hidden character, so the folded
    // form (marks and hidden characters removed, confusable skeleton) is
    // computed and compared too.
    let text = ["\u{430}\u{200b}", lower.as_str(), "-policy-\u{301}check-of-a-longer-\u{43e}password"];
    let mut owned = String::with_capacity(text.iter().map(|t| t.len()).sum());
    text.iter().for_each(|t| owned.push_str(t));
    let pw = SecretString::from(owned);
    let hits = freed_copies(lower.as_bytes(), || {
        assert!(policy.check(&pw, &["ana", "ana@example.org"]).is_ok());
    });
    assert_eq!(hits, 0, "the policy's folded form freed a copy of the password");

    // argon2's working memory: a pooled buffer that grows. One worker; a
    // long verify holds it while a larger one queues, so the first one's
    // buffer is pooled as it is (a queued job overwrites it) and the
    // second job finds it too small and replaces it.
    let (small_m, small_t, large_m) = (1024, 40, 4096);
    let salt = [7u8; 16];
    let password = b"the first user's password";
    let marker = final_memory_marker(password, &salt, small_m, small_t);
    let limits =
        Limits { max_concurrent: 1, wait: Duration::from_secs(60), memory_budget: Limits::DEFAULT_MEMORY_BUDGET };
    let hasher = Arc::new(PasswordHasher::with_limits(Params::new(1024, 10, 1).unwrap(), limits));
    let hits = freed_copies(&marker, || {
        let first = {
            let hasher = Arc::clone(&hasher);
            let stored = stored(small_m, small_t, &salt);
            std::thread::spawn(move || {
                let pw = SecretString::from(String::from_utf8(password.to_vec()).unwrap());
                hasher.verify(&pw, &stored).unwrap()
            })
        };
        while hasher.in_flight() == 0 {
            std::thread::yield_now();
        }
        let second = hasher.verify(&SecretString::from("another user's password"), &stored(large_m, 1, &[9; 16]));
        assert_eq!(second.unwrap(), Verification::Invalid);
        assert_eq!(first.join().unwrap(), Verification::Invalid);
    });
    assert_eq!(hits, 0, "a grown argon2 buffer was freed holding the last hash's memory");
    // And once idle, whatever the worker keeps is wiped (the grown 4 MiB
    // arena, above the policy's 1 MiB, was freed after its job).
    assert!(guardrail_password::fuzzing::idle_memory_wiped(&hasher).is_some());
}

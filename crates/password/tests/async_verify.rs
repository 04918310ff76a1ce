//! The async variants run on the hasher's workers under the same bound, and
//! the executor stays responsive while 64 verifies run.
#![cfg(feature = "tokio")]
#![allow(clippy::unwrap_used)] // test code

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use guardrail_password::{Limits, Params, PasswordHasher, PasswordPolicy, Verification};
use guardrail_secret::SecretString;

#[tokio::test(flavor = "current_thread")]
async fn executor_stays_responsive_under_64_async_verifies() {
    let params = Params::new(4096, 2, 1).unwrap();
    let hasher = Arc::new(PasswordHasher::with_limits(
        params,
        Limits { max_concurrent: 2, wait: Duration::from_secs(60), memory_budget: Limits::DEFAULT_MEMORY_BUDGET },
    ));
    let stored = hasher.hash_async(SecretString::from("pw")).await.unwrap().into_string_for_storage();
    let tasks: Vec<_> = (0..64)
        .map(|i| {
            let (hasher, stored) = (Arc::clone(&hasher), stored.clone());
            tokio::spawn(async move {
                let pw = SecretString::from(if i % 2 == 0 { "pw" } else { "nope" });
                matches!(hasher.verify_async(pw, stored).await.unwrap(), Verification::Valid { .. }) == (i % 2 == 0)
            })
        })
        .collect();
    // On a single-threaded runtime, a timer firing on time proves no task
    // blocked the executor with a hash.
    let before = Instant::now();
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert!(before.elapsed() < Duration::from_millis(500), "the executor was blocked");
    for t in tasks {
        assert!(t.await.unwrap());
    }
    assert!(hasher.peak_in_flight() <= 2);
    assert_eq!(hasher.verify_login_async(SecretString::from("x"), None).await.unwrap(), Verification::Invalid);
    // With the queue empty, the memory the workers keep warm is wiped.
    let audited = guardrail_password::fuzzing::idle_memory_wiped(&hasher);
    assert!(audited.is_some_and(|bytes| bytes >= 4096 * 1024), "idle memory not wiped: {audited:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_callers_wait_as_futures_and_get_busy_after_the_wait() {
    // One slot held by a slow hash; an async caller gives up after 1 ms.
    let params = Params::new(65536, 4, 1).unwrap();
    let hasher = Arc::new(PasswordHasher::with_limits(
        params,
        Limits { max_concurrent: 1, wait: Duration::from_millis(1), memory_budget: Limits::DEFAULT_MEMORY_BUDGET },
    ));
    let slow = {
        let hasher = Arc::clone(&hasher);
        tokio::spawn(async move { hasher.hash_async(SecretString::from("slow")).await.map(drop) })
    };
    while hasher.in_flight() == 0 && !slow.is_finished() {
        tokio::task::yield_now().await;
    }
    // A login without an account: Busy comes back as Busy, never folded into Invalid.
    let refused =
        matches!(hasher.verify_login_async(SecretString::from("x"), None).await, Err(guardrail_password::Error::Busy));
    slow.await.unwrap().unwrap();
    assert!(refused, "an async caller was admitted beyond the bound");
    assert_eq!(hasher.peak_in_flight(), 1);
    // With the slot free again, async callers are served.
    assert!(hasher.verify_login_async(SecretString::from("x"), None).await.is_ok());
}

#[tokio::test(flavor = "current_thread")]
async fn async_login_without_an_account_is_invalid_after_a_verify() {
    let hasher = Arc::new(PasswordHasher::new(Params::new(256, 1, 1).unwrap()));
    assert_eq!(hasher.verify_login_async(SecretString::from("x"), None).await.unwrap(), Verification::Invalid);
    // A hash's work ran on the workers: one argon2 job at the policy's memory.
    assert_eq!(hasher.peak_in_flight_bytes(), hasher.params().memory_bytes());
    let stored = hasher.hash_async(SecretString::from("pw")).await.unwrap().into_string_for_storage();
    let login = |pw: &str| hasher.verify_login_async(SecretString::from(pw), Some(stored.clone()));
    assert_eq!(login("pw").await.unwrap(), Verification::Valid { upgrade: None });
    assert_eq!(login("pW").await.unwrap(), Verification::Invalid);
}

#[tokio::test(flavor = "current_thread")]
async fn async_new_passwords_are_policy_checked() {
    let hasher = Arc::new(PasswordHasher::new(Params::new(256, 1, 1).unwrap()));
    let policy = PasswordPolicy::default();
    let weak = hasher.check_new_async(&policy, &["ana"], SecretString::from("password")).await;
    assert!(matches!(weak, Err(guardrail_password::Error::Policy(v)) if v.codes().any(|c| c == "common_password")));
    // The refusal never reached argon2 (the check declares no memory).
    assert_eq!(hasher.peak_in_flight_bytes(), 0);
    let good = "correct horse battery staple";
    let checked = hasher.check_new_async(&policy, &["ana"], SecretString::from(good)).await.unwrap();
    let stored = hasher.hash_checked_async(checked).await.unwrap().into_string_for_storage();
    let outcome = hasher.verify_login_async(SecretString::from(good), Some(stored)).await.unwrap();
    assert_eq!(outcome, Verification::Valid { upgrade: None });
}

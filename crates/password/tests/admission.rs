//! 64 concurrent callers never run more than `max_concurrent` hashes at
//! once, and a caller that cannot get a slot in time gets `Busy`; memory
//! in use and parked stays within `memory_budget`, a hash over it is
//! refused, and unknown-user and legacy verifies are admitted like any
//! other job. (Order, p-lane slots and sync/async sharing one queue: the
//! engine's unit tests, `src/engine/tests.rs`.)
#![allow(clippy::unwrap_used)] // test code

use std::{
    sync::{Arc, Barrier},
    time::Duration,
};

use guardrail_password::{Error, Limits, Params, PasswordHasher, Verification};
use guardrail_secret::SecretString;

#[test]
fn in_flight_hashes_never_exceed_the_bound() {
    let params = Params::new(2048, 1, 1).unwrap();
    let hasher = Arc::new(PasswordHasher::with_limits(
        params,
        Limits { max_concurrent: 2, wait: Duration::from_secs(60), memory_budget: Limits::DEFAULT_MEMORY_BUDGET },
    ));
    let stored = hasher.hash(&SecretString::from("pw")).unwrap();
    let start = Arc::new(Barrier::new(64));
    let threads: Vec<_> = (0..64)
        .map(|i| {
            let (hasher, stored, start) = (Arc::clone(&hasher), stored.clone(), Arc::clone(&start));
            std::thread::spawn(move || {
                start.wait();
                let pw = SecretString::from(if i % 2 == 0 { "pw" } else { "wrong" });
                let ok = matches!(hasher.verify(&pw, stored.as_str_for_storage()).unwrap(), Verification::Valid { .. });
                assert!(hasher.in_flight() <= 2);
                ok == (i % 2 == 0)
            })
        })
        .collect();
    assert!(threads.into_iter().all(|t| t.join().unwrap()));
    assert_eq!(hasher.peak_in_flight(), 2, "the bound was reached but never exceeded");
    assert_eq!(hasher.in_flight(), 0);
}

#[test]
fn callers_get_busy_after_the_wait() {
    let params = Params::new(65536, 4, 1).unwrap(); // slow enough to hold the only slot for a while
    let hasher = Arc::new(PasswordHasher::with_limits(
        params,
        Limits { max_concurrent: 1, wait: Duration::from_millis(1), memory_budget: Limits::DEFAULT_MEMORY_BUDGET },
    ));
    let busy = Arc::clone(&hasher);
    let holder = std::thread::spawn(move || busy.hash(&SecretString::from("slow")).map(drop));
    // Wait until the holder has the slot, then ask: refused after 1 ms.
    while hasher.in_flight() == 0 && !holder.is_finished() {
        std::thread::yield_now();
    }
    let refused = matches!(hasher.hash(&SecretString::from("x")), Err(Error::Busy));
    holder.join().unwrap().unwrap();
    assert!(refused, "a caller was admitted beyond the bound");
    assert_eq!(hasher.peak_in_flight(), 1);
}

#[test]
fn pooled_buffers_are_wiped_when_returned() {
    let hasher = PasswordHasher::new(Params::new(1024, 1, 1).unwrap());
    let stored = hasher.hash(&SecretString::from("pw")).unwrap();
    // The worker that hashed keeps its 1 MiB warm, wiped; the audit frees it.
    assert_eq!(guardrail_password::fuzzing::idle_memory_wiped(&hasher), Some(1024 * 1024));
    assert_eq!(
        hasher.verify(&SecretString::from("pw"), stored.as_str_for_storage()).unwrap(),
        Verification::Valid { upgrade: None }
    );
    assert_eq!(guardrail_password::fuzzing::idle_memory_wiped(&hasher), Some(1024 * 1024));
}

/// Limits with `max_concurrent` threads and `budget` bytes of memory.
fn limits(max_concurrent: usize, wait: Duration, memory_budget: usize) -> Limits {
    Limits { max_concurrent, wait, memory_budget }
}

#[test]
fn memory_in_use_and_parked_stays_within_the_budget() {
    // Three threads but memory for two 1 MiB hashes.
    let params = Params::new(1024, 1, 1).unwrap();
    let hasher = Arc::new(PasswordHasher::with_limits(params, limits(3, Duration::from_secs(60), 2 << 20)));
    let stored = hasher.hash(&SecretString::from("pw")).unwrap();
    let start = Arc::new(Barrier::new(9));
    let threads: Vec<_> = (0..9)
        .map(|_| {
            let (hasher, stored, start) = (Arc::clone(&hasher), stored.clone(), Arc::clone(&start));
            std::thread::spawn(move || {
                start.wait();
                let ok = matches!(
                    hasher.verify(&SecretString::from("pw"), stored.as_str_for_storage()).unwrap(),
                    Verification::Valid { .. }
                );
                ok && hasher.in_flight_bytes() <= 2 << 20
            })
        })
        .collect();
    assert!(threads.into_iter().all(|t| t.join().unwrap()));
    assert!(hasher.peak_in_flight() <= 2, "three 1 MiB hashes ran within 2 MiB");
    assert!(hasher.peak_in_flight_bytes() <= hasher.memory_budget());
    // Working memory kept warm by idle workers counts too.
    assert!(guardrail_password::fuzzing::peak_resident_bytes(&hasher) <= 2 << 20);
    let parked = guardrail_password::fuzzing::idle_memory_wiped(&hasher).unwrap();
    assert!((1 << 20..=2 << 20).contains(&parked), "{parked} bytes parked");
}

#[test]
fn a_hash_needing_more_than_the_budget_is_refused() {
    let hasher = PasswordHasher::with_limits(Params::new(1024, 1, 1).unwrap(), limits(2, Duration::ZERO, 2 << 20));
    // A stored hash at 4 MiB: over the budget, so over the caps too (they
    // follow a budget below them: what inspect admits, verify can run).
    assert!(matches!(
        hasher.inspect(
            "$argon2id$v=19$m=4096,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
        ),
        Err(Error::OutOfPolicy { param: "m", cap: 2048, unit: "KiB" })
    ));
    let stored = "$argon2id$v=19$m=4096,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
    assert!(matches!(hasher.verify(&SecretString::from("pw"), stored), Err(Error::OutOfPolicy { param: "m", .. })));
    assert_eq!(hasher.peak_in_flight(), 0);
    // Legacy schemes declare their memory too: scrypt at ln = 10, r = 8 needs 1 MiB.
    let small = PasswordHasher::with_limits(Params::new(64, 1, 1).unwrap(), limits(1, Duration::ZERO, 512 << 10));
    let scrypt = "$scrypt$ln=10,r=8,p=1$zDkHQCjF+N8bo7Q2pjTGGA$9D+inOjERiX59E4UpjH2pe66xig3L2a4kWQxmMMsGAI";
    // Refused by the caps, which follow the budget (ln 8 is the largest whose V, B and T fit 512 KiB), before any job.
    assert!(matches!(
        small.verify(&SecretString::from("pw"), scrypt),
        Err(Error::OutOfPolicy { param: "ln", cap: 8, .. })
    ));
    assert_eq!(small.peak_in_flight(), 0);
}

#[test]
fn with_limits_raises_a_budget_below_one_hash_at_its_parameters() {
    // 512 KiB asked, 1 MiB hashes: the budget becomes one hash, not a refusal of every hash.
    let hasher = PasswordHasher::with_limits(Params::new(1024, 1, 1).unwrap(), limits(2, Duration::ZERO, 512 << 10));
    assert_eq!(hasher.memory_budget(), 1 << 20);
    let stored = hasher.hash(&SecretString::from("pw")).unwrap();
    assert!(matches!(
        hasher.verify(&SecretString::from("pw"), stored.as_str_for_storage()).unwrap(),
        Verification::Valid { .. }
    ));
}

#[test]
fn unknown_users_and_legacy_verifies_wait_for_admission() {
    // One thread, held by a slow hash; every other job gets Busy after 1 ms.
    let params = Params::new(65536, 4, 1).unwrap();
    let hasher = Arc::new(PasswordHasher::with_limits(params, limits(1, Duration::from_millis(1), 256 << 20)));
    let busy = Arc::clone(&hasher);
    let holder = std::thread::spawn(move || busy.hash(&SecretString::from("slow")).map(drop));
    while hasher.in_flight() == 0 && !holder.is_finished() {
        std::thread::yield_now();
    }
    let bcrypt = "$2b$04$GMws5cBWcskZ.MMt2VQQ.usbIOs6Td6DwqZ5vLOJe7kCtBJBqrQoW";
    let unknown = hasher.verify_login(&SecretString::from("x"), None);
    let legacy = hasher.verify(&SecretString::from("password"), bcrypt);
    let still_held = !holder.is_finished();
    holder.join().unwrap().unwrap();
    assert!(still_held, "the holder finished too soon for this test");
    assert!(matches!(unknown, Err(Error::Busy)), "verify_login without an account bypassed admission");
    assert!(matches!(legacy, Err(Error::Busy)), "a legacy verify bypassed admission");
    // With the thread free, both run (and are counted).
    assert!(matches!(hasher.verify(&SecretString::from("password"), bcrypt).unwrap(), Verification::Valid { .. }));
    assert_eq!(hasher.peak_in_flight(), 1);
}

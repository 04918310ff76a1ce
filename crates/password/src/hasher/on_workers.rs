//! The async API (feature `tokio`): the same flows as the sync API, each
//! engine job awaited as a future (a oneshot the worker answers), so no
//! hash ever runs on the executor's thread and no flow hops from a worker
//! back into the hasher.

use std::sync::Arc;

use guardrail_secret::{ExposeSecret, SecretString};

use super::{Mode, PasswordHash, PasswordHasher, Verification};
use crate::{Error, engine::Job};

impl PasswordHasher {
    /// [`PasswordHasher::hash`] as a future: the hash is a job on the
    /// hasher's worker threads (`max_concurrent` of them, started by the
    /// first job), so the executor is never blocked; waiting callers cost a
    /// future each, are served in arrival order, and admission (threads
    /// and memory) still holds.
    ///
    /// # Errors
    ///
    /// As [`PasswordHasher::hash`]; [`Error::Busy`] also when the job is
    /// still queued after the limits' `wait` (answered at the first job
    /// submitted or finished after that); [`Error::TaskFailed`] when no worker thread
    /// could be started.
    pub async fn hash_async(self: &Arc<Self>, password: SecretString) -> Result<PasswordHash, Error> {
        self.hash_in(password.expose_secret(), Mode::Async).await
    }

    /// A new password (sign-up, change, reset): [`crate::PasswordPolicy::check`]
    /// with the user's `context` words, then [`PasswordHasher::hash`], both
    /// as jobs on the hasher's workers.
    ///
    /// The policy's guessability estimate costs up to about one hash (20
    /// ms at 100 characters), so it must not run on an executor's thread
    /// either: it is a job like a hash, under the same bound — at most
    /// `max_concurrent` jobs at once, queued callers served in arrival
    /// order, [`Error::Busy`] for a job not started within the limits'
    /// `wait` — and a refused password never reaches argon2. The hash is a
    /// second job, queued when the check is done.
    ///
    /// # Errors
    ///
    /// [`Error::Policy`] with every violation by code (never the password);
    /// [`Error::Busy`]; otherwise as [`PasswordHasher::hash`].
    ///
    /// The future borrows nothing (the policy and the words are copied),
    /// so it can be spawned.
    pub fn hash_new_async(
        self: &Arc<Self>,
        policy: &crate::PasswordPolicy,
        context: &[&str],
        password: SecretString,
    ) -> impl Future<Output = Result<PasswordHash, Error>> + Send + 'static {
        let hasher = Arc::clone(self);
        let policy = policy.clone();
        let context: Vec<String> = context.iter().map(|&w| w.to_owned()).collect();
        async move {
            let password = Arc::new(password);
            let checked = Arc::clone(&password);
            // Declared memory 0: zxcvbn's transient heap is not argon2
            // working memory; the job still takes a thread slot.
            let check = Job::task(0, move || {
                let words: Vec<&str> = context.iter().map(String::as_str).collect();
                policy.check(&checked, &words).map(|()| true)
            });
            hasher.run(check, Mode::Async).await?;
            hasher.hash_in(password.expose_secret(), Mode::Async).await
        }
    }

    /// [`PasswordHasher::verify`] as a future (see [`PasswordHasher::hash_async`]).
    ///
    /// # Errors
    ///
    /// As [`PasswordHasher::verify`], and as [`PasswordHasher::hash_async`]
    /// for the queue.
    pub async fn verify_async(self: &Arc<Self>, password: SecretString, stored: String) -> Result<Verification, Error> {
        self.verify_in(password.expose_secret(), &stored, Mode::Async).await
    }

    /// [`PasswordHasher::verify_unknown_user`] as a future.
    ///
    /// # Errors
    ///
    /// As [`PasswordHasher::verify_unknown_user`], and as
    /// [`PasswordHasher::hash_async`] for the queue.
    pub async fn verify_unknown_user_async(self: &Arc<Self>, password: SecretString) -> Result<Verification, Error> {
        self.verify_unknown_user_in(password.expose_secret(), Mode::Async).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)] // test code

    use std::{
        future::Future,
        pin::pin,
        sync::{Arc, mpsc},
        task::Poll,
        time::Duration,
    };

    use guardrail_secret::SecretString;

    use super::super::{Error, Limits, Params, PasswordHasher};
    use crate::{PasswordPolicy, engine::Job};

    /// One worker, held by a job that runs until `release` is sent.
    fn held_hasher(wait: Duration) -> (Arc<PasswordHasher>, mpsc::Sender<()>) {
        let params = Params::new(64, 1, 1).unwrap();
        let limits = Limits { max_concurrent: 1, wait, memory_budget: Limits::DEFAULT_MEMORY_BUDGET };
        let hasher = Arc::new(PasswordHasher::with_limits(params, limits));
        let (release, held) = mpsc::channel::<()>();
        let holder = Arc::clone(&hasher);
        std::thread::spawn(move || holder.engine.run(Job::task(0, move || Ok(held.recv().is_ok()))).map(drop));
        while hasher.in_flight() == 0 {
            std::thread::yield_now();
        }
        (hasher, release)
    }

    /// Polls `fut` exactly once.
    async fn poll_once<F: Future>(fut: std::pin::Pin<&mut F>) -> Poll<F::Output> {
        let mut fut = fut;
        std::future::poll_fn(|cx| Poll::Ready(fut.as_mut().poll(cx))).await
    }

    #[tokio::test(flavor = "current_thread")]
    async fn hash_new_async_checks_the_policy_on_a_worker() {
        // A refusal the caller's thread could answer at once: if the check
        // ran there, the first poll would be Ready. It waits for the worker.
        let (hasher, release) = held_hasher(Duration::from_secs(60));
        let policy = PasswordPolicy::default();
        let weak = SecretString::from("password".repeat(16)); // 128 characters
        let mut fut = pin!(hasher.hash_new_async(&policy, &["ana", "ana@example.org"], weak));
        assert!(poll_once(fut.as_mut()).await.is_pending(), "the policy check ran on the caller's thread");
        release.send(()).unwrap();
        match fut.await {
            Err(Error::Policy(v)) => assert_eq!(v.codes().collect::<Vec<_>>(), ["guessable"]),
            other => panic!("expected a policy refusal, got {:?}", other.map(drop)),
        }
        // A refused password never reached argon2 (the holder and the
        // check declared no memory; a hash would have).
        assert_eq!(hasher.peak_in_flight_bytes(), 0);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn hash_new_async_checks_then_hashes() {
        let params = Params::new(64, 1, 1).unwrap();
        let limits =
            Limits { max_concurrent: 1, wait: Duration::from_secs(60), memory_budget: Limits::DEFAULT_MEMORY_BUDGET };
        let hasher = Arc::new(PasswordHasher::with_limits(params, limits));
        let policy = PasswordPolicy::default();
        let strong = "correct horse battery staple";
        let stored = hasher.hash_new_async(&policy, &["ana"], SecretString::from(strong)).await.unwrap();
        assert!(hasher.verify(&SecretString::from(strong), stored.as_str()).unwrap().is_valid());
        // Context words reach the policy.
        let own = hasher.hash_new_async(
            &policy,
            &["ana.lovelace@example.org"],
            SecretString::from("ana.lovelace-rides-horses"),
        );
        assert!(matches!(own.await, Err(Error::Policy(v)) if v.codes().any(|c| c == "contains_context")));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn hash_new_async_is_busy_when_not_started_within_the_wait() {
        let (hasher, release) = held_hasher(Duration::from_millis(1));
        let mut fut = pin!(hasher.hash_new_async(
            &PasswordPolicy::default(),
            &[],
            SecretString::from("correct horse battery staple")
        ));
        assert!(poll_once(fut.as_mut()).await.is_pending());
        // Past the 1 ms wait while queued behind the held worker.
        tokio::time::sleep(Duration::from_millis(20)).await;
        release.send(()).unwrap();
        assert!(matches!(fut.await, Err(Error::Busy)));
        assert_eq!(hasher.peak_in_flight_bytes(), 0);
    }
}

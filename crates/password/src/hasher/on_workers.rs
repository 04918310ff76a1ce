//! The async API (feature `tokio`): every hash runs on the hasher's own
//! worker threads, never on the executor, under the admission bound.

use guardrail_secret::SecretString;

use super::{PasswordHash, PasswordHasher, Verification};
use crate::Error;

impl PasswordHasher {
    /// [`PasswordHasher::hash`] on the hasher's worker threads
    /// (`max_concurrent` of them, started by the first async call): the
    /// executor is never blocked, waiting callers cost a future each and
    /// are served in arrival order, and the admission bound still holds.
    ///
    /// # Errors
    ///
    /// As [`PasswordHasher::hash`]; [`Error::Busy`] also when the job is
    /// still queued after the limits' `wait`; [`Error::TaskFailed`] when
    /// the worker threads cannot be started.
    pub async fn hash_async(self: &std::sync::Arc<Self>, password: SecretString) -> Result<PasswordHash, Error> {
        let hasher = std::sync::Arc::clone(self);
        self.on_worker(move || hasher.hash(&password)).await
    }

    /// A new password (sign-up, change, reset): [`crate::PasswordPolicy::check`]
    /// with the user's `context` words, then [`PasswordHasher::hash`], as
    /// one job on the hasher's workers.
    ///
    /// The policy's guessability estimate costs up to about one hash (20
    /// ms at 100 characters), so it must not run on an executor's thread
    /// either: here it runs where the hash runs, under the same bound —
    /// at most `max_concurrent` jobs at once, queued callers served in
    /// arrival order, [`Error::Busy`] for a job not started within the
    /// limits' `wait` — and a refused password never reaches argon2.
    ///
    /// # Errors
    ///
    /// [`Error::Policy`] with every violation by code (never the password);
    /// [`Error::Busy`]; otherwise as [`PasswordHasher::hash`].
    ///
    /// The future borrows nothing (the policy and the words are copied),
    /// so it can be spawned.
    pub fn hash_new_async(
        self: &std::sync::Arc<Self>,
        policy: &crate::PasswordPolicy,
        context: &[&str],
        password: SecretString,
    ) -> impl Future<Output = Result<PasswordHash, Error>> + Send + 'static {
        let hasher = std::sync::Arc::clone(self);
        let policy = policy.clone();
        let context: Vec<String> = context.iter().map(|&w| w.to_owned()).collect();
        async move {
            let on_worker = std::sync::Arc::clone(&hasher);
            on_worker
                .on_worker(move || {
                    let words: Vec<&str> = context.iter().map(String::as_str).collect();
                    policy.check(&password, &words)?;
                    hasher.hash(&password)
                })
                .await
        }
    }

    /// Runs `work` on one of the hasher's workers, first come first
    /// served; [`Error::Busy`] if it is still queued after the limits' `wait`.
    async fn on_worker<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let workers = self.workers().ok_or(Error::TaskFailed)?;
        let deadline = std::time::Instant::now() + self.admission.wait();
        let queued_behind = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let (tx, rx) = tokio::sync::oneshot::channel();
        let late = std::sync::Arc::clone(&queued_behind);
        let free = workers.submit(
            move || {
                // Not run (so `tx` drops and the caller gets Busy): it
                // waited in the queue past its deadline, or its caller is gone.
                let expired = late.load(std::sync::atomic::Ordering::Acquire) && std::time::Instant::now() > deadline;
                (!tx.is_closed() && !expired).then(|| (work(), tx))
            },
            |output| {
                if let Some((result, tx)) = output {
                    let _ = tx.send(result);
                }
            },
        )?;
        if free {
            // A worker was free: no queue to time out in.
            queued_behind.store(false, std::sync::atomic::Ordering::Release);
        }
        rx.await.map_err(|_| Error::Busy)?
    }

    /// [`PasswordHasher::verify`] on the hasher's worker threads.
    ///
    /// # Errors
    ///
    /// As [`PasswordHasher::verify`], and as [`PasswordHasher::hash_async`]
    /// for the queue.
    pub async fn verify_async(
        self: &std::sync::Arc<Self>,
        password: SecretString,
        stored: String,
    ) -> Result<Verification, Error> {
        let hasher = std::sync::Arc::clone(self);
        self.on_worker(move || hasher.verify(&password, &stored)).await
    }

    /// [`PasswordHasher::verify_unknown_user`] on the hasher's worker threads.
    ///
    /// # Errors
    ///
    /// As [`PasswordHasher::verify_unknown_user`], and as
    /// [`PasswordHasher::hash_async`] for the queue.
    pub async fn verify_unknown_user_async(
        self: &std::sync::Arc<Self>,
        password: SecretString,
    ) -> Result<Verification, Error> {
        let hasher = std::sync::Arc::clone(self);
        self.on_worker(move || hasher.verify_unknown_user(&password)).await
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
    use crate::PasswordPolicy;

    /// One worker, held by a job that runs until `release` is sent.
    fn held_hasher(wait: Duration) -> (Arc<PasswordHasher>, mpsc::Sender<()>) {
        let params = Params::new(64, 1, 1).unwrap();
        let hasher = Arc::new(PasswordHasher::with_limits(params, Limits { max_concurrent: 1, wait }));
        let (release, held) = mpsc::channel::<()>();
        let free = hasher.workers().unwrap().submit(move || held.recv().map_err(drop), |_| {}).unwrap();
        assert!(free, "the worker was not free for the holding job");
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
        // A refused password never reached argon2.
        assert_eq!(hasher.peak_in_flight(), 0);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn hash_new_async_checks_then_hashes_in_one_job() {
        let params = Params::new(64, 1, 1).unwrap();
        let hasher =
            Arc::new(PasswordHasher::with_limits(params, Limits { max_concurrent: 1, wait: Duration::from_secs(60) }));
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
        assert_eq!(hasher.peak_in_flight(), 0);
    }
}

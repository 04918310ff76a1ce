//! The async API (feature `tokio`): the same flows as the sync API, each
//! engine job awaited as a future (a oneshot the worker answers), so no
//! hash ever runs on the executor's thread and no flow hops from a worker
//! back into the hasher.

use std::sync::Arc;

use guardrail_secret::{ExposeSecret, SecretString};

use super::{Mode, PasswordHash, PasswordHasher, Verification};
use crate::{Error, NewPassword, engine::Job};

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
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    pub async fn hash_async(self: &Arc<Self>, password: SecretString) -> Result<PasswordHash, Error> {
        self.hash_in(password.expose_secret(), Mode::Async).await
    }

    /// A new password (sign-up, change, reset): [`crate::PasswordPolicy::check`]
    /// with the user's `context` words, then [`PasswordHasher::hash`], both
    /// as jobs on the hasher's workers: [`PasswordHasher::check_new_async`],
    /// then [`PasswordHasher::hash_checked_async`].
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
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    pub fn hash_new_async(
        self: &Arc<Self>,
        policy: &crate::PasswordPolicy,
        context: &[&str],
        password: SecretString,
    ) -> impl Future<Output = Result<PasswordHash, Error>> + Send + 'static {
        let hasher = Arc::clone(self);
        let check = self.check_new_async(policy, context, password);
        async move { hasher.hash_checked_async(check.await?).await }
    }

    /// [`crate::PasswordPolicy::check_new`] as a job on the hasher's
    /// workers (see [`PasswordHasher::hash_new_async`] for why and how):
    /// for a sign-up that refuses a weak password before its other checks
    /// and hashes later with [`PasswordHasher::hash_checked_async`].
    ///
    /// # Errors
    ///
    /// [`Error::Policy`] with every violation by code (never the password);
    /// [`Error::Busy`]; [`Error::TaskFailed`] when no worker thread could
    /// be started.
    ///
    /// The future borrows nothing (the policy and the words are copied),
    /// so it can be spawned.
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    pub fn check_new_async(
        self: &Arc<Self>,
        policy: &crate::PasswordPolicy,
        context: &[&str],
        password: SecretString,
    ) -> impl Future<Output = Result<NewPassword, Error>> + Send + 'static {
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
            // The job (and its clone) is consumed when it runs, before it
            // answers; were a clone still held, copy into a new box (wiped
            // on drop like the first).
            let password = Arc::try_unwrap(password)
                .unwrap_or_else(|shared| SecretString::from(shared.expose_secret().to_owned()));
            Ok(NewPassword(password))
        }
    }

    /// [`PasswordHasher::hash_new`] as a future: hashes a [`NewPassword`]
    /// on the hasher's workers.
    ///
    /// # Errors
    ///
    /// As [`PasswordHasher::hash_async`].
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    pub async fn hash_checked_async(self: &Arc<Self>, password: NewPassword) -> Result<PasswordHash, Error> {
        self.hash_in(password.0.expose_secret(), Mode::Async).await
    }

    /// [`PasswordHasher::verify`] as a future (see [`PasswordHasher::hash_async`]):
    /// for checks that are not a login; a login is
    /// [`PasswordHasher::verify_login_async`].
    ///
    /// # Errors
    ///
    /// As [`PasswordHasher::verify`], and as [`PasswordHasher::hash_async`]
    /// for the queue.
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    pub async fn verify_async(self: &Arc<Self>, password: SecretString, stored: String) -> Result<Verification, Error> {
        self.verify_in(password.expose_secret(), &stored, Mode::Async).await
    }

    /// [`PasswordHasher::verify_login`] as a future: the login check, its
    /// hash a job on the hasher's workers (see
    /// [`PasswordHasher::hash_async`]). `stored` is the account's stored
    /// hash, or `None` when no account matched (the same work, then
    /// [`Verification::Invalid`]). Under a [`crate::LoginFloor`] it
    /// resolves no earlier than the floor after the call (except
    /// [`Error::Busy`]), waiting on the hasher's pacer thread: no timer of
    /// the runtime's is needed and no CPU is spent.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use std::sync::Arc;
    ///
    /// use guardrail_password::{Params, PasswordHasher, Verification};
    /// use guardrail_secret::SecretString;
    ///
    /// # let hasher = Arc::new(PasswordHasher::new(Params::new(64, 1, 1).unwrap())); // small for the doctest
    /// // let hasher = Arc::new(PasswordHasher::default()); // built once, shared by the handlers
    /// # let stored_hash = hasher.hash_async(SecretString::from("correct horse battery staple")).await.unwrap();
    /// # let account: Option<String> = Some(stored_hash.into_string_for_storage());
    /// let password = SecretString::from("correct horse battery staple");
    /// // `account`: the stored hash of the user with that login name, if any.
    /// match hasher.verify_login_async(password, account).await {
    ///     Ok(Verification::Valid { upgrade }) => {
    ///         if let Some(new_hash) = upgrade { /* store new_hash */ }
    ///         /* log in */
    ///     }
    ///     Ok(Verification::Invalid) => { /* 401, the same for a wrong password and no account */ }
    ///     Err(_busy_or_damaged) => { /* 503 for Busy, else 500 */ }
    /// }
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`PasswordHasher::verify_login`], and as
    /// [`PasswordHasher::hash_async`] for the queue.
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    pub async fn verify_login_async(
        self: &Arc<Self>,
        password: SecretString,
        stored: Option<String>,
    ) -> Result<Verification, Error> {
        self.verify_login_paced(password.expose_secret(), stored.as_deref(), Mode::Async).await
    }

    /// [`PasswordHasher::verify_bound`] as a future (see
    /// [`PasswordHasher::hash_async`]): a v2 value verifies only under its
    /// own `binding`; a v1 seal or an unsealed value is
    /// [`Error::Unbound`] after the same work, unless the hasher was built
    /// with [`PasswordHasher::accept_unbound_for_migration_only`]. Every
    /// upgrade is sealed v2 under `binding`.
    ///
    /// # Errors
    ///
    /// As [`PasswordHasher::verify_bound`], and as
    /// [`PasswordHasher::hash_async`] for the queue.
    #[cfg(feature = "pepper")]
    #[cfg_attr(docsrs, doc(cfg(all(feature = "tokio", feature = "pepper"))))]
    pub async fn verify_bound_async(
        self: &Arc<Self>,
        password: SecretString,
        stored: String,
        binding: crate::HashBinding,
    ) -> Result<Verification, Error> {
        self.verify_bound_in(password.expose_secret(), &stored, &binding, Mode::Async).await
    }

    /// [`PasswordHasher::verify_login_bound`] as a future: the login check
    /// for values bound to their row. `stored` is the account's stored hash
    /// and its binding, or `None` when no account matched (the same work
    /// as [`PasswordHasher::verify_login_async`] does then, and
    /// [`Verification::Invalid`]); under the login floor.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use std::sync::Arc;
    ///
    /// use guardrail_keys::{Algorithm, Keyring};
    /// use guardrail_password::{Error, HashBinding, Params, PasswordHasher, Verification};
    /// use guardrail_secret::SecretString;
    ///
    /// # let keyring = Arc::new(Keyring::generate(Algorithm::Aes256Gcm).unwrap());
    /// # let hasher = Arc::new(PasswordHasher::new(Params::new(64, 1, 1).unwrap()).with_pepper(keyring)); // small for the doctest
    /// // let hasher = Arc::new(PasswordHasher::default().with_pepper(keyring));
    /// let binding = HashBinding::new(b"users.id=42").unwrap(); // the row's primary key
    /// # let sealed = hasher.hash_async(SecretString::from("correct horse battery staple")).await.unwrap();
    /// # let stored = hasher.bind(sealed.as_str_for_storage(), &binding).unwrap().into_string_for_storage();
    /// // `stored`: the account's stored hash, sealed for its row by `bind`.
    /// let password = SecretString::from("correct horse battery staple");
    /// match hasher.verify_login_bound_async(password, Some((stored, binding))).await {
    ///     Ok(Verification::Valid { upgrade }) => {
    ///         if let Some(new_hash) = upgrade { /* store new_hash (bound to the same row) */ }
    ///         /* log in */
    ///     }
    ///     Ok(Verification::Invalid) => { /* 401: wrong password, no account, or another row's hash */ }
    ///     Err(Error::Unbound) => { /* the same 401, and log it: the row holds an unbound hash */ }
    ///     Err(_busy_or_damaged) => { /* 503 for Busy, else 500 */ }
    /// }
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`PasswordHasher::verify_login_bound`], and as
    /// [`PasswordHasher::hash_async`] for the queue.
    #[cfg(feature = "pepper")]
    #[cfg_attr(docsrs, doc(cfg(all(feature = "tokio", feature = "pepper"))))]
    pub async fn verify_login_bound_async(
        self: &Arc<Self>,
        password: SecretString,
        stored: Option<(String, crate::HashBinding)>,
    ) -> Result<Verification, Error> {
        let stored = stored.as_ref().map(|(hash, binding)| (hash.as_str(), binding));
        self.verify_login_bound_in(password.expose_secret(), stored, Mode::Async).await
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
        assert_eq!(
            hasher.verify(&SecretString::from(strong), stored.as_str_for_storage()).unwrap(),
            super::Verification::Valid { upgrade: None }
        );
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

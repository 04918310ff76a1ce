//! Paced logins: [`PasswordHasher::verify_login`] (and its async twin)
//! answer no earlier than the start plus the hasher's [`LoginFloor`], so
//! the response time does not tell an unknown user from an imported
//! account whose old scheme is slower than the policy's hash. Waiting, not
//! working: a blocking caller sleeps; an async caller awaits the engine's
//! pacer (`engine/pacer.rs`), which needs no runtime timer.
//!
//! Also the time estimate the floor and the census rest on:
//! [`PasswordHasher::estimated_time`], a [`Cost`] in block passes times the
//! time of one block pass, measured once on this machine.

use std::time::{Duration, Instant};

use super::{Mode, PasswordHasher, Verification, ready};
use crate::{
    Caps, Cost, Error, Params,
    engine::{
        Job, LoginFloor, Output,
        core::{Algorithm, Input, Version},
        pacer,
    },
};

/// The time of one block pass when it cannot be measured (the engine was
/// busy): 1 µs, about twice the reference core's, so a floor derived from
/// it errs long.
const FALLBACK_PS_PER_BLOCK_PASS: u64 = 1_000_000;

/// The most a stored hash may cost under `caps`.
fn most_admitted(caps: &Caps) -> Cost {
    Cost::new(caps.max_memory_bytes, caps.max_block_passes)
}

impl PasswordHasher {
    /// Sets the login floor: [`PasswordHasher::verify_login`] and
    /// `verify_login_async` answer no earlier than this after they start,
    /// whatever the outcome, except [`Error::Busy`] (answered at once).
    /// See [`LoginFloor`] for why, and for the trade-off: every login
    /// waits at least that long. The default is [`LoginFloor::Off`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use guardrail_password::{LoginFloor, Params, PasswordHasher};
    ///
    /// // The slowest scheme in the imported table takes ~130 ms here.
    /// let hasher = PasswordHasher::new(Params::OWASP).login_floor(LoginFloor::Fixed(Duration::from_millis(165)));
    /// # drop(hasher);
    /// ```
    #[must_use]
    pub fn login_floor(mut self, floor: LoginFloor) -> Self {
        self.engine.pacing.floor = floor;
        self
    }

    /// About how long verifying a stored hash of `cost` takes on this
    /// machine, on one thread: its block passes times the time of one
    /// argon2 block pass here, measured once (by the first call that needs
    /// it: one hash at the policy's m and t, one lane, on the engine).
    /// If that measurement cannot run (the engine is busy), a conservative
    /// 1 µs per block pass is used, and measuring is tried again next time.
    ///
    /// An estimate: other primitives are converted to block passes by the
    /// factors in the cost model, measured on one reference machine.
    #[must_use]
    pub fn estimated_time(&self, cost: Cost) -> Duration {
        ready(async { Ok::<_, Error>(self.estimate_in(cost, Mode::Blocking).await) }).unwrap_or(Duration::MAX)
    }

    async fn estimate_in(&self, cost: Cost, mode: Mode) -> Duration {
        let ps = match self.engine.pacing.ps_per_block_pass.get() {
            Some(&ps) => ps,
            None => match self.measure_block_pass(mode).await {
                Ok(ps) => *self.engine.pacing.ps_per_block_pass.get_or_init(|| ps),
                Err(_) => FALLBACK_PS_PER_BLOCK_PASS,
            },
        };
        let nanos = u128::from(cost.block_passes).saturating_mul(u128::from(ps)) / 1000;
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    /// Picoseconds per block pass: one argon2id hash at the policy's m and
    /// t, one lane (so one thread, as the other schemes run), timed.
    async fn measure_block_pass(&self, mode: Mode) -> Result<u64, Error> {
        let params = Params::new(self.params.m_cost(), self.params.t_cost(), 1)?;
        let input = Input {
            algorithm: Algorithm::Argon2id,
            version: Version::V0x13,
            params,
            password: b"guardrail block-pass estimate",
            salt: b"not a secret salt",
            secret: &[],
            ad: &[],
        };
        let start = Instant::now();
        match self.run(Job::argon2(&input, 32), mode).await? {
            Output::Tag(_) => {}
            Output::Flag(_) => return Err(Error::TaskFailed),
        }
        let passes = u128::from(params.m_cost()) * u128::from(params.t_cost());
        let ps = start.elapsed().as_nanos().saturating_mul(1000) / passes.max(1);
        Ok(u64::try_from(ps).unwrap_or(u64::MAX).max(1))
    }

    /// The floor now: fixed, or derived from the caps (see [`LoginFloor`]).
    async fn floor_in(&self, mode: Mode) -> Duration {
        match self.engine.pacing.floor {
            LoginFloor::Off => Duration::ZERO,
            LoginFloor::Fixed(floor) => floor,
            LoginFloor::SlowestAdmitted => {
                self.estimate_in(most_admitted(&self.caps), mode).await.saturating_mul(5) / 4
            }
        }
    }

    /// The login check under the floor: answered no earlier than its start
    /// plus the floor, except `Busy`.
    pub(crate) async fn verify_login_paced(
        &self,
        password: &str,
        stored: Option<&str>,
        mode: Mode,
    ) -> Result<Verification, Error> {
        self.paced(mode, self.verify_login_in(password, stored, mode)).await
    }

    /// `login` (not yet started) under the floor: answered no earlier than
    /// now plus the floor, except `Busy`.
    pub(crate) async fn paced(
        &self,
        mode: Mode,
        login: impl Future<Output = Result<Verification, Error>>,
    ) -> Result<Verification, Error> {
        let start = Instant::now();
        let floor = self.floor_in(mode).await;
        let result = login.await;
        if let Some(deadline) = pacer::deadline(start, floor, &result) {
            match mode {
                Mode::Blocking => pacer::sleep_until(deadline),
                #[cfg(feature = "tokio")]
                Mode::Async => match self.engine.pacing.pacer.get_or_init(pacer::Pacer::start) {
                    Some(pacer) => pacer.wait_until(deadline).await,
                    // No thread to wait on, and no timer assumed: never
                    // answer early, so answer that the task failed.
                    None => return Err(Error::TaskFailed),
                },
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code

    use std::{sync::Arc, time::Duration};

    use guardrail_secret::SecretString;

    use super::*;
    use crate::{Limits, engine::Job};

    const FLOOR: Duration = Duration::from_millis(60);

    fn paced(floor: LoginFloor) -> PasswordHasher {
        PasswordHasher::new(Params::new(64, 1, 1).unwrap()).login_floor(floor)
    }

    /// Runs `login` and says whether it took at least `floor`.
    fn at_least<T>(floor: Duration, login: impl FnOnce() -> T) -> (T, bool) {
        let start = Instant::now();
        let out = login();
        (out, start.elapsed() >= floor)
    }

    #[test]
    fn every_outcome_but_busy_waits_for_the_floor() {
        let hasher = paced(LoginFloor::Fixed(FLOOR));
        let right = SecretString::from("correct horse battery staple");
        let hash = hasher.hash(&right).unwrap();
        let stored = Some(hash.as_str_for_storage());
        let wrong = SecretString::from("a wrong guess");
        let (out, waited) = at_least(FLOOR, || hasher.verify_login(&right, stored));
        assert!(matches!(out, Ok(Verification::Valid { upgrade: None })) && waited, "valid");
        let (out, waited) = at_least(FLOOR, || hasher.verify_login(&wrong, stored));
        assert!(matches!(out, Ok(Verification::Invalid)) && waited, "wrong password");
        let (out, waited) = at_least(FLOOR, || hasher.verify_login(&wrong, None));
        assert!(matches!(out, Ok(Verification::Invalid)) && waited, "unknown user");
        // Errors are padded too: a damaged row answers no faster.
        let (out, waited) = at_least(FLOOR, || hasher.verify_login(&wrong, Some("$argon2id$v=19$m=64")));
        assert!(matches!(out, Err(Error::Malformed { .. })) && waited, "malformed");
        let long = SecretString::from("x".repeat(crate::MAX_PASSWORD_BYTES + 1));
        let (out, waited) = at_least(FLOOR, || hasher.verify_login(&long, None));
        assert!(matches!(out, Err(Error::PasswordTooLong)) && waited, "too long");
        // verify (not a login) is never paced: nothing to measure here but
        // that it still answers.
        assert!(matches!(hasher.verify(&wrong, hash.as_str_for_storage()), Ok(Verification::Invalid)));
    }

    #[test]
    fn busy_is_answered_before_the_floor() {
        let floor = Duration::from_secs(30);
        let limits = Limits { max_concurrent: 1, wait: Duration::from_millis(1), memory_budget: 1 << 20 };
        let hasher = Arc::new(
            PasswordHasher::with_limits(Params::new(64, 1, 1).unwrap(), limits).login_floor(LoginFloor::Fixed(floor)),
        );
        let (release, held) = std::sync::mpsc::channel::<()>();
        let holder = Arc::clone(&hasher);
        let holder = std::thread::spawn(move || holder.engine.run(Job::task(0, move || Ok(held.recv().is_ok()))));
        while hasher.in_flight() == 0 {
            std::thread::yield_now();
        }
        let start = Instant::now();
        let out = hasher.verify_login(&SecretString::from("pw"), None);
        // Ordering: Busy came back while the 30 s floor was still running.
        let before_floor = start.elapsed() < floor;
        release.send(()).unwrap();
        assert!(holder.join().unwrap().is_ok());
        assert!(matches!(out, Err(Error::Busy)) && before_floor);
    }

    #[test]
    fn estimates_scale_with_block_passes_and_the_slowest_floor_covers_the_caps() {
        let hasher = paced(LoginFloor::SlowestAdmitted);
        assert_eq!(hasher.estimated_time(Cost::new(0, 0)), Duration::ZERO);
        let one = hasher.estimated_time(Cost::argon2(1024, 1));
        assert!(one > Duration::ZERO);
        assert!(hasher.estimated_time(Cost::argon2(1024, 4)) >= one * 3);
        // Measured once: the same answer again.
        assert_eq!(hasher.estimated_time(Cost::argon2(1024, 1)), one);
        let most = hasher.estimated_time(most_admitted(&hasher.caps));
        let floor = ready(async { Ok::<_, Error>(hasher.floor_in(Mode::Blocking).await) }).unwrap();
        assert!(floor >= most && floor == most.saturating_mul(5) / 4);
        assert_eq!(
            ready(async { Ok::<_, Error>(paced(LoginFloor::Off).floor_in(Mode::Blocking).await) }).unwrap(),
            Duration::ZERO
        );
    }

    /// No tokio time driver in this runtime: the floor is kept by the
    /// engine's pacer thread.
    #[cfg(feature = "tokio")]
    #[test]
    fn async_logins_wait_for_the_floor_without_a_runtime_timer() {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let hasher = Arc::new(paced(LoginFloor::Fixed(FLOOR)));
        let outcomes = runtime.block_on(async {
            let unknown = async {
                let start = Instant::now();
                let out = hasher.verify_login_async(SecretString::from("guess"), None).await;
                (out, start.elapsed() >= FLOOR)
            };
            let damaged = async {
                let start = Instant::now();
                let out = hasher.verify_login_async(SecretString::from("guess"), Some("$argon2id$".into())).await;
                (out, start.elapsed() >= FLOOR)
            };
            tokio::join!(unknown, damaged)
        });
        assert!(matches!(outcomes.0, (Ok(Verification::Invalid), true)));
        assert!(matches!(outcomes.1, (Err(Error::Malformed { .. }), true)));
    }
}

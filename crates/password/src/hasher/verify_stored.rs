//! Verifying a parsed legacy stored hash (feature `legacy`): the scheme was
//! identified, parsed and cost-checked once by `stored.rs`; here its
//! computation runs as one engine job, and a match is always answered
//! with an argon2id upgrade.

use zeroize::Zeroizing;

use super::{Candidate, Mode, PasswordHasher, Verification};
use crate::{
    Cost, Error, cost,
    engine::{Job, Output},
    legacy,
};

impl PasswordHasher {
    /// One engine job declaring the scheme's memory (scrypt's 128·r·N),
    /// queued only when the login's whole cost fits the caps
    /// ([`cost::login`]: the scheme's cost for the longest candidate form,
    /// twice when both forms run; [`Error::OutOfPolicy`] naming `work` or
    /// `memory` otherwise): the candidate's NFKC
    /// form, then its raw bytes when they differ, each through
    /// [`legacy::matches`] (the whole computation, a constant-time compare,
    /// then the whole-read rule). Stored plaintext is the identity scheme:
    /// the same compare. A match answers with argon2id of the NFKC form.
    pub(super) async fn verify_legacy(
        &self,
        pw: Candidate<'_>,
        parsed: legacy::Parsed,
        mode: Mode,
    ) -> Result<Verification, Error> {
        cost::check_login(&self.caps, cost::login(parsed.as_ref(), Cost::default(), pw.normalized, pw.raw))?;
        let memory = usize::try_from(parsed.cost().memory_bytes).unwrap_or(usize::MAX);
        let (n, r) = (Zeroizing::new(pw.normalized.to_vec()), Zeroizing::new(pw.raw.to_vec()));
        let job = Job::task(memory, move || {
            Ok(legacy::matches(parsed.as_ref(), &n)? || (*n != *r && legacy::matches(parsed.as_ref(), &r)?))
        });
        self.answer_legacy(pw, job, mode).await
    }

    /// Runs a legacy job: `Valid` with an argon2id upgrade of the NFKC
    /// password when it matched, else `Invalid`.
    async fn answer_legacy(&self, pw: Candidate<'_>, job: Job, mode: Mode) -> Result<Verification, Error> {
        if matches!(self.run(job, mode).await?, Output::Flag(true)) {
            Ok(Verification::Valid { upgrade: Some(self.hash_bytes_in(pw.normalized, mode).await?) })
        } else {
            Ok(Verification::Invalid)
        }
    }
}

//! What goes into the engine and what comes out: a [`Job`] (an argon2
//! computation, or a closure for other CPU-heavy work), its declared
//! memory, and the [`Reply`] its caller waits on.

use zeroize::Zeroizing;

use super::core::{Algorithm, Core, Input, Version};
use crate::{Error, Params};

/// Closure work: legacy verifies, the new-password policy check.
pub(crate) type Task = Box<dyn FnOnce() -> Result<bool, Error> + Send>;

/// One unit of work for the engine.
pub(crate) struct Job {
    pub(super) work: Work,
    /// Memory the job needs while it runs, in bytes (argon2: m × 1024).
    pub(super) memory_bytes: usize,
    /// Lanes it could fill in parallel (argon2's p; 1 for a task).
    pub(super) lanes: u32,
}

pub(super) enum Work {
    /// An argon2 computation over owned copies of its inputs (the password
    /// copy is wiped on drop).
    Argon2(Owned),
    /// Built only by [`Job::task`] (whose note says when it has callers).
    Task(Task),
}

/// An [`Input`]'s owned copy, and the tag length.
pub(super) struct Owned {
    algorithm: Algorithm,
    version: Version,
    params: Params,
    password: Zeroizing<Vec<u8>>,
    salt: Vec<u8>,
    secret: Zeroizing<Vec<u8>>,
    ad: Vec<u8>,
    tag_len: usize,
}

/// What a job answers: an argon2 tag (wiped on drop), or a task's verdict.
pub(crate) enum Output {
    Tag(Zeroizing<Vec<u8>>),
    // Read only by legacy verifies (feature `legacy`) and tests.
    #[cfg_attr(not(any(feature = "legacy", test)), expect(dead_code))]
    Flag(bool),
}

impl Job {
    /// An argon2 computation of `input` giving a `tag_len`-byte tag.
    pub(crate) fn argon2(input: &Input<'_>, tag_len: usize) -> Self {
        let owned = Owned {
            algorithm: input.algorithm,
            version: input.version,
            params: input.params,
            password: Zeroizing::new(input.password.to_vec()),
            salt: input.salt.to_vec(),
            secret: Zeroizing::new(input.secret.to_vec()),
            ad: input.ad.to_vec(),
            tag_len,
        };
        Self { memory_bytes: input.params.memory_bytes(), lanes: input.params.p_cost(), work: Work::Argon2(owned) }
    }

    /// Other work on one thread, needing `memory_bytes` while it runs.
    // Called by legacy verifies (feature `legacy`) and the async policy
    // check (feature `tokio`); a build with neither has no caller.
    #[cfg_attr(not(any(feature = "legacy", feature = "tokio", test)), expect(dead_code))]
    pub(crate) fn task(memory_bytes: usize, task: impl FnOnce() -> Result<bool, Error> + Send + 'static) -> Self {
        Self { work: Work::Task(Box::new(task)), memory_bytes, lanes: 1 }
    }

    /// Whether it runs in its worker's core (argon2), rather than beside
    /// it (a task).
    pub(super) fn uses_core(&self) -> bool {
        matches!(self.work, Work::Argon2(_))
    }

    /// The same job, declared as `lanes` lanes (tests of slot counting).
    #[cfg(test)]
    pub(crate) fn with_lanes(mut self, lanes: u32) -> Self {
        self.lanes = lanes;
        self
    }

    /// Runs the job on `core` (argon2) or on this thread (a task), its
    /// lanes on up to `threads` threads.
    pub(super) fn execute(self, core: &mut Core, threads: u32) -> Result<Output, Error> {
        match self.work {
            Work::Argon2(owned) => {
                let input = Input {
                    algorithm: owned.algorithm,
                    version: owned.version,
                    params: owned.params,
                    password: &owned.password,
                    salt: &owned.salt,
                    secret: &owned.secret,
                    ad: &owned.ad,
                };
                let mut tag = Zeroizing::new(vec![0u8; owned.tag_len]);
                core.compute(&input, threads, &mut tag)?;
                Ok(Output::Tag(tag))
            }
            Work::Task(task) => task().map(Output::Flag),
        }
    }
}

/// Where a job's result goes.
pub(super) enum Reply {
    /// A blocked caller (sync API).
    Blocking(std::sync::mpsc::SyncSender<Result<Output, Error>>),
    /// An awaiting future (async API, feature `tokio`).
    #[cfg(feature = "tokio")]
    Async(tokio::sync::oneshot::Sender<Result<Output, Error>>),
}

impl Reply {
    pub(super) fn send(self, result: Result<Output, Error>) {
        match self {
            Self::Blocking(tx) => drop(tx.send(result)),
            #[cfg(feature = "tokio")]
            Self::Async(tx) => drop(tx.send(result)),
        }
    }

    /// Whether nobody waits for the answer any more (a dropped future).
    pub(super) fn abandoned(&self) -> bool {
        match self {
            Self::Blocking(_) => false,
            #[cfg(feature = "tokio")]
            Self::Async(tx) => tx.is_closed(),
        }
    }
}

//! The hashing engine: one internal engine for every CPU-heavy job the
//! hasher runs — argon2 hashes and verifies, legacy verifies, the
//! new-password policy check. One entry point: a [`Job`] in, its result
//! out ([`Engine::run`] for blocking callers, `Engine::run_async` (feature `tokio`) for
//! futures; both queue the same way).
//!
//! - **Workers.** `max_concurrent` threads, started by the first job, each
//!   owning a [`core::Core`] whose working memory stays warm from one job to the
//!   next. If none can start, a blocking caller runs its own job on its
//!   thread under the same admission.
//! - **Admission by memory and threads** (`queue.rs`): a job declares its
//!   memory (argon2: m × 1024 bytes) and takes `min(p, max_concurrent)`
//!   thread slots; argon2-rust then fills its p lanes with that many
//!   threads (this worker and scoped helpers for the one hash), so argon2
//!   never runs on more than `max_concurrent` threads (with
//!   `rustcrypto-argon2` the lanes run on the worker alone: one slot). Resident argon2
//!   working memory, parked and in use, never exceeds `memory_budget`
//!   (a task — a legacy verify — runs beside its worker's parked core, so
//!   its memory counts on top of it).
//! - **A lane of its own for large jobs** (`large.rs`): a job needing more
//!   than half the budget (a stored hash at 256 MiB, say) goes to a second
//!   FIFO and runs one at a time on one more thread, spawned by the first
//!   such job, its memory counted apart; the main lane keeps its whole
//!   budget, so default-profile jobs are admitted beside it. The large
//!   thread's memory is wiped and freed after each job. A job needing more
//!   than the budget and the large cap (the hasher's
//!   [`crate::Caps`] memory, when it sets one) is refused at once
//!   ([`Error::OutOfPolicy`] naming `m`).
//! - **FIFO with a deadline**: jobs start in arrival order; one not started
//!   within [`Limits::wait`] is withdrawn and answered [`Error::Busy`]; a
//!   started job runs to the end. A blocking caller hears `Busy` at its
//!   deadline; an async caller (no timer of its own: the engine does not
//!   assume the runtime has tokio's time driver) hears it at the first
//!   job submitted or finished after its deadline — at most one running
//!   job's duration late.
//! - **Wiping**: argon2-rust wipes its arena whenever a hash releases it
//!   (before the tag is delivered); with `rustcrypto-argon2`, a worker with
//!   no next job wipes its buffer right after delivering the tag. A
//!   worker whose core grew past the policy's memory (a stored hash with a
//!   larger m) frees it (wiped) after the job; idle workers free theirs
//!   when a queued job needs the room.

pub(crate) mod core;
mod job;
mod large;
pub(crate) mod pacer;
mod queue;
mod worker;

use std::{
    sync::{
        Arc, Mutex, MutexGuard, OnceLock,
        atomic::{AtomicUsize, Ordering},
        mpsc,
    },
    time::{Duration, Instant},
};

pub(crate) use self::job::{Job, Output};
pub use self::pacer::LoginFloor;
use self::{
    job::Reply,
    queue::{Queued, State, Worker},
};
use crate::{Error, Params};

/// How many hashes may run at once, how much memory they may hold, and how
/// long a caller waits for a start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Hashing threads: worker threads, and the most argon2 lanes computed
    /// at once (a p-lane hash takes `min(p, max_concurrent)` of them).
    pub max_concurrent: usize,
    /// Longest wait for a job to start before [`Error::Busy`]. Exact for
    /// blocking callers; async callers are answered at the first job
    /// submitted or finished after it (at most one running job later).
    pub wait: Duration,
    /// Most argon2 working memory resident at once in the main lane, in
    /// bytes: in use by running hashes and kept warm by idle workers. A
    /// hash at m KiB counts m × 1024 bytes.
    ///
    /// A job needing more than half of it runs in the large lane instead:
    /// one job at a time, on one thread beyond `max_concurrent` (started
    /// by the first such job), its memory freed (wiped) after each job. So
    /// peak resident working memory is at most `memory_budget` plus one
    /// large job — at most the stored-hash caps' memory
    /// ([`crate::Caps`]) — e.g. 256 + 256 MiB at the defaults.
    pub memory_budget: usize,
}

impl Limits {
    /// The default memory budget for concurrent hashing, in bytes: 256 MiB.
    pub const DEFAULT_MEMORY_BUDGET: usize = 256 * 1024 * 1024;

    /// As many hashes as `memory_budget` (bytes, see
    /// [`Limits::DEFAULT_MEMORY_BUDGET`]) holds at these parameters, never
    /// more than the machine has cores (more would only queue inside the
    /// OS), at least one — so the budget is raised to one hash's memory if
    /// it is smaller; callers wait up to one second.
    #[must_use]
    pub fn for_params(params: &Params, memory_budget: usize) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        let memory_budget = memory_budget.max(params.memory_bytes());
        let by_memory = memory_budget / params.memory_bytes().max(1);
        Self { max_concurrent: by_memory.min(cores).max(1), wait: Duration::from_secs(1), memory_budget }
    }
}

/// What the workers and callers share.
pub(crate) struct Shared {
    state: Mutex<State>,
    budget: usize,
    wait: Duration,
    /// Memory a worker keeps warm after a job (the policy's m); more is freed.
    keep_bytes: usize,
    /// The largest job the large lane takes, in bytes, when above the
    /// budget (the hasher's caps); jobs above both are refused.
    large_cap: AtomicUsize,
    /// Test hook: runs once, on the next worker giving its memory back,
    /// while it does (unlocked).
    #[cfg(test)]
    releasing: Mutex<Option<Box<dyn FnOnce() + Send>>>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    #[cfg(test)]
    fn while_releasing(&self) {
        let hook = self.releasing.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        if let Some(hook) = hook {
            hook();
        }
    }
}

pub(crate) struct Engine {
    shared: Arc<Shared>,
    max_concurrent: usize,
    /// Workers started (by the first job); 0 when none could start.
    started: OnceLock<usize>,
    /// Whether the large lane's thread started (by the first large job).
    large_started: OnceLock<bool>,
    /// Paced logins: the floor, the measured block-pass time, the pacer.
    pub(crate) pacing: pacer::Pacing,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("Engine")
            .field("engine", &core::NAME)
            .field("max_concurrent", &self.max_concurrent)
            .field("memory_budget", &self.shared.budget)
            .field("wait", &self.shared.wait)
            .field("running", &state.running)
            .field("queued", &state.queue.len())
            .field("large_queued", &state.large.queue.len())
            .field("login_floor", &self.pacing.floor)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// An engine under `limits`; workers keep up to `keep_bytes` warm.
    pub(crate) fn new(limits: Limits, keep_bytes: usize) -> Self {
        let max_concurrent = limits.max_concurrent.max(1);
        let shared = Shared {
            state: Mutex::new(State::new(max_concurrent)),
            budget: limits.memory_budget,
            wait: limits.wait,
            keep_bytes,
            large_cap: AtomicUsize::new(0),
            #[cfg(test)]
            releasing: Mutex::new(None),
        };
        Self {
            shared: Arc::new(shared),
            max_concurrent,
            started: OnceLock::new(),
            large_started: OnceLock::new(),
            pacing: pacer::Pacing::default(),
        }
    }

    /// Lets the large lane take jobs up to `bytes` (the hasher's caps on a
    /// stored hash's memory) even above the budget; jobs above both the
    /// budget and this are refused.
    pub(crate) fn set_large_cap(&self, bytes: u64) {
        let bytes = usize::try_from(bytes).unwrap_or(usize::MAX);
        self.shared.large_cap.store(bytes, Ordering::Relaxed);
    }

    /// An engine whose workers "could not start": callers run their jobs
    /// on their own threads (the fallback's tests).
    #[cfg(test)]
    pub(crate) fn without_workers(limits: Limits, keep_bytes: usize) -> Self {
        let engine = Self::new(limits, keep_bytes);
        let _ = engine.started.set(0);
        engine
    }

    /// Runs `job` and blocks for its result.
    ///
    /// # Errors
    ///
    /// The job's own error; [`Error::Busy`] if it did not start within the
    /// wait; [`Error::OutOfPolicy`] if it needs more than the memory budget
    /// and the large lane's cap.
    pub(crate) fn run(&self, job: Job) -> Result<Output, Error> {
        if self.workers() == 0 {
            // No large lane either: what the budget holds, on this thread.
            if job.memory_bytes > self.shared.budget {
                return Err(refusal(self.shared.budget));
            }
            return worker::run_here(&self.shared, job);
        }
        let (tx, rx) = mpsc::sync_channel(1);
        let id = self.submit(job, Reply::Blocking(tx))?;
        match rx.recv_timeout(self.shared.wait) {
            Ok(result) => return result,
            Err(mpsc::RecvTimeoutError::Disconnected) => return Err(Error::TaskFailed),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if self.shared.lock().withdraw(id) {
                    return Err(Error::Busy);
                }
                // It started in time: it runs to the end.
            }
        }
        rx.recv().map_err(|_| Error::TaskFailed)?
    }

    /// Runs `job` and awaits its result; the executor's thread never computes.
    ///
    /// # Errors
    ///
    /// As [`Engine::run`]; [`Error::TaskFailed`] when no worker could start.
    #[cfg(feature = "tokio")]
    pub(crate) async fn run_async(&self, job: Job) -> Result<Output, Error> {
        if self.workers() == 0 {
            return Err(Error::TaskFailed);
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.submit(job, Reply::Async(tx))?;
        // Dropped unanswered: withdrawn at its deadline.
        rx.await.map_err(|_| Error::Busy)?
    }

    /// Queues `job` (in the large lane when it needs more than half the
    /// budget) and starts what admission allows. A job admitted at once
    /// has no deadline; one left queued gets `now + wait`.
    fn submit(&self, job: Job, reply: Reply) -> Result<u64, Error> {
        let budget = self.shared.budget;
        let most = budget.max(self.shared.large_cap.load(Ordering::Relaxed));
        if job.memory_bytes > most {
            return Err(refusal(most));
        }
        let large = job.memory_bytes > budget / 2 && *self.large_started.get_or_init(|| large::spawn(&self.shared));
        if !large && job.memory_bytes > budget {
            // Above the budget, and the large lane could not start.
            return Err(Error::TaskFailed);
        }
        let mut state = self.shared.lock();
        let id = state.next_id;
        state.next_id = state.next_id.wrapping_add(1);
        let queued = Queued { id, job, reply, deadline: None, runner: None };
        if large {
            state.large.queue.push_back(queued)
        } else {
            state.queue.push_back(queued)
        }
        state.dispatch(budget);
        if let Some(queued) = state.queued_mut(id) {
            queued.deadline = Some(Instant::now() + self.shared.wait);
        }
        Ok(id)
    }

    /// The workers, started on first use; how many started.
    fn workers(&self) -> usize {
        *self.started.get_or_init(|| {
            let mut state = self.shared.lock();
            for _ in 0..self.max_concurrent {
                let index = state.workers.len();
                let shared = Arc::clone(&self.shared);
                let spawned = std::thread::Builder::new()
                    .name(format!("guardrail-hash-{index}"))
                    .spawn(move || worker::work(&shared, index));
                let Ok(handle) = spawned else { break };
                state.workers.push(Worker {
                    thread: handle.thread().clone(),
                    reserved: 0,
                    #[cfg(test)]
                    core_bytes: 0,
                    mailbox: None,
                    release: false,
                    #[cfg(feature = "fuzzing")]
                    probe: None,
                });
                state.idle.push(index);
            }
            state.workers.len()
        })
    }

    pub(crate) fn max_concurrent(&self) -> usize {
        self.max_concurrent
    }

    pub(crate) fn memory_budget(&self) -> usize {
        self.shared.budget
    }

    pub(crate) fn in_flight(&self) -> usize {
        self.shared.lock().running
    }

    pub(crate) fn peak_in_flight(&self) -> usize {
        self.shared.lock().peak_running
    }

    pub(crate) fn in_flight_bytes(&self) -> usize {
        self.shared.lock().running_bytes
    }

    pub(crate) fn peak_in_flight_bytes(&self) -> usize {
        self.shared.lock().peak_running_bytes
    }

    /// The most memory ever reserved (parked and in use), in bytes.
    #[cfg(feature = "fuzzing")]
    pub(crate) fn peak_resident_bytes(&self) -> usize {
        self.shared.lock().peak_reserved
    }

    /// Test hook: every worker audits and frees its parked working memory
    /// (after the job it runs, if any). `Some(bytes audited)` when all of
    /// it was wiped, `None` when some was not (or a worker is gone), or
    /// when the large lane ever freed its memory unwiped (it parks none:
    /// it audits each release after its job).
    #[cfg(feature = "fuzzing")]
    pub(crate) fn idle_memory_wiped(&self) -> Option<usize> {
        let answers: Vec<_> = {
            let mut state = self.shared.lock();
            if state.large.dirty {
                return None;
            }
            state
                .workers
                .iter_mut()
                .map(|w| {
                    let (tx, rx) = mpsc::sync_channel(1);
                    w.probe = Some(tx);
                    w.thread.unpark();
                    rx
                })
                .collect()
        };
        answers.iter().try_fold(0, |sum, rx| rx.recv().ok().flatten().map(|held| sum + held))
    }
}

impl Drop for Engine {
    /// Stops the workers (each finishes what it was handed first).
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        state.closed = true;
        for w in &state.workers {
            w.thread.unpark();
        }
        if let Some(thread) = &state.large.thread {
            thread.unpark();
        }
    }
}

/// The refusal of a job above `most` bytes, naming argon2's `m` and the
/// largest admitted value in KiB.
fn refusal(most: usize) -> Error {
    crate::cost::over("m", u64::try_from(most / 1024).unwrap_or(u64::MAX), "KiB")
}

#[cfg(test)]
mod tests;

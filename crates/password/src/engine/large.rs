//! The large lane: a job whose memory is more than half the budget runs
//! here, one at a time, on one thread of its own (`guardrail-hash-large`,
//! spawned by the first such job), its memory counted apart from the main
//! lane's reservations. So a 256 MiB verify (libsodium MODERATE, say)
//! never sits at the head of the main FIFO, where nothing passes it:
//! default-profile jobs keep being admitted beside it.
//!
//! Its working memory is never kept warm: each job gets a fresh core,
//! released (wiped) before its result is delivered. Resident memory is
//! therefore at most the main lane's budget plus one large job.

use std::{collections::VecDeque, sync::Arc, thread::Thread};

use super::{
    Shared,
    core::Core,
    queue::{Admitted, Queued},
    worker,
};

/// The large lane as admission sees it.
pub(super) struct Large {
    /// Large jobs waiting, in arrival order.
    pub(super) queue: VecDeque<Queued>,
    /// The lane's thread, once spawned.
    pub(super) thread: Option<Thread>,
    /// The job handed to it, not yet picked up.
    pub(super) mailbox: Option<Admitted>,
    /// A job is handed over or running.
    pub(super) busy: bool,
    /// Test hook: releases of the lane's memory audited, and whether any
    /// left memory unwiped.
    #[cfg(feature = "fuzzing")]
    pub(super) audited: usize,
    #[cfg(feature = "fuzzing")]
    pub(super) dirty: bool,
}

impl Large {
    pub(super) fn new() -> Self {
        Self {
            queue: VecDeque::new(),
            thread: None,
            mailbox: None,
            busy: false,
            #[cfg(feature = "fuzzing")]
            audited: 0,
            #[cfg(feature = "fuzzing")]
            dirty: false,
        }
    }

    /// Hands the oldest queued job to the lane's thread if it is free.
    /// Returns the handed job's memory, for the accounting.
    pub(super) fn dispatch(&mut self) -> Option<usize> {
        if self.busy {
            return None;
        }
        let thread = self.thread.clone()?;
        let q = self.queue.pop_front()?;
        let memory = q.job.memory_bytes;
        self.busy = true;
        self.mailbox = Some(Admitted { job: q.job, reply: q.reply, slots: 1 });
        thread.unpark();
        Some(memory)
    }
}

/// Spawns the lane's thread; `false` if it could not start.
pub(super) fn spawn(shared: &Arc<Shared>) -> bool {
    let lane = Arc::clone(shared);
    let spawned = std::thread::Builder::new().name("guardrail-hash-large".to_owned()).spawn(move || work(&lane));
    let Ok(handle) = spawned else { return false };
    let mut state = shared.lock();
    state.large.thread = Some(handle.thread().clone());
    state.dispatch(shared.budget);
    true
}

/// The lane's life: one job at a time, each on a fresh core whose memory
/// is released (wiped) before the result goes out; stops when the engine
/// is dropped.
fn work(shared: &Shared) {
    let mut state = shared.lock();
    loop {
        if let Some(Admitted { job, reply, slots: _ }) = state.large.mailbox.take() {
            drop(state);
            let memory = job.memory_bytes;
            let mut core = Core::new();
            // The lanes run on this one thread: the lane is one thread.
            let result = worker::execute(job, &mut core, 1);
            let clean = release(&mut core);
            drop(core);
            state = shared.lock();
            #[cfg(feature = "fuzzing")]
            {
                state.large.audited += 1;
                state.large.dirty |= !clean;
            }
            #[cfg(not(feature = "fuzzing"))]
            let _ = clean;
            state.large.busy = false;
            state.finish_large(memory);
            state.dispatch(shared.budget);
            drop(state);
            reply.send(result);
            state = shared.lock();
            continue;
        }
        let Some(woken) = worker::park(shared, state) else { return };
        state = woken;
    }
}

/// Releases the core's memory, wiped; with the test hooks, audited
/// (`false` when the released memory was not all zeroes). As on a main
/// worker, the engine's wipe point runs first and the audit then checks
/// what it left: with `rustcrypto-argon2` the audit scans the buffer as
/// held (it does not wipe before scanning), so skipping [`Core::wipe`]
/// would report the last hash's blocks.
fn release(core: &mut Core) -> bool {
    #[cfg(feature = "fuzzing")]
    {
        core.wipe();
        core.release_audited()
    }
    #[cfg(not(feature = "fuzzing"))]
    {
        core.release();
        true
    }
}

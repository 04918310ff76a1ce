//! The worker loop (one thread per `max_concurrent` slot, each owning a
//! [`Core`]), and the caller-thread runner used when no worker could start.

use std::{
    sync::{Arc, MutexGuard, mpsc},
    time::Instant,
};

use super::{
    Shared,
    core::Core,
    job::{Job, Output, Reply},
    queue::{Admitted, Queued, State},
};
use crate::Error;

/// Worker `index`'s life: take what admission hands it, run it on its own
/// core, give memory back when asked; stops when the engine is dropped
/// (its core is then freed, wiped).
pub(super) fn work(shared: &Shared, index: usize) {
    let mut core = Core::new();
    let mut state = shared.lock();
    loop {
        let Some(worker) = state.workers.get_mut(index) else { return };
        if let Some(admitted) = worker.mailbox.take() {
            // Its reservation already covers this job: no release needed.
            worker.release = false;
            #[cfg(test)]
            {
                worker.core_bytes = core.resident_bytes();
            }
            drop(state);
            state = run_admitted(shared, index, &mut core, admitted);
            continue;
        }
        if worker.release {
            worker.release = false;
            state = give_back(shared, state, index, || core.release()).0;
            continue;
        }
        #[cfg(feature = "fuzzing")]
        if let Some(probe) = worker.probe.take() {
            let held = core.resident_bytes();
            let answer;
            (state, answer) = give_back(shared, state, index, || core.release_audited().then_some(held));
            let _ = probe.send(answer);
            continue;
        }
        let Some(woken) = park(shared, state) else { return };
        state = woken;
    }
}

/// An idle engine thread waits to be unparked (`None`: the engine is
/// dropped, the thread stops).
pub(super) fn park<'a>(shared: &'a Shared, state: MutexGuard<'a, State>) -> Option<MutexGuard<'a, State>> {
    if state.closed {
        return None;
    }
    drop(state);
    std::thread::park();
    Some(shared.lock())
}

/// Idle worker `index` gives its parked memory back (`release`, run
/// unlocked). It leaves `idle` meanwhile, so admission cannot hand it a job
/// whose reservation the reset to 0 afterwards would erase; then it is
/// idle again and the queue is dispatched.
fn give_back<'a, T>(
    shared: &'a Shared,
    mut state: MutexGuard<'a, State>,
    index: usize,
    release: impl FnOnce() -> T,
) -> (MutexGuard<'a, State>, T) {
    state.idle.retain(|&i| i != index);
    drop(state);
    #[cfg(test)]
    shared.while_releasing();
    let released = release();
    let mut state = shared.lock();
    state.set_reserved(index, 0);
    state.idle.push(index);
    state.dispatch(shared.budget);
    (state, released)
}

/// Runs one admitted job, counts it done, delivers its result, then does
/// the housekeeping: memory above the policy's is released; otherwise, if
/// no job is waiting for this worker, its memory is wiped (argon2-rust:
/// already wiped when the hash released it).
fn run_admitted<'a>(shared: &'a Shared, index: usize, core: &mut Core, admitted: Admitted) -> MutexGuard<'a, State> {
    let Admitted { job, reply, slots } = admitted;
    let memory = job.memory_bytes;
    let result = execute(job, core, slots);
    let resident = core.resident_bytes();
    let keep = resident <= shared.keep_bytes;
    let mut state = shared.lock();
    state.finish(memory, slots);
    if !keep {
        // Released before this worker can be handed anything, so its
        // reservation covers the excess until then.
        drop(state);
        reply.send(result);
        core.release();
        state = shared.lock();
        state.set_reserved(index, 0);
        state.idle.push(index);
        state.dispatch(shared.budget);
        return state;
    }
    state.set_reserved(index, resident);
    state.idle.push(index);
    state.dispatch(shared.budget);
    let next = state.workers.get(index).is_some_and(|w| w.mailbox.is_some());
    drop(state);
    reply.send(result);
    if !next {
        core.wipe();
    }
    shared.lock()
}

/// Runs `job` on `core` with its lanes on `slots` threads. A panic (a bug:
/// no input should cause one) is answered [`Error::TaskFailed`], and the
/// core's memory released (wiped), so the worker, its slots and its
/// reservation survive it.
pub(super) fn execute(job: Job, core: &mut Core, slots: usize) -> Result<Output, Error> {
    let threads = u32::try_from(slots).unwrap_or(1);
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job.execute(core, threads))).unwrap_or_else(|_| {
        core.release();
        Err(Error::TaskFailed)
    })
}

/// No worker could start: the caller queues like everyone else and, once
/// admitted, runs its job on its own thread on a fresh core (released,
/// wiped, afterwards).
pub(super) fn run_here(shared: &Arc<Shared>, job: Job) -> Result<Output, Error> {
    let (tx, rx) = mpsc::sync_channel(1);
    let deadline = Instant::now() + shared.wait;
    let mut state = shared.lock();
    let id = state.next_id;
    state.next_id = state.next_id.wrapping_add(1);
    let runner = Some(std::thread::current());
    state.queue.push_back(Queued { id, job, reply: Reply::Blocking(tx), deadline: None, runner });
    state.dispatch(shared.budget);
    let admitted = loop {
        if let Some(pos) = state.granted.iter().position(|(g, _)| *g == id) {
            break state.granted.swap_remove(pos).1;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let queued = state.queue.iter().position(|q| q.id == id);
        match queued {
            None => return rx.try_recv().unwrap_or(Err(Error::Busy)),
            Some(pos) if left.is_zero() => {
                state.queue.remove(pos);
                return Err(Error::Busy);
            }
            Some(_) => {}
        }
        drop(state);
        std::thread::park_timeout(left);
        state = shared.lock();
    };
    drop(state);
    let Admitted { job, reply, slots } = admitted;
    drop(reply);
    let memory = job.memory_bytes;
    let mut core = Core::new();
    let result = execute(job, &mut core, slots);
    core.release();
    let mut state = shared.lock();
    state.finish(memory, slots);
    state.reserved -= memory;
    state.dispatch(shared.budget);
    result
}

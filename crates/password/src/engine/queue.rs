//! The engine's shared state and its one admission rule, applied in
//! arrival order by [`State::dispatch`].
//!
//! Resources are thread slots (`max_concurrent` of them: a job of p lanes
//! takes `min(p, max_concurrent)`) and memory (`memory_budget` bytes). A
//! worker's *reservation* is the working memory its core holds while idle;
//! while it runs, the larger of that and an argon2 job's declared memory
//! (the job grows the core), or the sum of that and a task's (a task
//! never touches the core, so it runs beside the parked memory); the
//! sum of all reservations is `reserved`, and admission keeps it within
//! the budget, so resident argon2 working memory (parked and in use) never
//! exceeds it.
//!
//! A job needing more than half the budget is not queued here but in the
//! large lane (`large.rs`), with its own FIFO, thread and memory count.

use std::{collections::VecDeque, thread::Thread, time::Instant};

use super::{
    job::{Job, Reply},
    large::Large,
};
use crate::Error;

/// A job waiting for admission.
pub(super) struct Queued {
    pub(super) id: u64,
    pub(super) job: Job,
    pub(super) reply: Reply,
    /// Withdrawn (answered `Busy`) if not started by then; `None` while the
    /// submitter is still deciding (it was admitted at once, or gets one).
    pub(super) deadline: Option<Instant>,
    /// Set for a caller that runs its own job on its thread (no worker
    /// could start): granted jobs are handed to it, not to a worker.
    pub(super) runner: Option<Thread>,
}

/// A job admitted to run, with what it holds.
pub(super) struct Admitted {
    pub(super) job: Job,
    pub(super) reply: Reply,
    pub(super) slots: usize,
}

/// One worker as admission sees it.
pub(super) struct Worker {
    pub(super) thread: Thread,
    /// Bytes counted for this worker (see the module docs).
    pub(super) reserved: usize,
    /// Bytes its core held when it took its last job (tests: the real
    /// parked memory beside a task).
    #[cfg(test)]
    pub(super) core_bytes: usize,
    /// The job handed to it, not yet picked up.
    pub(super) mailbox: Option<Admitted>,
    /// Asked to give its parked memory back (a queued job needs room).
    pub(super) release: bool,
    /// Test hook: asked to audit and release its memory; answers the bytes
    /// it held if they were wiped, `None` if not.
    #[cfg(feature = "fuzzing")]
    pub(super) probe: Option<std::sync::mpsc::SyncSender<Option<usize>>>,
}

pub(super) struct State {
    pub(super) queue: VecDeque<Queued>,
    pub(super) workers: Vec<Worker>,
    /// Idle workers by index, the one that went idle last at the end.
    pub(super) idle: Vec<usize>,
    /// Jobs granted to callers running them on their own thread, by id.
    pub(super) granted: Vec<(u64, Admitted)>,
    /// Thread slots in all (`max_concurrent`), and how many are free.
    pub(super) slots: usize,
    pub(super) free_slots: usize,
    /// Σ reservations, plus the memory of jobs running on callers' threads.
    pub(super) reserved: usize,
    pub(super) peak_reserved: usize,
    pub(super) running: usize,
    pub(super) peak_running: usize,
    pub(super) running_bytes: usize,
    pub(super) peak_running_bytes: usize,
    pub(super) next_id: u64,
    pub(super) closed: bool,
    /// The large lane: its queue, thread and running job.
    pub(super) large: Large,
}

impl State {
    pub(super) fn new(slots: usize) -> Self {
        Self {
            queue: VecDeque::new(),
            workers: Vec::new(),
            idle: Vec::new(),
            granted: Vec::new(),
            slots,
            free_slots: slots,
            reserved: 0,
            peak_reserved: 0,
            running: 0,
            peak_running: 0,
            running_bytes: 0,
            peak_running_bytes: 0,
            next_id: 0,
            closed: false,
            large: Large::new(),
        }
    }

    /// Starts as many queued jobs as admission allows, oldest first: the
    /// head waits for its slots and its memory, and nothing passes it.
    /// First, expired and abandoned jobs anywhere in the queue are answered
    /// (`Busy`) and dropped: an async caller hears `Busy` at the first
    /// engine event (a job submitted or finished) after its deadline.
    /// The large lane's head goes to its thread when that is free.
    pub(super) fn dispatch(&mut self, budget: usize) {
        if !self.queue.is_empty() || !self.large.queue.is_empty() {
            let now = Instant::now();
            expire(&mut self.queue, now);
            expire(&mut self.large.queue, now);
        }
        if let Some(memory) = self.large.dispatch() {
            self.running += 1;
            self.count_running_bytes(memory);
        }
        self.dispatch_main(budget);
    }

    fn dispatch_main(&mut self, budget: usize) {
        while let Some(head) = self.queue.front() {
            let (memory, slots) = (head.job.memory_bytes, self.slots_for(head.job.lanes));
            if self.free_slots < slots {
                return;
            }
            if let Some(runner) = head.runner.clone() {
                // A caller's own thread, holding no memory yet.
                if self.reserved + memory > budget {
                    return self.ask_idle_to_release();
                }
                let Some(q) = self.queue.pop_front() else { return };
                self.start(memory, slots, memory);
                self.granted.push((q.id, Admitted { job: q.job, reply: q.reply, slots }));
                runner.unpark();
                continue;
            }
            // The worker that went idle last whose reservation leaves room.
            // An argon2 job runs in its worker's core (the larger of the
            // two); a task never touches it, so it runs beside the parked
            // memory and counts on top of it.
            let on_core = head.job.uses_core();
            let need = |w: &Worker| if on_core { w.reserved.max(memory) } else { w.reserved + memory };
            let fits = |w: &Worker| self.reserved - w.reserved + need(w) <= budget;
            let Some(pos) = self.idle.iter().rposition(|&i| self.workers.get(i).is_some_and(fits)) else {
                return self.ask_idle_to_release();
            };
            let index = self.idle.remove(pos);
            let Some(q) = self.queue.pop_front() else { return };
            let Some(worker) = self.workers.get_mut(index) else { return };
            let grow = need(worker) - worker.reserved;
            worker.reserved += grow;
            worker.mailbox = Some(Admitted { job: q.job, reply: q.reply, slots });
            worker.thread.unpark();
            self.start(memory, slots, grow);
        }
    }

    /// Withdraws queued job `id` (either lane); whether it was queued.
    pub(super) fn withdraw(&mut self, id: u64) -> bool {
        for queue in [&mut self.queue, &mut self.large.queue] {
            if let Some(pos) = queue.iter().position(|q| q.id == id) {
                queue.remove(pos);
                return true;
            }
        }
        false
    }

    /// Queued job `id` (either lane), to set its deadline.
    pub(super) fn queued_mut(&mut self, id: u64) -> Option<&mut Queued> {
        let main = self.queue.back_mut().filter(|q| q.id == id);
        match main {
            Some(q) => Some(q),
            None => self.large.queue.back_mut().filter(|q| q.id == id),
        }
    }

    /// Thread slots a job of `lanes` lanes takes (one when the engine
    /// computes lanes on one thread).
    pub(super) fn slots_for(&self, lanes: u32) -> usize {
        if !super::core::PARALLEL_LANES {
            return 1;
        }
        usize::try_from(lanes).unwrap_or(usize::MAX).clamp(1, self.slots.max(1))
    }

    fn start(&mut self, memory: usize, slots: usize, grow: usize) {
        self.free_slots -= slots;
        self.reserved += grow;
        self.peak_reserved = self.peak_reserved.max(self.reserved);
        self.running += 1;
        self.count_running_bytes(memory);
    }

    fn count_running_bytes(&mut self, memory: usize) {
        self.peak_running = self.peak_running.max(self.running);
        self.running_bytes += memory;
        self.peak_running_bytes = self.peak_running_bytes.max(self.running_bytes);
    }

    /// The large lane's job finished (its memory already wiped and freed).
    pub(super) fn finish_large(&mut self, memory: usize) {
        self.running -= 1;
        self.running_bytes -= memory;
    }

    /// A job finished: its slots and memory are free again.
    pub(super) fn finish(&mut self, memory: usize, slots: usize) {
        self.free_slots += slots;
        self.running -= 1;
        self.running_bytes -= memory;
    }

    /// The head needs memory that idle workers park: they give it back.
    fn ask_idle_to_release(&mut self) {
        for &i in &self.idle {
            if let Some(w) = self.workers.get_mut(i)
                && w.reserved > 0
                && !w.release
            {
                w.release = true;
                w.thread.unpark();
            }
        }
    }

    /// Sets worker `index`'s reservation to `bytes` (what its core holds now).
    pub(super) fn set_reserved(&mut self, index: usize, bytes: usize) {
        if let Some(w) = self.workers.get_mut(index) {
            self.reserved = self.reserved - w.reserved + bytes;
            w.reserved = bytes;
        }
    }
}

/// Answers `Busy` to, and drops, the expired and abandoned jobs in `queue`.
fn expire(queue: &mut VecDeque<Queued>, now: Instant) {
    let mut i = 0;
    while let Some(q) = queue.get(i) {
        if q.reply.abandoned() || q.deadline.is_some_and(|d| now > d) {
            if let Some(gone) = queue.remove(i) {
                gone.reply.send(Err(Error::Busy));
            }
        } else {
            i += 1;
        }
    }
}

//! The hasher's own worker threads: every argon2 computation runs on one
//! of them, for sync and async callers alike.
//!
//! There are `max_concurrent` workers, started by the first hash and
//! stopped when the hasher is dropped. Each takes the next queued job the
//! moment it finishes one, keeping its pooled buffer hot, so back-to-back
//! hashes pay neither a wake-up round trip through an executor nor a
//! different thread (and core) per hash: measured on a 2-core machine, 64
//! threads taking turns on the admission slots ran each hash about a sixth
//! slower than two long-lived threads, and an async hand-off through
//! tokio's blocking pool cost about a tenth.
//!
//! Jobs are served first come, first served. A caller whose job has not
//! started within the limits' `wait` withdraws it and gets `Busy`; a job
//! that has started always runs to the end. The job that empties the
//! queue wipes the pooled working buffers.

use std::{
    cell::Cell,
    collections::VecDeque,
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicU8, Ordering},
        mpsc,
    },
    thread::Thread,
    time::Duration,
};

use crate::{Error, admission::Admission};

type Job = Box<dyn FnOnce() + Send>;

thread_local! {
    /// Set on worker threads: work submitted from one runs in place.
    static IN_WORKER: Cell<bool> = const { Cell::new(false) };
}

/// Whether the current thread is one of the workers.
pub(crate) fn in_worker() -> bool {
    IN_WORKER.with(Cell::get)
}

/// The job queue, and the workers waiting for work (most recent last).
struct Queue {
    jobs: VecDeque<Job>,
    idle: Vec<Thread>,
    closed: bool,
}

struct Shared {
    queue: Mutex<Queue>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

pub(crate) struct Workers {
    shared: Arc<Shared>,
    threads: usize,
    /// Counts the jobs pending (and wipes buffers when none are).
    admission: Arc<Admission>,
}

impl std::fmt::Debug for Workers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workers").field("threads", &self.threads).finish_non_exhaustive()
    }
}

const QUEUED: u8 = 0;
const STARTED: u8 = 1;
const WITHDRAWN: u8 = 2;

impl Workers {
    /// Starts `n` workers; `None` if not one thread could be started (the
    /// hasher then computes on the caller's thread).
    pub(crate) fn start(n: usize, admission: &Arc<Admission>) -> Option<Self> {
        let queue = Queue { jobs: VecDeque::new(), idle: Vec::new(), closed: false };
        let shared = Arc::new(Shared { queue: Mutex::new(queue) });
        let started = (0..n.max(1))
            .filter(|i| {
                let shared = Arc::clone(&shared);
                std::thread::Builder::new().name(format!("guardrail-hash-{i}")).spawn(move || work(&shared)).is_ok()
            })
            .count();
        let admission = Arc::clone(admission);
        (started > 0).then(|| Self { shared, threads: started, admission })
    }

    /// Queues `job`; `deliver` gets its output after the job is counted
    /// as done (so a caller woken by it never sees the job as pending).
    /// Returns whether a worker was free for it (then it starts at once).
    pub(crate) fn submit<R: 'static>(
        &self,
        job: impl FnOnce() -> R + Send + 'static,
        deliver: impl FnOnce(R) + Send + 'static,
    ) -> Result<bool, Error> {
        let before = self.admission.worker_job_queued();
        let admission = Arc::clone(&self.admission);
        let counted: Job = Box::new(move || {
            let output = job();
            admission.worker_job_done();
            deliver(output);
        });
        let mut queue = self.shared.lock();
        queue.jobs.push_back(counted);
        // Wake the worker that went idle last: its core and buffer are warm.
        if let Some(worker) = queue.idle.pop() {
            worker.unpark();
        }
        Ok(before < self.threads)
    }

    /// Runs `work` on a worker and blocks for its result. If it has not
    /// started within `wait` (and no worker was free when it was queued),
    /// it is withdrawn and the answer is [`Error::Busy`].
    pub(crate) fn run<T: Send + 'static>(
        &self,
        wait: Duration,
        work: impl FnOnce() -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let state = Arc::new(AtomicU8::new(QUEUED));
        let (tx, rx) = mpsc::sync_channel(1);
        let job_state = Arc::clone(&state);
        let free = self.submit(
            move || {
                let claimed = job_state.compare_exchange(QUEUED, STARTED, Ordering::AcqRel, Ordering::Acquire);
                claimed.is_ok().then(work)
            },
            move |output| {
                if let Some(result) = output {
                    let _ = tx.send(result);
                }
            },
        )?;
        if !free {
            match rx.recv_timeout(wait) {
                Ok(result) => return result,
                Err(mpsc::RecvTimeoutError::Disconnected) => return Err(Error::TaskFailed),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if state.compare_exchange(QUEUED, WITHDRAWN, Ordering::AcqRel, Ordering::Acquire).is_ok() {
                        return Err(Error::Busy);
                    }
                    // It started in time: wait for it to finish.
                }
            }
        }
        rx.recv().map_err(|_| Error::TaskFailed)?
    }
}

impl Drop for Workers {
    /// Stops the workers once the queue is empty.
    fn drop(&mut self) {
        let mut queue = self.shared.lock();
        queue.closed = true;
        for worker in queue.idle.drain(..) {
            worker.unpark();
        }
    }
}

fn work(shared: &Shared) {
    IN_WORKER.with(|w| w.set(true));
    let me = std::thread::current();
    loop {
        let job = {
            let mut queue = shared.lock();
            loop {
                queue.idle.retain(|t| t.id() != me.id());
                if let Some(job) = queue.jobs.pop_front() {
                    break Some(job);
                }
                if queue.closed {
                    break None;
                }
                queue.idle.push(me.clone());
                drop(queue);
                std::thread::park();
                queue = shared.lock();
            }
        };
        match job {
            Some(job) => job(),
            None => return,
        }
    }
}

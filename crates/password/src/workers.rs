//! The hasher's own worker threads for the `*_async` calls (feature
//! `tokio`).
//!
//! Each worker takes the next queued job the moment it finishes one, so
//! back-to-back hashes never wait for a wake-up round trip through the
//! async executor and the blocking pool (measured: that hand-off cost about
//! a tenth of the throughput on a 2-core machine at the default profile).
//! There are `max_concurrent` workers, started on the first async call and
//! stopped when the hasher is dropped. Jobs are served first come, first
//! served; a job still queued at its deadline is dropped unrun (its caller
//! gets `Busy`), and the worker that finishes the last queued job wipes the
//! pooled working buffers.

use std::sync::{Arc, Mutex, mpsc};

use crate::{Error, admission::Admission};

type Job = Box<dyn FnOnce() + Send>;

pub(crate) struct Workers {
    tx: mpsc::Sender<Job>,
    threads: usize,
    /// Counts the jobs pending (and wipes buffers when none are).
    admission: Arc<Admission>,
}

impl std::fmt::Debug for Workers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workers").finish_non_exhaustive()
    }
}

impl Workers {
    /// Starts `n` workers; `None` if not one thread could be started.
    pub(crate) fn start(n: usize, admission: &Arc<Admission>) -> Option<Self> {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        let started = (0..n.max(1))
            .filter(|i| {
                let rx = Arc::clone(&rx);
                std::thread::Builder::new().name(format!("guardrail-hash-{i}")).spawn(move || work(&rx)).is_ok()
            })
            .count();
        let admission = Arc::clone(admission);
        (started > 0).then(|| Self { tx, threads: started, admission })
    }

    /// Queues `job`; returns whether a worker was free for it (then it
    /// starts at once, whatever its deadline).
    pub(crate) fn submit(&self, job: impl FnOnce() + Send + 'static) -> Result<bool, Error> {
        let before = self.admission.async_job_queued();
        let admission = Arc::clone(&self.admission);
        let counted: Job = Box::new(move || {
            job();
            admission.async_job_done();
        });
        self.tx.send(counted).map(|()| before < self.threads).map_err(|_| {
            self.admission.async_job_done();
            Error::TaskFailed
        })
    }
}

fn work(rx: &Mutex<mpsc::Receiver<Job>>) {
    loop {
        let next = rx.lock().unwrap_or_else(std::sync::PoisonError::into_inner).recv();
        match next {
            Ok(job) => job(),
            Err(mpsc::RecvError) => return,
        }
    }
}

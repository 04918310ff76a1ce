//! Admission control: at most `max` hashes at once, each on a reused,
//! wiped working buffer.
//!
//! A semaphore alone bounds the number of hashes, not the memory: argon2
//! asks for large 64-byte-aligned blocks, and the allocator's per-thread
//! arenas keep them fragmented, so RSS still grows with the number of
//! threads that ever hashed. Reusing `max` buffers keeps it at about
//! `max × m_cost`, and skips a ~19 MiB allocation (and page faults) per
//! hash.
//!
//! Waiters are served first come, first served: a freed slot (and its
//! buffer) is handed straight to the oldest waiter, so a late arrival
//! cannot barge ahead of callers already waiting and push them past their
//! deadline into `Busy`. A handed-over buffer is not wiped first: the next
//! hash writes every block before it reads any (RFC 9106 §3.4: the first
//! pass computes each block from blocks of this hash only), so the old
//! contents never influence it and are overwritten at once. A buffer that
//! goes idle — nobody waiting — is wiped before it is pooled, unless more
//! jobs are queued on the hasher's workers: then it is pooled as it is for
//! them, and the job that empties the queue wipes every idle buffer.

use std::{
    collections::VecDeque,
    sync::{
        Mutex, MutexGuard,
        atomic::{AtomicUsize, Ordering},
    },
    thread::Thread,
    time::{Duration, Instant},
};

use argon2::Block;

use crate::Error;

/// A caller waiting for a slot.
struct Waiter {
    id: u64,
    thread: Thread,
    /// Set by the releasing caller: the slot is this waiter's.
    granted: bool,
    /// The releasing caller's buffer, handed over with the slot.
    buffer: Option<Vec<Block>>,
}

struct State {
    in_flight: usize,
    peak: usize,
    /// Buffers nobody is using: wiped, or (deferred wipe) `dirty`.
    idle: Vec<Vec<Block>>,
    /// Whether some buffer in `idle` still holds a hash's memory.
    dirty: bool,
    /// Waiters, oldest first.
    queue: VecDeque<Waiter>,
    next_id: u64,
}

pub(crate) struct Admission {
    max: usize,
    wait: Duration,
    state: Mutex<State>,
    /// Jobs queued on or running in the hasher's workers. While more than
    /// the releasing one is pending, a released buffer is pooled unwiped: a
    /// queued job will overwrite it, and the job that empties the queue
    /// wipes every idle buffer.
    worker_jobs: AtomicUsize,
}

impl std::fmt::Debug for Admission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        f.debug_struct("Admission")
            .field("max", &self.max)
            .field("wait", &self.wait)
            .field("in_flight", &state.in_flight)
            .field("waiting", &state.queue.len())
            .field("idle_buffers", &state.idle.len())
            .finish()
    }
}

impl Admission {
    pub(crate) fn new(max: usize, wait: Duration) -> Self {
        let max = max.max(1);
        let state = State { in_flight: 0, peak: 0, idle: Vec::new(), dirty: false, queue: VecDeque::new(), next_id: 0 };
        Self { max, wait, state: Mutex::new(state), worker_jobs: AtomicUsize::new(0) }
    }

    pub(crate) fn max(&self) -> usize {
        self.max
    }

    pub(crate) fn wait(&self) -> Duration {
        self.wait
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn acquire(&self) -> Result<Permit<'_>, Error> {
        let mut state = self.lock();
        if state.queue.is_empty() && state.in_flight < self.max {
            state.in_flight += 1;
            state.peak = state.peak.max(state.in_flight);
            let buffer = state.idle.pop();
            return Ok(Permit { admission: self, buffer });
        }
        let deadline = Instant::now() + self.wait;
        let id = state.next_id;
        state.next_id = state.next_id.wrapping_add(1);
        state.queue.push_back(Waiter { id, thread: std::thread::current(), granted: false, buffer: None });
        loop {
            let position = state.queue.iter().position(|w| w.id == id);
            if let Some(i) = position
                && state.queue.get(i).is_some_and(|w| w.granted)
            {
                // The releaser counted us in `in_flight` already.
                let buffer = state.queue.remove(i).and_then(|w| w.buffer);
                return Ok(Permit { admission: self, buffer });
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                if let Some(i) = position {
                    state.queue.remove(i);
                }
                return Err(Error::Busy);
            }
            drop(state);
            std::thread::park_timeout(left);
            state = self.lock();
        }
    }

    /// A worker job was queued; returns how many were pending before it.
    pub(crate) fn worker_job_queued(&self) -> usize {
        self.worker_jobs.fetch_add(1, Ordering::AcqRel)
    }

    /// A worker job finished or was dropped; the last one wipes the idle buffers.
    pub(crate) fn worker_job_done(&self) {
        if self.worker_jobs.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.wipe_idle();
        }
    }

    /// Wipes every idle buffer that still holds a hash's memory.
    fn wipe_idle(&self) {
        let mut state = self.lock();
        if state.dirty {
            for b in &mut state.idle {
                wipe(b);
            }
            state.dirty = false;
        }
    }

    pub(crate) fn peak(&self) -> usize {
        self.lock().peak
    }

    /// Whether every idle pooled buffer is all zeroes (the test hook
    /// `fuzzing::idle_buffers_wiped`).
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn idle_buffers_wiped(&self) -> bool {
        let state = self.lock();
        !state.idle.is_empty()
            && state.idle.iter().all(|b| b.iter().all(|block| block.as_ref().iter().all(|w| *w == 0)))
    }

    pub(crate) fn in_flight(&self) -> usize {
        self.lock().in_flight
    }
}

impl Drop for Admission {
    /// Idle buffers pooled unwiped (work was still queued) are wiped
    /// before they are freed.
    fn drop(&mut self) {
        self.wipe_idle();
    }
}

pub(crate) struct Permit<'a> {
    admission: &'a Admission,
    buffer: Option<Vec<Block>>,
}

impl Permit<'_> {
    pub(crate) fn memory(&mut self, blocks: usize) -> &mut [Block] {
        let buffer = self.buffer.get_or_insert_with(Vec::new);
        if buffer.len() < blocks {
            // Too small for this hash: it is replaced, and may still hold
            // the last hash's memory (handed over, or pooled while work was
            // queued). Wiped, then freed, then the new one allocated (so
            // the two are never held at once).
            wipe(buffer);
            *buffer = Vec::new();
            *buffer = vec![Block::default(); blocks];
        }
        buffer.get_mut(..blocks).unwrap_or_default()
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut buffer = self.buffer.take();
        let mut state = self.admission.lock();
        // Hand the slot and the buffer to the oldest waiter, if any.
        if let Some(next) = state.queue.iter_mut().find(|w| !w.granted) {
            next.granted = true;
            next.buffer = buffer;
            next.thread.unpark();
            state.peak = state.peak.max(state.in_flight);
            return;
        }
        state.in_flight = state.in_flight.saturating_sub(1);
        if self.admission.worker_jobs.load(Ordering::Acquire) > 1 {
            // More work is queued on the workers: it overwrites this buffer, and the
            // job that empties the queue wipes it if it is still idle then.
            match buffer {
                Some(b) if state.idle.len() < self.admission.max => {
                    state.idle.push(b);
                    state.dirty = true;
                }
                Some(mut b) => wipe(&mut b),
                None => {}
            }
            return;
        }
        let pool = state.idle.len() < self.admission.max;
        drop(state);
        // Nobody waiting: wipe outside the lock, then pool.
        if let Some(b) = buffer.as_mut() {
            wipe(b);
        }
        if let Some(b) = buffer
            && pool
        {
            let mut state = self.admission.lock();
            if state.idle.len() < self.admission.max {
                state.idle.push(b);
            }
        }
    }
}

fn wipe(buffer: &mut [Block]) {
    buffer.fill(Block::default());
    std::hint::black_box(&*buffer);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code

    use std::sync::{Arc, Mutex};

    use super::*;

    fn waiting(a: &Admission) -> usize {
        a.lock().queue.len()
    }

    fn wait_for(a: &Admission, n: usize) {
        while waiting(a) != n {
            std::thread::yield_now();
        }
    }

    #[test]
    fn waiters_are_served_in_arrival_order() {
        let a = Arc::new(Admission::new(1, Duration::from_secs(30)));
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut holder = a.acquire().unwrap();
        holder.memory(4).fill(Block::new()); // a used buffer to hand over
        let mut threads = Vec::new();
        for name in ["first", "second", "third"] {
            let (a2, order) = (Arc::clone(&a), Arc::clone(&order));
            let before = waiting(&a);
            threads.push(std::thread::spawn(move || {
                let permit = a2.acquire().unwrap();
                order.lock().unwrap().push(name);
                std::thread::sleep(Duration::from_millis(5));
                drop(permit);
            }));
            wait_for(&a, before + 1);
        }
        drop(holder);
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(*order.lock().unwrap(), ["first", "second", "third"]);
        assert_eq!(a.peak(), 1);
        assert_eq!(a.in_flight(), 0);
        assert!(a.idle_buffers_wiped(), "the last buffer went idle and was wiped");
    }

    #[test]
    fn a_timed_out_waiter_leaves_the_queue() {
        let a = Admission::new(1, Duration::from_millis(20));
        let holder = a.acquire().unwrap();
        assert!(matches!(a.acquire(), Err(Error::Busy)));
        assert_eq!(waiting(&a), 0);
        drop(holder);
        assert!(a.acquire().is_ok(), "the slot is free again");
    }
}

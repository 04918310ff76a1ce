//! Admission control: at most `max` hashes at once, each on a reused,
//! wiped working buffer.
//!
//! A semaphore alone bounds the number of hashes, not the memory: argon2
//! asks for large 64-byte-aligned blocks, and the allocator's per-thread
//! arenas keep them fragmented, so RSS still grows with the number of
//! threads that ever hashed. Reusing `max` buffers keeps it at about
//! `max × m_cost`, and skips a ~19 MiB allocation (and page faults) per
//! hash.

use std::{
    sync::{Condvar, Mutex, MutexGuard},
    time::{Duration, Instant},
};

use argon2::Block;

use crate::Error;

struct State {
    in_flight: usize,
    /// The most hashes that ever ran at once.
    peak: usize,
    /// Idle buffers, wiped.
    idle: Vec<Vec<Block>>,
}

pub(crate) struct Admission {
    max: usize,
    wait: Duration,
    state: Mutex<State>,
    freed: Condvar,
}

/// Counts only: the pooled buffers are megabytes of (wiped) hash state.
impl std::fmt::Debug for Admission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        f.debug_struct("Admission")
            .field("max", &self.max)
            .field("wait", &self.wait)
            .field("in_flight", &state.in_flight)
            .field("idle_buffers", &state.idle.len())
            .finish()
    }
}

impl Admission {
    pub(crate) fn new(max: usize, wait: Duration) -> Self {
        let max = max.max(1);
        Self { max, wait, state: Mutex::new(State { in_flight: 0, peak: 0, idle: Vec::new() }), freed: Condvar::new() }
    }

    pub(crate) fn max(&self) -> usize {
        self.max
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent even if a holder panicked.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Waits up to the configured time for a slot.
    pub(crate) fn acquire(&self) -> Result<Permit<'_>, Error> {
        let deadline = Instant::now() + self.wait;
        let mut state = self.lock();
        while state.in_flight >= self.max {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Error::Busy);
            }
            state = self.freed.wait_timeout(state, left).map_or_else(|e| e.into_inner().0, |(s, _)| s);
        }
        state.in_flight += 1;
        state.peak = state.peak.max(state.in_flight);
        let buffer = state.idle.pop();
        Ok(Permit { admission: self, buffer })
    }

    /// The most hashes that ever ran at once (for tests and metrics).
    pub(crate) fn peak(&self) -> usize {
        self.lock().peak
    }

    /// True when every idle buffer is all zeros (for tests).
    pub(crate) fn idle_buffers_wiped(&self) -> bool {
        let state = self.lock();
        !state.idle.is_empty()
            && state.idle.iter().all(|b| b.iter().all(|block| block.as_ref().iter().all(|w| *w == 0)))
    }

    /// How many hashes run now (for tests and metrics).
    pub(crate) fn in_flight(&self) -> usize {
        self.lock().in_flight
    }
}

/// One admitted hash; frees its slot and returns its wiped buffer on drop.
pub(crate) struct Permit<'a> {
    admission: &'a Admission,
    buffer: Option<Vec<Block>>,
}

impl Permit<'_> {
    /// A working buffer of exactly `blocks` blocks, reused when possible.
    pub(crate) fn memory(&mut self, blocks: usize) -> &mut [Block] {
        let buffer = self.buffer.get_or_insert_with(Vec::new);
        if buffer.len() < blocks {
            // Too small (or new): replace it. The old one was wiped when its
            // last hash ended (see `drop`).
            *buffer = vec![Block::default(); blocks];
        }
        buffer.get_mut(..blocks).unwrap_or_default()
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut buffer = self.buffer.take();
        if let Some(b) = buffer.as_mut() {
            // Password-derived state must not outlive the hash. A bulk fill
            // runs at memset speed (per-element volatile writes cost ~2 ms
            // for 19 MiB); `black_box` keeps the optimiser from dropping it
            // as a dead store (tests/admission.rs checks the buffer is clear).
            b.fill(Block::default());
            std::hint::black_box(b.as_slice());
        }
        let mut state = self.admission.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        if let Some(b) = buffer
            && state.idle.len() < self.admission.max
        {
            state.idle.push(b);
        }
        drop(state);
        self.admission.freed.notify_one();
    }
}

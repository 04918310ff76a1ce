//! Waiting without working: what paced logins (`hasher/paced.rs`) need to
//! answer no earlier than a deadline.
//!
//! - [`LoginFloor`], the setting, and [`Pacing`], what the engine keeps
//!   for it (the floor, the measured time of one argon2 block pass, the
//!   pacer).
//! - [`Pacer`] (feature `tokio`): one parked thread holding a heap of
//!   `(deadline, oneshot)`; a future awaits its oneshot, which the thread
//!   answers once its deadline has passed. So an async login waits for its
//!   floor without a timer of the runtime's (the engine never assumes
//!   tokio's time driver) and without burning CPU: the thread sleeps until
//!   the earliest deadline.

use std::{
    sync::OnceLock,
    time::{Duration, Instant},
};

/// How long a login takes at least: [`crate::PasswordHasher::verify_login`]
/// (and its async twin) answer no earlier than the start plus the floor,
/// whatever the outcome (a wrong password, an unknown user, a damaged
/// stored hash), except [`crate::Error::Busy`], which is answered at once.
///
/// Why: imported accounts keep their old scheme until their owner logs
/// in, and a wrong password for a 1,000,000-iteration PBKDF2 account takes
/// longer than an unknown user (who is checked against a hash at the
/// current policy): the response time tells which accounts exist. A floor
/// above the slowest stored scheme hides it — by waiting (a timer, no CPU),
/// not by working.
///
/// The trade-off: every login, the fast ones too, takes at least the
/// floor. Prefer [`LoginFloor::Fixed`] at about 1.25 × the slowest scheme
/// actually present in the table (the census shows it) over
/// [`LoginFloor::SlowestAdmitted`], which covers the slowest scheme the
/// caps admit: at the default caps 1.25 × 2,097,152 block passes × the
/// 563.4 ns one block pass took on the reference machine, about 1.48 s.
/// It depends on the machine: [`crate::PasswordHasher::estimated_time`]
/// measures one block pass where it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum LoginFloor {
    /// No floor: a login answers when its verify is done (the default).
    #[default]
    Off,
    /// Answer no earlier than this long after the login started.
    Fixed(Duration),
    /// 1.25 × [`crate::PasswordHasher::estimated_time`] of the largest
    /// cost the hasher's [`crate::Caps`] admit: every admitted stored hash
    /// verifies within it, so none can be told from an unknown user.
    SlowestAdmitted,
}

/// What the engine keeps for paced logins.
#[derive(Debug, Default)]
pub(crate) struct Pacing {
    pub(crate) floor: LoginFloor,
    /// Picoseconds of one argon2 block pass on this machine (one thread),
    /// measured by the first call that needs it.
    pub(crate) ps_per_block_pass: OnceLock<u64>,
    /// The pacer thread, started by the first async paced login; `None`
    /// when it could not start.
    #[cfg(feature = "tokio")]
    pub(crate) pacer: OnceLock<Option<Pacer>>,
}

/// When a login started at `start` may answer `result`: `None` at once
/// (no floor, or `Busy`, which must not hold the caller), else `start + floor`.
pub(crate) fn deadline<T>(start: Instant, floor: Duration, result: &Result<T, crate::Error>) -> Option<Instant> {
    if floor.is_zero() || matches!(result, Err(crate::Error::Busy)) {
        return None;
    }
    start.checked_add(floor)
}

/// Blocks this thread until `deadline` has passed (sleeps, never spins).
pub(crate) fn sleep_until(deadline: Instant) {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        std::thread::sleep(left);
    }
}

#[cfg(feature = "tokio")]
pub(crate) use self::thread::Pacer;

#[cfg(feature = "tokio")]
mod thread {
    use std::{
        cmp::Reverse,
        collections::BinaryHeap,
        sync::{Arc, Mutex, MutexGuard},
        time::Instant,
    };

    use tokio::sync::oneshot;

    /// One waiter: answered once `deadline` has passed (`seq` keeps equal
    /// deadlines in arrival order).
    struct Entry {
        deadline: Instant,
        seq: u64,
        tx: oneshot::Sender<()>,
    }

    impl PartialEq for Entry {
        fn eq(&self, other: &Self) -> bool {
            (self.deadline, self.seq) == (other.deadline, other.seq)
        }
    }
    impl Eq for Entry {}
    impl PartialOrd for Entry {
        fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
            Some(self.cmp(other))
        }
    }
    impl Ord for Entry {
        fn cmp(&self, other: &Self) -> std::cmp::Ordering {
            (self.deadline, self.seq).cmp(&(other.deadline, other.seq))
        }
    }

    #[derive(Default)]
    struct Heap {
        waiting: BinaryHeap<Reverse<Entry>>,
        next_seq: u64,
        closed: bool,
    }

    /// The pacer: one thread (`guardrail-pacer`) sleeping until the
    /// earliest deadline; dropped, it stops (pending waiters are answered
    /// by the oneshot's closing).
    pub(crate) struct Pacer {
        heap: Arc<Mutex<Heap>>,
        thread: std::thread::Thread,
    }

    impl std::fmt::Debug for Pacer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Pacer").field("waiting", &lock(&self.heap).waiting.len()).finish()
        }
    }

    fn lock(heap: &Mutex<Heap>) -> MutexGuard<'_, Heap> {
        heap.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    impl Pacer {
        /// Starts the pacer's thread; `None` if it could not start.
        pub(crate) fn start() -> Option<Self> {
            let heap = Arc::new(Mutex::new(Heap::default()));
            let shared = Arc::clone(&heap);
            let handle =
                std::thread::Builder::new().name("guardrail-pacer".to_owned()).spawn(move || run(&shared)).ok()?;
            Some(Self { heap, thread: handle.thread().clone() })
        }

        /// Resolves once `deadline` has passed (never earlier). Costs no
        /// CPU while it waits, and needs no timer of the runtime's.
        pub(crate) async fn wait_until(&self, deadline: Instant) {
            if Instant::now() >= deadline {
                return;
            }
            let (tx, rx) = oneshot::channel();
            {
                let mut heap = lock(&self.heap);
                let seq = heap.next_seq;
                heap.next_seq = heap.next_seq.wrapping_add(1);
                let earliest = heap.waiting.peek().is_none_or(|Reverse(e)| deadline < e.deadline);
                heap.waiting.push(Reverse(Entry { deadline, seq, tx }));
                if earliest {
                    self.thread.unpark();
                }
            }
            // Answered at the deadline; closed only if the pacer stopped,
            // which cannot happen while its engine is borrowed here. Either
            // way, never before the deadline:
            if rx.await.is_err() {
                super::sleep_until(deadline);
            }
        }

        /// Waiters not yet answered (tests).
        #[cfg(test)]
        pub(crate) fn waiting(&self) -> usize {
            lock(&self.heap).waiting.len()
        }
    }

    impl Drop for Pacer {
        fn drop(&mut self) {
            lock(&self.heap).closed = true;
            self.thread.unpark();
        }
    }

    /// The pacer's thread: answers every waiter whose deadline has passed
    /// (drops abandoned ones), then sleeps until the earliest deadline left
    /// (or until a new earliest one arrives).
    fn run(heap: &Mutex<Heap>) {
        let mut guard = lock(heap);
        loop {
            if guard.closed {
                return;
            }
            let now = Instant::now();
            while let Some(Reverse(head)) = guard.waiting.peek() {
                if head.deadline > now && !head.tx.is_closed() {
                    break;
                }
                if let Some(Reverse(entry)) = guard.waiting.pop() {
                    let _ = entry.tx.send(());
                }
            }
            let next = guard.waiting.peek().map(|Reverse(e)| e.deadline);
            drop(guard);
            match next {
                Some(deadline) => std::thread::park_timeout(deadline.saturating_duration_since(now)),
                None => std::thread::park(),
            }
            guard = lock(heap);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code

    use super::*;
    use crate::Error;

    #[test]
    fn busy_and_no_floor_answer_at_once_everything_else_at_the_floor() {
        let start = Instant::now();
        let floor = Duration::from_millis(300);
        let at = Some(start + floor);
        assert_eq!(deadline(start, floor, &Ok::<_, Error>(())), at);
        assert_eq!(deadline(start, floor, &Err::<(), _>(Error::Malformed { part: "salt" })), at);
        assert_eq!(deadline(start, floor, &Err::<(), _>(Error::PasswordTooLong)), at);
        assert_eq!(deadline(start, floor, &Err::<(), _>(Error::Busy)), None);
        assert_eq!(deadline(start, Duration::ZERO, &Ok::<_, Error>(())), None);
    }

    #[test]
    fn sleep_until_returns_no_earlier_than_the_deadline() {
        let deadline = Instant::now() + Duration::from_millis(30);
        sleep_until(deadline);
        assert!(Instant::now() >= deadline);
    }

    /// A runtime without tokio's time driver: the pacer must not need it.
    #[cfg(feature = "tokio")]
    #[test]
    fn the_pacer_answers_each_waiter_after_its_deadline_in_order() {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let pacer = Pacer::start().unwrap();
        let start = Instant::now();
        let order = std::sync::Mutex::new(Vec::new());
        runtime.block_on(async {
            let wait = |ms: u64| {
                let (pacer, order) = (&pacer, &order);
                async move {
                    let deadline = start + Duration::from_millis(ms);
                    pacer.wait_until(deadline).await;
                    assert!(Instant::now() >= deadline, "answered before its deadline");
                    order.lock().unwrap().push(ms);
                }
            };
            // Submitted latest-first: the heap orders them.
            tokio::join!(wait(60), wait(40), wait(20), wait(0));
        });
        assert_eq!(*order.lock().unwrap(), [0, 20, 40, 60]);
        assert_eq!(pacer.waiting(), 0);
    }

    #[cfg(feature = "tokio")]
    #[test]
    fn an_abandoned_waiter_is_dropped_by_the_pacer() {
        use std::{future::Future, pin::pin, task};

        let pacer = Pacer::start().unwrap();
        {
            let mut fut = pin!(pacer.wait_until(Instant::now() + Duration::from_secs(3600)));
            let waker = task::Waker::noop();
            assert!(fut.as_mut().poll(&mut task::Context::from_waker(waker)).is_pending());
            assert_eq!(pacer.waiting(), 1);
        }
        // Its hour-long entry goes at the pacer's next wake-up (a new waiter).
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(pacer.wait_until(Instant::now() + Duration::from_millis(1)));
        let deadline = Instant::now() + Duration::from_secs(30);
        while pacer.waiting() > 0 {
            assert!(Instant::now() < deadline, "the abandoned waiter was kept");
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

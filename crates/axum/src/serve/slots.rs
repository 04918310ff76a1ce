//! Connection slots: at most `max_connections` connections are served at
//! once; at capacity, with a connection waiting, the one without a request
//! in flight for the longest (a slow head, or an idle kept-alive
//! connection) is closed to make room.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    },
    time::Duration,
};

use tokio::{
    sync::{Notify, OwnedSemaphorePermit, Semaphore},
    time::Instant,
};

/// One connection's state, shared by its task, its requests and the table.
#[derive(Debug)]
pub(super) struct ConnState {
    in_flight: AtomicUsize,
    /// Milliseconds since the table's epoch when the last request ended
    /// (or the connection was accepted).
    idle_since_ms: AtomicU64,
    evicted: AtomicBool,
    /// Notified once, when the connection is chosen to make room.
    pub(super) evict: Notify,
    epoch: Instant,
}

impl ConnState {
    pub(super) fn begin_request(&self) {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
    }

    pub(super) fn end_request(&self) {
        self.idle_since_ms.store(millis_since(self.epoch), Ordering::Release);
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

fn millis_since(epoch: Instant) -> u64 {
    u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// The slots and the table of open connections.
#[derive(Debug)]
pub(super) struct Slots {
    permits: Arc<Semaphore>,
    open: Mutex<HashMap<u64, Arc<ConnState>>>,
    next_id: AtomicU64,
    evicted: AtomicU64,
    /// A connection is closed to make room only after this long without a
    /// request in flight (a client's first head normally follows its
    /// connection within a round trip).
    evict_after: Duration,
    epoch: Instant,
}

/// A connection's slot: its permit and its row in the table, both given
/// back when the connection's task ends.
#[derive(Debug)]
pub(super) struct Slot {
    _permit: OwnedSemaphorePermit,
    id: u64,
    pub(super) state: Arc<ConnState>,
    slots: Arc<Slots>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.slots.open.lock().unwrap_or_else(PoisonError::into_inner).remove(&self.id);
    }
}

impl Slots {
    pub(super) fn new(max_connections: usize, evict_after: Duration) -> Arc<Self> {
        Arc::new(Self {
            permits: Arc::new(Semaphore::new(max_connections)),
            open: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
            evicted: AtomicU64::new(0),
            evict_after,
            epoch: Instant::now(),
        })
    }

    /// How many connections were closed to make room so far.
    pub(super) fn evicted(&self) -> u64 {
        self.evicted.load(Ordering::Relaxed)
    }

    /// A free permit, if there is one.
    pub(super) fn try_permit(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.permits).try_acquire_owned().ok()
    }

    /// Waits for a free permit.
    pub(super) async fn permit(&self) -> OwnedSemaphorePermit {
        loop {
            // The semaphore is never closed.
            if let Ok(permit) = Arc::clone(&self.permits).acquire_owned().await {
                return permit;
            }
        }
    }

    /// A permit for a connection already accepted at capacity: closes the
    /// connection idle longest (once it has been idle `evict_after`) and
    /// waits for its permit.
    pub(super) async fn make_room(&self) -> OwnedSemaphorePermit {
        loop {
            if let Some(permit) = self.try_permit() {
                return permit;
            }
            let recheck = self.evict_idlest();
            tokio::select! {
                permit = self.permit() => return permit,
                () = tokio::time::sleep(recheck) => {}
            }
        }
    }

    /// Registers an admitted connection.
    pub(super) fn admit(self: &Arc<Self>, permit: OwnedSemaphorePermit) -> Slot {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let state = Arc::new(ConnState {
            in_flight: AtomicUsize::new(0),
            idle_since_ms: AtomicU64::new(millis_since(self.epoch)),
            evicted: AtomicBool::new(false),
            evict: Notify::new(),
            epoch: self.epoch,
        });
        self.open.lock().unwrap_or_else(PoisonError::into_inner).insert(id, Arc::clone(&state));
        Slot { _permit: permit, id, state, slots: Arc::clone(self) }
    }

    /// Notifies the connection idle longest if it has been idle at least
    /// `evict_after`; returns how long to wait before trying again.
    fn evict_idlest(&self) -> Duration {
        let now = millis_since(self.epoch);
        let after = u64::try_from(self.evict_after.as_millis()).unwrap_or(u64::MAX);
        let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let idlest = open
            .values()
            .filter(|c| c.in_flight.load(Ordering::Acquire) == 0 && !c.evicted.load(Ordering::Acquire))
            .min_by_key(|c| c.idle_since_ms.load(Ordering::Acquire));
        let Some(conn) = idlest else { return self.evict_after };
        let idle = now.saturating_sub(conn.idle_since_ms.load(Ordering::Acquire));
        if idle < after {
            return Duration::from_millis(after - idle);
        }
        conn.evicted.store(true, Ordering::Release);
        conn.evict.notify_one();
        self.evicted.fetch_add(1, Ordering::Relaxed);
        self.evict_after
    }
}

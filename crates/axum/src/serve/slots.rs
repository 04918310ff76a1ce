//! Connection slots: at most `max_connections` connections are served at
//! once, and at most `per_client` of them from one [`ClientKey`]; at
//! capacity, with a connection waiting, the one without a request at work
//! for the longest (an idle kept-alive connection, a slow head, then a
//! request still receiving its body) is closed to make room.

use std::{
    collections::HashMap,
    net::IpAddr,
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

use crate::limit::ClientKey;

/// One connection's state, shared by its task, its requests and the table.
#[derive(Debug)]
pub(super) struct ConnState {
    in_flight: AtomicUsize,
    /// Requests in flight whose body is still arriving (their handler has
    /// not got it yet): they do not keep the connection from eviction.
    receiving: AtomicUsize,
    /// Milliseconds since the table's epoch when the last request ended,
    /// a request still receiving its body began, or the connection was
    /// accepted.
    idle_since_ms: AtomicU64,
    evicted: AtomicBool,
    /// Notified once, when the connection is chosen to make room.
    pub(super) evict: Notify,
    epoch: Instant,
}

impl ConnState {
    /// A request's head has arrived; `receiving`: its body has not.
    pub(super) fn begin_request(&self, receiving: bool) {
        if receiving {
            self.idle_since_ms.store(millis_since(self.epoch), Ordering::Release);
            self.receiving.fetch_add(1, Ordering::AcqRel);
        }
        self.in_flight.fetch_add(1, Ordering::AcqRel);
    }

    /// The body of a request begun `receiving` has ended (read to its
    /// end, failed or dropped).
    pub(super) fn body_done(&self) {
        self.receiving.fetch_sub(1, Ordering::AcqRel);
    }

    /// Some request is past its body (its handler is at work, or its
    /// response is being written). `in_flight` is read first: a body
    /// ending between the reads only makes this answer `true`.
    fn at_work(&self) -> bool {
        self.in_flight.load(Ordering::Acquire) > self.receiving.load(Ordering::Acquire)
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
    open: Mutex<Table>,
    per_client: usize,
    v6_prefix: u8,
    refused: AtomicU64,
    next_id: AtomicU64,
    evicted: AtomicU64,
    /// A connection is closed to make room only after this long without a
    /// request in flight (a client's first head normally follows its
    /// connection within a round trip).
    evict_after: Duration,
    epoch: Instant,
}

/// The open connections, and how many each client holds.
#[derive(Debug, Default)]
struct Table {
    conns: HashMap<u64, Arc<ConnState>>,
    clients: HashMap<ClientKey, usize>,
}

/// One connection counted against its client's cap until dropped.
#[derive(Debug)]
pub(super) struct Claim {
    client: ClientKey,
    slots: Arc<Slots>,
}

impl Drop for Claim {
    fn drop(&mut self) {
        let mut table = self.slots.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(held) = table.clients.get_mut(&self.client) {
            *held = held.saturating_sub(1);
            if *held == 0 {
                table.clients.remove(&self.client);
            }
        }
    }
}

/// A connection's slot: its permit, its row in the table and its client's
/// claim, all given back when the connection's task ends.
#[derive(Debug)]
pub(super) struct Slot {
    _permit: OwnedSemaphorePermit,
    _claim: Claim,
    id: u64,
    pub(super) state: Arc<ConnState>,
    slots: Arc<Slots>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.slots.open.lock().unwrap_or_else(PoisonError::into_inner).conns.remove(&self.id);
    }
}

impl Slots {
    pub(super) fn new(max_connections: usize, per_client: usize, v6_prefix: u8, evict_after: Duration) -> Arc<Self> {
        Arc::new(Self {
            permits: Arc::new(Semaphore::new(max_connections)),
            open: Mutex::new(Table::default()),
            per_client,
            v6_prefix,
            refused: AtomicU64::new(0),
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

    /// How many connections were closed at accept, their client at its cap.
    pub(super) fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// Counts a connection from `ip` against its client's cap until the
    /// claim is dropped; `None` (counted as refused) when the client
    /// already holds `per_client` connections.
    pub(super) fn claim(self: &Arc<Self>, ip: IpAddr) -> Option<Claim> {
        let client = ClientKey::new(ip, self.v6_prefix);
        let mut table = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let held = table.clients.entry(client).or_insert(0);
        if *held >= self.per_client {
            drop(table);
            self.refused.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        *held += 1;
        Some(Claim { client, slots: Arc::clone(self) })
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

    /// Registers an admitted connection and its client's [`Claim`].
    pub(super) fn admit(self: &Arc<Self>, permit: OwnedSemaphorePermit, claim: Claim) -> Slot {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let state = Arc::new(ConnState {
            in_flight: AtomicUsize::new(0),
            receiving: AtomicUsize::new(0),
            idle_since_ms: AtomicU64::new(millis_since(self.epoch)),
            evicted: AtomicBool::new(false),
            evict: Notify::new(),
            epoch: self.epoch,
        });
        self.open.lock().unwrap_or_else(PoisonError::into_inner).conns.insert(id, Arc::clone(&state));
        Slot { _permit: permit, _claim: claim, id, state, slots: Arc::clone(self) }
    }

    /// Notifies the connection that has waited longest without a request
    /// at work — idle or mid-head before any still receiving a body — if
    /// it has waited at least `evict_after`; returns how long to wait
    /// before trying again.
    fn evict_idlest(&self) -> Duration {
        let now = millis_since(self.epoch);
        let after = u64::try_from(self.evict_after.as_millis()).unwrap_or(u64::MAX);
        let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let idlest = open
            .conns
            .values()
            .filter(|c| !c.at_work() && !c.evicted.load(Ordering::Acquire))
            .min_by_key(|c| (c.receiving.load(Ordering::Acquire) > 0, c.idle_since_ms.load(Ordering::Acquire)));
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

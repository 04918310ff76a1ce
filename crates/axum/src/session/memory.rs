//! [`MemorySessionStore`]: sessions in a map, for tests and examples.

use std::{
    collections::HashMap,
    convert::Infallible,
    future::{Future, ready},
    sync::{Mutex, PoisonError},
    time::Duration,
};

use super::{SessionDigest, SessionRecord, SessionStore, UnixTime, idle_deadline};

/// Sessions in memory, keyed by digest: for tests and examples (a process
/// restart logs everyone out). `insert` always stores (no credential
/// epoch: wrap it, as the crate's README shows, to key sessions to one).
pub struct MemorySessionStore<U> {
    sessions: Mutex<HashMap<[u8; 32], SessionRecord<U>>>,
}

impl<U> MemorySessionStore<U> {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self { sessions: Mutex::new(HashMap::new()) }
    }

    /// How many sessions are stored (expired ones included until
    /// [`SessionStore::delete_expired`]).
    #[must_use]
    pub fn len(&self) -> usize {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// `true` when no session is stored.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn with<R>(&self, f: impl FnOnce(&mut HashMap<[u8; 32], SessionRecord<U>>) -> R) -> R {
        f(&mut self.sessions.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl<U> Default for MemorySessionStore<U> {
    fn default() -> Self {
        Self::new()
    }
}

impl<U> std::fmt::Debug for MemorySessionStore<U> {
    /// The count only: no digest, no user.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemorySessionStore").field("sessions", &self.len()).finish()
    }
}

impl<U: Clone + PartialEq + Send + Sync + 'static> SessionStore for MemorySessionStore<U> {
    type User = U;
    type Error = Infallible;

    fn insert(
        &self,
        digest: &SessionDigest,
        record: &SessionRecord<U>,
    ) -> impl Future<Output = Result<bool, Infallible>> + Send {
        self.with(|m| m.insert(*digest.as_bytes(), record.clone()));
        ready(Ok(true))
    }

    fn load(
        &self,
        digest: &SessionDigest,
    ) -> impl Future<Output = Result<Option<SessionRecord<U>>, Infallible>> + Send {
        ready(Ok(self.with(|m| m.get(digest.as_bytes()).cloned())))
    }

    fn touch(&self, digest: &SessionDigest, now: UnixTime) -> impl Future<Output = Result<(), Infallible>> + Send {
        self.with(|m| {
            if let Some(r) = m.get_mut(digest.as_bytes()) {
                r.last_seen = now;
            }
        });
        ready(Ok(()))
    }

    fn delete(&self, digest: &SessionDigest) -> impl Future<Output = Result<bool, Infallible>> + Send {
        ready(Ok(self.with(|m| m.remove(digest.as_bytes()).is_some())))
    }

    fn delete_others(
        &self,
        user: &U,
        keep: Option<&SessionDigest>,
    ) -> impl Future<Output = Result<usize, Infallible>> + Send {
        let keep = keep.map(|d| *d.as_bytes());
        let removed = self.with(|m| {
            let before = m.len();
            m.retain(|k, r| r.user != *user || Some(*k) == keep);
            before - m.len()
        });
        ready(Ok(removed))
    }

    fn delete_expired(&self, now: UnixTime, idle: Duration) -> impl Future<Output = Result<usize, Infallible>> + Send {
        let removed = self.with(|m| {
            let before = m.len();
            m.retain(|_, r| r.expires_at > now && idle_deadline(r.last_seen, idle) > now);
            before - m.len()
        });
        ready(Ok(removed))
    }
}

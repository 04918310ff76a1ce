//! The two stores guardrail-axum asks for, over SQLite: sessions by the
//! digest of their token ([`SqliteSessions`], a
//! [`SessionStore`](guardrail::axum::SessionStore)) and API keys by their
//! public lookup id ([`ApiKeys`], an
//! [`ApiKeyLookup`](guardrail::axum::ApiKeyLookup)). Neither ever sees a
//! token or a key: the session table is keyed by `SessionDigest` bytes,
//! the key table holds the key's digest. Each row also carries a tag
//! (`db/tag.rs`) binding it to its account: a row whose tag does not
//! match is treated as unknown.
//!
//! A session row written by the release before `last_seen` existed has
//! `last_seen = 0` (the migration's default, and what that release's
//! binary still writes if it runs against a migrated file): every query
//! reads `MAX(last_seen, created_at)`, so such a row was last seen when it
//! was created.

use std::time::Duration;

use guardrail::{
    axum::{
        ApiKeyLookup, SessionStore,
        session::{SessionDigest, SessionRecord, UnixTime},
    },
    token::{DigestKey, api_key::StoredApiKey},
};
use rusqlite::{Connection, OptionalExtension, params};

use super::{Db, DbError, tag};

/// The user a session belongs to: the account and the credential epoch it
/// was made under. A session lives only while that epoch is still the
/// account's (`users.credential_epoch`): a password change or reset bumps
/// it, which ends every session made before, including one a login in
/// flight inserts after the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionUser {
    /// The account's row id.
    pub id: i64,
    /// The account's credential epoch when the password was checked.
    pub epoch: i64,
}

/// Sessions in the `sessions` table, by digest, each row tagged under the
/// session key (`db/tag.rs`).
#[derive(Debug, Clone)]
pub struct SqliteSessions {
    db: Db,
    key: DigestKey,
}

impl SqliteSessions {
    /// Sessions in `db`, rows tagged under `key` (the session purpose key,
    /// `keys::CredentialKeys::session`).
    #[must_use]
    pub fn new(db: Db, key: DigestKey) -> Self {
        Self { db, key }
    }

    /// The key rows are tagged under (a password change re-tags the
    /// caller's row, [`end_sessions_after_change`]).
    pub(crate) fn tag_key(&self) -> &DigestKey {
        &self.key
    }
}

impl SessionStore for SqliteSessions {
    type User = SessionUser;
    type Error = DbError;

    /// Stores the session only if the account's epoch is still the one the
    /// login read (one statement: no change can commit in between).
    async fn insert(&self, digest: &SessionDigest, record: &SessionRecord<SessionUser>) -> Result<bool, DbError> {
        let (digest, r, key) = (*digest.as_bytes(), record.clone(), self.key.clone());
        self.db.call(move |c| insert_session(c, &key, &digest, &r)).await
    }

    async fn load(&self, digest: &SessionDigest) -> Result<Option<SessionRecord<SessionUser>>, DbError> {
        let (digest, key) = (*digest.as_bytes(), self.key.clone());
        self.db.call(move |c| find_session(c, &key, &digest)).await
    }

    async fn touch(&self, digest: &SessionDigest, now: UnixTime) -> Result<(), DbError> {
        let digest = *digest.as_bytes();
        self.db
            .call(move |c| c.execute("UPDATE sessions SET last_seen = ?2 WHERE digest = ?1", params![digest, now]))
            .await
            .map(drop)
    }

    async fn delete(&self, digest: &SessionDigest) -> Result<bool, DbError> {
        let digest = *digest.as_bytes();
        self.db.call(move |c| c.execute("DELETE FROM sessions WHERE digest = ?1", [digest]).map(|n| n == 1)).await
    }

    async fn delete_others(&self, user: &SessionUser, keep: Option<&SessionDigest>) -> Result<usize, DbError> {
        let (user, keep) = (user.id, keep.map(|d| *d.as_bytes()));
        self.db
            .call(move |c| match keep {
                Some(keep) => delete_other_sessions(c, user, &keep),
                None => c.execute("DELETE FROM sessions WHERE user_id = ?1", [user]),
            })
            .await
    }

    async fn delete_expired(&self, now: UnixTime, idle: Duration) -> Result<usize, DbError> {
        let idle = i64::try_from(idle.as_secs()).unwrap_or(i64::MAX);
        self.db.call(move |c| c.execute(&format!("DELETE FROM sessions WHERE {EXPIRED}"), params![now, idle])).await
    }
}

/// The sessions past their lifetime or idle timeout, as a `WHERE` clause
/// over `sessions` with `?1` = now and `?2` = the idle timeout (seconds):
/// what the expiry sweep deletes and the admin commands do not count.
pub(crate) const EXPIRED: &str = "(expires_at <= ?1 OR MAX(last_seen, created_at) + ?2 <= ?1)";

/// Inserts a session, tagged under `key`, if `users.credential_epoch` is
/// still the record's epoch; returns whether a row went in.
pub(crate) fn insert_session(
    conn: &Connection,
    key: &DigestKey,
    digest: &[u8],
    r: &SessionRecord<SessionUser>,
) -> rusqlite::Result<bool> {
    let tag = tag::session(key, digest, r.user.id, r.user.epoch, r.expires_at);
    conn.prepare_cached(
        "INSERT INTO sessions (digest, user_id, epoch, created_at, last_seen, expires_at, tag) \
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS \
         (SELECT 1 FROM users WHERE id = ?2 AND credential_epoch = ?3)",
    )?
    .execute(params![digest, r.user.id, r.user.epoch, r.created_at, r.last_seen, r.expires_at, tag])
    .map(|n| n == 1)
}

/// The session stored under `digest`, expired or not; `None` (and the row
/// deleted) when its tag does not match its account, epoch and expiry
/// under `key` (a row a database writer re-pointed or extended; logged),
/// or when it was made under an older credential epoch than the
/// account's — e.g. inserted by a process that did not check the epoch.
pub(crate) fn find_session(
    conn: &Connection,
    key: &DigestKey,
    digest: &[u8],
) -> rusqlite::Result<Option<SessionRecord<SessionUser>>> {
    let found = conn
        .prepare_cached(
            "SELECT s.user_id, s.epoch, s.created_at, MAX(s.last_seen, s.created_at), s.expires_at, \
             u.credential_epoch, s.tag FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.digest = ?1",
        )?
        .query_row([digest], |r| {
            let user = SessionUser { id: r.get(0)?, epoch: r.get(1)? };
            let record = SessionRecord { user, created_at: r.get(2)?, last_seen: r.get(3)?, expires_at: r.get(4)? };
            Ok((record, r.get::<_, i64>(5)?, r.get::<_, Option<Vec<u8>>>(6)?))
        })
        .optional()?;
    let tagged = |r: &SessionRecord<SessionUser>, stored: Option<&[u8]>| {
        let expected = tag::session(key, digest, r.user.id, r.user.epoch, r.expires_at);
        tag::matches(&expected, stored, "sessions", r.user.id)
    };
    match found {
        Some((record, epoch, stored)) if tagged(&record, stored.as_deref()) && record.user.epoch == epoch => {
            Ok(Some(record))
        }
        Some(_) => {
            conn.execute("DELETE FROM sessions WHERE digest = ?1", [digest])?;
            Ok(None)
        }
        None => Ok(None),
    }
}

/// Ends every session of `user_id` but `keep`; returns how many ended.
pub(crate) fn delete_other_sessions(conn: &Connection, user_id: i64, keep: &[u8]) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM sessions WHERE user_id = ?1 AND digest != ?2", params![user_id, keep])
}

/// After [`change_hash`](super::change_hash) (same transaction): ends every
/// session of `user_id` but `keep` (the caller's, if any, with the key
/// its row is tagged under), which moves to `new_epoch`, re-tagged, so it
/// lives on — if its tag matched the epoch before (a row a writer touched
/// is left to be refused). Returns how many ended.
pub(crate) fn end_sessions_after_change(
    conn: &Connection,
    user_id: i64,
    keep: Option<(&SessionDigest, &DigestKey)>,
    new_epoch: i64,
) -> rusqlite::Result<usize> {
    match keep {
        Some((keep, key)) => {
            let keep = keep.as_bytes();
            let ended = delete_other_sessions(conn, user_id, keep)?;
            let row: Option<(i64, i64, Option<Vec<u8>>)> = conn
                .query_row(
                    "SELECT epoch, expires_at, tag FROM sessions WHERE digest = ?1 AND user_id = ?2",
                    params![keep, user_id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            if let Some((epoch, expires_at, stored)) = row
                && tag::matches(
                    &tag::session(key, keep, user_id, epoch, expires_at),
                    stored.as_deref(),
                    "sessions",
                    user_id,
                )
            {
                let tag = tag::session(key, keep, user_id, new_epoch, expires_at);
                conn.execute(
                    "UPDATE sessions SET epoch = ?3, tag = ?4 WHERE digest = ?2 AND user_id = ?1",
                    params![user_id, keep, new_epoch, tag],
                )?;
            }
            Ok(ended)
        }
        None => conn.execute("DELETE FROM sessions WHERE user_id = ?1", [user_id]),
    }
}

/// API keys in the `api_keys` table, each row tagged under the API-key
/// key (`db/tag.rs`); the principal is the owner's username.
#[derive(Debug, Clone)]
pub struct ApiKeys {
    db: Db,
    key: DigestKey,
}

impl ApiKeys {
    /// Keys in `db`, rows tagged under `key` (the API-key purpose key,
    /// `keys::CredentialKeys::api_key`).
    #[must_use]
    pub fn new(db: Db, key: DigestKey) -> Self {
        Self { db, key }
    }

    /// The key rows are tagged under (creating a key tags its row).
    pub(crate) fn tag_key(&self) -> &DigestKey {
        &self.key
    }
}

impl ApiKeyLookup for ApiKeys {
    type Principal = String;
    type Error = DbError;

    async fn find(&self, lookup_id: &str) -> Result<Option<(StoredApiKey, String)>, DbError> {
        let (lookup, key) = (lookup_id.to_owned(), self.key.clone());
        let row = self.db.call(move |c| find_api_key(c, &key, &lookup)).await?;
        let Some((digest, username)) = row else { return Ok(None) };
        let stored = StoredApiKey::from_parts(lookup_id, &digest).map_err(|_| DbError::Malformed("api_keys.digest"))?;
        Ok(Some((stored, username)))
    }
}

/// The digest and owner's username of key `lookup_id`; `None` (and the row
/// deleted, logged) when its tag does not match its lookup id, digest and
/// owner under `key` (a row a database writer re-pointed).
fn find_api_key(conn: &Connection, key: &DigestKey, lookup_id: &str) -> rusqlite::Result<Option<(String, String)>> {
    let row: Option<(String, i64, Option<Vec<u8>>, String)> = conn
        .prepare_cached(
            "SELECT k.digest, k.user_id, k.tag, u.username FROM api_keys k JOIN users u ON u.id = k.user_id \
             WHERE k.lookup_id = ?1",
        )?
        .query_row([lookup_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?;
    let Some((digest, user_id, stored, username)) = row else { return Ok(None) };
    if !tag::matches(&tag::api_key(key, lookup_id, &digest, user_id), stored.as_deref(), "api_keys", user_id) {
        conn.execute("DELETE FROM api_keys WHERE lookup_id = ?1", [lookup_id])?;
        return Ok(None);
    }
    Ok(Some((digest, username)))
}

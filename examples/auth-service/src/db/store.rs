//! The two stores guardrail-axum asks for, over SQLite: sessions by the
//! digest of their token ([`SqliteSessions`], a
//! [`SessionStore`](guardrail::axum::SessionStore)) and API keys by their
//! public lookup id ([`ApiKeys`], an
//! [`ApiKeyLookup`](guardrail::axum::ApiKeyLookup)). Neither ever sees a
//! token or a key: the session table is keyed by `SessionDigest` bytes,
//! the key table holds the key's digest.
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
    token::api_key::StoredApiKey,
};
use rusqlite::{Connection, OptionalExtension, params};

use super::{Db, DbError};

/// Sessions in the `sessions` table, by digest; the user is the account id.
#[derive(Debug, Clone)]
pub struct SqliteSessions(pub Db);

impl SessionStore for SqliteSessions {
    type User = i64;
    type Error = DbError;

    async fn insert(&self, digest: &SessionDigest, record: &SessionRecord<i64>) -> Result<(), DbError> {
        let (digest, r) = (*digest.as_bytes(), record.clone());
        self.0
            .call(move |c| {
                c.prepare_cached(
                    "INSERT INTO sessions (digest, user_id, created_at, last_seen, expires_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![digest, r.user, r.created_at, r.last_seen, r.expires_at])
                .map(drop)
            })
            .await
    }

    async fn load(&self, digest: &SessionDigest) -> Result<Option<SessionRecord<i64>>, DbError> {
        let digest = *digest.as_bytes();
        self.0.call(move |c| find_session(c, &digest)).await
    }

    async fn touch(&self, digest: &SessionDigest, now: UnixTime) -> Result<(), DbError> {
        let digest = *digest.as_bytes();
        self.0
            .call(move |c| c.execute("UPDATE sessions SET last_seen = ?2 WHERE digest = ?1", params![digest, now]))
            .await
            .map(drop)
    }

    async fn delete(&self, digest: &SessionDigest) -> Result<bool, DbError> {
        let digest = *digest.as_bytes();
        self.0.call(move |c| c.execute("DELETE FROM sessions WHERE digest = ?1", [digest]).map(|n| n == 1)).await
    }

    async fn delete_others(&self, user: &i64, keep: Option<&SessionDigest>) -> Result<usize, DbError> {
        let (user, keep) = (*user, keep.map(|d| *d.as_bytes()));
        self.0
            .call(move |c| match keep {
                Some(keep) => delete_other_sessions(c, user, &keep),
                None => c.execute("DELETE FROM sessions WHERE user_id = ?1", [user]),
            })
            .await
    }

    async fn delete_expired(&self, now: UnixTime, idle: Duration) -> Result<usize, DbError> {
        let idle = i64::try_from(idle.as_secs()).unwrap_or(i64::MAX);
        self.0
            .call(move |c| {
                c.execute(
                    "DELETE FROM sessions WHERE expires_at <= ?1 OR MAX(last_seen, created_at) + ?2 <= ?1",
                    params![now, idle],
                )
            })
            .await
    }
}

/// The session stored under `digest`, expired or not.
pub(crate) fn find_session(conn: &Connection, digest: &[u8]) -> rusqlite::Result<Option<SessionRecord<i64>>> {
    conn.prepare_cached(
        "SELECT user_id, created_at, MAX(last_seen, created_at), expires_at FROM sessions WHERE digest = ?1",
    )?
    .query_row([digest], |r| {
        Ok(SessionRecord { user: r.get(0)?, created_at: r.get(1)?, last_seen: r.get(2)?, expires_at: r.get(3)? })
    })
    .optional()
}

/// Ends every session of `user_id` but `keep`; returns how many ended
/// (also run by the password change, in the transaction that stores the
/// new hash).
pub(crate) fn delete_other_sessions(conn: &Connection, user_id: i64, keep: &[u8]) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM sessions WHERE user_id = ?1 AND digest != ?2", params![user_id, keep])
}

/// API keys in the `api_keys` table; the principal is the owner's username.
#[derive(Debug, Clone)]
pub struct ApiKeys(pub Db);

impl ApiKeyLookup for ApiKeys {
    type Principal = String;
    type Error = DbError;

    async fn find(&self, lookup_id: &str) -> Result<Option<(StoredApiKey, String)>, DbError> {
        let lookup = lookup_id.to_owned();
        let row = self
            .0
            .call(move |c| {
                c.query_row(
                    "SELECT k.digest, u.username FROM api_keys k JOIN users u ON u.id = k.user_id \
                     WHERE k.lookup_id = ?1",
                    [lookup],
                    |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
                )
                .optional()
            })
            .await?;
        let Some((digest, username)) = row else { return Ok(None) };
        let stored = StoredApiKey::from_parts(lookup_id, &digest).map_err(|_| DbError::Malformed("api_keys.digest"))?;
        Ok(Some((stored, username)))
    }
}

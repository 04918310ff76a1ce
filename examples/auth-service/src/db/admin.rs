//! The queries of the offline admin commands (`crate::admin`): accounts
//! by name or all of them, live sessions, whole-account deletions, every
//! sealed value with its row. Each write is part of one [`Db::write`]
//! (`BEGIN IMMEDIATE`) transaction the caller opens, so the commands are
//! safe while the server runs.
//!
//! [`Db::write`]: super::Db::write

use guardrail::token::DigestKey;
use rusqlite::{Connection, OptionalExtension, params};

use super::{USER_COLUMNS, User, store, user_from_row};

/// Every account, oldest first.
pub(crate) fn all_users(conn: &Connection) -> rusqlite::Result<Vec<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY id");
    conn.prepare(&sql)?.query_map([], user_from_row)?.collect()
}

/// How many sessions of `user_id` a request would still accept now: the
/// rows the store's expiry sweep keeps ([`store::EXPIRED`]), under the
/// account's current epoch, whose tag matches under `key` — each checked
/// by the store's own load ([`store::find_session`]).
pub(crate) fn live_sessions(
    conn: &Connection,
    key: &DigestKey,
    user_id: i64,
    now: i64,
    idle_secs: i64,
) -> rusqlite::Result<usize> {
    let sql = format!(
        "SELECT digest FROM sessions WHERE user_id = ?3 \
         AND epoch = (SELECT credential_epoch FROM users WHERE users.id = ?3) AND NOT {}",
        store::EXPIRED
    );
    let digests: Vec<Vec<u8>> =
        conn.prepare(&sql)?.query_map(params![now, idle_secs, user_id], |r| r.get(0))?.collect::<Result<_, _>>()?;
    let mut live = 0;
    for digest in digests {
        live += usize::from(store::find_session(conn, key, &digest)?.is_some());
    }
    Ok(live)
}

/// Deletes every session of `user_id`; returns how many.
pub(crate) fn end_sessions(conn: &Connection, user_id: i64) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM sessions WHERE user_id = ?1", [user_id])
}

/// Counts of every session, API key and reset token row.
pub(crate) fn credential_rows(conn: &Connection) -> rusqlite::Result<(usize, usize, usize)> {
    let count = |table: &str| {
        // `table` is one of three literals below, never input.
        conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get::<_, i64>(0))
            .map(|n| usize::try_from(n).unwrap_or(0))
    };
    Ok((count("sessions")?, count("api_keys")?, count("reset_tokens")?))
}

/// Deletes every session, API key and reset token row (their digests were
/// made under a credential root that is being replaced).
pub(crate) fn delete_all_credentials(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch("DELETE FROM sessions; DELETE FROM api_keys; DELETE FROM reset_tokens;")
}

/// The owner of API key `lookup_id`: `(user id, stored digest)`.
pub(crate) fn api_key_owner(conn: &Connection, lookup_id: &str) -> rusqlite::Result<Option<(i64, String)>> {
    conn.query_row("SELECT user_id, digest FROM api_keys WHERE lookup_id = ?1", [lookup_id], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
    .optional()
}

/// Every account's stored hash: `(id, epoch, hash)`.
pub(crate) fn hashes(conn: &Connection) -> rusqlite::Result<Vec<(i64, i64, String)>> {
    conn.prepare("SELECT id, credential_epoch, password_hash FROM users ORDER BY id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect()
}

/// Every sealed service key: `(name, sealed)`.
pub(crate) fn service_keys(conn: &Connection) -> rusqlite::Result<Vec<(String, Vec<u8>)>> {
    conn.prepare("SELECT name, sealed FROM service_keys ORDER BY name")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

/// Every outbox row, sent or not.
pub(crate) fn outbox_rows(conn: &Connection) -> rusqlite::Result<Vec<super::outbox::OutboxRow>> {
    conn.prepare("SELECT id, user_id, kind, sealed, created_at FROM outbox ORDER BY id")?
        .query_map([], |r| {
            Ok(super::outbox::OutboxRow {
                id: r.get(0)?,
                user_id: r.get(1)?,
                kind: r.get(2)?,
                sealed: r.get(3)?,
                created_at: r.get(4)?,
            })
        })?
        .collect()
}

/// Replaces outbox row `id`'s sealed payload if it still holds `old`;
/// whether it did.
pub(crate) fn reseal_outbox(conn: &Connection, id: i64, old: &[u8], new: &[u8]) -> rusqlite::Result<bool> {
    conn.execute("UPDATE outbox SET sealed = ?3 WHERE id = ?1 AND sealed = ?2", params![id, old, new]).map(|n| n == 1)
}

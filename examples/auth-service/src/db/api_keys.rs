//! The `api_keys` table as its owner sees it: create under the cap, list,
//! delete, and the `last_used` stamp. (`db/store.rs` finds a key for
//! guardrail-axum's verifier.)

use guardrail::token::DigestKey;
use rusqlite::{Connection, params};

use super::{is_unique_violation, now, tag};

/// What storing a new key did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Created {
    /// Stored.
    Stored,
    /// The lookup id is taken (2^-72 per pair: not expected).
    Duplicate,
    /// The account holds `cap` keys already; nothing stored.
    Full,
}

/// Stores a key unless its owner holds `cap` keys: the count and the
/// insert are ONE statement, so parallel creates cannot pass the cap
/// together (SQLite runs a statement as a unit). The row is tagged under
/// `key` (the API-key purpose key, `db/tag.rs`).
pub(crate) fn insert_capped(
    conn: &Connection,
    key: &DigestKey,
    lookup_id: &str,
    user_id: i64,
    name: &str,
    digest_hex: &str,
    cap: usize,
) -> rusqlite::Result<Created> {
    let cap = i64::try_from(cap).unwrap_or(i64::MAX);
    let tag = tag::api_key(key, lookup_id, digest_hex, user_id);
    let inserted = conn
        .prepare_cached(
            "INSERT INTO api_keys (lookup_id, user_id, name, digest, created_at, tag) \
             SELECT ?1, ?2, ?3, ?4, ?5, ?7 \
             WHERE (SELECT COUNT(*) FROM api_keys WHERE user_id = ?2) < ?6",
        )?
        .execute(params![lookup_id, user_id, name, digest_hex, now(), cap, tag]);
    match inserted {
        Ok(1) => Ok(Created::Stored),
        Ok(_) => Ok(Created::Full),
        Err(e) if is_unique_violation(&e) => Ok(Created::Duplicate),
        Err(e) => Err(e),
    }
}

/// One key as its owner's list shows it: never the key or its digest.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct KeyInfo {
    /// The public lookup id.
    pub(crate) id: String,
    /// The name its owner gave it.
    pub(crate) name: String,
    /// Created, Unix seconds.
    pub(crate) created: i64,
    /// Last used (to the minute), Unix seconds; `null` if never.
    pub(crate) last_used: Option<i64>,
}

/// The keys of `user_id`, oldest first.
pub(crate) fn list(conn: &Connection, user_id: i64) -> rusqlite::Result<Vec<KeyInfo>> {
    conn.prepare_cached(
        "SELECT lookup_id, name, created_at, last_used FROM api_keys WHERE user_id = ?1 \
         ORDER BY created_at, rowid",
    )?
    .query_map([user_id], |r| Ok(KeyInfo { id: r.get(0)?, name: r.get(1)?, created: r.get(2)?, last_used: r.get(3)? }))?
    .collect()
}

/// Deletes key `lookup_id` if `user_id` owns it; whether it did.
pub(crate) fn delete(conn: &Connection, lookup_id: &str, user_id: i64) -> rusqlite::Result<bool> {
    conn.execute("DELETE FROM api_keys WHERE lookup_id = ?1 AND user_id = ?2", params![lookup_id, user_id])
        .map(|n| n == 1)
}

/// Deletes every key of `user_id` (a password reset); returns the deleted
/// keys' `(lookup id, name)`, oldest first.
pub(crate) fn delete_all(conn: &Connection, user_id: i64) -> rusqlite::Result<Vec<(String, String)>> {
    let keys: Vec<(String, String)> = conn
        .prepare_cached("SELECT lookup_id, name FROM api_keys WHERE user_id = ?1 ORDER BY created_at, rowid")?
        .query_map([user_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    conn.execute("DELETE FROM api_keys WHERE user_id = ?1", [user_id])?;
    Ok(keys)
}

/// Stamps `last_used` at most once a minute per key (a busy key costs a
/// write a minute, not one per request).
pub(crate) fn touch(conn: &Connection, lookup_id: &str, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE api_keys SET last_used = ?2 WHERE lookup_id = ?1 AND (last_used IS NULL OR last_used <= ?2 - 60)",
    )?
    .execute(params![lookup_id, now])
    .map(drop)
}

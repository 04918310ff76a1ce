//! The `reset_tokens` table: password-reset tokens, stored only as their
//! keyed digest (`CredentialKeys.reset`), each with the account's
//! credential epoch when it was issued (a token issued before a password
//! change is dead), an expiry and, once used, `used_at`; each row tagged
//! under the same key over its digest, account, epoch and expiry
//! (`db/tag.rs`), so a database writer cannot point their own token at
//! another account.

use guardrail::token::DigestKey;
use rusqlite::{Connection, OptionalExtension, params};

use super::tag;

/// A live token's row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ResetToken {
    /// The account.
    pub(crate) user_id: i64,
    /// The account's credential epoch when the token was issued.
    pub(crate) epoch: i64,
}

/// Stores a token's digest unless the account already holds `max_live`
/// live (unused, unexpired, issued at `epoch`: a token of an earlier epoch
/// is dead and does not count) tokens: the count and the insert are one
/// statement, so concurrent requests cannot pass the cap together.
/// Returns whether it was stored. The row is tagged under `key`.
#[allow(clippy::too_many_arguments)] // one row's columns, each named at the call
pub(crate) fn insert_capped(
    conn: &Connection,
    key: &DigestKey,
    digest: &[u8; 32],
    user_id: i64,
    epoch: i64,
    now: i64,
    expires_at: i64,
    max_live: usize,
) -> rusqlite::Result<bool> {
    let max_live = i64::try_from(max_live).unwrap_or(i64::MAX);
    let tag = tag::reset(key, digest, user_id, epoch, expires_at);
    conn.prepare_cached(
        "INSERT INTO reset_tokens (digest, user_id, epoch, created_at, expires_at, tag) \
         SELECT ?1, ?2, ?3, ?4, ?5, ?7 \
         WHERE (SELECT COUNT(*) FROM reset_tokens \
                WHERE user_id = ?2 AND epoch = ?3 AND used_at IS NULL AND expires_at > ?4) < ?6",
    )?
    .execute(params![digest, user_id, epoch, now, expires_at, max_live, tag])
    .map(|n| n == 1)
}

/// The live (unused, unexpired) token stored under `digest`; `None` (and
/// the row deleted, logged) when its tag does not match its account, epoch
/// and expiry under `key` (a row a database writer re-pointed).
pub(crate) fn find_live(
    conn: &Connection,
    key: &DigestKey,
    digest: &[u8; 32],
    now: i64,
) -> rusqlite::Result<Option<ResetToken>> {
    let row: Option<(ResetToken, i64, Option<Vec<u8>>)> = conn
        .prepare_cached(
            "SELECT user_id, epoch, expires_at, tag FROM reset_tokens \
             WHERE digest = ?1 AND used_at IS NULL AND expires_at > ?2",
        )?
        .query_row(params![digest, now], |r| {
            Ok((ResetToken { user_id: r.get(0)?, epoch: r.get(1)? }, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let Some((token, expires_at, stored)) = row else { return Ok(None) };
    let expected = tag::reset(key, digest, token.user_id, token.epoch, expires_at);
    if !tag::matches(&expected, stored.as_deref(), "reset_tokens", token.user_id) {
        conn.execute("DELETE FROM reset_tokens WHERE digest = ?1", [digest])?;
        return Ok(None);
    }
    Ok(Some(token))
}

/// Marks the token used if it is still live; whether it was (a concurrent
/// confirm that got there first leaves 0 rows).
pub(crate) fn mark_used(conn: &Connection, digest: &[u8; 32], now: i64) -> rusqlite::Result<bool> {
    conn.execute(
        "UPDATE reset_tokens SET used_at = ?2 WHERE digest = ?1 AND used_at IS NULL AND expires_at > ?2",
        params![digest, now],
    )
    .map(|n| n == 1)
}

/// Deletes every token of `user_id` but `keep`; returns how many.
pub(crate) fn delete_others(conn: &Connection, user_id: i64, keep: &[u8; 32]) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM reset_tokens WHERE user_id = ?1 AND digest != ?2", params![user_id, keep])
}

/// Deletes every token of `user_id` (a password change makes them dead:
/// their epoch is past); returns how many.
pub(crate) fn delete_all(conn: &Connection, user_id: i64) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM reset_tokens WHERE user_id = ?1", [user_id])
}

/// Deletes used and expired tokens (maintenance); returns how many.
pub(crate) fn delete_dead(conn: &Connection, now: i64) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM reset_tokens WHERE used_at IS NOT NULL OR expires_at <= ?1", [now])
}

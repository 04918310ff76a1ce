//! The `reset_tokens` table: password-reset tokens, stored only as their
//! keyed digest (`CredentialKeys.reset`), each with the account's
//! credential epoch when it was issued (a token issued before a password
//! change is dead), an expiry and, once used, `used_at`.

use rusqlite::{Connection, OptionalExtension, params};

/// A live token's row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ResetToken {
    /// The account.
    pub(crate) user_id: i64,
    /// The account's credential epoch when the token was issued.
    pub(crate) epoch: i64,
}

/// Stores a token's digest unless the account already holds `max_live`
/// live (unused, unexpired) tokens: the count and the insert are one
/// statement, so concurrent requests cannot pass the cap together.
/// Returns whether it was stored.
pub(crate) fn insert_capped(
    conn: &Connection,
    digest: &[u8; 32],
    user_id: i64,
    epoch: i64,
    now: i64,
    expires_at: i64,
    max_live: usize,
) -> rusqlite::Result<bool> {
    let max_live = i64::try_from(max_live).unwrap_or(i64::MAX);
    conn.prepare_cached(
        "INSERT INTO reset_tokens (digest, user_id, epoch, created_at, expires_at) \
         SELECT ?1, ?2, ?3, ?4, ?5 \
         WHERE (SELECT COUNT(*) FROM reset_tokens \
                WHERE user_id = ?2 AND used_at IS NULL AND expires_at > ?4) < ?6",
    )?
    .execute(params![digest, user_id, epoch, now, expires_at, max_live])
    .map(|n| n == 1)
}

/// The live (unused, unexpired) token stored under `digest`.
pub(crate) fn find_live(conn: &Connection, digest: &[u8; 32], now: i64) -> rusqlite::Result<Option<ResetToken>> {
    conn.prepare_cached(
        "SELECT user_id, epoch FROM reset_tokens WHERE digest = ?1 AND used_at IS NULL AND expires_at > ?2",
    )?
    .query_row(params![digest, now], |r| Ok(ResetToken { user_id: r.get(0)?, epoch: r.get(1)? }))
    .optional()
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

/// Deletes used and expired tokens (maintenance); returns how many.
pub(crate) fn delete_dead(conn: &Connection, now: i64) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM reset_tokens WHERE used_at IS NOT NULL OR expires_at <= ?1", [now])
}

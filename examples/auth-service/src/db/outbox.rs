//! The `outbox` table: messages for an account's owner, sealed, waiting
//! for a mailer (`crate::outbox` seals and opens them; this module only
//! moves rows).

use rusqlite::{Connection, params};

/// A stored outbox row, still sealed.
pub(crate) struct OutboxRow {
    pub(crate) id: i64,
    pub(crate) user_id: Option<i64>,
    pub(crate) kind: String,
    pub(crate) sealed: Vec<u8>,
    pub(crate) created_at: i64,
}

/// Stores one sealed message.
pub(crate) fn insert(
    conn: &Connection,
    user_id: i64,
    kind: &str,
    sealed: &[u8],
    created_at: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT INTO outbox (user_id, kind, sealed, created_at) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![user_id, kind, sealed, created_at])
        .map(drop)
}

/// Stores one sealed notice unless `user_id` already holds `max_unsent`
/// unsent rows other than reset-token messages (`password_reset`, capped
/// by the live-token cap instead): the count and the insert are ONE
/// statement, so concurrent notices cannot pass the cap together. Returns
/// whether it was stored.
pub(crate) fn insert_capped(
    conn: &Connection,
    user_id: i64,
    kind: &str,
    sealed: &[u8],
    created_at: i64,
    max_unsent: usize,
) -> rusqlite::Result<bool> {
    let max_unsent = i64::try_from(max_unsent).unwrap_or(i64::MAX);
    conn.prepare_cached(
        "INSERT INTO outbox (user_id, kind, sealed, created_at) SELECT ?1, ?2, ?3, ?4 \
         WHERE (SELECT COUNT(*) FROM outbox \
                WHERE user_id = ?1 AND sent_at IS NULL AND kind <> 'password_reset') < ?5",
    )?
    .execute(params![user_id, kind, sealed, created_at, max_unsent])
    .map(|n| n == 1)
}

/// Up to `n` rows not yet sent, oldest first.
pub(crate) fn unsent(conn: &Connection, n: usize) -> rusqlite::Result<Vec<OutboxRow>> {
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    conn.prepare_cached(
        "SELECT id, user_id, kind, sealed, created_at FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT ?1",
    )?
    .query_map([n], |r| {
        Ok(OutboxRow { id: r.get(0)?, user_id: r.get(1)?, kind: r.get(2)?, sealed: r.get(3)?, created_at: r.get(4)? })
    })?
    .collect()
}

/// Marks row `id` sent at `now`; whether it was unsent.
pub(crate) fn mark_sent(conn: &Connection, id: i64, now: i64) -> rusqlite::Result<bool> {
    conn.execute("UPDATE outbox SET sent_at = ?2 WHERE id = ?1 AND sent_at IS NULL", params![id, now]).map(|n| n == 1)
}

/// Deletes rows created before `before` (sent or not: a message that old
/// is no longer worth sending); returns how many.
pub(crate) fn delete_older_than(conn: &Connection, before: i64) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM outbox WHERE created_at < ?1", [before])
}

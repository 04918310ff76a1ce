//! Row tags: a credential row's token digest says WHICH credential it is,
//! the tag says WHOSE. Each is an HMAC-SHA256 under the credential's
//! purpose key (`keys::CredentialKeys`, never stored in the clear) over the
//! row's digest and the fields that bind it to an account:
//!
//! - `sessions.tag`: digest, `user_id`, `epoch`, `expires_at`;
//! - `api_keys.tag`: `lookup_id`, digest, `user_id`;
//! - `reset_tokens.tag`: digest, `user_id`, `epoch`, `expires_at`.
//!
//! So whoever can write the database cannot re-point a credential they
//! hold (their own session, API key or reset token) at another account,
//! keep it alive across a password change by moving its epoch, or extend
//! its absolute lifetime. Not covered: `sessions.last_seen` (the idle
//! clock, touched on every request), `created_at`, `last_used`, `used_at`
//! (a writer can clear it, but a used token's account has moved to a new
//! epoch). A row whose tag does not match is treated as unknown, deleted,
//! and logged once (`authz_fail`, `reason=row_tag`, the table and the
//! row's claimed account, never a digest).

use guardrail::token::DigestKey;

/// The tag of a `sessions` row.
pub(crate) fn session(key: &DigestKey, digest: &[u8], user_id: i64, epoch: i64, expires_at: i64) -> [u8; 32] {
    let (user_id, epoch, expires_at) = (user_id.to_be_bytes(), epoch.to_be_bytes(), expires_at.to_be_bytes());
    key.digest(&[b"auth-service sessions row v1", digest, &user_id, &epoch, &expires_at])
}

/// The tag of an `api_keys` row.
pub(crate) fn api_key(key: &DigestKey, lookup_id: &str, digest_hex: &str, user_id: i64) -> [u8; 32] {
    let user_id = user_id.to_be_bytes();
    key.digest(&[b"auth-service api_keys row v1", lookup_id.as_bytes(), digest_hex.as_bytes(), &user_id])
}

/// The tag of a `reset_tokens` row.
pub(crate) fn reset(key: &DigestKey, digest: &[u8], user_id: i64, epoch: i64, expires_at: i64) -> [u8; 32] {
    let (user_id, epoch, expires_at) = (user_id.to_be_bytes(), epoch.to_be_bytes(), expires_at.to_be_bytes());
    key.digest(&[b"auth-service reset_tokens row v1", digest, &user_id, &epoch, &expires_at])
}

/// Whether `stored` (a row's `tag`, NULL for a row no release of this
/// service wrote) is `expected`, compared in constant time. A mismatch is
/// logged here, once per row (the callers delete it).
pub(crate) fn matches(expected: &[u8; 32], stored: Option<&[u8]>, table: &'static str, user_id: i64) -> bool {
    let ok = stored.is_some_and(|s| guardrail::ct::eq(expected, s));
    if !ok {
        tracing::error!(
            target: "security",
            event = "authz_fail",
            reason = "row_tag",
            table,
            user_id,
            "a credential row's tag does not match its account: treated as unknown and deleted"
        );
    }
    ok
}

//! Rate-limit helpers: the keys (a client address with IPv6 grouped by
//! /64, a typed login that is the same shape for existing and unknown
//! accounts, an account id), a keyed GCRA [`Limiter`] (with a peek that
//! takes no cell) whose refusal says
//! how long to wait ([`RetryAfter`], a 429 [`Problem`]), and a
//! [`LogThrottle`] for the log lines refusals write.
//!
//! Keys hold digests, never submitted text: a limiter's map is memory an
//! attacker fills, and a dump of it shows no login name.

use std::{
    collections::HashMap,
    fmt,
    hash::Hash,
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    num::NonZeroU32,
    sync::{
        Mutex, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::request::Parts,
};
use guardrail_validate::{Email, UsernamePolicy};
use unicode_normalization::UnicodeNormalization as _;

use crate::Problem;

/// The rate-limit key of a client address: an IPv4 address as it is, an
/// IPv6 address masked to its prefix. One IPv6 subscriber usually holds a
/// whole /64, so keying by the full address gives them 2^64 budgets.
///
/// IPv6 addresses that carry an IPv4 client are keyed by that IPv4
/// address, so the client shares one budget with its plain IPv4 address:
///
/// - IPv4-mapped `::ffff:a.b.c.d`;
/// - the NAT64 well-known prefix `64:ff9b::a.b.c.d` (RFC 6052; IPv4
///   clients of an IPv6-only service behind NAT64 would otherwise share
///   one /64 budget);
/// - 6to4 `2002:AABB:CCDD::/48` by its embedded `A.B.C.D` (RFC 3056): the
///   holder of one IPv4 address holds that whole /48, 65,536 /64 budgets;
/// - Teredo `2001:0::/32` by the client's IPv4 address, the last 32 bits
///   inverted (RFC 4380 §4): every client of one Teredo server is in one
///   /64, which would make them all one budget.
///
/// Answers to these addresses are routed to the embedded IPv4 address, so
/// a connection from one of them (a completed TCP handshake) comes from
/// that address's holder: no one takes another client's budget this way.
///
/// Not unwrapped: the deprecated IPv4-compatible `::a.b.c.d` (RFC 4291
/// §2.5.5.1, never routed), keyed as IPv6 by its prefix (so all of `::/64`
/// is one budget, not 2^32), and network-specific NAT64 prefixes such as
/// `64:ff9b:1::/48` (their embedding depends on the operator's prefix
/// length).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientKey(IpAddr);

/// `64:ff9b::/96` (RFC 6052 §2.1), shifted right by 32 bits.
const NAT64_WELL_KNOWN_PREFIX: u128 = 0x0064_ff9b_0000_0000_0000_0000;

/// The 6to4 prefix `2002::/16` (RFC 3056 §2), the first 16 bits.
const SIX_TO_FOUR_PREFIX: u16 = 0x2002;

/// The Teredo prefix `2001:0::/32` (RFC 4380 §2.6), the first 32 bits.
const TEREDO_PREFIX: u32 = 0x2001_0000;

/// The IPv4 client an IPv6 address carries, for the forms
/// [`ClientKey`] unwraps (IPv4-mapped is `to_canonical`'s).
fn embedded_ipv4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let bits = u128::from(v6);
    let [_, _, e, f, g, h, .., w, x, y, z] = v6.octets();
    if bits >> 32 == NAT64_WELL_KNOWN_PREFIX {
        // RFC 6052 §2.2: with a /96 prefix the IPv4 address is the last 32 bits.
        Some(Ipv4Addr::new(w, x, y, z))
    } else if bits >> 112 == u128::from(SIX_TO_FOUR_PREFIX) {
        // RFC 3056 §2: 2002:V4ADDR::/48, the IPv4 address in bits 16..48.
        Some(Ipv4Addr::new(e, f, g, h))
    } else if bits >> 96 == u128::from(TEREDO_PREFIX) {
        // RFC 4380 §4: bits 32..64 are the Teredo server's address; the
        // client's (as its NAT maps it) is the last 32 bits, every bit inverted.
        Some(Ipv4Addr::new(!w, !x, !y, !z))
    } else {
        None
    }
}

impl ClientKey {
    /// The IPv6 prefix length [`ClientKey::from_ip`] keys by: 64.
    pub const DEFAULT_V6_PREFIX: u8 = 64;

    /// The key of `ip`, an IPv6 address masked to `v6_prefix` bits
    /// (capped at 128).
    #[must_use]
    pub fn new(ip: IpAddr, v6_prefix: u8) -> Self {
        let v6 = match ip.to_canonical() {
            IpAddr::V4(v4) => return Self(IpAddr::V4(v4)),
            IpAddr::V6(v6) => v6,
        };
        if let Some(v4) = embedded_ipv4(v6) {
            return Self(IpAddr::V4(v4));
        }
        let prefix = u32::from(v6_prefix.min(128));
        let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
        Self(IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask)))
    }

    /// The key of `ip` with IPv6 grouped by [`Self::DEFAULT_V6_PREFIX`].
    #[must_use]
    pub fn from_ip(ip: IpAddr) -> Self {
        Self::new(ip, Self::DEFAULT_V6_PREFIX)
    }

    /// The (masked) address.
    #[must_use]
    pub fn ip(&self) -> IpAddr {
        self.0
    }
}

/// The client's address, as an extractor over axum's
/// `ConnectInfo<SocketAddr>` (serve with
/// `into_make_service_with_connect_info::<SocketAddr>()`). Without it the
/// request is answered 500 and an error is logged: a limiter must not
/// silently key everyone alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    /// The rate-limit key of this client ([`ClientKey::from_ip`]).
    #[must_use]
    pub fn key(&self) -> ClientKey {
        ClientKey::from_ip(self.0)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Problem> {
        match parts.extensions.get::<ConnectInfo<SocketAddr>>() {
            Some(ConnectInfo(addr)) => Ok(Self(addr.ip())),
            None => {
                tracing::error!(
                    "ClientIp needs ConnectInfo<SocketAddr>: serve with into_make_service_with_connect_info"
                );
                Err(Problem::internal())
            }
        }
    }
}

fn sha256(domain: &str, text: &str) -> [u8; 32] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(domain.as_bytes());
    ctx.update(&[0]);
    ctx.update(text.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// The longest typed login normalised, in characters: the rest cannot
/// change the key (and costs nothing to hash).
const MAX_LOGIN_CHARS: usize = 320;

/// Canonicalises user names for [`LoginKey`]: [`Username`]'s rules with no
/// reserved names and 1..=256 characters, so a name stored before a
/// release reserved it (`adm1n`) keeps one key however it is typed.
///
/// [`Username`]: guardrail_validate::Username
static LOGIN_NAMES: std::sync::LazyLock<UsernamePolicy> = std::sync::LazyLock::new(|| UsernamePolicy::new(1, 256));

/// The rate-limit key of a login attempt, from the login **as typed**:
/// an e-mail address (UTF-8 local parts included, [`Email::parse_eai`]) by
/// its [`Email::uniqueness_key`], a user name by its canonical form
/// ([`Username`]'s, reserved names and length limits aside), anything else
/// lower-cased and in NFC. So `josé@bücher.example`,
/// `JOSÉ@xn--bcher-kva.example` and the decomposed `jose\u{301}@...` are
/// one key, as they are one account. No account is looked up, so
/// the key — and so the budget — is the same for an existing and an
/// unknown account: the limiter is no oracle for who has an account.
/// Holds a SHA-256 digest; `Debug` prints none of it.
///
/// [`Username`]: guardrail_validate::Username
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct LoginKey([u8; 32]);

impl LoginKey {
    /// The key of `login` as the user typed it.
    #[must_use]
    pub fn from_typed(login: &str) -> Self {
        let login = login.trim();
        let normalised = if login.contains('@') {
            Email::parse_eai(login).ok().map(|e| e.uniqueness_key())
        } else {
            LOGIN_NAMES.parse(login).ok().map(|u| u.as_str().to_owned())
        };
        let normalised = normalised
            .unwrap_or_else(|| login.nfc().take(MAX_LOGIN_CHARS).flat_map(char::to_lowercase).nfc().collect());
        Self(sha256("guardrail login", &normalised))
    }
}

impl fmt::Debug for LoginKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LoginKey(..)")
    }
}

/// The rate-limit key of an account, from its id (a digest, so keys of
/// different kinds never collide).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct AccountKey([u8; 32]);

impl AccountKey {
    /// The key of the account `id`.
    #[must_use]
    pub fn from_id(id: impl fmt::Display) -> Self {
        Self(sha256("guardrail account", &id.to_string()))
    }
}

impl fmt::Debug for AccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccountKey(..)")
    }
}

/// A refused request: whole seconds to wait (at least 1), answered 429
/// with `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "answer it: a refused request must not run"]
pub struct RetryAfter(pub u64);

impl From<RetryAfter> for Problem {
    fn from(wait: RetryAfter) -> Self {
        Problem::rate_limited(wait.0)
    }
}

/// A keyed rate limiter (GCRA, the generic cell rate algorithm): `n` a
/// minute, the whole minute's budget allowed as a burst. One cell is
/// freed every `60 s / n`.
///
/// [`Limiter::check`] takes a cell; [`Limiter::peek`] only asks whether
/// one is free; [`Limiter::refund`] gives a taken cell back. A limiter
/// counts failures alone by checking before the work and refunding when
/// the work succeeded (what
/// [`ApiKeyVerifier::with_failure_limit`](crate::ApiKeyVerifier::with_failure_limit)
/// does).
///
/// Why not `governor` (used until this release): a failure-only limit
/// must take its cell *before* the work (or concurrent failures all pass
/// before any is counted) and give it back when the work succeeded, and
/// governor's keyed limiters can neither peek nor refund. The algorithm is
/// governor's (the same quota, burst and `Retry-After` rounding, pinned by
/// `tests/limit.rs`); the map is one `Mutex<HashMap>` held for a few
/// arithmetic operations per request, measured by the service's
/// `load-test --limits default` flood.
pub struct Limiter<K: Hash + Eq + Clone> {
    /// Per key, the theoretical arrival time of its next request: the key
    /// has a free cell while it is at most `tolerance` ahead of now.
    tat: Mutex<HashMap<K, Instant>>,
    /// Time one cell takes to come back.
    interval: Duration,
    /// `interval × (n − 1)`: how far ahead the burst may run.
    tolerance: Duration,
}

impl<K: Hash + Eq + Clone> Limiter<K> {
    /// `n` requests a minute per key.
    #[must_use]
    pub fn per_minute(n: NonZeroU32) -> Self {
        let interval = Duration::from_secs(60) / n.get();
        Self { tat: Mutex::new(HashMap::new()), interval, tolerance: interval * (n.get() - 1) }
    }

    /// Counts one request for `key`.
    ///
    /// # Errors
    ///
    /// [`RetryAfter`] (whole seconds, rounded up, at least 1) when `key`
    /// is over its budget; no cell is taken then.
    pub fn check(&self, key: &K) -> Result<(), RetryAfter> {
        self.decide(key, true)
    }

    /// Whether `key` has a free cell, without taking it.
    ///
    /// # Errors
    ///
    /// [`RetryAfter`], as [`Limiter::check`], when `key` has none.
    pub fn peek(&self, key: &K) -> Result<(), RetryAfter> {
        self.decide(key, false)
    }

    /// Gives back one cell [`Limiter::check`] took for `key` (a limit that
    /// counts only failures takes a cell before the work, so concurrent
    /// requests cannot all pass before any is counted, and gives it back
    /// when the work succeeded). A key with no cell out is unchanged.
    pub fn refund(&self, key: &K) {
        let mut map = self.tat.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(tat) = map.get_mut(key) {
            // An earlier arrival time is a fuller budget; at or before
            // now the budget is whole (and `retain_recent` forgets it).
            *tat = tat.checked_sub(self.interval).unwrap_or(*tat);
        }
    }

    fn decide(&self, key: &K, take: bool) -> Result<(), RetryAfter> {
        let now = Instant::now();
        let mut map = self.tat.lock().unwrap_or_else(PoisonError::into_inner);
        let tat = map.get(key).map_or(now, |&t| t.max(now));
        let ahead = tat.duration_since(now);
        if ahead > self.tolerance {
            let wait = ahead.saturating_sub(self.tolerance);
            return Err(RetryAfter((wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)));
        }
        if take {
            map.insert(key.clone(), tat + self.interval);
        }
        Ok(())
    }

    /// Forgets keys whose budget is full again (call it periodically: the
    /// map otherwise grows with every key ever seen).
    pub fn retain_recent(&self) {
        let now = Instant::now();
        self.tat.lock().unwrap_or_else(PoisonError::into_inner).retain(|_, tat| *tat > now);
    }

    /// How many keys are remembered.
    #[must_use]
    pub fn len(&self) -> usize {
        self.tat.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// `true` when no key is remembered.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<K: Hash + Eq + Clone> fmt::Debug for Limiter<K> {
    /// The number of keys; not the keys.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Limiter").field("keys", &self.len()).finish()
    }
}

/// Lets one event through per interval and counts the ones it held back
/// (so a flood of refusals writes one log line per interval).
#[derive(Debug)]
pub struct LogThrottle {
    interval: Duration,
    last: Mutex<Option<Instant>>,
    suppressed: AtomicU64,
}

impl LogThrottle {
    /// One event per `interval`.
    #[must_use]
    pub fn new(interval: Duration) -> Self {
        Self { interval, last: Mutex::new(None), suppressed: AtomicU64::new(0) }
    }

    /// `Some(events held back since the last one)` if this event should
    /// be logged.
    pub fn admit(&self) -> Option<u64> {
        let now = Instant::now();
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        if last.is_some_and(|t| now.duration_since(t) < self.interval) {
            self.suppressed.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        *last = Some(now);
        Some(self.suppressed.swap(0, Ordering::Relaxed))
    }
}

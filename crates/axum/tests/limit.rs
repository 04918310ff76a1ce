//! Rate-limit helpers: IPv6 clients share a /64 budget, the login key is
//! computed the same way whether or not an account exists, and a refusal
//! answers 429 with `Retry-After` in whole seconds.
#![allow(clippy::unwrap_used)] // test code

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr},
    num::NonZeroU32,
    time::Duration,
};

use axum::{Router, body::Body, http::Request, http::StatusCode, routing::post};
use guardrail_axum::{
    ClientKey, Limiter, LoginKey, Problem, RetryAfter,
    limit::{AccountKey, ClientIp, LogThrottle},
};
use guardrail_validate::Email;
use proptest::prelude::*;
use tower::ServiceExt as _;
use unicode_normalization::UnicodeNormalization as _;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn ipv6_clients_are_keyed_by_their_64() {
    let a = ClientKey::from_ip(ip("2001:db8:1:2:aaaa::1"));
    let b = ClientKey::from_ip(ip("2001:db8:1:2:ffff:ffff:ffff:ffff"));
    let other = ClientKey::from_ip(ip("2001:db8:1:3::1"));
    assert_eq!(a, b, "one /64, one budget");
    assert_ne!(a, other);
    assert_eq!(a.ip(), ip("2001:db8:1:2::"));
    assert_ne!(ClientKey::from_ip(ip("192.0.2.1")), ClientKey::from_ip(ip("192.0.2.2")), "IPv4 as it is");
    assert_eq!(ClientKey::from_ip(ip("::ffff:192.0.2.1")), ClientKey::from_ip(ip("192.0.2.1")), "mapped is IPv4");
    assert_eq!(ClientKey::new(ip("2001:db8::1"), 128).ip(), ip("2001:db8::1"));
    assert_eq!(ClientKey::new(ip("2001:db8::1"), 200).ip(), ip("2001:db8::1"), "prefix capped at 128");
    assert_eq!(ClientKey::new(ip("2001:db8::1"), 0).ip(), IpAddr::V6(Ipv6Addr::UNSPECIFIED));
    assert_eq!(ClientKey::new(ip("2001:db8:ffff::1"), 32).ip(), ip("2001:db8::"));
}

/// IPv4 clients reached over IPv6 are keyed by their IPv4 address: mapped
/// and NAT64 well-known prefix; the deprecated IPv4-compatible form and a
/// network-specific NAT64 prefix stay IPv6, grouped by /64.
#[test]
fn ipv4_clients_behind_nat64_are_keyed_by_their_ipv4_address() {
    let v4 = |s: &str| ClientKey::from_ip(ip(s));
    assert_eq!(v4("64:ff9b::192.0.2.1"), v4("192.0.2.1"), "NAT64 well-known prefix");
    assert_eq!(v4("64:ff9b::c000:201").ip(), ip("192.0.2.1"));
    assert_ne!(v4("64:ff9b::192.0.2.1"), v4("64:ff9b::198.51.100.7"), "one budget per IPv4 client, not per /64");
    assert_eq!(ClientKey::new(ip("64:ff9b::203.0.113.9"), 128).ip(), ip("203.0.113.9"), "any prefix length");
    assert_eq!(v4("64:ff9b:0:0:0:1:c000:201").ip(), ip("64:ff9b::"), "outside the /96: IPv6 by /64");
    assert_eq!(v4("64:ff9b:1::c000:201").ip(), ip("64:ff9b:1::"), "network-specific prefix: IPv6");
    assert_eq!(v4("::192.0.2.1").ip(), ip("::"), "IPv4-compatible (deprecated): IPv6 by /64");
    assert_eq!(v4("::192.0.2.1"), v4("::198.51.100.7"), "so one budget, not 2^32");
}

/// 6to4 (RFC 3056) is keyed by its embedded IPv4 address: one IPv4 holder
/// has the whole `2002:AABB:CCDD::/48`, which by /64 would be 65,536
/// budgets. Teredo (RFC 4380) is keyed by the client's IPv4 address (the
/// last 32 bits, inverted): by /64 every client of one Teredo server would
/// share one budget.
#[test]
fn six_to_four_and_teredo_are_keyed_by_their_ipv4_client() {
    let key = |s: &str| ClientKey::from_ip(ip(s));
    // 6to4: 2002:c000:0201::/48 is 192.0.2.1's.
    assert_eq!(key("2002:c000:201::1").ip(), ip("192.0.2.1"));
    assert_eq!(key("2002:c000:201::1"), key("192.0.2.1"), "one budget with the plain IPv4 address");
    assert_eq!(key("2002:c000:201:ffff:1:2:3:4"), key("2002:c000:201:1::"), "the whole /48 is one budget");
    assert_eq!(ClientKey::new(ip("2002:c000:201:1::1"), 128).ip(), ip("192.0.2.1"), "any prefix length");
    assert_ne!(key("2002:c000:201::1"), key("2002:c000:202::1"), "another IPv4 holder, another budget");
    assert_eq!(key("2002:c633:6407::1").ip(), ip("198.51.100.7"));
    // Teredo: the RFC 4380 §4 example, server 65.54.227.120, client
    // 192.0.2.45 (0x3fff_fdd2 inverted) port 40000.
    assert_eq!(key("2001:0:4136:e378:8000:63bf:3fff:fdd2").ip(), ip("192.0.2.45"));
    assert_eq!(key("2001:0:4136:e378:8000:63bf:3fff:fdd2"), key("192.0.2.45"));
    assert_eq!(
        key("2001:0:4136:e378:8000:1234:3fff:fdd2"),
        key("2001:0:cb00:7101:0:63bf:3fff:fdd2"),
        "port, flags and server are not the client: one budget"
    );
    assert_ne!(
        key("2001:0:4136:e378:8000:63bf:3fff:fdd2"),
        key("2001:0:4136:e378:8000:63bf:3fff:fdd1"),
        "two clients of one Teredo server (one /64): two budgets"
    );
    assert_eq!(key("2001:0:4136:e378:8000:63bf:34ff:8ef6").ip(), ip("203.0.113.9"));
    // Neighbours of those prefixes are ordinary IPv6, by /64.
    assert_eq!(key("2003:c000:201::1").ip(), ip("2003:c000:201::"));
    assert_eq!(key("2001:1:4136:e378:8000:63bf:3fff:fdd2").ip(), ip("2001:1:4136:e378::"));
    assert_eq!(key("2001:db8:4136:e378::1").ip(), ip("2001:db8:4136:e378::"), "documentation prefix: not Teredo");
}

#[test]
fn the_login_key_is_the_typed_login_normalised() {
    let k = LoginKey::from_typed;
    assert_eq!(k("Ada@Example.COM"), k("ada@example.com"), "e-mail: case-folded");
    assert_eq!(k("  ada@example.com "), k("ada@example.com"));
    assert_ne!(k("a.da@example.com"), k("ada@example.com"), "no dot stripping");
    assert_ne!(k("ada+x@example.com"), k("ada@example.com"), "no +tag stripping");
    assert_eq!(k("JaneDoe"), k("janedoe"), "user name: canonical");
    assert_eq!(k("ＪａｎｅＤｏｅ"), k("janedoe"));
    assert_eq!(k("NOT A NAME!"), k("not a name!"), "unparsable: lower-cased");
    // Reserved names and look-alikes an earlier release let register
    // (`adm1n`), and names over the default length, keep one key however
    // typed: the key canonicalises user names with no reserved names.
    assert_eq!(k("ADM1N"), k("ａｄｍ１ｎ"));
    assert_eq!(k("Admin"), k("ａｄｍｉｎ"));
    assert_eq!(k(&"Ｘ".repeat(40)), k(&"x".repeat(40)));
    assert_ne!(k("ada@example.com"), k("bob@example.com"));
}

/// UTF-8 local parts are keyed by `Email::parse_eai(..).uniqueness_key()`:
/// composed and decomposed, upper and lower case, U-label and A-label
/// domains are one key, as they are one account.
#[test]
fn eai_logins_are_keyed_like_their_account() {
    let k = LoginKey::from_typed;
    let unique = |s: &str| Email::parse_eai(s).unwrap().uniqueness_key();
    for (a, b) in [
        ("josé@example.com", "jose\u{301}@example.com"),
        ("josé@bücher.example", "JOSÉ@xn--bcher-kva.example"),
        ("JOSE\u{301}@BÜCHER.example", "josé@xn--bcher-kva.example"),
    ] {
        assert_eq!(unique(a), unique(b), "{a:?} {b:?}");
        assert_eq!(k(a), k(b), "{a:?} {b:?}");
    }
    assert_ne!(k("josé@example.com"), k("jose@example.com"));
    assert_eq!(k("josé@bad_domain"), k("jose\u{301}@BAD_DOMAIN"), "not an address: NFC, lower-cased");
    assert_eq!(k("Ünknown thing!"), k("u\u{308}nknown THING!"), "anything else: NFC, lower-cased");
}

proptest! {
    /// The normal form the login was typed in never changes its key.
    #[test]
    fn the_login_key_ignores_the_normal_form(
        local in "[a-zA-ZéÉñÑüÜ]{1,12}",
        domain in prop::sample::select(vec!["example.com", "bücher.example", "xn--bcher-kva.example", "bad_domain"]),
        at in any::<bool>(),
    ) {
        let typed = if at { format!("{local}@{domain}") } else { format!("{local} {domain}") };
        let nfc: String = typed.nfc().collect();
        let nfd: String = typed.nfd().collect();
        prop_assert_eq!(LoginKey::from_typed(&nfc), LoginKey::from_typed(&nfd));
        prop_assert_eq!(LoginKey::from_typed(&nfc), LoginKey::from_typed(&nfc.to_uppercase()));
    }
}

#[test]
fn existing_and_unknown_accounts_share_the_same_budget_shape() {
    // The key depends on the typed text only: a login for an account that
    // exists and one that does not are counted alike, and run out alike.
    let limiter = Limiter::per_minute(NonZeroU32::new(2).unwrap());
    for login in ["ada@example.com", "nobody-here@example.com"] {
        assert!(limiter.check(&LoginKey::from_typed(login)).is_ok());
        assert!(limiter.check(&LoginKey::from_typed(&login.to_uppercase())).is_ok());
        let RetryAfter(wait) = limiter.check(&LoginKey::from_typed(login)).unwrap_err();
        assert!((1..=60).contains(&wait), "{wait}");
    }
    assert_eq!(limiter.len(), 2);
}

#[test]
fn keys_print_no_login() {
    let login = format!("{:?} {:?}", LoginKey::from_typed("ada@example.com"), AccountKey::from_id(42));
    assert_eq!(login, "LoginKey(..) AccountKey(..)");
    assert_ne!(AccountKey::from_id(1), AccountKey::from_id(2));
}

#[tokio::test]
async fn a_refusal_is_a_429_with_retry_after_in_seconds() {
    let limiter = std::sync::Arc::new(Limiter::per_minute(NonZeroU32::new(1).unwrap()));
    let client = ClientKey::from_ip(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let app = Router::new().route(
        "/login",
        post(move || {
            let limiter = limiter.clone();
            async move {
                limiter.check(&client)?;
                Ok::<_, Problem>("ok")
            }
        }),
    );
    let send = || app.clone().oneshot(Request::post("/login").body(Body::empty()).unwrap());
    assert_eq!(send().await.unwrap().status(), StatusCode::OK);
    let refused = send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
}

#[test]
fn the_log_throttle_admits_one_per_interval_and_counts_the_rest() {
    let throttle = LogThrottle::new(Duration::from_secs(3600));
    assert_eq!(throttle.admit(), Some(0));
    assert_eq!(throttle.admit(), None);
    assert_eq!(throttle.admit(), None);
    let quick = LogThrottle::new(Duration::ZERO);
    assert_eq!(quick.admit(), Some(0));
    assert_eq!(quick.admit(), Some(0));
}

#[test]
fn the_log_throttle_reports_how_many_it_held_back_once_the_interval_passed() {
    let throttle = LogThrottle::new(Duration::from_millis(50));
    assert_eq!(throttle.admit(), Some(0));
    assert_eq!(throttle.admit(), None);
    assert_eq!(throttle.admit(), None);
    std::thread::sleep(Duration::from_millis(60));
    assert_eq!(throttle.admit(), Some(2), "the two held back are counted");
    assert_eq!(throttle.admit(), None, "and the count starts again");
}

#[tokio::test]
async fn client_ip_reads_connect_info_and_keys_by_64() {
    use axum::extract::ConnectInfo;
    use std::net::SocketAddr;
    let app = Router::new().route("/", post(|client: ClientIp| async move { client.key().ip().to_string() }));
    let mut request = Request::post("/").body(Body::empty()).unwrap();
    request.extensions_mut().insert(ConnectInfo("[2001:db8:1:2:3:4:5:6]:443".parse::<SocketAddr>().unwrap()));
    let response = app.clone().oneshot(request).await.unwrap();
    let body = axum::body::to_bytes(response.into_body(), 1024).await.unwrap();
    assert_eq!(&body[..], b"2001:db8:1:2::");
    let without = app.oneshot(Request::post("/").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(without.status(), StatusCode::INTERNAL_SERVER_ERROR, "no ConnectInfo: refused, not keyed alike");
}

/// `peek` answers like `check` but takes no cell: a limiter can count only
/// failures (peek before the work, check after a failure).
#[test]
fn peek_takes_no_cell_and_agrees_with_check() {
    let limiter = Limiter::per_minute(NonZeroU32::new(2).unwrap());
    let key = ClientKey::from_ip(ip("192.0.2.1"));
    for _ in 0..100 {
        assert_eq!(limiter.peek(&key), Ok(()));
    }
    assert!(limiter.is_empty(), "a peek remembers nothing");
    assert_eq!(limiter.check(&key), Ok(()));
    assert_eq!(limiter.peek(&key), Ok(()));
    assert_eq!(limiter.check(&key), Ok(()));
    let RetryAfter(wait) = limiter.peek(&key).unwrap_err();
    assert!((29..=30).contains(&wait), "one cell back every 30 s: {wait}");
    assert_eq!(limiter.check(&key), Err(RetryAfter(wait)), "a refused check takes nothing either");
    assert_eq!(limiter.peek(&ClientKey::from_ip(ip("192.0.2.2"))), Ok(()), "per key");
    limiter.retain_recent();
    assert_eq!(limiter.len(), 1, "a spent key is kept");
}

/// Cells come back one per `60 s / n`, and `retain_recent` forgets keys
/// whose budget is whole again.
#[test]
fn cells_come_back_and_full_keys_are_forgotten() {
    let limiter = Limiter::per_minute(NonZeroU32::new(600).unwrap()); // one cell per 100 ms
    let key = ClientKey::from_ip(ip("192.0.2.1"));
    for _ in 0..600 {
        limiter.check(&key).unwrap();
    }
    assert_eq!(limiter.check(&key), Err(RetryAfter(1)), "under a second, rounded up");
    std::thread::sleep(Duration::from_millis(150));
    assert_eq!(limiter.check(&key), Ok(()), "one cell back");
    assert!(limiter.check(&key).is_err());

    let quick = Limiter::per_minute(NonZeroU32::new(60_000).unwrap()); // one cell per ms
    quick.check(&key).unwrap();
    quick.retain_recent();
    assert_eq!(quick.len(), 1, "a cell is still out");
    std::thread::sleep(Duration::from_millis(5));
    quick.retain_recent();
    assert!(quick.is_empty(), "whole again: forgotten");
}

/// Many threads checking one key at once never get more than its budget
/// (repeated trials, zero tolerance).
#[test]
fn concurrent_checks_never_exceed_the_budget() {
    for _ in 0..20 {
        let limiter = Limiter::per_minute(NonZeroU32::new(50).unwrap());
        let key = ClientKey::from_ip(ip("192.0.2.1"));
        let passed = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..40 {
                        if limiter.check(&key).is_ok() {
                            passed.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        }
                    }
                });
            }
        });
        assert_eq!(passed.into_inner(), 50);
    }
}

/// `refund` gives back a cell `check` took (a limit of failures only);
/// a key with no cell out is unchanged.
#[test]
fn refund_gives_a_cell_back() {
    let limiter = Limiter::per_minute(NonZeroU32::new(1).unwrap());
    let key = ClientKey::from_ip(ip("192.0.2.1"));
    limiter.refund(&key);
    assert!(limiter.is_empty());
    limiter.check(&key).unwrap();
    assert!(limiter.peek(&key).is_err());
    limiter.refund(&key);
    assert_eq!(limiter.peek(&key), Ok(()));
    limiter.retain_recent();
    assert!(limiter.is_empty(), "whole again: forgotten");
    limiter.check(&key).unwrap();
    assert!(limiter.check(&key).is_err());
}

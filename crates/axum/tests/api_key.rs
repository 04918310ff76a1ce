//! `ApiKeyAuth<L>` through a real `Router`, over an in-memory lookup that
//! counts its calls: format and checksum are checked before any lookup,
//! every refusal is the same 401 with `WWW-Authenticate: Bearer`, and no
//! response holds any part of a presented key.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)] // test code

use std::{
    cell::RefCell,
    collections::HashMap,
    fmt, io,
    net::SocketAddr,
    num::NonZeroU32,
    sync::{
        Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use axum::{
    Router,
    body::{Body, to_bytes},
    extract::ConnectInfo,
    http::{HeaderMap, HeaderValue, Request, StatusCode, header},
    response::IntoResponse as _,
    routing::get,
};
use guardrail_axum::{ApiKeyAuth, ApiKeyLookup, ApiKeyVerifier, ClientKey, Limiter, PROBLEM_JSON, Problem};
use guardrail_secret::ExposeSecret as _;
use guardrail_token::{ApiKeyIssuer, DigestKey, StoredApiKey};
use tower::ServiceExt as _;

const PREFIX: &str = "acme_live";

/// The store's failure, for the 500 case.
#[derive(Debug)]
struct StoreDown;

impl fmt::Display for StoreDown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("store unavailable")
    }
}

impl std::error::Error for StoreDown {}

/// Stored records by lookup id, and how often `find` was called.
#[derive(Default)]
struct MemoryKeys {
    rows: Mutex<HashMap<String, (StoredApiKey, String)>>,
    finds: AtomicUsize,
    down: AtomicBool,
    /// While set, `find` waits (a lookup held open, as a slow database).
    parked: AtomicBool,
}

impl MemoryKeys {
    fn insert(&self, stored: StoredApiKey, principal: &str) {
        self.rows.lock().unwrap().insert(stored.lookup_id().to_owned(), (stored, principal.to_owned()));
    }
}

impl ApiKeyLookup for MemoryKeys {
    type Principal = String;
    type Error = StoreDown;

    async fn find(&self, lookup_id: &str) -> Result<Option<(StoredApiKey, String)>, StoreDown> {
        self.finds.fetch_add(1, Ordering::SeqCst);
        while self.parked.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        if self.down.load(Ordering::SeqCst) {
            return Err(StoreDown);
        }
        Ok(self.rows.lock().unwrap().get(lookup_id).cloned())
    }
}

/// A fresh key: its text and what a server stores.
fn issue() -> (String, StoredApiKey) {
    let (key, stored) = ApiKeyIssuer::new(PREFIX).unwrap().issue().unwrap();
    (key.expose_secret().to_owned(), stored)
}

/// A verifier whose lookup holds `ada`'s key; the key's text. Every
/// refusal is logged (no throttle), so each test sees its own lines.
fn service() -> (ApiKeyVerifier<MemoryKeys>, String) {
    let verifier = ApiKeyVerifier::new(PREFIX, MemoryKeys::default()).unwrap().with_log_interval(Duration::ZERO);
    let (key, stored) = issue();
    verifier.lookup().insert(stored, "ada");
    (verifier, key)
}

async fn whoami(auth: ApiKeyAuth<MemoryKeys>) -> String {
    format!("{}|{}|{auth:?}", auth.principal, auth.key_id)
}

/// What came back: status, every header as `name: value` lines, the body.
struct Answer {
    status: StatusCode,
    headers: String,
    body: String,
}

impl Answer {
    /// Asserts that no run of 8 characters of `key`'s random part and
    /// checksum appears in the response.
    fn assert_without_key(&self, key: &str) {
        let tail = key.strip_prefix(PREFIX).unwrap_or(key);
        let windows: Vec<&str> = (0..tail.len().saturating_sub(8)).filter_map(|i| tail.get(i..i + 8)).collect();
        for text in [&self.headers, &self.body] {
            assert!(!text.contains(key), "the response holds the key");
            for window in &windows {
                assert!(!text.contains(window), "the response holds part of the key");
            }
        }
    }
}

thread_local! {
    /// The events logged on this thread while [`call`] ran.
    static EVENTS: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Writes into [`EVENTS`].
struct ThreadLog;

impl io::Write for ThreadLog {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        EVENTS.with_borrow_mut(|events| events.extend_from_slice(buf));
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// GETs `/whoami` with these `Authorization` values, its events logged to
/// [`EVENTS`]. Every test logs through here, so no callsite is first met
/// without a subscriber (tracing would cache "no interest" for it).
async fn call(verifier: &ApiKeyVerifier<MemoryKeys>, authorization: &[&str]) -> Answer {
    call_from(verifier, None, authorization).await
}

/// [`call`] from `peer` (axum's `ConnectInfo`, as a server gives it).
async fn call_from(verifier: &ApiKeyVerifier<MemoryKeys>, peer: Option<&str>, authorization: &[&str]) -> Answer {
    let subscriber = tracing_subscriber::fmt().with_ansi(false).with_writer(|| ThreadLog).finish();
    let _events = tracing::subscriber::set_default(subscriber);
    let app = Router::new().route("/whoami", get(whoami)).with_state(verifier.clone());
    let mut request = Request::get("/whoami");
    for value in authorization {
        request = request.header(header::AUTHORIZATION, *value);
    }
    let mut request = request.body(Body::empty()).unwrap();
    if let Some(peer) = peer {
        request.extensions_mut().insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
    }
    let response = app.oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| format!("{name}: {}\n", String::from_utf8_lossy(value.as_bytes())))
        .collect();
    let body = to_bytes(response.into_body(), 64 * 1024).await.unwrap();
    Answer { status, headers, body: String::from_utf8(body.to_vec()).unwrap() }
}

/// `key` with the byte at `at` replaced by another alphanumeric one.
fn with_byte_changed(key: &str, at: usize) -> String {
    let mut bytes = key.as_bytes().to_vec();
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

#[tokio::test]
async fn a_good_key_passes_with_its_principal() {
    let (verifier, key) = service();
    let key_id = guardrail_token::ApiKey::parse(&key, PREFIX).unwrap().lookup_id();
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let answer = call(&verifier, &[&format!("{scheme} {key}")]).await;
        assert_eq!(answer.status, StatusCode::OK, "{scheme}: {}", answer.body);
        let (principal, rest) = answer.body.split_once('|').unwrap();
        assert_eq!(principal, "ada");
        assert!(rest.starts_with(&format!("{key_id}|ApiKeyAuth")), "{rest}");
        answer.assert_without_key(&key);
    }
    assert_eq!(verifier.lookup().finds.load(Ordering::SeqCst), 3, "one lookup per request");

    // The same check without the extractor.
    let mut headers = HeaderMap::new();
    headers.insert(header::AUTHORIZATION, HeaderValue::from_str(&format!("Bearer  {key} ")).unwrap());
    let auth = verifier.verify(&headers).await.unwrap();
    assert_eq!((auth.principal.as_str(), auth.key_id.as_str()), ("ada", key_id.as_str()));
}

#[tokio::test]
async fn a_bad_checksum_or_format_never_reaches_the_lookup() {
    let (verifier, key) = service();
    let checksum_at = key.len() - 1;
    let random_at = PREFIX.len() + 5;
    let refused = [
        with_byte_changed(&key, checksum_at),
        with_byte_changed(&key, random_at),
        key.replacen(PREFIX, "acme_test", 1),
        key[..key.len() - 1].to_owned(),
        format!("{key}0"),
        format!("{PREFIX}_"),
        "garbage".to_owned(),
        String::new(),
    ];
    for bad in &refused {
        let answer = call(&verifier, &[&format!("Bearer {bad}")]).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{bad}");
        // The mutated keys share all but one character with `key`.
        answer.assert_without_key(&key);
    }
    assert_eq!(verifier.lookup().finds.load(Ordering::SeqCst), 0, "junk reached the store");
}

#[tokio::test]
async fn every_failure_is_the_same_401_with_a_bearer_challenge() {
    let (verifier, key) = service();
    // Stored under a good key's lookup id: another key's digest.
    let (wrong, wrong_stored) = issue();
    let (_, other_stored) = issue();
    let forged = StoredApiKey::from_parts(wrong_stored.lookup_id(), &other_stored.digest_hex()).unwrap();
    verifier.lookup().insert(forged, "mallory");
    let (never_stored, _) = issue();

    let expected = Problem::invalid_api_key().into_response();
    let expected_body = String::from_utf8(to_bytes(expected.into_body(), 4096).await.unwrap().to_vec()).unwrap();
    let good = format!("Bearer {key}");
    let cases: [(&str, Vec<String>); 9] = [
        ("missing", vec![]),
        ("another scheme", vec!["Basic YWRhOnB3".into()]),
        ("no credentials", vec!["Bearer".into()]),
        ("malformed", vec!["Bearer garbage".into()]),
        ("bad checksum", vec![format!("Bearer {}", with_byte_changed(&key, key.len() - 3))]),
        ("unknown", vec![format!("Bearer {never_stored}")]),
        ("wrong digest", vec![format!("Bearer {wrong}")]),
        ("two headers", vec![good.clone(), good.clone()]),
        ("scheme only, key after a tab", vec![format!("Bearer\t{key}")]),
    ];
    let mut first_headers = None;
    for (name, values) in &cases {
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        let answer = call(&verifier, &values).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{name}");
        assert!(answer.headers.contains("www-authenticate: Bearer\n"), "{name}: {}", answer.headers);
        assert!(answer.headers.contains(&format!("content-type: {PROBLEM_JSON}\n")), "{name}");
        assert_eq!(answer.body, expected_body, "{name}: the body tells refusals apart");
        assert_eq!(first_headers.get_or_insert_with(|| answer.headers.clone()), &answer.headers, "{name}");
        for presented in [&key, &wrong, &never_stored] {
            answer.assert_without_key(presented);
        }
    }
    assert_eq!(verifier.lookup().finds.load(Ordering::SeqCst), 2, "only the unknown and the wrong key were looked up");
}

#[tokio::test]
async fn a_failing_lookup_is_500_internal_without_the_key() {
    let (verifier, key) = service();
    verifier.lookup().down.store(true, Ordering::SeqCst);
    let answer = call(&verifier, &[&format!("Bearer {key}")]).await;
    assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(answer.body.contains(r#""code":"internal""#), "{}", answer.body);
    assert!(!answer.headers.contains("www-authenticate"), "not a refusal of the key");
    answer.assert_without_key(&key);
}

#[test]
fn a_verifier_takes_only_an_issuer_prefix_and_debug_shows_only_it() {
    assert!(matches!(
        ApiKeyVerifier::new("Acme-Live", MemoryKeys::default()),
        Err(guardrail_token::Error::InvalidPrefix)
    ));
    let (verifier, key) = service();
    let debug = format!("{verifier:?}");
    assert!(debug.contains(PREFIX), "{debug}");
    assert!(!debug.contains(&key) && !debug.contains("ada"), "{debug}");
    assert_eq!(verifier.prefix(), PREFIX);
}

#[tokio::test]
async fn each_refusal_logs_its_reason_and_never_the_key() {
    let (verifier, key) = service();
    let (wrong, wrong_stored) = issue();
    let (_, other_stored) = issue();
    verifier
        .lookup()
        .insert(StoredApiKey::from_parts(wrong_stored.lookup_id(), &other_stored.digest_hex()).unwrap(), "m");
    let (never_stored, _) = issue();
    let cases = [
        (None, "missing_api_key"),
        (Some(format!("Bearer {}", with_byte_changed(&key, key.len() - 1))), "malformed_api_key"),
        (Some(format!("Bearer {never_stored}")), "unknown_api_key"),
        (Some(format!("Bearer {wrong}")), "wrong_api_key"),
    ];
    for (authorization, reason) in &cases {
        let values: Vec<&str> = authorization.iter().map(String::as_str).collect();
        assert_eq!(call(&verifier, &values).await.status, StatusCode::UNAUTHORIZED);
        let text = EVENTS.with_borrow_mut(std::mem::take);
        let text = String::from_utf8(text).unwrap();
        assert!(text.contains("event=\"authz_fail\"") && text.contains(&format!("reason=\"{reason}\"")), "{text}");
        let lines = Answer { status: StatusCode::OK, headers: String::new(), body: text };
        for presented in [&key, &wrong, &never_stored] {
            lines.assert_without_key(presented);
        }
    }
}

/// A verifier whose failure budget is `n` a minute per client; `ada`'s key.
fn limited(n: u32) -> (ApiKeyVerifier<MemoryKeys>, String) {
    let (verifier, key) = service();
    (verifier.with_failure_limit(Limiter::per_minute(NonZeroU32::new(n).unwrap())), key)
}

/// The `Retry-After` seconds of a 429, which must be in 1..=60.
fn retry_after(answer: &Answer) -> u64 {
    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS, "{}", answer.body);
    let line = answer.headers.lines().find_map(|l| l.strip_prefix("retry-after: ")).expect("a Retry-After");
    let secs: u64 = line.parse().unwrap();
    assert!((1..=60).contains(&secs), "{secs}");
    secs
}

fn finds(verifier: &ApiKeyVerifier<MemoryKeys>) -> usize {
    verifier.lookup().finds.load(Ordering::SeqCst)
}

/// Each refusal takes one cell of the client's budget; valid keys take
/// none; once it is spent the client gets 429 with `Retry-After` before
/// its key is parsed or looked up — valid key or not — and no echo;
/// another client is unaffected.
#[tokio::test]
async fn failed_api_keys_are_limited_per_client_and_valid_ones_are_not_charged() {
    let (verifier, key) = limited(3);
    let good = format!("Bearer {key}");
    let (never_stored, _) = issue();
    let a = Some("192.0.2.1:5000");
    for _ in 0..10 {
        assert_eq!(call_from(&verifier, a, &[&good]).await.status, StatusCode::OK, "valid keys are not charged");
    }
    let bad = [vec![], vec!["Bearer garbage".to_owned()], vec![format!("Bearer {never_stored}")]];
    for (n, values) in bad.iter().enumerate() {
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        assert_eq!(call_from(&verifier, a, &values).await.status, StatusCode::UNAUTHORIZED);
        if n < bad.len() - 1 {
            // Valid keys in between are still fine and still free.
            assert_eq!(call_from(&verifier, a, &[&good]).await.status, StatusCode::OK);
        }
    }
    let looked_up = finds(&verifier);
    for values in [vec![good.as_str()], vec!["Bearer garbage"], vec![]] {
        let answer = call_from(&verifier, a, &values).await;
        retry_after(&answer);
        assert!(answer.body.contains(r#""code":"rate_limited""#), "{}", answer.body);
        answer.assert_without_key(&key);
        assert!(!answer.body.contains("garbage"), "no echo");
    }
    assert_eq!(finds(&verifier), looked_up, "a spent client reaches neither the parser's lookup nor the store");
    // Another client (same port, another address) keeps its own budget.
    let b = Some("192.0.2.2:5000");
    assert_eq!(call_from(&verifier, b, &[&good]).await.status, StatusCode::OK);
    assert_eq!(call_from(&verifier, b, &["Bearer garbage"]).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(call_from(&verifier, b, &[&good]).await.status, StatusCode::OK);
    // The extractor without ConnectInfo cannot key the client: 500, not
    // one shared budget; `verify` alike, `verify_from` takes the key.
    assert_eq!(call(&verifier, &[&good]).await.status, StatusCode::INTERNAL_SERVER_ERROR);
    let mut headers = HeaderMap::new();
    headers.insert(header::AUTHORIZATION, HeaderValue::from_str(&good).unwrap());
    assert_eq!(verifier.verify(&headers).await.unwrap_err().status(), StatusCode::INTERNAL_SERVER_ERROR);
    let spent = ClientKey::from_ip("192.0.2.1".parse().unwrap());
    assert_eq!(verifier.verify_from(&headers, spent).await.unwrap_err().status(), StatusCode::TOO_MANY_REQUESTS);
    let fresh = ClientKey::from_ip("192.0.2.3".parse().unwrap());
    assert_eq!(verifier.verify_from(&headers, fresh).await.unwrap().principal, "ada");
}

/// IPv6 clients of one /64 share a budget (the default prefix); with
/// prefix 128 each address has its own.
#[tokio::test]
async fn ipv6_neighbours_share_the_failure_budget_of_their_64_unless_the_prefix_is_128() {
    let (verifier, key) = limited(3);
    let good = format!("Bearer {key}");
    for peer in ["[2001:db8::1]:1", "[2001:db8::2]:1", "[2001:db8::ffff:1]:1"] {
        assert_eq!(call_from(&verifier, Some(peer), &["Bearer x"]).await.status, StatusCode::UNAUTHORIZED);
    }
    retry_after(&call_from(&verifier, Some("[2001:db8::abcd:ef01:2345:6789]:1"), &[&good]).await);
    assert_eq!(call_from(&verifier, Some("[2001:db8:0:1::1]:1"), &[&good]).await.status, StatusCode::OK, "next /64");

    let (verifier, key) = limited(3);
    let verifier = verifier.with_ipv6_prefix(128);
    let good = format!("Bearer {key}");
    for _ in 0..3 {
        let answer = call_from(&verifier, Some("[2001:db8::1]:1"), &["Bearer x"]).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
    retry_after(&call_from(&verifier, Some("[2001:db8::1]:2"), &[&good]).await);
    assert_eq!(call_from(&verifier, Some("[2001:db8::2]:1"), &[&good]).await.status, StatusCode::OK, "own budget");
}

/// A keyed verifier accepts keyed records only: the unkeyed row a database
/// writer computes for a key of their own is refused (`wrong_api_key`),
/// and `rekey` turns a previous release's unkeyed row into one that works.
#[tokio::test]
async fn a_keyed_verifier_refuses_minted_rows_and_accepts_rekeyed_ones() {
    let digest_key = DigestKey::generate().unwrap();
    let verifier = ApiKeyVerifier::new(PREFIX, MemoryKeys::default())
        .unwrap()
        .with_log_interval(Duration::ZERO)
        .with_digest_key(digest_key.clone());
    let issuer = ApiKeyIssuer::new(PREFIX).unwrap().with_digest_key(digest_key.clone());
    let (key, stored) = issuer.issue().unwrap();
    verifier.lookup().insert(stored, "ada");
    assert_eq!(call(&verifier, &[&format!("Bearer {}", key.expose_secret())]).await.status, StatusCode::OK);

    let (minted, unkeyed) = issue();
    verifier.lookup().insert(unkeyed.clone(), "mallory");
    let answer = call(&verifier, &[&format!("Bearer {minted}")]).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    let text = String::from_utf8(EVENTS.with_borrow_mut(std::mem::take)).unwrap();
    assert!(text.contains(r#"reason="wrong_api_key""#), "{text}");

    verifier.lookup().insert(unkeyed.rekey(&digest_key), "bob");
    let answer = call(&verifier, &[&format!("Bearer {minted}")]).await;
    assert_eq!((answer.status, answer.body.split('|').next()), (StatusCode::OK, Some("bob")));
    let debug = format!("{verifier:?}");
    assert!(debug.contains("keyed: true") && !debug.contains("DigestKey("), "{debug}");
}

/// Refusal lines (401 and 429) go through the verifier's throttle: a flood
/// writes one line per interval, the next one counting the lines held back.
#[tokio::test]
async fn refusal_logs_are_throttled_and_count_what_they_held_back() {
    let verifier = ApiKeyVerifier::new(PREFIX, MemoryKeys::default()).unwrap();
    for _ in 0..50 {
        call_from(&verifier, Some("192.0.2.9:1"), &["Bearer garbage"]).await;
    }
    let text = String::from_utf8(EVENTS.with_borrow_mut(std::mem::take)).unwrap();
    assert_eq!(text.matches("authz_fail").count(), 1, "default: one line a second\n{text}");
    assert!(!text.contains("garbage"), "no echo in the log");

    let (verifier, _) = limited(2);
    let verifier = verifier.with_log_interval(Duration::from_millis(200));
    for _ in 0..30 {
        call_from(&verifier, Some("192.0.2.9:1"), &["Bearer garbage"]).await;
    }
    let text = String::from_utf8(EVENTS.with_borrow_mut(std::mem::take)).unwrap();
    assert_eq!(text.lines().count(), 1, "401s and 429s share the throttle\n{text}");
    tokio::time::sleep(Duration::from_millis(250)).await;
    retry_after(&call_from(&verifier, Some("192.0.2.9:1"), &["Bearer garbage"]).await);
    let text = String::from_utf8(EVENTS.with_borrow_mut(std::mem::take)).unwrap();
    assert!(text.contains("excess_rate_limit_exceeded") && text.contains("suppressed=29"), "{text}");
    assert!(text.contains(r#"limit="api_key_failures""#) && text.contains("client=192.0.2.9"), "{text}");
}

/// `verify_from` of `key` by `client`, on its own task: the status.
fn spawn_verify(verifier: &ApiKeyVerifier<MemoryKeys>, key: &str, client: &str) -> tokio::task::JoinHandle<StatusCode> {
    let (verifier, client) = (verifier.clone(), ClientKey::from_ip(client.parse().unwrap()));
    let mut headers = HeaderMap::new();
    headers.insert(header::AUTHORIZATION, HeaderValue::from_str(&format!("Bearer {key}")).unwrap());
    tokio::spawn(
        async move { verifier.verify_from(&headers, client).await.map_or_else(|p| p.status(), |_| StatusCode::OK) },
    )
}

/// Concurrent requests of one client cannot all pass before any is
/// charged: a cell is taken before the lookup (and given back for a valid
/// key). Repeated trials of 40 unknown keys at once with a budget of 5:
/// exactly 5 lookups and 5 401s, 35 429s; a valid key afterwards from
/// another client passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_failures_never_exceed_the_budget() {
    for _ in 0..10 {
        let (verifier, key) = limited(5);
        let (unknown, _) = issue();
        verifier.lookup().parked.store(true, Ordering::SeqCst);
        let tasks: Vec<_> = (0..40).map(|_| spawn_verify(&verifier, &unknown, "192.0.2.7")).collect();
        tokio::time::sleep(Duration::from_millis(20)).await;
        verifier.lookup().parked.store(false, Ordering::SeqCst);
        let mut statuses = Vec::new();
        for task in tasks {
            statuses.push(task.await.unwrap());
        }
        let refused = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
        let limited = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
        assert_eq!((refused, limited, finds(&verifier)), (5, 35, 5));
        assert_eq!(spawn_verify(&verifier, &key, "192.0.2.8").await.unwrap(), StatusCode::OK);
    }
}

/// The forced interleaving: a valid key's lookup is held open while the
/// client's last cell is taken by it; a concurrent bad key is 429 at once
/// (not looked up); once the valid key passes, its cell is given back and
/// the client may try again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_key_in_flight_holds_a_cell_and_gives_it_back() {
    let (verifier, key) = limited(1);
    verifier.lookup().parked.store(true, Ordering::SeqCst);
    let valid = spawn_verify(&verifier, &key, "192.0.2.7");
    while finds(&verifier) == 0 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let (unknown, _) = issue();
    assert_eq!(spawn_verify(&verifier, &unknown, "192.0.2.7").await.unwrap(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(finds(&verifier), 1, "the concurrent attempt was not looked up");
    verifier.lookup().parked.store(false, Ordering::SeqCst);
    assert_eq!(valid.await.unwrap(), StatusCode::OK);
    assert_eq!(spawn_verify(&verifier, &unknown, "192.0.2.7").await.unwrap(), StatusCode::UNAUTHORIZED, "refunded");
    assert_eq!(spawn_verify(&verifier, &key, "192.0.2.7").await.unwrap(), StatusCode::TOO_MANY_REQUESTS, "spent");
}

//! `ApiKeyAuth<L>` through a real `Router`, over an in-memory lookup that
//! counts its calls: format and checksum are checked before any lookup,
//! every refusal is the same 401 with `WWW-Authenticate: Bearer`, and no
//! response holds any part of a presented key.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)] // test code

use std::{
    cell::RefCell,
    collections::HashMap,
    fmt, io,
    sync::{
        Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
};

use axum::{
    Router,
    body::{Body, to_bytes},
    http::{HeaderMap, HeaderValue, Request, StatusCode, header},
    response::IntoResponse as _,
    routing::get,
};
use guardrail_axum::{ApiKeyAuth, ApiKeyLookup, ApiKeyVerifier, PROBLEM_JSON, Problem};
use guardrail_secret::ExposeSecret as _;
use guardrail_token::{ApiKeyIssuer, StoredApiKey};
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

/// A verifier whose lookup holds `ada`'s key; the key's text.
fn service() -> (ApiKeyVerifier<MemoryKeys>, String) {
    let verifier = ApiKeyVerifier::new(PREFIX, MemoryKeys::default()).unwrap();
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
    let subscriber = tracing_subscriber::fmt().with_ansi(false).with_writer(|| ThreadLog).finish();
    let _events = tracing::subscriber::set_default(subscriber);
    let app = Router::new().route("/whoami", get(whoami)).with_state(verifier.clone());
    let mut request = Request::get("/whoami");
    for value in authorization {
        request = request.header(header::AUTHORIZATION, *value);
    }
    let response = app.oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
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

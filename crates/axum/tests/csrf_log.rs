//! `CsrfLayer`'s refusal log lines are throttled. Alone in its own test
//! binary: tracing caches a callsite's interest when it is first hit, and
//! a parallel test that hit the refusal line with no subscriber would
//! leave it cached as "no interest" for this test's capture (a failure
//! seen in CI).
#![allow(clippy::unwrap_used)] // test code

use axum::{
    Router,
    body::Body,
    http::{Method, Request, StatusCode, header},
    response::Response,
    routing::post,
};
use guardrail_axum::{CsrfLayer, csrf::CSRF_HEADER};
use guardrail_keys::MacKeyring;
use guardrail_secret::SecretString;
use guardrail_token::csrf::Csrf;
use tower::ServiceExt as _;

const SESSION: &str = "c2Vzc2lvbi10b2tlbi1mb3ItdGVzdHM";
const OTHER: &str = "YW5vdGhlci1zZXNzaW9uLXRva2Vu";

/// A router with one CSRF-checked route, and a token of another session.
fn setup() -> (Router, String) {
    let csrf = Csrf::new(MacKeyring::generate().unwrap());
    let other = csrf.token_for(&SecretString::from(OTHER));
    (Router::new().route("/items", post(|| async { "items" })).layer(CsrfLayer::new(csrf)), other)
}

async fn send(router: &Router, method: Method, path: &str, cookie: Option<&str>, token: &[&str]) -> Response {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(c) = cookie {
        request = request.header(header::COOKIE, format!("__Host-session={c}"));
    }
    for t in token {
        request = request.header(CSRF_HEADER, *t);
    }
    router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap()
}

/// A shared buffer the refusal lines of [`refusal_logs_are_throttled`]
/// are written to.
#[derive(Clone, Default)]
struct Lines(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Lines {
    fn take(&self) -> String {
        String::from_utf8(std::mem::take(&mut *self.0.lock().unwrap())).unwrap()
    }
}

/// A flood of forged requests writes one `authz_fail` line per interval
/// (one a second by default), and the next line counts those held back;
/// the forged token is never logged.
#[tokio::test]
async fn refusal_logs_are_throttled() {
    let lines = Lines::default();
    let writer = lines.clone();
    let subscriber = tracing_subscriber::fmt().with_ansi(false).with_writer(move || writer.clone()).finish();
    let _log = tracing::subscriber::set_default(subscriber);
    let (router, other) = setup();
    for _ in 0..40 {
        let response = send(&router, Method::POST, "/items", Some(SESSION), &[&other]).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }
    let text = lines.take();
    assert_eq!(text.matches("authz_fail").count(), 1, "{text}");
    assert!(text.contains(r#"reason="csrf""#) && text.contains("suppressed=0"), "{text}");
    assert!(!text.contains(&other) && !text.contains(SESSION), "{text}");

    let csrf = Csrf::new(MacKeyring::generate().unwrap());
    let quick = Router::new()
        .route("/items", post(|| async { "items" }))
        .layer(CsrfLayer::new(csrf).with_log_interval(std::time::Duration::from_millis(100)));
    for _ in 0..5 {
        send(&quick, Method::POST, "/items", Some(SESSION), &["forged"]).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    send(&quick, Method::POST, "/items", Some(SESSION), &["forged"]).await;
    let text = lines.take();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains("suppressed=4") && !text.contains("forged"), "{text}");
}

//! `CsrfLayer` on a router: no unsafe method reaches a route (nested or
//! fallback included) with a session cookie and without that session's
//! token; an exemption holds only for the route it names.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code

use axum::{
    Router,
    body::Body,
    http::{Method, Request, StatusCode, header},
    response::Response,
    routing::{any, post},
};
use guardrail_axum::{CsrfLayer, csrf::CSRF_HEADER};
use guardrail_keys::MacKeyring;
use guardrail_secret::SecretString;
use guardrail_token::csrf::Csrf;
use tower::ServiceExt as _;

const SESSION: &str = "c2Vzc2lvbi10b2tlbi1mb3ItdGVzdHM";
const OTHER: &str = "YW5vdGhlci1zZXNzaW9uLXRva2Vu";

fn unsafe_methods() -> Vec<Method> {
    let purge = Method::from_bytes(b"PURGE").unwrap();
    vec![Method::POST, Method::PUT, Method::PATCH, Method::DELETE, purge]
}

fn router(csrf: Csrf) -> Router {
    let api = Router::new().route("/hook", post(|| async { "hook" })).route("/things", any(|| async { "things" }));
    Router::new()
        .route("/login", any(|| async { "login" }))
        .route("/signup", any(|| async { "signup" }))
        .route("/items", any(|| async { "items" }))
        .route("/items/{id}", any(|| async { "item" }))
        .nest("/api", api)
        .fallback(|| async { "fallback" })
        .layer(
            CsrfLayer::new(csrf)
                .route_without_csrf_check(Method::POST, "/login")
                .route_without_csrf_check(Method::POST, "/signup/")
                .route_without_csrf_check(Method::POST, "/api/hook")
                .route_without_csrf_check(Method::POST, "/things"),
        )
}

async fn send(router: &Router, method: Method, path: &str, cookie: Option<&str>, token: &[&str]) -> Response {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(c) = cookie {
        request = request.header(header::COOKIE, format!("theme=dark; __Host-session={c}"));
    }
    for t in token {
        request = request.header(CSRF_HEADER, *t);
    }
    router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap()
}

async fn code(response: Response) -> (StatusCode, String) {
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
    let code = serde_json::from_slice::<serde_json::Value>(&body).map(|v| v["code"].to_string()).unwrap_or_default();
    (status, code)
}

fn setup() -> (Router, String, String) {
    let csrf = Csrf::new(MacKeyring::generate().unwrap());
    let good = csrf.token_for(&SecretString::from(SESSION));
    let other = csrf.token_for(&SecretString::from(OTHER));
    (router(csrf), good, other)
}

const PATHS: [&str; 6] = ["/items", "/items/7", "/api/things", "/signup", "/nowhere", "/login"];

#[tokio::test]
async fn no_unsafe_method_passes_without_this_sessions_token() {
    let (router, good, other) = setup();
    for method in unsafe_methods() {
        for path in PATHS {
            if method == Method::POST && path == "/login" {
                continue; // the one exemption that names a real route
            }
            for token in [&[][..], &["wrong"], &[other.as_str()], &[good.as_str(), good.as_str()]] {
                let (status, code) = code(send(&router, method.clone(), path, Some(SESSION), token).await).await;
                assert_eq!((status, code.as_str()), (StatusCode::FORBIDDEN, "\"csrf\""), "{method} {path}");
            }
            let response = send(&router, method.clone(), path, Some(SESSION), &[&good]).await;
            assert_ne!(response.status(), StatusCode::FORBIDDEN, "{method} {path} with the token");
        }
    }
}

#[tokio::test]
async fn safe_methods_and_requests_without_a_session_cookie_pass() {
    let (router, _, _) = setup();
    for method in [Method::GET, Method::HEAD, Method::OPTIONS, Method::TRACE] {
        for path in PATHS {
            let response = send(&router, method.clone(), path, Some(SESSION), &[]).await;
            assert_eq!(response.status(), StatusCode::OK, "{method} {path}");
        }
    }
    for method in unsafe_methods() {
        let response = send(&router, method.clone(), "/items", None, &[]).await;
        assert_eq!(response.status(), StatusCode::OK, "{method} without a cookie");
    }
}

#[tokio::test]
async fn an_exemption_holds_only_for_the_route_it_names() {
    let (router, _, _) = setup();
    let pass = |m: Method, p: &'static str| {
        let router = router.clone();
        async move { send(&router, m, p, Some(SESSION), &[]).await.status() }
    };
    assert_eq!(pass(Method::POST, "/login").await, StatusCode::OK);
    assert_eq!(pass(Method::POST, "/api/hook").await, StatusCode::OK, "nested: the full path");
    assert_eq!(pass(Method::PUT, "/login").await, StatusCode::FORBIDDEN, "another method of an exempt route");
    assert_eq!(pass(Method::POST, "/signup").await, StatusCode::FORBIDDEN, "misspelt exemption: still checked");
    assert_eq!(pass(Method::POST, "/api/things").await, StatusCode::FORBIDDEN, "nested path without its prefix");
    assert_eq!(pass(Method::POST, "/login/").await, StatusCode::FORBIDDEN, "the fallback is never exempt");
}

#[tokio::test]
async fn a_refused_session_cookie_is_refused_here_too() {
    let (router, good, _) = setup();
    let request = Request::post("/items")
        .header(header::COOKIE, format!("__Host-session={SESSION}; __Host-session={OTHER}"))
        .header(CSRF_HEADER, good)
        .body(Body::empty())
        .unwrap();
    let (status, code) = code(router.oneshot(request).await.unwrap()).await;
    assert_eq!((status, code.as_str()), (StatusCode::FORBIDDEN, "\"csrf\""));
}

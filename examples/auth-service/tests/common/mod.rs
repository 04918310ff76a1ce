//! A service on 127.0.0.1 with an OS-chosen port, a temporary database and
//! keyring, and small argon2 parameters; and a client for it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, dead_code, unreachable_pub)] // test code

use std::{net::SocketAddr, sync::Arc, time::Duration};

use auth_service::{Config, Running, app::AppState};
use guardrail::password::{Limits, Params};
use reqwest::{Response, StatusCode, header};
use serde_json::{Value, json};

pub const PASSWORD: &str = "correct horse battery staple";

pub struct Service {
    pub url: String,
    pub dir: tempfile::TempDir,
    running: Option<Running>,
    /// Set by [`Service::serve_router`]: the shared state (the hasher's
    /// counters) and the server task.
    pub state: Option<Arc<AppState>>,
    server: Option<tokio::task::JoinHandle<()>>,
    pub http: reqwest::Client,
}

/// Small, fast argon2 and generous limits; `tweak` adjusts before start.
pub fn config(dir: &std::path::Path) -> Config {
    let params = Params::new(256, 1, 1).unwrap();
    Config {
        addr: "127.0.0.1:0".parse().unwrap(),
        db: dir.join("auth.db"),
        keyring: dir.join("keyring.json"),
        params,
        hash_limits: Limits::for_params(&params, Limits::DEFAULT_MEMORY_BUDGET),
        per_ip_per_minute: 10_000.try_into().unwrap(),
        per_account_per_minute: 10_000.try_into().unwrap(),
        // Every test client is 127.0.0.1: one address may hold every slot
        // (tests of the per-client cap set their own).
        max_connections_per_client: 512,
        ..Config::default()
    }
}

impl Service {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut c = config(dir.path());
        tweak(&mut c);
        Self::start_in(dir, c).await
    }

    pub async fn start_in(dir: tempfile::TempDir, config: Config) -> Self {
        let running = auth_service::start(config).await.unwrap();
        let url = format!("http://{}", running.addr);
        Self { url, dir, running: Some(running), state: None, server: None, http: client() }
    }

    /// `config`'s state and `router()` served by plain `axum::serve` on
    /// 127.0.0.1 port 0, with or without connect info; the state stays
    /// reachable. `dir` lives as long as the service.
    pub async fn serve_router(dir: tempfile::TempDir, config: &Config, connect_info: bool) -> Self {
        let (state, _) = auth_service::build_state(config).unwrap();
        let router = auth_service::app::router(Arc::clone(&state), config.max_body);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            if connect_info {
                axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
            } else {
                axum::serve(listener, router).await.unwrap();
            }
        });
        Self { url, dir, running: None, state: Some(state), server: Some(server), http: client() }
    }

    /// `state` and `router()` served with connect info on 127.0.0.1 port
    /// 0 (a state built by the test, e.g. with armed hooks).
    pub async fn serve_state(dir: tempfile::TempDir, state: Arc<AppState>, max_body: usize) -> Self {
        let router = auth_service::app::router(Arc::clone(&state), max_body);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
        });
        Self { url, dir, running: None, state: Some(state), server: Some(server), http: client() }
    }

    /// A service whose pause points the test can arm; `tweak` adjusts the
    /// configuration first.
    pub async fn with_hooks(tweak: impl FnOnce(&mut Config)) -> (Self, Arc<auth_service::testing::Hooks>) {
        let dir = tempfile::tempdir().unwrap();
        let mut c = config(dir.path());
        tweak(&mut c);
        let (state, hooks) = auth_service::testing::build_state_with_hooks(&c).unwrap();
        (Self::serve_state(dir, state, c.max_body).await, hooks)
    }

    /// The shared state of a service started by [`Service::serve_state`],
    /// [`Service::with_hooks`] or [`Service::serve_router`].
    pub fn state(&self) -> &Arc<AppState> {
        self.state.as_ref().expect("a service served from its state")
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await.unwrap();
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.http.post(self.url(path)).json(&body).send().await.unwrap()
    }

    pub async fn signup(&self, email: &str, username: &str, password: &str) -> Response {
        self.post("/signup", json!({"email": email, "username": username, "password": password})).await
    }

    pub async fn login(&self, login: &str, password: &str) -> Response {
        self.post("/login", json!({"login": login, "password": password})).await
    }

    /// Signs up and logs in; returns the session.
    pub async fn user(&self, email: &str, username: &str) -> Session {
        assert_eq!(self.signup(email, username, PASSWORD).await.status(), StatusCode::CREATED);
        self.session(username, PASSWORD).await
    }

    pub async fn session(&self, login: &str, password: &str) -> Session {
        let r = self.login(login, password).await;
        assert_eq!(r.status(), StatusCode::OK);
        Session::from_login(r).await
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap()
}

/// A logged-in browser: its cookie and CSRF token.
#[derive(Clone, Debug)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

impl Session {
    pub async fn from_login(r: Response) -> Self {
        let set_cookie = r.headers()[header::SET_COOKIE].to_str().unwrap().to_owned();
        let cookie = set_cookie.split(';').next().unwrap().to_owned();
        let body: Value = r.json().await.unwrap();
        Self { cookie, csrf: body["csrf_token"].as_str().unwrap().to_owned() }
    }

    pub fn get(&self, s: &Service, path: &str) -> reqwest::RequestBuilder {
        s.http.get(s.url(path)).header(header::COOKIE, &self.cookie)
    }

    /// A cookie-authenticated `DELETE` with this session's CSRF token.
    pub fn delete(&self, s: &Service, path: &str) -> reqwest::RequestBuilder {
        s.http.delete(s.url(path)).header(header::COOKIE, &self.cookie).header("x-csrf-token", &self.csrf)
    }

    /// A cookie-authenticated change with this session's CSRF token.
    pub fn post(&self, s: &Service, path: &str) -> reqwest::RequestBuilder {
        s.http.post(s.url(path)).header(header::COOKIE, &self.cookie).header("x-csrf-token", &self.csrf)
    }
}

/// Everything a client sees of a response but the `Date` header.
pub async fn visible(r: Response) -> (StatusCode, Vec<(String, Vec<u8>)>, Vec<u8>) {
    let status = r.status();
    let mut headers: Vec<(String, Vec<u8>)> = r
        .headers()
        .iter()
        .filter(|(name, _)| *name != header::DATE)
        .map(|(name, value)| (name.to_string(), value.as_bytes().to_vec()))
        .collect();
    headers.sort();
    (status, headers, r.bytes().await.unwrap().to_vec())
}

/// Status, `code` and content type of a problem response.
pub async fn problem(r: Response) -> (StatusCode, String) {
    let status = r.status();
    assert_eq!(r.headers()[header::CONTENT_TYPE], "application/problem+json", "{status}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], status.as_u16());
    (status, body["code"].as_str().unwrap().to_owned())
}

/// Every log line of this test binary, at every level, captured (the
/// global subscriber, installed by the first call).
pub fn logs() -> &'static Arc<std::sync::Mutex<Vec<u8>>> {
    static LOGS: std::sync::OnceLock<Arc<std::sync::Mutex<Vec<u8>>>> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(std::sync::Mutex::new(Vec::new()));
        let writer = Arc::clone(&buffer);
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || Capture(Arc::clone(&writer)))
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        buffer
    })
}

pub struct Capture(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

//! `FetchClient` against a local server on 127.0.0.1, reachable only under
//! a test policy that names it (`policy_allowing_the_local_server`), with
//! `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` and their lower-case forms
//! pointing at a local listener that must receive nothing but the control.
//!
//! reqwest reads the proxy variables when a client is built, and changing
//! the environment of a running multi-threaded test is unsafe, so the
//! checks run in a child process (this binary, started with the variables
//! set and `GUARDRAIL_FETCH_CHILD`); the proxy listener stays in the parent,
//! which checks what it received. A stub resolver maps the test names to
//! 127.0.0.1 (and a rebinding name to 127.0.0.1 and 10.0.0.5).
//!
//! A `harness = false` test: one `main`, which prints libtest's summary line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout, clippy::panic, clippy::indexing_slicing)] // test code

mod server;

use std::{future::Future, io, net::IpAddr, process::Command, time::Duration};

use guardrail_fetch::{Error, FetchClient, FetchLimits};
use guardrail_validate::{AsyncResolve, FetchPolicy, FetchUrl};
use server::Server;

const CHILD: &str = "GUARDRAIL_FETCH_CHILD";
const PROXY_VARS: [&str; 6] = ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"];
/// In the query of every failing request: no error may show it.
const CANARY: &str = "token-canary-5e1f";
const LOOPBACK: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

fn main() {
    if std::env::var_os(CHILD).is_some() {
        child();
        return;
    }
    let proxy = Server::start();
    let mut child = Command::new(std::env::current_exe().unwrap());
    child.env(CHILD, "1").env_remove("NO_PROXY").env_remove("no_proxy");
    for var in PROXY_VARS {
        child.env(var, format!("http://{}", proxy.addr));
    }
    let out = child.output().unwrap();
    print!("{}", String::from_utf8_lossy(&out.stdout));
    assert!(out.status.success(), "child failed: {}", String::from_utf8_lossy(&out.stderr));
    let passed = String::from_utf8_lossy(&out.stdout).matches(" ... ok").count();
    // Only the control (a plain reqwest client, built in the same
    // environment) reached the proxy; FetchClient never did.
    let log = proxy.log();
    assert_eq!(log.len(), 1, "the proxy received {log:?}");
    assert!(log[0].starts_with("GET http://hook.example.com:") && log[0].contains("/control @"), "{log:?}");
    println!("test proxy_variables_are_ignored ... ok");
    println!("\ntest result: ok. {} passed; 0 failed; 0 ignored; 0 measured; 0 filtered out", passed + 1);
}

/// Test names mapped to the local server; every lookup answers at once.
struct Stub;

impl AsyncResolve for Stub {
    fn resolve(&self, host: &str, _port: u16) -> impl Future<Output = io::Result<Vec<IpAddr>>> + Send {
        let private: IpAddr = "10.0.0.5".parse().unwrap();
        std::future::ready(match host {
            "hook.example.com" | "other.example.com" => Ok(vec![LOOPBACK]),
            "rebind.example.net" => Ok(vec![LOOPBACK, private]),
            "internal.example.net" => Ok(vec![private]),
            _ => Err(io::Error::new(io::ErrorKind::NotFound, "no such host")),
        })
    }
}

/// The only policy under which the local server is reachable.
fn policy_allowing_the_local_server(server: &Server) -> FetchPolicy {
    FetchPolicy::default().ports([server.addr.port()]).dangerous_allow_addresses([LOOPBACK])
}

fn client(server: &Server) -> FetchClient {
    let limits = FetchLimits::new(Duration::from_secs(2), Duration::from_millis(500), Duration::from_secs(5), 1000, 3);
    FetchClient::builder(policy_allowing_the_local_server(server))
        .resolver(Stub)
        .limits(limits.unwrap())
        .build()
        .unwrap()
}

/// `http://{host}:{port}{path}` under the client's policy.
fn url(client: &FetchClient, server: &Server, host: &str, path: &str) -> FetchUrl {
    client.policy().parse(&format!("http://{host}:{}{path}", server.addr.port())).unwrap()
}

fn child() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let server = Server::start();
    macro_rules! checks {
        ($($check:ident),* $(,)?) => {
            $(
                runtime.block_on($check(&server));
                println!("test {} ... ok", stringify!($check));
            )*
        };
    }
    checks!(
        the_local_server_needs_a_policy_that_names_it,
        every_resolved_address_is_checked,
        redirects_are_checked_under_the_policy,
        bodies_over_the_cap_are_refused,
        a_stalled_server_times_out,
        requests_share_one_pooled_connection,
        no_compression_is_asked_for,
        a_refused_connection_shows_no_url,
        control_a_plain_client_obeys_the_proxy_variables,
    );
}

/// Display, Debug and every source of `e`, which must not show the URL.
fn shown(e: &Error) -> String {
    let mut text = format!("{e} {e:?}");
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        text.push_str(&format!(" {inner} {inner:?}"));
        source = inner.source();
    }
    assert!(!text.contains(CANARY) && !text.contains("example."), "an error shows the URL: {text}");
    text
}

/// The reason code of a refusal.
fn refused(result: Result<guardrail_fetch::Fetched, Error>) -> &'static str {
    match result {
        Err(e @ Error::Refused(_)) => {
            shown(&e);
            let Error::Refused(inner) = e else { unreachable!() };
            inner.code()
        }
        other => panic!("not refused: {other:?}"),
    }
}

async fn the_local_server_needs_a_policy_that_names_it(server: &Server) {
    let before = server.log().len();
    let direct = format!("http://127.0.0.1:{}/ok", server.addr.port());
    assert_eq!(FetchPolicy::default().ports([server.addr.port()]).parse(&direct).unwrap_err().code(), "loopback");
    // A default-policy client refuses a URL checked under another policy.
    let default = FetchClient::builder(FetchPolicy::default()).resolver(Stub).build().unwrap();
    let local = client(server);
    let url = url(&local, server, "hook.example.com", "/ok");
    assert!(matches!(default.get(&url).send().await, Err(Error::PolicyMismatch)));
    assert_eq!(server.log().len(), before, "nothing reached the server");
    // Under the test policy, the literal address and a name mapped to it work.
    let fetched = local.get(&local.policy().parse(&direct).unwrap()).send().await.unwrap();
    assert_eq!(fetched.body, b"hello");
    assert_eq!(local.get(&url).send().await.unwrap().body, b"hello");
}

async fn every_resolved_address_is_checked(server: &Server) {
    let client = client(server);
    let before = server.log().len();
    let query = format!("/ok?{CANARY}");
    // One internal address among allowed ones refuses the lot (rebinding).
    assert_eq!(
        refused(client.get(&url(&client, server, "rebind.example.net", &query)).send().await),
        "private_address"
    );
    assert_eq!(
        refused(client.get(&url(&client, server, "internal.example.net", &query)).send().await),
        "private_address"
    );
    assert_eq!(refused(client.get(&url(&client, server, "nxdomain.example.net", &query)).send().await), "resolution");
    assert_eq!(server.log().len(), before, "a refused name reached the server: {:?}", server.log());
}

async fn redirects_are_checked_under_the_policy(server: &Server) {
    let client = client(server);
    let port = server.addr.port();
    let followed =
        client.get(&url(&client, server, "hook.example.com", &format!("/to/other.example.com:{port}/ok"))).send().await;
    let followed = followed.unwrap();
    assert_eq!((followed.status.as_u16(), &followed.body[..]), (200, &b"hello"[..]));
    assert_eq!(followed.final_url().as_str(), format!("http://other.example.com:{port}/ok"));
    assert!(server.log().contains(&format!("GET /ok @other.example.com:{port}")));

    let before = server.log().len();
    for (to, code) in [
        ("169.254.169.254/latest/meta-data".to_owned(), "metadata"),
        (format!("[::ffff:127.0.0.1]:{port}/admin"), "loopback"),
        (format!("localhost:{port}/admin"), "localhost"),
        (format!("rebind.example.net:{port}/admin"), "private_address"),
        ("hook.example.com:8080/admin".to_owned(), "port"),
    ] {
        let start = url(&client, server, "hook.example.com", &format!("/to/{to}?{CANARY}"));
        assert_eq!(refused(client.get(&start).send().await), code, "{to}");
    }
    // Only the redirecting requests arrived, none of their targets.
    let log = server.log();
    assert_eq!(log.len(), before + 5);
    assert!(log.iter().all(|l| !l.contains("/admin") || l.contains("/to/")), "{log:?}");

    let before = server.log().len();
    let looping = client.get(&url(&client, server, "hook.example.com", &format!("/loop/0?{CANARY}"))).send().await;
    match looping {
        Err(e @ Error::TooManyRedirects { max: 3 }) => drop(shown(&e)),
        other => panic!("redirect loop: {other:?}"),
    }
    assert_eq!(server.log().len(), before + 4, "the first request and 3 redirects");
}

async fn bodies_over_the_cap_are_refused(server: &Server) {
    let client = client(server);
    for (path, ok) in [("/bytes/1000", true), ("/bytes/1001", false), ("/chunked/1000", true), ("/chunked/1001", false)]
    {
        let result = client.get(&url(&client, server, "hook.example.com", &format!("{path}?{CANARY}"))).send().await;
        match result {
            Ok(fetched) if ok => assert_eq!(fetched.body.len(), 1000, "{path}"),
            Err(e @ Error::TooLarge { max_bytes: 1000 }) if !ok => drop(shown(&e)),
            other => panic!("{path}: {other:?}"),
        }
    }
}

async fn a_stalled_server_times_out(server: &Server) {
    let client = client(server);
    match client.get(&url(&client, server, "hook.example.com", &format!("/stall?{CANARY}"))).send().await {
        Err(e @ Error::Timeout(_)) => drop(shown(&e)),
        other => panic!("a stalled server: {other:?}"),
    }
}

async fn requests_share_one_pooled_connection(server: &Server) {
    let client = client(server);
    let before = server.accepts();
    let echo = url(&client, server, "hook.example.com", "/echo");
    let first = client.post(&echo).json(&serde_json::json!({"event": "build"})).send().await.unwrap();
    assert_eq!(first.body, br#"{"event":"build"}"#);
    let second = client.clone().get(&url(&client, server, "other.example.com", "/ok")).send().await.unwrap();
    assert_eq!(second.body, b"hello");
    // Both names resolve to the same address, but hyper pools by host:
    // the same host again reuses the first connection.
    client.get(&echo).send().await.unwrap();
    assert_eq!(server.accepts() - before, 2, "one connection per host, reused");
}

/// The client asks for no compressed body (a decompression bomb would get
/// past the body cap), even if another crate in the binary turns on
/// reqwest's `gzip`, `brotli`, `zstd` or `deflate` feature.
async fn no_compression_is_asked_for(server: &Server) {
    let client = client(server);
    let fetched = client.get(&url(&client, server, "hook.example.com", "/headers")).send().await.unwrap();
    let headers = String::from_utf8(fetched.body).unwrap().to_ascii_lowercase();
    assert!(headers.contains("host: hook.example.com"), "the header lines came back: {headers}");
    assert!(!headers.contains("accept-encoding"), "{headers}");
}

/// A refused connection is `Connect`, and nothing in its source chain
/// shows the URL's host, path or query. (A TLS name mismatch does name the
/// host, as `Error`'s docs say; that needs a TLS server.)
async fn a_refused_connection_shows_no_url(_server: &Server) {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let policy = FetchPolicy::default().ports([closed]).dangerous_allow_addresses([LOOPBACK]);
    let client = FetchClient::builder(policy).resolver(Stub).build().unwrap();
    let url = client.policy().parse(&format!("http://hook.example.com:{closed}/{CANARY}?t={CANARY}")).unwrap();
    match client.get(&url).send().await {
        Err(e @ Error::Connect(_)) => drop(shown(&e)),
        other => panic!("a closed port: {other:?}"),
    }
}

/// A plain reqwest client, built in the same environment, sends its request
/// to the proxy: the variables are live, so the proxy's empty log above
/// means something.
async fn control_a_plain_client_obeys_the_proxy_variables(server: &Server) {
    let plain = reqwest::Client::builder().build().unwrap();
    let response = plain.get(format!("http://hook.example.com:{}/control", server.addr.port())).send().await.unwrap();
    assert_eq!(response.text().await.unwrap(), "hello", "the proxy listener answers like the server");
}

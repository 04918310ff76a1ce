//! The SSRF chapter's reqwest recipe (`docs/src/ssrf.md`, "Fetching with
//! reqwest") is `recipe.rs` beside this file, byte for byte, and this test
//! proves what the chapter claims of it:
//!
//! - with `HTTP_PROXY`, `HTTPS_PROXY` and `ALL_PROXY` (and their lower-case
//!   forms) pointing at a local listener, the request still goes to the
//!   pinned address, and the proxy receives nothing;
//! - the same client without `.no_proxy()` (the recipe as the chapter first
//!   printed it) does send the request to the proxy, so the test can see
//!   the fault it guards against;
//! - a name the client was not pinned to is never looked up or reached;
//! - every redirect is checked under the URL's policy (a hop to 127.0.0.1
//!   is refused before any request is made) and resolved again.
//!
//! reqwest reads the proxy variables when a client is built, and changing
//! the environment of a running multi-threaded test is unsafe, so the
//! requests run in a child process (this same binary, started with the
//! variables set and `GUARDRAIL_SSRF_CHILD`); the listeners stay in the
//! parent, which checks what each received. `FetchUrl` refuses loopback
//! targets by design, so the child's address hook pins the test names to
//! the local target listener: what is under test is the client
//! configuration and the redirect loop, not the address rules (those are
//! `crates/validate/tests/fetch_url.rs`).
//!
//! A `harness = false` test: one `main`, which prints libtest's summary line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout, clippy::panic, clippy::indexing_slicing)] // test code

// The recipe as the guide prints it (`pub` items, for a reader's crate).
#[allow(unreachable_pub, dead_code)]
mod recipe;

use std::{
    io::{BufRead, BufReader, Write},
    net::{SocketAddr, TcpListener},
    process::Command,
    sync::{Arc, Mutex},
    thread,
    time::{Duration, Instant},
};

use guardrail::validate::FetchPolicy;

const CHILD: &str = "GUARDRAIL_SSRF_CHILD";
const PROXY_VARS: [&str; 6] = ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"];

fn main() {
    if let Ok(ports) = std::env::var(CHILD) {
        child(&ports);
        return;
    }
    let checks: [(&str, fn()); 2] = [
        ("guide_recipe_is_the_tested_code", guide_recipe_is_the_tested_code),
        (
            "recipe_ignores_proxy_variables_and_checks_each_redirect",
            recipe_ignores_proxy_variables_and_checks_each_redirect,
        ),
    ];
    for (name, check) in checks {
        check();
        println!("test {name} ... ok");
    }
    println!("\ntest result: ok. {} passed; 0 failed; 0 ignored; 0 measured; 0 filtered out", checks.len());
}

fn guide_recipe_is_the_tested_code() {
    let guide = include_str!("../../../../docs/src/ssrf.md");
    let start = "<!-- recipe: examples/basics/tests/ssrf_recipe/recipe.rs -->\n```rust,ignore\n";
    let block = guide.split_once(start).expect("the recipe marker in docs/src/ssrf.md").1;
    let block = block.split_once("```\n").expect("the end of the recipe block").0;
    assert_eq!(block, include_str!("recipe.rs"), "docs/src/ssrf.md and recipe.rs differ: keep them identical");
}

/// What one listener received: the request line and `Host` of each request.
type Log = Arc<Mutex<Vec<String>>>;

/// A listener on 127.0.0.1 that answers every request and logs it; it stops
/// by itself after `LIFETIME`.
fn listener(name: &'static str) -> (SocketAddr, Log) {
    const LIFETIME: Duration = Duration::from_secs(60);
    let socket = TcpListener::bind("127.0.0.1:0").unwrap();
    socket.set_nonblocking(true).unwrap();
    let addr = socket.local_addr().unwrap();
    let log: Log = Arc::default();
    let seen = Arc::clone(&log);
    thread::spawn(move || {
        let deadline = Instant::now() + LIFETIME;
        while Instant::now() < deadline {
            match socket.accept() {
                Ok((stream, _)) => {
                    stream.set_nonblocking(false).unwrap();
                    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                    let mut reader = BufReader::new(stream);
                    let mut head = Vec::new();
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                            break;
                        }
                        head.push(line.trim_end().to_owned());
                    }
                    let request = head.first().cloned().unwrap_or_default();
                    let host = head.iter().find_map(|h| h.strip_prefix("host: ").or(h.strip_prefix("Host: ")));
                    seen.lock().unwrap().push(format!("{request} @{}", host.unwrap_or("-")));
                    let path = request.split(' ').nth(1).unwrap_or("/");
                    let (status, location) = if path.ends_with("/redirect-loopback") {
                        ("302 Found", format!("http://127.0.0.1:{}/admin", addr.port()))
                    } else if path.ends_with("/redirect-other") {
                        ("302 Found", format!("http://other.example.com:{}/next", addr.port()))
                    } else {
                        ("200 OK", String::new())
                    };
                    let location =
                        if location.is_empty() { String::new() } else { format!("Location: {location}\r\n") };
                    let reply = format!(
                        "HTTP/1.1 {status}\r\n{location}Content-Length: {}\r\nConnection: close\r\n\r\n{name}",
                        name.len()
                    );
                    let _ = reader.get_mut().write_all(reply.as_bytes());
                }
                Err(_) => thread::sleep(Duration::from_millis(5)),
            }
        }
    });
    (addr, log)
}

fn recipe_ignores_proxy_variables_and_checks_each_redirect() {
    let (proxy, proxy_log) = listener("proxy");
    let (target, target_log) = listener("target");
    let mut child = Command::new(std::env::current_exe().unwrap());
    child.env(CHILD, format!("{} {}", proxy.port(), target.port())).env_remove("NO_PROXY").env_remove("no_proxy");
    for var in PROXY_VARS {
        child.env(var, format!("http://{proxy}"));
    }
    let out = child.output().unwrap();
    assert!(out.status.success(), "child failed: {}", String::from_utf8_lossy(&out.stderr));

    let p = target.port();
    let proxy_log = proxy_log.lock().unwrap().clone();
    let target_log = target_log.lock().unwrap().clone();
    // The control, and nothing else, reached the proxy: with the variables
    // set, a client without no_proxy() hands the name to the proxy.
    assert_eq!(proxy_log, [format!("GET http://hooks.example.com:{p}/control HTTP/1.1 @hooks.example.com:{p}")]);
    // The recipe's requests went to the pinned address; the loopback
    // redirect and the unpinned name never reached anyone.
    assert_eq!(
        target_log,
        [
            format!("GET /hook HTTP/1.1 @hooks.example.com:{p}"),
            format!("GET /redirect-other HTTP/1.1 @hooks.example.com:{p}"),
            format!("GET /next HTTP/1.1 @other.example.com:{p}"),
            format!("GET /redirect-loopback HTTP/1.1 @hooks.example.com:{p}"),
        ]
    );
}

/// Runs in the child process, with the proxy variables set.
fn child(ports: &str) {
    let (_proxy, target) = ports.split_once(' ').unwrap();
    let port: u16 = target.parse().unwrap();
    let pinned = SocketAddr::from(([127, 0, 0, 1], port));
    let policy = FetchPolicy::default().ports([port]);
    let url = |path: &str| policy.parse(&format!("http://hooks.example.com:{port}{path}")).unwrap();
    // The address hook: every name this test fetches is pinned to the local
    // target (a service passes `|u| u.resolve(&SystemResolver)`).
    let asked = Mutex::new(Vec::new());
    let hook = |u: &guardrail::validate::FetchUrl| -> Result<Vec<SocketAddr>, guardrail::validate::Error> {
        asked.lock().unwrap().push(u.host_name().unwrap_or_default().to_owned());
        Ok(vec![pinned])
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        // 1. The recipe, with the proxy variables set: the pinned target answers.
        let response = recipe::fetch(url("/hook"), &hook).await.unwrap();
        assert_eq!(response.text().await.unwrap(), "target");

        // 2. A redirect to another allowed name: checked, resolved again, followed.
        let response = recipe::fetch(url("/redirect-other"), &hook).await.unwrap();
        assert_eq!(response.text().await.unwrap(), "target");
        assert_eq!(*asked.lock().unwrap(), ["hooks.example.com", "hooks.example.com", "other.example.com"]);

        // 3. A redirect to 127.0.0.1: refused by FetchUrl::redirect, never requested.
        match recipe::fetch(url("/redirect-loopback"), &hook).await {
            Err(recipe::FetchError::Refused(e)) => assert_eq!(e.code(), "loopback"),
            other => panic!("a redirect to loopback was not refused: {other:?}"),
        }

        // 4. A name the client was not pinned to is never looked up.
        let client = recipe::pinned_client(&url("/hook"), &[pinned]).unwrap();
        let unpinned = format!("http://unpinned.example.com:{port}/unpinned");
        assert!(client.get(unpinned).send().await.is_err());

        // 5. The control: the recipe without no_proxy() (as the guide first
        // printed it) sends the request to the proxy.
        let without_no_proxy = reqwest::Client::builder()
            .resolve_to_addrs("hooks.example.com", &[pinned])
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let response = without_no_proxy.get(url("/control").as_url().clone()).send().await.unwrap();
        assert_eq!(response.text().await.unwrap(), "proxy");
    });
}

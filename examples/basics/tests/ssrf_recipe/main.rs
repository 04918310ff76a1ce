//! The SSRF chapter's webhook recipe (`docs/src/ssrf.md`, "Fetching with
//! guardrail-fetch") is `recipe.rs` beside this file, byte for byte, and
//! this test proves what the chapter claims of it:
//!
//! - the production client refuses plain `http`, metadata and private
//!   addresses when a webhook is registered;
//! - with `HTTP_PROXY`, `HTTPS_PROXY` and `ALL_PROXY` (and their lower-case
//!   forms) pointing at a local listener, a delivery still goes to the
//!   address the name resolved to, and the proxy receives nothing, while a
//!   plain reqwest client built in the same environment does reach it (so
//!   the test can see the fault it guards against);
//! - a redirect to another allowed name is checked and followed; one to a
//!   loopback address is refused before any request is made.
//!
//! reqwest reads the proxy variables when a client is built, and changing
//! the environment of a running multi-threaded test is unsafe, so the
//! requests run in a child process (this same binary, started with the
//! variables set and `GUARDRAIL_SSRF_CHILD`); the listeners stay in the
//! parent, which checks what each received. The local target is reachable
//! only under a test policy that names 127.0.0.1
//! (`policy_allowing_the_local_target`), and a stub resolver maps the test
//! names to it: what is under test is the recipe over the client, not the
//! address rules (those are `crates/validate/tests/fetch_url.rs` and
//! `crates/fetch/tests/fetch/main.rs`).
//!
//! A `harness = false` test: one `main`, which prints libtest's summary line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout, clippy::panic, clippy::indexing_slicing)] // test code

// The recipe as the guide prints it (`pub` items, for a reader's crate).
#[allow(unreachable_pub, dead_code)]
mod recipe;

use std::{
    future::Future,
    io::{self, BufRead, BufReader, Read, Write},
    net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener},
    process::Command,
    sync::{Arc, Mutex},
    thread,
    time::{Duration, Instant},
};

use guardrail::validate::{AsyncResolve, FetchPolicy};
use guardrail_fetch::{Error, FetchClient};

const CHILD: &str = "GUARDRAIL_SSRF_CHILD";
const PROXY_VARS: [&str; 6] = ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"];
const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn main() {
    if let Ok(port) = std::env::var(CHILD) {
        child(port.parse().unwrap());
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

/// What one listener received: the request line, `Host` and body of each request.
type Log = Arc<Mutex<Vec<String>>>;

/// A listener on 127.0.0.1 that answers every request with its `name` (or
/// a redirect) and logs it; it stops by itself after `LIFETIME`.
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
                    let (request, path) = read_request(&mut BufReader::new(&stream));
                    seen.lock().unwrap().push(request);
                    let _ = answer(&stream, name, &path, addr.port());
                }
                Err(_) => thread::sleep(Duration::from_millis(5)),
            }
        }
    });
    (addr, log)
}

/// `METHOD target @host[ body]`, and the path.
fn read_request(reader: &mut BufReader<&std::net::TcpStream>) -> (String, String) {
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        head.push(line.trim_end().to_owned());
    }
    let header = |name: &str| {
        head.iter().find_map(|h| h.split_once(": ").filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v))
    };
    let mut body = vec![0; header("content-length").and_then(|n| n.parse().ok()).unwrap_or(0)];
    reader.read_exact(&mut body).unwrap();
    let line = head.first().cloned().unwrap_or_default();
    let (request, path) = match line.split(' ').collect::<Vec<_>>()[..] {
        [method, target, _] => (format!("{method} {target}"), target.to_owned()),
        _ => (line.clone(), "/".to_owned()),
    };
    let body = if body.is_empty() { String::new() } else { format!(" {}", String::from_utf8_lossy(&body)) };
    (format!("{request} @{}{body}", header("host").unwrap_or("-")), path)
}

fn answer(mut stream: &std::net::TcpStream, name: &str, path: &str, port: u16) -> io::Result<()> {
    let (status, location) = if path.ends_with("/redirect-loopback") {
        ("302 Found", format!("Location: http://[::ffff:127.0.0.1]:{port}/admin\r\n"))
    } else if path.ends_with("/redirect-other") {
        ("302 Found", format!("Location: http://other.example.com:{port}/next\r\n"))
    } else {
        ("200 OK", String::new())
    };
    let reply =
        format!("HTTP/1.1 {status}\r\n{location}Content-Length: {}\r\nConnection: close\r\n\r\n{name}", name.len());
    stream.write_all(reply.as_bytes())
}

fn recipe_ignores_proxy_variables_and_checks_each_redirect() {
    let (proxy, proxy_log) = listener("proxy");
    let (target, target_log) = listener("target");
    let mut child = Command::new(std::env::current_exe().unwrap());
    child.env(CHILD, target.port().to_string()).env_remove("NO_PROXY").env_remove("no_proxy");
    for var in PROXY_VARS {
        child.env(var, format!("http://{proxy}"));
    }
    let out = child.output().unwrap();
    assert!(out.status.success(), "child failed: {}", String::from_utf8_lossy(&out.stderr));

    let p = target.port();
    let proxy_log = proxy_log.lock().unwrap().clone();
    let target_log = target_log.lock().unwrap().clone();
    // The control, and nothing else, reached the proxy: with the variables
    // set, a plain client hands the name to the proxy.
    assert_eq!(proxy_log, [format!("GET http://hooks.example.com:{p}/control @hooks.example.com:{p}")]);
    // The deliveries went to the address the name resolved to; the
    // loopback redirect's target never received a request.
    assert_eq!(
        target_log,
        [
            format!(r#"POST /hook @hooks.example.com:{p} {{"event":"build"}}"#),
            format!(r#"POST /redirect-other @hooks.example.com:{p} {{"event":"build"}}"#),
            format!("GET /next @other.example.com:{p}"),
            format!(r#"POST /redirect-loopback @hooks.example.com:{p} {{"event":"build"}}"#),
        ]
    );
}

/// The test names, mapped to the local target.
struct Stub;

impl AsyncResolve for Stub {
    fn resolve(&self, host: &str, _port: u16) -> impl Future<Output = io::Result<Vec<IpAddr>>> + Send {
        std::future::ready(match host {
            "hooks.example.com" | "other.example.com" => Ok(vec![LOOPBACK]),
            _ => Err(io::Error::new(io::ErrorKind::NotFound, "no such host")),
        })
    }
}

/// The only policy under which the local target is reachable.
fn policy_allowing_the_local_target(port: u16) -> FetchPolicy {
    FetchPolicy::default().ports([port]).dangerous_allow_addresses([LOOPBACK])
}

/// Runs in the child process, with the proxy variables set.
fn child(port: u16) {
    // The production client: https only, public addresses only.
    let production = recipe::webhook_client().unwrap();
    for (input, code) in [
        ("http://hooks.example.com/ci", "scheme"),
        ("https://169.254.169.254/latest/meta-data/", "metadata"),
        ("https://10.0.0.5/", "private_address"),
        (&format!("https://127.0.0.1:{port}/hook"), "port"),
    ] {
        assert_eq!(recipe::register(&production, input).unwrap_err().code(), code, "{input}");
    }
    assert!(recipe::register(&production, "https://hooks.example.com/ci?token=abc").is_ok());

    let client = FetchClient::builder(policy_allowing_the_local_target(port)).resolver(Stub).build().unwrap();
    let hook = |path: &str| recipe::register(&client, &format!("http://hooks.example.com:{port}{path}")).unwrap();
    let event = serde_json::json!({"event": "build"});
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        // 1. A delivery, with the proxy variables set: the target answers.
        assert_eq!(recipe::deliver(&client, &hook("/hook"), &event).await.unwrap(), 200);

        // 2. A redirect to another allowed name: checked, resolved, followed.
        assert_eq!(recipe::deliver(&client, &hook("/redirect-other"), &event).await.unwrap(), 200);

        // 3. A redirect to a loopback address: refused, never requested.
        match recipe::deliver(&client, &hook("/redirect-loopback"), &event).await {
            Err(Error::Refused(e)) => assert_eq!(e.code(), "loopback"),
            other => panic!("a redirect to loopback was not refused: {other:?}"),
        }

        // 4. The control: a plain reqwest client sends its request to the proxy.
        let plain = reqwest::Client::builder().build().unwrap();
        let response = plain.get(format!("http://hooks.example.com:{port}/control")).send().await.unwrap();
        assert_eq!(response.text().await.unwrap(), "proxy");
    });
}

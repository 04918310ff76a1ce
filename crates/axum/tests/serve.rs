//! `serve::Server` against slow, idle and numerous clients on 127.0.0.1:
//! every bound of the module docs, with small timeouts and generous
//! margins (the machine may be loaded: these are bounds, not timings).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)] // test code

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use axum::{
    Router,
    extract::ConnectInfo,
    routing::{get, post},
};
use guardrail_axum::{
    Error, Json,
    serve::{Server, ShutdownReport},
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpSocket, TcpStream},
    sync::oneshot,
    task::JoinHandle,
};

const MS: Duration = Duration::from_millis(1);
/// The slack every bound gets.
const SLACK: Duration = Duration::from_secs(1);

struct Running {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    server: JoinHandle<ShutdownReport>,
}

impl Running {
    async fn stop(self) -> ShutdownReport {
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(30), self.server).await.expect("the server stopped").unwrap()
    }
}

fn app() -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/echo", post(|Json(v): Json<serde_json::Value>| async move { Json(v) }))
        .route("/peer", get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.to_string() }))
}

async fn start(app: Router, configure: impl FnOnce(Server) -> Server) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = configure(Server::new(listener, app))
        .run(async {
            let _ = stopped.await;
        })
        .unwrap();
    Running { addr, stop, server: tokio::spawn(server) }
}

/// Reads until the peer closes (EOF or a reset), at most 20 s; returns
/// what arrived.
async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Err(_) => panic!("still open after 20 s"),
            Ok(Ok(0) | Err(_)) => return got,
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// One request with `Connection: close`; the whole response as text.
async fn request(addr: SocketAddr, head: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    String::from_utf8(read_until_closed(&mut stream).await).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_a_head_is_closed_within_the_header_timeout() {
    let s = start(app(), |s| s.header_timeout(500 * MS)).await;
    let mut stream = TcpStream::connect(s.addr).await.unwrap();
    let started = Instant::now();
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.unwrap();
    read_until_closed(&mut stream).await;
    let took = started.elapsed();
    assert!(took >= 400 * MS && took <= 500 * MS + SLACK, "closed after {took:?}");
    assert_eq!(s.stop().await.dropped, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_alive_connection_waiting_for_its_next_request_is_closed_within_the_header_timeout() {
    // The idle timeout is long: hyper's header timer alone bounds the wait
    // for the next request (it runs whenever a head may be read).
    let s = start(app(), |s| s.header_timeout(500 * MS).idle_timeout(Duration::from_secs(60))).await;
    let mut stream = TcpStream::connect(s.addr).await.unwrap();
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut buf = [0u8; 1024];
    let n = stream.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&buf[..n]));
    let answered = Instant::now();
    let rest = read_until_closed(&mut stream).await;
    let took = answered.elapsed();
    assert!(rest.is_empty() || rest.ends_with(b"ok"), "{}", String::from_utf8_lossy(&rest));
    assert!(took >= 400 * MS && took <= 500 * MS + SLACK, "closed after {took:?}");
    s.stop().await;
}

/// A body sent one byte every 200 ms: each read succeeds, so a per-read
/// timeout never fires; the total deadline does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dripping_body_gets_408_within_the_body_timeout() {
    let s = start(app(), |s| s.body_timeout(Duration::from_secs(1))).await;
    let stream = TcpStream::connect(s.addr).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    let started = Instant::now();
    write
        .write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[")
        .await
        .unwrap();
    let drip = tokio::spawn(async move {
        for _ in 0..60 {
            tokio::time::sleep(200 * MS).await;
            if write.write_all(b"1").await.is_err() {
                break;
            }
        }
    });
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&got).contains("request_timeout") {
        match tokio::time::timeout(Duration::from_secs(10), read.read(&mut buf)).await.expect("an answer") {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    let took = started.elapsed();
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 408") && text.contains("\"code\":\"request_timeout\""), "{text}");
    assert!(took >= 900 * MS && took <= Duration::from_secs(1) + SLACK, "answered after {took:?}");
    drip.abort();
    s.stop().await;
}

/// Half a body, then silence, with long header and body timeouts: the
/// idle timeout closes the connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_connection_is_closed_within_the_idle_timeout() {
    let s = start(app(), |s| {
        s.header_timeout(Duration::from_secs(60)).body_timeout(Duration::from_secs(60)).idle_timeout(500 * MS)
    })
    .await;
    let mut stream = TcpStream::connect(s.addr).await.unwrap();
    stream
        .write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n[1")
        .await
        .unwrap();
    let started = Instant::now();
    read_until_closed(&mut stream).await;
    let took = started.elapsed();
    assert!(took >= 400 * MS && took <= 500 * MS + SLACK, "closed after {took:?}");
    s.stop().await;
}

/// Twelve clients against a bound of four, each request held 300 ms: never
/// more than four served at once, and every one answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_bound_wait_and_are_served_in_turn() {
    const CAP: usize = 4;
    let now = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (n, m) = (Arc::clone(&now), Arc::clone(&most));
    let slow = Router::new().route(
        "/slow",
        get(move || {
            let (now, most) = (Arc::clone(&n), Arc::clone(&m));
            async move {
                let current = now.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(current, Ordering::SeqCst);
                tokio::time::sleep(300 * MS).await;
                now.fetch_sub(1, Ordering::SeqCst);
                "done"
            }
        }),
    );
    let s = start(slow, |s| s.max_connections(CAP)).await;
    let clients: Vec<_> = (0..3 * CAP)
        .map(|_| tokio::spawn(request(s.addr, "GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")))
        .collect();
    for client in clients {
        let response = client.await.unwrap();
        assert!(response.starts_with("HTTP/1.1 200") && response.ends_with("done"), "{response}");
    }
    let most = most.load(Ordering::SeqCst);
    assert!((2..=CAP).contains(&most), "{most} served at once");
    let report = s.stop().await;
    assert_eq!(report.evicted, 0, "every connection had a request in flight: none is closed to make room");
}

/// Every slot held by a client that sends nothing: a real request still
/// gets through within a second or so (the idlest stalled connection is
/// closed to make room), long before the header timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_capacity_the_idlest_connection_makes_room() {
    const CAP: usize = 4;
    let s =
        start(app(), |s| s.max_connections(CAP).header_timeout(Duration::from_secs(30)).shutdown_grace(100 * MS)).await;
    let mut stalled = Vec::new();
    for _ in 0..3 * CAP {
        let mut stream = TcpStream::connect(s.addr).await.unwrap();
        stream.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
        stalled.push(stream);
    }
    let started = Instant::now();
    let response = request(s.addr, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await;
    let took = started.elapsed();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(took <= Duration::from_secs(5), "answered after {took:?}");
    let report = s.stop().await;
    assert!(report.evicted >= 1, "{report:?}");
    drop(stalled);
}

/// Issue 15, fault 4: every slot held by a client that sent a whole
/// `POST` head and drips its body a byte every 100 ms (bodies and headers
/// allowed 30 s): the bodies have not reached a handler, so at capacity
/// the oldest is closed to make room and a real request gets 200 within a
/// few seconds, long before any timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_capacity_a_dripping_body_makes_room() {
    const CAP: usize = 4;
    let long = Duration::from_secs(30);
    let s = start(app(), |s| {
        s.max_connections(CAP).header_timeout(long).body_timeout(long).idle_timeout(long).shutdown_grace(100 * MS)
    })
    .await;
    let mut drips = Vec::new();
    for _ in 0..2 * CAP {
        let mut stream = TcpStream::connect(s.addr).await.unwrap();
        drips.push(tokio::spawn(async move {
            let head =
                "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n[";
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            for _ in 0..300 {
                tokio::time::sleep(100 * MS).await;
                if stream.write_all(b"1").await.is_err() {
                    return;
                }
            }
        }));
    }
    tokio::time::sleep(500 * MS).await;
    let started = Instant::now();
    let response = request(s.addr, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await;
    let took = started.elapsed();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(took <= Duration::from_secs(5), "answered after {took:?}");
    for drip in &drips {
        drip.abort();
    }
    let report = s.stop().await;
    assert!(report.evicted >= 1, "{report:?}");
}

/// A whole body already arrived and its handler at work: at capacity that
/// connection is not closed to make room (the newcomer waits for it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_capacity_a_request_at_work_is_not_closed() {
    let app = app().route(
        "/work",
        post(|Json(v): Json<serde_json::Value>| async move {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            Json(v)
        }),
    );
    let s = start(app, |s| s.max_connections(1).header_timeout(Duration::from_secs(30))).await;
    let body = "[1,2]";
    let head = format!(
        "POST /work HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let addr = s.addr;
    let working = tokio::spawn(async move { request(addr, &head).await });
    tokio::time::sleep(300 * MS).await;
    let waiting = request(s.addr, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await;
    assert!(waiting.starts_with("HTTP/1.1 200"), "{waiting}");
    let worked = working.await.unwrap();
    assert!(worked.starts_with("HTTP/1.1 200") && worked.ends_with("[1,2]"), "{worked}");
    assert_eq!(s.stop().await.evicted, 0);
}

/// A connection from `ip` (any port) to `addr`.
async fn connect_from(ip: &str, addr: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(format!("{ip}:0").parse().unwrap())?;
    socket.connect(addr).await
}

/// Issue 15, fault 4: one address holds at most its cap. With a cap of
/// two, two connections stalled mid-head from 127.0.0.1 and a third from
/// it is closed at once, unanswered (not after the 30 s header timeout);
/// another client (127.0.0.2, Linux's loopback is a /8) is served
/// meanwhile; once one of the two closes, 127.0.0.1 is served again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_client_is_capped_while_another_is_served() {
    let s =
        start(app(), |s| s.max_connections(16).max_connections_per_client(2).header_timeout(Duration::from_secs(30)))
            .await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = connect_from("127.0.0.1", s.addr).await.unwrap();
        stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        held.push(stream);
    }
    tokio::time::sleep(100 * MS).await;
    for _ in 0..3 {
        let started = Instant::now();
        let mut extra = connect_from("127.0.0.1", s.addr).await.unwrap();
        let _ = extra.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await;
        let got = read_until_closed(&mut extra).await;
        assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got));
        assert!(started.elapsed() <= 2 * SLACK, "closed after {:?}", started.elapsed());
    }
    if cfg!(target_os = "linux") {
        let mut other = connect_from("127.0.0.2", s.addr).await.unwrap();
        other.write_all(b"GET /peer HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
        let answer = String::from_utf8(read_until_closed(&mut other).await).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200") && answer.contains("\r\n\r\n127.0.0.2:"), "{answer}");
    }
    drop(held.pop());
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        // Refused until the server sees the close: the write may fail then.
        let mut stream = connect_from("127.0.0.1", s.addr).await.unwrap();
        let _ = stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await;
        let answer = String::from_utf8(read_until_closed(&mut stream).await).unwrap();
        if answer.starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(answer.is_empty() && Instant::now() < deadline, "{answer}");
        tokio::time::sleep(50 * MS).await;
    }
    drop(held);
    let report = s.stop().await;
    assert!(report.refused >= 3 && report.evicted == 0, "{report:?}");
}

/// Three connections stalled mid-head and one request in flight: the
/// request is answered, the shutdown returns within the grace and reports
/// the three dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_drops_stalled_connections_after_the_grace() {
    let app = app().route(
        "/work",
        get(|| async {
            tokio::time::sleep(300 * MS).await;
            "worked"
        }),
    );
    let s = start(app, |s| s.header_timeout(Duration::from_secs(60)).shutdown_grace(Duration::from_secs(1))).await;
    let mut stalled = Vec::new();
    for _ in 0..3 {
        let mut stream = TcpStream::connect(s.addr).await.unwrap();
        stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        stalled.push(stream);
    }
    let in_flight = tokio::spawn(request(s.addr, "GET /work HTTP/1.1\r\nHost: x\r\n\r\n"));
    tokio::time::sleep(100 * MS).await;
    let started = Instant::now();
    let report = s.stop().await;
    let took = started.elapsed();
    assert!(took <= Duration::from_secs(1) + SLACK, "stopped after {took:?}");
    assert_eq!(report.dropped, 3, "{report:?}");
    let response = in_flight.await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200") && response.ends_with("worked"), "{response}");
    for mut stream in stalled {
        assert!(read_until_closed(&mut stream).await.is_empty(), "dropped without an answer");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_carry_the_peer_address() {
    let s = start(app(), |s| s).await;
    let response = request(s.addr, "GET /peer HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await;
    assert!(response.starts_with("HTTP/1.1 200") && response.contains("\r\n\r\n127.0.0.1:"), "{response}");
    s.stop().await;
}

#[tokio::test(flavor = "current_thread")]
async fn settings_are_checked_before_serving() {
    let listener = || async { TcpListener::bind("127.0.0.1:0").await.unwrap() };
    let never = std::future::pending::<()>;
    let refused = |server: Server| server.run(never()).err().expect("refused");
    assert_eq!(
        refused(Server::new(listener().await, app()).header_timeout(Duration::ZERO)),
        Error::DurationOutOfRange { name: "header_timeout" }
    );
    assert_eq!(
        refused(Server::new(listener().await, app()).body_timeout(Duration::ZERO)),
        Error::DurationOutOfRange { name: "body_timeout" }
    );
    assert_eq!(
        refused(Server::new(listener().await, app()).idle_timeout(Duration::ZERO)),
        Error::DurationOutOfRange { name: "idle_timeout" }
    );
    assert_eq!(
        refused(Server::new(listener().await, app()).max_connections(0)),
        Error::OutOfRange { name: "max_connections" }
    );
    assert_eq!(
        refused(Server::new(listener().await, app()).max_connections_per_client(0)),
        Error::OutOfRange { name: "max_connections_per_client" }
    );
    // Over the open-file limit (when the process has one): refused,
    // naming both numbers.
    let huge = usize::MAX / 2;
    if let Err(e) = Server::new(listener().await, app()).max_connections(huge).run(never()) {
        let Error::TooManyConnections { max_connections, open_files, reserved } = e.clone() else { panic!("{e}") };
        assert_eq!((max_connections, reserved), (huge, 64));
        let msg = e.to_string();
        assert!(msg.contains(&huge.to_string()) && msg.contains(&open_files.to_string()), "{msg}");
    }
}

//! A small HTTP/1.1 server on 127.0.0.1 with keep-alive, for the client
//! under test: it counts connections and logs every request it receives.
//!
//! Routes (the query is ignored):
//! - `/ok` answers `hello`; `/echo` answers the request body;
//! - `/headers` answers the request's header lines, one a line;
//! - `/bytes/N` answers N bytes with a `Content-Length`;
//! - `/chunked/N` answers N bytes chunked, without a length;
//! - `/to/REST` redirects (302) to `http://REST`;
//! - `/loop/N` redirects to `/loop/N+1`;
//! - `/stall` answers after 3 s.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::{SocketAddr, TcpListener, TcpStream},
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    thread,
    time::Duration,
};

/// A running server; its threads end with the process.
#[derive(Clone)]
pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    accepts: Arc<AtomicUsize>,
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    pub(crate) fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let server = Self { addr: listener.local_addr().unwrap(), accepts: Arc::default(), log: Arc::default() };
        let shared = server.clone();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                shared.accepts.fetch_add(1, Ordering::SeqCst);
                let conn = shared.clone();
                thread::spawn(move || conn.serve(stream));
            }
        });
        server
    }

    /// Connections accepted so far.
    pub(crate) fn accepts(&self) -> usize {
        self.accepts.load(Ordering::SeqCst)
    }

    /// `METHOD path-and-query @host` of every request so far.
    pub(crate) fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    fn serve(&self, stream: TcpStream) {
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut reader = BufReader::new(stream);
        while let Some((request, host, headers, body)) = read_request(&mut reader) {
            self.log.lock().unwrap().push(format!("{request} @{host}"));
            let target = request.split(' ').nth(1).unwrap_or("/");
            let path = target.split('?').next().unwrap_or("/");
            let body = if path == "/headers" { headers.join("\n").into_bytes() } else { body };
            if respond(reader.get_mut(), path, body).is_err() {
                return;
            }
        }
    }
}

/// The request line without its version, the `Host` header, the header
/// lines, and the body.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(String, String, Vec<String>, Vec<u8>)> {
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            break;
        }
        head.push(line.trim_end().to_owned());
    }
    let request = head.first()?.rsplit_once(' ')?.0.to_owned();
    let header = |name: &str| {
        head.iter().find_map(|h| {
            h.split_once(':').filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim().to_owned())
        })
    };
    let length: usize = header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let host = header("host").unwrap_or_default();
    head.remove(0);
    Some((request, host, head, body))
}

fn respond(stream: &mut TcpStream, path: &str, body: Vec<u8>) -> std::io::Result<()> {
    let number = |prefix: &str| path.strip_prefix(prefix).and_then(|n| n.parse::<usize>().ok());
    if let Some(rest) = path.strip_prefix("/to/") {
        return reply(stream, "302 Found", &format!("Location: http://{rest}\r\n"), b"");
    }
    if let Some(n) = number("/loop/") {
        return reply(stream, "302 Found", &format!("Location: /loop/{}\r\n", n + 1), b"");
    }
    if let Some(n) = number("/bytes/") {
        return reply(stream, "200 OK", "", &vec![b'x'; n]);
    }
    if let Some(n) = number("/chunked/") {
        write!(stream, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")?;
        for chunk in vec![b'x'; n].chunks(100) {
            write!(stream, "{:x}\r\n", chunk.len())?;
            stream.write_all(chunk)?;
            write!(stream, "\r\n")?;
        }
        return write!(stream, "0\r\n\r\n");
    }
    match path {
        "/stall" => {
            thread::sleep(Duration::from_secs(3));
            reply(stream, "200 OK", "", b"late")
        }
        "/echo" | "/headers" => reply(stream, "200 OK", "", &body),
        _ => reply(stream, "200 OK", "", b"hello"),
    }
}

fn reply(stream: &mut TcpStream, status: &str, headers: &str, body: &[u8]) -> std::io::Result<()> {
    write!(stream, "HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\n\r\n", body.len())?;
    stream.write_all(body)
}

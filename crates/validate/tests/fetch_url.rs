//! `FetchUrl` with a stub resolver: names are judged by every address they
//! resolve to (the corpus's DNS rows are covered here, without live DNS).
#![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::panic)] // test code

use std::{
    future::Future,
    io,
    net::{IpAddr, SocketAddr},
    pin::pin,
    task::{Context, Poll, Waker},
};

use guardrail_validate::{AsyncResolve, FetchPolicy, FetchUrl, Reason};

/// A fixed table standing in for DNS.
fn stub(host: &str, _port: u16) -> io::Result<Vec<IpAddr>> {
    let ips: &[&str] = match host {
        "example.com" | "www.example.org" => &["93.184.215.14"],
        "foo.example" => &["127.0.0.1"],
        "metadata.amazonaws.com" | "169.254.169.254.nip.io" => &["169.254.169.254"],
        "rebind.example" => &["93.184.215.14", "10.0.0.5"],
        "v6.example" => &["2606:4700:4700::1111", "::ffff:127.0.0.1"],
        "good6.example" => &["2606:4700:4700::1111"],
        "empty.example" => &[],
        _ => return Err(io::Error::new(io::ErrorKind::NotFound, "no such host")),
    };
    Ok(ips.iter().map(|s| s.parse().unwrap()).collect())
}

fn resolved(url: &str) -> Result<Vec<SocketAddr>, &'static str> {
    FetchUrl::parse(url).map_err(|e| e.code())?.resolve(&stub).map_err(|e| e.code())
}

#[test]
fn public_names_resolve_to_the_addresses_to_connect_to() {
    assert_eq!(resolved("https://example.com/").unwrap(), ["93.184.215.14:443".parse().unwrap()]);
    assert_eq!(resolved("http://www.example.org:80/x").unwrap(), ["93.184.215.14:80".parse().unwrap()]);
    assert_eq!(resolved("https://good6.example/").unwrap(), ["[2606:4700:4700::1111]:443".parse().unwrap()]);
    // Literal addresses are not looked up.
    assert_eq!(resolved("http://8.8.8.8/").unwrap(), ["8.8.8.8:80".parse().unwrap()]);
}

#[test]
fn names_that_resolve_inside_are_refused() {
    assert_eq!(resolved("http://foo.example/"), Err("loopback"));
    assert_eq!(resolved("http://metadata.amazonaws.com/"), Err("metadata"));
    assert_eq!(resolved("http://169.254.169.254.nip.io/"), Err("metadata"));
    // One internal answer among public ones refuses the lot (rebinding).
    assert_eq!(resolved("http://rebind.example/"), Err("private_address"));
    assert_eq!(resolved("http://v6.example/"), Err("loopback"));
    assert_eq!(resolved("http://empty.example/"), Err("resolution"));
    assert_eq!(resolved("http://nxdomain.example/"), Err("resolution"));
}

#[test]
fn metadata_and_internal_names_are_refused_without_dns() {
    for (url, code) in [
        ("http://metadata.google.internal/computeMetadata/v1/", "metadata"),
        ("http://metadata/computeMetadata/v1/", "metadata"),
        ("http://instance-data/latest/", "metadata"),
        ("http://intranet/", "internal_name"),
        ("http://printer.local/", "internal_name"),
        ("http://db.internal/", "internal_name"),
        ("http://foo.localhost/", "localhost"),
    ] {
        assert_eq!(FetchUrl::parse(url).map_err(|e| e.code()).err(), Some(code), "{url}");
    }
}

#[test]
fn redirects_are_rechecked() {
    let start = FetchUrl::parse("https://example.com/a/b").unwrap();
    assert_eq!(start.redirect("/c?d=1").unwrap().as_str(), "https://example.com/c?d=1");
    assert_eq!(start.redirect("https://www.example.org/").unwrap().as_str(), "https://www.example.org/");
    assert_eq!(start.redirect("http://127.0.0.1/admin").map_err(|e| e.code()).err(), Some("loopback"));
    assert_eq!(start.redirect("//169.254.169.254/").map_err(|e| e.code()).err(), Some("metadata"));
    assert_eq!(start.redirect("file:///etc/passwd").map_err(|e| e.code()).err(), Some("scheme"));
    assert_eq!(start.redirect("https://example.com:8080/").map_err(|e| e.code()).err(), Some("port"));
}

#[test]
fn policy_options() {
    let p = FetchPolicy::default().ports([443, 8443]).https_only();
    assert!(p.parse("https://example.com:8443/").is_ok());
    assert_eq!(p.parse("https://example.com:80/").map_err(|e| e.code()).err(), Some("port"));
    assert_eq!(p.parse("http://example.com/").map_err(|e| e.code()).err(), Some("scheme"));
}

#[test]
fn every_url_reason_code() {
    let cases = [
        ("https://example.com/", None),
        ("http://[::ffff:8.8.8.8]/", None),
        (&*"http://a.com/".repeat(400), Some(Reason::TooLong)),
        ("", Some(Reason::Scheme)),
        ("http://exa mple.com/", Some(Reason::ControlChar)),
        ("http://exa\u{200b}mple.com/", Some(Reason::Invisible)),
        ("https://example.com/a\u{2800}b", Some(Reason::Invisible)), // braille blank, percent-encoded by WHATWG
        ("https://example.com/?q=\u{600}", Some(Reason::Invisible)),
        ("https://example.com/#\u{13430}", Some(Reason::Invisible)),
        ("https://example.com/a\u{200c}b", Some(Reason::Invisible)), // a joiner outside the host
        ("https://example.com/a\u{a0}b", Some(Reason::ControlChar)), // White_Space
        ("https://example.com/a\u{3000}b", Some(Reason::ControlChar)),
        ("http://evil.com\\@127.0.0.1/", Some(Reason::Syntax)),
        ("http://[::1/", Some(Reason::Syntax)),
        ("ftp://example.com/", Some(Reason::Scheme)),
        ("http:///example.com/", Some(Reason::NoHost)),
        ("http://user:pw@example.com/", Some(Reason::Userinfo)),
        ("http://example.com:22/", Some(Reason::Port)),
        ("http://LOCALHOST./", Some(Reason::Localhost)),
        ("http://017700000001/", Some(Reason::Loopback)),
        ("http://192.168.1.1/", Some(Reason::PrivateAddress)),
        ("http://[fd12::1]/", Some(Reason::PrivateAddress)),
        ("http://169.254.1.1/", Some(Reason::LinkLocal)),
        ("http://[fe80::1]/", Some(Reason::LinkLocal)),
        ("http://100.64.0.1/", Some(Reason::SharedAddress)),
        ("http://0.0.0.0/", Some(Reason::Unspecified)),
        ("http://[::]/", Some(Reason::Unspecified)),
        ("http://255.255.255.255/", Some(Reason::Broadcast)),
        ("http://224.0.0.1/", Some(Reason::Multicast)),
        ("http://[ff02::1]/", Some(Reason::Multicast)),
        ("http://192.0.2.1/", Some(Reason::Documentation)),
        ("http://[2001:db8::1]/", Some(Reason::Documentation)),
        ("http://198.18.0.1/", Some(Reason::Benchmarking)),
        ("http://240.0.0.1/", Some(Reason::Reserved)),
        ("http://[2002:808:808::1]/", Some(Reason::Reserved)),
        ("http://[2002:7f00:1::1]/", Some(Reason::Loopback)),
        ("http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/", Some(Reason::Reserved)),
        ("http://[64:ff9b::7f00:1]/", Some(Reason::Loopback)),
        ("http://[::127.0.0.1]/", Some(Reason::Loopback)),
        ("http://[fd00:ec2::254]/", Some(Reason::Metadata)),
        ("http://100.100.100.200/", Some(Reason::Metadata)),
    ];
    for (url, want) in cases {
        assert_eq!(FetchUrl::parse(url).err().and_then(|e| e.reason()), want, "{url}");
    }
}

/// The same table as an [`AsyncResolve`], whose future is always ready.
struct AsyncStub;

impl AsyncResolve for AsyncStub {
    fn resolve(&self, host: &str, port: u16) -> impl Future<Output = io::Result<Vec<IpAddr>>> + Send {
        std::future::ready(stub(host, port))
    }
}

/// Polls a future that is ready at once (the stub's).
fn now<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("the stub resolver is always ready"),
    }
}

#[test]
fn async_resolve_checks_every_address_as_resolve_does() {
    let urls = [
        "https://example.com/",
        "http://www.example.org:80/x",
        "https://good6.example/",
        "http://8.8.8.8/",
        "http://foo.example/",
        "http://metadata.amazonaws.com/",
        "http://rebind.example/",
        "http://v6.example/",
        "http://empty.example/",
        "http://nxdomain.example/",
    ];
    for url in urls {
        let url = FetchUrl::parse(url).unwrap();
        let sync = url.resolve(&stub).map_err(|e| e.code());
        assert_eq!(now(url.resolve_async(&AsyncStub)).map_err(|e| e.code()), sync, "{url}");
    }
    assert_eq!(
        now(FetchUrl::parse("http://rebind.example/").unwrap().resolve_async(&AsyncStub)).unwrap_err().code(),
        "private_address"
    );
}

/// `dangerous_allow_addresses` lets exactly the addresses named through, as
/// a literal host and as a resolved address, and nothing near them; the
/// name rules still hold, and redirects keep the allowance (it is the
/// URL's policy).
#[test]
fn allowed_addresses_are_exactly_those_named() {
    let loopback: IpAddr = "127.0.0.1".parse().unwrap();
    let policy = FetchPolicy::default().ports([8080]).dangerous_allow_addresses([loopback]);
    assert_eq!(policy.check_addr(loopback), Ok(()));
    assert_eq!(policy.check_addr("127.0.0.2".parse().unwrap()), Err(Reason::Loopback));
    assert_eq!(policy.check_addr("::ffff:127.0.0.1".parse().unwrap()), Err(Reason::Loopback));
    assert_eq!(FetchPolicy::default().check_addr(loopback), Err(Reason::Loopback));

    let url = policy.parse("http://127.0.0.1:8080/hook").unwrap();
    assert_eq!(url.resolve(&stub).unwrap(), ["127.0.0.1:8080".parse().unwrap()]);
    assert_eq!(
        policy.parse("http://foo.example:8080/").unwrap().resolve(&stub).unwrap(),
        ["127.0.0.1:8080".parse().unwrap()]
    );
    assert_eq!(url.redirect("http://127.0.0.2:8080/").map_err(|e| e.code()).err(), Some("loopback"));
    assert!(url.redirect("/next").is_ok());
    for (refused, code) in [
        ("http://localhost:8080/", "localhost"),
        ("http://127.0.0.2:8080/", "loopback"),
        ("http://[::1]:8080/", "loopback"),
    ] {
        assert_eq!(policy.parse(refused).map_err(|e| e.code()).err(), Some(code), "{refused}");
    }
    assert_eq!(FetchUrl::parse("http://127.0.0.1/").map_err(|e| e.code()).err(), Some("loopback"));
}

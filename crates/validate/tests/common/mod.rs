//! What the integration tests share: each test file is its own crate and
//! brings these in with `mod common;`.
#![allow(dead_code)] // each test file uses part of it

use std::{
    cell::RefCell,
    io,
    net::{IpAddr, Ipv4Addr},
};

use guardrail_validate::{Error, FetchUrl, Resolve};

/// The reason code of a parse result, or `"ok"`.
pub(crate) fn code_of<T>(parsed: Result<T, Error>) -> &'static str {
    parsed.map_or_else(|e| e.code(), |_| "ok")
}

/// The reason code [`FetchUrl::parse`] gives `url`, or `"ok"`.
pub(crate) fn url_code(url: &str) -> &'static str {
    code_of(FetchUrl::parse(url))
}

/// A resolver hook that records every host name it is asked for and
/// answers one public address (93.184.215.14).
#[derive(Default)]
pub(crate) struct Recorder(pub(crate) RefCell<Vec<String>>);

impl Resolve for Recorder {
    fn resolve(&self, host: &str, _port: u16) -> io::Result<Vec<IpAddr>> {
        self.0.borrow_mut().push(host.to_owned());
        Ok(vec![IpAddr::V4(Ipv4Addr::new(93, 184, 215, 14))])
    }
}

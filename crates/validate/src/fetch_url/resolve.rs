//! The resolver hooks [`FetchUrl::resolve`] and [`FetchUrl::resolve_async`]
//! check, and the operating system's resolver behind both.

use std::{
    future::Future,
    io,
    net::{IpAddr, ToSocketAddrs},
};

#[cfg(doc)]
use crate::FetchUrl;

/// Resolves a host name to IP addresses, **blocking**: the hook
/// [`FetchUrl::resolve`] checks. Implement it over a test stub, a caching
/// resolver, or a blocking lookup in a thread of its own; async code
/// implements [`AsyncResolve`] and calls [`FetchUrl::resolve_async`], so
/// no lookup blocks an executor thread.
///
/// `host` is a fully-qualified name ([`FetchUrl::host_name`]: lower-case
/// A-labels, its root dot left off). Resolve it as absolute, **without
/// search domains**: append the root dot, or turn search-list expansion off
/// (`ndots:0`, no `search` list), as [`SystemResolver`] does. A resolver
/// that expands names (Kubernetes pods have `ndots:5` and
/// `search <ns>.svc.cluster.local svc.cluster.local cluster.local`) turns
/// an accepted public-looking name such as `kubernetes.default` into the
/// cluster-internal `kubernetes.default.svc.cluster.local`, past every name
/// check; the addresses it returns are still checked, but a cluster
/// service on a public-range address would pass.
pub trait Resolve {
    /// All addresses for `host`, a fully-qualified ASCII domain name
    /// (without brackets or root dot), looked up without search domains.
    ///
    /// # Errors
    ///
    /// The lookup's [`io::Error`]; [`FetchUrl::resolve`] reports it as
    /// [`Reason::Resolution`](crate::Reason::Resolution).
    fn resolve(&self, host: &str, port: u16) -> io::Result<Vec<IpAddr>>;
}

/// Resolves a host name to IP addresses without blocking: the hook
/// [`FetchUrl::resolve_async`] checks, and the one `guardrail-fetch`'s
/// client checks on every connection. The contract is [`Resolve`]'s: `host`
/// is fully qualified and must be looked up without search domains.
///
/// [`SystemResolver`] implements it with feature `tokio`
/// (`tokio::net::lookup_host`, the system resolver on tokio's blocking
/// pool). A stub for tests:
///
/// ```
/// use std::{future::Future, io, net::IpAddr};
/// use guardrail_validate::{AsyncResolve, FetchUrl};
///
/// struct Stub;
/// impl AsyncResolve for Stub {
///     fn resolve(&self, host: &str, _port: u16) -> impl Future<Output = io::Result<Vec<IpAddr>>> + Send {
///         let answer = match host {
///             "hooks.example.com" => vec!["93.184.215.14".parse().unwrap()],
///             _ => vec!["93.184.215.14".parse().unwrap(), "10.0.0.5".parse().unwrap()], // rebinding
///         };
///         std::future::ready(Ok(answer))
///     }
/// }
/// # fn block_on<F: Future>(f: F) -> F::Output { // the stub is always ready
/// #     let mut f = std::pin::pin!(f);
/// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
/// # }
/// let ok = FetchUrl::parse("https://hooks.example.com/x").unwrap();
/// assert_eq!(block_on(ok.resolve_async(&Stub)).unwrap(), ["93.184.215.14:443".parse().unwrap()]);
/// let evil = FetchUrl::parse("https://attacker.example/").unwrap();
/// assert_eq!(block_on(evil.resolve_async(&Stub)).unwrap_err().code(), "private_address");
/// ```
pub trait AsyncResolve: Send + Sync {
    /// All addresses for `host`, a fully-qualified ASCII domain name
    /// (without brackets or root dot), looked up without search domains.
    ///
    /// # Errors
    ///
    /// The lookup's [`io::Error`]; [`FetchUrl::resolve_async`] reports it
    /// as [`Reason::Resolution`](crate::Reason::Resolution).
    fn resolve(&self, host: &str, port: u16) -> impl Future<Output = io::Result<Vec<IpAddr>>> + Send;
}

/// The operating system's resolver (`getaddrinfo`): blocking as a
/// [`Resolve`], on tokio's blocking pool as an [`AsyncResolve`] (feature
/// `tokio`). It looks up the name as absolute (with the root dot), so the
/// resolver's search domains are never appended: `nxdomain.example` cannot
/// turn into `nxdomain.example.corp.internal`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemResolver;

/// `host` with the root dot, so no search domain is appended to it.
fn absolute(host: &str) -> String {
    if host.ends_with('.') { host.to_owned() } else { format!("{host}.") }
}

impl Resolve for SystemResolver {
    fn resolve(&self, host: &str, port: u16) -> io::Result<Vec<IpAddr>> {
        Ok((absolute(host).as_str(), port).to_socket_addrs()?.map(|a| a.ip()).collect())
    }
}

#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
impl AsyncResolve for SystemResolver {
    fn resolve(&self, host: &str, port: u16) -> impl Future<Output = io::Result<Vec<IpAddr>>> + Send {
        let name = absolute(host);
        async move { Ok(tokio::net::lookup_host((name.as_str(), port)).await?.map(|a| a.ip()).collect()) }
    }
}

impl<F: Fn(&str, u16) -> io::Result<Vec<IpAddr>>> Resolve for F {
    fn resolve(&self, host: &str, port: u16) -> io::Result<Vec<IpAddr>> {
        self(host, port)
    }
}

//! URLs that are safe for the server to fetch (SSRF defence, OWASP SSRF
//! Prevention Cheat Sheet; address ranges from the IANA IPv4 and IPv6
//! Special-Purpose Address Registries).

use std::{
    io,
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs},
};

use url::{Host, Url};

use crate::{Error, Kind, Reason, validated_string_type};

/// A URL the server may fetch: parsed once with the WHATWG rules (the `url`
/// crate, the same rules browsers use), so every spelling of an address
/// (`2130706433`, `0x7f.1`, `0177.0.0.1`, `①②⑦.0.0.1`, `[::ffff:127.0.0.1]`)
/// is seen in its one canonical form before it is checked.
///
/// Refused by the default [`FetchPolicy`]: schemes other than http/https;
/// user names and passwords; explicit ports other than 80 and 443; hosts
/// that are `localhost`, `*.localhost`, single-label or otherwise
/// internal names, cloud metadata names and addresses; and every IP
/// address outside the global unicast space (loopback, private,
/// link-local, CGNAT, unspecified, broadcast, multicast, documentation,
/// benchmarking, reserved, and IPv6 forms embedding such an IPv4 address:
/// IPv4-mapped, IPv4-compatible, NAT64, 6to4, Teredo). Control characters,
/// whitespace and backslashes are refused before parsing, because other
/// parsers (curl, proxies) read them differently; so is every hidden
/// character (format, default-ignorable, non-ASCII space, U+2800) anywhere
/// in the URL, though the WHATWG parser would percent-encode it, because
/// the text a person reads hides it (ZWNJ and ZWJ only in the host, where
/// IDNA2008 allows them in context).
///
/// Host names are checked in one canonical form, decided once: the `url`
/// crate's A-labels with one root dot removed (`example.com.` is
/// `example.com`), run through the same host-name validator as e-mail
/// domains ([`HostName`](crate::HostName): IDNA2008 with its contextual
/// rules, RFC 1035 lengths on the A-label form, anti-spoofing policy).
/// A host with no valid canonical form (`a..b`, `example.com..`) is refused
/// as [`Reason::Domain`]. These checks only refuse; they never change the
/// `url` crate's mapping, so the host checked is the host connected to.
/// The canonical URL text itself is held to the input limit, so every
/// accepted URL parses again to itself.
///
/// A name that passes still has to be resolved: [`FetchUrl::resolve`]
/// checks every address a name resolves to with the same rules and
/// returns the addresses to connect to, so there is no second lookup an
/// attacker could answer differently (DNS rebinding).
///
/// ```
/// use guardrail_validate::FetchUrl;
/// let u: FetchUrl = "https://example.com/hook?x=1".parse().unwrap();
/// assert_eq!(u.as_str(), "https://example.com/hook?x=1");
/// for bad in ["http://2130706433/", "http://[::ffff:127.0.0.1]/", "http://169.254.169.254/latest/",
///             "http://localhost:8080/", "file:///etc/passwd", "http://user@example.com/"] {
///     assert!(bad.parse::<FetchUrl>().is_err(), "{bad}");
/// }
/// ```
///
/// A `FetchUrl` remembers the [`FetchPolicy`] it was parsed under, and
/// [`FetchUrl::redirect`] checks every hop under that same policy.
/// Equality and hashing compare the URL only.
///
/// `Debug` shows the scheme, host and port only, `FetchUrl(https://example.com:443/…)`:
/// a webhook's path and query often hold a token. `Display` and
/// [`FetchUrl::as_str`] give the whole URL.
///
/// Hand it to an HTTP client that checks what this type cannot: every
/// address a name resolves to, when it connects, and every redirect
/// (`guardrail-fetch`). `reqwest::get(url.as_str())` skips all of that:
/// the client resolves the name again (DNS rebinding), follows redirects
/// unchecked, and obeys proxy variables.
#[derive(Clone)]
pub struct FetchUrl {
    url: Url,
    policy: FetchPolicy,
}

impl PartialEq for FetchUrl {
    fn eq(&self, other: &Self) -> bool {
        self.url == other.url
    }
}

impl Eq for FetchUrl {}

impl std::hash::Hash for FetchUrl {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.url.hash(state);
    }
}

validated_string_type!(FetchUrl);

impl std::fmt::Debug for FetchUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let rest = if self.url.path() == "/" && self.url.query().is_none() && self.url.fragment().is_none() {
            "/"
        } else {
            "/…"
        };
        write!(f, "FetchUrl({}://{}:{}{rest})", self.url.scheme(), self.host_str(), self.port())
    }
}

/// Input longer than this is refused before parsing.
const MAX_INPUT: usize = 4096;

impl FetchUrl {
    /// Parses with [`FetchPolicy::default`].
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] with [`Kind::Url`] and the [`Reason`] of the
    /// first rule the URL breaks.
    pub fn parse(input: &str) -> Result<Self, Error> {
        FetchPolicy::default().parse(input)
    }

    /// The canonical URL text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.url.as_str()
    }

    /// The parsed URL, for an HTTP client.
    #[must_use]
    pub fn as_url(&self) -> &Url {
        &self.url
    }

    /// The policy this URL was checked under (and its redirects will be).
    #[must_use]
    pub fn policy(&self) -> &FetchPolicy {
        &self.policy
    }

    /// The host as text, as in the URL (a domain, with its root dot if it
    /// had one, an IPv4 address, or an IPv6 address in brackets).
    #[must_use]
    pub fn host_str(&self) -> &str {
        self.url.host_str().unwrap_or_default()
    }

    /// The canonical host name every check compared and the resolver hook
    /// receives: lower-case A-labels without the root dot; `None` for an
    /// IP address. It is always fully qualified: resolve it without search
    /// domains (see [`Resolve`]).
    #[must_use]
    pub fn host_name(&self) -> Option<&str> {
        match self.url.host() {
            Some(Host::Domain(name)) => Some(name.strip_suffix('.').unwrap_or(name)),
            _ => None,
        }
    }

    /// The port to connect to (explicit, or the scheme's default).
    #[must_use]
    pub fn port(&self) -> u16 {
        self.url.port_or_known_default().unwrap_or(443)
    }

    /// Resolves the host with `resolver`, checks **every** address with the
    /// same rules as literal addresses, and returns the socket addresses to
    /// connect to. Connect to these, not to the name: a second lookup could
    /// return something else.
    ///
    /// One bad address refuses the whole answer (a rebinding attacker mixes
    /// a public and an internal address). No address, or a resolver error,
    /// is [`Reason::Resolution`]. The resolver receives the canonical name,
    /// [`FetchUrl::host_name`].
    ///
    /// # Errors
    ///
    /// [`Reason::Resolution`], or the reason the first refused address
    /// breaks ([`Reason::Loopback`], [`Reason::PrivateAddress`], ...).
    pub fn resolve(&self, resolver: &(impl Resolve + ?Sized)) -> Result<Vec<SocketAddr>, Error> {
        let port = self.port();
        let addrs = match (self.url.host(), self.host_name()) {
            (Some(Host::Ipv4(ip)), _) => vec![IpAddr::V4(ip)],
            (Some(Host::Ipv6(ip)), _) => vec![IpAddr::V6(ip)],
            (Some(Host::Domain(_)), Some(name)) => {
                resolver.resolve(name, port).map_err(|_| invalid(Reason::Resolution))?
            }
            _ => return Err(invalid(Reason::NoHost)),
        };
        if addrs.is_empty() {
            return Err(invalid(Reason::Resolution));
        }
        addrs.into_iter().map(|ip| check_ip(ip).map(|()| SocketAddr::new(ip, port)).map_err(invalid)).collect()
    }

    /// Validates a redirect: resolves `location` (absolute or relative, as in
    /// a `Location` header) against this URL and checks the result under
    /// the policy this URL was parsed with ([`FetchUrl::policy`]: an
    /// `https_only` or custom-port policy holds for every hop). Call it for
    /// every hop; an HTTP client's automatic redirects would skip the check.
    ///
    /// # Errors
    ///
    /// As [`FetchPolicy::parse`], for the resolved target.
    pub fn redirect(&self, location: &str) -> Result<Self, Error> {
        self.redirect_with(location, &self.policy)
    }

    /// [`FetchUrl::redirect`] under another `policy`, which the returned
    /// URL then carries.
    ///
    /// # Errors
    ///
    /// As [`FetchPolicy::parse`], for the resolved target.
    pub fn redirect_with(&self, location: &str, policy: &FetchPolicy) -> Result<Self, Error> {
        check_raw(location, false).map_err(invalid)?;
        let target = self.url.join(location).map_err(|_| invalid(Reason::Syntax))?;
        policy.parse(target.as_str())
    }
}

fn invalid(reason: Reason) -> Error {
    Error::invalid(Kind::Url, reason)
}

/// Which URLs [`FetchUrl`] accepts beyond the fixed rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchPolicy {
    ports: Vec<u16>,
    allow_http: bool,
}

impl Default for FetchPolicy {
    /// http and https, ports 80 and 443.
    fn default() -> Self {
        Self { ports: vec![80, 443], allow_http: true }
    }
}

impl FetchPolicy {
    /// Replaces the explicit-port allowlist (a URL without a port uses
    /// the scheme's default and is always allowed).
    #[must_use]
    pub fn ports(mut self, ports: impl IntoIterator<Item = u16>) -> Self {
        self.ports = ports.into_iter().collect();
        self
    }

    /// Refuses plain `http`.
    #[must_use]
    pub fn https_only(mut self) -> Self {
        self.allow_http = false;
        self
    }

    /// Parses and checks a URL under this policy; the URL keeps the policy
    /// for its redirects.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] with [`Kind::Url`] and the [`Reason`] of the
    /// first rule the URL breaks.
    pub fn parse(&self, input: &str) -> Result<FetchUrl, Error> {
        self.check(input).map(|url| FetchUrl { url, policy: self.clone() }).map_err(invalid)
    }

    fn check(&self, input: &str) -> Result<Url, Reason> {
        check_raw(input, true)?;
        let url = Url::parse(input).map_err(|e| match e {
            url::ParseError::RelativeUrlWithoutBase => Reason::Scheme,
            url::ParseError::EmptyHost => Reason::NoHost,
            _ => Reason::Syntax,
        })?;
        match url.scheme() {
            "https" => {}
            "http" if self.allow_http => {}
            _ => return Err(Reason::Scheme),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Reason::Userinfo);
        }
        if let Some(port) = url.port()
            && !self.ports.contains(&port)
        {
            return Err(Reason::Port);
        }
        match url.host() {
            None => return Err(Reason::NoHost),
            Some(Host::Ipv4(ip)) => check_ip(IpAddr::V4(ip))?,
            Some(Host::Ipv6(ip)) => check_ip(IpAddr::V6(ip))?,
            Some(Host::Domain(name)) => check_name(crate::host::url_host(name)?)?,
        }
        // The form handed back obeys the same limit as the input (WHATWG
        // percent-encoding can make it longer), so it parses again.
        if url.as_str().len() > MAX_INPUT {
            return Err(Reason::TooLong);
        }
        Ok(url)
    }
}

/// Checks on the raw text, before the WHATWG parser normalises away what
/// other parsers would read differently.
fn check_raw(input: &str, absolute: bool) -> Result<(), Reason> {
    if input.len() > MAX_INPUT {
        return Err(Reason::TooLong);
    }
    if input.is_empty() {
        return Err(Reason::Scheme);
    }
    // The WHATWG parser silently drops tabs and newlines and trims spaces;
    // curl and proxies do not.
    if input.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(Reason::ControlChar);
    }
    // Every hidden character (format, separator, default-ignorable,
    // U+2800) is refused wherever it stands: the WHATWG parser would
    // percent-encode one in the path or query, but the text a person reads
    // and copies (a link in a message, a configured webhook) still hides it.
    // The joiners IDNA2008 allows in context pass only in the authority,
    // where the host-name validator checks their context.
    let authority = raw_authority(input);
    if input
        .char_indices()
        .any(|(i, c)| crate::is_invisible(c) && !(crate::host::is_joiner(c) && authority.contains(&i)))
    {
        return Err(Reason::Invisible);
    }
    // WHATWG reads `\` as `/` in http(s) URLs; most other parsers do not
    // (`http://evil.com\@127.0.0.1/`).
    if input.contains('\\') {
        return Err(Reason::Syntax);
    }
    if absolute {
        // WHATWG accepts `http:example.com` and `http:///example.com`;
        // others read them as relative or hostless.
        let lower = input.get(..8).unwrap_or(input).to_ascii_lowercase();
        let rest = if lower.starts_with("https://") {
            input.get(8..)
        } else if lower.starts_with("http://") {
            input.get(7..)
        } else {
            return Err(Reason::Scheme);
        };
        if rest.is_none_or(|r| r.is_empty() || r.starts_with('/')) {
            return Err(Reason::NoHost);
        }
    }
    Ok(())
}

/// Where the authority (host, port and any userinfo) lies in raw input
/// that starts with `http://`, `https://` (any case) or `//`: up to the
/// first `/`, `?` or `#`. Empty for anything else.
fn raw_authority(input: &str) -> std::ops::Range<usize> {
    let head = input.get(..8).unwrap_or(input).to_ascii_lowercase();
    let Some(start) = ["https://", "http://", "//"].into_iter().find(|p| head.starts_with(p)).map(str::len) else {
        return 0..0;
    };
    let rest = input.get(start..).unwrap_or_default();
    start..rest.find(['/', '?', '#']).map_or(input.len(), |end| start + end)
}

/// Cloud metadata services, by name (GCP, AWS, Azure, OpenStack, Alibaba, Oracle).
const METADATA_NAMES: &[&str] = &[
    "metadata",
    "metadata.google.internal",
    "metadata.goog",
    "instance-data",
    "instance-data.ec2.internal",
    "metadata.azure.internal",
    "metadata.tencentyun.com",
    "metadata.platformequinix.com",
];

/// Suffixes that only resolve inside a network (RFC 6761 `.localhost` is
/// handled apart; `.local` is mDNS, `.internal` is ICANN's private-use TLD,
/// `.home.arpa` is RFC 8375).
/// `.svc` is the Kubernetes service domain searched from pods
/// (`kubernetes.default.svc`; `.svc.cluster.local` ends in `.local`),
/// `.consul` is Consul's DNS interface; `.test`, `.invalid` (RFC 6761),
/// `.onion` (RFC 7686) and `.alt` (RFC 9476) are never resolved through
/// the public DNS, so a name there resolves only through local
/// configuration; `.home` and `.private` are names ICANN's collision
/// studies found widely used inside networks.
const INTERNAL_SUFFIXES: &[&str] = &[
    ".internal",
    ".local",
    ".localdomain",
    ".home.arpa",
    ".intranet",
    ".corp",
    ".lan",
    ".svc",
    ".consul",
    ".test",
    ".invalid",
    ".onion",
    ".alt",
    ".home",
    ".private",
];

/// Name rules on the canonical name ([`crate::host::url_host`]).
fn check_name(name: &str) -> Result<(), Reason> {
    if name == "localhost" || name.ends_with(".localhost") {
        return Err(Reason::Localhost);
    }
    if METADATA_NAMES.contains(&name) {
        return Err(Reason::Metadata);
    }
    // A name without a dot is looked up through the resolver's search
    // domains: it can only name an internal host.
    if !name.contains('.') || INTERNAL_SUFFIXES.iter().any(|s| name.ends_with(s)) {
        return Err(Reason::InternalName);
    }
    Ok(())
}

/// Checks one IP address against every non-global range; `Ok` only for
/// addresses a server may connect to on a user's behalf.
///
/// Use it in a custom connector to re-check the address actually dialled.
///
/// # Errors
///
/// The [`Reason`] of the range `ip` falls in ([`Reason::Loopback`],
/// [`Reason::PrivateAddress`], [`Reason::Metadata`], ...).
///
/// ```
/// use guardrail_validate::{check_ip, Reason};
/// assert_eq!(check_ip("10.1.2.3".parse().unwrap()), Err(Reason::PrivateAddress));
/// assert_eq!(check_ip("::ffff:169.254.169.254".parse().unwrap()), Err(Reason::Metadata));
/// assert_eq!(check_ip("2606:4700:4700::1111".parse().unwrap()), Ok(()));
/// ```
pub fn check_ip(ip: IpAddr) -> Result<(), Reason> {
    match ip {
        IpAddr::V4(v4) => check_v4(v4),
        IpAddr::V6(v6) => check_v6(v6),
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
    let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
    (u32::from(ip) & mask) == (u32::from(Ipv4Addr::from(net)) & mask)
}

fn check_v4(ip: Ipv4Addr) -> Result<(), Reason> {
    const METADATA: [[u8; 4]; 6] = [
        [169, 254, 169, 254], // AWS, GCP, Azure, OpenStack, DigitalOcean, ...
        [169, 254, 170, 2],   // AWS ECS task credentials
        [169, 254, 169, 253], // AWS DNS
        [169, 254, 169, 123], // AWS time sync
        [100, 100, 100, 200], // Alibaba Cloud
        [192, 0, 0, 192],     // Oracle Cloud
    ];
    if METADATA.iter().any(|m| ip.octets() == *m) {
        return Err(Reason::Metadata);
    }
    let ranges: &[([u8; 4], u32, Reason)] = &[
        ([0, 0, 0, 0], 8, Reason::Unspecified),
        ([10, 0, 0, 0], 8, Reason::PrivateAddress),
        ([100, 64, 0, 0], 10, Reason::SharedAddress),
        ([127, 0, 0, 0], 8, Reason::Loopback),
        ([169, 254, 0, 0], 16, Reason::LinkLocal),
        ([172, 16, 0, 0], 12, Reason::PrivateAddress),
        ([192, 0, 0, 0], 24, Reason::Reserved),
        ([192, 0, 2, 0], 24, Reason::Documentation),
        ([192, 88, 99, 0], 24, Reason::Reserved),
        ([192, 168, 0, 0], 16, Reason::PrivateAddress),
        ([198, 18, 0, 0], 15, Reason::Benchmarking),
        ([198, 51, 100, 0], 24, Reason::Documentation),
        ([203, 0, 113, 0], 24, Reason::Documentation),
        ([224, 0, 0, 0], 4, Reason::Multicast),
        ([255, 255, 255, 255], 32, Reason::Broadcast),
        ([240, 0, 0, 0], 4, Reason::Reserved),
    ];
    match ranges.iter().find(|(net, prefix, _)| in_v4(ip, *net, *prefix)) {
        Some((_, _, reason)) => Err(*reason),
        None => Ok(()),
    }
}

fn in_v6(ip: Ipv6Addr, net: u128, prefix: u32) -> bool {
    let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - prefix) };
    (u128::from(ip) & mask) == (net & mask)
}

fn embedded_v4(bits: u128) -> Ipv4Addr {
    Ipv4Addr::from((bits & 0xffff_ffff) as u32)
}

fn check_v6(ip: Ipv6Addr) -> Result<(), Reason> {
    let bits = u128::from(ip);
    if ip == Ipv6Addr::UNSPECIFIED {
        return Err(Reason::Unspecified);
    }
    if ip == Ipv6Addr::LOCALHOST {
        return Err(Reason::Loopback);
    }
    // AWS's IPv6 metadata endpoints (inside fd00::/8, checked first).
    if bits >> 16 == 0xfd00_0ec2_0000_0000_0000_0000_0000 && matches!(bits & 0xffff, 0x254 | 0x23 | 0x123) {
        return Err(Reason::Metadata);
    }
    // IPv4-mapped (::ffff:0:0/96) and the well-known NAT64 prefix
    // (64:ff9b::/96) reach the embedded IPv4 address: judge that.
    if in_v6(ip, 0xffff_0000_0000, 96) || in_v6(ip, 0x0064_ff9b << 96, 96) {
        return check_v4(embedded_v4(bits));
    }
    // IPv4-compatible (::/96, deprecated): the embedded address's reason,
    // and refused even when that is global.
    if in_v6(ip, 0, 96) {
        check_v4(embedded_v4(bits))?;
        return Err(Reason::Reserved);
    }
    // 6to4 (2002::/16) embeds an IPv4 address in bits 16..48; deprecated
    // (RFC 7526), so refused either way, with the embedded reason if any.
    if in_v6(ip, 0x2002 << 112, 16) {
        check_v4(Ipv4Addr::from(((bits >> 80) & 0xffff_ffff) as u32))?;
        return Err(Reason::Reserved);
    }
    let ranges: &[(u128, u32, Reason)] = &[
        (0x0064_ff9b_0001 << 80, 48, Reason::Reserved), // NAT64 local-use
        (0x0100 << 112, 64, Reason::Reserved),          // discard-only
        (0x2001_0db8 << 96, 32, Reason::Documentation), // documentation
        (0x2001 << 112, 23, Reason::Reserved),          // IETF protocol assignments, Teredo
        (0x3fff << 112, 20, Reason::Documentation),     // documentation (RFC 9637)
        (0x5f00 << 112, 16, Reason::Reserved),          // SRv6 SIDs
        (0xfc00 << 112, 7, Reason::PrivateAddress),     // unique local
        (0xfe80 << 112, 10, Reason::LinkLocal),         // link-local
        (0xfec0 << 112, 10, Reason::PrivateAddress),    // site-local (deprecated)
        (0xff00 << 112, 8, Reason::Multicast),          // multicast
    ];
    if let Some((_, _, reason)) = ranges.iter().find(|(net, prefix, _)| in_v6(ip, *net, *prefix)) {
        return Err(*reason);
    }
    // Only 2000::/3 is allocated as global unicast; the rest is reserved.
    if !in_v6(ip, 0x2000 << 112, 3) {
        return Err(Reason::Reserved);
    }
    Ok(())
}

/// Resolves a host name to IP addresses: the hook [`FetchUrl::resolve`]
/// checks. Implement it over your async resolver, a test stub, or a
/// caching resolver.
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
    /// [`Reason::Resolution`].
    fn resolve(&self, host: &str, port: u16) -> io::Result<Vec<IpAddr>>;
}

/// The operating system's resolver (`getaddrinfo`), blocking. It looks up
/// the name as absolute (with the root dot), so the resolver's search
/// domains are never appended: `nxdomain.example` cannot turn into
/// `nxdomain.example.corp.internal`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve(&self, host: &str, port: u16) -> io::Result<Vec<IpAddr>> {
        let absolute = if host.ends_with('.') { host.to_owned() } else { format!("{host}.") };
        Ok((absolute.as_str(), port).to_socket_addrs()?.map(|a| a.ip()).collect())
    }
}

impl<F: Fn(&str, u16) -> io::Result<Vec<IpAddr>>> Resolve for F {
    fn resolve(&self, host: &str, port: u16) -> io::Result<Vec<IpAddr>> {
        self(host, port)
    }
}

//! URLs that are safe for the server to fetch (SSRF defence, OWASP SSRF
//! Prevention Cheat Sheet; address ranges from the IANA IPv4 and IPv6
//! Special-Purpose Address Registries).

use std::net::{IpAddr, SocketAddr};

use url::{Host, Url};

use crate::{Error, Kind, Reason, validated_string_type};

mod resolve;
mod special;

pub use resolve::{AsyncResolve, Resolve, SystemResolver};
pub use special::check_ip;
use special::check_name;

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
/// (or [`FetchUrl::resolve_async`]) checks every address a name resolves to with the same rules and
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
    ///
    /// This call blocks on the resolver; async code calls
    /// [`FetchUrl::resolve_async`].
    pub fn resolve(&self, resolver: &(impl Resolve + ?Sized)) -> Result<Vec<SocketAddr>, Error> {
        let addrs = match self.literal_or_name()? {
            Ok(ip) => vec![ip],
            Err(name) => resolver.resolve(name, self.port()).map_err(|_| invalid(Reason::Resolution))?,
        };
        self.checked(addrs)
    }

    /// [`FetchUrl::resolve`] with a resolver that does not block: the same
    /// checks on every address, the addresses to connect to back.
    ///
    /// # Errors
    ///
    /// [`Reason::Resolution`], or the reason the first refused address
    /// breaks ([`Reason::Loopback`], [`Reason::PrivateAddress`], ...).
    pub async fn resolve_async(&self, resolver: &(impl AsyncResolve + ?Sized)) -> Result<Vec<SocketAddr>, Error> {
        let addrs = match self.literal_or_name()? {
            Ok(ip) => vec![ip],
            Err(name) => resolver.resolve(name, self.port()).await.map_err(|_| invalid(Reason::Resolution))?,
        };
        self.checked(addrs)
    }

    /// The host's address if it is one (`Ok`), else the canonical name to
    /// resolve (`Err`).
    fn literal_or_name(&self) -> Result<Result<IpAddr, &str>, Error> {
        match (self.url.host(), self.host_name()) {
            (Some(Host::Ipv4(ip)), _) => Ok(Ok(IpAddr::V4(ip))),
            (Some(Host::Ipv6(ip)), _) => Ok(Ok(IpAddr::V6(ip))),
            (Some(Host::Domain(_)), Some(name)) => Ok(Err(name)),
            _ => Err(invalid(Reason::NoHost)),
        }
    }

    /// Every address checked under this URL's policy (one bad address
    /// refuses the answer), with the port to connect to.
    fn checked(&self, addrs: Vec<IpAddr>) -> Result<Vec<SocketAddr>, Error> {
        if addrs.is_empty() {
            return Err(invalid(Reason::Resolution));
        }
        let port = self.port();
        addrs
            .into_iter()
            .map(|ip| self.policy.check_addr(ip).map(|()| SocketAddr::new(ip, port)).map_err(invalid))
            .collect()
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
    allowed_addrs: Vec<IpAddr>,
}

impl Default for FetchPolicy {
    /// http and https, ports 80 and 443, no address allowed past the rules.
    fn default() -> Self {
        Self { ports: vec![80, 443], allow_http: true, allowed_addrs: Vec::new() }
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

    /// Lets exactly these addresses through the address rules, as a host
    /// and as a resolved address: a test server on `127.0.0.1`, one known
    /// internal service. Every other address of their ranges stays refused
    /// (`::ffff:127.0.0.1` is not `127.0.0.1`), and the name rules
    /// (`localhost`, internal suffixes, metadata names) still hold. Every
    /// URL parsed under this policy, and every redirect from one, may
    /// reach them: give such a policy only to the code that needs it, and
    /// never to a URL a user chose.
    #[must_use]
    pub fn dangerous_allow_addresses(mut self, addrs: impl IntoIterator<Item = IpAddr>) -> Self {
        self.allowed_addrs.extend(addrs);
        self
    }

    /// Checks one address under this policy: allowed if
    /// [`dangerous_allow_addresses`](Self::dangerous_allow_addresses)
    /// named it, else by [`check_ip`]. Literal hosts, [`FetchUrl::resolve`],
    /// [`FetchUrl::resolve_async`] and a client's resolver hook all check
    /// through it.
    ///
    /// # Errors
    ///
    /// The [`Reason`] of the range `ip` falls in ([`Reason::Loopback`],
    /// [`Reason::PrivateAddress`], [`Reason::Metadata`], ...).
    pub fn check_addr(&self, ip: IpAddr) -> Result<(), Reason> {
        if self.allowed_addrs.contains(&ip) { Ok(()) } else { check_ip(ip) }
    }

    /// Whether this policy refuses plain `http`.
    #[must_use]
    pub fn is_https_only(&self) -> bool {
        !self.allow_http
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
            Some(Host::Ipv4(ip)) => self.check_addr(IpAddr::V4(ip))?,
            Some(Host::Ipv6(ip)) => self.check_addr(IpAddr::V6(ip))?,
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

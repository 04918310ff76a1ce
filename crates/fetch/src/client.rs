//! The client: one pooled reqwest client per policy, built so that nothing
//! reaches an address the policy refuses.

use std::{fmt, sync::Arc};

use guardrail_validate::{AsyncResolve, FetchPolicy, FetchUrl, SystemResolver};
use reqwest::{
    Method, StatusCode,
    header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue},
    redirect,
};

use crate::{
    Error, FetchLimits,
    error::{RedirectLimit, classify},
    resolver::Checking,
};

/// An HTTP client for [`FetchUrl`]s of one [`FetchPolicy`]: build it once
/// and share it (it is a cheap `Clone` over one connection pool).
///
/// Built so the policy holds for every connection, not only for the URL
/// handed in:
/// - every name is resolved through the client's [`AsyncResolve`] and
///   **every** address checked with [`FetchPolicy::check_addr`] when
///   reqwest connects (one bad address refuses the answer), so there is no
///   second lookup an attacker could answer differently;
/// - no proxy: `HTTP_PROXY`, `HTTPS_PROXY` and `ALL_PROXY` are ignored (a
///   proxy would resolve the name itself);
/// - every redirect is parsed under the policy before it is followed, up
///   to [`FetchLimits::max_redirects`], and its name goes through the same
///   resolver; no `Referer` is sent;
/// - connect, read and total timeouts, and a cap on the body read
///   ([`FetchLimits`]); no decompression (a small compressed body cannot
///   grow past the cap);
/// - `https_only` policies make the client refuse plain `http` too.
///
/// ```no_run
/// # async fn run() -> Result<(), guardrail_fetch::Error> {
/// use guardrail_fetch::FetchClient;
/// use guardrail_validate::FetchPolicy;
///
/// let client = FetchClient::new(FetchPolicy::default().https_only())?;
/// // When the user saves the webhook: parse it under the client's policy.
/// let hook = client.policy().parse("https://hooks.example.com/ci?token=abc").map_err(guardrail_fetch::Error::Refused)?;
/// let fetched = client.post(&hook).json(&serde_json::json!({"event": "build"})).send().await?;
/// assert!(fetched.status.is_success());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct FetchClient {
    http: reqwest::Client,
    policy: FetchPolicy,
    limits: FetchLimits,
}

impl fmt::Debug for FetchClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FetchClient")
            .field("policy", &self.policy)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl FetchClient {
    /// A client for `policy` with the [`SystemResolver`] and the default
    /// [`FetchLimits`].
    ///
    /// # Errors
    ///
    /// [`Error::Build`] if the TLS set-up fails.
    pub fn new(policy: FetchPolicy) -> Result<Self, Error> {
        Self::builder(policy).build()
    }

    /// A builder, to set the resolver, the limits or the `User-Agent`.
    #[must_use]
    pub fn builder(policy: FetchPolicy) -> FetchClientBuilder<SystemResolver> {
        FetchClientBuilder { policy, limits: FetchLimits::default(), resolver: SystemResolver, user_agent: None }
    }

    /// The policy every URL, redirect and address is checked under: parse
    /// the URLs for this client with it.
    #[must_use]
    pub fn policy(&self) -> &FetchPolicy {
        &self.policy
    }

    /// The client's limits.
    #[must_use]
    pub fn limits(&self) -> &FetchLimits {
        &self.limits
    }

    /// A `GET` of `url`.
    pub fn get<'a>(&'a self, url: &'a FetchUrl) -> FetchRequest<'a> {
        self.request(Method::GET, url)
    }

    /// A `POST` to `url`.
    pub fn post<'a>(&'a self, url: &'a FetchUrl) -> FetchRequest<'a> {
        self.request(Method::POST, url)
    }

    /// A request with any method.
    pub fn request<'a>(&'a self, method: Method, url: &'a FetchUrl) -> FetchRequest<'a> {
        FetchRequest { client: self, method, url, headers: HeaderMap::new(), body: None, json_failed: false }
    }
}

/// Builds a [`FetchClient`]; from [`FetchClient::builder`].
#[derive(Debug)]
pub struct FetchClientBuilder<R> {
    policy: FetchPolicy,
    limits: FetchLimits,
    resolver: R,
    user_agent: Option<HeaderValue>,
}

impl<R: AsyncResolve + 'static> FetchClientBuilder<R> {
    /// Resolves names with `resolver` (a caching resolver, a test stub);
    /// every address it returns is still checked. It must look names up
    /// without search domains ([`AsyncResolve`]'s contract).
    #[must_use]
    pub fn resolver<R2: AsyncResolve + 'static>(self, resolver: R2) -> FetchClientBuilder<R2> {
        FetchClientBuilder { policy: self.policy, limits: self.limits, resolver, user_agent: self.user_agent }
    }

    /// Timeouts, body cap and redirect limit.
    #[must_use]
    pub fn limits(mut self, limits: FetchLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The `User-Agent` header of every request (none by default).
    #[must_use]
    pub fn user_agent(mut self, user_agent: HeaderValue) -> Self {
        self.user_agent = Some(user_agent);
        self
    }

    /// The client.
    ///
    /// # Errors
    ///
    /// [`Error::Build`] if the TLS set-up fails.
    pub fn build(self) -> Result<FetchClient, Error> {
        let Self { policy, limits, resolver, user_agent } = self;
        let checking = Checking { policy: policy.clone(), inner: Arc::new(resolver) };
        let redirect_policy = policy.clone();
        let max = usize::from(limits.max_redirects());
        let redirects = redirect::Policy::custom(move |attempt| {
            match check_hop(&redirect_policy, max, attempt.previous().len(), attempt.url()) {
                Ok(()) => attempt.follow(),
                Err(refused) => attempt.error(refused),
            }
        });
        let mut builder = reqwest::Client::builder()
            .no_proxy()
            // No decompression even if another crate in the binary turns
            // on one of reqwest's features: a bomb would pass the body cap.
            .no_gzip()
            .no_brotli()
            .no_zstd()
            .no_deflate()
            .dns_resolver(Arc::new(checking))
            .redirect(redirects)
            .referer(false)
            .https_only(policy.is_https_only())
            .connect_timeout(limits.connect_timeout())
            .read_timeout(limits.read_timeout())
            .timeout(limits.total_timeout());
        if let Some(user_agent) = user_agent {
            builder = builder.user_agent(user_agent);
        }
        let http = builder.build().map_err(|e| Error::Build(e.without_url()))?;
        Ok(FetchClient { http, policy, limits })
    }
}

/// Whether to follow a redirect to `target`, after `previous` requests (the
/// first one included): refused past `max` redirects, else parsed under
/// the client's policy, as the first URL was.
fn check_hop(
    policy: &FetchPolicy,
    max: usize,
    previous: usize,
    target: &reqwest::Url,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    if previous > max {
        return Err(Box::new(RedirectLimit));
    }
    policy.parse(target.as_str()).map(drop).map_err(Into::into)
}

/// A request being built; [`FetchRequest::send`] sends it.
#[must_use = "a request does nothing until it is sent"]
pub struct FetchRequest<'a> {
    client: &'a FetchClient,
    method: Method,
    url: &'a FetchUrl,
    headers: HeaderMap,
    body: Option<Vec<u8>>,
    json_failed: bool,
}

impl fmt::Debug for FetchRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values and the body may be credentials; the URL's Debug is masked.
        f.debug_struct("FetchRequest").field("method", &self.method).field("url", self.url).finish_non_exhaustive()
    }
}

impl FetchRequest<'_> {
    /// Adds a header.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    /// The body, as bytes.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// The body, `value` as JSON, with `Content-Type: application/json`
    /// (a value that cannot be serialised fails at [`send`](Self::send)).
    pub fn json<T: serde::Serialize + ?Sized>(mut self, value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => {
                self.headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                self.body = Some(body);
            }
            Err(_) => self.json_failed = true,
        }
        self
    }

    /// Sends the request, follows the redirects the policy allows, and
    /// reads the body up to the limit.
    ///
    /// # Errors
    ///
    /// [`Error::PolicyMismatch`] for a URL parsed under another policy;
    /// [`Error::Refused`] for a redirect or resolved address the policy
    /// refuses; [`Error::TooManyRedirects`], [`Error::TooLarge`],
    /// [`Error::Timeout`], [`Error::Connect`], [`Error::Http`],
    /// [`Error::Json`]. No request is made before the URL's checks pass.
    pub async fn send(self) -> Result<Fetched, Error> {
        let client = self.client;
        if self.url.policy() != &client.policy {
            return Err(Error::PolicyMismatch);
        }
        if self.json_failed {
            return Err(Error::Json);
        }
        let max_redirects = client.limits.max_redirects();
        let mut request = client.http.request(self.method, self.url.as_url().clone()).headers(self.headers);
        if let Some(body) = self.body {
            request = request.body(body);
        }
        let response = request.send().await.map_err(|e| classify(e, max_redirects))?;
        read_capped(response, client).await
    }
}

/// The response, with the body read up to the cap.
async fn read_capped(mut response: reqwest::Response, client: &FetchClient) -> Result<Fetched, Error> {
    let max_bytes = client.limits.max_body_bytes();
    let too_large = Error::TooLarge { max_bytes };
    if response.content_length().is_some_and(|len| len > max_bytes as u64) {
        return Err(too_large);
    }
    let final_url = client.policy.parse(response.url().as_str()).map_err(Error::Refused)?;
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| classify(e, client.limits.max_redirects()))? {
        if chunk.len() > max_bytes.saturating_sub(body.len()) {
            return Err(too_large);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Fetched { status, headers, body, final_url })
}

/// A response read whole (up to [`FetchLimits::max_body_bytes`]).
#[non_exhaustive]
pub struct Fetched {
    /// The status code (a redirect's only when it had no usable `Location`
    /// or the client followed none).
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Vec<u8>,
    final_url: FetchUrl,
}

impl Fetched {
    /// The URL the body came from, after redirects (checked under the
    /// client's policy).
    #[must_use]
    pub fn final_url(&self) -> &FetchUrl {
        &self.final_url
    }
}

impl fmt::Debug for Fetched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The body and headers (cookies, tokens) are the remote party's data.
        f.debug_struct("Fetched")
            .field("status", &self.status)
            .field("body_bytes", &self.body.len())
            .field("final_url", &self.final_url)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hop(policy: &FetchPolicy, previous: usize, target: &str) -> Result<(), String> {
        let target = reqwest::Url::parse(target).map_err(|e| e.to_string())?;
        check_hop(policy, 2, previous, &target).map_err(|e| e.to_string())
    }

    /// Each hop is held to the client's policy: an `https_only` or
    /// custom-port policy holds for redirects, and the limit counts hops.
    #[test]
    fn redirects_are_held_to_the_clients_policy_and_limit() {
        let strict = FetchPolicy::default().https_only().ports([443, 8443]);
        assert_eq!(hop(&strict, 1, "https://example.org:8443/next"), Ok(()));
        assert_eq!(hop(&strict, 1, "http://example.org/next"), Err("invalid URL: scheme".to_owned()));
        assert_eq!(hop(&strict, 1, "https://example.org:8080/"), Err("invalid URL: port".to_owned()));
        assert_eq!(hop(&strict, 1, "https://169.254.169.254/"), Err("invalid URL: metadata".to_owned()));
        assert_eq!(hop(&strict, 2, "https://example.org/"), Ok(()));
        assert_eq!(hop(&strict, 3, "https://example.org/"), Err("redirect limit".to_owned()));
    }
}

use std::{net::SocketAddr, sync::Arc, time::Duration};

use guardrail::validate::{Error, FetchUrl};
use reqwest::{
    Client, Response,
    dns::{Name, Resolve, Resolving},
    header::LOCATION,
    redirect::Policy,
};

/// Redirects followed, each one checked, before giving up.
pub const MAX_REDIRECTS: usize = 5;

/// A client that can reach `url`'s host only at `addrs`, the addresses
/// `FetchUrl::resolve` checked.
pub fn pinned_client(url: &FetchUrl, addrs: &[SocketAddr]) -> reqwest::Result<Client> {
    Client::builder()
        // HTTP_PROXY / HTTPS_PROXY / ALL_PROXY would send the request to a
        // proxy, which resolves the name again, itself: the checked address
        // would never be used.
        .no_proxy()
        // Connect to the checked addresses, and never look a name up:
        // a name the client was not pinned to fails.
        .resolve_to_addrs(url.host_str(), addrs)
        .dns_resolver(Arc::new(NoLookups))
        // Each hop goes through `FetchUrl::redirect`, below.
        .redirect(Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
}

/// Fetches `url`, following up to `MAX_REDIRECTS` redirects, each one
/// checked under `url`'s policy and resolved and checked again by
/// `checked_addrs` (in a service: `|u| u.resolve(&SystemResolver)`).
pub async fn fetch(
    mut url: FetchUrl,
    checked_addrs: impl Fn(&FetchUrl) -> Result<Vec<SocketAddr>, Error>,
) -> Result<Response, FetchError> {
    for _ in 0..=MAX_REDIRECTS {
        let addrs = checked_addrs(&url).map_err(FetchError::Refused)?;
        let client = pinned_client(&url, &addrs).map_err(FetchError::Http)?;
        let response = client.get(url.as_url().clone()).send().await.map_err(FetchError::Http)?;
        if !response.status().is_redirection() {
            return Ok(response);
        }
        let location = response.headers().get(LOCATION).and_then(|v| v.to_str().ok());
        url = url.redirect(location.ok_or(FetchError::BadRedirect)?).map_err(FetchError::Refused)?;
    }
    Err(FetchError::TooManyRedirects)
}

/// Why a fetch did not happen.
#[derive(Debug)]
pub enum FetchError {
    /// The URL, a redirect target or a resolved address was refused.
    Refused(Error),
    /// The request failed.
    Http(reqwest::Error),
    /// A redirect without a readable `Location`.
    BadRedirect,
    /// More than `MAX_REDIRECTS` redirects.
    TooManyRedirects,
}

/// A resolver that answers nothing.
struct NoLookups;

impl Resolve for NoLookups {
    fn resolve(&self, _: Name) -> Resolving {
        Box::pin(std::future::ready(Err("name not pinned to a checked address".into())))
    }
}

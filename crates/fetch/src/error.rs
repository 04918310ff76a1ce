//! The crate's one error enum, and how reqwest's errors become its kinds.

use std::error::Error as _;

/// Why a fetch did not happen, or stopped. No variant holds a URL, a
/// header or a body: a webhook URL often carries a token, and this error is
/// logged. The transport variants keep reqwest's error as their `source`,
/// stripped of its URL.
///
/// What the source chain may still show: the **host name**, never the
/// path, query, fragment or user info. A TLS certificate not valid for the
/// name ([`Error::Connect`]) ends in rustls' `NotValidForNameContext`,
/// whose `Display` names the expected host and the names the certificate
/// presents. Log a source chain where the host may appear (a webhook host
/// is the user's data, not a credential); the variants' own `Display`
/// never shows it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The URL, a redirect target or a resolved address was refused by the
    /// client's [`FetchPolicy`](guardrail_validate::FetchPolicy); the
    /// validation error names the reason code.
    #[error("refused: {0}")]
    Refused(#[source] guardrail_validate::Error),
    /// The URL was checked under another policy than the client's (parse
    /// it with [`FetchClient::policy`](crate::FetchClient::policy)).
    #[error("the URL was checked under another policy than the client's")]
    PolicyMismatch,
    /// The response body is longer than the client's limit (by its
    /// `Content-Length`, before reading, or while reading).
    #[error("response body over {max_bytes} bytes")]
    TooLarge {
        /// The limit, [`FetchLimits::max_body_bytes`](crate::FetchLimits::max_body_bytes).
        max_bytes: usize,
    },
    /// More redirects than the client's limit.
    #[error("more than {max} redirects")]
    TooManyRedirects {
        /// The limit, [`FetchLimits::max_redirects`](crate::FetchLimits::max_redirects).
        max: u8,
    },
    /// Connecting, waiting for data, or the whole fetch took longer than
    /// its limit.
    #[error("timed out")]
    Timeout(#[source] reqwest::Error),
    /// No connection could be made (refused, reset, TLS handshake or
    /// certificate failure, name not found). Its source chain may name the
    /// host (a certificate not valid for it), never the path or query.
    #[error("cannot connect")]
    Connect(#[source] reqwest::Error),
    /// Any other HTTP or transport failure.
    #[error("HTTP request failed")]
    Http(#[source] reqwest::Error),
    /// The request body could not be serialised as JSON.
    #[error("cannot serialise the request body as JSON")]
    Json,
    /// A limit given to [`FetchLimits::new`](crate::FetchLimits::new) is out of range.
    #[error("fetch limit out of range: {name}")]
    InvalidLimit {
        /// The parameter's name.
        name: &'static str,
    },
    /// The HTTP client could not be built (TLS set-up).
    #[error("cannot build the HTTP client")]
    Build(#[source] reqwest::Error),
}

/// The redirect policy's refusal past the limit, recovered by [`classify`].
#[derive(Debug, thiserror::Error)]
#[error("redirect limit")]
pub(crate) struct RedirectLimit;

/// One of reqwest's errors as a kind: a refusal by the resolver hook or
/// the redirect policy is found by walking its sources; the rest by
/// reqwest's own classification. The URL is stripped.
pub(crate) fn classify(error: reqwest::Error, max_redirects: u8) -> Error {
    let mut source = error.source();
    while let Some(inner) = source {
        if let Some(refused) = inner.downcast_ref::<guardrail_validate::Error>() {
            return Error::Refused(copy(refused));
        }
        if inner.is::<RedirectLimit>() {
            return Error::TooManyRedirects { max: max_redirects };
        }
        source = inner.source();
    }
    let error = error.without_url();
    if error.is_timeout() {
        Error::Timeout(error)
    } else if error.is_connect() {
        Error::Connect(error)
    } else {
        Error::Http(error)
    }
}

/// A copy of a refusal found behind a reference (the error is not `Clone`:
/// it may hold an `io::Error`, which a URL check never does).
fn copy(error: &guardrail_validate::Error) -> guardrail_validate::Error {
    match (error.kind(), error.reason()) {
        (Some(kind), Some(reason)) => guardrail_validate::Error::Invalid { kind, reason },
        _ => guardrail_validate::Error::Invalid {
            kind: guardrail_validate::Kind::Url,
            reason: guardrail_validate::Reason::Resolution,
        },
    }
}

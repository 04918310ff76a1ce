//! A security-headers preset for JSON APIs, on tower-http's
//! `SetResponseHeaderLayer::overriding`: every response, problems
//! included, says not to cache it, not to sniff its type, to send no
//! `Referer` from it, and (a deny-all CSP) to run nothing it contains.

use std::{fmt, time::Duration};

use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use tower::Layer;
use tower_http::set_header::{SetResponseHeader, SetResponseHeaderLayer};

/// `Cache-Control` of the preset: a response may hold personal data.
pub const CACHE_CONTROL: &str = "no-store";
/// `X-Content-Type-Options` of the preset.
pub const CONTENT_TYPE_OPTIONS: &str = "nosniff";
/// `Referrer-Policy` of the preset.
pub const REFERRER_POLICY: &str = "no-referrer";
/// `Content-Security-Policy` of the preset: a JSON API serves nothing a
/// browser should run, load or frame.
pub const JSON_API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// The preset's headers, for a response built outside the layer (the
/// panic response of [`catch_panic_layer`](crate::catch_panic_layer),
/// the outermost layer). No HSTS: that is the layer's option.
const PRESET: [(HeaderName, &str); 4] = [
    (header::CACHE_CONTROL, CACHE_CONTROL),
    (header::X_CONTENT_TYPE_OPTIONS, CONTENT_TYPE_OPTIONS),
    (header::REFERRER_POLICY, REFERRER_POLICY),
    (header::CONTENT_SECURITY_POLICY, JSON_API_CSP),
];

/// Sets the preset's four headers on `headers`, overriding.
pub(crate) fn insert_json_api(headers: &mut HeaderMap) {
    for (name, value) in PRESET {
        headers.insert(name, HeaderValue::from_static(value));
    }
}

/// The preset as a layer: `Router::layer(SecurityHeadersLayer::json_api())`.
#[derive(Clone)]
pub struct SecurityHeadersLayer {
    hsts: Option<HeaderValue>,
}

impl SecurityHeadersLayer {
    /// `Cache-Control: no-store`, `X-Content-Type-Options: nosniff`,
    /// `Referrer-Policy: no-referrer`, `Content-Security-Policy:
    /// default-src 'none'; frame-ancestors 'none'`, each overriding what a
    /// handler set.
    #[must_use]
    pub fn json_api() -> Self {
        Self { hsts: None }
    }

    /// Adds `Strict-Transport-Security: max-age=<seconds>;
    /// includeSubDomains` (only behind HTTPS; a browser then refuses plain
    /// HTTP to this host for `max_age`).
    #[must_use]
    pub fn hsts(self, max_age: Duration) -> Self {
        let value = format!("max-age={}; includeSubDomains", max_age.as_secs());
        Self { hsts: HeaderValue::from_str(&value).ok() }
    }
}

impl fmt::Debug for SecurityHeadersLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecurityHeadersLayer").field("hsts", &self.hsts).finish()
    }
}

/// The service [`SecurityHeadersLayer`] wraps around `S`.
pub type SecurityHeaders<S> = SetResponseHeader<
    SetResponseHeader<
        SetResponseHeader<SetResponseHeader<SetResponseHeader<S, Option<HeaderValue>>, HeaderValue>, HeaderValue>,
        HeaderValue,
    >,
    HeaderValue,
>;

fn overriding(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
}

impl<S> Layer<S> for SecurityHeadersLayer {
    type Service = SecurityHeaders<S>;

    fn layer(&self, inner: S) -> SecurityHeaders<S> {
        let inner =
            SetResponseHeaderLayer::overriding(header::STRICT_TRANSPORT_SECURITY, self.hsts.clone()).layer(inner);
        let inner = overriding(header::CONTENT_SECURITY_POLICY, JSON_API_CSP).layer(inner);
        let inner = overriding(header::REFERRER_POLICY, REFERRER_POLICY).layer(inner);
        let inner = overriding(header::X_CONTENT_TYPE_OPTIONS, CONTENT_TYPE_OPTIONS).layer(inner);
        overriding(header::CACHE_CONTROL, CACHE_CONTROL).layer(inner)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code

    use axum::{
        Router,
        body::Body,
        http::{Request, StatusCode},
        response::IntoResponse,
        routing::get,
    };
    use tower::ServiceExt as _;

    use super::*;
    use crate::Problem;

    async fn headers(layer: SecurityHeadersLayer, path: &str) -> (StatusCode, HeaderMap) {
        let app = Router::new()
            .route("/ok", get(|| async { ([(header::CACHE_CONTROL, "public, max-age=600")], "{}") }))
            .route("/problem", get(|| async { Problem::csrf().into_response() }))
            .layer(layer);
        let response = app.oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
        (response.status(), response.headers().clone())
    }

    #[tokio::test]
    async fn every_response_gets_the_four_headers() {
        for path in ["/ok", "/problem", "/missing"] {
            let (_, h) = headers(SecurityHeadersLayer::json_api(), path).await;
            assert_eq!(h[header::CACHE_CONTROL], "no-store", "{path}: overrides the handler's");
            assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
            assert_eq!(h[header::REFERRER_POLICY], "no-referrer");
            assert_eq!(h[header::CONTENT_SECURITY_POLICY], "default-src 'none'; frame-ancestors 'none'");
            assert!(h.get(header::STRICT_TRANSPORT_SECURITY).is_none(), "HSTS is opt-in");
        }
        let (status, _) = headers(SecurityHeadersLayer::json_api(), "/problem").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "the status is untouched");
    }

    #[tokio::test]
    async fn hsts_is_added_when_asked() {
        let layer = SecurityHeadersLayer::json_api().hsts(Duration::from_secs(31_536_000));
        let (_, h) = headers(layer, "/ok").await;
        assert_eq!(h[header::STRICT_TRANSPORT_SECURITY], "max-age=31536000; includeSubDomains");
        assert_eq!(h[header::CACHE_CONTROL], "no-store");
    }
}

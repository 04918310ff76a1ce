//! Errors as RFC 9457 `application/problem+json`.
//!
//! Every problem has a stable machine-readable `code` (clients branch on
//! it, never on `title` or `detail`), and every string in it is a
//! `&'static str`: a response cannot echo the submitted value because the
//! type has nowhere to put one.

use axum::{
    extract::rejection::JsonRejection,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;

/// The media type of RFC 9457 §3.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// `about:blank`: the `code` member carries the meaning (RFC 9457 §4.2.1).
    #[serde(rename = "type")]
    kind: &'static str,
    /// The status code's reason phrase.
    title: &'static str,
    /// The HTTP status, repeated in the body.
    status: u16,
    /// The stable code clients branch on.
    code: &'static str,
    /// A sentence for people; fixed per code.
    detail: &'static str,
    /// Policy violation codes (`weak_password`), or empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    violations: Vec<&'static str>,
    /// Seconds for `Retry-After` (429 and 503).
    #[serde(skip)]
    retry_after: Option<u64>,
    /// Adds `WWW-Authenticate: Bearer` (401 from an API-key endpoint).
    #[serde(skip)]
    bearer: bool,
}

impl Problem {
    fn new(status: StatusCode, code: &'static str, detail: &'static str) -> Self {
        Self {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            code,
            detail,
            violations: Vec::new(),
            retry_after: None,
            bearer: false,
        }
    }

    /// The status this problem is sent with.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The stable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// 400: the body is not the JSON this endpoint takes.
    #[must_use]
    pub fn malformed() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "malformed_request",
            "The request body is not valid JSON of the expected shape.",
        )
    }

    /// 413: the body is larger than the configured limit.
    #[must_use]
    pub fn too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "The request body is larger than this service accepts.",
        )
    }

    /// 415: not `application/json`.
    #[must_use]
    pub fn unsupported_media_type() -> Self {
        Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "Send the body as application/json.")
    }

    /// 422 for one invalid field (`invalid_email`, `invalid_username`, `invalid_name`).
    #[must_use]
    pub fn invalid(code: &'static str) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, "A field of the request was refused by validation.")
    }

    /// 422 `weak_password` with every violation's code.
    #[must_use]
    pub fn weak_password(violations: Vec<&'static str>) -> Self {
        let mut p = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "weak_password",
            "The password was refused by the password policy.",
        );
        p.violations = violations;
        p
    }

    /// 409: the email address or username is taken.
    #[must_use]
    pub fn already_exists() -> Self {
        Self::new(StatusCode::CONFLICT, "already_exists", "An account with this email address or username exists.")
    }

    /// 409: the account holds as many API keys as it may.
    #[must_use]
    pub fn too_many_keys() -> Self {
        Self::new(StatusCode::CONFLICT, "too_many_api_keys", "This account holds the most API keys allowed.")
    }

    /// 401 for a failed login: one value for an unknown account and a wrong
    /// password, so the response cannot tell them apart.
    #[must_use]
    pub fn invalid_credentials() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_credentials", "The login or the password is wrong.")
    }

    /// 403 for a wrong current password on `/password` (the session is valid).
    #[must_use]
    pub fn wrong_current_password() -> Self {
        Self::new(StatusCode::FORBIDDEN, "invalid_credentials", "The current password is wrong.")
    }

    /// 401: no session, or an unknown one.
    #[must_use]
    pub fn unauthenticated() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", "Log in first.")
    }

    /// 401: the session expired.
    #[must_use]
    pub fn session_expired() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "session_expired", "The session expired; log in again.")
    }

    /// 401 from `/whoami`: missing, malformed or unknown API key.
    #[must_use]
    pub fn invalid_api_key() -> Self {
        let mut p = Self::new(StatusCode::UNAUTHORIZED, "invalid_api_key", "The API key is missing or not valid.");
        p.bearer = true;
        p
    }

    /// 403: a cookie-authenticated change without this session's CSRF token.
    #[must_use]
    pub fn csrf() -> Self {
        Self::new(StatusCode::FORBIDDEN, "csrf", "Send this session's token in the X-CSRF-Token header.")
    }

    /// 429 with `Retry-After`.
    #[must_use]
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        let mut p = Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "Too many attempts; retry later.");
        p.retry_after = Some(retry_after_secs.max(1));
        p
    }

    /// 503 with `Retry-After`: every hashing slot is busy.
    #[must_use]
    pub fn busy() -> Self {
        let mut p = Self::new(StatusCode::SERVICE_UNAVAILABLE, "busy", "The service is busy; retry shortly.");
        p.retry_after = Some(1);
        p
    }

    /// 404.
    #[must_use]
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "There is nothing at this path.")
    }

    /// 405.
    #[must_use]
    pub fn method_not_allowed() -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "This path does not take this method.")
    }

    /// 500: details go to the log, never to the client.
    #[must_use]
    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Something went wrong on our side.")
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (self.status(), body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.bearer {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<JsonRejection> for Problem {
    /// axum's own messages quote the offending input (`invalid type:
    /// string "..."`); only the status survives.
    fn from(rejection: JsonRejection) -> Self {
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => Self::too_large(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Self::unsupported_media_type(),
            _ => Self::malformed(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code

    use super::*;

    #[test]
    fn problem_json_shape() {
        let r = Problem::rate_limited(7).into_response();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
        assert_eq!(r.headers()[header::RETRY_AFTER], "7");
        let json = serde_json::to_value(Problem::weak_password(vec!["too_short"])).unwrap();
        assert_eq!(json["type"], "about:blank");
        assert_eq!(json["status"], 422);
        assert_eq!(json["code"], "weak_password");
        assert_eq!(json["violations"][0], "too_short");
        assert_eq!(serde_json::to_value(Problem::busy()).unwrap().get("violations"), None);
    }
}

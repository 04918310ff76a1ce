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

    /// 422 for one invalid field (`invalid_email`, `invalid_username`, `invalid_name`).
    #[must_use]
    pub fn invalid(code: &'static str) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, "A field of the request was refused by validation.")
    }

    /// 422 `weak_password` with every violation's code.
    #[must_use]
    pub fn weak_password(violations: Vec<&'static str>) -> Self {
        Self { violations, ..Self::weak_password_without_codes() }
    }

    /// 401 from `/whoami`: missing, malformed or unknown API key.
    #[must_use]
    pub fn invalid_api_key() -> Self {
        Self { bearer: true, ..Self::invalid_api_key_without_challenge() }
    }

    /// 429 with `Retry-After`.
    #[must_use]
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self { retry_after: Some(retry_after_secs.max(1)), ..Self::rate_limited_without_wait() }
    }

    /// 503 with `Retry-After`: every hashing slot is busy.
    #[must_use]
    pub fn busy() -> Self {
        Self { retry_after: Some(1), ..Self::busy_without_wait() }
    }
}

/// The problems with a fixed status, code and detail, one a row: `name`
/// (its constructor), status, code, detail. The rows `*_without_*` are the
/// bodies the constructors above complete.
macro_rules! fixed_problems {
    ($($(#[$doc:meta])* $vis:vis $name:ident: $status:ident, $code:literal, $detail:literal;)*) => {
        impl Problem {
            $(
                $(#[$doc])*
                #[must_use]
                $vis fn $name() -> Self {
                    Self::new(StatusCode::$status, $code, $detail)
                }
            )*
        }
    };
}

fixed_problems! {
    /// 400: the body is not the JSON this endpoint takes.
    pub malformed: BAD_REQUEST, "malformed_request", "The request body is not valid JSON of the expected shape.";
    /// 413: the body is larger than the configured limit.
    pub too_large: PAYLOAD_TOO_LARGE, "payload_too_large", "The request body is larger than this service accepts.";
    /// 415: not `application/json`.
    pub unsupported_media_type: UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "Send the body as application/json.";
    weak_password_without_codes: UNPROCESSABLE_ENTITY, "weak_password", "The password was refused by the password policy.";
    /// 409: the email address or username is taken.
    pub already_exists: CONFLICT, "already_exists", "An account with this email address or username exists.";
    /// 409: the account holds as many API keys as it may.
    pub too_many_keys: CONFLICT, "too_many_api_keys", "This account holds the most API keys allowed.";
    /// 401 for a failed login: one value for an unknown account and a wrong
    /// password, so the response cannot tell them apart.
    pub invalid_credentials: UNAUTHORIZED, "invalid_credentials", "The login or the password is wrong.";
    /// 403 for a wrong current password on `/password` (the session is valid).
    pub wrong_current_password: FORBIDDEN, "invalid_credentials", "The current password is wrong.";
    /// 401: no session, or an unknown one.
    pub unauthenticated: UNAUTHORIZED, "unauthenticated", "Log in first.";
    /// 401: the session expired.
    pub session_expired: UNAUTHORIZED, "session_expired", "The session expired; log in again.";
    invalid_api_key_without_challenge: UNAUTHORIZED, "invalid_api_key", "The API key is missing or not valid.";
    /// 403: a cookie-authenticated change without this session's CSRF token.
    pub csrf: FORBIDDEN, "csrf", "Send this session's token in the X-CSRF-Token header.";
    rate_limited_without_wait: TOO_MANY_REQUESTS, "rate_limited", "Too many attempts; retry later.";
    busy_without_wait: SERVICE_UNAVAILABLE, "busy", "The service is busy; retry shortly.";
    /// 404.
    pub not_found: NOT_FOUND, "not_found", "There is nothing at this path.";
    /// 405.
    pub method_not_allowed: METHOD_NOT_ALLOWED, "method_not_allowed", "This path does not take this method.";
    /// 500: details go to the log, never to the client.
    pub internal: INTERNAL_SERVER_ERROR, "internal", "Something went wrong on our side.";
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

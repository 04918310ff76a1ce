//! Errors as RFC 9457 `application/problem+json`.
//!
//! Every problem has a stable machine-readable `code` (clients branch on
//! it, never on `title` or `detail`), and every string in it is a
//! `&'static str`: a response cannot echo the submitted value because the
//! type has nowhere to put one. The field a problem is about is a
//! [`Pointer`] built from the target type's static field names and
//! sequence indices; a map key is written `*`, never spelled out.

use std::{any::Any, fmt};

use axum::{
    body::Body,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::{Serialize, Serializer, ser::SerializeStruct as _};
use tower_http::catch_panic::{CatchPanicLayer, ResponseForPanic};

/// The media type of RFC 9457 §3.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One error response.
///
/// Serialised as `type` (`about:blank`: the `code` member carries the
/// meaning, RFC 9457 §4.2.1), `title` (the status code's reason phrase),
/// `status`, `code`, `detail`, then `violations`, `reason` and `pointer`
/// when present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The HTTP status, repeated in the body.
    status: u16,
    /// The stable code clients branch on.
    code: &'static str,
    /// A sentence for people; fixed per code.
    detail: &'static str,
    /// Policy violation codes (`weak_password`), or empty.
    violations: Vec<&'static str>,
    /// A finer stable code: `invalid_type`, `unknown_field`, `too_long`, ...
    reason: Option<&'static str>,
    /// The field the problem is about (RFC 9457 §3.2's `#/field` form).
    pointer: Option<Pointer>,
    /// Seconds for `Retry-After` (429 and 503).
    retry_after: Option<u64>,
    /// Adds `WWW-Authenticate: Bearer` (401 from an API-key endpoint).
    bearer: bool,
}

impl Serialize for Problem {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let optional = usize::from(!self.violations.is_empty())
            + usize::from(self.reason.is_some())
            + usize::from(self.pointer.is_some());
        let mut s = serializer.serialize_struct("Problem", 5 + optional)?;
        s.serialize_field("type", "about:blank")?;
        s.serialize_field("title", self.status().canonical_reason().unwrap_or("Error"))?;
        s.serialize_field("status", &self.status)?;
        s.serialize_field("code", self.code)?;
        s.serialize_field("detail", self.detail)?;
        if !self.violations.is_empty() {
            s.serialize_field("violations", &self.violations)?;
        }
        if let Some(reason) = self.reason {
            s.serialize_field("reason", reason)?;
        }
        if let Some(pointer) = &self.pointer {
            s.serialize_field("pointer", pointer)?;
        }
        s.end()
    }
}

/// A JSON Pointer (RFC 6901) in URI-fragment form, `#/items/0/name`, made
/// only of a type's static field names, indices and `*` for a map key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pointer(Vec<Segment>);

/// One step of a [`Pointer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment {
    /// A struct field or enum variant, by the name the type declares.
    Field(&'static str),
    /// An element of a sequence.
    Index(usize),
    /// The value under some key of a map: written `*`, the key is input.
    Key,
}

impl Pointer {
    /// The pointer to the whole document, `#`.
    #[must_use]
    pub const fn root() -> Self {
        Self(Vec::new())
    }

    /// This pointer, one step deeper.
    #[must_use]
    pub fn join(mut self, segment: Segment) -> Self {
        self.0.push(segment);
        self
    }

    /// The steps from the document's root.
    #[must_use]
    pub fn segments(&self) -> &[Segment] {
        &self.0
    }
}

impl FromIterator<Segment> for Pointer {
    fn from_iter<I: IntoIterator<Item = Segment>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("#")?;
        for segment in &self.0 {
            f.write_str("/")?;
            match segment {
                Segment::Field(name) => write_escaped(f, name)?,
                Segment::Index(i) => write!(f, "{i}")?,
                Segment::Key => f.write_str("*")?,
            }
        }
        Ok(())
    }
}

/// RFC 6901 escaping (`~` → `~0`, `/` → `~1`), then percent-encoding of
/// what a URI fragment may not hold (RFC 3986 §3.5).
fn write_escaped(f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
    for byte in name.bytes() {
        match byte {
            b'~' => f.write_str("~0")?,
            b'/' => f.write_str("~1")?,
            b if b.is_ascii_alphanumeric() || b"-._!$&'()*+,;=:@?".contains(&b) => write!(f, "{}", char::from(b))?,
            b => write!(f, "%{b:02X}")?,
        }
    }
    Ok(())
}

impl Serialize for Pointer {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl Problem {
    /// A problem with this status, stable `code` and fixed `detail`
    /// sentence: for an application's own codes (`already_exists`, ...).
    #[must_use]
    pub fn new(status: StatusCode, code: &'static str, detail: &'static str) -> Self {
        Self {
            status: status.as_u16(),
            code,
            detail,
            violations: Vec::new(),
            reason: None,
            pointer: None,
            retry_after: None,
            bearer: false,
        }
    }

    /// This problem with a finer stable code (`reason` member).
    #[must_use]
    pub fn with_reason(self, reason: &'static str) -> Self {
        Self { reason: Some(reason), ..self }
    }

    /// This problem about one field (`pointer` member).
    #[must_use]
    pub fn with_pointer(self, pointer: Pointer) -> Self {
        Self { pointer: Some(pointer), ..self }
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

    /// The finer stable code, if any.
    #[must_use]
    pub fn reason(&self) -> Option<&'static str> {
        self.reason
    }

    /// The field this problem is about, if any.
    #[must_use]
    pub fn pointer(&self) -> Option<&Pointer> {
        self.pointer.as_ref()
    }

    /// The policy violation codes (`weak_password`), or empty.
    #[must_use]
    pub fn violations(&self) -> &[&'static str] {
        &self.violations
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

    /// 401 from an API-key endpoint: missing, malformed or unknown API key,
    /// with `WWW-Authenticate: Bearer`.
    #[must_use]
    pub fn invalid_api_key() -> Self {
        Self { bearer: true, ..Self::invalid_api_key_without_challenge() }
    }

    /// 429 with `Retry-After` (at least one second).
    #[must_use]
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self { retry_after: Some(retry_after_secs.max(1)), ..Self::rate_limited_without_wait() }
    }

    /// 503 with `Retry-After: 1`: every hashing slot is busy.
    #[must_use]
    pub fn busy() -> Self {
        Self { retry_after: Some(1), ..Self::busy_without_wait() }
    }

    /// What a guardrail-password failure answers on a path that hashes a
    /// new password (sign-up, password change) or verifies one:
    ///
    /// - [`Busy`](guardrail_password::Error::Busy): 503 [`Problem::busy`],
    ///   `Retry-After: 1` (every hashing slot stayed busy);
    /// - [`Policy`](guardrail_password::Error::Policy): 422
    ///   [`Problem::weak_password`] with every violation's code;
    /// - [`PasswordTooLong`](guardrail_password::Error::PasswordTooLong):
    ///   422 `weak_password` with the violation `too_long` (the client's
    ///   input, not a fault of ours; a login path answers it as a wrong
    ///   password instead, before calling this);
    /// - anything else (a malformed or out-of-policy stored hash, the
    ///   random number generator, a failed task): 500 [`Problem::internal`],
    ///   the error's `Display` logged (guardrail-password's errors hold no
    ///   password, salt or tag).
    #[must_use]
    pub fn from_password_error(error: &guardrail_password::Error) -> Self {
        use guardrail_password::Error;
        match error {
            Error::Busy => Self::busy(),
            Error::Policy(violations) => Self::weak_password(violations.codes().collect()),
            Error::PasswordTooLong => Self::weak_password(vec![guardrail_password::Violation::TooLong.code()]),
            other => Self::internal_logged(other),
        }
    }

    /// 500, after logging `error` (its `Display`, which must hold no
    /// secret: guardrail's errors never do) at level error.
    #[must_use]
    pub fn internal_logged(error: &dyn std::error::Error) -> Self {
        tracing::error!(error = %error, "request failed");
        Self::internal()
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
    /// 408: the body did not arrive whole before the server's body
    /// deadline (a slow or stalled client).
    pub request_timeout: REQUEST_TIMEOUT, "request_timeout", "The request body did not arrive in time.";
    /// 413: the body is larger than the configured limit.
    pub too_large: PAYLOAD_TOO_LARGE, "payload_too_large", "The request body is larger than this service accepts.";
    /// 415: not `application/json`.
    pub unsupported_media_type: UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "Send the body as application/json.";
    weak_password_without_codes: UNPROCESSABLE_ENTITY, "weak_password", "The password was refused by the password policy.";
    /// 401 for a failed login: one value for an unknown account and a wrong
    /// password, so the response cannot tell them apart.
    pub invalid_credentials: UNAUTHORIZED, "invalid_credentials", "The login or the password is wrong.";
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

impl fmt::Display for Problem {
    /// The status and code, e.g. `422 invalid_email`: what a log line needs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status, self.code)
    }
}

/// Answers a handler's panic with 500 `internal` and logs the security
/// event `sys_crash`; the panic's payload (which may quote input) is
/// dropped unread. Made by [`catch_panic_layer`]. The response carries the
/// [`SecurityHeadersLayer::json_api`](crate::SecurityHeadersLayer::json_api)
/// headers itself (`no-store`, `nosniff`, `no-referrer`, the deny-all
/// CSP; not HSTS), as the panic layer sits outside that layer.
#[derive(Debug, Clone, Copy, Default)]
pub struct PanicProblem;

impl ResponseForPanic for PanicProblem {
    type ResponseBody = Body;

    fn response_for_panic(&mut self, _payload: Box<dyn Any + Send + 'static>) -> Response {
        tracing::error!(target: "security", event = "sys_crash", "handler panicked");
        let mut response = Problem::internal().into_response();
        crate::headers::insert_json_api(response.headers_mut());
        response
    }
}

/// The outermost layer of a service: a handler's panic becomes a 500
/// problem instead of a dropped connection.
///
/// The panic hook still runs first: the default hook prints the panic
/// message to standard error, so a service that may panic on input
/// installs its own hook (`std::panic::set_hook`) that prints less.
#[must_use]
pub fn catch_panic_layer() -> CatchPanicLayer<PanicProblem> {
    CatchPanicLayer::custom(PanicProblem)
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

    #[test]
    fn members_keep_their_order_and_optional_ones_are_left_out() {
        let pointer = Pointer::root().join(Segment::Field("items")).join(Segment::Index(0)).join(Segment::Key);
        let text =
            serde_json::to_string(&Problem::malformed().with_reason("invalid_type").with_pointer(pointer)).unwrap();
        assert_eq!(
            text,
            r##"{"type":"about:blank","title":"Bad Request","status":400,"code":"malformed_request","detail":"The request body is not valid JSON of the expected shape.","reason":"invalid_type","pointer":"#/items/0/*"}"##
        );
        let text = serde_json::to_string(&Problem::csrf()).unwrap();
        assert!(!text.contains("reason") && !text.contains("pointer"), "{text}");
    }

    #[test]
    fn pointers_escape_what_rfc_6901_and_uri_fragments_need() {
        let p = Pointer::root().join(Segment::Field("a/b~c d"));
        assert_eq!(p.to_string(), "#/a~1b~0c%20d");
        assert_eq!(Pointer::root().to_string(), "#");
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_500_internal() {
        use tower::ServiceExt as _;
        #[allow(clippy::panic)] // the panic under test
        async fn boom() -> &'static str {
            panic!("handler fails")
        }
        // As the examples stack it: the panic layer outside the preset.
        let app = axum::Router::new()
            .route("/", axum::routing::get(boom))
            .layer(crate::SecurityHeadersLayer::json_api())
            .layer(catch_panic_layer());
        let request = axum::http::Request::get("/").body(Body::empty()).unwrap();
        let response = app.oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let h = response.headers();
        assert_eq!(h[header::CONTENT_TYPE], PROBLEM_JSON);
        assert_eq!(h[header::CACHE_CONTROL], "no-store", "the preset's headers on the panic response too");
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(h[header::REFERRER_POLICY], "no-referrer");
        assert_eq!(h[header::CONTENT_SECURITY_POLICY], "default-src 'none'; frame-ancestors 'none'");
        let body = axum::body::to_bytes(response.into_body(), 4096).await.unwrap();
        assert_eq!(serde_json::from_slice::<serde_json::Value>(&body).unwrap()["code"], "internal");
    }

    #[test]
    fn password_errors_answer_busy_weak_or_internal() {
        use guardrail_password::{Error, PasswordPolicy};
        let busy = Problem::from_password_error(&Error::Busy);
        assert_eq!((busy.status(), busy.retry_after), (StatusCode::SERVICE_UNAVAILABLE, Some(1)));
        assert_eq!(busy.code(), "busy");

        let password = guardrail_secret::SecretString::from("password".to_owned());
        let refused = PasswordPolicy::single_factor().check(&password, &[]).unwrap_err();
        let codes: Vec<_> = match &refused {
            Error::Policy(violations) => violations.codes().collect(),
            _ => Vec::new(),
        };
        assert!(!codes.is_empty(), "not a policy refusal: {refused}");
        let weak = Problem::from_password_error(&refused);
        assert_eq!((weak.status(), weak.code()), (StatusCode::UNPROCESSABLE_ENTITY, "weak_password"));
        assert_eq!(weak.violations(), codes);

        let long = Problem::from_password_error(&Error::PasswordTooLong);
        assert_eq!(
            (long.status(), long.code(), long.violations()),
            (StatusCode::UNPROCESSABLE_ENTITY, "weak_password", &["too_long"][..])
        );

        for other in [Error::Malformed { part: "salt" }, Error::Random, Error::TaskFailed, Error::Pepper] {
            let internal = Problem::from_password_error(&other);
            assert_eq!(
                (internal.status(), internal.code(), internal.retry_after),
                (StatusCode::INTERNAL_SERVER_ERROR, "internal", None),
                "{other}"
            );
        }
    }

    #[test]
    fn the_challenge_and_the_wait_are_headers() {
        let r = Problem::invalid_api_key().into_response();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(r.headers()[header::WWW_AUTHENTICATE], "Bearer");
        assert!(Problem::unauthenticated().into_response().headers().get(header::WWW_AUTHENTICATE).is_none());
        let r = Problem::busy().into_response();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()[header::RETRY_AFTER], "1");
        assert_eq!(Problem::rate_limited(0).into_response().headers()[header::RETRY_AFTER], "1");
    }
}

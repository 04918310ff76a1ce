//! A JSON extractor whose rejections never hold the submitted value.
//!
//! axum's own `Json` rejection quotes the input (`invalid type: integer
//! `1234567`, expected a string`), so a password sent as a number comes
//! back in the response. [`Json`] answers every failure with a
//! [`Problem`] built from fixed strings only:
//!
//! | failure | status | `code` | `reason` | `pointer` |
//! |---|---|---|---|---|
//! | `Content-Type` not `application/json` or `*+json` | 415 | `unsupported_media_type` | | |
//! | body over `DefaultBodyLimit` | 413 | `payload_too_large` | | |
//! | body not whole before the server's deadline ([`Error::BodyTimeout`](crate::Error::BodyTimeout)) | 408 | `request_timeout` | | |
//! | not JSON (syntax, early end, trailing data) | 400 | `malformed_request` | `syntax` | |
//! | wrong type, unknown, missing or duplicate field, unknown variant, wrong length | 400 | `malformed_request` | `invalid_type`, `unknown_field`, `missing_field`, ... | the field |
//! | a guardrail-validate type refused its value | 422 | `invalid_email`, `invalid_username`, `invalid_url`, `invalid_path`, `invalid_host`, `invalid_label` | validate's reason code (`too_long`, ...) | the field |
//!
//! The pointer is made of the target type's declared field and variant
//! names and of sequence indices; the value under any other map key is
//! `*`. An unknown field's or variant's name is input, so it is never
//! named: the pointer is the object that held it.
//!
//! Where serde buffers the input before the target type sees it, the
//! path inside is lost, and the pointer is the nearest object the type
//! can name: the field holding an internally tagged or untagged enum, or
//! a struct with a `#[serde(flatten)]` field (`#/payment`; `#` at the
//! top level), also for a validate refusal inside it; past an adjacently
//! tagged enum's content the buffered keys are `*` (`#/payment/c/*`), and
//! an internally tagged enum's unknown tag is `#/payment/*`. The value is
//! left out all the same (`tests/json.rs`,
//! `buffered_shapes_point_at_the_nearest_named_object_and_leak_nothing`).

mod classify;
mod path;

use axum::{
    body::Bytes,
    extract::{FromRequest, Request},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::{Serialize, de::DeserializeOwned};

use crate::problem::Problem;
use classify::Failure;

/// The request body as a `T`, or a [`Problem`] that holds none of it.
///
/// As a response, `T` serialised as `application/json`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        if !is_json(req.headers()) {
            return Err(Problem::unsupported_media_type());
        }
        let body = Bytes::from_request(req, state).await.map_err(|rejection| match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => Problem::too_large(),
            _ if is_body_timeout(&rejection) => Problem::request_timeout(),
            _ => Problem::malformed(),
        })?;
        from_slice(&body).map(Self)
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(body) => ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response(),
            Err(e) => Problem::internal_logged(&e).into_response(),
        }
    }
}

/// Parses `bytes` as a JSON `T`, as [`Json`] does with a request body.
///
/// # Errors
///
/// A [`Problem`]: 400 `malformed_request` with a `reason` (and a
/// `pointer` unless the JSON itself is broken), or 422 when a
/// guardrail-validate type refused its value (see the module docs).
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let mut json = serde_json::Deserializer::from_slice(bytes);
    let value = path::deserialize(&mut json).map_err(|captured| {
        let (failure, pointer) = captured.into_parts();
        match failure {
            Failure::Syntax => Problem::malformed().with_reason("syntax"),
            Failure::Data(reason) => Problem::malformed().with_reason(reason).with_pointer(pointer),
            Failure::Refused { code, reason } => {
                tracing::info!(target: "security", event = "input_validation_fail", code, reason, field = %pointer);
                let problem = Problem::invalid(code).with_pointer(pointer);
                match reason {
                    Some(reason) => problem.with_reason(reason),
                    None => problem,
                }
            }
        }
    })?;
    // Trailing characters; serde_json's error names only their position.
    json.end().map_err(|_| Problem::malformed().with_reason("syntax"))?;
    Ok(value)
}

/// Whether reading the body failed because its deadline passed
/// ([`crate::Error::BodyTimeout`], from the `serve` module's body, under
/// axum's and the body limit's wrappers).
fn is_body_timeout(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(error) = next {
        if matches!(error.downcast_ref::<crate::Error>(), Some(crate::Error::BodyTimeout)) {
            return true;
        }
        next = error.source();
    }
    false
}

/// `application/json` or `application/*+json`, parameters allowed.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    let subtype = subtype.to_ascii_lowercase();
    kind.eq_ignore_ascii_case("application")
        && (subtype == "json" || subtype.strip_suffix("+json").is_some_and(|s| !s.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_media_types_are_recognised() {
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(value));
            is_json(&headers)
        };
        assert!(with("application/json"));
        assert!(with("Application/JSON; charset=utf-8"));
        assert!(with("application/merge-patch+json"));
        assert!(!with("text/json"));
        assert!(!with("application/jsonx"));
        assert!(!with("application/x-www-form-urlencoded"));
        assert!(!with("json"));
        assert!(!with("application/+json"));
        assert!(!is_json(&HeaderMap::new()));
    }
}

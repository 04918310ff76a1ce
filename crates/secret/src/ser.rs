//! Serialising a secret on purpose.
//!
//! A `SecretString` field makes `#[derive(Serialize)]` fail to compile:
//! secrets are not written out by accident (see `tests/ui/`). Where a
//! value must leave the process (a request to an upstream API, say), opt in
//! per field, visibly:
//!
//! ```
//! use guardrail_secret::SecretString;
//! #[derive(serde::Serialize)]
//! struct UpstreamLogin {
//!     user: String,
//!     #[serde(serialize_with = "guardrail_secret::ser::expose_secret")]
//!     password: SecretString,
//! }
//! let body = UpstreamLogin { user: "svc".into(), password: "hunter2".to_owned().into() };
//! assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"user":"svc","password":"hunter2"}"#);
//! ```

use secrecy::ExposeSecret;
use serde::{Serialize, Serializer};

/// Serialises the secret's value. Use only with `serialize_with`, on a field
/// whose value is meant to leave the process.
///
/// # Errors
///
/// The serializer's error, if it fails.
pub fn expose_secret<S, T, V>(secret: &T, serializer: S) -> Result<S::Ok, S::Error>
where
    S: Serializer,
    T: ExposeSecret<V>,
    V: Serialize + ?Sized,
{
    secret.expose_secret().serialize(serializer)
}

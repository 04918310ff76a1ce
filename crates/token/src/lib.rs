#![forbid(unsafe_code)]
#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod api_key;
pub mod csrf;
pub mod digest_key;
mod error;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub mod random;
pub mod signed;

pub use api_key::{ApiKey, ApiKeyIssuer, StoredApiKey};
pub use digest_key::DigestKey;
pub use error::Error;

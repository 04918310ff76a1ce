#![forbid(unsafe_code)]
#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod api_key;
pub mod csrf;
mod error;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub mod random;
pub mod signed;

pub use api_key::{ApiKey, ApiKeyIssuer, StoredApiKey};
pub use error::Error;

#![forbid(unsafe_code)]
#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod api_key;
mod error;
pub mod random;

pub use api_key::{ApiKey, ApiKeyIssuer, StoredApiKey};
pub use error::Error;

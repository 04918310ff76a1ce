#![forbid(unsafe_code)]
#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
// docs.rs (`--cfg docsrs`, nightly) marks each feature-gated item with its feature.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod aead;
mod error;
#[cfg(feature = "fuzzing")]
#[cfg_attr(docsrs, doc(cfg(feature = "fuzzing")))]
pub mod fuzzing;
pub mod hkdf;
pub mod mac;
mod rotation;

pub use aead::{Algorithm, Keyring};
pub use error::Error;
pub use mac::MacKeyring;

/// A key's id in either keyring: the same type, the same rules (ids are
/// unique in a keyring; `add_key` gives one past the largest in use).
pub type KeyId = u32;

/// Whether a key of either keyring may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Opens or verifies (and seals or signs, if primary).
    Enabled,
    /// Opens and verifies nothing.
    Disabled,
}

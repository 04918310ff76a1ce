#![forbid(unsafe_code)]
#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
// docs.rs (`--cfg docsrs`, nightly) marks each feature-gated item with its feature.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod calibrate;
pub(crate) mod cost;
mod engine;
mod error;
#[cfg(feature = "fuzzing")]
#[cfg_attr(docsrs, doc(cfg(feature = "fuzzing")))]
pub mod fuzzing;
mod hasher;
#[cfg(feature = "legacy")]
mod legacy;
mod new_password;
mod params;
mod password_hash;
mod phc;
mod policy;
mod stored;
#[cfg(feature = "legacy")]
mod wrap;

pub use calibrate::{Calibration, Step, calibrate};
pub use cost::Cost;
pub use engine::Limits;
pub use engine::LoginFloor;
pub use error::Error;
#[cfg(feature = "pepper")]
#[cfg_attr(docsrs, doc(cfg(feature = "pepper")))]
pub use hasher::bound::{HashBinding, MAX_BINDING_BYTES, SealState};
pub use hasher::{PasswordHasher, Verification};
pub use new_password::NewPassword;
pub use params::{Caps, Params};
pub use password_hash::PasswordHash;
pub use policy::{PasswordPolicy, PolicyViolations, Violation};
pub use stored::StoredInfo;

/// The longest password `verify` and `hash` accept, in bytes: longer input
/// is an error, not work (NIST SP 800-63B-4 lets verifiers cap length; 4
/// KiB is far above any real password and any policy maximum).
pub const MAX_PASSWORD_BYTES: usize = 4096;

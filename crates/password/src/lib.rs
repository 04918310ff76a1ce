#![forbid(unsafe_code)]
#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod calibrate;
mod engine;
mod error;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
mod hasher;
#[cfg(feature = "legacy")]
mod legacy;
mod params;
mod phc;
mod policy;

pub use calibrate::{Calibration, Step, calibrate};
pub use engine::Limits;
pub use error::Error;
pub use hasher::{PasswordHash, PasswordHasher, Verification};
pub use params::{Caps, Params};
pub use policy::{PasswordPolicy, PolicyViolations, Violation};

/// The longest password `verify` and `hash` accept, in bytes: longer input
/// is an error, not work (NIST SP 800-63B-4 lets verifiers cap length; 4
/// KiB is far above any real password and any policy maximum).
pub const MAX_PASSWORD_BYTES: usize = 4096;

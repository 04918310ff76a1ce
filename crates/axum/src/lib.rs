#![forbid(unsafe_code)]
#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod api_key;
pub mod csrf;
mod error;
pub mod headers;
pub mod json;
pub mod limit;
pub mod problem;
#[cfg(feature = "serve")]
pub mod serve;
pub mod session;

pub use api_key::{ApiKeyAuth, ApiKeyLookup, ApiKeyVerifier};
pub use csrf::CsrfLayer;
pub use error::Error;
pub use headers::SecurityHeadersLayer;
pub use json::Json;
pub use limit::{ClientKey, Limiter, LoginKey, RetryAfter};
pub use problem::{PROBLEM_JSON, PanicProblem, Pointer, Problem, Segment, catch_panic_layer};
pub use session::{MemorySessionStore, NewSession, Session, SessionConfig, SessionStore, Sessions};

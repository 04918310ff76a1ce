#![forbid(unsafe_code)]
#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod client;
mod error;
mod limits;
mod resolver;

pub use client::{FetchClient, FetchClientBuilder, FetchRequest, Fetched};
pub use error::Error;
pub use limits::FetchLimits;
/// The HTTP types of requests and responses (reqwest's, from the `http` crate).
pub use reqwest::{
    Method, StatusCode,
    header::{self, HeaderMap, HeaderName, HeaderValue},
};

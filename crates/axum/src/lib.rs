#![forbid(unsafe_code)]
#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod json;
pub mod problem;

pub use json::Json;
pub use problem::{PROBLEM_JSON, PanicProblem, Pointer, Problem, Segment, catch_panic_layer};

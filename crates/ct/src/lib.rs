#![no_std]
#![forbid(unsafe_code)]
#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;

mod codec;
mod error;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;

pub use codec::{base64, base64url, hex};
pub use error::Error;

/// Re-exported from [`subtle`] so callers compose constant-time logic
/// without a second dependency.
pub use subtle::{Choice, ConditionallySelectable, ConstantTimeEq, CtOption};

/// Compares two byte slices in time that does not depend on their contents.
///
/// The **lengths are public**: slices of different lengths return `false`
/// at once. Callers comparing secrets of secret length should compare
/// fixed-size digests (for example SHA-256 of each side) instead.
///
/// The contents are read a 64-bit word at a time, XOR-ed and OR-ed into an
/// accumulator with no data-dependent branch or early exit; the remaining
/// `len % 8` bytes are folded in the same way. The accumulator passes an
/// optimisation barrier and [`subtle`]'s [`Choice`] once, at the end.
/// Statistical evidence: `cargo run --release -p guardrail-benches --bin ct-timing`.
///
/// ```
/// assert!(guardrail_ct::eq(b"token", b"token"));
/// assert!(!guardrail_ct::eq(b"token", b"tokeN"));
/// assert!(!guardrail_ct::eq(b"token", b"token2")); // lengths are public
/// ```
#[inline]
#[must_use]
pub fn eq(a: &[u8], b: &[u8]) -> bool {
    bool::from(eq_choice(a, b))
}

/// Like [`eq`], returning a [`Choice`] for further constant-time logic.
///
/// Unequal lengths give `Choice::from(0)`; the lengths are public.
#[inline]
#[must_use]
pub fn eq_choice(a: &[u8], b: &[u8]) -> Choice {
    if a.len() != b.len() {
        return Choice::from(0);
    }
    difference(a, b).ct_eq(&0)
}

/// Constant-time equality of two fixed-size arrays (keys, digests, tags).
///
/// ```
/// let tag = [7u8; 32];
/// assert!(guardrail_ct::eq_array(&tag, &[7u8; 32]));
/// ```
#[inline]
#[must_use]
pub fn eq_array<const N: usize>(a: &[u8; N], b: &[u8; N]) -> bool {
    eq(a, b)
}

/// Constant-time equality of two strings' UTF-8 bytes (the byte lengths
/// are public).
///
/// ```
/// assert!(guardrail_ct::eq_str("s3cr3t", "s3cr3t"));
/// assert!(!guardrail_ct::eq_str("s3cr3t", "s3cr3T"));
/// ```
#[inline]
#[must_use]
pub fn eq_str(a: &str, b: &str) -> bool {
    eq(a.as_bytes(), b.as_bytes())
}

/// OR of `a[i] ^ b[i]` over equal-length slices: zero exactly when the
/// slices are equal. 32-byte blocks go into four independent word
/// accumulators (two SSE2 registers' worth), then whole words, then bytes.
/// Every loop bound depends only on the (public) length, and an OR
/// reduction has no early exit.
#[inline]
fn difference(a: &[u8], b: &[u8]) -> u64 {
    let (blocks_a, rest_a) = a.as_chunks::<32>();
    let (blocks_b, rest_b) = b.as_chunks::<32>();
    let mut lanes = [0u64; 4];
    for (x, y) in blocks_a.iter().zip(blocks_b) {
        let (wx, _) = x.as_chunks::<8>();
        let (wy, _) = y.as_chunks::<8>();
        for ((lane, x), y) in lanes.iter_mut().zip(wx).zip(wy) {
            *lane |= u64::from_ne_bytes(*x) ^ u64::from_ne_bytes(*y);
        }
    }
    let mut acc = lanes[0] | lanes[1] | lanes[2] | lanes[3];
    let (words_a, tail_a) = rest_a.as_chunks::<8>();
    let (words_b, tail_b) = rest_b.as_chunks::<8>();
    for (x, y) in words_a.iter().zip(words_b) {
        acc |= u64::from_ne_bytes(*x) ^ u64::from_ne_bytes(*y);
    }
    for (x, y) in tail_a.iter().zip(tail_b) {
        acc |= u64::from(x ^ y);
    }
    // Keeps the optimiser from reasoning about the value past this point
    // (for instance turning the comparison below into a branch on the data).
    core::hint::black_box(acc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_slices_are_equal() {
        assert!(eq(b"", b""));
    }

    #[test]
    fn lengths_are_compared() {
        assert!(!eq(b"abc", b"abcd"));
        assert!(!eq(b"", b"\0"));
    }

    #[test]
    fn choice_matches_bool() {
        assert_eq!(eq_choice(b"12345678x", b"12345678x").unwrap_u8(), 1);
        assert_eq!(eq_choice(b"12345678x", b"12345678y").unwrap_u8(), 0);
    }
}

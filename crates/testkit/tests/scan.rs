//! The allocator installed as a real global allocator: a freed copy of a
//! needle is counted, a wiped one is not, and nothing is counted outside a
//! `freed_copies` call.
#![allow(clippy::unwrap_used)] // test code

use guardrail_testkit::{ScanningAllocator, freed_copies};

#[global_allocator]
static GLOBAL: ScanningAllocator = ScanningAllocator;

const NEEDLE: &[u8] = b"ZQ-testkit-needle-5e1b";

/// One test function: the allocator state is global.
#[test]
fn freed_needles_are_counted_and_wiped_ones_are_not() {
    // Two blocks freed holding the needle (one holds it twice): two hits.
    let (hits, ()) = freed_copies(&[NEEDLE], || {
        drop(NEEDLE.to_vec());
        drop([NEEDLE, NEEDLE].concat());
    });
    assert_eq!(hits, 2);

    // A second needle is found as well; a block holding both counts once.
    let other = b"ZQ-other-needle".as_slice();
    let (hits, ()) = freed_copies(&[NEEDLE, other], || drop([NEEDLE, other].concat()));
    assert_eq!(hits, 1);

    // Wiped before it is freed: not seen.
    let (hits, ()) = freed_copies(&[NEEDLE], || {
        let mut copy = NEEDLE.to_vec();
        copy.fill(0);
        std::hint::black_box(&copy);
        drop(copy);
    });
    assert_eq!(hits, 0);

    // A growing buffer's old block is scanned (realloc frees it).
    let (hits, len) = freed_copies(&[NEEDLE], || {
        let mut grown = Vec::with_capacity(NEEDLE.len());
        grown.extend_from_slice(NEEDLE);
        grown.extend_from_slice(&[0; 4096]);
        let len = grown.len();
        grown.fill(0);
        std::hint::black_box(&grown);
        len
    });
    assert_eq!((hits, len), (1, NEEDLE.len() + 4096));

    // Freed by another thread during the call: seen.
    let (hits, ()) = freed_copies(&[NEEDLE], || std::thread::spawn(|| drop(NEEDLE.to_vec())).join().unwrap());
    assert!(hits >= 1);

    // Outside a call nothing is scanned, and the next call starts at zero.
    drop(NEEDLE.to_vec());
    let (hits, ()) = freed_copies(&[NEEDLE], || ());
    assert_eq!(hits, 0);
}

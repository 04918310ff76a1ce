#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
// The workspace denies `unsafe_code`; this test-only crate is the one place
// allowed it, to implement `GlobalAlloc` (an unsafe trait). Every unsafe
// block below carries a SAFETY comment.
#![allow(unsafe_code)]

pub mod pieces;
pub mod vectors;

use std::{
    alloc::{GlobalAlloc, Layout, System},
    ptr,
    sync::{
        Mutex, PoisonError,
        atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering},
    },
};

/// Whether freed blocks are scanned now (inside a [`freed_copies`] call).
static ARMED: AtomicBool = AtomicBool::new(false);
/// Freed blocks that held a needle since the current call began.
static HITS: AtomicUsize = AtomicUsize::new(0);
/// The current call's needles: a leaked `Vec`, never freed, or null.
static NEEDLES: AtomicPtr<Vec<Vec<u8>>> = AtomicPtr::new(ptr::null_mut());
/// Serialises [`freed_copies`] calls (the state above is global).
static CALL: Mutex<()> = Mutex::new(());

/// A global allocator that, while [`freed_copies`] runs, scans every heap
/// block it is about to free for the needles given to that call.
///
/// It forwards to [`System`], zero-filling each block it allocates so the
/// scan reads only initialised memory. Install it in a test binary with
/// `#[global_allocator] static GLOBAL: ScanningAllocator = ScanningAllocator;`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScanningAllocator;

/// Whether `block` holds any of `needles` (empty needles never match).
fn holds_any(block: &[u8], needles: &[Vec<u8>]) -> bool {
    needles
        .iter()
        .filter(|n| !n.is_empty() && n.len() <= block.len())
        .any(|n| block.windows(n.len()).any(|w| w == n.as_slice()))
}

// SAFETY: every method forwards to `System` with the arguments it was
// given, so the allocator contract is `System`'s. The only addition reads a
// block in `dealloc` before it is freed: the block is live and `size` bytes
// long (the caller's `dealloc` contract), and it was zero-initialised by
// `alloc`, so every byte read is initialised memory. The scan itself does
// not allocate: it reads atomics and a leaked, never-freed needle list.
unsafe impl GlobalAlloc for ScanningAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged; zeroed so `dealloc` reads initialised bytes.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ARMED.load(Ordering::SeqCst) {
            let needles = NEEDLES.load(Ordering::SeqCst);
            // SAFETY: a non-null `NEEDLES` comes from `Box::leak` in
            // `freed_copies` and is never freed or mutated afterwards.
            if let Some(needles) = unsafe { needles.as_ref() } {
                // SAFETY: `ptr` is a live block of `layout.size()`
                // initialised bytes that this call is about to free (see above).
                let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
                if holds_any(block, needles) {
                    HITS.fetch_add(1, Ordering::SeqCst);
                }
            }
        }
        // SAFETY: forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }
    // `realloc` keeps the default (alloc, copy, dealloc), so the old block
    // of every reallocation is scanned too.
}

/// Runs `f` with the scan armed for `needles`; returns how many heap blocks
/// freed meanwhile (by any thread) held at least one of them, and `f`'s
/// result.
///
/// Counts are only meaningful when the test binary installed
/// [`ScanningAllocator`] as its global allocator; pair every check with a
/// control that must be seen. Calls are serialised, and the scan is
/// disarmed when `f` returns or panics.
pub fn freed_copies<T>(needles: &[impl AsRef<[u8]>], f: impl FnOnce() -> T) -> (usize, T) {
    let _call = CALL.lock().unwrap_or_else(PoisonError::into_inner);
    // Built and leaked before arming: the allocator may read it at any
    // time afterwards, from any thread, so it is never freed.
    let leaked: &'static mut Vec<Vec<u8>> = Box::leak(Box::new(needles.iter().map(|n| n.as_ref().to_vec()).collect()));
    NEEDLES.store(leaked, Ordering::SeqCst);
    HITS.store(0, Ordering::SeqCst);
    ARMED.store(true, Ordering::SeqCst);
    let armed = Disarm;
    let kept = f();
    drop(armed);
    (HITS.load(Ordering::SeqCst), kept)
}

/// Disarms the scan when dropped (also when `f` panics).
struct Disarm;

impl Drop for Disarm {
    fn drop(&mut self) {
        ARMED.store(false, Ordering::SeqCst);
        NEEDLES.store(ptr::null_mut(), Ordering::SeqCst);
    }
}

/// The names of the entries of `dir`, sorted: what a test compares to show
/// that a write left no temporary or stray file behind.
///
/// # Errors
///
/// The [`std::io::Error`] of reading the directory or one of its entries.
pub fn names_in(dir: &std::path::Path) -> std::io::Result<Vec<std::ffi::OsString>> {
    let mut names = std::fs::read_dir(dir)?.map(|e| e.map(|e| e.file_name())).collect::<Result<Vec<_>, _>>()?;
    names.sort();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::holds_any;

    #[test]
    fn a_needle_is_found_anywhere_in_a_block() {
        let needles = vec![b"key".to_vec(), Vec::new()];
        assert!(holds_any(b"key", &needles));
        assert!(holds_any(b"..the key..", &needles));
        assert!(!holds_any(b"ke", &needles), "shorter than the needle");
        assert!(!holds_any(b"k e y", &needles));
        assert!(!holds_any(b"anything", &[Vec::new()]), "an empty needle matched");
    }
}

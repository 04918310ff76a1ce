//! Proof that keyring storage leaves no copy of key material in freed heap
//! memory (issue 10, item 6): loading keyring JSON, exporting it, and the
//! master-key envelope.
//!
//! This test binary installs a global allocator that, while armed, scans
//! every block it is about to free for each key's raw bytes and for their
//! base64 (the form the JSON holds). A plain `String` holding the base64
//! is caught (the control, which shows the scan works).
//!
//! Out of scope, and kept outside the armed windows: dropping a `Keyring`
//! frees ring's key objects (`LessSafeKey`), which ring does not wipe.
#![allow(unsafe_code)] // GlobalAlloc is an unsafe trait; see the SAFETY notes.
#![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)] // test code

use std::{
    alloc::{GlobalAlloc, Layout, System},
    sync::{
        Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
};

use guardrail_secret::{ExposeSecret, SecretSlice, SecretString};
use guardrail_token::keyring::Keyring;

static ARMED: AtomicBool = AtomicBool::new(false);
static HITS: AtomicUsize = AtomicUsize::new(0);
/// What the scan looks for; set before arming, never freed while armed.
static PATTERNS: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

struct Inspecting;

// SAFETY: every method forwards to `System` with the arguments it was
// given, so the allocator contract is `System`'s. The only addition reads a
// block in `dealloc` before it is freed: the block is live and `size` bytes
// long (the caller's `dealloc` contract), and it was zero-initialised by
// `alloc`, so every byte read is initialised memory. The scan itself does
// not allocate (`try_lock` on a static, reads only).
unsafe impl GlobalAlloc for Inspecting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged; zeroed so `dealloc` reads initialised bytes.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ARMED.load(Ordering::SeqCst) {
            // SAFETY: `ptr` is a live block of `layout.size()` initialised
            // bytes that this call is about to free (see above).
            let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            if let Ok(patterns) = PATTERNS.try_lock() {
                for p in patterns.iter().filter(|p| !p.is_empty()) {
                    if block.windows(p.len()).any(|w| w == p.as_slice()) {
                        HITS.fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
        }
        // SAFETY: forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }
    // `realloc` keeps the default (alloc, copy, dealloc), so the old block
    // of every reallocation is scanned too.
}

#[global_allocator]
static GLOBAL: Inspecting = Inspecting;

/// Runs `f` with the scan armed; returns how many freed blocks held a pattern.
fn freed_copies<T>(f: impl FnOnce() -> T) -> (usize, T) {
    HITS.store(0, Ordering::SeqCst);
    ARMED.store(true, Ordering::SeqCst);
    let kept = f();
    ARMED.store(false, Ordering::SeqCst);
    (HITS.load(Ordering::SeqCst), kept)
}

/// Two distinctive, non-zero keys.
fn key(seed: u8) -> [u8; 32] {
    std::array::from_fn(|i| seed ^ (i as u8).wrapping_mul(37) ^ 0xa5)
}

fn b64(bytes: &[u8]) -> String {
    guardrail_ct::base64::encode_string(bytes)
}

/// One test function: the allocator state is global, so the sections run
/// in sequence, never beside each other.
#[test]
fn keyring_storage_leaves_no_key_in_freed_memory() {
    let (k1, k2) = (key(1), key(2));
    let json = SecretString::from(format!(
        r#"{{"version":1,"primary":2,"keys":[{{"id":1,"status":"enabled","algorithm":"AES256_GCM","key":"{}"}},{{"id":2,"status":"enabled","algorithm":"CHACHA20_POLY1305","key":"{}"}}]}}"#,
        b64(&k1),
        b64(&k2)
    ));
    *PATTERNS.lock().unwrap() = vec![k1.to_vec(), k2.to_vec(), b64(&k1).into_bytes(), b64(&k2).into_bytes()];

    // Control: the scan sees an ordinary String freed with a key's base64.
    let control = b64(&k1);
    let (hits, ()) = freed_copies(|| drop(control));
    assert!(hits >= 1, "the inspecting allocator failed to see a plain String");

    let (hits, keyring) = freed_copies(|| Keyring::from_json(json.expose_secret()).unwrap());
    assert_eq!(hits, 0, "from_json left {hits} copies");
    let sealed = keyring.seal(b"data", b"aad").unwrap();

    let (hits, ()) = freed_copies(|| {
        let exported = keyring.export_json_insecure_plaintext_keys();
        assert!(exported.contains(&*String::from_utf8_lossy(&PATTERNS.lock().unwrap()[2])));
        drop(exported);
    });
    assert_eq!(hits, 0, "export_json_insecure_plaintext_keys left {hits} copies");

    let master = SecretSlice::from(key(9).to_vec());
    let (hits, envelope) = freed_copies(|| keyring.to_envelope(&master).unwrap());
    assert_eq!(hits, 0, "to_envelope left {hits} copies");
    let (hits, opened) = freed_copies(|| Keyring::from_envelope(&envelope, &master).unwrap());
    assert_eq!(hits, 0, "from_envelope left {hits} copies");
    assert_eq!(&*opened.open(&sealed, b"aad").unwrap(), b"data");

    // Refused keyrings leave nothing either: the key material is read before
    // the refusal (bad primary, duplicate id, a third key too short).
    let text = json.expose_secret();
    let refused = [
        text.replace("\"primary\":2", "\"primary\":3"),
        text.replace("\"id\":2", "\"id\":1"),
        text.replace(
            "]}",
            &format!(r#",{{"id":3,"status":"enabled","algorithm":"AES256_GCM","key":"{}"}}]}}"#, b64(&k1[..16])),
        ),
    ];
    for (i, bad) in refused.iter().enumerate() {
        let bad = SecretString::from(bad.clone());
        let (hits, result) = freed_copies(|| Keyring::from_json(bad.expose_secret()).map(|_| ()).map_err(|_| ()));
        assert!(result.is_err(), "case {i} loaded");
        assert_eq!(hits, 0, "refused keyring {i} left {hits} copies");
    }

    // A key written with a JSON escape would be unescaped into the parser's
    // scratch buffer, which is freed unwiped: refused before parsing.
    let e1 = b64(&k1);
    let escaped = SecretString::from(text.replace(&e1, &format!("\\u{:04x}{}", e1.as_bytes()[0], &e1[1..])));
    let (hits, result) = freed_copies(|| Keyring::from_json(escaped.expose_secret()).map(|_| ()).map_err(|_| ()));
    assert_eq!(hits, 0, "an escaped key left {hits} copies");
    assert!(result.is_err(), "a keyring with an escape loaded");

    PATTERNS.lock().unwrap().clear();
}

//! Bit-exactness of guardrail's argon2 engine, proved rather than taken on
//! trust. Random parameter sets (argon2d, argon2i and argon2id; versions
//! 0x10 and 0x13; m, t, p, and salt, tag, secret and associated-data
//! lengths within `Caps::for_policy`) give the same tag through the engine
//! (`fuzzing::engine_tag`: the `Core` that `verify` runs), through RustCrypto
//! `argon2` (the reference oracle) and through argon2-rust with each SIMD
//! backend this CPU offers, and the scalar one, forced; RFC 9106 §5.1-5.3
//! come out of all of them. Which engine is tested is whichever the
//! features select (default argon2-rust; `--features rustcrypto-argon2`).
//! The reference `test.c` vectors run through `verify` in `tests/kat.rs`.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::print_stdout)] // test code; the backends that ran are printed for the CI log

use argon2_rust::Backend;
use guardrail_password::fuzzing::{self, Argon2Case};
use proptest::prelude::*;

/// The argon2-rust backends this CPU can execute: scalar always, SSE2 on
/// every x86-64, AVX2 and AVX-512F where detected, NEON on aarch64.
fn available_backends() -> Vec<Backend> {
    Backend::ALL.iter().copied().filter(|backend| backend.is_available()).collect()
}

/// The case's tag through argon2-rust with `backend` forced, its lanes one
/// after another on this thread (the engine and argon2-rust's public API,
/// in `fuzzing::agreed_tag`, run them on p threads), `None` when
/// argon2-rust refuses the inputs.
///
/// The only `unsafe` in this crate's tests: forcing a backend is
/// argon2-rust's unstable `__internal::hash_with_backend` (feature
/// `internal-api`, a dev-dependency only).
#[allow(unsafe_code)]
fn forced_tag(backend: Backend, case: &Argon2Case<'_>) -> Option<Vec<u8>> {
    assert!(backend.is_available(), "backend {backend} is not available on this CPU");
    let (algorithm, version, params) = fuzzing::argon2_rust_inputs(case)?;
    let params = params.to_builder().threads(1).build().unwrap();
    let mut tag = vec![0u8; case.tag_len];
    // SAFETY: `hash_with_backend` runs `backend`'s `#[target_feature]`
    // compression function, which is undefined behaviour on a CPU without
    // that instruction set. `backend.is_available()` asked this CPU at run
    // time just above (the assert returns before this line otherwise); the
    // rest of its contract is that of the safe `Argon2::hash_into_with_ad`
    // (inputs checked, errors returned, no panics).
    let result = unsafe {
        argon2_rust::__internal::hash_with_backend(
            backend,
            algorithm,
            version,
            &params,
            case.password,
            case.salt,
            case.secret,
            case.ad,
            &mut tag,
        )
    };
    result.ok().map(|()| tag)
}

/// The tag every implementation agrees on (`fuzzing::agreed_tag` checks the
/// engine, RustCrypto and argon2-rust's detected backend, and panics on a
/// difference), compared with each forced backend's. `None`: all refused.
fn tag_from_all(case: &Argon2Case<'_>) -> Option<Vec<u8>> {
    let agreed = fuzzing::agreed_tag(case);
    for backend in available_backends() {
        assert!(forced_tag(backend, case) == agreed, "backend {backend} differs on {case:?}");
    }
    agreed
}

/// Owned inputs of one case (proptest generates these; `case` borrows them).
#[derive(Debug, Clone)]
struct Inputs {
    algorithm: u32,
    version: u32,
    m_cost: u32,
    t_cost: u32,
    p_cost: u32,
    password: Vec<u8>,
    salt: Vec<u8>,
    secret: Vec<u8>,
    ad: Vec<u8>,
    tag_len: usize,
}

impl Inputs {
    fn case(&self) -> Argon2Case<'_> {
        Argon2Case {
            algorithm: self.algorithm,
            version: self.version,
            m_cost: self.m_cost,
            t_cost: self.t_cost,
            p_cost: self.p_cost,
            password: &self.password,
            salt: &self.salt,
            secret: &self.secret,
            ad: &self.ad,
            tag_len: self.tag_len,
        }
    }
}

/// Most memory a random case uses, KiB: small enough for hundreds of cases
/// in a debug test run, large enough for several segments per lane at p = 8.
const MAX_M_KIB: u32 = 384;

/// Random valid parameter sets: every variant and version, p 1..=8, m from
/// its minimum 8p (not always a multiple of 4p, which argon2 rounds down),
/// t 1..=4, salts 8..=64 and tags 4..=128 bytes (`Caps::for_policy`'s
/// limits), secrets and associated data up to 48 bytes (RustCrypto takes 32
/// bytes of associated data at most: longer must be refused by it alone).
fn inputs() -> impl Strategy<Value = Inputs> {
    let bytes = |len: std::ops::RangeInclusive<usize>| prop::collection::vec(any::<u8>(), len);
    (0u32..3, prop_oneof![Just(0x10u32), Just(0x13)], 1u32..=4, 1u32..=8, 4usize..=128).prop_flat_map(
        move |(algorithm, version, t_cost, p_cost, tag_len)| {
            let lengths = (bytes(0..=128), bytes(8..=64), bytes(0..=48), bytes(0..=48));
            (8 * p_cost..=MAX_M_KIB, lengths).prop_map(move |(m_cost, (password, salt, secret, ad))| Inputs {
                algorithm,
                version,
                m_cost,
                t_cost,
                p_cost,
                password,
                salt,
                secret,
                ad,
                tag_len,
            })
        },
    )
}

/// Random parameter sets for `differential`; the whole file runs in a few
/// seconds in a debug build (argon2 itself is optimised in dev, see the root
/// Cargo.toml).
const CASES: u32 = 512;

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, ..ProptestConfig::default() })]

    #[test]
    fn differential(inputs in inputs()) {
        let case = inputs.case();
        let tag = tag_from_all(&case);
        prop_assert!(tag.is_some_and(|tag| tag.len() == case.tag_len), "a valid case was refused: {case:?}");
    }

    /// The fuzz target's oracle on random bytes: valid and invalid cases
    /// alike (t = 0, m < 8p, short salts and tags, unknown variants and
    /// versions), which must all be refused the same way.
    #[test]
    fn fuzz_oracle_holds(data in prop::collection::vec(any::<u8>(), 0..=256)) {
        fuzzing::engine_differential(&data);
    }
}

/// RFC 9106 §5.1-5.3's inputs: m = 32 KiB, t = 3, p = 4, version 0x13, a
/// 32-byte password of 0x01, 16-byte salt of 0x02, 8-byte secret of 0x03,
/// 12 bytes of associated data 0x04, 32-byte tag.
fn rfc9106_case(algorithm: u32, password: &[u8]) -> Argon2Case<'_> {
    Argon2Case {
        algorithm,
        version: 0x13,
        m_cost: 32,
        t_cost: 3,
        p_cost: 4,
        password,
        salt: &[2; 16],
        secret: &[3; 8],
        ad: &[4; 12],
        tag_len: 32,
    }
}

const RFC9106: [(&str, u32, &str); 3] = [
    ("argon2d", 0, "512b391b6f1162975371d30919734294f868e3be3984f3c1a13a4db9fabe4acb"),
    ("argon2i", 1, "c814d9d1dc7f37aa13f0d77f2494bda1c8de6b016dd388d29952a4c4672b6ce8"),
    ("argon2id", 2, "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659"),
];

/// RFC 9106 §5.1-5.3 through the engine, RustCrypto, argon2-rust and each
/// forced backend; tampered twin: one bit of the password changes the tag.
#[test]
fn rfc9106_vectors_from_every_implementation_and_backend() {
    for (name, algorithm, expected) in RFC9106 {
        let tag = tag_from_all(&rfc9106_case(algorithm, &[1; 32])).unwrap();
        assert_eq!(guardrail_ct::hex::encode_string(&tag), expected, "{name}");
        let mut password = [1u8; 32];
        password[0] ^= 1;
        let tampered = tag_from_all(&rfc9106_case(algorithm, &password)).unwrap();
        assert_ne!(guardrail_ct::hex::encode_string(&tampered), expected, "{name}");
    }
}

/// The fuzz target's seeds are what their names say: `seed-rfc9106-*`
/// give RFC 9106's tags, `seed-invalid-*` are refused, the others are
/// computed; each through every implementation and forced backend.
#[test]
fn fuzz_seeds_are_what_their_names_say() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/password_engine_differential");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let data = std::fs::read(&path).unwrap();
        let tag = tag_from_all(&fuzzing::fuzz_case(&data).unwrap());
        if let Some(variant) = name.strip_prefix("seed-rfc9106-") {
            let (_, _, expected) = RFC9106.iter().find(|(v, _, _)| *v == variant).unwrap();
            assert_eq!(guardrail_ct::hex::encode_string(&tag.unwrap()), *expected, "{name}");
        } else {
            assert_eq!(tag.is_none(), name.starts_with("seed-invalid-"), "{name}");
        }
        seen += 1;
    }
    assert!(seen >= 10, "{seen} seeds in {}", dir.display());
}

/// The edges random sets rarely hit: m = 8p exactly and just above it,
/// tags around 64 bytes (where H' switches from one BLAKE2b to a chain),
/// the longest salt and tag, an empty password, secret and associated data.
#[test]
fn edge_parameters_agree() {
    let password = [0x5au8; 128];
    for p_cost in [1u32, 2, 3, 4, 7, 8] {
        for m_cost in [8 * p_cost, 8 * p_cost + 1, 8 * p_cost + 4 * p_cost - 1] {
            for (tag_len, salt_len, password_len) in
                [(4, 8, 0), (63, 16, 1), (64, 64, 128), (65, 17, 33), (128, 64, 64)]
            {
                for (algorithm, version) in [(0, 0x10), (1, 0x13), (2, 0x10), (2, 0x13)] {
                    let case = Argon2Case {
                        algorithm,
                        version,
                        m_cost,
                        t_cost: 1,
                        p_cost,
                        password: &password[..password_len],
                        salt: &password[..salt_len],
                        secret: &[],
                        ad: &[],
                        tag_len,
                    };
                    assert!(tag_from_all(&case).is_some_and(|tag| tag.len() == tag_len), "refused: {case:?}");
                }
            }
        }
    }
}

/// Invalid sets are refused by every implementation and backend alike,
/// and by the engine with an error, not a panic.
#[test]
fn invalid_parameters_are_refused_by_all() {
    let valid = rfc9106_case(2, &[1; 32]);
    let invalid = [
        Argon2Case { algorithm: 3, ..valid },
        Argon2Case { version: 0x11, ..valid },
        Argon2Case { t_cost: 0, ..valid },
        Argon2Case { p_cost: 0, ..valid },
        Argon2Case { m_cost: 31, ..valid },
        Argon2Case { m_cost: 0, p_cost: 1, ..valid },
        Argon2Case { salt: &[2; 7], ..valid },
        Argon2Case { salt: &[], ..valid },
        Argon2Case { tag_len: 3, ..valid },
        Argon2Case { tag_len: 0, ..valid },
    ];
    for case in &invalid {
        assert!(fuzzing::engine_tag(case).is_err(), "engine accepted {case:?}");
        assert!(tag_from_all(case).is_none(), "accepted: {case:?}");
    }
}

/// Which backends this machine forced (printed for the CI log), which exist
/// but this CPU cannot run; fails if scalar or the backend argon2-rust
/// detects (the one its public API and guardrail's engine use) did not run.
#[test]
fn every_available_backend_ran() {
    let (name, algorithm, expected) = RFC9106[2];
    let case = rfc9106_case(algorithm, &[1; 32]);
    let mut ran = Vec::new();
    for backend in available_backends() {
        let tag = forced_tag(backend, &case).unwrap();
        assert_eq!(guardrail_ct::hex::encode_string(&tag), expected, "{name} on {backend}");
        ran.push(backend);
    }
    let skipped: Vec<Backend> = Backend::ALL.iter().copied().filter(|backend| !ran.contains(backend)).collect();
    let names = |backends: &[Backend]| backends.iter().map(|b| b.name()).collect::<Vec<_>>().join(", ");
    let detected = argon2_rust::detected_backend();
    println!(
        "engine {}; argon2-rust backends forced: {} (detected: {detected}); not on this CPU: {}",
        fuzzing::ENGINE_NAME,
        names(&ran),
        names(&skipped),
    );
    assert!(ran.contains(&Backend::Scalar), "scalar did not run");
    assert!(ran.contains(&detected), "the detected backend {detected} did not run");
    if cfg!(target_arch = "x86_64") {
        assert!(ran.contains(&Backend::Sse2), "SSE2 is part of x86-64 and must run");
    }
}

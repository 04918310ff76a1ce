//! Oracles for the fuzz targets and hooks for this workspace's own tests;
//! not a stable API (feature `fuzzing`, off by default). The
//! `password_phc` and `legacy_*` fuzz targets and the corpus replay in
//! `cargo test -p guardrail` call these, so both check the same thing.

use crate::{
    Caps, Params, PasswordHasher, phc,
    stored::{self, Stored},
};

/// `password_phc`: parsing any string with the default caps returns (never
/// panics, never allocates past the caps), and what parses encodes back to
/// a string that parses to the same hash.
///
/// # Panics
///
/// When the property does not hold for this input: the panic is the
/// finding the fuzz target reports.
pub fn phc(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let caps = Caps::for_policy(&Params::OWASP);
    if let Ok(parsed) = phc::parse(text, &caps) {
        let cost = crate::Cost::argon2(parsed.params.m_cost(), parsed.params.t_cost());
        assert!(cost.memory_bytes <= caps.max_memory_bytes && cost.block_passes <= caps.max_block_passes);
        assert!(parsed.salt.len() <= caps.max_salt_len);
        let again = phc::encode(parsed.algorithm, parsed.version, &parsed.params, &parsed.salt, &parsed.hash);
        let reparsed = phc::parse(&again, &caps).ok();
        assert!(
            reparsed.is_some_and(|r| r.params == parsed.params && r.salt == parsed.salt && *r.hash == *parsed.hash)
        );
    }
}

/// Caps small enough to keep each legacy oracle run fast: 1 MiB, 20,000
/// block passes (about 10 ms).
#[cfg(feature = "legacy")]
const SMALL_CAPS: Caps =
    Caps { max_memory_bytes: 1 << 20, max_block_passes: 20_000, max_p_cost: 4, max_salt_len: 64, max_hash_len: 128 };

/// `legacy_*` and `migrate_*` targets: `prefix` followed by the fuzzer's
/// bytes, identified and parsed by the one parser (`stored.rs`) under
/// `SMALL_CAPS` (1 MiB, 20,000 block passes); what it admits costs no more than them, and a legacy
/// scheme (or a wrapped hash's inner scheme) then computes a fixed
/// password's digest and compares it (the default caps are checked by
/// `tests/legacy.rs`). Any input returns; none panics.
///
/// # Panics
///
/// When something admitted costs more than the caps: the finding.
#[cfg(feature = "legacy")]
pub fn legacy(prefix: &str, data: &[u8]) {
    let Ok(rest) = std::str::from_utf8(data) else { return };
    let Ok(parsed) = stored::parse(&format!("{prefix}{rest}"), &SMALL_CAPS, true) else { return };
    assert_within(&parsed, &SMALL_CAPS);
    match parsed {
        Stored::Legacy(scheme) => drop(crate::legacy::matches(scheme.as_ref(), b"password")),
        Stored::Wrapped(wrapped) => drop(wrapped.inner.compute(b"password")),
        Stored::Phc { .. } => {}
    }
}

/// `migrate_identify`: any bytes through the one parser (`stored.rs`) with
/// the default caps, plaintext admitted: never a panic, and whatever is
/// admitted costs no more than the caps (checked, not computed).
///
/// # Panics
///
/// When something admitted costs more than the caps: the finding.
pub fn migrate_identify(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let caps = Caps::for_policy(&Params::OWASP);
    if let Ok(parsed) = stored::parse(text, &caps, true) {
        assert_within(&parsed, &caps);
        // Describing it never panics either.
        let _ = parsed.info(&Params::OWASP);
    }
}

/// `migrate_wrap`: any string through the wrapped-format parser
/// (`wrap::parse`) under `SMALL_CAPS` (1 MiB, 20,000 block passes): never
/// a panic; what parses costs no more than the caps (inner scheme and
/// argon2id alike), and re-encodes (`wrap::encode`) to a string that
/// parses to the same inner id, public parameters and salt and the same
/// argon2id parameters, salt and tag.
///
/// # Panics
///
/// When something admitted costs more than the caps or does not
/// round-trip: the finding.
#[cfg(feature = "legacy")]
pub fn wrap(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(parsed) = crate::wrap::parse(text, &SMALL_CAPS) else { return };
    let stored = Stored::Wrapped(parsed);
    assert_within(&stored, &SMALL_CAPS);
    let Stored::Wrapped(parsed) = stored else { return };
    let (inner, outer) = (parsed.inner.as_ref(), &parsed.phc);
    let tail = phc::encode(outer.algorithm, outer.version, &outer.params, &outer.salt, &outer.hash);
    let again = crate::wrap::encode(inner, &tail);
    let again = again.as_deref().map(|s| crate::wrap::parse(s, &SMALL_CAPS));
    assert!(
        again.is_ok_and(|r| r.is_ok_and(|r| {
            r.inner.id() == inner.id()
                && r.inner.public_params() == inner.public_params()
                && r.inner.salt() == inner.salt()
                && r.phc.params == outer.params
                && r.phc.salt == outer.salt
                && *r.phc.hash == *outer.hash
        })),
        "{} does not round-trip",
        inner.id()
    );
}

/// Each computation an admitted value asks for (a wrapped hash: its inner
/// scheme and its argon2id, two jobs) is within `caps`.
fn assert_within(parsed: &Stored, caps: &Caps) {
    let within =
        |cost: crate::Cost| cost.memory_bytes <= caps.max_memory_bytes && cost.block_passes <= caps.max_block_passes;
    match parsed {
        Stored::Phc { phc, .. } => assert!(within(phc.cost()) && phc.salt.len() <= caps.max_salt_len),
        #[cfg(feature = "legacy")]
        Stored::Legacy(scheme) => assert!(within(scheme.cost()), "{} admitted above the caps", scheme.id()),
        #[cfg(feature = "legacy")]
        Stored::Wrapped(wrapped) => assert!(within(wrapped.inner.cost()) && within(wrapped.phc.cost())),
    }
}

/// Test hook: every one of the hasher's workers audits the argon2 working
/// memory it keeps warm, then frees it (each after the job it is running,
/// if any). `Some(bytes)` — how many bytes the workers held, all of them
/// wiped — or `None` when any byte of it was not zero.
///
/// The audit is real, not a flag: with argon2-rust (the default engine)
/// each worker arms argon2-rust's release audit (`internal-api`) for its
/// arena's size, frees it, and requires the dependency to have seen it
/// released with every byte zero; with `rustcrypto-argon2` it scans its
/// buffer, which relies on the engine's wipe step having run first (the
/// large lane and the workers wipe, then release audited). The zeroize,
/// admission and async tests call it.
#[must_use]
pub fn idle_memory_wiped(hasher: &PasswordHasher) -> Option<usize> {
    hasher.engine.idle_memory_wiped()
}

/// Test hook: the most argon2 working memory the hasher's engine ever
/// reserved at once (parked in idle workers and in use), in bytes; the
/// admission tests check it against [`crate::Limits::memory_budget`].
#[must_use]
pub fn peak_resident_bytes(hasher: &PasswordHasher) -> usize {
    hasher.engine.peak_resident_bytes()
}

/// One argon2 computation with all of RFC 9106's inputs (§3.1), for the
/// differential oracles: the engine's tag for it must be RustCrypto
/// `argon2`'s and argon2-rust's. Fields are raw, unchecked values, so a
/// case can be invalid (each implementation must then refuse it).
#[derive(Clone, Copy)]
pub struct Argon2Case<'a> {
    /// RFC 9106's type y: 0 = argon2d, 1 = argon2i, 2 = argon2id.
    pub algorithm: u32,
    /// Version: 0x10 or 0x13.
    pub version: u32,
    /// Memory, KiB.
    pub m_cost: u32,
    /// Passes over memory.
    pub t_cost: u32,
    /// Lanes.
    pub p_cost: u32,
    /// Password P.
    pub password: &'a [u8],
    /// Salt S (at least 8 bytes).
    pub salt: &'a [u8],
    /// Secret key K (may be empty).
    pub secret: &'a [u8],
    /// Associated data X (may be empty).
    pub ad: &'a [u8],
    /// Tag length T, bytes (at least 4).
    pub tag_len: usize,
}

impl std::fmt::Debug for Argon2Case<'_> {
    /// Parameters and lengths only, never the password, salt, secret or data.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Argon2Case")
            .field("algorithm", &self.algorithm)
            .field("version", &format_args!("{:#x}", self.version))
            .field("m_cost", &self.m_cost)
            .field("t_cost", &self.t_cost)
            .field("p_cost", &self.p_cost)
            .field("password_len", &self.password.len())
            .field("salt_len", &self.salt.len())
            .field("secret_len", &self.secret.len())
            .field("ad_len", &self.ad.len())
            .field("tag_len", &self.tag_len)
            .finish()
    }
}

/// The name of the engine this build computes with (`argon2-rust 1.1.0`
/// by default, `RustCrypto argon2 0.6` with feature `rustcrypto-argon2`).
pub const ENGINE_NAME: &str = crate::engine::core::NAME;

/// The case's tag through the selected engine's `Core` (the code `verify`
/// runs), its lanes on up to `p_cost` threads.
///
/// # Errors
///
/// [`crate::Error::InvalidParams`] for an unknown variant or version, or
/// parameters [`Params::new`] refuses; [`crate::Error::Argon2`] when the engine
/// refuses the rest (salt under 8 bytes, tag under 4, associated data over
/// RustCrypto's 32 bytes with feature `rustcrypto-argon2`).
pub fn engine_tag(case: &Argon2Case<'_>) -> Result<Vec<u8>, crate::Error> {
    use crate::engine::core::{Algorithm, Core, Input, Version};
    let algorithm = match case.algorithm {
        0 => Algorithm::Argon2d,
        1 => Algorithm::Argon2i,
        2 => Algorithm::Argon2id,
        _ => return Err(crate::Error::InvalidParams { name: "algorithm" }),
    };
    let version = match case.version {
        0x10 => Version::V0x10,
        0x13 => Version::V0x13,
        _ => return Err(crate::Error::InvalidParams { name: "version" }),
    };
    let params = Params::new(case.m_cost, case.t_cost, case.p_cost)?;
    let input = Input {
        algorithm,
        version,
        params,
        password: case.password,
        salt: case.salt,
        secret: case.secret,
        ad: case.ad,
    };
    let mut tag = vec![0u8; case.tag_len];
    Core::new().compute(&input, case.p_cost, &mut tag)?;
    Ok(tag)
}

/// The case's tag through RustCrypto `argon2` 0.6, the reference oracle;
/// `None` when it refuses the inputs (it takes at most
/// `argon2::Params::MAX_DATA_LEN` = 32 bytes of associated data).
#[must_use]
pub fn rustcrypto_tag(case: &Argon2Case<'_>) -> Option<Vec<u8>> {
    let algorithm = match case.algorithm {
        0 => argon2::Algorithm::Argon2d,
        1 => argon2::Algorithm::Argon2i,
        2 => argon2::Algorithm::Argon2id,
        _ => return None,
    };
    let version = match case.version {
        0x10 => argon2::Version::V0x10,
        0x13 => argon2::Version::V0x13,
        _ => return None,
    };
    let params = argon2::ParamsBuilder::new()
        .m_cost(case.m_cost)
        .t_cost(case.t_cost)
        .p_cost(case.p_cost)
        .output_len(case.tag_len)
        .data(argon2::AssociatedData::new(case.ad).ok()?)
        .build()
        .ok()?;
    let argon = argon2::Argon2::new_with_secret(case.secret, algorithm, version, params).ok()?;
    let mut tag = vec![0u8; case.tag_len];
    argon.hash_password_into(case.password, case.salt, &mut tag).ok()?;
    Some(tag)
}

/// The case as argon2-rust's variant, version and parameters (its lanes on
/// `p_cost` threads); `None` when it refuses them. The differential tests
/// use these to force each of its SIMD backends.
#[must_use]
pub fn argon2_rust_inputs(
    case: &Argon2Case<'_>,
) -> Option<(argon2_rust::Algorithm, argon2_rust::Version, argon2_rust::Params)> {
    let params = argon2_rust::Params::builder()
        .memory(argon2_rust::params::Memory::kib(u64::from(case.m_cost)))
        .passes(case.t_cost)
        .lanes(case.p_cost)
        .tag_len(argon2_rust::params::TagLen::bytes(u64::try_from(case.tag_len).ok()?))
        .build()
        .ok()?;
    Some((argon2_rust::Algorithm::from_u32(case.algorithm)?, argon2_rust::Version::from_u32(case.version)?, params))
}

/// The case's tag through argon2-rust's public `Argon2::hash_into_with_ad`
/// (the backend it detects on this CPU); `None` when it refuses the inputs.
#[must_use]
pub fn argon2_rust_tag(case: &Argon2Case<'_>) -> Option<Vec<u8>> {
    let (algorithm, version, params) = argon2_rust_inputs(case)?;
    let mut tag = vec![0u8; case.tag_len];
    argon2_rust::Argon2::new(algorithm, version, params)
        .hash_into_with_ad(case.password, case.salt, case.secret, case.ad, &mut tag)
        .ok()?;
    Some(tag)
}

/// The case's tag from three implementations that must agree: the engine
/// ([`engine_tag`]), RustCrypto `argon2` ([`rustcrypto_tag`]) and
/// argon2-rust ([`argon2_rust_tag`]). Each gives the same bytes, or each
/// refuses the case; the one exception is associated data over 32 bytes,
/// which RustCrypto (and the engine, when it is RustCrypto's) refuses
/// while argon2-rust computes it (guardrail's PHC hashes carry none).
/// Returns argon2-rust's tag, `None` when all refused.
///
/// # Panics
///
/// When they disagree (a different tag, or one accepting what another
/// refuses): the finding. The message shows the case's parameters and
/// lengths, never its bytes or a tag.
#[must_use]
pub fn agreed_tag(case: &Argon2Case<'_>) -> Option<Vec<u8>> {
    let engine = engine_tag(case).ok();
    let reference = rustcrypto_tag(case);
    let argon2_rust = argon2_rust_tag(case);
    if case.ad.len() <= argon2::Params::MAX_DATA_LEN {
        assert!(reference == argon2_rust, "RustCrypto argon2 and argon2-rust differ: {case:?}");
        assert!(engine == reference, "guardrail's engine ({ENGINE_NAME}) and the references differ: {case:?}");
    } else {
        assert!(reference.is_none(), "RustCrypto argon2 took associated data over its limit: {case:?}");
        let expected = if cfg!(feature = "rustcrypto-argon2") { None } else { argon2_rust.as_ref() };
        assert!(engine.as_ref() == expected, "guardrail's engine ({ENGINE_NAME}) and argon2-rust differ: {case:?}");
    }
    argon2_rust
}

/// `password_engine_differential`: the case [`fuzz_case`] reads from the
/// fuzzer's bytes, checked by [`agreed_tag`].
///
/// # Panics
///
/// When the implementations disagree (see [`agreed_tag`]).
pub fn engine_differential(data: &[u8]) {
    if let Some(case) = fuzz_case(data) {
        let _ = agreed_tag(&case);
    }
}

/// The case `password_engine_differential` reads from fuzzer bytes, within
/// limits small enough to run fast: m ≤ 256 KiB, t ≤ 3, p ≤ 4, salt, secret
/// and associated data ≤ 64 bytes, tag ≤ 128, password ≤ 128. The ranges
/// reach below the minimums (t = 0, m < 8p, salts under 8 bytes, tags
/// under 4), and a header byte of 0xff selects an unknown variant or
/// version, or p = 0: those must be refused by all. `None` for fewer than
/// ten bytes.
///
/// Layout: ten header bytes (variant, version, lanes, m high, m low,
/// passes, tag length, salt, secret and associated-data lengths), then the
/// salt, secret and associated data, and the rest is the password.
#[must_use]
pub fn fuzz_case(data: &[u8]) -> Option<Argon2Case<'_>> {
    let (head, rest) = data.split_first_chunk::<10>()?;
    let [variant, version, lanes, m_high, m_low, passes, tag_len, salt_len, secret_len, ad_len] = *head;
    let (salt, rest) = rest.split_at(rest.len().min(usize::from(salt_len % 65)));
    let (secret, rest) = rest.split_at(rest.len().min(usize::from(secret_len % 65)));
    let (ad, rest) = rest.split_at(rest.len().min(usize::from(ad_len % 65)));
    let (password, _) = rest.split_at(rest.len().min(128));
    Some(Argon2Case {
        algorithm: if variant == 0xff { 3 } else { u32::from(variant % 3) },
        version: match version {
            0xff => 0x11,
            v if v % 2 == 0 => 0x10,
            _ => 0x13,
        },
        m_cost: u32::from(u16::from_be_bytes([m_high, m_low]) % 257),
        t_cost: u32::from(passes % 4),
        p_cost: if lanes == 0xff { 0 } else { 1 + u32::from(lanes % 4) },
        password,
        salt,
        secret,
        ad,
        tag_len: usize::from(tag_len % 129),
    })
}

#[cfg(all(test, feature = "legacy"))]
mod tests {
    #![allow(clippy::indexing_slicing)] // test code: a panic is the failure report
    use super::*;

    /// The `migrate_wrap` oracle is not vacuous: the golden wraps (its
    /// seeds) whose inner scheme fits the small caps parse and round-trip
    /// (at least four of them), and each with its tag's last character
    /// changed passes the oracle too.
    #[test]
    fn golden_wraps_pass_the_wrap_oracle() {
        let golden = include_str!("../tests/data/migrate/wrapped.tsv");
        let mut parsed = 0;
        for line in golden.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
            let wrapped = line.split('\t').nth(2).unwrap_or_default();
            wrap(wrapped.as_bytes());
            if crate::wrap::parse(wrapped, &SMALL_CAPS).is_ok() {
                parsed += 1;
                let tampered = format!("{}A", &wrapped[..wrapped.len() - 1]);
                wrap(tampered.as_bytes());
            }
        }
        assert!(parsed >= 4, "only {parsed} golden wraps within the small caps");
    }
}

//! scrypt in every stored form read here:
//!
//! - passlib: `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<key 32>`, salt and
//!   key in standard base64 without padding (passlib's `b64s`).
//! - Django: `scrypt$<N>$<salt text>$<r>$<p>$<padded base64 key 64>`, the
//!   salt used as its UTF-8 text.
//! - Spring Security `SCryptPasswordEncoder`: `{scrypt}` (defaults of
//!   v4_1) and `{scrypt@SpringSecurity_v5_8}`, then
//!   `$<hex of log2 N << 16 | r << 8 | p>$<padded base64 salt>$<padded
//!   base64 key 32>` (the key length is the encoder's, 32 for both ids).
//! - `$7$` (the libsodium/Tarsnap form) is recognised and unsupported.
//!
//! Memory is 128·r·N bytes and work N·r·p scrypt units, both checked
//! against the caps ([`Scheme::check`]) before [`Scheme::compute`]
//! allocates anything: the `scrypt` crate allocates its 128·r·N-byte table
//! inside the computation. scrypt keys its PBKDF2 steps with the password,
//! so the HMAC trailing-NUL rule of `pbkdf2.rs` applies.

use zeroize::Zeroizing;

use super::encoding::{b64_std_padded_decode, b64_unpadded_decode, malformed, number};
use super::pbkdf2::{hmac_key_unambiguous, key_values};
use super::{Format, Parsed, Scheme};
use crate::cost::{self, Cost, factor};
use crate::{Caps, Error};

/// This family's rows of the prefix table.
pub(crate) const FORMATS: &[Format] = &[
    Format { prefix: PASSLIB.prefix, any_case: false, parse: passlib },
    Format { prefix: DJANGO.prefix, any_case: false, parse: django },
    Format { prefix: SPRING_V4_1.prefix, any_case: false, parse: spring },
    Format { prefix: SPRING_V5_8.prefix, any_case: false, parse: spring },
    Format { prefix: "$7$", any_case: false, parse: libsodium },
];

/// One stored form: its prefix, scheme id, how it writes N, key length.
struct Form {
    prefix: &'static str,
    id: &'static str,
    /// `ln` (log2 N written) or `N` (N written): the parameter refusals and
    /// public parameters name.
    param: &'static str,
    /// The derived key length, bytes.
    len: usize,
}

const PASSLIB: Form = Form { prefix: "$scrypt$", id: "passlib-scrypt", param: "ln", len: 32 };
const DJANGO: Form = Form { prefix: "scrypt$", id: "django-scrypt", param: "N", len: 64 };
/// `SCryptPasswordEncoder.defaultsForSpringSecurity_v4_1`: N 16384, r 8, p 1, key 32, salt 64.
const SPRING_V4_1: Form = Form { prefix: "{scrypt}", id: "spring-scrypt-v4_1", param: "ln", len: 32 };
/// `defaultsForSpringSecurity_v5_8`: N 65536, r 8, p 1, key 32, salt 16.
const SPRING_V5_8: Form =
    Form { prefix: "{scrypt@SpringSecurity_v5_8}", id: "spring-scrypt-v5_8", param: "ln", len: 32 };

const FORMS: [&Form; 4] = [&PASSLIB, &DJANGO, &SPRING_V4_1, &SPRING_V5_8];

/// scrypt's bound on r·p (RFC 7914: p ≤ (2^32 − 1)·32 / (128·r)).
const MAX_RP: u64 = 1 << 30;

/// One parsed scrypt stored hash.
struct Scrypt {
    form: &'static Form,
    /// log2 N, 1 to 63.
    log_n: u8,
    /// Block size, at least 1.
    r: u32,
    /// Parallelism, at least 1 (r·p below 2^30).
    p: u32,
    salt: Vec<u8>,
    /// The stored key (empty when rebuilt from public parts).
    digest: Vec<u8>,
}

impl Scrypt {
    /// Checks the structure (not the caps): 1 ≤ log2 N ≤ 63, r, p ≥ 1 and
    /// r·p < 2^30, the key the form's length (or empty, rebuilt).
    fn parsed(
        form: &'static Form,
        log_n: u64,
        r: u32,
        p: u32,
        salt: Vec<u8>,
        digest: Vec<u8>,
    ) -> Result<Parsed, Error> {
        let log_n = u8::try_from(log_n).ok().filter(|ln| (1..=63).contains(ln)).ok_or_else(|| malformed("params"))?;
        if r == 0 || p == 0 || u64::from(r) * u64::from(p) >= MAX_RP {
            return Err(malformed("params"));
        }
        if !digest.is_empty() && digest.len() != form.len {
            return Err(malformed("hash"));
        }
        Ok(Box::new(Self { form, log_n, r, p, salt, digest }))
    }

    /// The cost at `log_n` with the stored r and p.
    fn cost_at(&self, log_n: u8) -> Cost {
        let n = 1u64 << log_n.min(63);
        // The scrypt crate allocates B (128·r·p), V (128·r·N) and T (128·r).
        let blocks = n.saturating_add(u64::from(self.p)).saturating_add(1);
        let memory = 128u64.saturating_mul(u64::from(self.r)).saturating_mul(blocks);
        let units = n.saturating_mul(u64::from(self.r)).saturating_mul(u64::from(self.p));
        Cost::new(memory, Cost::work(units, factor::SCRYPT))
    }

    fn fits(&self, caps: &Caps, log_n: u8) -> bool {
        let cost = self.cost_at(log_n);
        cost.memory_bytes <= caps.max_memory_bytes && cost.block_passes <= caps.max_block_passes
    }

    /// The refusal when the stored N does not fit: the largest N that
    /// would (as written: log2 N or N), or, when none does, the largest r
    /// at N = 2.
    fn over(&self, caps: &Caps) -> Error {
        match (1..self.log_n).rev().find(|&ln| self.fits(caps, ln)) {
            Some(ln) if self.form.param == "N" => cost::over("N", 1 << ln, "(a power of two)"),
            Some(ln) => cost::over("ln", u64::from(ln), "log2 N"),
            None => {
                // At N = 2: 128·r·(2 + p + 1) bytes.
                let by_memory = caps.max_memory_bytes / 128 / (3 + u64::from(self.p));
                let by_work = caps.max_block_passes.saturating_mul(1000) / factor::SCRYPT / 2 / u64::from(self.p);
                cost::over("r", by_memory.min(by_work), "(128-byte blocks)")
            }
        }
    }
}

impl Scheme for Scrypt {
    fn id(&self) -> &'static str {
        self.form.id
    }

    fn public_params(&self) -> String {
        let (r, p) = (self.r, self.p);
        if self.form.param == "N" {
            format!("N={},r={r},p={p}", 1u64 << self.log_n)
        } else {
            format!("ln={},r={r},p={p}", self.log_n)
        }
    }

    fn salt(&self) -> &[u8] {
        &self.salt
    }

    fn digest(&self) -> &[u8] {
        &self.digest
    }

    fn cost(&self) -> Cost {
        self.cost_at(self.log_n)
    }

    fn check(&self, caps: &Caps) -> Result<(), Error> {
        if self.p > caps.max_p_cost {
            return Err(cost::over("p", u64::from(caps.max_p_cost), "lanes"));
        }
        if self.fits(caps, self.log_n) { Ok(()) } else { Err(self.over(caps)) }
    }

    /// Allocates 128·r·(N + p + 1) bytes: only after [`Scheme::check`].
    fn compute(&self, password: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        let params = scrypt::Params::new(self.log_n, self.r, self.p).map_err(|_| malformed("params"))?;
        let mut out = Zeroizing::new(vec![0u8; self.form.len]);
        scrypt::scrypt(password, &self.salt, &params, &mut out).map_err(|_| malformed("params"))?;
        Ok(out)
    }

    fn reads_whole(&self, password: &[u8]) -> bool {
        hmac_key_unambiguous(password)
    }
}

/// `ln=..,r=..,p=..` (passlib, and the Spring public parameters).
fn ln_r_p(params: &str) -> Result<(u64, u32, u32), Error> {
    let [ln, r, p] = key_values(params, ["ln", "r", "p"]).ok_or_else(|| malformed("params"))?;
    Ok((number(ln, "params")?.into(), number(r, "params")?, number(p, "params")?))
}

/// log2 of Django's N: a power of two, 2 or more (decimal, up to 2^63).
fn log2_n(text: &str) -> Result<u64, Error> {
    let n: u64 = match text.len() {
        1..=20 if text.bytes().all(|b| b.is_ascii_digit()) => text.parse().map_err(|_| malformed("params"))?,
        _ => return Err(malformed("params")),
    };
    if n < 2 || !n.is_power_of_two() {
        return Err(malformed("params"));
    }
    Ok(u64::from(n.trailing_zeros()))
}

/// passlib: `$scrypt$ln=16,r=8,p=1$<b64s salt>$<b64s key 32>`.
fn passlib(stored: &str) -> Result<Parsed, Error> {
    let fields: Vec<&str> = stored.split('$').collect();
    let ["", "scrypt", params, salt, sum] = fields.as_slice() else { return Err(malformed("legacy format")) };
    let (log_n, r, p) = ln_r_p(params)?;
    let salt = b64_unpadded_decode(salt, "salt")?;
    let digest = b64_unpadded_decode(sum, "hash")?;
    if digest.is_empty() {
        return Err(malformed("hash"));
    }
    Scrypt::parsed(&PASSLIB, log_n, r, p, salt, digest)
}

/// Django: `scrypt$<N>$<salt text>$<r>$<p>$<padded b64 key 64>`.
fn django(stored: &str) -> Result<Parsed, Error> {
    let fields: Vec<&str> = stored.split('$').collect();
    let ["scrypt", n, salt, r, p, sum] = fields.as_slice() else { return Err(malformed("legacy format")) };
    let log_n = log2_n(n)?;
    let (r, p) = (number(r, "params")?, number(p, "params")?);
    let digest = b64_std_padded_decode(sum, "hash")?;
    if digest.is_empty() {
        return Err(malformed("hash"));
    }
    Scrypt::parsed(&DJANGO, log_n, r, p, salt.as_bytes().to_vec(), digest)
}

/// Spring's packed parameters: hex of `log2 N << 16 | r << 8 | p`, at most
/// 32 bits (Spring writes no more).
fn spring_params(hex: &str) -> Result<(u64, u32, u32), Error> {
    if hex.is_empty() || hex.len() > 8 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(malformed("params"));
    }
    let packed = u32::from_str_radix(hex, 16).map_err(|_| malformed("params"))?;
    Ok((u64::from(packed >> 16), (packed >> 8) & 0xff, packed & 0xff))
}

/// Spring: `{scrypt}` / `{scrypt@SpringSecurity_v5_8}` +
/// `$<hex params>$<padded b64 salt>$<padded b64 key 32>`.
fn spring(stored: &str) -> Result<Parsed, Error> {
    // The longer prefix first: `{scrypt}` is not a prefix of the other.
    let (form, body) = [&SPRING_V5_8, &SPRING_V4_1]
        .into_iter()
        .find_map(|f| stored.strip_prefix(f.prefix).map(|body| (f, body)))
        .ok_or_else(|| malformed("algorithm"))?;
    let fields: Vec<&str> = body.split('$').collect();
    let ["", params, salt, key] = fields.as_slice() else { return Err(malformed("legacy format")) };
    let (log_n, r, p) = spring_params(params)?;
    let salt = b64_std_padded_decode(salt, "salt")?;
    let digest = b64_std_padded_decode(key, "hash")?;
    if digest.is_empty() {
        return Err(malformed("hash"));
    }
    Scrypt::parsed(form, log_n, r, p, salt, digest)
}

/// `$7$…`: recognised, not verified.
fn libsodium(_stored: &str) -> Result<Parsed, Error> {
    Err(Error::Unsupported { what: "scrypt $7$ (libsodium) form" })
}

/// Rebuilds one of this family's schemes from its id, public parameters
/// (`ln=..,r=..,p=..`; Django `N=..,r=..,p=..`) and salt.
pub(crate) fn from_public(id: &str, params: &str, salt: &[u8]) -> Option<Result<Parsed, Error>> {
    let form = FORMS.into_iter().find(|form| form.id == id)?;
    let parsed = if form.param == "N" {
        key_values(params, ["N", "r", "p"])
            .ok_or_else(|| malformed("params"))
            .and_then(|[n, r, p]| Ok((log2_n(n)?, number(r, "params")?, number(p, "params")?)))
    } else {
        ln_r_p(params)
    };
    Some(parsed.and_then(|(log_n, r, p)| Scrypt::parsed(form, log_n, r, p, salt.to_vec(), Vec::new())))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)] // test code

    use base64ct::{Base64Unpadded, Encoding};

    use super::*;
    use crate::legacy::{
        self,
        pbkdf2::tests::{LAYOUT, VECTORS, default_caps, replay, rows},
    };

    fn ours(stored: &str) -> bool {
        FORMATS.iter().any(|f| stored.starts_with(f.prefix))
    }

    #[test]
    fn every_scrypt_vector() {
        let mut all: Vec<_> = [VECTORS, LAYOUT].iter().flat_map(|t| rows(t)).collect();
        all.retain(|row| ours(row.stored));
        // passlib and Django (15 each), Spring's two ids (9 each).
        assert_eq!(all.len(), 48);
        assert!(replay(&all) > 20);
    }

    #[test]
    fn every_scrypt_row_of_the_previous_release() {
        let rows = include_str!("../../tests/data/legacy.tsv").lines().filter(|l| l.starts_with("passlib-scrypt\t"));
        let mut count = 0;
        for line in rows {
            let [_, password, stored] = line.split('\t').collect::<Vec<_>>()[..] else { panic!("row") };
            let password = guardrail_ct::hex::decode_vec(password).unwrap();
            let parsed = legacy::parse(stored).unwrap().unwrap();
            parsed.check(&default_caps()).unwrap();
            assert!(legacy::matches(&*parsed, &password).unwrap());
            assert!(!legacy::matches(&*parsed, &[password.as_slice(), b"!"].concat()).unwrap());
            count += 1;
        }
        assert_eq!(count, 5);
    }

    /// `(param, cap)` of the refusal of `stored` at the default caps.
    fn refusal(stored: &str) -> (&'static str, u64) {
        match legacy::parse(stored).unwrap().unwrap().check(&default_caps()) {
            Err(Error::OutOfPolicy { param, cap, .. }) => (param, cap),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    const SALT_KEY: &str = "wlir9X6Pce5dq5WSkjJmzA$glYOPoyAdGaQ3Kvj86ICK1FJNybPeYmXN8+FahJpJLM";
    const DJANGO_TAIL: &str =
        "hEzk9PrgPG17O0N8Z2ifQS0EMZDiPNvr0vIy0HcLkFuooKR1yCjo069U7+UPktMjwYPNVxvUIukRV2V5Hw8EWA==";

    #[test]
    fn costs_at_the_default_caps() {
        let caps = default_caps();
        let admitted = |stored: &str| legacy::parse(stored).unwrap().unwrap().check(&caps).is_ok();
        // passlib's default (64 MiB) and Django's (N 2^14, r 8, p 5); 128 MiB at r 8.
        assert!(admitted(&format!("$scrypt$ln=16,r=8,p=1${SALT_KEY}")));
        assert!(admitted(&format!("scrypt$16384$salt$8$5${DJANGO_TAIL}")));
        assert!(admitted(&format!("$scrypt$ln=17,r=8,p=1${SALT_KEY}")));
        // 256 MiB of V plus B and T (2 KiB) is over the 256 MiB cap.
        assert_eq!(refusal(&format!("$scrypt$ln=18,r=8,p=1${SALT_KEY}")), ("ln", 17));
        // The issue's 266 MB, 2.4 s example: within the memory cap, over the work cap.
        assert_eq!(refusal(&format!("$scrypt$ln=17,r=16,p=4${SALT_KEY}")), ("ln", 15));
        assert_eq!(refusal(&format!("$scrypt$ln=19,r=8,p=1${SALT_KEY}")), ("ln", 17));
        assert_eq!(refusal(&format!("$scrypt$ln=63,r=8,p=1${SALT_KEY}")), ("ln", 17));
        assert_eq!(refusal(&format!("scrypt$1048576$salt$8$1${DJANGO_TAIL}")), ("N", 1 << 17));
        assert_eq!(refusal(&format!("$scrypt$ln=4,r=8,p=17${SALT_KEY}")), ("p", 16));
        assert_eq!(refusal(&format!("$scrypt$ln=1,r=16777216,p=1${SALT_KEY}")).0, "r");
        let spring = legacy::from_public("spring-scrypt-v5_8", "ln=16,r=8,p=1", &[0; 16]).unwrap();
        assert_eq!(spring.cost(), Cost::new((64 << 20) + 128 * 8 * 2, (1 << 19) * factor::SCRYPT / 1000));
    }

    #[test]
    fn memory_counts_every_buffer_scrypt_allocates() {
        // B is 128·r·p: with N small and p large it dominates V (128·r·N).
        let wide = legacy::from_public("passlib-scrypt", "ln=1,r=65536,p=16", b"salt").unwrap();
        assert_eq!(wide.cost().memory_bytes, 128 * 65536 * (2 + 16 + 1));
        // ~152 MiB (was counted as V's 16 MiB): the memory cap sees it all.
        let small = Caps { max_memory_bytes: 128 << 20, ..default_caps() };
        assert!(wide.check(&default_caps()).is_ok() && wide.check(&small).is_err());
        // The largest r the refusal names at N = 2 is admitted at N = 2.
        let (param, r) = refusal(&format!("$scrypt$ln=1,r=16777216,p=1${SALT_KEY}"));
        let at_cap = legacy::from_public("passlib-scrypt", &format!("ln=1,r={r},p=1"), b"salt").unwrap();
        assert!(param == "r" && at_cap.check(&default_caps()).is_ok(), "{r}");
    }

    #[test]
    fn hostile_strings_are_errors_without_values() {
        for stored in [
            format!("$scrypt$ln=0,r=8,p=1${SALT_KEY}"),
            format!("$scrypt$ln=64,r=8,p=1${SALT_KEY}"),
            format!("$scrypt$ln=99999999999,r=8,p=1${SALT_KEY}"),
            format!("$scrypt$ln=4,r=0,p=1${SALT_KEY}"),
            format!("$scrypt$ln=4,r=8,p=0${SALT_KEY}"),
            format!("$scrypt$ln=4,r=1048576,p=1024${SALT_KEY}"),
            format!("$scrypt$ln=4,r=4294967295,p=4294967295${SALT_KEY}"),
            format!("$scrypt$r=8,ln=4,p=1${SALT_KEY}"),
            format!("$scrypt$ln=4,r=8,p=1${SALT_KEY}$"),
            format!("$scrypt$ln=4,r=8,p=1${}", &SALT_KEY[..40]),
            "$scrypt$ln=4,r=8,p=1$wlir9X6Pce5dq5WSkjJmzA$é".to_string(),
            format!("scrypt$1000$SECRET$8$1${DJANGO_TAIL}"),
            format!("scrypt$1$SECRET$8$1${DJANGO_TAIL}"),
            format!("scrypt$18446744073709551616$SECRET$8$1${DJANGO_TAIL}"),
            format!("scrypt$16384$SECRET$8$1${}", &DJANGO_TAIL[..40]),
            "scrypt$16384$SECRET$8$1$AAAA".to_string(),
            "{scrypt}$+e0801$AAAA$AAAA".to_string(),
            "{scrypt}$1000e0801$AAAA$AAAA".to_string(),
            "{scrypt}$e0801$AAAA".to_string(),
            "{scrypt}$e0800$AAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".to_string(),
            "{scrypt}$400801$AAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".to_string(),
            "{scrypt@SpringSecurity_v5_8}$100801$AAAA$AAAA".to_string(),
        ] {
            let Some(Err(err)) = legacy::parse(&stored) else { panic!("parsed a hostile string") };
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains("wlir") && !shown.contains("hEzk") && !shown.contains("SECRET"), "{shown}");
        }
        let sodium = "$7$C6..../....SodiumChloride$kBGj9fHznVYFQMEn/qDCfrDevf9YDtcDdKvEqHJLV8D";
        assert!(matches!(legacy::parse(sodium), Some(Err(Error::Unsupported { .. }))));
    }

    #[test]
    fn scrypt_never_matches_a_trailing_nul() {
        let salt = b"0123456789abcdef";
        let scheme = legacy::from_public("passlib-scrypt", "ln=4,r=8,p=1", salt).unwrap();
        let key = scheme.compute(b"pw").unwrap();
        assert_eq!(key, scheme.compute(b"pw\0").unwrap(), "the ambiguity this guards against");
        let b64 = |b: &[u8]| Base64Unpadded::encode_string(b);
        let stored = format!("$scrypt$ln=4,r=8,p=1${}${}", b64(salt), b64(&key));
        let parsed = legacy::parse(&stored).unwrap().unwrap();
        assert!(legacy::matches(&*parsed, b"pw").unwrap());
        assert!(!legacy::matches(&*parsed, b"pw\0").unwrap());
    }

    #[test]
    fn from_public_refuses_what_the_id_does_not_take() {
        for (id, params) in [
            ("passlib-scrypt", "N=16,r=8,p=1"),
            ("passlib-scrypt", "ln=16,r=8"),
            ("django-scrypt", "ln=14,r=8,p=5"),
            ("django-scrypt", "N=1000,r=8,p=5"),
            ("spring-scrypt-v4_1", "ln=0,r=8,p=1"),
            ("spring-scrypt-v5_8", ""),
        ] {
            assert!(matches!(from_public(id, params, b"salt"), Some(Err(Error::Malformed { .. }))), "{id} {params}");
        }
        assert!(from_public("passlib-pbkdf2-sha1", "rounds=1", b"salt").is_none());
        let django = from_public("django-scrypt", "N=16384,r=8,p=5", b"salt").unwrap().unwrap();
        assert_eq!((django.id(), django.public_params()), ("django-scrypt", "N=16384,r=8,p=5".to_string()));
    }
}

//! Digest schemes: one MD4, MD5, SHA-1 or SHA-2 digest of the password
//! and a salt (Spring's `{sha256}` applies it 1024 times), stored hex or
//! base64 and compared as raw bytes.
//! Fast hashes: every one of them costs an attacker nothing, so they are
//! read once more to upgrade the account, and wrapped meanwhile.
//!
//! | stored | id | digest of |
//! |---|---|---|
//! | `md5$<salt>$<32 hex>` (Django `MD5PasswordHasher`) | `django-md5` | salt ‖ pw |
//! | `sha1$<salt>$<40 hex>` (Django ≤ 5.0 `SHA1PasswordHasher`) | `django-sha1` | salt ‖ pw |
//! | `<32 hex>`, `md5$$<32 hex>` (Django ≤ 5.0 `UnsaltedMD5PasswordHasher`) | `django-unsalted-md5` | pw |
//! | `sha1$$<40 hex>` (Django ≤ 5.0 `UnsaltedSHA1PasswordHasher`) | `django-unsalted-sha1` | pw |
//! | `{MD5}<base64 16 B>` / `{SHA}<base64 20 B>` (passlib `ldap_md5`, `ldap_sha1`) | `ldap-md5`, `ldap-sha1` | pw |
//! | `{MD5}<32 hex>` / `{SHA}<40 hex>` (passlib `ldap_hex_md5`, `ldap_hex_sha1`) | `ldap-hex-md5`, `ldap-hex-sha1` | pw |
//! | `{SMD5}` `{SSHA}` `{SSHA256}` `{SSHA512}` + base64(digest ‖ salt) | `ldap-salted-md5`, `-sha1`, `-sha256`, `-sha512` | pw ‖ salt |
//! | `{CLEARTEXT}<text>` (LDAP/Dovecot plaintext) | `plaintext` | — (the text itself) |
//!
//! WordPress's plain `md5(pw)` (a password set by hand in the database) is
//! the bare 32 hex digits of Django's unsalted MD5: one scheme, one id,
//! recognised by shape (lower-case hex, what both write) after every prefix.
//! LDAP prefixes are read in any case. `{MD5}` is also a Spring
//! `DelegatingPasswordEncoder` id: `{MD5}{<salt>}<hex>` is Spring's salted
//! `MessageDigestPasswordEncoder` (parsed by [`super::spring`]), and Spring's
//! unsalted `{MD5}<hex>` is the very computation of `ldap-hex-md5`, so it
//! gets that id. Spring's other encoders live in [`super::spring`] and
//! build the [`Single`] values defined here.
//!
//! Plaintext: the digest is the stored text and the candidate is its own
//! digest. Parsed here; `stored.rs` refuses it unless the caller opted in.

use md4::Md4;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};
use zeroize::Zeroizing;

use super::encoding::{b64_std_padded_decode, hex_decode, hex_lower, malformed};
use super::{Format, Parsed, Scheme, spring};
use crate::cost::{self, Cost, factor};
use crate::{Caps, Error};

/// The digest functions these schemes use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Algo {
    /// No digest: the input itself (stored plaintext).
    Identity,
    Md4,
    Md5,
    Sha1,
    Sha256,
    Sha512,
}

impl Algo {
    /// Digest length, bytes.
    pub(super) const fn len(self) -> usize {
        match self {
            Self::Identity => 0, // no fixed length; never decoded
            Self::Md4 | Self::Md5 => 16,
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha512 => 64,
        }
    }

    /// One digest of `parts`, concatenated.
    pub(super) fn digest(self, parts: &[&[u8]]) -> Zeroizing<Vec<u8>> {
        fn run<D: Digest>(parts: &[&[u8]]) -> Zeroizing<Vec<u8>> {
            let mut state = D::new();
            for part in parts {
                state.update(part);
            }
            Zeroizing::new(state.finalize().to_vec())
        }
        match self {
            Self::Identity => Zeroizing::new(parts.concat()),
            Self::Md4 => run::<Md4>(parts),
            Self::Md5 => run::<Md5>(parts),
            Self::Sha1 => run::<Sha1>(parts),
            Self::Sha256 => run::<Sha256>(parts),
            Self::Sha512 => run::<Sha512>(parts),
        }
    }
}

/// What one digest scheme id means: its digest, where the salt goes, the
/// salt lengths it takes, and how many times the digest is applied.
#[derive(Debug)]
pub(super) struct Kind {
    /// The stable scheme id.
    pub(super) id: &'static str,
    pub(super) algo: Algo,
    /// Salt before the password (Django) or after it (LDAP, Spring).
    pub(super) salt_first: bool,
    /// Shortest and longest salt, bytes.
    pub(super) salt_len: (usize, usize),
    /// Applications of the digest: the first to the salted password, each
    /// next one to the previous digest (Spring's `Digester`).
    pub(super) iterations: u64,
}

/// Longest salt written as text (Django's 22 characters, Spring's
/// `{<44 base64 characters>}`), bytes.
pub(super) const TEXT_SALT_MAX: usize = 256;
/// Longest salt of the LDAP salted digests (passlib writes 4–16), bytes.
pub(super) const LDAP_SALT_MAX: usize = 64;

const fn kind(id: &'static str, algo: Algo, salt_first: bool, salt_len: (usize, usize)) -> Kind {
    Kind { id, algo, salt_first, salt_len, iterations: 1 }
}

const UNSALTED: (usize, usize) = (0, 0);
const DJANGO_MD5: Kind = kind("django-md5", Algo::Md5, true, (1, TEXT_SALT_MAX));
const DJANGO_SHA1: Kind = kind("django-sha1", Algo::Sha1, true, (1, TEXT_SALT_MAX));
const DJANGO_UNSALTED_MD5: Kind = kind("django-unsalted-md5", Algo::Md5, true, UNSALTED);
const DJANGO_UNSALTED_SHA1: Kind = kind("django-unsalted-sha1", Algo::Sha1, true, UNSALTED);
const LDAP_MD5: Kind = kind("ldap-md5", Algo::Md5, false, UNSALTED);
const LDAP_SHA1: Kind = kind("ldap-sha1", Algo::Sha1, false, UNSALTED);
const LDAP_HEX_MD5: Kind = kind("ldap-hex-md5", Algo::Md5, false, UNSALTED);
const LDAP_HEX_SHA1: Kind = kind("ldap-hex-sha1", Algo::Sha1, false, UNSALTED);
const LDAP_SALTED_MD5: Kind = kind("ldap-salted-md5", Algo::Md5, false, (1, LDAP_SALT_MAX));
const LDAP_SALTED_SHA1: Kind = kind("ldap-salted-sha1", Algo::Sha1, false, (1, LDAP_SALT_MAX));
const LDAP_SALTED_SHA256: Kind = kind("ldap-salted-sha256", Algo::Sha256, false, (1, LDAP_SALT_MAX));
const LDAP_SALTED_SHA512: Kind = kind("ldap-salted-sha512", Algo::Sha512, false, (1, LDAP_SALT_MAX));

/// Every id this file defines (Spring's are in [`super::spring`]).
const KINDS: &[&Kind] = &[
    &DJANGO_MD5,
    &DJANGO_SHA1,
    &DJANGO_UNSALTED_MD5,
    &DJANGO_UNSALTED_SHA1,
    &LDAP_MD5,
    &LDAP_SHA1,
    &LDAP_HEX_MD5,
    &LDAP_HEX_SHA1,
    &LDAP_SALTED_MD5,
    &LDAP_SALTED_SHA1,
    &LDAP_SALTED_SHA256,
    &LDAP_SALTED_SHA512,
    &PLAINTEXT,
];

/// Stored plaintext (`{noop}`, `{CLEARTEXT}`): the stored text is the
/// digest, a candidate is its own.
const PLAINTEXT: Kind = kind("plaintext", Algo::Identity, true, UNSALTED);

/// This family's rows of the prefix table.
pub(crate) const FORMATS: &[Format] = &[
    Format { prefix: "md5$", any_case: false, parse: django_md5 },
    Format { prefix: "sha1$", any_case: false, parse: django_sha1 },
    Format { prefix: "{MD5}", any_case: true, parse: ldap_md5 },
    Format { prefix: "{SHA}", any_case: true, parse: ldap_sha1 },
    Format { prefix: "{SMD5}", any_case: true, parse: ldap_salted_md5 },
    Format { prefix: "{SSHA}", any_case: true, parse: ldap_salted_sha1 },
    Format { prefix: "{SSHA256}", any_case: true, parse: ldap_salted_sha256 },
    Format { prefix: "{SSHA512}", any_case: true, parse: ldap_salted_sha512 },
    Format { prefix: "{CLEARTEXT}", any_case: true, parse: cleartext },
];

/// A digest of the password and a salt (applied `iterations` times),
/// compared as raw bytes.
pub(super) struct Single {
    kind: &'static Kind,
    salt: Vec<u8>,
    digest: Zeroizing<Vec<u8>>,
}

impl Single {
    /// `kind` with `salt` and `digest` (empty when rebuilt from public
    /// parts); the salt's length is checked, the digest's is the caller's.
    pub(super) fn parsed(kind: &'static Kind, salt: &[u8], digest: Vec<u8>) -> Result<Parsed, Error> {
        let (shortest, longest) = kind.salt_len;
        if salt.len() < shortest || salt.len() > longest {
            return Err(malformed("salt"));
        }
        Ok(Box::new(Self { kind, salt: salt.to_vec(), digest: Zeroizing::new(digest) }))
    }
}

impl Scheme for Single {
    fn id(&self) -> &'static str {
        self.kind.id
    }
    fn public_params(&self) -> String {
        String::new() // the id implies the digest, the salt's place, the iterations
    }
    fn salt(&self) -> &[u8] {
        &self.salt
    }
    fn digest(&self) -> &[u8] {
        &self.digest
    }
    fn cost(&self) -> Cost {
        Cost::new(0, Cost::work(self.kind.iterations, factor::DIGEST))
    }
    /// Never above a sane cap (at most Spring's 1024 digests), checked all
    /// the same so every scheme states its cost.
    fn check(&self, caps: &Caps) -> Result<(), Error> {
        cost::check_work(caps, "iterations", "iterations", self.kind.iterations, factor::DIGEST)
    }
    fn compute(&self, password: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        let algo = self.kind.algo;
        let mut sum = if self.kind.salt_first {
            algo.digest(&[&self.salt, password])
        } else {
            algo.digest(&[password, &self.salt])
        };
        for _ in 1..self.kind.iterations {
            sum = algo.digest(&[&sum]);
        }
        Ok(sum)
    }
}

/// Stored plaintext `text` (after its `{noop}` / `{CLEARTEXT}` prefix).
pub(super) fn plaintext(text: &str) -> Parsed {
    Box::new(Single { kind: &PLAINTEXT, salt: Vec::new(), digest: Zeroizing::new(text.as_bytes().to_vec()) })
}

/// What follows a matched prefix of `len` bytes.
pub(super) fn after(stored: &str, len: usize) -> Result<&str, Error> {
    stored.get(len..).ok_or_else(|| malformed("prefix"))
}

/// `text` as `algo`'s digest in hex of any case.
pub(super) fn hex_digest(algo: Algo, text: &str) -> Result<Vec<u8>, Error> {
    let digest = hex_decode(text, "hash")?;
    if digest.len() == algo.len() { Ok(digest) } else { Err(malformed("hash")) }
}

/// An unsalted LDAP digest: `kind`'s digest, base64 with padding.
pub(super) fn unsalted_b64(kind: &'static Kind, value: &str) -> Result<Parsed, Error> {
    let digest = b64_std_padded_decode(value, "hash")?;
    if digest.len() != kind.algo.len() {
        return Err(malformed("hash"));
    }
    Single::parsed(kind, &[], digest)
}

/// A salted LDAP digest: base64 (padded) of `kind`'s digest ‖ the salt.
pub(super) fn salted_b64(kind: &'static Kind, value: &str) -> Result<Parsed, Error> {
    let raw = b64_std_padded_decode(value, "hash")?;
    let (digest, salt) = raw.split_at_checked(kind.algo.len()).ok_or_else(|| malformed("hash"))?;
    Single::parsed(kind, salt, digest.to_vec())
}

/// `{MD5}` / `{SHA}`: 32 / 40 hex digits are the hex form, anything else
/// base64 (a 32- or 40-character base64 text decodes to 24 or 30 bytes,
/// never a digest).
fn ldap_unsalted(value: &str, b64: &'static Kind, hex: &'static Kind) -> Result<Parsed, Error> {
    if value.len() == 2 * hex.algo.len() {
        Single::parsed(hex, &[], hex_digest(hex.algo, value)?)
    } else {
        unsalted_b64(b64, value)
    }
}

/// Django's `<algorithm>$<salt>$<hex>`: an empty salt is the unsalted
/// hasher's `md5$$` / `sha1$$` form (the same computation; Django tells
/// them apart the same way).
fn django(stored: &str, prefix: &str, salted: &'static Kind, unsalted: &'static Kind) -> Result<Parsed, Error> {
    let (salt, hex) = after(stored, prefix.len())?.split_once('$').ok_or_else(|| malformed("hash"))?;
    let kind = if salt.is_empty() { unsalted } else { salted };
    Single::parsed(kind, salt.as_bytes(), hex_digest(kind.algo, hex)?)
}

fn django_md5(stored: &str) -> Result<Parsed, Error> {
    django(stored, "md5$", &DJANGO_MD5, &DJANGO_UNSALTED_MD5)
}

fn django_sha1(stored: &str) -> Result<Parsed, Error> {
    django(stored, "sha1$", &DJANGO_SHA1, &DJANGO_UNSALTED_SHA1)
}

/// `{MD5}`: LDAP's base64 or hex digest, or Spring's `{MD5}{<salt>}<hex>`
/// (Spring ids are case-sensitive: `{md5}{…}` is neither).
fn ldap_md5(stored: &str) -> Result<Parsed, Error> {
    let value = after(stored, "{MD5}".len())?;
    if value.starts_with('{') {
        if !stored.starts_with("{MD5}") {
            return Err(malformed("prefix"));
        }
        return spring::message_digest(&spring::MD5, value);
    }
    ldap_unsalted(value, &LDAP_MD5, &LDAP_HEX_MD5)
}

fn ldap_sha1(stored: &str) -> Result<Parsed, Error> {
    ldap_unsalted(after(stored, "{SHA}".len())?, &LDAP_SHA1, &LDAP_HEX_SHA1)
}

fn ldap_salted_md5(stored: &str) -> Result<Parsed, Error> {
    salted_b64(&LDAP_SALTED_MD5, after(stored, "{SMD5}".len())?)
}

fn ldap_salted_sha1(stored: &str) -> Result<Parsed, Error> {
    salted_b64(&LDAP_SALTED_SHA1, after(stored, "{SSHA}".len())?)
}

fn ldap_salted_sha256(stored: &str) -> Result<Parsed, Error> {
    salted_b64(&LDAP_SALTED_SHA256, after(stored, "{SSHA256}".len())?)
}

fn ldap_salted_sha512(stored: &str) -> Result<Parsed, Error> {
    salted_b64(&LDAP_SALTED_SHA512, after(stored, "{SSHA512}".len())?)
}

fn cleartext(stored: &str) -> Result<Parsed, Error> {
    Ok(plaintext(after(stored, "{CLEARTEXT}".len())?))
}

/// Django's unsalted MD5 and WordPress's plain MD5 by shape: exactly 32
/// lower-case hex digits, no prefix.
pub(crate) fn by_shape(stored: &str) -> Option<Result<Parsed, Error>> {
    if stored.len() != 32 || !stored.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return None;
    }
    Some(hex_lower(stored, "hash").and_then(|digest| Single::parsed(&DJANGO_UNSALTED_MD5, &[], digest)))
}

/// Rebuilds `id` from `kinds` with `salt`, digest empty; `None` when `id`
/// is not among them.
pub(super) fn rebuild(kinds: &[&'static Kind], id: &str, params: &str, salt: &[u8]) -> Option<Result<Parsed, Error>> {
    let kind = kinds.iter().copied().find(|kind| kind.id == id)?;
    if !params.is_empty() {
        return Some(Err(malformed("params")));
    }
    Some(Single::parsed(kind, salt, Vec::new()))
}

/// Rebuilds one of this family's schemes from its public parts.
pub(crate) fn from_public(id: &str, params: &str, salt: &[u8]) -> Option<Result<Parsed, Error>> {
    rebuild(KINDS, id, params, salt)
}

#[cfg(test)]
pub(super) mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)] // test code

    use base64ct::{Base64, Encoding};

    use super::*;
    use crate::Params;

    fn caps() -> Caps {
        Caps::for_policy(&Params::OWASP)
    }

    /// Every length in `kinds` comes from the id, none from public params:
    /// a salt past the kind's longest (at most 256 bytes) and any parameter
    /// are refused naming the part, without the value.
    pub(in crate::legacy) fn rebuild_bounds_every_length(kinds: &[&'static Kind]) {
        for kind in kinds {
            let (_, longest) = kind.salt_len;
            assert!(longest <= TEXT_SALT_MAX.max(LDAP_SALT_MAX), "{}", kind.id);
            let long = vec![b'S'; longest + 1];
            let refused = rebuild(kinds, kind.id, "", &long).unwrap();
            assert!(matches!(refused, Err(Error::Malformed { part: "salt" })), "{}", kind.id);
            let salt = vec![b'S'; kind.salt_len.0];
            for params in ["len=300000000", "iterations=4000000000", "salt_len=99999999999"] {
                let refused = rebuild(kinds, kind.id, params, &salt).unwrap();
                let err = refused.err().unwrap_or_else(|| panic!("{} {params}", kind.id));
                assert!(matches!(err, Error::Malformed { part: "params" }) && !err.to_string().contains('9'));
            }
        }
    }

    #[test]
    fn lengths_come_from_the_id_never_from_params() {
        rebuild_bounds_every_length(KINDS);
    }

    /// Parses `stored` through the whole prefix table and shape rules.
    fn parse(stored: &str) -> Result<Parsed, Error> {
        super::super::parse(stored).unwrap_or(Err(Error::Unsupported { what: "not recognised" }))
    }

    /// `stored` parses to `id`, passes the default caps, and `password`
    /// matches it exactly when `expected`; rebuilt from its public parts
    /// (id, params, salt), it computes the same digest.
    pub(in super::super) fn assert_id_and_matches(stored: &str, id: &str, password: &[u8], expected: bool) {
        let parsed = parse(stored).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(parsed.id(), id);
        parsed.check(&caps()).unwrap();
        assert_eq!(super::super::matches(parsed.as_ref(), password).unwrap(), expected, "{id}");
        let rebuilt = super::super::from_public(id, &parsed.public_params(), parsed.salt()).unwrap();
        assert_eq!(rebuilt.id(), id);
        assert_eq!(rebuilt.compute(password).unwrap(), parsed.compute(password).unwrap(), "{id} rebuilt");
    }

    /// Replays the rows of a `tests/data/migrate` TSV that `select` maps to
    /// a scheme id: `right` matches, `wrong` and `tampered` do not (a
    /// `refused:plaintext` row parses to `plaintext`, which `stored.rs`
    /// refuses without the opt-in). Returns the number of rows replayed.
    pub(in super::super) fn replay(tsv: &str, select: impl Fn(&str, &str, &str) -> Option<&'static str>) -> usize {
        let mut replayed = 0;
        for (line, row) in tsv.lines().enumerate().filter(|(_, row)| !row.starts_with('#')) {
            let cols: Vec<&str> = row.split('\t').collect();
            let [family, scheme, _source, _made_by, kind, password, stored, expect] = cols[..] else {
                panic!("line {}: {} columns", line + 1, cols.len());
            };
            let Some(id) = select(family, scheme, stored) else { continue };
            let expected = match expect {
                "valid" => true,
                "invalid" => false,
                "refused:plaintext" => kind == "right",
                other => panic!("line {}: expect {other}", line + 1),
            };
            assert_eq!(expected, kind == "right", "line {}", line + 1);
            assert_id_and_matches(stored, id, &guardrail_ct::hex::decode_vec(password).unwrap(), expected);
            replayed += 1;
        }
        replayed
    }

    fn django_or_passlib_id(family: &str, scheme: &str) -> Option<&'static str> {
        Some(match (family, scheme) {
            ("django", "md5") => "django-md5",
            ("django", "sha1") => "django-sha1",
            ("django", "unsalted_md5") | ("wordpress", "md5") => "django-unsalted-md5",
            ("django", "unsalted_sha1") => "django-unsalted-sha1",
            ("passlib", "ldap_md5") => "ldap-md5",
            ("passlib", "ldap_sha1") => "ldap-sha1",
            ("passlib", "ldap_hex_md5") => "ldap-hex-md5",
            ("passlib", "ldap_hex_sha1") => "ldap-hex-sha1",
            ("passlib", "ldap_salted_md5") => "ldap-salted-md5",
            ("passlib", "ldap_salted_sha1") => "ldap-salted-sha1",
            ("passlib", "ldap_salted_sha256") => "ldap-salted-sha256",
            ("passlib", "ldap_salted_sha512") => "ldap-salted-sha512",
            _ => return None,
        })
    }

    #[test]
    fn every_digest_row_of_the_migrate_vectors() {
        let select = |family: &str, scheme: &str, _: &str| django_or_passlib_id(family, scheme);
        let vectors = replay(include_str!("../../tests/data/migrate/vectors.tsv"), select);
        let django50 = replay(include_str!("../../tests/data/migrate/django50.tsv"), select);
        let layout = replay(include_str!("../../tests/data/migrate/layout.tsv"), select);
        // Django md5 + eight passlib ldap schemes; sha1, unsalted sha1, unsalted md5 (two
        // spellings); WordPress md5: 5 vectors × 3 rows each.
        assert_eq!((vectors, django50, layout), (9 * 15, 4 * 15, 15));
    }

    #[test]
    fn the_previous_release_digest_rows_still_verify() {
        let mut replayed = 0;
        for row in include_str!("../../tests/data/legacy.tsv").lines().filter(|row| !row.starts_with('#')) {
            let [scheme, password, stored] = row.split('\t').collect::<Vec<_>>()[..] else { panic!("columns") };
            let id = match scheme {
                "ldap-ssha" => "ldap-salted-sha1",
                "ldap-smd5" => "ldap-salted-md5",
                "django-md5" | "django-sha1" => scheme,
                _ => continue,
            };
            let mut password = guardrail_ct::hex::decode_vec(password).unwrap();
            assert_id_and_matches(stored, id, &password, true);
            password.push(b'!');
            assert_id_and_matches(stored, id, &password, false);
            replayed += 1;
        }
        assert_eq!(replayed, 4 * 5);
    }

    #[test]
    fn md4_passes_the_rfc_1320_test_suite() {
        for (input, hex) in [
            ("", "31d6cfe0d16ae931b73c59d7e0c089c0"),
            ("a", "bde52cb31de33e46245e05fbdbd6fb24"),
            ("abc", "a448017aaf21d8525fc10ae87aa6729d"),
            ("message digest", "d9130a8164549fe818874806e1c7014b"),
            ("abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9"),
            ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "043f8582f241db351ce627e153e7f0e4"),
            (
                "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                "e33b4ddc9c38f2199c3e7b164fcc0536",
            ),
        ] {
            // Through Spring's unsalted {MD4} path: parse, then compute.
            assert_id_and_matches(&format!("{{MD4}}{hex}"), "spring-md-md4", input.as_bytes(), true);
            // Parts are concatenated: split anywhere, the same digest.
            let (a, b) = input.split_at(input.len() / 2);
            assert_eq!(guardrail_ct::hex::encode_string(&Algo::Md4.digest(&[a.as_bytes(), b.as_bytes()])), hex);
        }
    }

    #[test]
    fn shapes_and_prefixes_resolve_to_one_scheme() {
        let md5 = "5f4dcc3b5aa765d61d8327deb882cf99"; // md5("password")
        for stored in [md5.to_owned(), format!("md5$${md5}"), format!("{{MD5}}{md5}"), format!("{{md5}}{md5}")] {
            let id = if stored.starts_with('{') { "ldap-hex-md5" } else { "django-unsalted-md5" };
            assert_id_and_matches(&stored, id, b"password", true);
        }
        assert_id_and_matches(&format!("{{MD5}}{}", md5.to_uppercase()), "ldap-hex-md5", b"password", true);
        // Bare hex is read lower-case only, exactly 32 digits (what Django and WordPress write).
        assert!(super::super::parse(&md5.to_uppercase()).is_none());
        assert!(super::super::parse(&md5[1..]).is_none());
        assert_id_and_matches("{ssha}WHsEtRFGwhUYAS8dKgwU6n0cuXw6JwQA", "ldap-salted-sha1", b"password", true);
        assert_id_and_matches("{CLEARTEXT}pass word ", "plaintext", b"pass word ", true);
        assert_id_and_matches("{cleartext}pass word ", "plaintext", b"pass word", false);
        let parsed = parse("md5$abc$6d7e1f55c3b5b8a8b4a1b3ec41b6cbb2").unwrap();
        assert_eq!((parsed.salt(), parsed.public_params().as_str()), (&b"abc"[..], ""));
        assert_eq!(parsed.cost(), Cost::new(0, 1));
    }

    #[test]
    fn malformed_digests_name_the_part() {
        for (stored, part) in [
            ("md5$salt", "hash"),
            ("md5$salt$5f4dcc3b5aa765d61d8327deb882cf9", "hash"),
            ("md5$salt$5f4dcc3b5aa765d61d8327deb882cf99$", "hash"),
            ("sha1$$5f4dcc3b5aa765d61d8327deb882cf99", "hash"), // unsalted sha1 needs 40 digits
            ("{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g", "hash"),       // padding required
            ("{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "salt"),     // 20 bytes: no salt
            ("{SMD5}", "hash"),
            ("{md5}{salt}ce421738b1c5540836bdc8ff707f1572", "prefix"),
        ] {
            match parse(stored) {
                Err(Error::Malformed { part: got }) => assert_eq!(got, part, "{stored}"),
                Err(other) => panic!("{stored}: {other}"),
                Ok(parsed) => panic!("{stored}: parsed as {}", parsed.id()),
            }
        }
        let long_salt = Base64::encode_string(&[7u8; 16 + LDAP_SALT_MAX + 1]);
        assert!(matches!(parse(&format!("{{SMD5}}{long_salt}")), Err(Error::Malformed { part: "salt" })));
        assert!(matches!(from_public("django-md5", "", b""), Some(Err(Error::Malformed { part: "salt" }))));
        assert!(matches!(from_public("ldap-md5", "x=1", b""), Some(Err(Error::Malformed { part: "params" }))));
        assert!(matches!(from_public("plaintext", "", b"s"), Some(Err(Error::Malformed { part: "salt" }))));
        assert!(from_public("spring-md-md5", "", b"").is_none(), "spring.rs's id");
    }

    const PREFIXES: &[&str] = &[
        "",
        "md5$",
        "md5$$",
        "sha1$",
        "sha1$$",
        "{MD5}",
        "{md5}",
        "{MD5}{",
        "{SHA}",
        "{sha}",
        "{SMD5}",
        "{SSHA}",
        "{ssha}",
        "{SSHA256}",
        "{SSHA512}",
        "{CLEARTEXT}",
        "{SHA-256}",
        "{SHA-1}",
        "{SHA-1}{",
        "{MD4}",
        "{sha256}",
        "{ldap}",
        "{ldap}{SSHA}",
        "{ldap}{sha}",
        "{ldap}{",
        "{noop}",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// Any text after any of these prefixes: no panic, and an error
        /// never carries the text (errors hold `&'static str` parts only).
        #[test]
        fn hostile_values_never_panic_nor_leak(
            prefix in proptest::sample::select(PREFIXES),
            tail in proptest::prop_oneof!["[0-9a-fA-F{}$=+/]{0,140}", "\\PC{0,60}"],
            password in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40),
        ) {
            let stored = format!("{prefix}{tail}");
            match super::super::parse(&stored) {
                Some(Ok(parsed)) => {
                    parsed.check(&caps()).unwrap();
                    super::super::matches(parsed.as_ref(), &password).unwrap();
                }
                Some(Err(e)) if tail.len() >= 8 => proptest::prop_assert!(!e.to_string().contains(tail.as_str())),
                _ => {}
            }
        }
    }
}

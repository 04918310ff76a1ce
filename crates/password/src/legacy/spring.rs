//! Spring Security's `DelegatingPasswordEncoder` ids that are not a KDF:
//! the `{id}` prefix names the encoder, and the encoder's defaults are
//! all there is (nothing else stored). The KDF ids live with their family:
//! `{bcrypt}` in `bcrypt.rs`, `{pbkdf2…}` in `pbkdf2.rs`, `{scrypt…}` in
//! `scrypt.rs`, `{argon2…}` with the PHC parser.
//!
//! | id | encoder | stored after the id | scheme id |
//! |---|---|---|---|
//! | `{SHA-256}` `{SHA-1}` `{MD5}` | `MessageDigestPasswordEncoder` | `{<salt>}<hex digest(pw ‖ "{<salt>}")>`; no leading `{` ⇒ salt "" | `spring-md-sha256`, `-sha1`, `-md5` |
//! | `{MD4}` | `Md4PasswordEncoder` | the same, MD4 | `spring-md-md4` |
//! | `{sha256}` | `StandardPasswordEncoder` | hex(salt 8 ‖ SHA-256¹⁰²⁴(salt ‖ pw)) (secret "") | `spring-sha256` |
//! | `{ldap}` | `LdapShaPasswordEncoder` | `{SSHA}`/`{ssha}` base64(SHA-1(pw ‖ salt) ‖ salt), `{SHA}`/`{sha}` base64(SHA-1(pw)) | `spring-ldap-ssha`, `spring-ldap-sha` |
//! | `{noop}` | `NoOpPasswordEncoder` | the password | `plaintext` |
//!
//! Sources: `spring-projects/spring-security`, `crypto/src/main/java/org/
//! springframework/security/crypto/password/` (the classes named above),
//! checked against the literals of their tests in
//! `tests/data/migrate/layout.tsv` (`StandardPasswordEncoderTests` has no
//! literal: its rows are computed from the class's source).
//!
//! The `MessageDigestPasswordEncoder` salt is the text `{<salt>}`, braces
//! included: that is what Spring appends to the password, so it is the salt
//! [`super::Scheme::salt`] reports. `{MD5}` is also an LDAP prefix; its one
//! row is in `digest.rs`, which sends `{MD5}{…}` here.

use super::digest::{self, Algo, Kind, LDAP_SALT_MAX, TEXT_SALT_MAX};
use super::encoding::{hex_decode, malformed};
use super::{Format, Parsed};
use crate::Error;

const fn message_digest_kind(id: &'static str, algo: Algo) -> Kind {
    Kind { id, algo, salt_first: false, salt_len: (0, TEXT_SALT_MAX), iterations: 1 }
}

const SHA256: Kind = message_digest_kind("spring-md-sha256", Algo::Sha256);
const SHA1: Kind = message_digest_kind("spring-md-sha1", Algo::Sha1);
/// `{MD5}{<salt>}<hex>`, reached through `digest.rs`'s `{MD5}` row.
pub(super) const MD5: Kind = message_digest_kind("spring-md-md5", Algo::Md5);
const MD4: Kind = message_digest_kind("spring-md-md4", Algo::Md4);
const LDAP_SSHA: Kind = ldap_kind("spring-ldap-ssha", (1, LDAP_SALT_MAX));
const LDAP_SHA: Kind = ldap_kind("spring-ldap-sha", (0, 0));
/// `StandardPasswordEncoder` (`{sha256}`): SHA-256 applied 1024 times, the
/// first time to salt ‖ secret ‖ pw (secret "" under
/// `PasswordEncoderFactories`); salt 8 bytes (`KeyGenerators.secureRandom()`).
const STANDARD: Kind = Kind {
    id: "spring-sha256",
    algo: Algo::Sha256,
    salt_first: true,
    salt_len: (STANDARD_SALT, STANDARD_SALT),
    iterations: 1024,
};
const STANDARD_SALT: usize = 8;

const fn ldap_kind(id: &'static str, salt_len: (usize, usize)) -> Kind {
    Kind { id, algo: Algo::Sha1, salt_first: false, salt_len, iterations: 1 }
}

/// Every id this file defines.
const KINDS: &[&Kind] = &[&SHA256, &SHA1, &MD5, &MD4, &LDAP_SSHA, &LDAP_SHA, &STANDARD];

/// This family's rows of the prefix table (Spring ids are case-sensitive).
pub(crate) const FORMATS: &[Format] = &[
    Format { prefix: "{SHA-256}", any_case: false, parse: sha256 },
    Format { prefix: "{SHA-1}", any_case: false, parse: sha1 },
    Format { prefix: "{MD4}", any_case: false, parse: md4 },
    Format { prefix: "{sha256}", any_case: false, parse: standard },
    Format { prefix: "{ldap}", any_case: false, parse: ldap },
    Format { prefix: "{noop}", any_case: false, parse: noop },
];

/// A `MessageDigestPasswordEncoder` / `Md4PasswordEncoder` value (after
/// the id): `{<salt>}<hex>` or `<hex>`, digest of pw ‖ `{<salt>}`.
pub(super) fn message_digest(kind: &'static Kind, value: &str) -> Result<Parsed, Error> {
    let (salt, hex) = if value.starts_with('{') {
        // Spring's extractSalt: through the first `}`, braces included.
        let end = value.find('}').ok_or_else(|| malformed("salt"))?;
        (value.get(..=end).unwrap_or_default(), value.get(end + 1..).unwrap_or_default())
    } else {
        ("", value)
    };
    digest::Single::parsed(kind, salt.as_bytes(), digest::hex_digest(kind.algo, hex)?)
}

fn sha256(stored: &str) -> Result<Parsed, Error> {
    message_digest(&SHA256, digest::after(stored, "{SHA-256}".len())?)
}

fn sha1(stored: &str) -> Result<Parsed, Error> {
    message_digest(&SHA1, digest::after(stored, "{SHA-1}".len())?)
}

fn md4(stored: &str) -> Result<Parsed, Error> {
    message_digest(&MD4, digest::after(stored, "{MD4}".len())?)
}

/// `LdapShaPasswordEncoder`: `{SSHA}`/`{ssha}` or `{SHA}`/`{sha}`; a value
/// without a `{prefix}` Spring compares as plaintext, and so do we.
fn ldap(stored: &str) -> Result<Parsed, Error> {
    let value = digest::after(stored, "{ldap}".len())?;
    if !value.starts_with('{') {
        return Ok(digest::plaintext(value));
    }
    let end = value.find('}').ok_or_else(|| malformed("prefix"))?;
    let rest = value.get(end + 1..).unwrap_or_default();
    match value.get(..=end).unwrap_or_default() {
        "{SSHA}" | "{ssha}" => digest::salted_b64(&LDAP_SSHA, rest),
        "{SHA}" | "{sha}" => digest::unsalted_b64(&LDAP_SHA, rest),
        _ => Err(Error::Unsupported { what: "{ldap} prefix other than {SSHA} or {SHA}" }),
    }
}

fn noop(stored: &str) -> Result<Parsed, Error> {
    Ok(digest::plaintext(digest::after(stored, "{noop}".len())?))
}

fn standard(stored: &str) -> Result<Parsed, Error> {
    let raw = hex_decode(digest::after(stored, "{sha256}".len())?, "hash")?;
    if raw.len() != STANDARD_SALT + STANDARD.algo.len() {
        return Err(malformed("hash"));
    }
    let (salt, sum) = raw.split_at_checked(STANDARD_SALT).ok_or_else(|| malformed("hash"))?;
    digest::Single::parsed(&STANDARD, salt, sum.to_vec())
}

/// Rebuilds one of this family's schemes from its public parts.
pub(crate) fn from_public(id: &str, params: &str, salt: &[u8]) -> Option<Result<Parsed, Error>> {
    digest::rebuild(KINDS, id, params, salt)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)] // test code

    use super::super::digest::tests::{assert_id_and_matches, replay};
    use super::*;
    use crate::cost::Cost;

    /// The id a Spring row must parse to: `{MD5}` unsalted is `ldap-hex-md5`
    /// (the same computation), `{ldap}` depends on its inner prefix.
    fn spring_id(scheme: &str, stored: &str) -> Option<&'static str> {
        Some(match scheme {
            "{sha256}" => STANDARD.id,
            "{SHA-256}" => "spring-md-sha256",
            "{SHA-1}" => "spring-md-sha1",
            "{MD5}" if stored.starts_with("{MD5}{") => "spring-md-md5",
            "{MD5}" => "ldap-hex-md5",
            "{MD4}" => "spring-md-md4",
            "{ldap}" if stored.to_ascii_uppercase().starts_with("{LDAP}{SSHA}") => "spring-ldap-ssha",
            "{ldap}" => "spring-ldap-sha",
            "{noop}" => "plaintext",
            _ => return None,
        })
    }

    #[test]
    fn every_spring_row_of_the_layout_vectors() {
        let rows = replay(include_str!("../../tests/data/migrate/layout.tsv"), |family, scheme, stored| {
            if family == "spring" { spring_id(scheme, stored) } else { None }
        });
        // Six ids × 5 vectors × 3 rows, {ldap}{SHA} and {noop} one vector each, 12 literals.
        assert_eq!(rows, 6 * 15 + 3 + 3 + 12, "Spring rows replayed");
    }

    #[test]
    fn framework_test_literals() {
        // MessageDigestPasswordEncoderTests / Md4PasswordEncoderTests / LdapShaPasswordEncoderTests.
        for (pw, stored, id) in [
            ("abc123", "{MD5}{THIS_IS_A_SALT}a68aafd90299d0b137de28fb4bb68573", "spring-md-md5"),
            ("password", "{MD5}{}f1026a66095fc2058c1f8771ed05d6da", "spring-md-md5"),
            ("abc123", "{SHA-1}{THIS_IS_A_SALT}b2f50ffcbd3407fe9415c062d55f54731f340d32", "spring-md-sha1"),
            ("password", "{MD4}{thisissalt}6cc7924dad12ade79dfb99e424f25260", "spring-md-md4"),
            ("你好", "{MD4}a7f1196539fd1f85f754ffd185b16e6e", "spring-md-md4"),
            ("boabspasswurd", "{ldap}{sha}ddSFGmjXYPbZC+NXR2kCzBRjqiE=", "spring-ldap-sha"),
            ("boabspasswurd", "{ldap}{ssha}PQy2j+6n5ytA+YlAKkM8Fh4p6u2JxfVd", "spring-ldap-ssha"),
        ] {
            assert_id_and_matches(stored, id, pw.as_bytes(), true);
            assert_id_and_matches(stored, id, b"bogus", false);
        }
        // The `{…}` salt is the text Spring appends, braces included.
        let parsed = super::super::parse("{MD4}{thisissalt}6cc7924dad12ade79dfb99e424f25260").unwrap().unwrap();
        assert_eq!(parsed.salt(), b"{thisissalt}");
    }

    #[test]
    fn standard_encoder_iterates_1024_times_and_costs_so() {
        let parsed =
            standard("{sha256}01080f161d242b32da7a7b21793d1871b443bf8c4ebb3a6740d9ccb1bace9b57b032b9cd8984dc98")
                .unwrap();
        assert_eq!(parsed.salt(), &[1, 8, 15, 22, 29, 36, 43, 50]);
        assert_eq!(parsed.cost(), Cost::new(0, Cost::work(1024, crate::cost::factor::DIGEST)));
        assert!(super::super::matches(parsed.as_ref(), b"password").unwrap());
        // One application fewer is another digest.
        let mut once_less = Algo::Sha256.digest(&[parsed.salt(), b"password"]);
        for _ in 2..STANDARD.iterations {
            once_less = Algo::Sha256.digest(&[&once_less]);
        }
        assert_ne!(once_less.as_slice(), parsed.digest());
    }

    #[test]
    fn malformed_spring_values_name_the_part() {
        for (stored, part) in [
            ("{sha256}01080f161d242b32", "hash"), // too short for salt ‖ digest
            ("{sha256}zz080f161d242b32da7a7b21793d1871b443bf8c4ebb3a6740d9ccb1bace9b57b032b9cd8984dc98", "hash"),
            ("{SHA-1}{salt", "salt"),                            // no closing brace
            ("{SHA-1}{salt}abcd", "hash"),                       // digest too short
            ("{MD4}{s}6cc7924dad12ade79dfb99e424f2526", "hash"), // odd hex
            ("{ldap}{SSHA", "prefix"),
            ("{ldap}{SSHA}ddSFGmjXYPbZC+NXR2kCzBRjqiE=", "salt"), // 20 bytes: no salt
            ("{ldap}{SHA}PQy2j+6n5ytA+YlAKkM8Fh4p6u2JxfVd", "hash"),
        ] {
            match super::super::parse(stored) {
                Some(Err(Error::Malformed { part: got })) => assert_eq!(got, part, "{stored}"),
                Some(Err(other)) => panic!("{stored}: {other}"),
                Some(Ok(parsed)) => panic!("{stored}: parsed as {}", parsed.id()),
                None => panic!("{stored}: not recognised"),
            }
        }
        assert!(matches!(super::super::parse("{ldap}{SMD5}abcd"), Some(Err(Error::Unsupported { .. }))));
        // A value without an inner prefix: LdapShaPasswordEncoder compares it as plaintext.
        assert_id_and_matches("{ldap}hunter2", "plaintext", b"hunter2", true);
        // Spring ids are case-sensitive; `{md5}{…}` is no LDAP form either.
        assert!(super::super::parse("{md4}{s}6cc7924dad12ade79dfb99e424f25260").is_none());
        assert!(matches!(
            super::super::parse("{md5}{salt}ce421738b1c5540836bdc8ff707f1572"),
            Some(Err(Error::Malformed { part: "prefix" }))
        ));
    }

    #[test]
    fn lengths_come_from_the_id_never_from_params() {
        digest::tests::rebuild_bounds_every_length(KINDS);
    }

    #[test]
    fn from_public_checks_the_standard_salt_and_params() {
        assert!(from_public(STANDARD.id, "", &[0; 8]).unwrap().is_ok());
        assert!(from_public(STANDARD.id, "", &[0; 7]).unwrap().is_err());
        assert!(from_public(STANDARD.id, "iterations=1", &[0; 8]).unwrap().is_err());
        assert!(from_public("spring-md-md5", "", b"{x}").unwrap().is_ok());
        assert!(from_public("spring-ldap-sha", "", b"salt").unwrap().is_err());
        assert!(from_public("ldap-md5", "", b"").is_none(), "digest.rs's id");
    }
}

//! The sealed stored formats (feature `pepper`): a PHC (or legacy) string
//! encrypted and authenticated under the pepper keyring, base64url after a
//! versioned prefix.
//!
//! - v1, `$guardrail-sealed$v1$`: the associated data is a constant, so a
//!   value sealed for one row opens in any other row.
//! - v2, `$guardrail-sealed$v2$`: the associated data is
//!   `"guardrail password hash v2\0"` ‖ the row's [`HashBinding`], so a
//!   value opens only in the row it was sealed for: someone who can write
//!   the table cannot copy one account's hash into another account.

use guardrail_keys::{Keyring, Status};
use guardrail_secret::ExposeSecret;

use super::bound::HashBinding;
use crate::Error;

/// Sealed (peppered) stored hashes of the first format start with this.
pub(super) const SEALED_PREFIX: &str = "$guardrail-sealed$v1$";
/// Associated data of v1: the same for every row.
const SEALED_AAD: &[u8] = b"guardrail password hash v1";
/// Sealed stored hashes bound to their row start with this.
pub(super) const BOUND_PREFIX: &str = "$guardrail-sealed$v2$";
/// The first part of v2's associated data; the binding follows the NUL.
const BOUND_AD_LABEL: &[u8] = b"guardrail password hash v2\0";
/// The longest sealed value looked at, base64url characters.
const MAX_SEALED_LEN: usize = 4096;

/// Seals `phc` as v1 (unbound).
pub(super) fn seal(keyring: &Keyring, phc: &str) -> Result<String, Error> {
    seal_as(keyring, phc, SEALED_PREFIX, SEALED_AAD)
}

/// Seals `phc` as v2, bound to `binding`.
pub(super) fn seal_bound(keyring: &Keyring, phc: &str, binding: &HashBinding) -> Result<String, Error> {
    seal_as(keyring, phc, BOUND_PREFIX, &bound_ad(binding))
}

/// The inner PHC string of a v1 value, and whether it was sealed under the
/// primary key.
pub(super) fn open_sealed(keyring: &Keyring, stored: &str) -> Result<(String, bool), Error> {
    let sealed = decode(stored, SEALED_PREFIX)?;
    let plain = keyring.open(&sealed, SEALED_AAD).map_err(|_| Error::Pepper)?;
    inner(keyring, &sealed, plain.expose_secret())
}

/// The inner string of a v2 value sealed for `binding`, and whether it was
/// sealed under the primary key; `Ok(None)` when it does not authenticate
/// under `binding` (another row's seal, or a damaged one: the AEAD cannot
/// tell which). [`Error::Pepper`] when the key it names is not an enabled
/// key of `keyring` (a configuration fault, not a wrong row).
pub(super) fn open_bound(
    keyring: &Keyring,
    stored: &str,
    binding: &HashBinding,
) -> Result<Option<(String, bool)>, Error> {
    let sealed = decode(stored, BOUND_PREFIX)?;
    let id = Keyring::sealed_key_id(&sealed);
    if !keyring.keys().any(|k| Some(k.id) == id && k.status == Status::Enabled) {
        return Err(Error::Pepper);
    }
    match keyring.open(&sealed, &bound_ad(binding)) {
        Ok(plain) => inner(keyring, &sealed, plain.expose_secret()).map(Some),
        Err(_) => Ok(None),
    }
}

fn seal_as(keyring: &Keyring, phc: &str, prefix: &str, ad: &[u8]) -> Result<String, Error> {
    let sealed = keyring.seal(phc.as_bytes(), ad).map_err(|_| Error::Pepper)?;
    Ok(format!("{prefix}{}", guardrail_ct::base64url::encode_string(&sealed)))
}

fn bound_ad(binding: &HashBinding) -> Vec<u8> {
    [BOUND_AD_LABEL, binding.as_bytes()].concat()
}

/// The sealed bytes after `prefix`, length-checked before decoding.
fn decode(stored: &str, prefix: &str) -> Result<Vec<u8>, Error> {
    let encoded = stored.strip_prefix(prefix).ok_or(Error::Pepper)?;
    if encoded.len() > MAX_SEALED_LEN {
        return Err(crate::cost::over("length", MAX_SEALED_LEN as u64, "bytes"));
    }
    guardrail_ct::base64url::decode_vec(encoded).map_err(|_| Error::Malformed { part: "sealed hash" })
}

fn inner(keyring: &Keyring, sealed: &[u8], plain: &[u8]) -> Result<(String, bool), Error> {
    let inner = String::from_utf8(plain.to_vec()).map_err(|_| Error::Malformed { part: "sealed hash" })?;
    let current = Keyring::sealed_key_id(sealed) == Some(keyring.primary_id());
    Ok((inner, current))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code

    use guardrail_keys::Algorithm;

    use super::*;

    fn binding(context: &[u8]) -> HashBinding {
        HashBinding::new(context).unwrap()
    }

    #[test]
    fn v2_opens_under_its_binding_only_and_v1_is_another_format() {
        let keyring = Keyring::generate(Algorithm::Aes256Gcm).unwrap();
        let phc = "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";
        let v2 = seal_bound(&keyring, phc, &binding(b"users.id=1")).unwrap();
        let (inner, current) = open_bound(&keyring, &v2, &binding(b"users.id=1")).unwrap().unwrap();
        assert!(inner == phc && current);
        // Another row, a binding that is a prefix of it, the v1 reader: none opens it.
        assert!(open_bound(&keyring, &v2, &binding(b"users.id=10")).unwrap().is_none());
        assert!(open_bound(&keyring, &v2, &binding(b"users.id=")).unwrap().is_none());
        assert!(matches!(open_sealed(&keyring, &v2), Err(Error::Pepper)));
        // A v1 value is not read as v2, under any binding.
        let v1 = seal(&keyring, phc).unwrap();
        assert!(matches!(open_bound(&keyring, &v1, &binding(b"users.id=1")), Err(Error::Pepper)));
    }

    #[test]
    fn damaged_v2_values_are_errors_or_wrong_rows_never_panics() {
        let keyring = Keyring::generate(Algorithm::Aes256Gcm).unwrap();
        let row = binding(b"users.id=1");
        let long = format!("{BOUND_PREFIX}{}", "A".repeat(MAX_SEALED_LEN + 1));
        assert!(matches!(open_bound(&keyring, &long, &row), Err(Error::OutOfPolicy { param: "length", .. })));
        let not_base64 = format!("{BOUND_PREFIX}!!!!");
        assert!(matches!(open_bound(&keyring, &not_base64, &row), Err(Error::Malformed { part: "sealed hash" })));
        // A key this keyring does not have: a configuration fault, not a wrong row.
        let other = Keyring::generate(Algorithm::Aes256Gcm).unwrap();
        let foreign = seal_bound(&other, "x", &row).unwrap();
        let same_id = Keyring::sealed_key_id(&decode(&foreign, BOUND_PREFIX).unwrap()) == Some(keyring.primary_id());
        if !same_id {
            assert!(matches!(open_bound(&keyring, &foreign, &row), Err(Error::Pepper)));
        }
        for short in ["", "AQ", "AQAAAA"] {
            let value = format!("{BOUND_PREFIX}{short}");
            assert!(
                open_bound(&keyring, &value, &row).is_err() || open_bound(&keyring, &value, &row).unwrap().is_none()
            );
        }
    }
}

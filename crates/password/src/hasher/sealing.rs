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

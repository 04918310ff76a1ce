//! What both keyrings share: the checks behind `add_key`, `promote` and
//! `disable` (one rotation vocabulary: the AEAD keyring and the MAC keyring
//! refuse the mistakes they share with the same errors; `check_new_id` is
//! the MAC keyring's alone, as only it imports keys), the placeholder-key
//! check every key passes, and the CSPRNG.

use crate::{Error, KeyId, Status};

/// The id `add_key` gives a new key: one past the largest id in use.
///
/// # Errors
///
/// [`Error::KeyIdsExhausted`] when a key already has [`KeyId::MAX`].
pub(crate) fn next_id(ids: impl Iterator<Item = KeyId>) -> Result<KeyId, Error> {
    ids.max().unwrap_or(0).checked_add(1).ok_or(Error::KeyIdsExhausted)
}

/// A key with `id` may be added: no key has it yet.
///
/// # Errors
///
/// [`Error::KeyIdTaken`].
pub(crate) fn check_new_id(mut ids: impl Iterator<Item = KeyId>, id: KeyId) -> Result<(), Error> {
    if ids.any(|k| k == id) { Err(Error::KeyIdTaken) } else { Ok(()) }
}

/// `promote(id)` may go ahead: the key exists and is enabled.
///
/// # Errors
///
/// [`Error::UnknownKeyId`], [`Error::KeyDisabled`].
pub(crate) fn check_promote(mut keys: impl Iterator<Item = (KeyId, Status)>, id: KeyId) -> Result<(), Error> {
    match keys.find(|(k, _)| *k == id) {
        None => Err(Error::UnknownKeyId),
        Some((_, Status::Disabled)) => Err(Error::KeyDisabled),
        Some((_, Status::Enabled)) => Ok(()),
    }
}

/// `disable(id)` may go ahead: the key exists and is not the primary
/// (disabling a disabled key changes nothing and is allowed).
///
/// # Errors
///
/// [`Error::PrimaryKey`], [`Error::UnknownKeyId`].
pub(crate) fn check_disable(mut ids: impl Iterator<Item = KeyId>, primary: KeyId, id: KeyId) -> Result<(), Error> {
    if id == primary {
        return Err(Error::PrimaryKey);
    }
    if ids.any(|k| k == id) { Ok(()) } else { Err(Error::UnknownKeyId) }
}

/// Refuses placeholder key material ([`Error::PlaceholderKey`]): empty,
/// or every byte equal to the first (all zero bytes, all 0xFF, 32 × `a`,
/// ...), an unset, placeholder or wiped key. Every byte is read (no early
/// exit), so the time taken says nothing about where a differing byte is.
///
/// # Errors
///
/// [`Error::PlaceholderKey`].
pub(crate) fn refuse_placeholder_key(material: &[u8]) -> Result<(), Error> {
    let first = material.first().copied().unwrap_or(0);
    let folded = material.iter().fold(0u8, |acc, b| acc | (b ^ first));
    if std::hint::black_box(folded) == 0 { Err(Error::PlaceholderKey) } else { Ok(()) }
}

/// Fills `buf` from the operating system's CSPRNG (ring's `SystemRandom`).
///
/// # Errors
///
/// [`Error::Random`].
pub(crate) fn fill(buf: &mut [u8]) -> Result<(), Error> {
    use ring::rand::SecureRandom;
    ring::rand::SystemRandom::new().fill(buf).map_err(|_| Error::Random)
}

/// What went wrong. Check failures carry no detail about the key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The operating system's random number generator failed.
    #[error("random number generator failed")]
    Random,
    /// A token shorter than 128 bits was asked for.
    #[error("tokens must have at least {min} bytes of randomness")]
    TooShort {
        /// The minimum, in bytes.
        min: usize,
    },
    /// A token longer than the limit was asked for.
    #[error("tokens may have at most {max} bytes of randomness")]
    TooLong {
        /// The maximum, in bytes.
        max: usize,
    },
    /// An API key prefix is not 1..=32 characters of `a-z`, `0-9` and `_`
    /// starting with a letter.
    #[error("invalid API key prefix")]
    InvalidPrefix,
    /// An empty range was asked of `random::uniform`.
    #[error("empty range")]
    EmptyRange,
    /// A stored API key record is malformed.
    #[error("malformed stored API key: {part}")]
    MalformedStored {
        /// Which part.
        part: &'static str,
    },
    /// A signed or CSRF token failed: malformed, another purpose, a
    /// disabled or unknown key, a bad tag, or expired. One variant on
    /// purpose.
    #[error("invalid token")]
    InvalidToken,
    /// A key id is unknown, already present, disabled, or the primary one
    /// (for `disable`).
    #[error("key id not usable for this operation")]
    KeyId,
    /// Opening sealed data failed. One variant, no detail, on purpose.
    #[error("decryption failed")]
    Decrypt,
    /// A keyring file or envelope is malformed.
    #[error("malformed keyring")]
    MalformedKeyring,
    /// Key material is a placeholder: empty, or every byte the same value
    /// (all zero bytes, all 0xFF, 32 × `a`, ...): an unset, placeholder or
    /// wiped key, never a real one. Refused wherever key material comes in
    /// from outside (keyring JSON, envelope master key, MAC keys, HKDF
    /// input). The name is kept from when only all-zero keys were refused.
    #[error("placeholder key: all bytes equal (all zero bytes, or one byte value repeated)")]
    ZeroKey,
    /// Two keys of one keyring hold the same key material (a copied entry,
    /// or one placeholder pasted twice): rotating from one to the other
    /// would change nothing. Which keys is not said.
    #[error("two keys in one keyring hold the same key material")]
    DuplicateKey,
    /// Keyring JSON or an envelope is longer than the limit, or a change
    /// to a keyring (`add_key`, `promote`, `disable`) would make its JSON
    /// longer than that: refused before the keyring changes.
    #[error("keyring JSON is longer than the limit of {max} bytes")]
    KeyringTooLarge {
        /// The limit, in bytes.
        max: usize,
    },
    /// HKDF was called without a context.
    #[error("a key derivation context is required")]
    MissingContext,
    /// The API key is malformed, has the wrong prefix or checksum, or does
    /// not match the stored digest. One variant on purpose: a caller
    /// learns nothing about which check failed.
    #[error("invalid API key")]
    InvalidKey,
}

/// What went wrong. No variant holds key material or names a key's bytes;
/// opening and MAC checks fail with one variant each and no detail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The operating system's random number generator failed.
    #[error("random number generator failed")]
    Random,
    /// Sealing failed (the AEAD refused its input: not expected for a
    /// keyring this crate built).
    #[error("sealing failed")]
    Seal,
    /// `seal` was given empty associated data. Associated data names what
    /// the sealed value is and whose (`b"users:42:email"`), so a value
    /// sealed for one row or column cannot be opened as another's; there is
    /// no default. Data sealed with empty associated data by an earlier
    /// release still opens (with empty associated data).
    #[error("associated data must be named: seal refuses empty associated data")]
    EmptyAssociatedData,
    /// Opening sealed data failed: truncated, another version, an unknown
    /// or disabled key, other associated data, a flipped bit, or a wrong
    /// master key. One variant, no detail, on purpose.
    #[error("decryption failed")]
    Decrypt,
    /// A MAC tag did not verify under any enabled key (or under the key
    /// asked for). One variant, no detail, on purpose.
    #[error("MAC verification failed")]
    InvalidTag,
    /// A keyring file or envelope is malformed.
    #[error("malformed keyring")]
    MalformedKeyring,
    /// The AEAD library refused to set up a key. Cannot happen with keys
    /// this crate made: ring refuses only a key of the wrong length, and
    /// every key here is 32 bytes by its type. Reaching it is a bug.
    #[error("AEAD key setup failed")]
    KeySetup,
    /// Key material is a placeholder: empty, or every byte the same value
    /// (all zero bytes, all 0xFF, 32 × `a`, ...): an unset, placeholder or
    /// wiped key, never a real one. Refused wherever key material comes in
    /// from outside (keyring JSON, envelope master key, MAC keys, HKDF
    /// input).
    #[error("placeholder key: all bytes equal (all zero bytes, or one byte value repeated)")]
    PlaceholderKey,
    /// Two keys of one keyring hold the same key material (a copied entry,
    /// or one placeholder pasted twice): rotating from one to the other
    /// would change nothing. Which keys is not said.
    #[error("two keys in one keyring hold the same key material")]
    DuplicateKey,
    /// A MAC key is shorter than the minimum.
    #[error("MAC keys must be at least {min} bytes")]
    KeyTooShort {
        /// The minimum, in bytes.
        min: usize,
    },
    /// The master key of an envelope is not exactly the right length.
    #[error("the master key must be exactly {len} bytes")]
    MasterKeyLength {
        /// The required length, in bytes.
        len: usize,
    },
    /// No key of the keyring has this id.
    #[error("unknown key id")]
    UnknownKeyId,
    /// A key with this id is already in the keyring.
    #[error("key id already present")]
    KeyIdTaken,
    /// Every key id is used: the keyring holds a key with the largest id.
    #[error("no key id left")]
    KeyIdsExhausted,
    /// The key is disabled (it cannot be promoted to primary).
    #[error("key is disabled")]
    KeyDisabled,
    /// The primary key cannot be disabled: promote another key first.
    #[error("the primary key cannot be disabled")]
    PrimaryKey,
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
    /// HKDF was asked for no bytes, or more than it can derive.
    #[error("derived keys must be 1 to {max} bytes")]
    OutputLength {
        /// The maximum, in bytes.
        max: usize,
    },
}

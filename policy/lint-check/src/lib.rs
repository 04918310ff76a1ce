//! The policy kit's clippy fixture: one function per entry of
//! `policy/clippy.toml`, each calling the API that entry disallows, so that
//! `crates/guardrail/tests/policy_clippy.rs` can prove clippy reports every
//! entry. Never built by the main workspace; only `cargo clippy` (a check)
//! runs on it, and nothing here is meant to be called.

use password_hash::phc::PasswordHash;
use password_hash::{CustomizedPasswordHasher, PasswordHasher, PasswordVerifier};

/// The result of every fixture call; its error type does not matter here.
pub type Outcome<T> = Result<T, Box<dyn std::error::Error>>;

// --- bcrypt ---

/// Entry `bcrypt::hash`.
pub fn bcrypt_hash(pw: &str) -> Outcome<String> {
    Ok(bcrypt::hash(pw, 12)?)
}

/// Entry `bcrypt::hash_bytes`.
pub fn bcrypt_hash_bytes(pw: &str) -> Outcome<[u8; 60]> {
    Ok(bcrypt::hash_bytes(pw, 12)?)
}

/// Entry `bcrypt::hash_with_result`.
pub fn bcrypt_hash_with_result(pw: &str) -> Outcome<String> {
    Ok(bcrypt::hash_with_result(pw, 12)?.to_string())
}

/// Entry `bcrypt::hash_with_salt`.
pub fn bcrypt_hash_with_salt(pw: &str, salt: [u8; 16]) -> Outcome<String> {
    Ok(bcrypt::hash_with_salt(pw, 12, salt)?.to_string())
}

/// Entry `bcrypt::hash_with_salt_bytes`.
pub fn bcrypt_hash_with_salt_bytes(pw: &str, salt: [u8; 16]) -> Outcome<[u8; 60]> {
    Ok(bcrypt::hash_with_salt_bytes(pw, 12, salt)?)
}

/// Entry `bcrypt::non_truncating_hash`.
pub fn bcrypt_non_truncating_hash(pw: &str) -> Outcome<String> {
    Ok(bcrypt::non_truncating_hash(pw, 12)?)
}

/// Entry `bcrypt::non_truncating_hash_bytes`.
pub fn bcrypt_non_truncating_hash_bytes(pw: &str) -> Outcome<[u8; 60]> {
    Ok(bcrypt::non_truncating_hash_bytes(pw, 12)?)
}

/// Entry `bcrypt::non_truncating_hash_with_result`.
pub fn bcrypt_non_truncating_hash_with_result(pw: &str) -> Outcome<String> {
    Ok(bcrypt::non_truncating_hash_with_result(pw, 12)?.to_string())
}

/// Entry `bcrypt::non_truncating_hash_with_salt`.
pub fn bcrypt_non_truncating_hash_with_salt(pw: &str, salt: [u8; 16]) -> Outcome<String> {
    Ok(bcrypt::non_truncating_hash_with_salt(pw, 12, salt)?.to_string())
}

/// Entry `bcrypt::non_truncating_hash_with_salt_bytes`.
pub fn bcrypt_non_truncating_hash_with_salt_bytes(pw: &str, salt: [u8; 16]) -> Outcome<[u8; 60]> {
    Ok(bcrypt::non_truncating_hash_with_salt_bytes(pw, 12, salt)?)
}

/// Entry `bcrypt::verify`.
pub fn bcrypt_verify(pw: &str, stored: &str) -> Outcome<bool> {
    Ok(bcrypt::verify(pw, stored)?)
}

/// Entry `bcrypt::non_truncating_verify`.
pub fn bcrypt_non_truncating_verify(pw: &str, stored: &str) -> Outcome<bool> {
    Ok(bcrypt::non_truncating_verify(pw, stored)?)
}

/// Entry `bcrypt::bcrypt`: the raw Eksblowfish-based function, a 24-byte
/// output with no salt handling or encoding of its own.
pub fn bcrypt_raw(pw: &[u8], salt: [u8; 16]) -> [u8; 24] {
    bcrypt::bcrypt(12, salt, pw)
}

// --- password-hash traits (argon2, pbkdf2, scrypt) ---

/// Entry `password_hash::PasswordHasher::hash_password`, by method call on
/// argon2's `Argon2`.
pub fn argon2_hash_password(pw: &[u8]) -> Outcome<String> {
    Ok(argon2::Argon2::default().hash_password(pw)?.to_string())
}

/// Entry `password_hash::PasswordHasher::hash_password_with_salt`, on
/// scrypt's `Scrypt`.
pub fn scrypt_hash_password_with_salt(pw: &[u8], salt: &[u8]) -> Outcome<String> {
    Ok(scrypt::Scrypt::default().hash_password_with_salt(pw, salt)?.to_string())
}

/// Entry `password_hash::PasswordHasher::hash_password_with_rng`, on
/// pbkdf2's `Pbkdf2`, called as `Trait::method` (the fully qualified form).
pub fn pbkdf2_hash_password_with_rng(pw: &[u8]) -> Outcome<String> {
    let hash: PasswordHash = PasswordHasher::hash_password_with_rng(&pbkdf2::Pbkdf2::default(), &mut rand::rng(), pw)?;
    Ok(hash.to_string())
}

/// Entry `password_hash::CustomizedPasswordHasher::hash_password_customized`,
/// on argon2's `Argon2`.
pub fn argon2_hash_password_customized(pw: &[u8], salt: &[u8]) -> Outcome<String> {
    let params = argon2::Params::default();
    Ok(argon2::Argon2::default().hash_password_customized(pw, salt, None, None, params)?.to_string())
}

/// Entry `password_hash::CustomizedPasswordHasher::hash_password_with_params`,
/// on scrypt's `Scrypt`.
pub fn scrypt_hash_password_with_params(pw: &[u8], salt: &[u8]) -> Outcome<String> {
    let params = scrypt::Params::RECOMMENDED;
    Ok(scrypt::Scrypt::default().hash_password_with_params(pw, salt, params)?.to_string())
}

/// Entry `password_hash::PasswordVerifier::verify_password`, on pbkdf2's
/// `Pbkdf2`.
pub fn pbkdf2_verify_password(pw: &[u8], stored: &str) -> Outcome<()> {
    let hash = PasswordHash::new(stored)?;
    Ok(pbkdf2::Pbkdf2::default().verify_password(pw, &hash)?)
}

// --- non-cryptographic RNG output shaped as a token ---

/// Entry `fastrand::alphanumeric`.
pub fn fastrand_token() -> String {
    std::iter::repeat_with(fastrand::alphanumeric).take(32).collect()
}

/// Entry `fastrand::Rng::alphanumeric`.
pub fn fastrand_rng_token() -> String {
    let mut rng = fastrand::Rng::new();
    std::iter::repeat_with(|| rng.alphanumeric()).take(32).collect()
}

/// Entry `fastrand::fill`.
pub fn fastrand_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    fastrand::fill(&mut key);
    key
}

/// Entry `fastrand::Rng::fill`.
pub fn fastrand_rng_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    fastrand::Rng::new().fill(&mut key);
    key
}

// --- a MAC tag leaving its constant-time type ---

/// Entry `digest::CtOutput::into_bytes`: the tag as plain bytes, then `==`.
pub fn hmac_tag_eq(key: &[u8], message: &[u8], presented: &[u8]) -> Outcome<bool> {
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key)?;
    mac.update(message);
    Ok(mac.finalize().into_bytes().as_slice() == presented)
}

/// Entry `digest::CtOutput::as_bytes`: the tag borrowed as plain bytes, then
/// `==`.
pub fn hmac_tag_as_bytes_eq(key: &[u8], message: &[u8], presented: &[u8]) -> Outcome<bool> {
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key)?;
    mac.update(message);
    Ok(mac.finalize().as_bytes().as_slice() == presented)
}

// --- fetching a URL with no SSRF checks ---

/// Entry `reqwest::get`.
pub async fn reqwest_get(url: &str) -> Outcome<u16> {
    Ok(reqwest::get(url).await?.status().as_u16())
}

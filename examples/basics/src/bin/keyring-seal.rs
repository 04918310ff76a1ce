//! Seal data at rest with the AEAD keyring, bound to where it belongs by
//! associated data, and rotate the key without losing old data.
//!
//! `cargo run -p guardrail-examples --bin keyring-seal`
#![allow(clippy::print_stdout)] // an example that shows its results

use guardrail::keys::{Algorithm, Keyring};
use guardrail::secret::ExposeSecret;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut keyring = Keyring::generate(Algorithm::Aes256Gcm)?;

    // Associated data names the row and column: a ciphertext copied into
    // another user's row does not open there.
    let sealed = keyring.seal(b"1985-12-10", b"users:42:date_of_birth")?;
    println!("sealed {} bytes under key {}", sealed.len(), keyring.primary_id());
    assert_eq!(keyring.open(&sealed, b"users:42:date_of_birth")?.expose_secret(), b"1985-12-10");
    assert!(keyring.open(&sealed, b"users:43:date_of_birth").is_err());
    println!("opens in its own row only");

    // Rotation: add, promote, re-seal, then disable the old key.
    let old = keyring.primary_id();
    let new = keyring.add_key(Algorithm::Aes256Gcm)?;
    keyring.promote(new)?;
    assert_eq!(keyring.open(&sealed, b"users:42:date_of_birth")?.expose_secret(), b"1985-12-10"); // old data still opens
    let resealed =
        keyring.seal(keyring.open(&sealed, b"users:42:date_of_birth")?.expose_secret(), b"users:42:date_of_birth")?;
    keyring.disable(old)?;
    assert!(keyring.open(&sealed, b"users:42:date_of_birth").is_err());
    assert_eq!(keyring.open(&resealed, b"users:42:date_of_birth")?.expose_secret(), b"1985-12-10");
    println!("rotated from key {old} to key {new}; re-sealed data opens, the old ciphertext no longer does");
    Ok(())
}

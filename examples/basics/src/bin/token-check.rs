//! Check a token a client presents, in constant time: an API key against
//! its stored digest, and a raw token against the expected value.
//!
//! `cargo run -p guardrail-examples --bin token-check`
#![allow(clippy::print_stdout)] // an example that shows its results

use guardrail::{
    prelude::*,
    token::{
        DigestKey,
        api_key::{ApiKey, ApiKeyIssuer, StoredApiKey},
    },
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Issue: show the key once; store only (lookup id, digest), the digest
    // keyed by a server secret the database does not hold (so a database
    // writer cannot add a key of their own). A real service loads it.
    let digest_key = DigestKey::generate()?;
    let issuer = ApiKeyIssuer::new("acme_live")?.with_digest_key(digest_key.clone());
    let (key, stored) = issuer.issue()?;
    let (lookup_id, digest_hex) = (stored.lookup_id().to_owned(), stored.digest_hex());
    println!("stored: lookup id {lookup_id}, digest {}…", digest_hex.get(..16).unwrap_or_default());

    // Check: format and checksum first (typos and junk never reach the
    // database), then the row by lookup id, then the digest in constant time.
    let presented = key.expose_secret(); // what arrives in `Authorization: Bearer …`
    let parsed = ApiKey::parse(presented, "acme_live")?;
    let row = StoredApiKey::from_parts(&parsed.lookup_id(), &digest_hex)?;
    row.verify_keyed(&parsed, &digest_key)?;
    println!("API key accepted");

    let mut typo = presented.to_owned();
    let last = typo.pop().unwrap_or('0');
    typo.push(if last == 'x' { 'y' } else { 'x' });
    assert!(ApiKey::parse(&typo, "acme_live").is_err(), "checksum catches typos");
    println!("a mistyped key is refused before any lookup");

    // Any other secret token: compare with secret_eq / ct::eq, never `==`.
    let expected = SecretString::from("7bI1oYbqj1r8t0i5q2Yc0A");
    assert!(expected.secret_eq("7bI1oYbqj1r8t0i5q2Yc0A"));
    assert!(!expected.secret_eq("7bI1oYbqj1r8t0i5q2Yc0B"));
    println!("raw token compared in constant time");
    Ok(())
}

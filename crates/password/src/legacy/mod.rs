//! Verifying hashes from systems teams migrate away from, so users can log
//! in once more and be upgraded to argon2id on the spot. Verify only: the
//! hasher can never produce these.
//!
//! **Parse once, verify the parsed value.** A stored string is identified
//! once, by one table of prefixes ([`FORMATS`], longest match wins) and a
//! few shape rules for formats without a prefix, and parsed into a
//! [`Scheme`]: its public parameters, salt and stored digest. Its cost is
//! checked against the caps ([`Scheme::check`]) before any work, then the
//! candidate's digest is computed ([`Scheme::compute`]) and compared in
//! constant time. One module per scheme family: a new format touches one
//! file.
//!
//! The primitives come from maintained crates (`bcrypt`, `pbkdf2`,
//! `scrypt`, `sha-crypt`, `md-5`, `sha1`, `sha2`); the format parsing is
//! ours, so every cost parameter is capped before any work is done (a
//! stored `rounds=999999999` must not stall a login).
//!
//! No scheme may take a candidate it cannot read whole: a variant that
//! shares what the scheme reads would verify, and the upgrade would store
//! it. bcrypt reads 72 bytes up to a NUL; HMAC-keyed schemes cannot tell a
//! trailing NUL. Each refusal runs the scheme's whole computation first
//! ([`Scheme::reads_whole`] is checked after [`Scheme::compute`]), so it
//! costs what a wrong password costs.

use zeroize::Zeroizing;

use crate::{Caps, Error, cost::Cost};

/// One parsed stored hash of a legacy scheme: what [`parse`] returns.
pub(crate) trait Scheme: Send + Sync {
    /// The stable scheme id: `django-pbkdf2-sha256`, `spring-pbkdf2-v5_5`,
    /// … (census key and the wrapped format's inner scheme: never change one).
    fn id(&self) -> &'static str;
    /// The public parameters, canonical `k=v,k=v` (empty when the id implies
    /// them all); never the salt or the digest. With [`Scheme::salt`] and the
    /// id, [`from_public`] rebuilds the scheme without its digest.
    fn public_params(&self) -> String;
    /// The salt as the scheme uses it (bytes fed to the primitive).
    fn salt(&self) -> &[u8];
    /// The stored digest: raw bytes where the checksum decodes exactly
    /// (hex, base64, …); the checksum text for crypt64 and bcrypt.
    fn digest(&self) -> &[u8];
    /// What verifying costs, before any work (with a short password: the
    /// `cost::factor` table was measured with a 28-byte one).
    fn cost(&self) -> Cost;
    /// What verifying a candidate of `password_len` bytes costs: more than
    /// [`Scheme::cost`] where every round hashes the password (sha-crypt,
    /// md5-crypt, phpass), else the same. The verify paths check it, summed
    /// over every computation a login runs, with [`crate::cost::check_login`].
    fn cost_for(&self, password_len: usize) -> Cost {
        let _ = password_len;
        self.cost()
    }
    /// Refuses parameters above `caps` (through [`crate::cost::check_work`]
    /// and [`crate::cost::over`]) or outside the scheme's own limits.
    ///
    /// # Errors
    ///
    /// [`Error::OutOfPolicy`] naming the stored parameter and its cap.
    fn check(&self, caps: &Caps) -> Result<(), Error>;
    /// The digest `password` gives under this scheme's salt and parameters,
    /// in the form [`Scheme::digest`] has. Runs the whole computation.
    ///
    /// # Errors
    ///
    /// Only when the primitive refuses parameters `check` admitted
    /// ([`Error::Malformed`]); never for a wrong password.
    fn compute(&self, password: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error>;
    /// Whether the scheme reads every byte of `password` (bcrypt: at most
    /// 72 bytes, no NUL; HMAC keys: no trailing NUL). A candidate it cannot
    /// read whole never matches, after the whole computation.
    fn reads_whole(&self, password: &[u8]) -> bool {
        let _ = password;
        true
    }
}

/// A parsed legacy stored hash.
pub(crate) type Parsed = Box<dyn Scheme>;

/// Parses a whole stored string a [`Format`]'s prefix matched.
pub(crate) type ParseFn = fn(&str) -> Result<Parsed, Error>;

/// One row of the prefix table: a family's stored-string prefix and its parser.
pub(crate) struct Format {
    /// What the stored string starts with (`$pbkdf2-sha256$`, `{bcrypt}`, …).
    pub(crate) prefix: &'static str,
    /// ASCII case-insensitive prefix (LDAP's `{SSHA}` / `{ssha}`).
    pub(crate) any_case: bool,
    /// The parser, given the whole stored string.
    pub(crate) parse: ParseFn,
}

/// Whether `password` matches `parsed`: the whole computation runs, then
/// the digests are compared in constant time, then [`Scheme::reads_whole`].
///
/// # Errors
///
/// As [`Scheme::compute`].
pub(crate) fn matches(parsed: &dyn Scheme, password: &[u8]) -> Result<bool, Error> {
    let computed = parsed.compute(password)?;
    let equal = guardrail_ct::eq(&computed, parsed.digest());
    Ok(equal & parsed.reads_whole(password))
}

mod aspnet;
mod bcrypt;
mod crypt;
mod digest;
pub(crate) mod encoding;
mod pbkdf2;
mod scrypt;
mod spring;

/// Every family's prefix table; [`identify`] takes the longest match.
const FAMILIES: &[&[Format]] = &[
    bcrypt::FORMATS,
    crypt::FORMATS,
    digest::FORMATS,
    spring::FORMATS,
    pbkdf2::FORMATS,
    aspnet::FORMATS,
    scrypt::FORMATS,
];

/// Formats without a prefix, recognised by shape, tried in this order after
/// every prefix: ASP.NET Identity's base64 blob, Django's bare unsalted MD5.
type ShapeFn = fn(&str) -> Option<Result<Parsed, Error>>;
const SHAPES: &[ShapeFn] = &[aspnet::by_shape, digest::by_shape];

/// Rebuilds a scheme from its id, public parameters and salt (the wrapped
/// format's inner scheme); `None` when the id is not the family's.
type FromPublicFn = fn(&str, &str, &[u8]) -> Option<Result<Parsed, Error>>;
const FROM_PUBLIC: &[FromPublicFn] = &[
    bcrypt::from_public,
    crypt::from_public,
    digest::from_public,
    spring::from_public,
    pbkdf2::from_public,
    pbkdf2::phc::from_public,
    aspnet::from_public,
    scrypt::from_public,
];

fn starts_with(stored: &str, format: &Format) -> bool {
    match stored.get(..format.prefix.len()) {
        Some(head) if format.any_case => head.eq_ignore_ascii_case(format.prefix),
        Some(head) => head == format.prefix,
        None => false,
    }
}

/// The format whose prefix `stored` starts with, longest prefix first.
pub(crate) fn identify(stored: &str) -> Option<&'static Format> {
    FAMILIES
        .iter()
        .flat_map(|family| family.iter())
        .filter(|format| starts_with(stored, format))
        .max_by_key(|format| format.prefix.len())
}

/// Identifies and parses a legacy stored string once: `None` when no
/// family recognises it (then it is argon2 PHC or nothing we read).
///
/// # Errors
///
/// Inside the `Some`: [`Error::Malformed`] naming the part,
/// [`Error::Unsupported`] for a variant we recognise but do not verify.
pub(crate) fn parse(stored: &str) -> Option<Result<Parsed, Error>> {
    if let Some(format) = identify(stored) {
        return Some((format.parse)(stored));
    }
    SHAPES.iter().find_map(|shape| shape(stored))
}

/// Rebuilds the scheme `id` with `params` and `salt`, digest empty (the
/// wrapped format's inner scheme).
///
/// # Errors
///
/// [`Error::Unsupported`] for an unknown id; [`Error::Malformed`] for
/// parameters the id does not take.
pub(crate) fn from_public(id: &str, params: &str, salt: &[u8]) -> Result<Parsed, Error> {
    FROM_PUBLIC
        .iter()
        .find_map(|f| f(id, params, salt))
        .unwrap_or(Err(Error::Unsupported { what: "wrapped inner scheme" }))
}

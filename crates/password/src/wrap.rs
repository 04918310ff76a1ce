//! The wrapped format: a legacy stored hash made memory-hard now, without
//! its user's password, by running argon2id over the legacy scheme's
//! output (its stored digest). At login the candidate goes through the
//! legacy scheme, then argon2id, and the result is compared with the tag;
//! on success the user is upgraded to a plain argon2id hash.
//!
//! The string (a promise from this release on; a later `v=2` keeps
//! reading `v=1`):
//!
//! ```text
//! $guardrail-wrap$v=1$<scheme id>$<public params>$<inner salt>$argon2id$v=19$m=..,t=..,p=..$<salt>$<tag>
//! ```
//!
//! - `<scheme id>`: the inner scheme's stable id (`django-pbkdf2-sha256`, …).
//! - `<public params>`: its canonical `k=v,k=v` list, empty when the id
//!   implies every parameter. No field may contain `$` (there is no
//!   escaping): [`encode`] refuses an inner scheme whose id or parameters
//!   hold one, or anything outside printable ASCII, and [`parse`] reads
//!   exactly nine `$`-separated fields after the leading empty one.
//! - `<inner salt>`: the inner salt's bytes in standard base64 without
//!   padding (empty for unsalted schemes).
//! - the tail is the argon2id PHC string of the inner digest (always
//!   argon2id, version 19), salt and tag as in [`crate::phc`].
//!
//! Compare Django's "wrapped password hashers" recipe (a hasher class per
//! pair, e.g. `PBKDF2WrappedSHA1PasswordHasher`, and a data migration): the
//! same idea, with the inner scheme's public parameters kept in the string
//! instead of in a class.

use base64ct::{Base64Unpadded, Encoding};

use crate::{
    Caps, Error,
    cost::{self, over},
    engine::core::{Algorithm, Version},
    legacy::{self, Parsed},
    phc::{self, Phc},
};

/// What every wrapped string starts with.
pub(crate) const PREFIX: &str = "$guardrail-wrap$v=1$";

/// The longest wrapped string looked at, bytes (the PHC tail alone may
/// take 1024).
const MAX_WRAPPED_LEN: u64 = 2048;

/// The longest inner salt, bytes (ASP.NET v3 states its own length; every
/// framework default is 64 or less).
const MAX_INNER_SALT_LEN: u64 = 256;

/// A parsed wrapped hash: the inner legacy scheme (rebuilt from its id,
/// public parameters and salt; no digest) and the outer argon2id.
pub(crate) struct Wrapped {
    /// The legacy scheme the candidate goes through first.
    pub(crate) inner: Parsed,
    /// argon2id over the inner scheme's output.
    pub(crate) phc: Phc,
}

fn malformed(part: &'static str) -> Error {
    Error::Malformed { part }
}

/// Parses a wrapped string, checking the inner scheme's cost, the
/// argon2id parameters and their sum (`work`, `memory`) against `caps`
/// before anything is computed.
///
/// # Errors
///
/// [`Error::Malformed`] naming the part (`wrapped prefix`, `wrapped
/// scheme`, `wrapped params`, `wrapped salt`, or a part of the argon2id
/// tail); [`Error::Unsupported`] for an unknown inner id or an outer
/// algorithm other than argon2id v19; [`Error::OutOfPolicy`] when the
/// string, the inner salt, the inner scheme, the argon2id parameters or
/// their sum (`work`, `memory`) are above `caps`.
pub(crate) fn parse(s: &str, caps: &Caps) -> Result<Wrapped, Error> {
    if s.len() as u64 > MAX_WRAPPED_LEN {
        return Err(over("length", MAX_WRAPPED_LEN, "bytes"));
    }
    let rest = s.strip_prefix(PREFIX).ok_or_else(|| malformed("wrapped prefix"))?;
    let mut fields = rest.splitn(4, '$');
    let id = fields.next().filter(|id| plain(id) && !id.is_empty()).ok_or_else(|| malformed("wrapped scheme"))?;
    let params = fields.next().filter(|p| plain(p)).ok_or_else(|| malformed("wrapped params"))?;
    let salt_b64 = fields.next().ok_or_else(|| malformed("wrapped salt"))?;
    let tail = fields.next().ok_or_else(|| malformed("algorithm"))?;
    if salt_b64.len() as u64 > MAX_INNER_SALT_LEN.div_ceil(3) * 4 {
        return Err(over("salt", MAX_INNER_SALT_LEN, "bytes"));
    }
    let salt = Base64Unpadded::decode_vec(salt_b64).map_err(|_| malformed("wrapped salt"))?;
    let inner = legacy::from_public(id, params, &salt)?;
    inner.check(caps)?;
    // The tail is a PHC string without its leading `$` (split off above).
    let phc = phc::parse(&format!("${tail}"), caps)?;
    if phc.algorithm != Algorithm::Argon2id || phc.version != Version::V0x13 {
        return Err(Error::Unsupported { what: "wrapped outer algorithm (argon2id v19 only)" });
    }
    // Each part fit its own check; a verify runs both.
    cost::check_login(caps, inner.cost().saturating_add(phc.cost()))?;
    Ok(Wrapped { inner, phc })
}

/// Writes the wrapped string of `inner` (its id, public parameters and
/// salt) around `outer`, the argon2id PHC string of its digest.
///
/// # Errors
///
/// [`Error::Unsupported`] when the inner id or parameters hold a `$` or a
/// character outside printable ASCII (the format has no escaping).
pub(crate) fn encode(inner: &dyn legacy::Scheme, outer: &str) -> Result<String, Error> {
    let (id, params) = (inner.id(), inner.public_params());
    if !plain(id) || id.is_empty() || !plain(&params) {
        return Err(Error::Unsupported { what: "wrapped inner parameters" });
    }
    let salt = Base64Unpadded::encode_string(inner.salt());
    Ok(format!("{PREFIX}{id}${params}${salt}{outer}"))
}

/// Printable ASCII without `$`: what an id or a parameter list may hold.
fn plain(field: &str) -> bool {
    field.bytes().all(|b| b.is_ascii_graphic() && b != b'$')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Params;

    fn caps() -> Caps {
        Caps::for_policy(&Params::OWASP)
    }

    fn part(s: &str) -> String {
        parse(s, &caps()).map_or_else(|e| e.to_string(), |_| "ok".into())
    }

    const TAIL: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$RdescudvJCsgt3ub+b+dWRWJTmaaJObG";

    #[test]
    fn malformed_wrapped_strings_name_the_part() {
        let cases = [
            ("", "malformed stored hash: wrapped prefix"),
            ("$guardrail-wrap$v=2$x$$$argon2id", "malformed stored hash: wrapped prefix"),
            ("$guardrail-wrap$v=1$", "malformed stored hash: wrapped scheme"),
            ("$guardrail-wrap$v=1$$$", "malformed stored hash: wrapped scheme"),
            ("$guardrail-wrap$v=1$md5 x$$", "malformed stored hash: wrapped scheme"),
            ("$guardrail-wrap$v=1$md5", "malformed stored hash: wrapped params"),
            ("$guardrail-wrap$v=1$md5$a=é", "malformed stored hash: wrapped params"),
            ("$guardrail-wrap$v=1$md5$", "malformed stored hash: wrapped salt"),
            ("$guardrail-wrap$v=1$md5$$", "malformed stored hash: algorithm"),
            ("$guardrail-wrap$v=1$md5$$!!$argon2id", "malformed stored hash: wrapped salt"),
        ];
        for (input, want) in cases {
            assert_eq!(part(input), want, "{input}");
        }
        let unknown = format!("$guardrail-wrap$v=1$no-such-scheme$$c2FsdA{TAIL}");
        assert!(part(&unknown).starts_with("unsupported stored hash"), "{}", part(&unknown));
        let long = format!("$guardrail-wrap$v=1$md5$${}{TAIL}", "A".repeat(400));
        assert!(part(&long).contains("salt above the cap"), "{}", part(&long));
        assert!(part(&"$".repeat(3000)).contains("length above the cap"));
    }
}

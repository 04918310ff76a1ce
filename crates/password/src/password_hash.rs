//! A stored password hash: the text for the database, masked everywhere
//! else.

use std::fmt;

/// A stored password hash: a PHC string (`$argon2id$v=19$m=...`), or its
/// sealed form under a pepper (`$guardrail-sealed$v1$...`).
///
/// `Display` and `Debug` show the algorithm and parameters only
/// (`$argon2id$v=19$m=19456,t=2,p=1$…`; sealed: `$guardrail-sealed$v1$…`):
/// the salt and tag are what an attacker needs to crack the password
/// offline, so `info!(%hash)` logs nothing of them. The text to store is
/// [`PasswordHash::as_str_for_storage`].
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(pub(crate) String);

impl PasswordHash {
    /// The text to store in the database (the PHC string, or the sealed
    /// value under a pepper). Named for its one use: it holds the salt and
    /// tag an offline attack needs, so it goes to storage, never to a log
    /// (`Display` and `Debug` mask them).
    #[must_use]
    pub fn as_str_for_storage(&self) -> &str {
        &self.0
    }

    /// [`PasswordHash::as_str_for_storage`], without a copy.
    #[must_use]
    pub fn into_string_for_storage(self) -> String {
        self.0
    }
}

impl fmt::Display for PasswordHash {
    /// The head only: algorithm, version, parameters (a sealed value: its
    /// format and version), then `$…`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sealed = self.0.starts_with("$guardrail-sealed$");
        let head: Vec<&str> = self.0.split('$').take(if sealed { 3 } else { 4 }).collect();
        write!(f, "{}$…", head.join("$"))
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PasswordHash({self})")
    }
}

//! What kind of failure a message describes, read from its first words
//! through a window that keeps nothing: each byte only narrows a set of
//! fixed candidates, and formatting stops as soon as none is left, so the
//! rest of a message (which may quote the input) is never produced.

use std::fmt::{self, Write as _};

/// What went wrong, as stable codes only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// Not JSON: a syntax error, an early end, trailing characters.
    Syntax,
    /// JSON of the wrong shape: the serde error kind (`invalid_type`, ...).
    Data(&'static str),
    /// A guardrail-validate type refused its value.
    Refused {
        /// The problem code of the kind of value (`invalid_email`, ...).
        code: &'static str,
        /// validate's reason code (`too_long`, ...), when it is one this
        /// crate knows.
        reason: Option<&'static str>,
    },
}

impl Failure {
    /// The `reason` member of the problem.
    pub(crate) fn reason(self) -> Option<&'static str> {
        match self {
            Self::Syntax => Some("syntax"),
            Self::Data(reason) => Some(reason),
            Self::Refused { reason, .. } => reason,
        }
    }
}

/// serde's own messages (`serde::de::Error`'s provided methods), which
/// serde_json uses for a token of the wrong type, and their codes.
const SERDE_PREFIXES: &[(&str, &str)] = &[
    ("invalid type: ", "invalid_type"),
    ("invalid value: ", "invalid_value"),
    ("invalid length ", "invalid_length"),
    ("unknown variant ", "unknown_variant"),
    ("unknown field ", "unknown_field"),
    ("missing field ", "missing_field"),
    ("duplicate field ", "duplicate_field"),
];

/// guardrail-validate's serde message is `invalid {noun}: {reason code}`
/// (`guardrail_validate::Error`'s `Display`): the nouns of its `Kind`s and
/// the problem code of each.
// Follow-up (validate's owner): `Kind::problem_code()` and
// `Error::from_serde_message()` in guardrail-validate replace these two
// tables, so a new kind or reason cannot be missed here.
const VALIDATE_KINDS: &[(&str, &str)] = &[
    ("invalid e-mail address: ", "invalid_email"),
    ("invalid username: ", "invalid_username"),
    ("invalid URL: ", "invalid_url"),
    ("invalid path: ", "invalid_path"),
    ("invalid host name: ", "invalid_host"),
    ("invalid label: ", "invalid_label"),
];

/// `guardrail_validate::Reason::code()`'s values.
const VALIDATE_REASONS: &[&str] = &[
    "empty",
    "too_long",
    "too_short",
    "control_char",
    "invisible",
    "invalid_encoding",
    "missing_at",
    "local_part",
    "quoted_string",
    "comment",
    "domain_literal",
    "domain",
    "invalid_char",
    "bidi",
    "mixed_script",
    "reserved_name",
    "syntax",
    "scheme",
    "userinfo",
    "port",
    "no_host",
    "localhost",
    "internal_name",
    "loopback",
    "private_address",
    "link_local",
    "shared_address",
    "unspecified",
    "broadcast",
    "multicast",
    "documentation",
    "benchmarking",
    "reserved",
    "metadata",
    "resolution",
    "absolute",
    "traversal",
    "backslash",
    "reserved_char",
    "trailing_dot_space",
    "encoded",
    "lookalike",
    "home",
    "variable",
    "short_name",
    "leading_dash",
    "confusable",
    "at_sign",
    "not_nfc",
];

/// A deserializer's own error: a serde data error by its first words,
/// anything else is syntax (serde_json's syntax, EOF and I/O messages).
pub(crate) fn serde_message(message: &dyn fmt::Display) -> Failure {
    let mut first = Candidates::new(SERDE_PREFIXES.iter().map(|(prefix, _)| *prefix));
    let _stopped = write!(first, "{message}");
    match first.matched().and_then(|i| SERDE_PREFIXES.get(i)) {
        Some((_, code)) => Failure::Data(code),
        None => Failure::Syntax,
    }
}

/// A `serde::de::Error::custom` message: guardrail-validate's refusal of a
/// value, or some other type's (`invalid_value`).
pub(crate) fn custom_message(message: &dyn fmt::Display) -> Failure {
    let mut reader = ValidateMessage {
        kind: Candidates::new(VALIDATE_KINDS.iter().map(|(prefix, _)| *prefix)),
        kind_seen: None,
        reason: Candidates::new(VALIDATE_REASONS.iter().copied()),
    };
    let whole = write!(reader, "{message}").is_ok();
    let Some((_, code)) = reader.kind_seen.and_then(|i| VALIDATE_KINDS.get(i)) else {
        return Failure::Data("invalid_value");
    };
    let reason = reader.reason.exact().filter(|_| whole).and_then(|i| VALIDATE_REASONS.get(i)).copied();
    Failure::Refused { code, reason }
}

/// Up to 64 fixed strings, narrowed byte by byte; nothing of the input is
/// kept but how many bytes were read.
struct Candidates {
    strings: [&'static str; 64],
    alive: u64,
    read: usize,
    /// The first candidate read in full, in prefix mode.
    matched: Option<usize>,
}

impl Candidates {
    fn new(strings: impl Iterator<Item = &'static str>) -> Self {
        let mut table = [""; 64];
        let mut alive = 0_u64;
        for (i, (slot, s)) in table.iter_mut().zip(strings).enumerate() {
            *slot = s;
            alive |= 1 << i;
        }
        Self { strings: table, alive, read: 0, matched: None }
    }

    /// Narrows the candidates by the next byte; false once none is left.
    fn push(&mut self, byte: u8) -> bool {
        for (i, s) in self.strings.iter().enumerate() {
            if s.as_bytes().get(self.read) != Some(&byte) {
                self.alive &= !(1 << i);
            }
        }
        self.read = self.read.saturating_add(1);
        self.alive != 0
    }

    /// The live candidate read exactly to its end.
    fn exact(&self) -> Option<usize> {
        (0..64).find(|&i| self.alive & (1 << i) != 0 && self.strings.get(i).is_some_and(|s| s.len() == self.read))
    }

    /// The candidate matched in prefix mode.
    fn matched(&self) -> Option<usize> {
        self.matched
    }
}

impl fmt::Write for Candidates {
    /// Prefix mode: stops (with `Err`) at the first candidate read in
    /// full, or when none is left.
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for byte in s.bytes() {
            if !self.push(byte) {
                return Err(fmt::Error);
            }
            if let Some(i) = self.exact() {
                self.matched = Some(i);
                return Err(fmt::Error);
            }
        }
        Ok(())
    }
}

/// `invalid {noun}: {reason}`: the noun in prefix mode, then the reason to
/// the message's end.
struct ValidateMessage {
    kind: Candidates,
    kind_seen: Option<usize>,
    reason: Candidates,
}

impl fmt::Write for ValidateMessage {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for byte in s.bytes() {
            let live = match self.kind_seen {
                None => {
                    let live = self.kind.push(byte);
                    self.kind_seen = self.kind.exact();
                    live
                }
                Some(_) => self.reason.push(byte),
            };
            if !live {
                return Err(fmt::Error);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_are_read_by_their_first_words() {
        let m = "invalid type: integer `1234567`, expected a string at line 1 column 30";
        assert_eq!(serde_message(&m), Failure::Data("invalid_type"));
        assert_eq!(serde_message(&"missing field `password`"), Failure::Data("missing_field"));
        assert_eq!(serde_message(&"EOF while parsing an object at line 1 column 9"), Failure::Syntax);
        assert_eq!(serde_message(&"invalid number at line 1 column 3"), Failure::Syntax);
        assert_eq!(serde_message(&""), Failure::Syntax);
    }

    #[test]
    fn validate_messages_give_the_kind_and_a_known_reason() {
        let refused = |code, reason| Failure::Refused { code, reason };
        assert_eq!(custom_message(&"invalid e-mail address: too_long"), refused("invalid_email", Some("too_long")));
        assert_eq!(custom_message(&"invalid URL: not_a_code"), refused("invalid_url", None));
        assert_eq!(custom_message(&"invalid e-mail address: domain"), refused("invalid_email", Some("domain")));
        assert_eq!(custom_message(&"invalid host name: domain_literalx"), refused("invalid_host", None));
        assert_eq!(custom_message(&"invalid label: something new"), refused("invalid_label", None));
        assert_eq!(custom_message(&"data did not match any variant"), Failure::Data("invalid_value"));
        assert_eq!(custom_message(&"invalid e-mail"), Failure::Data("invalid_value"));
    }

    #[test]
    fn the_tables_fit_the_candidate_set() {
        assert!(VALIDATE_REASONS.len() <= 64 && VALIDATE_KINDS.len() <= 64 && SERDE_PREFIXES.len() <= 64);
    }
}

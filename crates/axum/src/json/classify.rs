//! What kind of failure a message describes, read from its first words
//! through a window that keeps nothing: each byte only narrows a set of
//! fixed candidates, and formatting stops as soon as none is left, so the
//! rest of a message (which may quote the input) is never produced.

use std::fmt::{self, Write as _};

use guardrail_validate::{Kind, Reason};

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

/// How a [`Kind`]'s refusal begins (`invalid e-mail address: `).
fn kind_prefix(kind: &Kind) -> &'static str {
    kind.message_prefix()
}

/// What follows the prefix: the [`Reason`]'s code (`too_long`).
fn reason_code(reason: &Reason) -> &'static str {
    reason.code()
}

/// A deserializer's own error: a serde data error by its first words,
/// anything else is syntax (serde_json's syntax, EOF and I/O messages).
pub(crate) fn serde_message(message: &dyn fmt::Display) -> Failure {
    let mut first = Candidates::new(SERDE_PREFIXES, |&(prefix, _)| prefix);
    let _stopped = write!(first, "{message}");
    match first.matched() {
        Some((_, code)) => Failure::Data(code),
        None => Failure::Syntax,
    }
}

/// A `serde::de::Error::custom` message: guardrail-validate's refusal of a
/// value, or some other type's (`invalid_value`).
///
/// validate's message is `invalid {noun}: {reason code}`
/// (`guardrail_validate::Error`'s `Display`): a [`Kind::message_prefix`],
/// then one of [`Reason::ALL`]'s codes; the answer is the kind's
/// [`Kind::problem_code`]. Both lists come from validate, so a new kind or
/// reason needs no edit here. `guardrail_validate::Error::from_serde_message`
/// reads the same format but takes the message as text, and a message
/// that is not validate's may quote the input; this reader keeps only a
/// count of the bytes that matched a fixed string (a test checks that the
/// two agree on every kind and reason).
pub(crate) fn custom_message(message: &dyn fmt::Display) -> Failure {
    let mut reader = ValidateMessage {
        kind: Candidates::new(Kind::ALL, kind_prefix),
        kind_seen: None,
        reason: Candidates::new(Reason::ALL, reason_code),
    };
    let whole = write!(reader, "{message}").is_ok();
    let Some(kind) = reader.kind_seen else {
        return Failure::Data("invalid_value");
    };
    let reason = reader.reason.exact().filter(|_| whole).map(Reason::code);
    Failure::Refused { code: kind.problem_code(), reason }
}

/// A list of fixed strings narrowed byte by byte. Nothing of the input is
/// kept: only how many bytes were read and one candidate that agrees with
/// all of them (any other live candidate shares those bytes with it).
struct Candidates<T: 'static> {
    all: &'static [T],
    text: fn(&T) -> &'static str,
    /// A candidate whose first `read` bytes are the bytes read; `None`
    /// once no candidate is left.
    witness: Option<&'static str>,
    read: usize,
    /// The first candidate read in full, in prefix mode.
    matched: Option<T>,
}

impl<T: Copy + 'static> Candidates<T> {
    fn new(all: &'static [T], text: fn(&T) -> &'static str) -> Self {
        Self { all, text, witness: all.first().map(text), read: 0, matched: None }
    }

    /// Narrows the candidates by the next byte; false once none is left.
    fn push(&mut self, byte: u8) -> bool {
        let read = self.read;
        self.witness = self.witness.and_then(|seen| {
            let seen = seen.as_bytes().get(..read)?;
            let live =
                |s: &&'static str| s.as_bytes().get(..read) == Some(seen) && s.as_bytes().get(read) == Some(&byte);
            self.all.iter().map(self.text).find(live)
        });
        self.read = read.saturating_add(1);
        self.witness.is_some()
    }

    /// The live candidate read exactly to its end.
    fn exact(&self) -> Option<T> {
        let seen = self.witness?.as_bytes().get(..self.read)?;
        self.all.iter().copied().find(|c| (self.text)(c).as_bytes() == seen)
    }

    /// The candidate matched in prefix mode.
    fn matched(&self) -> Option<T> {
        self.matched
    }
}

impl<T: Copy + 'static> fmt::Write for Candidates<T> {
    /// Prefix mode: stops (with `Err`) at the first candidate read in
    /// full, or when none is left.
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for byte in s.bytes() {
            if !self.push(byte) {
                return Err(fmt::Error);
            }
            if let Some(found) = self.exact() {
                self.matched = Some(found);
                return Err(fmt::Error);
            }
        }
        Ok(())
    }
}

/// `invalid {noun}: {reason}`: the noun in prefix mode, then the reason to
/// the message's end.
struct ValidateMessage {
    kind: Candidates<Kind>,
    kind_seen: Option<Kind>,
    reason: Candidates<Reason>,
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

    /// The reader agrees with validate's own parser of its message on
    /// every kind and reason, and gives the kind's and reason's codes.
    #[test]
    fn every_validate_message_agrees_with_from_serde_message() {
        for &kind in Kind::ALL {
            for &reason in Reason::ALL {
                let message = guardrail_validate::Error::Invalid { kind, reason }.to_string();
                assert_eq!(guardrail_validate::Error::from_serde_message(&message), Some((kind, reason)));
                let expected = Failure::Refused { code: kind.problem_code(), reason: Some(reason.code()) };
                assert_eq!(custom_message(&message), expected, "{message}");
                let longer = format!("{message}x");
                assert_eq!(custom_message(&longer), Failure::Refused { code: kind.problem_code(), reason: None });
            }
        }
    }

    #[test]
    fn a_code_that_is_a_prefix_of_another_is_told_apart() {
        let refused = |reason| Failure::Refused { code: "invalid_email", reason };
        assert_eq!(custom_message(&"invalid e-mail address: domain_literal"), refused(Some("domain_literal")));
        assert_eq!(custom_message(&"invalid e-mail address: domain_"), refused(None));
        assert_eq!(custom_message(&"invalid e-mail address: "), refused(None));
    }

    /// A message written in pieces (as `Display` impls do) reads as one.
    #[test]
    fn pieces_read_as_one_message() {
        struct Pieces;
        impl fmt::Display for Pieces {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("invalid ")?;
                f.write_str("URL: ")?;
                f.write_str("meta")?;
                f.write_str("data")
            }
        }
        assert_eq!(custom_message(&Pieces), Failure::Refused { code: "invalid_url", reason: Some("metadata") });
    }
}

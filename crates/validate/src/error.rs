use std::fmt;

/// Which kind of input was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// An e-mail address.
    Email,
    /// A username.
    Username,
    /// A URL to fetch.
    Url,
    /// A relative path.
    Path,
    /// A host name.
    Host,
    /// A display label ([`Label`](crate::Label)).
    Label,
}

impl Kind {
    /// Every kind, in declaration order (for a classifier that must know
    /// them all, such as an HTTP extractor's).
    pub const ALL: &'static [Self] = &[Self::Email, Self::Username, Self::Url, Self::Path, Self::Host, Self::Label];

    /// How a refusal of this kind begins in the error's `Display` and so in
    /// a validated type's serde message: `invalid e-mail address: `, then
    /// the [`Reason::code`] (see [`Error::from_serde_message`]).
    #[must_use]
    pub const fn message_prefix(self) -> &'static str {
        match self {
            Self::Email => "invalid e-mail address: ",
            Self::Username => "invalid username: ",
            Self::Url => "invalid URL: ",
            Self::Path => "invalid path: ",
            Self::Host => "invalid host name: ",
            Self::Label => "invalid label: ",
        }
    }

    /// A stable, machine-readable code for "this kind of input was
    /// refused", for an API's error body (an HTTP extractor answers 422
    /// with it, and [`Reason::code`] beside it): `invalid_email`,
    /// `invalid_username`, `invalid_url`, `invalid_path`, `invalid_host`,
    /// `invalid_label`.
    #[must_use]
    pub const fn problem_code(self) -> &'static str {
        match self {
            Self::Email => "invalid_email",
            Self::Username => "invalid_username",
            Self::Url => "invalid_url",
            Self::Path => "invalid_path",
            Self::Host => "invalid_host",
            Self::Label => "invalid_label",
        }
    }
}

/// Why an input was refused: a stable, machine-readable code (see
/// [`Reason::code`]) that API clients and metrics can rely on. A reason
/// never carries the rejected value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// Empty, or nothing left after removing `.` and empty segments.
    Empty,
    /// Longer than the limit (checked before any other work).
    TooLong,
    /// Shorter than the limit.
    TooShort,
    /// A control character (C0, DEL or C1), including CR and LF.
    ControlChar,
    /// A hidden character: format (zero-width, bidi override, BOM, ...),
    /// default-ignorable, a space other than U+0020 (no-break, ideographic,
    /// ...), a line or paragraph separator, or U+2800 BRAILLE PATTERN BLANK.
    Invisible,
    /// Not valid UTF-8.
    InvalidEncoding,
    /// E-mail: no `@`.
    MissingAt,
    /// E-mail: the local part is empty, has a character outside the
    /// allowed set, or a misplaced dot.
    LocalPart,
    /// E-mail: a quoted local part (`"john doe"@example.com`), refused by policy.
    QuotedString,
    /// E-mail: an RFC 5322 comment (`(comment)`), refused by policy.
    Comment,
    /// E-mail: an address literal (`user@[192.0.2.1]`), refused by policy.
    DomainLiteral,
    /// E-mail, URL or host name: the domain is not a valid IDNA2008/DNS
    /// name in its canonical A-label form (empty label, several trailing
    /// dots, over 253 bytes or a label over 63, a contextual rule of RFC
    /// 5892 Appendix A not met, a character outside the policy).
    Domain,
    /// Username: a character PRECIS IdentifierClass does not allow (space,
    /// symbol, unassigned, ...).
    InvalidChar,
    /// Username: fails the RFC 5893 bidi rule.
    Bidi,
    /// Username, a host-name label or an UTF-8 e-mail local part: letters
    /// of more than one script (e.g. Latin and Cyrillic).
    MixedScript,
    /// Username or path: a reserved name (`admin`, `CON`, ...); for a
    /// username also any name that looks like one (`admın`, `adrnin`).
    ReservedName,
    /// URL: not parseable as an absolute URL, or a form other parsers read differently.
    Syntax,
    /// URL: a scheme other than http/https.
    Scheme,
    /// URL: user name or password in the authority.
    Userinfo,
    /// URL: a port outside the allowlist.
    Port,
    /// URL: no host.
    NoHost,
    /// URL: `localhost` or a `*.localhost` name.
    Localhost,
    /// URL: a name that can only be internal (single label, `.internal`, `.local`, ...).
    InternalName,
    /// URL: a loopback address (127.0.0.0/8, ::1).
    Loopback,
    /// URL: a private address (RFC 1918, unique local, site-local).
    PrivateAddress,
    /// URL: a link-local address (169.254.0.0/16, fe80::/10).
    LinkLocal,
    /// URL: shared address space (100.64.0.0/10, carrier-grade NAT).
    SharedAddress,
    /// URL: the unspecified address or "this network" (0.0.0.0/8, ::).
    Unspecified,
    /// URL: the limited broadcast address.
    Broadcast,
    /// URL: a multicast address.
    Multicast,
    /// URL: a documentation range (TEST-NET, 2001:db8::/32, 3fff::/20).
    Documentation,
    /// URL: the benchmarking range (198.18.0.0/15).
    Benchmarking,
    /// URL: any other non-global special-purpose range (IETF protocol
    /// assignments, 240.0.0.0/4, 6to4, Teredo, discard-only, ...).
    Reserved,
    /// URL: a cloud metadata endpoint, by address or name.
    Metadata,
    /// URL: the resolver failed or returned no address.
    Resolution,
    /// Path: absolute, UNC, device or drive form.
    Absolute,
    /// Path: a `..` segment (or a dots-only segment).
    Traversal,
    /// Path: a backslash.
    Backslash,
    /// Path: a character Windows does not allow in names (`< > : " | ? *`),
    /// which also covers alternate data streams (`file:stream`).
    ReservedChar,
    /// Path: a segment ending in a dot or a space.
    TrailingDotOrSpace,
    /// Path: percent- or %u-encoding that decodes to a separator, a dot
    /// segment, a control character or invalid UTF-8.
    Encoded,
    /// Path: a Unicode look-alike of a dot, slash, backslash or colon.
    Lookalike,
    /// Path: starts with `~` (home directory expansion).
    Home,
    /// Path: a `$`-prefixed segment (shell or environment expansion).
    Variable,
    /// Path: an 8.3 short name (`PROGRA~1`).
    ShortName,
    /// Path: starts with `-` (read as an option by command-line tools).
    LeadingDash,
    /// Username: a whole-script confusable, every letter of one script
    /// looking like a name in another (Cyrillic `сосо` reads as `coco`).
    /// Username, host-name label or UTF-8 e-mail local part: a mark a
    /// reader cannot see (U+0307 on `i` or `ı`, a repeated mark).
    Confusable,
    /// Username: contains `@`, so it could not be told apart from an
    /// e-mail address where either may be used to log in.
    AtSign,
    /// Path: not in Unicode Normalization Form C (the file system may hold
    /// the NFC and the decomposed spelling as two different files).
    NotNfc,
}

impl Reason {
    /// Every reason (for [`Reason::from_code`], and a classifier that must
    /// know them all).
    pub const ALL: &'static [Self] = &[
        Self::Empty,
        Self::TooLong,
        Self::TooShort,
        Self::ControlChar,
        Self::Invisible,
        Self::InvalidEncoding,
        Self::MissingAt,
        Self::LocalPart,
        Self::QuotedString,
        Self::Comment,
        Self::DomainLiteral,
        Self::Domain,
        Self::InvalidChar,
        Self::Bidi,
        Self::MixedScript,
        Self::ReservedName,
        Self::Syntax,
        Self::Scheme,
        Self::Userinfo,
        Self::Port,
        Self::NoHost,
        Self::Localhost,
        Self::InternalName,
        Self::Loopback,
        Self::PrivateAddress,
        Self::LinkLocal,
        Self::SharedAddress,
        Self::Unspecified,
        Self::Broadcast,
        Self::Multicast,
        Self::Documentation,
        Self::Benchmarking,
        Self::Reserved,
        Self::Metadata,
        Self::Resolution,
        Self::Absolute,
        Self::Traversal,
        Self::Backslash,
        Self::ReservedChar,
        Self::TrailingDotOrSpace,
        Self::Encoded,
        Self::Lookalike,
        Self::Home,
        Self::Variable,
        Self::ShortName,
        Self::LeadingDash,
        Self::Confusable,
        Self::AtSign,
        Self::NotNfc,
    ];

    /// The reason whose [`Reason::code`] is `code`, if any.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|r| r.code() == code)
    }

    /// The stable code: `too_long`, `control_char`, `loopback`, `traversal`, ...
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::TooLong => "too_long",
            Self::TooShort => "too_short",
            Self::ControlChar => "control_char",
            Self::Invisible => "invisible",
            Self::InvalidEncoding => "invalid_encoding",
            Self::MissingAt => "missing_at",
            Self::LocalPart => "local_part",
            Self::QuotedString => "quoted_string",
            Self::Comment => "comment",
            Self::DomainLiteral => "domain_literal",
            Self::Domain => "domain",
            Self::InvalidChar => "invalid_char",
            Self::Bidi => "bidi",
            Self::MixedScript => "mixed_script",
            Self::ReservedName => "reserved_name",
            Self::Syntax => "syntax",
            Self::Scheme => "scheme",
            Self::Userinfo => "userinfo",
            Self::Port => "port",
            Self::NoHost => "no_host",
            Self::Localhost => "localhost",
            Self::InternalName => "internal_name",
            Self::Loopback => "loopback",
            Self::PrivateAddress => "private_address",
            Self::LinkLocal => "link_local",
            Self::SharedAddress => "shared_address",
            Self::Unspecified => "unspecified",
            Self::Broadcast => "broadcast",
            Self::Multicast => "multicast",
            Self::Documentation => "documentation",
            Self::Benchmarking => "benchmarking",
            Self::Reserved => "reserved",
            Self::Metadata => "metadata",
            Self::Resolution => "resolution",
            Self::Absolute => "absolute",
            Self::Traversal => "traversal",
            Self::Backslash => "backslash",
            Self::ReservedChar => "reserved_char",
            Self::TrailingDotOrSpace => "trailing_dot_space",
            Self::Encoded => "encoded",
            Self::Lookalike => "lookalike",
            Self::Home => "home",
            Self::Variable => "variable",
            Self::ShortName => "short_name",
            Self::LeadingDash => "leading_dash",
            Self::Confusable => "confusable",
            Self::AtSign => "at_sign",
            Self::NotNfc => "not_nfc",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An input was refused. Names the kind of input and the reason code; it
/// never holds the value, so it is safe to log and to return to a client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input was refused by its parser.
    #[error("{}{reason}", kind.message_prefix())]
    Invalid {
        /// What was being parsed.
        kind: Kind,
        /// Why it was refused.
        reason: Reason,
    },
    /// Opening or creating a validated path under its base directory failed
    /// (the operating system's error: not found, permission, a symlink or
    /// `..` that would leave the base).
    #[error("cannot open path under its base directory")]
    Io(#[source] std::io::Error),
}

impl Error {
    pub(crate) const fn invalid(kind: Kind, reason: Reason) -> Self {
        Self::Invalid { kind, reason }
    }

    /// The reason code, or `"io"` for [`Error::Io`].
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid { reason, .. } => reason.code(),
            Self::Io(_) => "io",
        }
    }

    /// The reason, when the input itself was refused.
    #[must_use]
    pub fn reason(&self) -> Option<Reason> {
        match self {
            Self::Invalid { reason, .. } => Some(*reason),
            Self::Io(_) => None,
        }
    }

    /// The kind of input refused, when the input itself was refused.
    #[must_use]
    pub fn kind(&self) -> Option<Kind> {
        match self {
            Self::Invalid { kind, .. } => Some(*kind),
            Self::Io(_) => None,
        }
    }

    /// The stable code for an API error body: [`Kind::problem_code`]
    /// (`invalid_email`, ...) for a refused input, `"io"` for
    /// [`Error::Io`]. [`Error::code`] is the reason beside it.
    #[must_use]
    pub fn problem_code(&self) -> &'static str {
        match self {
            Self::Invalid { kind, .. } => kind.problem_code(),
            Self::Io(_) => "io",
        }
    }

    /// Recovers the kind and reason from the message a validated type's
    /// serde `Deserialize` gave (`serde::de::Error::custom` of this error's
    /// `Display`, `invalid {kind}: {reason}`, a stable format), so a
    /// deserializer's caller (an HTTP extractor) can answer with
    /// [`Kind::problem_code`] and [`Reason::code`] without keeping the
    /// text. Text after the reason code (serde_json's ` at line 1 column
    /// 9`) is ignored; any other message is `None`.
    ///
    /// ```
    /// use guardrail_validate::{Email, Error, Kind, Reason};
    /// let e = serde_json::from_str::<Email>(r#""ana@""#).unwrap_err().to_string();
    /// assert_eq!(Error::from_serde_message(&e), Some((Kind::Email, Reason::Domain)));
    /// assert_eq!(Error::from_serde_message("invalid type: integer `1234`"), None);
    /// ```
    #[must_use]
    pub fn from_serde_message(message: &str) -> Option<(Kind, Reason)> {
        Kind::ALL.iter().find_map(|&kind| {
            let code = message.strip_prefix(kind.message_prefix())?;
            let code = code.split(|c: char| !(c.is_ascii_lowercase() || c == '_')).next()?;
            Reason::from_code(code).map(|reason| (kind, reason))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_and_reason_round_trips_through_the_serde_message() {
        for &kind in Kind::ALL {
            for &reason in Reason::ALL {
                let message = Error::invalid(kind, reason).to_string();
                assert_eq!(Error::from_serde_message(&message), Some((kind, reason)), "{message}");
                let located = format!("{message} at line 1 column 9");
                assert_eq!(Error::from_serde_message(&located), Some((kind, reason)), "{located}");
            }
        }
        let codes: std::collections::BTreeSet<_> = Reason::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(codes.len(), Reason::ALL.len(), "reason codes are unique");
        for other in ["invalid type: integer `1`", "invalid e-mail address: nonsense", "invalid value", ""] {
            assert_eq!(Error::from_serde_message(other), None, "{other}");
        }
    }

    /// `Kind::ALL` and `Reason::ALL` list every variant: counted in this
    /// file's enum declarations, so a new variant left out fails here.
    #[test]
    fn all_lists_every_variant() {
        let source = include_str!("error.rs");
        let variants = |enum_name: &str| {
            let body = source.split(&format!("pub enum {enum_name} {{")).nth(1).and_then(|b| b.split("\n}").next());
            let body = body.unwrap_or_default();
            body.lines()
                .filter(|l| l.starts_with("    ") && !l.trim_start().starts_with("//") && l.trim_end().ends_with(','))
                .count()
        };
        assert_eq!(variants("Kind"), Kind::ALL.len());
        assert_eq!(variants("Reason"), Reason::ALL.len());
    }
}

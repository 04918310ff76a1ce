//! Usernames: RFC 8265 UsernameCaseMapped, plus the checks a sign-up form
//! needs that PRECIS leaves to the application: look-alikes (UTS #39
//! confusable skeletons), reserved names, `@`.

use std::collections::BTreeSet;

use precis_profiles::{
    UsernameCaseMapped,
    precis_core::{Error as PrecisError, profile::PrecisFastInvocation},
};
use unicode_normalization::UnicodeNormalization;
use unicode_security::{GeneralSecurityProfile, MixedScript};

use crate::{Error, Kind, MAX_INPUT, Reason, validated_string_type};

/// A validated username in its canonical form, so two accounts cannot have
/// names that display alike: store [`Username::skeleton`] under a unique
/// index beside the name.
///
/// The canonical form is RFC 8265's UsernameCaseMapped (width mapping of
/// full-/half-width characters, Unicode default case folding, NFC, the
/// RFC 5893 bidi rule, and the PRECIS IdentifierClass: letters, digits and
/// ASCII punctuation, no spaces or symbols). Every rule below holds for the
/// canonical form, which is also its own NFC and NFKC form, so no
/// normalising layer further on turns an accepted name into another one.
/// On top of PRECIS the default [`UsernamePolicy`] refuses, each with its
/// own [`Reason`]:
///
/// - invisible characters (`invisible`);
/// - non-ASCII characters outside UTS #39's General Security Profile
///   (`invalid_char`): technical, obsolete and uncommon letters such as
///   `ɑ`, small capitals (`ᴛ`) and the click `ǀ` (reads as `l`); letters of
///   living Limited_Use scripts (Cherokee, N'Ko, Tifinagh, ...) stay;
/// - `@` (`at_sign`): a name that could be an e-mail address cannot be told
///   apart from one where either is accepted as a login;
/// - mixed-script names (`mixed_script`): a Cyrillic `а` in an otherwise
///   Latin `аdmin`;
/// - names shorter than 3 or longer than 32 characters (`too_short`,
///   `too_long`);
/// - reserved names *and their look-alikes* (`reserved_name`): names are
///   compared by their UTS #39 confusable skeleton, so `admin`, `ADMIN`,
///   `ａｄｍｉｎ`, `admın` (dotless ı) and `adrnin` (`rn` for `m`) are all
///   `admin`;
/// - whole-script confusables (`confusable`): a name written in one script
///   whose skeleton is a name in another, such as Cyrillic `сосо` (reads
///   as `coco`), `ѕсоре`, Greek `ορα` or Hebrew `וו` (reads as `ll`);
/// - hidden marks (`confusable`, UTS #39 §5.4): U+0307 dot above on `i`,
///   `j` (or another soft-dotted letter) or on dotless `ı`, which displays
///   as the plain letter (`admi̇n`; also `ADMİN`, since case folding turns
///   `İ` into `i` + U+0307, so a Turkish capital `İ` cannot be used: write
///   `i`), the same non-spacing mark twice over one letter, or more than
///   four non-spacing marks over one letter.
///
/// Reserved names are compared on the skeleton with its non-spacing marks
/// removed, so accented variants of a reserved name (`ádmin`, `rööt`) are
/// refused as `reserved_name` too. [`Username::skeleton`] keeps the marks
/// (`jose` and `josé` are different names).
///
/// Against the reserved names only, a name is also compared with the
/// common digit-for-letter substitutions undone, since UTS #39 reads `0`
/// as a capital `O` and `1` as `l` only: `0`→`o`, `1`→`i` or `l`,
/// `3`→`e`, `4`→`a`, `5`→`s`, `7`→`t`, `8`→`b`. So `adm1n`, `r00t`,
/// `supp0rt`, `4dmin` and `5y5tem` are `reserved_name`, while names with
/// other digits or that undo to no reserved name (`alice2`, `r2d2`, `b0b`)
/// are accepted. [`Username::skeleton`] does not fold digits.
///
/// ```
/// use guardrail_validate::Username;
/// let u: Username = "ＪａｎｅＤｏｅ".parse().unwrap(); // full-width
/// assert_eq!(u.as_str(), "janedoe");
/// assert_eq!("Admin".parse::<Username>().unwrap_err().code(), "reserved_name");
/// assert_eq!("adm\u{131}n".parse::<Username>().unwrap_err().code(), "reserved_name"); // dotless ı
/// assert_eq!("p\u{0430}ypal".parse::<Username>().unwrap_err().code(), "mixed_script"); // Cyrillic а
/// assert_eq!("\u{441}\u{43e}\u{441}\u{43e}".parse::<Username>().unwrap_err().code(), "confusable"); // Cyrillic сосо
/// assert_eq!("jane@example".parse::<Username>().unwrap_err().code(), "at_sign");
/// assert_eq!("ADM\u{130}N".parse::<Username>().unwrap_err().code(), "confusable"); // İ folds to i + U+0307
/// assert_eq!("\u{e1}dmin".parse::<Username>().unwrap_err().code(), "reserved_name"); // ádmin
/// assert_eq!("adm1n".parse::<Username>().unwrap_err().code(), "reserved_name"); // digit one
/// assert_eq!("r00t".parse::<Username>().unwrap_err().code(), "reserved_name"); // digit zero
/// assert!("r2d2".parse::<Username>().is_ok());
///
/// // Look-alikes share a skeleton: keep it under a unique index.
/// let a: Username = "paypal".parse().unwrap();
/// let b: Username = "paypa1".parse().unwrap();
/// assert_ne!(a, b);
/// assert_eq!(a.skeleton(), b.skeleton());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Username(String);

validated_string_type!(Username);

impl Username {
    /// Parses with [`UsernamePolicy::default`].
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] with the [`Reason`] the name was refused for.
    pub fn parse(input: &str) -> Result<Self, Error> {
        // Built once: canonicalising the reserved names is not free.
        static DEFAULT: std::sync::LazyLock<UsernamePolicy> = std::sync::LazyLock::new(UsernamePolicy::default);
        DEFAULT.parse(input)
    }

    /// The canonical form.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The UTS #39 confusable skeleton of the canonical form: two names
    /// that display alike (`paypal` and `paypa1`, `modern` and `modem`,
    /// `admin` and `admın`) have the same skeleton. Keep it under a unique
    /// index beside the name, with [`SKELETON_UNICODE_VERSION`], and refuse
    /// a sign-up whose skeleton is taken.
    #[must_use]
    pub fn skeleton(&self) -> Skeleton {
        Skeleton(skeleton(&self.0))
    }
}

/// The Unicode version of the confusables data (UTS #39
/// `confusables.txt`, through `unicode-security`) that
/// [`Username::skeleton`] uses.
///
/// Skeletons are not stable across Unicode versions: new look-alikes are
/// added to the data, prototypes change. Store this beside the skeletons
/// you keep; when it changes (a guardrail release says so), recompute every
/// stored skeleton from its stored name, and look for names whose new
/// skeletons collide: those accounts were already look-alikes and need a
/// decision (a rename, or a manual exception), since the unique index
/// cannot be rebuilt until they are resolved.
pub const SKELETON_UNICODE_VERSION: &str = "18.0.0";

/// The UTS #39 confusable skeleton of a [`Username`]: an internal key for
/// "displays alike", never for display. Compare and index it; show the
/// username.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Skeleton(String);

impl Skeleton {
    /// The skeleton as text (for a unique index; not for display).
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The skeleton as an owned `String`.
    #[must_use]
    pub fn into_string(self) -> String {
        self.0
    }
}

impl AsRef<str> for Skeleton {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Skeleton {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(feature = "serde")]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl serde::Serialize for Skeleton {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// UTS #39 `skeleton`: NFD, default ignorables removed, each character
/// replaced by its prototype from `confusables.txt`, NFD again.
fn skeleton(canonical: &str) -> String {
    if canonical.is_ascii() {
        return ascii_skeleton(canonical);
    }
    unicode_security::skeleton(canonical).collect()
}

/// The skeleton of ASCII text, from a table of each ASCII character's own
/// skeleton (`m` → `rn`, `1` → `l`, `0` → `O`). The same as
/// [`unicode_security::skeleton`] because ASCII is its own NFD and no
/// ASCII prototype holds a combining mark, so concatenating is already NFD
/// (`ascii_skeleton_agrees_with_unicode_security` checks every character;
/// `tests/normal_forms.rs` compares the two on random text). Five times
/// faster on the common case.
fn ascii_skeleton(ascii: &str) -> String {
    static PROTOTYPES: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
        (0u8..128).map(|b| unicode_security::skeleton(char::from(b).encode_utf8(&mut [0; 4])).collect()).collect()
    });
    let mut out = String::with_capacity(ascii.len() + 4);
    for b in ascii.bytes() {
        out.push_str(PROTOTYPES.get(usize::from(b)).map_or("", String::as_str));
    }
    out
}

/// A skeleton (NFD) without its non-spacing and enclosing marks: the key
/// reserved names are compared on, so `ádmin` is `admin`.
fn without_marks(skeleton: &str) -> std::borrow::Cow<'_, str> {
    if skeleton.is_ascii() {
        return skeleton.into();
    }
    skeleton.chars().filter(|c| !crate::host::is_nonspacing_mark(*c)).collect::<String>().into()
}

/// The digit-for-letter substitutions undone when a name is compared with
/// the reserved names (`4dmin` is `admin`): each ASCII digit and the
/// letters it stands for. `1` stands for `i` or `l`, either of which
/// matches.
const DIGIT_FOLDS: &[(char, &str)] =
    &[('0', "o"), ('1', "il"), ('3', "e"), ('4', "a"), ('5', "s"), ('7', "t"), ('8', "b")];

/// Stands for a digit that folds to more than one letter (`1`) in a name
/// compared with the reserved names: a private-use character, which no
/// skeleton holds and no username may contain.
const FOLD_WILDCARD: char = '\u{e000}';

/// `canonical` with its [`DIGIT_FOLDS`] digits replaced by their letter
/// (or [`FOLD_WILDCARD`]), as a reserved-name key: skeleton, marks
/// removed. `None` when it holds no such digit.
fn digit_folded_key(canonical: &str) -> Option<String> {
    let fold = |c: char| DIGIT_FOLDS.iter().find(|(digit, _)| *digit == c).map(|(_, letters)| *letters);
    if !canonical.chars().any(|c| fold(c).is_some()) {
        return None;
    }
    let folded: String = canonical
        .chars()
        .map(|c| match fold(c) {
            Some(letters) if letters.len() == 1 => letters.chars().next().unwrap_or(c),
            Some(_) => FOLD_WILDCARD,
            None => c,
        })
        .collect();
    Some(without_marks(&skeleton(&folded)).into_owned())
}

/// Whether a [`digit_folded_key`] is `reserved` (a reserved-name key),
/// [`FOLD_WILDCARD`] matching any of the letters `1` folds to.
fn folded_key_matches(folded: &str, reserved: &str) -> bool {
    let one_letters = DIGIT_FOLDS.iter().find(|(digit, _)| *digit == '1').map_or("", |(_, letters)| *letters);
    folded.chars().count() == reserved.chars().count()
        && folded.chars().zip(reserved.chars()).all(|(f, r)| f == r || (f == FOLD_WILDCARD && one_letters.contains(r)))
}

/// UTS #39's General Security Profile (§3.1) for a non-ASCII character:
/// letters of recommended scripts and the few inclusions (`ʼ`, `·`), plus
/// the living Limited_Use scripts (Cherokee, N'Ko, Tifinagh, ...). Refused:
/// technical, obsolete, uncommon-use and deprecated characters such as
/// `ɑ` (`ɑpple`), small capitals (`ᴛ`), clicks (`ǀ`, which reads as `l`)
/// and `ĸ`: rarely anyone's name, and the look-alikes the confusables data
/// lists least completely.
fn is_profile_char(c: char) -> bool {
    use unicode_security::general_security_profile::IdentifierType;
    matches!(
        c.identifier_type(),
        Some(IdentifierType::Recommended | IdentifierType::Inclusion | IdentifierType::Limited_Use)
    )
}

/// UTS #39 whole-script confusables (§4), with the skeleton itself as the
/// witness: the name is written in some script, its skeleton is made only
/// of characters UTS #39 allows in identifiers (so it is a name someone
/// could register), and the skeleton's script is another one (or none, as
/// for digits). Cyrillic `сосо` → `coco` is refused; Cyrillic `иван` →
/// `ᴎʙaʜ` is not, since small capitals are not allowed in identifiers and
/// `иван` reads as nothing else. Augmented script sets (UTS #39 §5.1) keep
/// Japanese kana and kanji one writing system.
fn is_whole_script_confusable(canonical: &str, skeleton: &str) -> bool {
    if canonical.is_ascii() {
        return false; // Latin (or no script), and so is its skeleton
    }
    let own = canonical.resolve_script_set();
    if own.is_all() {
        return false; // digits and punctuation only: no script to mistake
    }
    if !skeleton.chars().all(|c| c.is_ascii() || c.identifier_allowed()) {
        return false;
    }
    let looks_like = skeleton.resolve_script_set();
    if looks_like.is_empty() {
        return false; // the skeleton mixes scripts: it reads as no other name
    }
    if looks_like.is_all() {
        return true;
    }
    let mut shared = own;
    shared.intersect_with(looks_like);
    shared.is_empty()
}

/// The names refused by default: accounts users could mistake for staff or
/// for the system, and names that break URLs or code that handles them.
pub const DEFAULT_RESERVED: &[&str] = &[
    "abuse",
    "admin",
    "administrator",
    "anonymous",
    "api",
    "root",
    "security",
    "staff",
    "support",
    "superuser",
    "sysadmin",
    "system",
    "help",
    "helpdesk",
    "hostmaster",
    "info",
    "mail",
    "moderator",
    "noc",
    "noreply",
    "no-reply",
    "null",
    "owner",
    "postmaster",
    "undefined",
    "webmaster",
    "www",
];

/// Length bounds and reserved names for [`Username`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsernamePolicy {
    min_chars: usize,
    max_chars: usize,
    /// The skeletons of the reserved names, non-spacing marks removed.
    reserved: BTreeSet<String>,
}

impl Default for UsernamePolicy {
    /// 3..=32 characters, [`DEFAULT_RESERVED`].
    fn default() -> Self {
        Self::new(3, 32).with_reserved(DEFAULT_RESERVED.iter().copied())
    }
}

impl UsernamePolicy {
    /// A policy with these length bounds (in characters of the canonical
    /// form; clamped to 1..=256) and no reserved names.
    #[must_use]
    pub fn new(min_chars: usize, max_chars: usize) -> Self {
        let min_chars = min_chars.clamp(1, 256);
        Self { min_chars, max_chars: max_chars.clamp(min_chars, 256), reserved: BTreeSet::new() }
    }

    /// Adds reserved names. Each is canonicalised the same way as input
    /// and kept as its confusable skeleton, so `"Admin"` reserves `admin`,
    /// `ＡＤＭＩＮ`, `ADMIN`, `admın` and `adrnin`. Names that are not valid
    /// usernames cannot be entered anyway and are skipped.
    #[must_use]
    pub fn with_reserved<'a>(mut self, names: impl IntoIterator<Item = &'a str>) -> Self {
        for name in names {
            if let Ok(canonical) = UsernameCaseMapped::enforce(name) {
                self.reserved.insert(without_marks(&skeleton(&canonical)).into_owned());
            }
        }
        self
    }

    /// Parses and canonicalises a username under this policy.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] with the [`Reason`] the name was refused for.
    pub fn parse(&self, input: &str) -> Result<Username, Error> {
        self.check(input).map(Username).map_err(|r| Error::invalid(Kind::Username, r))
    }

    fn check(&self, input: &str) -> Result<String, Reason> {
        crate::precheck(input, MAX_INPUT)?;
        let canonical = UsernameCaseMapped::enforce(input).map_err(|e| match e {
            PrecisError::Invalid => Reason::Bidi,
            _ => Reason::InvalidChar,
        })?;
        // PRECIS enforcement is not always idempotent: `<` followed by
        // U+0338 passes the character checks, then NFC composes it into `≮`,
        // which does not. A canonical form must parse to itself, and be its
        // own NFKC form (IdentifierClass refuses compatibility characters;
        // checked here so the rules below hold for every normal form).
        if UsernameCaseMapped::enforce(canonical.as_ref()).ok().as_deref() != Some(canonical.as_ref())
            || !(canonical.is_ascii() || canonical.nfkc().eq(canonical.chars()))
        {
            return Err(Reason::InvalidChar);
        }
        if !canonical.chars().all(|c| c.is_ascii() || is_profile_char(c)) {
            return Err(Reason::InvalidChar);
        }
        if canonical.contains('@') {
            return Err(Reason::AtSign);
        }
        // ASCII is Latin and Common only: one script.
        if !canonical.is_ascii() && !canonical.as_ref().is_single_script() {
            return Err(Reason::MixedScript);
        }
        if crate::host::hides_a_mark(&canonical) {
            return Err(Reason::Confusable);
        }
        let chars = canonical.chars().count();
        if chars < self.min_chars {
            return Err(Reason::TooShort);
        }
        if chars > self.max_chars {
            return Err(Reason::TooLong);
        }
        let skeleton = skeleton(&canonical);
        if self.reserved.contains(without_marks(&skeleton).as_ref())
            || digit_folded_key(&canonical).is_some_and(|k| self.reserved.iter().any(|r| folded_key_matches(&k, r)))
        {
            return Err(Reason::ReservedName);
        }
        if is_whole_script_confusable(&canonical, &skeleton) {
            return Err(Reason::Confusable);
        }
        Ok(canonical.into_owned())
    }
}

#[cfg(test)]
mod tests;

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
        if self.reserved.contains(without_marks(&skeleton).as_ref()) {
            return Err(Reason::ReservedName);
        }
        if is_whole_script_confusable(&canonical, &skeleton) {
            return Err(Reason::Confusable);
        }
        Ok(canonical.into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_code() {
        assert_eq!(code("jane_doe-42"), "ok");
        assert_eq!(code(""), "empty");
        assert_eq!(code(&"a".repeat(2000)), "too_long");
        assert_eq!(code(&"a".repeat(33)), "too_long");
        assert_eq!(code("ab"), "too_short");
        assert_eq!(code("jane\ndoe"), "control_char");
        assert_eq!(code("jane\u{200d}doe"), "invisible");
        assert_eq!(code("jane\u{202e}doe"), "invisible");
        assert_eq!(code("jane doe"), "invalid_char");
        assert_eq!(code("jane☃"), "invalid_char");
        assert_eq!(code("ab<\u{338}c"), "invalid_char"); // NFC makes it `≮`: not idempotent (found by fuzzing)
        assert_eq!(code("\u{5d0}abc"), "bidi"); // Hebrew letter then Latin: fails the bidi rule
        assert_eq!(code("аdmin"), "mixed_script"); // Cyrillic а
        assert_eq!(code("ROOT"), "reserved_name");
        assert_eq!(code("ｒｏｏｔ"), "reserved_name");
        assert_eq!(code("jane@doe"), "at_sign");
        assert_eq!(code("jane＠doe"), "at_sign"); // full-width @, width-mapped to @
        assert_eq!(code("\u{441}\u{43e}\u{441}\u{43e}"), "confusable"); // Cyrillic сосо
        assert_eq!(code("ADM\u{130}N"), "confusable"); // İ folds to i + U+0307, displayed as admin
        assert_eq!(code("adm\u{131}\u{307}n"), "confusable"); // dotless ı + dot above
        assert_eq!(code("admi\u{307}n"), "confusable");
        assert_eq!(code("admi\u{307}\u{307}n"), "confusable");
    }

    /// Issue 10 item 2, the minimal input: `admın` (U+0131 dotless i) is
    /// the reserved `admin`.
    #[test]
    fn dotless_i_admin_is_reserved() {
        assert_eq!(code("adm\u{131}n"), "reserved_name");
    }

    /// Reserved names are compared by skeleton: every look-alike of a
    /// reserved name is refused, with `reserved_name` when it passes the
    /// script rules and `mixed_script` when it mixes scripts.
    #[test]
    fn look_alikes_of_reserved_names_are_refused() {
        for (input, want) in [
            ("admin", "reserved_name"),
            ("ADMIN", "reserved_name"),
            ("ａｄｍｉｎ", "reserved_name"),      // full-width
            ("adm\u{131}n", "reserved_name"),     // dotless ı
            ("adrnin", "reserved_name"),          // rn for m
            ("\u{430}dmin", "mixed_script"),      // Cyrillic а
            ("adm\u{456}n", "mixed_script"),      // Cyrillic і
            ("r\u{3bf}\u{3bf}t", "mixed_script"), // Greek ο
            ("rnail", "reserved_name"),           // mail
            ("nu11", "reserved_name"),            // null, digit one for l
            ("\u{e1}dmin", "reserved_name"),      // á: marks are dropped for the reserved comparison
            ("a\u{301}dmin", "reserved_name"),    // the same in NFD
            ("r\u{f5}\u{f4}t", "reserved_name"),  // õô
            ("\u{1d5ee}dmin", "invalid_char"),    // mathematical sans-serif a: a compatibility character
            ("suppor\u{1d1b}", "invalid_char"),   // Latin small capital T: outside the UTS #39 profile
            ("\u{251}dmin", "invalid_char"),      // Latin alpha: outside the UTS #39 profile
        ] {
            assert_eq!(code(input), want, "{input:?}");
        }
    }

    /// A table of look-alike pairs the policy lets through on their own
    /// (no reserved names): each pair has one skeleton, so a unique index
    /// on the skeleton refuses the second sign-up.
    #[test]
    fn look_alikes_share_a_skeleton() {
        let open = UsernamePolicy::new(1, 64);
        let skel = |s: &str| open.parse(s).map(|u| u.skeleton()).map_err(|e| e.code());
        for (a, b) in [
            ("admin", "adm\u{131}n"),
            ("admin", "ADMIN"),
            ("admin", "ａｄｍｉｎ"),
            ("admin", "adrnin"),
            ("paypal", "paypa1"),
            ("paypal", "PAYPAL"),
            ("modern", "modem"),
            ("bob1", "bobl"),
            ("l1l", "lll"),
            ("ma1l", "mall"),
            ("\u{434}\u{438}\u{43c}\u{430}", "\u{414}\u{418}\u{41c}\u{410}"), // Cyrillic, case-folded
            ("jose\u{301}", "jos\u{e9}"),                                     // NFD and NFC
            ("\u{3b1}\u{3bb}\u{3b5}\u{3be}", "\u{391}\u{39b}\u{395}\u{39e}"), // Greek, case-folded
            ("straße", "STRAßE"),
            ("\u{3ac}\u{3bd}\u{3bd}\u{3b7}", "\u{3b1}\u{301}\u{3bd}\u{3bd}\u{3b7}"), // Greek, NFC and NFD
        ] {
            let (sa, sb) = (skel(a), skel(b));
            assert!(sa.is_ok(), "{a:?}: {sa:?}");
            assert_eq!(sa, sb, "{a:?} / {b:?}");
        }
        // And names that do not look alike keep apart.
        for (a, b) in
            [("admin", "admins"), ("paypal", "paypai"), ("anna", "arma"), ("tom", "torn1"), ("google", "g00gle")]
        {
            assert_ne!(skel(a), skel(b), "{a:?} / {b:?}");
        }
    }

    #[test]
    fn whole_script_confusables() {
        for (input, want) in [
            ("\u{441}\u{43e}\u{441}\u{43e}", "confusable"), // Cyrillic сосо: coco
            ("\u{455}\u{441}\u{43e}\u{440}\u{435}", "confusable"), // Cyrillic ѕсоре: scope
            ("\u{430}\u{441}\u{435}", "confusable"),        // Cyrillic асе: ace
            ("\u{440}\u{430}\u{443}\u{440}\u{430}1", "confusable"), // Cyrillic раура + digit: paypal
            ("\u{3bf}\u{3c1}\u{3b1}", "confusable"),        // Greek ορα: opa
            ("\u{5d5}\u{5d5}\u{5d5}", "confusable"),        // Hebrew vav vav vav: lll
            ("\u{a4ee}\u{a4ee}\u{a4ee}", "confusable"),     // Lisu: AAA
            ("\u{7ca}\u{7cb}\u{7cc}", "confusable"),        // N'Ko: loY
            // Names in one script that do not read as another are fine.
            ("\u{438}\u{432}\u{430}\u{43d}", "ok"),                      // иван
            ("\u{434}\u{43c}\u{438}\u{442}\u{440}\u{438}\u{439}", "ok"), // дмитрий
            ("\u{441}\u{435}\u{440}\u{433}\u{435}\u{439}", "ok"),        // сергей
            ("\u{3b5}\u{3bb}\u{3ad}\u{3bd}\u{3b7}", "ok"),               // ελένη
            ("\u{5d3}\u{5d5}\u{5d3}", "ok"),                             // דוד
            ("\u{627}\u{644}\u{639}\u{644}\u{64a}", "ok"),               // Arabic
            ("\u{30ab}\u{30ed}\u{30ad}", "ok"), // katakana that looks like kanji: one writing system
            ("\u{5c71}\u{7530}\u{592a}\u{90ce}", "ok"), // 山田太郎
            ("\u{ae40}\u{bbfc}\u{c218}", "ok"), // 김민수
            ("12345", "ok"),                    // digits only: no script to mistake
        ] {
            assert_eq!(code(input), want, "{input:?}");
        }
    }

    #[test]
    fn characters_outside_the_uts39_profile_are_refused() {
        for input in ["\u{251}pple", "l\u{1c0}l", "\u{138}ing", "to\u{1d1b}o"] {
            assert_eq!(code(input), "invalid_char", "{input:?}");
        }
        // Living scripts of limited use stay available.
        assert_eq!(code("\u{7d2}\u{7de}\u{7cf}"), "ok"); // N'Ko
        assert_eq!(code("\u{2d30}\u{2d4e}\u{2d30}\u{2d63}\u{2d49}\u{2d56}"), "ok"); // Tifinagh
    }

    #[test]
    fn ascii_skeleton_agrees_with_unicode_security() {
        for b in 0u8..128 {
            let c = char::from(b).to_string();
            let want: String = unicode_security::skeleton(&c).collect();
            assert_eq!(ascii_skeleton(&c), want, "{b:#x}");
            // No combining mark, so concatenated prototypes are already NFD.
            assert!(want.chars().all(|p| unicode_normalization::char::canonical_combining_class(p) == 0), "{b:#x}");
        }
        for s in ["admin", "modern", "paypa1", "a|b`c", "ma1l.0rg", "x_the_great_2026"] {
            assert_eq!(ascii_skeleton(s), unicode_security::skeleton(s).collect::<String>(), "{s}");
        }
    }

    /// The skeleton data's Unicode version is the one the constant names,
    /// and the NFD the skeleton uses comes from the same version: a
    /// dependency update that changes either fails here, so the constant
    /// (which services store beside skeletons) cannot drift silently.
    #[test]
    fn skeleton_unicode_version_is_the_datas() {
        let (a, b, c) = unicode_security::UNICODE_VERSION;
        assert_eq!(SKELETON_UNICODE_VERSION, format!("{a}.{b}.{c}"));
        let (a, b, c) = unicode_normalization::UNICODE_VERSION;
        assert_eq!(SKELETON_UNICODE_VERSION, format!("{a}.{b}.{c}"));
    }

    /// Issue 10 item 8 for usernames: characters NFC or NFKC turns into
    /// ASCII never reach the canonical form, and the rules hold for it.
    #[test]
    fn normalising_characters_are_refused_or_mapped() {
        for input in [
            "ab\u{37e}c",  // Greek question mark, NFC `;`
            "ab\u{212a}c", // Kelvin sign, NFC `K`
            "ab\u{387}c",  // Greek ano teleia, NFC U+00B7
            "ab\u{2126}",  // ohm sign, NFC Ω
            "ab\u{1fef}c", // Greek varia, NFC `
            "ab\u{fe6b}c", // small commercial at, NFKC @
            "\u{fb01}le",  // ﬁ ligature, NFKC fi
        ] {
            assert_eq!(code(input), "invalid_char", "{input:?}");
        }
    }

    #[test]
    fn canonical_forms() {
        let canon = |s: &str| Username::parse(s).map(|u| u.as_str().to_owned()).unwrap_or_default();
        for (typed, want) in [
            ("JaneDoe", "janedoe"),
            ("ＪａｎｅＤｏｅ", "janedoe"),
            ("Straße", "straße"),
            ("Ελένη", "ελένη"),
            ("山田太郎", "山田太郎"),
            ("さくら123", "さくら123"),
        ] {
            assert_eq!(canon(typed), want, "{typed:?}");
        }
    }

    #[test]
    fn policy_is_configurable() {
        let p = UsernamePolicy::new(1, 8).with_reserved(["Ops"]);
        assert!(p.parse("x").is_ok());
        assert_eq!(p.parse("OPS").map_err(|e| e.code()).err(), Some("reserved_name"));
        assert!(p.parse("admin").is_ok());
        assert_eq!(p.parse("abcdefghi").map_err(|e| e.code()).err(), Some("too_long"));
    }

    /// The reason code [`Username::parse`] gives `s`, or `"ok"`.
    fn code(s: &str) -> &'static str {
        Username::parse(s).map_or_else(|e| e.code(), |_| "ok")
    }
}

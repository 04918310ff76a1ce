//! Unit tests of [`Username`](super::Username) and its policy.

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

/// Issue 15: digit-for-letter look-alikes of reserved names (`adm1n`,
/// `r00t`, `supp0rt`, `4dmin`) registered, since UTS #39 reads `0` as `O`
/// and `1` as `l` only. Against the reserved names the common
/// substitutions are undone; `1` stands for `i` or `l`.
#[test]
fn digit_substitutes_of_reserved_names_are_refused() {
    for input in [
        "adm1n",      // 1 for i
        "r00t",       // 0 for o
        "supp0rt",    // 0 for o
        "4dmin",      // 4 for a
        "4dm1n",      // two substitutions
        "ADM1N",      // case-folded first
        "ａｄｍ１ｎ", // full-width, width-mapped first
        "he1p",       // 1 for l
        "1nfo",       // 1 for i at the start
        "ma1l",       // 1 for i (its plain skeleton `rnall` is not `rnail`)
        "ap1",        // 1 for i
        "5y5tem",     // 5 for s
        "r007",       // 7 for t
        "a8use",      // 8 for b
        "a8u53",      // 3 for e
        "st4ff",
        "m0der4t0r",
        "0wner",
        "n0c",
        "adrn1n",     // rn for m and 1 for i
        "\u{e1}dm1n", // á: marks dropped as for the plain comparison
        "n0-reply",
    ] {
        assert_eq!(code(input), "reserved_name", "{input:?}");
    }
}

/// The digit folding reaches the reserved names only: names with other
/// digits, or whose folded form is no reserved name, parse as before, and
/// the skeleton (the unique key) does not fold digits.
#[test]
fn ordinary_names_with_digits_still_parse() {
    for input in [
        "alice2",
        "r2d2",
        "b0b",
        "jane_doe-42",
        "x_the_great_2026",
        "12345",
        "admin2",      // 2 is not a letter substitute
        "root1",       // one character longer than root
        "adm1ns",      // and admins is not reserved
        "r1ot",        // 1 stands for i or l, not o
        "p0stmaster1", // postmaster plus one
        "1337",
    ] {
        assert_eq!(code(input), "ok", "{input:?}");
    }
    let open = UsernamePolicy::new(1, 64);
    let skel = |s: &str| open.parse(s).map(|u| u.skeleton()).map_err(|e| e.code());
    assert_ne!(skel("r00t"), skel("root"));
    assert_ne!(skel("4dmin"), skel("admin"));
    // The stand-in for `1` is no skeleton's and no username's character.
    assert_eq!(skeleton(&FOLD_WILDCARD.to_string()), FOLD_WILDCARD.to_string());
    assert_eq!(code(&format!("ab{FOLD_WILDCARD}")), "invalid_char");
}

/// A policy's own reserved names are folded against the same way.
#[test]
fn custom_reserved_names_fold_digits_too() {
    let p = UsernamePolicy::new(1, 16).with_reserved(["Ops", "billing"]);
    for (input, want) in
        [("0ps", "reserved_name"), ("b1ll1ng", "reserved_name"), ("bi11ing", "reserved_name"), ("b1lling2", "ok")]
    {
        assert_eq!(p.parse(input).map_or_else(|e| e.code(), |_| "ok"), want, "{input:?}");
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
    for (a, b) in [("admin", "admins"), ("paypal", "paypai"), ("anna", "arma"), ("tom", "torn1"), ("google", "g00gle")]
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

//! Issue 10 item 2, second round: identity values (usernames, the UTF-8
//! local part of an e-mail address, host labels) never accept a mark a
//! reader cannot see (UTS #39 §5.4), and usernames never accept an
//! accented variant of a reserved name. Also the EAI local part's
//! one-script rule.
#![allow(clippy::indexing_slicing, clippy::unwrap_used)] // test code

mod common;

use common::code_of;
use guardrail_validate::{DEFAULT_RESERVED, Email, HostName, Username};
use proptest::prelude::*;

fn user(s: &str) -> &'static str {
    code_of(Username::parse(s))
}

fn eai(local: &str) -> &'static str {
    code_of(Email::parse_eai(&format!("{local}@example.com")))
}

fn host(label: &str) -> &'static str {
    code_of(HostName::parse(&format!("{label}.example")))
}

/// The minimal inputs of the review, and their kin, for all three types.
#[test]
fn hidden_mark_table() {
    for (input, username, local, label) in [
        // İ: usernames case-fold it to i + U+0307; a local part keeps its
        // case, and a capital İ shows its dot.
        ("ADM\u{130}N", "confusable", "ok", "-"),
        ("adm\u{131}\u{307}n", "confusable", "confusable", "confusable"), // dotless ı + dot above
        ("admi\u{307}n", "confusable", "confusable", "confusable"),       // i + dot above
        ("admi\u{307}\u{307}n", "confusable", "confusable", "confusable"), // twice
        ("jo\u{6a}\u{307}o", "confusable", "confusable", "confusable"),   // j + dot above
        // Cyrillic і + dot above: U+0307's script extensions leave out
        // Cyrillic, so the script rules refuse it first.
        ("\u{456}\u{307}\u{432}\u{430}\u{43d}", "mixed_script", "mixed_script", "mixed_script"),
        ("cafe\u{301}\u{301}", "confusable", "confusable", "confusable"), // the same accent twice
        ("cafe\u{300}\u{301}\u{302}\u{303}\u{304}", "confusable", "confusable", "confusable"), // five marks on one letter
        // Not hidden: one visible accent, different marks, i with another mark.
        ("caf\u{e9}", "ok", "ok", "ok"),
        ("nguy\u{1ec5}n", "ok", "ok", "ok"),    // ễ: circumflex and tilde
        ("na\u{ef}ve", "ok", "ok", "ok"),       // ï
        ("\u{131}s\u{131}k", "ok", "ok", "ok"), // Turkish ışık, dotless ı alone
    ] {
        assert_eq!(user(input), username, "username {input:?}");
        // E-mail local parts keep their case; the İ row is case-mapped only by usernames.
        let local_in = if input == "ADM\u{130}N" { "adm\u{130}n" } else { input };
        assert_eq!(eai(local_in), local, "local part {local_in:?}");
        if label != "-" {
            assert_eq!(host(input), label, "label {input:?}");
        }
    }
}

/// Accented variants of reserved names are reserved: the comparison drops
/// non-spacing marks from the skeleton.
#[test]
fn accented_reserved_names_are_reserved() {
    for input in ["\u{e1}dmin", "r\u{f6}\u{f6}t", "ro\u{30c}ot", "supp\u{f4}rt", "no\u{e7}", "ma\u{ef}l"] {
        assert_eq!(user(input), "reserved_name", "{input:?}");
    }
    // The skeleton itself keeps the marks: `jose` and `josé` are two names.
    let a = Username::parse("jose").unwrap();
    let b = Username::parse("jos\u{e9}").unwrap();
    assert_ne!(a.skeleton(), b.skeleton());
}

/// The EAI local part is a login identity: one script, like a host label.
#[test]
fn eai_local_part_is_one_script() {
    assert_eq!(eai("jan\u{435}"), "mixed_script"); // Cyrillic е
    assert_eq!(eai("p\u{430}ypal.news"), "mixed_script");
    assert_eq!(eai("\u{3b1}bc"), "mixed_script"); // Greek with Latin
    assert_eq!(eai("\u{44e}\u{437}\u{435}\u{440}+news"), "mixed_script"); // Cyrillic, then Latin after `+`
    // One script, with ASCII punctuation, digits or symbols, passes; and
    // the Highly Restrictive combinations (Latin with Han and Kana).
    for ok in [
        "\u{44e}\u{437}\u{435}\u{440}+2026",
        "\u{3b4}\u{3bf}\u{3ba}\u{3b9}\u{3bc}\u{3ae}.2026",
        "\u{5c71}\u{7530}taro",
        "\u{3084}\u{307e}\u{3060}.\u{5c71}\u{7530}",
        "jos\u{e9}",
        "\u{2603}",
    ] {
        assert_eq!(eai(ok), "ok", "{ok:?}");
    }
    // The ASCII-only parser is unchanged.
    assert!(Email::parse("jane+x@example.com").is_ok());
}

/// A soft-dotted or dotless i or j followed by U+0307.
fn dotted() -> impl Strategy<Value = String> {
    ("[a-z]{1,6}", prop::sample::select(vec!['i', 'j', '\u{131}']), "[\u{323}\u{328}]?", "[a-z]{1,6}")
        .prop_map(|(a, base, below, b)| format!("{a}{base}{below}\u{307}{b}"))
}

/// A letter with the same non-spacing mark twice.
fn doubled() -> impl Strategy<Value = String> {
    (
        "[a-z]{1,6}",
        "[aeou]",
        prop::sample::select(vec!['\u{300}', '\u{301}', '\u{302}', '\u{303}', '\u{308}', '\u{323}']),
        "[a-z]{1,6}",
    )
        .prop_map(|(a, base, mark, b)| format!("{a}{base}{mark}{mark}{b}"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Every hidden-mark sequence is refused as `confusable` by all three
    /// identity types.
    #[test]
    fn hidden_marks_are_confusable_everywhere(s in prop_oneof![dotted(), doubled()]) {
        prop_assert_eq!(user(&s), "confusable", "{:?}", s);
        prop_assert_eq!(eai(&s), "confusable", "{:?}", s);
        prop_assert_eq!(host(&s), "confusable", "{:?}", s);
    }

    /// No reserved name, with any Latin combining marks after any of its
    /// letters, is accepted as a username.
    #[test]
    fn reserved_names_with_marks_are_never_accepted(
        name in prop::sample::select(DEFAULT_RESERVED.to_vec()),
        marks in prop::collection::vec((any::<prop::sample::Index>(), 0x300u32..0x370), 1..3),
    ) {
        let mut chars: Vec<char> = name.chars().collect();
        for (at, mark) in marks {
            let at = at.index(chars.len()) + 1;
            chars.insert(at, char::from_u32(mark).unwrap());
        }
        let input: String = chars.into_iter().collect();
        prop_assert_ne!(user(&input), "ok", "{:?}", input);
        prop_assert_ne!(user(&input.to_uppercase()), "ok", "{:?}", input);
    }

    /// Latin names with one accent per letter are not refused by these rules.
    #[test]
    fn one_visible_accent_is_fine(a in "[b-hk-z]{2,5}", base in "[aeou]", mark in prop::sample::select(vec!['\u{300}', '\u{301}', '\u{302}', '\u{308}']), b in "[b-hk-z]{1,4}") {
        let s = format!("{a}{base}{mark}{b}x");
        prop_assert_eq!(eai(&s), "ok", "{:?}", s);
        prop_assert_eq!(host(&s), "ok", "{:?}", s);
        let u = user(&s);
        prop_assert!(u == "ok" || u == "reserved_name", "{:?}: {}", s, u);
    }
}

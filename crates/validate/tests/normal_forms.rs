//! Issue 10 item 8, as properties: every rule and limit of `Username`,
//! `RelativePath` and the e-mail local part holds for the form the parser
//! hands back *and* for every form the input normalises to (NFC, NFKC),
//! so no normalising layer downstream can turn an accepted value into a
//! refused one. Inputs are drawn from characters that NFC or NFKC turn
//! into ASCII or into look-alikes (U+037E → `;`, U+212A → `K`, U+0387 →
//! U+00B7, U+2126 → Ω, U+1FEF → `` ` ``, full-width and small forms, ...).
#![allow(clippy::unwrap_used)] // test code

use guardrail_validate::{Email, RelativePath, Username};
use proptest::prelude::*;
use unicode_normalization::{UnicodeNormalization, is_nfc};

fn nfc(s: &str) -> String {
    s.nfc().collect()
}

fn nfkc(s: &str) -> String {
    s.nfkc().collect()
}

/// Strings built from pieces that normalise to something else, among
/// plain ASCII pieces each parser cares about.
fn normalising() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        // NFC (canonical singletons) to ASCII or elsewhere
        "\u{37e}", "\u{212a}", "\u{387}", "\u{2126}", "\u{1fef}", "\u{212b}", "\u{2000}", "\u{340}", "\u{343}",
        "\u{374}", "\u{1ffd}", // compositions and decompositions
        "\u{301}", "\u{338}", "\u{226e}", "\u{2260}", "e\u{301}", "\u{e9}", // NFKC to ASCII
        "\u{ff0e}", "\u{ff0f}", "\u{2024}", "\u{2025}", "\u{fe52}", "\u{ff1a}", "\u{fe55}", "\u{fe6b}", "\u{ff20}",
        "\u{ff5e}", "\u{fe63}", "\u{ff04}", "\u{3000}", "\u{bd}", "\u{b2}", "\u{fb01}", "\u{2474}", "\u{ff02}",
        "\u{fe59}", "\u{fe6a}", "\u{ff21}", "\u{ff41}", "\u{3300}", "\u{1c5}", "\u{a0}", // look-alike letters
        "\u{131}", "\u{430}", "\u{441}", "\u{43e}", "\u{3bf}", "\u{1c0}", "\u{df}", "\u{1e9e}", // ASCII
        "a", "A", "k", "K", "e", "o", "l", "1", "0", ".", "..", "/", ";", "@", "%2e", "-", "_", "~", " ", "<", "=",
        "admin", "x.txt", "CON",
    ]);
    prop::collection::vec(pieces, 1..10).prop_map(|v| v.concat())
}

/// Name-like strings: letters and their width, case and look-alike
/// variants, so more of them are accepted usernames.
fn name_like() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(guardrail_testkit::pieces::NAME_LIKE.to_vec());
    prop::collection::vec(pieces, 1..8).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, .. ProptestConfig::default() })]

    #[test]
    fn username_rules_hold_for_every_normal_form(s in prop_oneof![normalising(), name_like(), "[a-zA-Z0-9._|`'~!-]{3,20}"]) {
        if let Ok(u) = Username::parse(&s) {
            let canonical = u.as_str();
            prop_assert_eq!(Username::parse(canonical).ok(), Some(u.clone()));
            prop_assert_eq!(nfc(canonical), canonical);
            prop_assert_eq!(nfkc(canonical), canonical);
            prop_assert!(!canonical.contains('@'));
            // The input's normal forms are the same name.
            for form in [nfc(&s), nfkc(&s)] {
                prop_assert_eq!(Username::parse(&form).ok(), Some(u.clone()), "{:?}", form);
            }
            prop_assert_eq!(Username::parse(canonical).unwrap().skeleton(), u.skeleton());
            // The ASCII fast path of the skeleton agrees with UTS #39's.
            prop_assert_eq!(u.skeleton().into_string(), unicode_security::skeleton(canonical).collect::<String>());
        }
    }

    #[test]
    fn path_rules_hold_for_every_normal_form(s in normalising()) {
        if let Ok(p) = RelativePath::parse(&s) {
            let canonical = p.as_str();
            prop_assert_eq!(RelativePath::parse(canonical).ok(), Some(p.clone()));
            // What is accepted is already NFC, and so is what is handed back.
            prop_assert!(is_nfc(&s), "{:?}", s);
            prop_assert!(is_nfc(canonical));
            // Its NFKC forms pass the same rules.
            prop_assert!(RelativePath::parse(&nfkc(&s)).is_ok(), "{:?}", nfkc(&s));
            prop_assert!(RelativePath::parse(&nfkc(canonical)).is_ok(), "{:?}", nfkc(canonical));
            // No Windows-reserved character hides in a decomposition.
            prop_assert!(!canonical.nfd().any(|c| "<>:\"|?*\\".contains(c)));
            // And none of its NFKC segments climbs (`..`, `...`, `..;x`).
            for segment in nfkc(canonical).split('/') {
                let head = segment.split(';').next().unwrap();
                let climbs = !head.is_empty() && head.bytes().all(|b| b == b'.');
                prop_assert!(!segment.is_empty() && !climbs, "{:?}", segment);
            }
        }
    }

    #[test]
    fn email_local_part_rules_hold_for_every_normal_form(local in normalising()) {
        let address = format!("{local}@example.com");
        for eai in [false, true] {
            let parse = |s: &str| if eai { Email::parse_eai(s) } else { Email::parse(s) };
            if let Ok(e) = parse(&address) {
                prop_assert_eq!(parse(e.as_str()).ok(), Some(e.clone()));
                prop_assert_eq!(nfc(e.local_part()), e.local_part());
                prop_assert!(e.local_part().len() <= Email::MAX_LOCAL_LEN);
                prop_assert_eq!(parse(&nfc(&address)).ok(), Some(e.clone()));
                prop_assert!(parse(&nfkc(&address)).is_ok(), "{:?}", nfkc(&address));
                prop_assert!(parse(&nfkc(e.as_str())).is_ok(), "{:?}", nfkc(e.as_str()));
                prop_assert!(nfkc(e.local_part()).len() <= Email::MAX_LOCAL_LEN);
            }
        }
    }
}

/// The minimal inputs, through the public API.
#[test]
fn minimal_inputs() {
    assert_eq!(RelativePath::parse("..\u{37e}").unwrap_err().code(), "traversal");
    assert_eq!(RelativePath::parse("..;").unwrap_err().code(), "traversal");
    assert_eq!(Email::parse_eai("a\u{37e}b@example.com").unwrap_err().code(), "local_part");
    assert_eq!(Email::parse_eai("a;b@example.com").unwrap_err().code(), "local_part");
    assert_eq!(Username::parse("adm\u{131}n").unwrap_err().code(), "reserved_name");
}

//! Property tests: parsers never panic, canonical forms are fixed points,
//! and no relative path leaves its base.
#![allow(clippy::indexing_slicing, clippy::unwrap_used)] // test code

use std::path::{Component, Path};

use guardrail_validate::{Email, FetchUrl, RelativePath, Username};
use proptest::prelude::*;
use unicode_normalization::UnicodeNormalization;

/// Strings biased towards the characters each parser cares about.
fn tricky() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(guardrail_testkit::pieces::PARSER_INPUT.to_vec());
    prop::collection::vec(pieces, 0..12).prop_map(|v| v.concat())
}

fn any_input() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), tricky()]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]

    #[test]
    fn email_canonical_form_is_a_fixed_point(s in any_input()) {
        if let Ok(e) = Email::parse(&s) {
            prop_assert_eq!(Email::parse(e.as_str()).unwrap(), e.clone());
            prop_assert!(e.as_str().len() <= Email::MAX_LEN);
            prop_assert!(!e.as_str().chars().any(char::is_control));
        }
        if let Ok(e) = Email::parse_eai(&s) {
            prop_assert_eq!(Email::parse_eai(e.as_str()).unwrap(), e);
        }
    }

    /// `uniqueness_key` folds the local part's case and nothing else: every
    /// case spelling of an address has one key, which is the address with
    /// its ASCII letters lower-cased, byte for byte (dots, `+tags` and
    /// every other character kept); addresses that differ otherwise keep
    /// different keys.
    #[test]
    fn uniqueness_key_folds_case_only(
        local in "[a-zA-Z0-9_+-]{1,12}(\\.[a-zA-Z0-9_+-]{1,6}){0,2}",
        domain in "[a-zA-Z][a-zA-Z0-9]{0,8}(\\.[a-zA-Z]{2,6}){1,2}",
        flips in prop::collection::vec(any::<bool>(), 40),
    ) {
        let addr = format!("{local}@{domain}");
        let respelled: String = addr
            .chars()
            .zip(flips.iter().cycle())
            .map(|(c, &flip)| if flip { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
            .collect();
        let key = Email::parse(&addr).unwrap().uniqueness_key();
        prop_assert_eq!(&key, &addr.to_ascii_lowercase());
        prop_assert_eq!(Email::parse(&respelled).unwrap().uniqueness_key(), key.clone());
        // Not folded: a dot or a +tag more is another key.
        let dotted = format!("{}.x@{domain}", &local);
        prop_assert_ne!(Email::parse(&dotted).unwrap().uniqueness_key(), key.clone());
        let tagged = format!("{}+x@{domain}", &local);
        prop_assert_ne!(Email::parse(&tagged).unwrap().uniqueness_key(), key);
    }

    /// For any address, EAI ones too: the key is the local part's
    /// lower-case NFC form, `@`, the domain; folding it again changes nothing.
    #[test]
    fn uniqueness_key_is_the_lowercase_local_part(s in any_input()) {
        if let Ok(e) = Email::parse_eai(&s) {
            let key = e.uniqueness_key();
            let (local, domain) = key.rsplit_once('@').unwrap();
            prop_assert_eq!(domain, e.domain());
            let lower: String = e.local_part().chars().flat_map(char::to_lowercase).nfc().collect();
            prop_assert_eq!(local, lower.as_str());
            if let Ok(again) = Email::parse_eai(&key) {
                prop_assert_eq!(again.uniqueness_key(), key);
            }
        }
    }

    #[test]
    fn generated_addresses_parse(local in "[a-zA-Z0-9_+-]{1,20}(\\.[a-zA-Z0-9_+-]{1,10}){0,2}", domain in "[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,4})?(\\.[a-z]{2,6}){1,2}") {
        let addr = format!("{local}@{domain}");
        let e = Email::parse(&addr).unwrap();
        prop_assert_eq!(e.as_str(), addr.as_str());
    }

    /// The ASCII fast path decides exactly as the IDNA path would.
    #[test]
    fn ascii_domain_fast_path_agrees_with_idna(domain in "[a-zA-Z0-9.-]{1,70}", long in "[a-z]{60,64}") {
        for d in [domain.clone(), format!("{long}.{domain}"), format!("{long}.{long}.{long}.{long}.com")] {
            if d.ends_with('.') {
                continue; // refused before either path
            }
            let fast = guardrail_validate::fuzzing::domain_for_tests(&d);
            let full = guardrail_validate::fuzzing::idna_domain_for_tests(&d);
            prop_assert_eq!(fast, full, "{}", d);
        }
    }

    #[test]
    fn username_canonical_form_is_a_fixed_point(s in any_input()) {
        if let Ok(u) = Username::parse(&s) {
            prop_assert_eq!(Username::parse(u.as_str()).unwrap(), u);
        }
    }

    #[test]
    fn url_canonical_form_is_a_fixed_point(s in any_input(), host in "[a-z]{1,10}\\.(com|org|net)", path in "[a-z0-9/._~-]{0,20}") {
        for input in [s, format!("https://{host}/{path}")] {
            if let Ok(u) = FetchUrl::parse(&input) {
                prop_assert_eq!(FetchUrl::parse(u.as_str()).unwrap(), u);
            }
        }
    }

    #[test]
    fn path_canonical_form_is_a_fixed_point_and_stays_under_its_base(s in any_input()) {
        if let Ok(p) = RelativePath::parse(&s) {
            prop_assert_eq!(RelativePath::parse(p.as_str()).unwrap(), p.clone());
            let base = Path::new("/srv/base");
            let joined = p.join_to(base);
            prop_assert!(joined.starts_with(base), "{}", joined.display());
            prop_assert!(joined.components().all(|c| matches!(c, Component::RootDir | Component::Normal(_))), "{}", joined.display());
            prop_assert!(p.segments().all(|seg| !seg.is_empty() && seg != "." && seg != ".."));
        }
    }

    #[test]
    fn raw_bytes_never_panic(b in prop::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(p) = RelativePath::from_bytes(&b) {
            prop_assert!(!p.as_str().is_empty());
        }
    }
}

#[test]
fn huge_inputs_are_refused_before_work() {
    let huge = "a".repeat(1 << 20);
    assert_eq!(Email::parse(&huge).unwrap_err().code(), "too_long");
    assert_eq!(Username::parse(&huge).unwrap_err().code(), "too_long");
    assert_eq!(FetchUrl::parse(&huge).unwrap_err().code(), "too_long");
    assert_eq!(RelativePath::parse(&huge).unwrap_err().code(), "too_long");
    assert_eq!(RelativePath::from_bytes(huge.as_bytes()).unwrap_err().code(), "too_long");
}

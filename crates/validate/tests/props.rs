//! Property tests: parsers never panic, canonical forms are fixed points,
//! and no relative path leaves its base.
#![allow(clippy::indexing_slicing, clippy::unwrap_used)] // test code

use std::path::{Component, Path};

use guardrail_validate::{Email, FetchUrl, RelativePath, Username};
use proptest::prelude::*;

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

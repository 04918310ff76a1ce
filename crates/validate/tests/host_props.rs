//! Property tests for host names: whatever `HostName`, an `Email` domain or
//! a `FetchUrl` host accepts, its canonical form parses again to itself,
//! obeys the DNS limits, and all three types agree on it.
#![allow(clippy::indexing_slicing, clippy::unwrap_used)] // test code

use guardrail_validate::{Email, FetchUrl, HostName};
use proptest::prelude::*;

/// Label pieces biased towards what the host rules care about: contextual
/// code points and their neighbours, joiners, scripts, dots and lengths.
fn label_piece() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "a", "l", "x", "7", "-", "--", "xn--", "\u{b7}",   // MIDDLE DOT
        "\u{375}",  // KERAIA
        "\u{3b1}",  // alpha
        "\u{5d0}",  // alef
        "\u{5f3}",  // GERESH
        "\u{5f4}",  // GERSHAYIM
        "\u{30fb}", // KATAKANA MIDDLE DOT
        "\u{3041}", // hiragana
        "\u{4e08}", // han
        "\u{628}",  // beh (dual-joining)
        "\u{627}",  // alef (right-joining)
        "\u{64e}",  // fatha (transparent)
        "\u{660}",  // Arabic-Indic zero
        "\u{6f0}",  // Extended Arabic-Indic zero
        "\u{915}",  // ka
        "\u{94d}",  // virama
        "\u{200c}", // ZWNJ
        "\u{200d}", // ZWJ
        "\u{1a1}",  // o with horn: a long A-label
        "\u{fc}", "\u{df}", "\u{3c2}", "\u{430}", // Cyrillic a
        "\u{300}", // combining grave
        "\u{3002}", "\u{ff41}", "_", "A",
    ])
}

fn name() -> impl Strategy<Value = String> {
    let label = prop::collection::vec(label_piece(), 1..8).prop_map(|v| v.concat());
    (prop::collection::vec(label, 1..5), prop::sample::select(vec!["", ".", ".."]))
        .prop_map(|(labels, root)| format!("{}{root}", labels.join(".")))
}

fn long_name() -> impl Strategy<Value = String> {
    (1usize..80, prop::sample::select(vec!["a", "\u{1a1}a", "\u{fc}\u{fc}"]))
        .prop_map(|(n, label)| vec![label; n].join("."))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, .. ProptestConfig::default() })]

    #[test]
    fn host_name_canonical_form_is_a_fixed_point(s in prop_oneof![name(), long_name(), any::<String>()]) {
        if let Ok(h) = HostName::parse(&s) {
            prop_assert!(h.as_str().is_ascii());
            prop_assert!(h.as_str().len() <= HostName::MAX_LEN);
            prop_assert!(h.as_str().split('.').all(|l| !l.is_empty() && l.len() <= HostName::MAX_LABEL_LEN));
            prop_assert_eq!(HostName::parse(h.as_str()).unwrap(), h.clone());
            // Through the display form too.
            prop_assert_eq!(HostName::parse(&h.to_unicode()).unwrap(), h);
        }
    }

    /// An e-mail domain is exactly the host name the validator gives.
    #[test]
    fn email_domain_is_the_host_name(s in prop_oneof![name(), long_name()]) {
        let host = HostName::parse(&s).map(|h| h.as_str().to_owned()).ok();
        let email = Email::parse(&format!("u@{s}"));
        match &email {
            Ok(e) => {
                prop_assert_eq!(Some(e.domain()), host.as_deref());
                prop_assert_eq!(Email::parse(e.as_str()).unwrap(), e.clone());
            }
            // The address as a whole can be too long where the name is not.
            Err(err) if err.code() == "too_long" => {}
            Err(_) => prop_assert_eq!(host, None, "{:?}", s),
        }
    }

    /// A URL host, once accepted, is a canonical host name, and its URL a
    /// fixed point no longer than the limit.
    #[test]
    fn url_host_is_a_canonical_host_name(s in prop_oneof![name(), long_name()], path in "[a-z\u{e9}/]{0,8}") {
        if let Ok(u) = FetchUrl::parse(&format!("https://{s}/{path}")) {
            prop_assert!(u.as_str().len() <= 4096);
            prop_assert_eq!(FetchUrl::parse(u.as_str()).unwrap(), u.clone());
            let name = u.host_name().unwrap();
            let again = HostName::parse(name).unwrap();
            prop_assert_eq!(again.as_str(), name);
            prop_assert!(!s.contains(".."), "{:?}", s);
        }
    }
}

/// The fuzz targets' oracles hold on the minimal inputs of issue 10.
#[test]
fn fuzz_oracles_hold_on_the_minimal_inputs() {
    let persian = "\u{645}\u{6cc}\u{200c}\u{62e}\u{648}\u{627}\u{647}\u{645}.com";
    for input in [
        format!("http://{}", "\u{1a1}a.".repeat(600)),
        "http://a..b/".to_owned(),
        format!("https://{persian}/"),
        format!("https://example.com/{}", "\u{e9}".repeat(1400)),
    ] {
        guardrail_validate::fuzzing::url(input.as_bytes());
    }
    for input in
        [format!("u@{persian}"), "u@xn--mgbn2ecje63gr19l.com".to_owned(), "u@paypal\u{b7}com.example".to_owned()]
    {
        guardrail_validate::fuzzing::email(input.as_bytes());
    }
    for input in [persian, "l\u{b7}l.example", "a..b", "example.com."] {
        guardrail_validate::fuzzing::host(input.as_bytes());
    }
}

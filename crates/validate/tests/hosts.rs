//! Host names in every type that holds one: one canonical form, one
//! validator (issue 10 items 1, 8 and 9, each minimal input as a test).
#![allow(clippy::indexing_slicing, clippy::unwrap_used)] // test code

mod common;

use common::{Recorder, code_of, url_code};
use guardrail_validate::{Email, FetchPolicy, FetchUrl, HostName, Reason};

fn email_code(addr: &str) -> &'static str {
    code_of(Email::parse(addr))
}

/// Persian "I want" with its ZERO WIDTH NON-JOINER (valid IDNA2008: ZWNJ
/// between a dual-joining YEH and a dual-joining KHAH, RFC 5892 A.1).
const PERSIAN: &str = "\u{645}\u{6cc}\u{200c}\u{62e}\u{648}\u{627}\u{647}\u{645}.com";
const PERSIAN_A: &str = "xn--mgbn2ecje63gr19l.com";

#[test]
fn empty_labels_and_extra_root_dots_have_no_canonical_form() {
    for url in [
        "http://a..b/",
        "http://a.b../",
        "http://.a.b/",
        "http://example.com.../",
        "http://localhost../",
        "http://foo.localhost../",
        "http://metadata.google.internal../",
        "http://printer.local../",
        "http://127.0.0.1../",
        "http://intranet../",
    ] {
        assert_eq!(url_code(url), "domain", "{url}");
    }
    // One root dot is the same host as none, and meets every name check.
    assert_eq!(url_code("https://example.com./"), "ok");
    assert_eq!(url_code("http://localhost./"), "localhost");
    assert_eq!(url_code("http://metadata.google.internal./"), "metadata");
    assert_eq!(url_code("http://printer.local./"), "internal_name");
    assert_eq!(FetchUrl::parse("https://Example.COM./").unwrap().host_name(), Some("example.com"));
    // The same for e-mail domains and typed host names (no root dot at all).
    assert_eq!(email_code("u@a..b"), "domain");
    assert_eq!(email_code("u@example.com."), "domain");
    assert_eq!(HostName::parse("example.com..").unwrap_err().code(), "domain");
}

#[test]
fn url_hosts_follow_the_host_name_rules() {
    assert_eq!(url_code("http://exa_mple.com/"), "domain"); // WHATWG allows `_`; host names do not
    assert_eq!(url_code("http://-example.com/"), "domain");
    assert_eq!(url_code("http://ab--cd.example/"), "domain");
    assert_eq!(url_code(&format!("http://{}.com/", "a".repeat(64))), "domain");
    assert_eq!(url_code(&format!("http://{}.com/", "a".repeat(63))), "ok");
    assert_eq!(url_code("http://xn--ls8h.example/"), "domain"); // emoji: UTS #46 valid, IDNA2008 disallowed
    assert_eq!(url_code("http://ex\u{430}mple.com/"), "mixed_script");
    assert_eq!(url_code("http://paypal\u{b7}com.example/"), "domain");
}

/// A name whose last label the WHATWG URL parser reads as a number is an
/// IPv4 address in a URL (`8.0xe` is 8.0.0.14), so it is no host name: the
/// `validate_host` fuzzer's input `8.0Xe` was a `HostName` and an e-mail
/// domain whose URL had no host name.
#[test]
fn a_last_label_that_is_a_number_is_no_name() {
    for name in ["8.0Xe", "8.0xe", "a.0x", "a.0x1F", "a.123", "1.2.3.4"] {
        assert_eq!(HostName::parse(name).unwrap_err().code(), "domain", "{name}");
        assert_eq!(email_code(&format!("u@{name}")), "domain", "{name}");
    }
    // In a URL such a host is an address, and is checked as one.
    assert_eq!(FetchUrl::parse("http://8.0xe/").unwrap().host_name(), None);
    assert_eq!(url_code("http://127.0x1/"), "loopback");
    // Not a number (no hex after `0x`, or not last): a name everywhere.
    for name in ["a.0xg", "0x1f.com", "a.x0"] {
        assert_eq!(HostName::parse(name).unwrap().as_str(), name);
        assert_eq!(email_code(&format!("u@{name}")), "ok", "{name}");
        assert_eq!(FetchUrl::parse(&format!("https://{name}/")).unwrap().host_name(), Some(name));
    }
}

/// The resolver hook sees the canonical name, whatever the spelling.
#[test]
fn resolver_sees_the_canonical_host() {
    let resolver = Recorder::default();
    for url in ["https://EXAMPLE.com./", "https://example.com/", "https://Example.Com/x"] {
        let u = FetchUrl::parse(url).unwrap();
        assert_eq!(u.host_name(), Some("example.com"));
        u.resolve(&resolver).unwrap();
    }
    FetchUrl::parse(&format!("https://{PERSIAN}/")).unwrap().resolve(&resolver).unwrap();
    assert_eq!(*resolver.0.borrow(), ["example.com", "example.com", "example.com", PERSIAN_A]);
}

#[test]
fn redirects_keep_the_callers_policy() {
    let strict = FetchPolicy::default().https_only().ports([443, 8443]);
    let start = strict.parse("https://example.com:8443/a").unwrap();
    assert_eq!(start.policy(), &strict);
    // A custom port the default policy would refuse.
    let hop = start.redirect("https://www.example.org:8443/b").unwrap();
    assert_eq!(hop.as_str(), "https://www.example.org:8443/b");
    // https_only holds on every hop, and so does the policy it carries on.
    assert_eq!(start.redirect("http://www.example.org/").unwrap_err().code(), "scheme");
    assert_eq!(hop.redirect("http://www.example.org/").unwrap_err().code(), "scheme");
    assert_eq!(hop.redirect("/c").unwrap().policy(), &strict);
    // Empty labels are refused in redirects too.
    assert_eq!(start.redirect("https://a..b/").unwrap_err().code(), "domain");
    // redirect_with replaces the policy explicitly.
    let lax = start.redirect_with("http://www.example.org/", &FetchPolicy::default()).unwrap();
    assert_eq!(lax.policy(), &FetchPolicy::default());
}

#[test]
fn idna2008_contextual_rules_in_email_domains_and_url_hosts() {
    // RFC 5892 A.3: U+00B7 only between two `l`.
    assert_eq!(email_code("u@paypal\u{b7}com.example"), "domain");
    assert_eq!(email_code("u@papa\u{b7}l.example"), "domain");
    assert_eq!(email_code("u@l\u{b7}l.example"), "ok");
    // The ZWNJ name and its A-label: accepted, to the same canonical form,
    // and the same by URL.
    assert_eq!(idna::domain_to_ascii(PERSIAN).unwrap(), PERSIAN_A);
    let e = Email::parse(&format!("u@{PERSIAN}")).unwrap();
    assert_eq!(e.domain(), PERSIAN_A);
    assert_eq!(Email::parse(&format!("u@{PERSIAN_A}")).unwrap(), e);
    assert_eq!(HostName::parse(PERSIAN).unwrap().as_str(), PERSIAN_A);
    assert_eq!(HostName::parse(PERSIAN_A).unwrap().to_unicode(), PERSIAN);
    for url in [format!("https://{PERSIAN}/"), format!("https://{PERSIAN_A}/")] {
        assert_eq!(FetchUrl::parse(&url).unwrap().host_name(), Some(PERSIAN_A), "{url}");
    }
    // A ZWNJ where no joining rule holds is refused everywhere; outside the
    // domain it stays an invisible character.
    assert_eq!(email_code("u@pay\u{200c}pal.com"), "domain");
    assert_eq!(url_code("https://pay\u{200c}pal.com/"), "syntax"); // the url crate's own UTS #46 CheckJoiners
    assert_eq!(email_code("u\u{200c}ser@example.com"), "invisible");
    assert_eq!(email_code("u@exa\u{200b}mple.com"), "invisible");
    // In a URL the joiners pass the raw checks only in the authority: the
    // host validator judges them there; in a path, query or fragment they
    // are hidden characters like any other.
    let start = FetchUrl::parse("https://example.com/").unwrap();
    for location in [format!("//{PERSIAN}/"), format!("HTTPS://{PERSIAN}/x"), format!("https://{PERSIAN}?q")] {
        assert_eq!(start.redirect(&location).unwrap().host_name(), Some(PERSIAN_A), "{location}");
    }
    assert_eq!(url_code(&format!("https://{PERSIAN}/{PERSIAN}")), "invisible");
    assert_eq!(url_code(&format!("https://{PERSIAN}/?q={PERSIAN}")), "invisible");
    assert_eq!(url_code(&format!("https://{PERSIAN}#{PERSIAN}")), "invisible");
    assert_eq!(start.redirect(&format!("/{PERSIAN}")).map_err(|e| e.code()).err(), Some("invisible"));
}

/// Limits hold for the canonical (A-label) form: the fuzzer's input.
#[test]
fn dns_limits_hold_for_the_a_label_form() {
    let host = "\u{1a1}a.".repeat(600);
    let url = format!("http://{host}");
    assert_eq!(url.len(), 2407);
    assert_eq!(url_code(&url), "domain");
    // Short enough typed, too long as A-labels (each `ơa` is `xn--a-ymb`).
    let typed = ["\u{1a1}a"; 60].join(".");
    assert!(typed.len() <= 253);
    assert_eq!(url_code(&format!("http://{typed}/")), "domain");
    assert_eq!(email_code(&format!("u@{typed}")), "domain");
    let fits = ["\u{1a1}a"; 25].join(".");
    let u = FetchUrl::parse(&format!("http://{fits}/")).unwrap();
    assert_eq!(u.host_name().unwrap().len(), 25 * 10 - 1);
    assert_eq!(FetchUrl::parse(u.as_str()).unwrap(), u);
}

/// The canonical URL obeys the input limit: percent-encoding can triple a
/// path, and the result must parse again.
#[test]
fn canonical_url_length_is_limited() {
    let url = format!("https://example.com/{}", "\u{e9}".repeat(1400));
    assert!(url.len() <= 4096);
    assert_eq!(FetchUrl::parse(&url).unwrap_err().reason(), Some(Reason::TooLong));
    let fits = format!("https://example.com/{}", "\u{e9}".repeat(600));
    let u = FetchUrl::parse(&fits).unwrap();
    assert_eq!(FetchUrl::parse(u.as_str()).unwrap(), u);
}

#[test]
fn cli_minimal_inputs_codes_are_stable() {
    assert_eq!(FetchUrl::parse("http://a..b/").unwrap_err().reason(), Some(Reason::Domain));
    assert_eq!(Email::parse("u@paypal\u{b7}com.example").unwrap_err().reason(), Some(Reason::Domain));
}

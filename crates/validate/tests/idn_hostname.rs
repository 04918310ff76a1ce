//! The JSON-Schema-Test-Suite `idn-hostname` cases (`tests/data/`, MIT;
//! see `tests/data/README.md`) against the one host-name validator, and
//! the same hosts through `Email` and `FetchUrl`.
//!
//! Every row the suite calls invalid is refused. Every row it calls valid
//! is accepted, unless guardrail's documented anti-spoofing policy
//! (`docs/src/validation.md`, "Host names") refuses it: those rows are
//! listed in `POLICY_EXCEPTIONS` with the rule that refuses them.
#![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)] // test code

use guardrail_validate::{Email, FetchUrl, HostName};
use serde_json::Value;

/// Valid IDNA2008 names the policy refuses, each with its rule and the
/// code it is refused with.
const POLICY_EXCEPTIONS: &[(&str, &str, &str)] = &[
    // A single label of Latin, Greek, Tibetan and Han.
    ("ßς་〇", "mixed_script", "a label mixes scripts beyond UTS #39 Highly Restrictive"),
    // U+0375 is valid in context (RFC 5892 A.4) but is not
    // Identifier_Status=Allowed in UTS #39: it looks like a comma.
    ("α͵β", "domain", "a character outside the UTS #39 General Security Profile"),
    // UTS #46 maps the three non-ASCII full stops to `.`; typed names must
    // be written as stored, so text filters see the real name.
    ("a。b", "domain", "compatibility spelling (ideographic full stop)"),
    ("a．b", "domain", "compatibility spelling (full-width full stop)"),
    ("a｡b", "domain", "compatibility spelling (half-width ideographic full stop)"),
    (
        "παράδειγμαπαράδειγμαπαράδειγμαπαράδειγμαπαράδειγμαπα。com",
        "domain",
        "compatibility spelling (ideographic full stop)",
    ),
    (
        "παράδειγμαπαράδειγμαπαράδειγμαπαράδειγμαπαράδειγμαπα．com",
        "domain",
        "compatibility spelling (full-width full stop)",
    ),
    (
        "παράδειγμαπαράδειγμαπαράδειγμαπαράδειγμαπαράδειγμαπα｡com",
        "domain",
        "compatibility spelling (half-width ideographic full stop)",
    ),
];

/// (name, valid) for every string row of the suite.
fn rows() -> Vec<(String, bool, String)> {
    let text = include_str!("data/idn-hostname.json");
    let groups: Value = serde_json::from_str(text).unwrap();
    let mut out = Vec::new();
    for group in groups.as_array().unwrap() {
        for test in group["tests"].as_array().unwrap() {
            if let Some(data) = test["data"].as_str() {
                out.push((
                    data.to_owned(),
                    test["valid"].as_bool().unwrap(),
                    test["description"].as_str().unwrap().to_owned(),
                ));
            }
        }
    }
    out
}

#[test]
fn json_schema_test_suite_idn_hostname() {
    let rows = rows();
    assert!(rows.len() > 80, "suite rows: {}", rows.len());
    let mut exceptions_seen = 0;
    for (name, valid, description) in &rows {
        let got = HostName::parse(name);
        let exception = POLICY_EXCEPTIONS.iter().find(|(n, _, _)| n == name);
        match (valid, exception) {
            (false, _) => assert!(got.is_err(), "invalid row accepted: {description}"),
            (true, None) => assert!(got.is_ok(), "valid row refused ({}): {description}", got.unwrap_err().code()),
            (true, Some((_, code, why))) => {
                exceptions_seen += 1;
                assert_eq!(got.map(|_| ()).map_err(|e| e.code()), Err(*code), "{description}: {why}");
            }
        }
    }
    assert_eq!(exceptions_seen, POLICY_EXCEPTIONS.len(), "every listed exception is a valid row of the suite");
}

/// The same verdicts through every type that holds a host: an e-mail
/// domain and a URL host agree with `HostName` on every multi-label row
/// (single labels are `FetchUrl`'s internal names; the URL parser maps
/// the compatibility full stops itself and only its result is checked).
#[test]
fn email_and_url_agree_with_host_name() {
    for (name, _, description) in rows() {
        let host = HostName::parse(&name).map(|h| h.as_str().to_owned()).ok();
        let email = Email::parse(&format!("u@{name}")).map(|e| e.domain().to_owned()).ok();
        assert_eq!(email, host, "email: {description}");
        let compat_dot = name.contains(['\u{3002}', '\u{ff0e}', '\u{ff61}']);
        if !name.contains('.') || compat_dot || name.is_empty() {
            continue;
        }
        let url = FetchUrl::parse(&format!("https://{name}/")).map(|u| u.host_name().unwrap_or_default().to_owned());
        assert_eq!(url.ok(), host, "url: {description}");
    }
}

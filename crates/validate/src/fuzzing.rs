//! Oracles for the fuzz targets and hooks for this workspace's own tests;
//! not a stable API (feature `fuzzing`, off by default). The `validate_*`
//! fuzz targets and the corpus replay in `cargo test -p guardrail` call
//! these, so both check the same thing. Each oracle parses arbitrary bytes
//! and asserts what must hold of any accepted value: its canonical form is
//! a fixed point and holds no control or other hidden character.

use crate::{Email, FetchUrl, HostName, Reason, RelativePath, Username};

/// The hidden-character set every parser refuses, for tests that check
/// it against an independent copy of the Unicode Character Database.
#[must_use]
pub fn is_invisible(c: char) -> bool {
    crate::is_invisible(c)
}

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// No control character, and no other hidden one either.
fn assert_clean(canonical: &str) {
    assert!(!canonical.chars().any(crate::is_invisible));
}

/// `validate_email`
///
/// # Panics
///
/// When the property does not hold for this input: the panic is the
/// finding the fuzz target reports.
pub fn email(data: &[u8]) {
    let Some(s) = text(data) else { return };
    for (parsed, eai) in [(Email::parse(s), false), (Email::parse_eai(s), true)] {
        if let Ok(e) = parsed {
            assert_clean(e.as_str());
            let again = if eai { Email::parse_eai(e.as_str()) } else { Email::parse(e.as_str()) };
            assert_eq!(again.ok().as_ref(), Some(&e));
            // The domain is a host name in canonical form.
            assert_eq!(HostName::parse(e.domain()).ok().as_ref().map(HostName::as_str), Some(e.domain()));
        }
    }
}

/// `validate_username`: also, the canonical form is its own NFKC form
/// and the input's NFC and NFKC forms are the same name.
///
/// # Panics
///
/// When the property does not hold for this input: the panic is the
/// finding the fuzz target reports.
pub fn username(data: &[u8]) {
    use unicode_normalization::UnicodeNormalization;
    let Some(s) = text(data) else { return };
    if let Ok(u) = Username::parse(s) {
        assert_clean(u.as_str());
        assert_eq!(Username::parse(u.as_str()).ok().as_ref(), Some(&u));
        assert!(u.as_str().nfkc().eq(u.as_str().chars()));
        for form in [s.nfc().collect::<String>(), s.nfkc().collect()] {
            assert_eq!(Username::parse(&form).ok().as_ref(), Some(&u));
        }
    }
}

/// `validate_url`: also, the canonical host is a [`HostName`] in
/// canonical form (the one host-name validator holds for URL hosts).
///
/// # Panics
///
/// When the property does not hold for this input: the panic is the
/// finding the fuzz target reports.
pub fn url(data: &[u8]) {
    if let Some(Ok(u)) = text(data).map(FetchUrl::parse) {
        assert_clean(u.as_str());
        assert_eq!(FetchUrl::parse(u.as_str()).ok().as_ref(), Some(&u));
        if let Some(name) = u.host_name() {
            assert_eq!(HostName::parse(name).ok().as_ref().map(HostName::as_str), Some(name));
        }
    }
}

/// `validate_host`: the canonical form is a fixed point, and an e-mail
/// domain and a URL host built from it agree with it.
///
/// # Panics
///
/// When the property does not hold for this input: the panic is the
/// finding the fuzz target reports.
pub fn host(data: &[u8]) {
    if let Some(Ok(h)) = text(data).map(HostName::parse) {
        assert!(h.as_str().len() <= HostName::MAX_LEN && h.as_str().is_ascii());
        assert_eq!(HostName::parse(h.as_str()).ok().as_ref(), Some(&h));
        if h.as_str().len() + 2 <= Email::MAX_LEN {
            let email = Email::parse(&format!("u@{h}"));
            assert_eq!(email.as_ref().ok().map(Email::domain), Some(h.as_str()));
        }
        if h.as_str().contains('.') {
            // A URL may still refuse the name by its own rules (internal names).
            if let Ok(u) = FetchUrl::parse(&format!("https://{h}/")) {
                assert_eq!(u.host_name(), Some(h.as_str()));
            }
        }
    }
}

/// `validate_path`
///
/// # Panics
///
/// When the property does not hold for this input: the panic is the
/// finding the fuzz target reports.
pub fn path(data: &[u8]) {
    if let Ok(p) = RelativePath::from_bytes(data) {
        assert_clean(p.as_str());
        assert!(p.segments().all(|s| !s.is_empty() && s != "." && s != ".."));
        assert_eq!(RelativePath::parse(p.as_str()).ok().as_ref(), Some(&p));
        // Accepted paths are NFC, and their NFKC form passes the same rules.
        assert!(unicode_normalization::is_nfc(p.as_str()));
        let nfkc: String = unicode_normalization::UnicodeNormalization::nfkc(p.as_str()).collect();
        assert!(RelativePath::parse(&nfkc).is_ok());
    }
}

/// The e-mail domain check as `Email::parse` runs it (fast path included),
/// for comparing with [`idna_domain_for_tests`].
///
/// # Errors
///
/// The [`Reason`] `Email::parse` would give for this domain.
pub fn domain_for_tests(domain: &str) -> Result<String, Reason> {
    crate::email::check_domain(domain)
}

/// The full IDNA path (UTS #46 ToASCII even for ASCII input, then the
/// canonical-form checks), for comparing with the fast path in tests.
///
/// # Errors
///
/// [`Reason::Domain`] for a trailing dot; otherwise the [`Reason`] the
/// host-name checks give.
pub fn idna_domain_for_tests(domain: &str) -> Result<String, Reason> {
    if domain.ends_with('.') {
        return Err(Reason::Domain);
    }
    let ascii = crate::host::to_ascii(domain)?;
    crate::host::check_canonical(&ascii)?;
    Ok(ascii)
}

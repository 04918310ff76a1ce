//! The session cookie on the wire: reading exactly one, bounded, from the
//! `Cookie` headers, and the `Set-Cookie` values that set and clear it.

use axum::http::{HeaderMap, HeaderValue, header};
use guardrail_secret::{ExposeSecret, SecretString, Zeroizing};

use super::COOKIE;

/// The longest session cookie value looked at, in bytes (a token of
/// [`TOKEN_BYTES`](super::TOKEN_BYTES) is 43 characters).
pub const MAX_COOKIE_BYTES: usize = 128;

/// What a request's `Cookie` headers say about the session cookie.
pub(crate) enum SessionCookie {
    /// No session cookie.
    Absent,
    /// Exactly one, well-formed.
    One(SecretString),
    /// Two or more, or one that is empty, oversized or not base64url:
    /// refused, never looked up.
    Refused,
}

/// Reads the session cookie from every `Cookie` header (RFC 6265: a
/// browser may send several), as bytes: a header that is not UTF-8
/// cannot hide a second session cookie.
pub(crate) fn read(headers: &HeaderMap) -> SessionCookie {
    let mut found: Option<&[u8]> = None;
    let mut count = 0usize;
    for value in headers.get_all(header::COOKIE) {
        for pair in value.as_bytes().split(|&b| b == b';') {
            let pair = pair.trim_ascii();
            let Some(eq) = pair.iter().position(|&b| b == b'=') else { continue };
            let (name, rest) = pair.split_at(eq);
            if name.trim_ascii() == COOKIE.as_bytes() {
                count += 1;
                found = rest.get(1..).map(<[u8]>::trim_ascii);
            }
        }
    }
    match (count, found) {
        (0, _) => SessionCookie::Absent,
        (1, Some(v)) if well_formed(v) => {
            SessionCookie::One(SecretString::from(String::from_utf8_lossy(v).into_owned()))
        }
        _ => SessionCookie::Refused,
    }
}

fn well_formed(value: &[u8]) -> bool {
    !value.is_empty()
        && value.len() <= MAX_COOKIE_BYTES
        && value.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
}

/// `Set-Cookie` for a new session, marked sensitive (HTTP/2 never
/// indexes it). `__Host-`: the browser keeps it only with `Secure`,
/// `Path=/` and no `Domain`, so no sibling domain can set or shadow it.
pub(crate) fn set(token: &SecretString, same_site: &str, max_age_secs: u64) -> Option<HeaderValue> {
    let text = Zeroizing::new(format!(
        "{COOKIE}={}; HttpOnly; Secure; SameSite={same_site}; Path=/; Max-Age={max_age_secs}",
        token.expose_secret()
    ));
    let mut value = HeaderValue::from_str(&text).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// `Set-Cookie` that makes the browser drop the session cookie.
pub(crate) fn clear(same_site: &str) -> HeaderValue {
    let text = format!("{COOKIE}=; HttpOnly; Secure; SameSite={same_site}; Path=/; Max-Age=0");
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("__Host-session=; Max-Age=0"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code

    use super::*;

    fn read_all(cookies: &[&'static str]) -> SessionCookie {
        let mut headers = HeaderMap::new();
        for c in cookies {
            headers.append(header::COOKIE, HeaderValue::from_static(c));
        }
        read(&headers)
    }

    #[test]
    fn exactly_one_bounded_cookie_is_read() {
        assert!(matches!(read_all(&[]), SessionCookie::Absent));
        assert!(matches!(read_all(&["theme=dark; session=abc"]), SessionCookie::Absent));
        match read_all(&["theme=dark; __Host-session=abc_-9"]) {
            SessionCookie::One(t) => assert_eq!(t.expose_secret(), "abc_-9"),
            _ => unreachable!("one cookie"),
        }
        assert!(matches!(read_all(&["__Host-session=a; __Host-session=b"]), SessionCookie::Refused));
        assert!(matches!(read_all(&["__Host-session=a", "x=1; __Host-session=a"]), SessionCookie::Refused));
        assert!(matches!(read_all(&["__Host-session="]), SessionCookie::Refused));
        assert!(matches!(read_all(&["__Host-session=a.b"]), SessionCookie::Refused));
        let long: &'static str = Box::leak(format!("__Host-session={}", "a".repeat(MAX_COOKIE_BYTES + 1)).into());
        assert!(matches!(read_all(&[long]), SessionCookie::Refused));
    }

    #[test]
    fn a_non_utf8_header_cannot_hide_a_duplicate() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("__Host-session=a"));
        headers.append(header::COOKIE, HeaderValue::from_bytes(b"x=\xff; __Host-session=b").unwrap());
        assert!(matches!(read(&headers), SessionCookie::Refused));
    }
}

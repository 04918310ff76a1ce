//! Rejected values never appear in errors, reason codes or serde messages,
//! unlike the `validator` crate's own errors.
#![allow(clippy::indexing_slicing, clippy::unwrap_used)] // test code

use guardrail_validate::{Email, FetchUrl, HostName, Label, RelativePath, Username, rules};
use validator::Validate;

const CANARY: &str = "canary7f3a";

#[test]
fn parser_errors_hold_no_value() {
    let inputs = [
        CANARY.to_string(),
        format!("{CANARY}@@example.com"),
        format!("http://{CANARY}.localhost/"),
        format!("../{CANARY}"),
        format!("{CANARY} with space"),
        format!("{CANARY}..example"),
        format!("{CANARY}\u{b7}com.example"),
        format!("{CANARY}\u{200b}"),
        format!("\u{202e}{CANARY}"),
        format!("{CANARY}\n"),
        CANARY.repeat(20),
    ];
    for input in &inputs {
        let errors = [
            Email::parse(input).err(),
            Username::parse(input).err(),
            FetchUrl::parse(input).err(),
            RelativePath::parse(input).err(),
            HostName::parse(input).err(),
            Label::parse(input).err(),
        ];
        for e in errors.into_iter().flatten() {
            let rendered = format!("{e} {e:?} {}", e.code());
            assert!(!rendered.contains(CANARY), "{rendered}");
        }
        if let Err(e) = rules::label(input) {
            let rendered = format!("{e} {e:?}");
            assert!(!rendered.contains(CANARY), "{rendered}");
        }
        if let Err(e) = rules::host_name(input) {
            let rendered = format!("{e} {e:?}");
            assert!(!rendered.contains(CANARY), "{rendered}");
        }
    }
}

#[test]
fn serde_errors_hold_no_value() {
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)] // only deserialised
    struct Body {
        email: Email,
        path: RelativePath,
    }
    let json = format!(r#"{{"email":"{CANARY}@","path":"../{CANARY}"}}"#);
    let err = serde_json::from_str::<Body>(&json).unwrap_err().to_string();
    assert!(!err.contains(CANARY), "{err}");
    assert!(err.contains("domain"), "{err}");
}

#[derive(Debug, Validate)]
struct Signup {
    #[validate(custom(function = "rules::email"))]
    email: String,
    #[validate(length(min = 15, max = 128))]
    password: String,
    #[validate(nested)]
    profile: Profile,
}

#[derive(Debug, Validate)]
struct Profile {
    #[validate(custom(function = "rules::fetch_url"))]
    avatar_url: String,
    #[validate(custom(function = "rules::relative_path"))]
    upload: String,
}

#[test]
fn validator_errors_carry_values_and_field_errors_do_not() {
    let password = format!("pw-{CANARY}");
    let form = Signup {
        email: format!("{CANARY}-at-example.com"),
        password: password.clone(),
        profile: Profile { avatar_url: format!("http://169.254.169.254/{CANARY}"), upload: format!("../{CANARY}") },
    };
    let errors = form.validate().unwrap_err();

    // What this module exists for: validator's own errors hold the password.
    let raw = format!("{errors:?} {}", serde_json::to_string(&errors).unwrap());
    assert!(raw.contains(&password), "validator no longer echoes values; revisit the docs");

    let ours = rules::field_errors(&errors);
    let rendered = format!("{ours:?} {}", serde_json::to_string(&ours).unwrap());
    assert!(!rendered.contains(CANARY), "{rendered}");
    assert_eq!(
        ours,
        [
            rules::FieldError::new("email", "missing_at"),
            rules::FieldError::new("password", "length"),
            rules::FieldError::new("profile.avatar_url", "metadata"),
            rules::FieldError::new("profile.upload", "traversal"),
        ]
    );
}

/// An address and a webhook URL are personal or secret in part: `Debug`
/// (what `{:?}`, `tracing`'s `?field` and `dbg!` print) shows neither the
/// whole local part nor the URL's path, query or fragment.
#[test]
fn debug_of_email_and_fetch_url_is_masked() {
    let email = Email::parse(&format!("j{CANARY}@example.com")).unwrap();
    assert_eq!(format!("{email:?}"), "Email(j***@example.com)");
    let eai = Email::parse_eai(&format!("é{CANARY}@bücher.example")).unwrap();
    assert_eq!(format!("{eai:?}"), "Email(é***@xn--bcher-kva.example)");
    assert_eq!(format!("{:?}", Some(&email)), "Some(Email(j***@example.com))");

    let url = FetchUrl::parse(&format!("https://hooks.example.com/{CANARY}/x?token={CANARY}#{CANARY}")).unwrap();
    assert_eq!(format!("{url:?}"), "FetchUrl(https://hooks.example.com:443/…)");
    let url = FetchUrl::parse(&format!("http://[2606:4700::1111]:80?{CANARY}")).unwrap();
    assert_eq!(format!("{url:?}"), "FetchUrl(http://[2606:4700::1111]:80/…)");
    let bare = FetchUrl::parse("http://example.com").unwrap();
    assert_eq!(format!("{bare:?}"), "FetchUrl(http://example.com:80/)");
    // Display is the value, on purpose: it is what a client sends.
    assert!(url.to_string().contains(CANARY));
}

/// `Pii<Email>` compiles (`Email: Mask`, default feature `pii`) and prints
/// the same mask; the address is still reached through `expose_secret`.
#[test]
fn pii_of_email_is_masked() {
    use guardrail_secret::{ExposeSecret, Pii};
    let email = Pii::new(Email::parse(&format!("Ada{CANARY}@example.com")).unwrap());
    assert_eq!(format!("{email}"), "A***@example.com");
    assert_eq!(format!("{email:?}"), "Pii(A***@example.com)");
    assert!(email.expose_secret().as_str().contains(CANARY));
}

//! Canary tests: a recognisable value is put in every place a secret or a
//! piece of personal data can sit, and every rendering is searched for it.
#![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

use std::path::PathBuf;

use guardrail_secret::{Error, ExposeSecret, Origin, Pii, SecretBox, SecretSlice, SecretString};

const CANARY: &str = "CANARY-7f3a9c-do-not-log";

fn assert_hidden(rendered: &str) {
    assert!(!rendered.contains(CANARY), "canary leaked: {rendered}");
    assert!(!rendered.contains("7f3a9c"), "part of the canary leaked: {rendered}");
}

#[derive(Debug)]
#[allow(dead_code)] // fields are read through Debug only
struct Credentials {
    user: String,
    password: SecretString,
    key: SecretSlice<u8>,
    pin: SecretBox<[u8; 8]>,
}

#[test]
fn debug_of_secrets_and_holders_is_redacted() {
    let creds = Credentials {
        user: "svc".into(),
        password: SecretString::from(CANARY),
        key: SecretSlice::from(CANARY.as_bytes().to_vec()),
        pin: SecretBox::new(Box::new(*b"7f3a9c00")),
    };
    for rendered in [format!("{creds:?}"), format!("{creds:#?}"), format!("{:?}", creds.password)] {
        assert_hidden(&rendered);
        assert!(rendered.contains("REDACTED"));
    }
    // It is still there when asked for on purpose.
    assert_eq!(creds.password.expose_secret(), CANARY);
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Customer {
    id: u64,
    email: Pii<String>,
    name: Pii<String>,
}

#[test]
fn pii_is_masked_in_debug_and_display_but_round_trips_in_serde() {
    let local = CANARY.to_lowercase();
    let c = Customer { id: 7, email: Pii::new(format!("{local}@example.com")), name: Pii::new(CANARY.to_owned()) };
    for rendered in [format!("{c:?}"), format!("{c:#?}"), format!("{}", c.email), format!("{}", c.name)] {
        assert_hidden(&rendered.to_uppercase());
    }
    let json = serde_json::to_string(&c).unwrap();
    assert!(json.contains(CANARY), "serde writes the real value: {json}");
    let back: Customer = serde_json::from_str(&json).unwrap();
    assert_eq!(back.email, c.email);
    assert_eq!(back.name.expose_secret(), CANARY);
}

#[test]
fn serialized_structs_skip_or_refuse_secrets() {
    #[derive(serde::Serialize, serde::Deserialize)]
    struct Login {
        user: String,
        #[serde(skip_serializing)]
        password: SecretString,
    }
    let login: Login = serde_json::from_str(&format!(r#"{{"user":"u","password":"{CANARY}"}}"#)).unwrap();
    assert_eq!(login.password.expose_secret(), CANARY);
    assert_hidden(&serde_json::to_string(&login).unwrap());
}

/// Every error variant, built with the canary everywhere a caller could
/// have put it except the places that name a variable or a path.
#[test]
fn errors_never_hold_secret_values() {
    let path = PathBuf::from("/run/secrets/db");
    let errors = vec![
        Error::EnvMissing { name: "DB_PASSWORD".into() },
        Error::InvalidEnvName { name: "A=B".into() },
        Error::Empty { origin: Origin::File(path.clone()) },
        Error::NotUtf8 { origin: Origin::Env("DB_PASSWORD".into()) },
        Error::NotRegularFile { path: path.clone() },
        Error::TooLarge { path: path.clone(), max: 65536 },
        Error::InsecurePermissions { path: path.clone(), mode: 0o644 },
        Error::InsecurePermissions { path: path.clone(), mode: 0o622 },
        Error::ForeignOwner { path: path.clone(), owned: path.clone(), owner: 65534, euid: 1000 },
        Error::ForeignOwner { path: path.clone(), owned: PathBuf::from("/run/secrets"), owner: 65534, euid: 1000 },
        Error::InsecureDirectory { path: path.clone(), dir: PathBuf::from("/run/secrets"), mode: 0o777 },
        Error::UntrustedSymlink { path: path.clone(), link: PathBuf::from("/tmp/st/app.json"), owner: 65534, euid: 0 },
        Error::HardLinked { path: path.clone(), links: 2 },
        Error::Io { path, source: std::io::Error::from(std::io::ErrorKind::NotFound) },
        guardrail_secret::decode_base64(&format!("{CANARY}!")).unwrap_err(),
        guardrail_secret::decode_hex(CANARY).unwrap_err(),
    ];
    for e in &errors {
        assert_hidden(&format!("{e} {e:?}"));
    }
}

#[test]
fn loader_errors_never_hold_file_contents() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("too-large", CANARY.repeat(10_000).into_bytes()),
        ("not-utf8", [CANARY.as_bytes(), &[0xff, 0xfe]].concat()),
    ];
    for (name, contents) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, contents).unwrap();
        set_mode(&path, 0o600);
        let err = guardrail_secret::load::from_file(&path).unwrap_err();
        assert_hidden(&format!("{err} {err:?}"));
    }
    let path = dir.path().join("world-readable");
    std::fs::write(&path, CANARY).unwrap();
    set_mode(&path, 0o644);
    if let Err(err) = guardrail_secret::load::from_file(&path) {
        assert_hidden(&format!("{err} {err:?}"));
    }
}

#[cfg(unix)]
fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(not(unix))]
fn set_mode(_: &std::path::Path, _: u32) {}

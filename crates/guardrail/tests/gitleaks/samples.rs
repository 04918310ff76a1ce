//! Fresh secrets of each guardrail format, made by the crates' own APIs at
//! test time, and their impostors: random strings of the same length and
//! alphabet, or the same text with its prefix or header broken.

use std::{
    sync::{
        Arc, Mutex, OnceLock,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use guardrail::{
    keys::{Algorithm, Keyring, MacKeyring},
    password::{HashBinding, Params, PasswordHasher},
    secret::{ExposeSecret, SecretString},
    token::{
        ApiKeyIssuer,
        signed::{Purpose, TokenSigner},
    },
};

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
const HEX: &[u8] = b"0123456789abcdef";

/// The next of `forms` forms, in turn across calls (per `counter`), so
/// every form is made whatever the sample count (at least `forms`).
fn next_form(counter: &AtomicUsize, forms: usize) -> usize {
    counter.fetch_add(1, Ordering::Relaxed) % forms
}

/// A uniformly random index below `n` (the crates' CSPRNG).
fn below(n: usize) -> usize {
    usize::try_from(guardrail::token::random::uniform(n as u64).unwrap()).unwrap()
}

/// `len` random characters of `alphabet`.
pub(crate) fn random_of(alphabet: &[u8], len: usize) -> String {
    (0..len).map(|_| char::from(alphabet[below(alphabet.len())])).collect()
}

/// One generated secret: the text as it would be pasted, the secret a
/// finding must report, and impostors (no finding of any rule).
pub(crate) struct Sample {
    pub(crate) text: String,
    pub(crate) secrets: Vec<String>,
    pub(crate) impostors: Vec<String>,
}

/// A sample whose pasted text is its single secret.
fn single(secret: String, impostors: Vec<String>) -> Sample {
    Sample { text: secret.clone(), secrets: vec![secret], impostors }
}

pub(crate) fn api_key() -> Sample {
    let (key, _) = ApiKeyIssuer::new("authsvc_live").unwrap().issue().unwrap();
    let key = key.expose_secret().to_owned();
    let len = key.len();
    let body = &key["authsvc_live_".len()..];
    let impostors = vec![
        random_of(BASE62, len),
        // Another prefix of the same length, the same body.
        format!("{}_{body}", random_of(LOWER, "authsvc_live".len())),
        // One character short, one too many.
        key[..len - 1].to_owned(),
        format!("{key}{}", random_of(BASE62, 1)),
    ];
    single(key, impostors)
}

/// A keyring with keys 1..=5 and 1023 (the largest id the rule's header
/// covers), each made primary in turn by [`sealed_text`].
fn keyring_ids() -> &'static Mutex<Keyring> {
    static RING: OnceLock<Mutex<Keyring>> = OnceLock::new();
    RING.get_or_init(|| {
        let mut k = Keyring::generate(Algorithm::Aes256Gcm).unwrap();
        while k.keys().count() < 1023 {
            k.add_key(Algorithm::ChaCha20Poly1305).unwrap();
        }
        Mutex::new(k)
    })
}

pub(crate) fn sealed_text() -> Sample {
    let ring = keyring_ids();
    let mut ring = ring.lock().unwrap();
    let id = [1, 2, 3, 4, 5, 1023][below(6)];
    ring.promote(id).unwrap();
    let plaintext = random_of(BASE62, below(200));
    let sealed = ring.seal(plaintext.as_bytes(), b"users:42:email").unwrap();
    let text = guardrail::ct::base64url::encode_string(&sealed);
    let impostors = vec![
        random_of(BASE64URL, text.len()),
        // Format version 2 (not a sealed text this release writes).
        format!("Ag{}", &text[2..]),
    ];
    single(text, impostors)
}

pub(crate) fn sealed_password_hash() -> Sample {
    static HASHER: OnceLock<PasswordHasher> = OnceLock::new();
    let hasher = HASHER.get_or_init(|| {
        let pepper = Keyring::generate(Algorithm::Aes256Gcm).unwrap();
        // m=256 KiB, t=2: fast, and the seal is what is tested.
        PasswordHasher::new(Params::new(256, 2, 1).unwrap()).with_pepper(Arc::new(pepper))
    });
    let v1 = hasher.hash(&SecretString::from(random_of(BASE62, 16))).unwrap();
    let stored = if below(2) == 0 {
        v1.as_str_for_storage().to_owned()
    } else {
        let binding = HashBinding::new(format!("users:{}", below(1_000_000)).as_bytes()).unwrap();
        hasher.bind(v1.as_str_for_storage(), &binding).unwrap().as_str_for_storage().to_owned()
    };
    let body = stored.strip_prefix("$guardrail-sealed$").unwrap();
    assert!(body.starts_with("v1$") || body.starts_with("v2$"), "a sealed hash");
    let impostors =
        vec![format!("$guardrail-sealed$v3${}", &body[3..]), format!("${}", random_of(BASE64URL, stored.len() - 1))];
    let sealed = body[3..].to_owned();
    Sample { text: stored, secrets: vec![sealed], impostors }
}

pub(crate) fn keyring_json() -> Sample {
    let mut ring = Keyring::generate(Algorithm::Aes256Gcm).unwrap();
    for _ in 0..below(3) {
        ring.add_key(Algorithm::ChaCha20Poly1305).unwrap();
    }
    let exported = ring.export_json_insecure_plaintext_keys().as_str().to_owned();
    let value: serde_json::Value = serde_json::from_str(&exported).unwrap();
    let keys = value["keys"].as_array().unwrap();
    let secrets: Vec<String> = keys.iter().map(|k| k["key"].as_str().unwrap().to_owned()).collect();
    // `jq -S .`: every object's keys sorted, two-space indent.
    let sorted_keys: Vec<String> = keys
        .iter()
        .map(|k| {
            format!(
                "    {{\n      \"algorithm\": {},\n      \"id\": {},\n      \"key\": {},\n      \"status\": {}\n    }}",
                k["algorithm"], k["id"], k["key"], k["status"]
            )
        })
        .collect();
    let sorted = format!(
        "{{\n  \"keys\": [\n{}\n  ],\n  \"primary\": {},\n  \"version\": {}\n}}\n",
        sorted_keys.join(",\n"),
        value["primary"],
        value["version"]
    );
    static FORM: AtomicUsize = AtomicUsize::new(0);
    let json = match next_form(&FORM, 4) {
        // As the tool writes it.
        0 => exported,
        1 => sorted,
        // Embedded as a JSON string: compact, and pretty and sorted.
        2 => format!("{{\"keyring\": {}}}\n", serde_json::Value::String(value.to_string())),
        _ => format!("{{\"keyring\": {}}}", serde_json::Value::String(sorted)),
    };
    let impostors = vec![
        // The key material alone, as a generic setting: not this rule's.
        format!("{{\"key\": \"{}=\"}}", random_of(BASE64, 43)),
        // Another algorithm name of the same length.
        json.replace("AES256_GCM", "AES256_XTS").replace("CHACHA20_POLY1305", "CHACHA20_POLY1306"),
    ];
    Sample { text: json, secrets, impostors }
}

struct Reset;
impl Purpose for Reset {
    const NAME: &'static str = "password_reset";
}

pub(crate) fn signed_token() -> Sample {
    static SIGNER: OnceLock<TokenSigner<Reset>> = OnceLock::new();
    let signer = SIGNER.get_or_init(|| TokenSigner::new(MacKeyring::generate().unwrap()));
    // Subjects from empty to the longest allowed (256 bytes: 342 characters).
    let subject = random_of(BASE62, [0, 1, 7, 36, 256][below(5)]);
    let token = signer.sign(&subject, Duration::from_secs(3600)).unwrap();
    let impostors = vec![random_of(BASE64URL, token.len()), format!("v2{}", &token[2..])];
    single(token, impostors)
}

pub(crate) fn session_cookie() -> Sample {
    let token = guardrail::token::random::token(guardrail::axum::session::TOKEN_BYTES).unwrap();
    let token = token.expose_secret().to_owned();
    static FORM: AtomicUsize = AtomicUsize::new(0);
    // A Cookie header, or a line of the cookie jar `curl -c FILE` writes
    // (domain, include subdomains, path, secure, expiry, name, value).
    let (before, between) =
        if next_form(&FORM, 2) == 0 { ("", "=") } else { ("#HttpOnly_127.0.0.1\tFALSE\t/\tTRUE\t0\t", "\t") };
    let impostors = vec![
        format!("{before}__Host-other{between}{}", random_of(BASE64URL, token.len())),
        format!("{before}__Host-session{between}{}", random_of(BASE64URL, token.len() + 1)),
        random_of(BASE64URL, before.len() + "__Host-session=".len() + token.len()),
    ];
    Sample { text: format!("{before}__Host-session{between}{token}"), secrets: vec![token], impostors }
}

pub(crate) fn master_key() -> Sample {
    let key = random_of(HEX, 64);
    static FORM: AtomicUsize = AtomicUsize::new(0);
    let text = match next_form(&FORM, 5) {
        0 => format!("AUTH_SERVICE_MASTER_KEY={key}"),
        1 => format!("master_key = \"{key}\""),
        2 => format!("\"master_key\": \"{key}\""),
        3 => format!("MASTER_KEY: {}", key.to_uppercase()),
        _ => format!("--master-key='{key}'"),
    };
    let secret = if text.starts_with("MASTER_KEY: ") { key.to_uppercase() } else { key.clone() };
    let impostors = vec![
        // A digest of the same length under another name.
        format!("SHA256_DIGEST={}", random_of(HEX, 64)),
        random_of(HEX, text.len()),
        // The name with one too many digits: not a master key.
        format!("AUTH_SERVICE_MASTER_KEY={key}{}", random_of(HEX, 1)),
        // The file's path, not its contents.
        "AUTH_SERVICE_MASTER_KEY_FILE=/run/secrets/master-1.hex".to_owned(),
    ];
    Sample { text, secrets: vec![secret], impostors }
}

/// Makes one sample of a format.
pub(crate) type Generator = fn() -> Sample;

/// Each rule id of policy/gitleaks.toml and the generator of its format.
pub(crate) const GENERATORS: &[(&str, Generator)] = &[
    ("guardrail-api-key", api_key),
    ("guardrail-sealed-text", sealed_text),
    ("guardrail-sealed-password-hash", sealed_password_hash),
    ("guardrail-keyring-json", keyring_json),
    ("guardrail-signed-token", signed_token),
    ("guardrail-session-cookie", session_cookie),
    ("guardrail-master-key", master_key),
];

/// Where a secret gets pasted: `{}` is the text. A multi-line text (the
/// keyring file) is used as a whole file only.
pub(crate) const CONTEXTS: &[&str] = &[
    "{}",
    "SECRET={}\n",
    "export SECRET='{}'\nexport OTHER=1\n",
    "# .env\nDEBUG=false\nSECRET=\"{}\"\n",
    "{\"name\": \"prod\", \"secret\": \"{}\"}\n",
    "config:\n  secret: {}\n  timeout: 30\n",
    "curl -H 'Cookie: theme=dark; {}' https://example.com/me\n",
    "let value = \"{}\";",
    "[{}]",
];

/// `text` pasted into `context`.
pub(crate) fn paste(context: &str, text: &str) -> String {
    context.replacen("{}", text, 1)
}

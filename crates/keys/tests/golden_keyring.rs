//! Golden vectors of the keyring's stored formats (`tests/data/`, see its
//! README): keyring JSON, the envelope under a master key, and sealed
//! bytes. Each golden loads or opens to its known contents (the JSON also
//! re-encodes byte for byte) and each tampered twin is refused with the
//! error that names what is wrong. A format change cannot pass unnoticed.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::print_stdout)] // test code

use guardrail_keys::{
    Error, Status,
    aead::{Algorithm, KeyInfo, Keyring},
};
use guardrail_secret::{ExposeSecret, SecretSlice};
use guardrail_testkit::vectors::{data_path, field, tamper_char};

fn read(name: &str) -> String {
    guardrail_testkit::vectors::read_data(env!("CARGO_MANIFEST_DIR"), name)
}

fn data(name: &str) -> std::path::PathBuf {
    data_path(env!("CARGO_MANIFEST_DIR"), name)
}

/// The master key of `envelope.json`: the bytes 0x40..0x60 (32 bytes).
fn master_key() -> SecretSlice<u8> {
    SecretSlice::from((0x40..0x60).collect::<Vec<u8>>())
}

/// The keys of `keyring.json`: distinct fixed material per id.
fn material(id: u8) -> String {
    guardrail_ct::base64::encode_string(&std::array::from_fn::<u8, 32, _>(|i| id.wrapping_mul(37) ^ (i as u8)))
}

fn expected_keys() -> Vec<KeyInfo> {
    vec![
        KeyInfo { id: 1, status: Status::Enabled, algorithm: Algorithm::Aes256Gcm, primary: false },
        KeyInfo { id: 2, status: Status::Enabled, algorithm: Algorithm::ChaCha20Poly1305, primary: true },
        KeyInfo { id: 3, status: Status::Disabled, algorithm: Algorithm::Aes256Gcm, primary: false },
    ]
}

fn golden_keyring() -> Keyring {
    Keyring::from_json(&read("keyring.json")).unwrap()
}

#[test]
fn keyring_json_loads_and_re_encodes_byte_for_byte() {
    let text = read("keyring.json");
    let k = Keyring::from_json(&text).unwrap();
    assert_eq!(k.keys().collect::<Vec<_>>(), expected_keys());
    assert_eq!(k.primary_id(), 2);
    assert_eq!(k.export_json_insecure_plaintext_keys().as_str(), text);
}

#[test]
fn keyring_json_tampered_twin_is_refused() {
    // The primary is the disabled key 3.
    assert!(matches!(Keyring::from_json(&read("keyring.tampered.json")), Err(Error::MalformedKeyring)));
}

#[test]
fn envelope_opens_to_the_golden_keyring() {
    let k = Keyring::from_envelope(&read("envelope.json"), &master_key()).unwrap();
    assert_eq!(k.export_json_insecure_plaintext_keys().as_str(), read("keyring.json"));
}

#[test]
fn envelope_tampered_twin_is_refused() {
    assert!(matches!(Keyring::from_envelope(&read("envelope.tampered.json"), &master_key()), Err(Error::Decrypt)));
}

#[test]
fn sealed_bytes_open_to_their_plaintext() {
    let k = golden_keyring();
    for (name, key_id) in [("sealed-primary.txt", 2), ("sealed-old-key.txt", 1)] {
        let text = read(name);
        let sealed = guardrail_ct::hex::decode_vec(field(&text, "sealed_hex")).unwrap();
        assert_eq!(Keyring::sealed_key_id(&sealed), Some(key_id), "{name}");
        assert_eq!(sealed[0], 1, "{name}: version byte");
        let opened = k.open(&sealed, field(&text, "associated_data").as_bytes()).unwrap();
        assert_eq!(opened.expose_secret(), field(&text, "plaintext").as_bytes(), "{name}");
    }
}

#[test]
fn sealed_tampered_twins_are_refused() {
    let k = golden_keyring();
    for name in ["sealed-primary.tampered.txt", "sealed-old-key.tampered.txt"] {
        let text = read(name);
        let sealed = guardrail_ct::hex::decode_vec(field(&text, "sealed_hex")).unwrap();
        assert!(matches!(k.open(&sealed, field(&text, "associated_data").as_bytes()), Err(Error::Decrypt)), "{name}");
    }
}

/// Writes the files above: `cargo test -p <crate> --test golden_keyring --
/// --ignored write_golden_vectors`. Run once; the committed files are the
/// vectors (rerunning makes new nonces, so new sealed bytes and envelope).
#[test]
#[ignore = "writes tests/data: run by hand to make new vectors"]
fn write_golden_vectors() {
    let keys = [(1u8, "enabled", "AES256_GCM"), (2, "enabled", "CHACHA20_POLY1305"), (3, "disabled", "AES256_GCM")];
    let entries: Vec<String> = keys
        .iter()
        .map(|(id, status, alg)| {
            format!(r#"{{"id":{id},"status":"{status}","algorithm":"{alg}","key":"{}"}}"#, material(*id))
        })
        .collect();
    let compact = format!(r#"{{"version":1,"primary":2,"keys":[{}]}}"#, entries.join(","));
    let k = Keyring::from_json(&compact).unwrap();
    let json = k.export_json_insecure_plaintext_keys();
    std::fs::write(data("keyring.json"), json.as_bytes()).unwrap();
    let tampered = json.replacen("\"primary\": 2", "\"primary\": 3", 1);
    assert_ne!(tampered.as_str(), json.as_str());
    std::fs::write(data("keyring.tampered.json"), tampered).unwrap();

    let envelope = k.to_envelope(&master_key()).unwrap();
    std::fs::write(data("envelope.json"), &envelope).unwrap();
    let at = envelope.find("\"sealed_keyring\"").unwrap() + 40;
    std::fs::write(data("envelope.tampered.json"), tamper_char(&envelope, at)).unwrap();

    // Sealed under the primary (2), and under key 1 by a copy of the
    // keyring whose primary is 1.
    let old_primary = Keyring::from_json(&compact.replacen("\"primary\":2", "\"primary\":1", 1)).unwrap();
    for (name, keyring, plaintext, aad) in [
        ("sealed-primary", &k, "card ending 4242", "user:42/payment"),
        ("sealed-old-key", &old_primary, "1985-10-26", "user:7/birthday"),
    ] {
        let sealed = guardrail_ct::hex::encode_string(&keyring.seal(plaintext.as_bytes(), aad.as_bytes()).unwrap());
        let body = |hex: &str| format!("plaintext: {plaintext}\nassociated_data: {aad}\nsealed_hex: {hex}\n");
        std::fs::write(data(&format!("{name}.txt")), body(&sealed)).unwrap();
        // The last character: inside the tag.
        let last = sealed.len() - 1;
        let flipped = format!("{}{}", &sealed[..last], if sealed.ends_with('0') { '1' } else { '0' });
        std::fs::write(data(&format!("{name}.tampered.txt")), body(&flipped)).unwrap();
    }
    println!("wrote the golden keyring vectors");
}

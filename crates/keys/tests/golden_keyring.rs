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

/// The raw key material of key `id` of `keyring.json`: distinct per id.
fn raw_material(id: u8) -> [u8; 32] {
    std::array::from_fn(|i| id.wrapping_mul(37) ^ (i as u8))
}

/// The keys of `keyring.json`, base64 as the file holds them.
fn material(id: u8) -> String {
    guardrail_ct::base64::encode_string(&raw_material(id))
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

/// The envelope split at its `sealed_keyring` value: the text with that
/// value masked, and the value decoded (standard base64, padded).
fn envelope_parts(envelope: &str) -> (String, Vec<u8>) {
    let start = envelope.find("\"sealed_keyring\": \"").unwrap() + "\"sealed_keyring\": \"".len();
    let end = start + envelope[start..].find('"').unwrap();
    let value = &envelope[start..end];
    assert!(value.bytes().all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)), "standard base64 alphabet");
    assert_eq!(value.len() % 4, 0, "padded base64");
    let masked = format!("{}<sealed>{}", &envelope[..start], &envelope[end..]);
    (masked, guardrail_ct::base64::decode_vec(value).unwrap())
}

/// New data is written as the golden was: `to_envelope` of the golden
/// keyring has the golden envelope's text (field names, order, version,
/// layout) once the random sealed value is masked, and that value is the
/// same base64 flavour, decodes to the same length and starts with the same
/// header (version 1, master key id 0); only the nonce and ciphertext
/// differ.
#[test]
fn to_envelope_writes_the_golden_envelope_shape() {
    let golden = read("envelope.json");
    let written = golden_keyring().to_envelope(&master_key()).unwrap();
    let (golden_text, golden_sealed) = envelope_parts(&golden);
    let (written_text, written_sealed) = envelope_parts(&written);
    assert_eq!(written_text, golden_text);
    assert_eq!(written.len(), golden.len());
    assert_eq!(written_sealed.len(), golden_sealed.len());
    assert_eq!(written_sealed.len(), read("keyring.json").len() + 33, "keyring JSON + header + tag");
    assert_eq!(written_sealed[..5], golden_sealed[..5], "version and key id");
    assert_eq!(written_sealed[..5], [1, 0, 0, 0, 0]);
    assert_ne!(written_sealed[5..17], golden_sealed[5..17], "a fresh nonce");
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

/// New sealed bytes are laid out as the golden ones: sealing each golden's
/// plaintext again under the key that sealed it gives the same header
/// (`01` ‖ key id, big-endian) and the same length, plaintext + 33 bytes
/// (12-byte nonce, 16-byte tag); the nonce is fresh.
#[test]
fn seal_writes_the_golden_layout() {
    let primary = golden_keyring();
    let mut old = golden_keyring();
    old.promote(1).unwrap();
    for (name, keyring) in [("sealed-primary.txt", &primary), ("sealed-old-key.txt", &old)] {
        let text = read(name);
        let golden = guardrail_ct::hex::decode_vec(field(&text, "sealed_hex")).unwrap();
        let plaintext = field(&text, "plaintext");
        let written = keyring.seal(plaintext.as_bytes(), field(&text, "associated_data").as_bytes()).unwrap();
        assert_eq!(written[..5], golden[..5], "{name}: version and key id");
        assert_eq!(written.len(), golden.len(), "{name}");
        assert_eq!(written.len(), plaintext.len() + 33, "{name}: plaintext + header + tag");
        assert_ne!(written[5..17], golden[5..17], "{name}: a fresh nonce");
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

/// Data sealed with empty associated data by a release whose `seal` still
/// took it (`guardrail keyring seal` without `--aad` did, by default)
/// still opens, with empty associated data only; its tampered twin fails.
#[test]
fn sealed_with_empty_associated_data_by_an_earlier_release_still_opens() {
    let k = golden_keyring();
    let text = read("sealed-empty-ad.txt");
    let sealed = guardrail_ct::hex::decode_vec(field(&text, "sealed_hex")).unwrap();
    assert_eq!(Keyring::sealed_key_id(&sealed), Some(2));
    let opened = k.open(&sealed, b"").unwrap();
    assert_eq!(opened.expose_secret(), field(&text, "plaintext").as_bytes());
    assert!(matches!(k.open(&sealed, b"users:1:email"), Err(Error::Decrypt)));
    let twin = guardrail_ct::hex::decode_vec(field(&read("sealed-empty-ad.tampered.txt"), "sealed_hex")).unwrap();
    assert!(matches!(k.open(&twin, b""), Err(Error::Decrypt)));
}

/// Writes `sealed-empty-ad.txt` and its twin: `cargo test -p guardrail-keys
/// --test golden_keyring -- --ignored write_empty_ad_golden_vector`. The
/// committed files were written by `Keyring::seal(.., b"")` (commit
/// b699026d) before `seal` refused empty associated data; since then this
/// generator takes the steps that `seal` took, with ring directly: header
/// `01` ‖ key id ‖ random nonce, then ChaCha20-Poly1305 under key 2 over
/// the plaintext, the header's first five bytes as associated data and
/// nothing after them. The committed files are the vector.
#[test]
#[ignore = "writes tests/data: run by hand to make new vectors"]
fn write_empty_ad_golden_vector() {
    use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
    use ring::rand::{SecureRandom, SystemRandom};
    let plaintext = "sealed without associated data";
    let mut nonce = [0u8; 12];
    SystemRandom::new().fill(&mut nonce).unwrap();
    let mut sealed = vec![1, 0, 0, 0, 2];
    sealed.extend_from_slice(&nonce);
    let header: [u8; 5] = sealed[..5].try_into().unwrap();
    let key = LessSafeKey::new(UnboundKey::new(&CHACHA20_POLY1305, &raw_material(2)).unwrap());
    let mut body = plaintext.as_bytes().to_vec();
    key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(header), &mut body).unwrap();
    sealed.extend_from_slice(&body);
    assert_eq!(golden_keyring().open(&sealed, b"").unwrap().expose_secret(), plaintext.as_bytes());
    write_empty_ad_files(plaintext, &guardrail_ct::hex::encode_string(&sealed));
}

/// The vector and its twin (the last hex digit, inside the tag). The
/// associated data is empty, so the file has no `associated_data` line
/// (an empty value would end the line in a space an editor may strip).
fn write_empty_ad_files(plaintext: &str, sealed_hex: &str) {
    let note = "note: sealed under key 2 of keyring.json with empty associated data (b\"\")";
    let body = |hex: &str| format!("{note}\nplaintext: {plaintext}\nsealed_hex: {hex}\n");
    std::fs::write(data("sealed-empty-ad.txt"), body(sealed_hex)).unwrap();
    let last = sealed_hex.len() - 1;
    let flipped = format!("{}{}", &sealed_hex[..last], if sealed_hex.ends_with('0') { '1' } else { '0' });
    std::fs::write(data("sealed-empty-ad.tampered.txt"), body(&flipped)).unwrap();
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

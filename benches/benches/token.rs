//! guardrail-token's hot paths beside the raw ring calls they wrap:
//! API-key verify (parse + checksum + digest + constant-time compare) vs a
//! bare SHA-256 and compare; signed-token verify vs a bare HMAC verify;
//! each also beside a hand-rolled equivalent that does the same checks
//! with ring and no guardrail (what the overhead of the API is, as
//! opposed to the overhead of the work);
//! AEAD seal and open at 64 B and 1 KiB vs bare ring seal/open (with a
//! random nonce, as any correct caller needs).
#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // bench code

use std::{hint::black_box, time::Duration};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use guardrail_keys::{Algorithm, Keyring, MacKeyring};
use guardrail_secret::{ExposeSecret, SecretSlice};
use guardrail_token::{
    ApiKey, ApiKeyIssuer,
    signed::{Purpose, TokenSigner},
};
use ring::{
    aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey},
    digest, hmac,
    rand::{SecureRandom, SystemRandom},
};

struct Session;
impl Purpose for Session {
    const NAME: &'static str = "session";
}

fn api_key(c: &mut Criterion) {
    let (key, stored) = ApiKeyIssuer::new("acme_live").unwrap().issue().unwrap();
    let text = key.expose_secret().to_owned();
    let raw_digest = digest::digest(&digest::SHA256, text.as_bytes());
    let prefix_len = "acme_live_".len();
    let mut group = c.benchmark_group("api_key_verify");
    group.bench_function("guardrail parse + checksum + digest + compare", |b| {
        b.iter(|| {
            let k = ApiKey::parse(black_box(&text), "acme_live").unwrap();
            stored.verify(&k).is_ok()
        })
    });
    group.bench_function("raw ring SHA-256 + compare", |b| {
        b.iter(|| {
            let t = black_box(&text);
            let d = digest::digest(&digest::SHA256, t.as_bytes());
            t.len() > prefix_len && d.as_ref() == raw_digest.as_ref()
        })
    });
    // The same checks by hand: prefix, length, alphabet, CRC-32 checksum,
    // then the digest compared with ring's constant-time compare.
    let hand_digest = digest::digest(&digest::SHA256, text.as_bytes());
    let crc_of = |body: &str| {
        let mut v = crc32fast::hash(body.as_bytes());
        let mut out = [b'0'; 6];
        for slot in out.iter_mut().rev() {
            *slot = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"[(v % 62) as usize];
            v /= 62;
        }
        out
    };
    group.bench_function("hand-rolled checks + SHA-256 + ct compare", |b| {
        b.iter(|| {
            let t = black_box(&text);
            let Some(rest) = t.strip_prefix("acme_live_") else { return false };
            if rest.len() != 36 || !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return false;
            }
            let (body, sum) = t.split_at(t.len() - 6);
            if crc_of(body) != sum.as_bytes() {
                return false;
            }
            let d = digest::digest(&digest::SHA256, t.as_bytes());
            ring_ct_eq(d.as_ref(), hand_digest.as_ref())
        })
    });
    group.finish();
}

fn signed(c: &mut Criterion) {
    // Not one repeated byte: `from_key` refuses such placeholder keys.
    let key_bytes: Vec<u8> = (1..=32).collect();
    let keyring = MacKeyring::from_key(1, &SecretSlice::from(key_bytes.clone())).unwrap();
    let signer = TokenSigner::<Session>::new(keyring);
    let token = signer.sign("user-1234567", Duration::from_secs(3600)).unwrap();
    let raw_key = hmac::Key::new(hmac::HMAC_SHA256, &key_bytes);
    let message = b"guardrail signed token v1\0session\x001\x001800000000\0user-1234567";
    let tag = hmac::sign(&raw_key, message);
    let mut group = c.benchmark_group("signed_token_verify");
    group.bench_function("guardrail TokenSigner::verify", |b| b.iter(|| signer.verify(black_box(&token)).is_ok()));
    group.bench_function("raw ring hmac::verify", |b| {
        b.iter(|| hmac::verify(&raw_key, black_box(message), tag.as_ref()).is_ok())
    });
    // The same token checked by hand: split, decode subject and tag,
    // rebuild the message, HMAC verify, expiry against the system clock.
    group.bench_function("hand-rolled split + decode + hmac::verify + expiry", |b| {
        use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
        b.iter(|| {
            let t: &str = black_box(&token);
            let mut parts = t.split('.');
            let (Some("v1"), Some(kid), Some(exp), Some(subject), Some(tag), None) =
                (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return None;
            };
            let expires: u64 = exp.parse().ok()?;
            let subject = URL_SAFE_NO_PAD.decode(subject).ok()?;
            let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
            let mut m = Vec::with_capacity(64 + subject.len());
            for part in [b"guardrail signed token v1".as_slice(), b"session", kid.as_bytes(), exp.as_bytes()] {
                m.extend_from_slice(part);
                m.push(0);
            }
            m.extend_from_slice(&subject);
            hmac::verify(&raw_key, &m, &tag).ok()?;
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
            (now < expires).then(|| String::from_utf8(subject).ok())?
        })
    });
    group.finish();
}

fn aead(c: &mut Criterion) {
    let keyring = Keyring::generate(Algorithm::Aes256Gcm).unwrap();
    let raw = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &[9u8; 32]).unwrap());
    let rng = SystemRandom::new();
    let mut group = c.benchmark_group("aead_aes256gcm");
    for size in [64usize, 1024] {
        let plain = vec![0x42u8; size];
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::new("guardrail seal", size), &plain, |b, p| {
            b.iter(|| keyring.seal(black_box(p), b"aad").unwrap())
        });
        group.bench_with_input(BenchmarkId::new("raw ring seal (+ random nonce)", size), &plain, |b, p| {
            b.iter(|| {
                let mut nonce = [0u8; 12];
                rng.fill(&mut nonce).unwrap();
                let mut buf = black_box(p).clone();
                raw.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(b"aad"), &mut buf).unwrap();
                buf
            })
        });
        let sealed = keyring.seal(&plain, b"aad").unwrap();
        let mut raw_sealed = plain.clone();
        raw.seal_in_place_append_tag(Nonce::assume_unique_for_key([1u8; 12]), Aad::from(b"aad"), &mut raw_sealed)
            .unwrap();
        group.bench_with_input(BenchmarkId::new("guardrail open", size), &sealed, |b, s| {
            b.iter(|| keyring.open(black_box(s), b"aad").unwrap())
        });
        group.bench_with_input(BenchmarkId::new("raw ring open", size), &raw_sealed, |b, s| {
            b.iter(|| {
                let mut buf = black_box(s).clone();
                raw.open_in_place(Nonce::assume_unique_for_key([1u8; 12]), Aad::from(b"aad"), &mut buf)
                    .map(|p| p.len())
                    .unwrap()
            })
        });
    }
    group.finish();
}

/// ring's constant-time comparison (deprecated in ring in favour of
/// crates like guardrail-ct; used here only to keep the baseline pure ring).
#[allow(deprecated)]
fn ring_ct_eq(a: &[u8], b: &[u8]) -> bool {
    ring::constant_time::verify_slices_are_equal(a, b).is_ok()
}

criterion_group!(benches, api_key, signed, aead);
criterion_main!(benches);

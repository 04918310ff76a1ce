//! The cost model's factors, measured on this machine: nanoseconds per
//! unit of every primitive a stored hash can ask for (a PBKDF2 iteration,
//! an scrypt unit of N·r·p, bcrypt's 2^cost, a sha-crypt or sha1-crypt
//! round, one MD5, one plain digest), divided by the nanoseconds of one
//! argon2 block pass measured in the same run (argon2-rust, the default
//! engine, one lane on one thread: every other primitive runs on one
//! thread too). Prints the table in the shape of `cost::factor` in
//! crates/password/src/cost.rs (thousandths of a block pass per unit).
//!
//! The same crates the library computes with (pbkdf2, scrypt, bcrypt,
//! sha-crypt, hmac + sha1, md-5, sha2). Each figure is the median of
//! several runs sized to take tens of milliseconds.
//!
//! Usage: cargo run --release -p guardrail-benches --bin cost-model [-- --runs N]
#![allow(clippy::print_stdout, clippy::print_stderr)] // a measuring tool

use std::{hint::black_box, time::Instant};

use guardrail_benches::engines::{backends, quantile};
use hmac::{KeyInit, Mac};
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

const PASSWORD: &[u8] = b"correct horse battery staple";
const SALT: &[u8; 16] = b"0123456789abcdef";

/// One primitive: its `cost::factor` name, the unit, how many units one
/// run does, and the run.
struct Primitive {
    name: &'static str,
    unit: &'static str,
    units: u64,
    run: Box<dyn Fn()>,
}

/// The median, over `runs` runs, of nanoseconds per unit.
fn ns_per_unit(runs: usize, units: u64, run: &dyn Fn()) -> f64 {
    run(); // warm up
    let mut samples: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed().as_nanos() as f64 / units as f64
        })
        .collect();
    quantile(&mut samples, 0.5)
}

/// One argon2 block pass: argon2id at m = 19456 KiB, t = 2, p = 1 (OWASP),
/// one thread, on argon2-rust's pooled hasher (its arena kept warm, as the
/// engine's workers keep theirs).
fn block_pass(runs: usize) -> Result<f64, Box<dyn std::error::Error>> {
    let (m, t) = (19_456u32, 2u32);
    let params = argon2_rust::Params::builder()
        .memory(argon2_rust::params::Memory::kib(u64::from(m)))
        .passes(t)
        .lanes(1)
        .threads(1)
        .build()?;
    let argon = argon2_rust::Argon2::new(argon2_rust::Algorithm::Argon2id, argon2_rust::Version::V0x13, params);
    let hasher = std::cell::RefCell::new(argon.hasher());
    let run = || {
        let mut tag = [0u8; 32];
        let _ = black_box(hasher.borrow_mut().hash_into(PASSWORD, SALT, &mut tag));
    };
    Ok(ns_per_unit(runs, u64::from(m) * u64::from(t), &run))
}

/// PBKDF2-HMAC over `D` (output `out_len` bytes: one PRF block, the unit
/// the factor counts).
fn pbkdf2<D: hmac::EagerHash>(name: &'static str, iterations: u32, out_len: usize) -> Primitive {
    primitive(name, "iteration", u64::from(iterations), move || {
        let mut out = vec![0u8; out_len];
        pbkdf2::pbkdf2_hmac::<D>(PASSWORD, SALT, iterations, &mut out);
        black_box(out);
    })
}

fn primitives() -> Result<Vec<Primitive>, Box<dyn std::error::Error>> {
    let scrypt_params = scrypt::Params::new(14, 8, 1)?;
    let sha_params = sha_crypt::Params::new(200_000).map_err(|e| e.to_string())?;
    let sha1_crypt_rounds = 200_000u32;
    let md5_rounds = 1u32 << 18;
    let digests = 200_000u32;
    Ok(vec![
        pbkdf2::<Sha1>("PBKDF2_SHA1", 200_000, 20),
        pbkdf2::<Sha256>("PBKDF2_SHA256", 200_000, 32),
        pbkdf2::<Sha512>("PBKDF2_SHA512", 50_000, 64),
        primitive("SCRYPT", "N·r·p", (1 << 14) * 8, move || {
            let mut out = [0u8; 32];
            let _ = black_box(scrypt::scrypt(PASSWORD, SALT, &scrypt_params, &mut out));
        }),
        primitive("BCRYPT", "2^cost", 1 << 10, || drop(black_box(bcrypt::hash_with_salt(PASSWORD, 10, *SALT)))),
        primitive("SHA256_CRYPT", "round", 200_000, move || {
            black_box(sha_crypt::sha256_crypt(PASSWORD, SALT, sha_params));
        }),
        primitive("SHA512_CRYPT", "round", 200_000, move || {
            black_box(sha_crypt::sha512_crypt(PASSWORD, SALT, sha_params));
        }),
        primitive("SHA1_CRYPT", "round", u64::from(sha1_crypt_rounds), move || {
            // NetBSD's loop: HMAC-SHA1 keyed with the password, per round.
            let Ok(mac) = hmac::Hmac::<Sha1>::new_from_slice(PASSWORD) else { return };
            let mut result = mac.clone().chain_update(SALT).finalize().into_bytes();
            for _ in 1..sha1_crypt_rounds {
                result = mac.clone().chain_update(result).finalize().into_bytes();
            }
            black_box(result);
        }),
        primitive("MD5", "MD5", u64::from(md5_rounds), move || {
            // phpass's loop: MD5(digest ‖ password).
            let mut digest = Md5::new().chain_update(SALT).chain_update(PASSWORD).finalize();
            for _ in 0..md5_rounds {
                digest = Md5::new().chain_update(digest).chain_update(PASSWORD).finalize();
            }
            black_box(digest);
        }),
        primitive("DIGEST", "digest", u64::from(digests), move || {
            // The slowest plain digest of a short salted input: SHA-512.
            let mut acc = 0u8;
            for i in 0..digests {
                let d = Sha512::new().chain_update(i.to_le_bytes()).chain_update(SALT).chain_update(PASSWORD);
                acc ^= d.finalize().first().copied().unwrap_or(0);
            }
            black_box(acc);
        }),
    ])
}

fn primitive(name: &'static str, unit: &'static str, units: u64, run: impl Fn() + 'static) -> Primitive {
    Primitive { name, unit, units, run: Box::new(run) }
}

/// `--runs N` (default 5, at least 3); usage and exit 2 on anything else.
fn parse_args() -> usize {
    let mut runs = 5usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next().map(|v| v.parse::<usize>())) {
            ("--runs", Some(Ok(n))) if n >= 3 => runs = n,
            _ => {
                eprintln!("usage: cost-model [--runs N]   (default 5, at least 3)");
                std::process::exit(2);
            }
        }
    }
    runs
}

fn main() {
    let runs = parse_args();
    let (bp, primitives) = match block_pass(runs).and_then(|bp| Ok((bp, primitives()?))) {
        Ok(both) => both,
        Err(e) => {
            eprintln!("cost-model: {e}");
            std::process::exit(1);
        }
    };
    println!("cost-model: {}; median of {runs} runs each", backends());
    println!("argon2 block pass (argon2id m=19456 t=2 p=1, one thread): {bp:.1} ns\n");
    println!("{:<14} {:>12} {:>10}  unit", "factor", "ns/unit", "milli-bp");
    let mut table = Vec::new();
    for p in &primitives {
        let ns = ns_per_unit(runs, p.units, p.run.as_ref());
        let milli = (ns / bp * 1000.0).round().max(1.0) as u64;
        println!("{:<14} {ns:>12.1} {milli:>10}  per {}", p.name, p.unit);
        table.push((p.name, p.unit, milli));
    }
    println!("\n// measured by `cargo run --release -p guardrail-benches --bin cost-model`");
    println!("pub(crate) mod factor {{");
    for (name, unit, milli) in table {
        println!("    /// per {unit}");
        println!("    pub(crate) const {name}: u64 = {milli};");
    }
    println!("}}");
}

//! The census's attacker column: guesses per second one GPU makes against
//! one stored hash, from public hashcat benchmark figures scaled linearly
//! by the stored work factor (iterations, 2^cost, N·r·p). Every figure
//! carries its source; a scheme without one says "no public figure".
//!
//! Source: `hashcat -b` v6.2.6 on one NVIDIA RTX 4090, published by Sam
//! Croley (Chick3nman), <https://gist.github.com/Chick3nman/32e662a5bb63bc4f51b847bb422222fd>.
//! The rows used (mode, speed, the work the benchmark hash states):
//! 0 MD5 164.1 GH/s; 100 SHA1 50,638.7 MH/s; 1400 SHA2-256 21,975.5 MH/s;
//! 3200 bcrypt 184.0 kH/s at cost 5 (32 iterations); 10900
//! PBKDF2-HMAC-SHA256 8,865.7 kH/s at 999 iterations; 12100
//! PBKDF2-HMAC-SHA512 3,120.9 kH/s at 999 iterations; 8900 scrypt 7,126
//! H/s at N=16384, r=8, p=1.
//!
//! argon2 (hashcat 6.2.6 has no mode for it): hashcat 7.0.0's release
//! notes give mode 34000 argon2id at m=65536 KiB, t=3, p=1: 1,703 H/s on
//! one RTX 4090, <https://github.com/hashcat/hashcat/releases/tag/v7.0.0>.
//! A GPU attacker is bound by memory traffic, so the figure is scaled by
//! m·(3t−1) KiB moved per guess (the model behind OWASP's argon2id rows,
//! tobtu.com; docs/src/parameters.md has the derivation), not by m·t.

/// Where the figures come from.
const GIST: &str =
    "hashcat 6.2.6 -b, RTX 4090 (Chick3nman), https://gist.github.com/Chick3nman/32e662a5bb63bc4f51b847bb422222fd";

/// An estimate and its source.
pub(crate) struct Figure {
    /// Guesses per second on one RTX 4090; `None`: no public figure.
    pub(crate) guesses_per_s: Option<f64>,
    /// Where the figure comes from and how it was scaled.
    pub(crate) source: String,
}

/// Where the argon2 figure comes from.
const HASHCAT_7: &str = "hashcat 7.0.0 release notes, RTX 4090, https://github.com/hashcat/hashcat/releases/tag/v7.0.0";

fn none(why: &str) -> Figure {
    Figure { guesses_per_s: None, source: format!("no public figure ({why})") }
}

fn scaled(rate: f64, bench_work: f64, work: f64, mode: &str) -> Figure {
    let guesses = if work > 0.0 { rate * bench_work / work } else { rate };
    Figure { guesses_per_s: Some(guesses), source: format!("{mode} scaled by work: {GIST}") }
}

/// A `k=v` parameter of a census params string.
fn param(params: &str, key: &str) -> Option<f64> {
    params.split(',').filter_map(|kv| kv.split_once('=')).find(|(k, _)| *k == key).and_then(|(_, v)| v.parse().ok())
}

/// The estimate for one group of the census.
pub(crate) fn figure(scheme: &str, params: &str, wrapped: bool) -> Figure {
    if wrapped {
        return none("a wrapped hash: its argon2id layer's parameters are not in the census");
    }
    if scheme.contains("argon2") {
        return match (param(params, "m"), param(params, "t")) {
            (Some(m), Some(t)) if m > 0.0 && t > 0.0 => {
                let moved = |m: f64, t: f64| m * (3.0 * t - 1.0);
                let guesses = 1703.0 * moved(65536.0, 3.0) / moved(m, t);
                Figure {
                    guesses_per_s: Some(guesses),
                    source: format!(
                        "mode 34000 argon2id (m=65536,t=3,p=1) scaled by memory moved, m(3t-1): {HASHCAT_7}"
                    ),
                }
            }
            _ => none("argon2 parameters not stated"),
        };
    }
    if scheme == "plaintext" {
        return Figure { guesses_per_s: None, source: "none needed: the stored value is the password".into() };
    }
    if scheme.contains("bcrypt") {
        return match param(params, "cost") {
            Some(cost) => scaled(184.0e3, 32.0, 2f64.powf(cost), "mode 3200 bcrypt (cost 5)"),
            None => none("cost not stated"),
        };
    }
    if scheme.contains("scrypt") {
        let n =
            param(params, "ln").map(|ln| 2f64.powf(ln)).or_else(|| param(params, "N")).or_else(|| param(params, "n"));
        return match (n, param(params, "r"), param(params, "p")) {
            (Some(n), Some(r), Some(p)) => {
                scaled(7126.0, 16384.0 * 8.0, n * r * p, "mode 8900 scrypt (N=16384,r=8,p=1)")
            }
            _ => none("scrypt parameters implied by the id"),
        };
    }
    let prf = params.split(',').find_map(|kv| kv.strip_prefix("prf="));
    let iterations = param(params, "iterations").or_else(|| param(params, "rounds"));
    let pbkdf2 = |sha: &str| scheme.contains(&format!("pbkdf2-{sha}")) || prf == Some(sha);
    if let Some(iterations) = iterations {
        if pbkdf2("sha256") {
            return scaled(8_865.7e3, 999.0, iterations, "mode 10900 PBKDF2-HMAC-SHA256 (999 iterations)");
        }
        if pbkdf2("sha512") {
            return scaled(3_120.9e3, 999.0, iterations, "mode 12100 PBKDF2-HMAC-SHA512 (999 iterations)");
        }
    }
    if scheme.contains("crypt") || scheme.contains("pbkdf2") || scheme.contains("aspnet") || scheme == "phpass" {
        return none("no RTX 4090 figure at hand for this mode");
    }
    // One salted or unsalted digest: the raw mode's figure (salting assumed free).
    match scheme.rsplit('-').next() {
        Some("md5") => scaled(164.1e9, 1.0, 1.0, "mode 0 MD5 (one digest)"),
        Some("sha1" | "sha" | "ssha") => scaled(50_638.7e6, 1.0, 1.0, "mode 100 SHA1 (one digest)"),
        Some("sha256") if !scheme.starts_with("spring-sha256") => {
            scaled(21_975.5e6, 1.0, 1.0, "mode 1400 SHA2-256 (one digest)")
        }
        _ => none("no RTX 4090 figure at hand for this mode"),
    }
}

#[cfg(test)]
mod tests {
    use super::figure;

    #[test]
    fn figures_scale_by_work_and_name_their_source() {
        let bcrypt = figure("bcrypt", "cost=10", false);
        assert_eq!(bcrypt.guesses_per_s.map(f64::round), Some(5750.0));
        assert!(bcrypt.source.contains("gist.github.com/Chick3nman"));
        let pbkdf2 = figure("django-pbkdf2-sha256", "iterations=1000000", false);
        assert_eq!(pbkdf2.guesses_per_s.map(f64::round), Some(8857.0));
        let aspnet = figure("aspnet-v3", "prf=sha512,iterations=100000,len=32", false);
        assert_eq!(aspnet.guesses_per_s.map(f64::round), Some(31178.0));
        let scrypt = figure("passlib-scrypt", "ln=16,r=8,p=1", false);
        assert_eq!(scrypt.guesses_per_s.map(f64::round), Some(1782.0));
        let django = figure("django-scrypt", "N=16384,r=8,p=5", false);
        assert_eq!(django.guesses_per_s.map(f64::round), Some(1425.0));
        assert_eq!(figure("django-md5", "", false).guesses_per_s, Some(164.1e9));
        // argon2: hashcat 7.0.0's 1,703 H/s at m=65536,t=3 scaled by memory
        // moved, m(3t-1): OWASP's m=19456,t=2 moves 97,280 KiB a guess.
        let argon2 = figure("argon2id", "m=19456,t=2,p=1", false);
        assert_eq!(argon2.guesses_per_s.map(f64::round), Some(9178.0));
        assert!(argon2.source.contains("hashcat 7.0.0"));
        assert!(figure("argon2id", "", false).guesses_per_s.is_none(), "parameters not stated");
        for (scheme, params) in [("sha512-crypt", "rounds=656000"), ("md5-crypt", "")] {
            let f = figure(scheme, params, false);
            assert!(f.guesses_per_s.is_none() && f.source.starts_with("no public figure"), "{scheme}");
        }
        assert!(figure("django-md5", "", true).guesses_per_s.is_none(), "a wrapped hash costs argon2id too");
    }
}

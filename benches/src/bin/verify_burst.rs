//! 64 concurrent password verifies at the default profile: throughput and
//! peak memory, through guardrail's admission and its workers' pooled
//! working memory. Two baselines, each in a child process so the peaks stay
//! apart: argon2-rust 1.1's pooled `Hasher` on `bound` threads verifying
//! back to back (the steady rate the bare engine reaches on this machine,
//! beside guardrail's), and the raw RustCrypto argon2 crate with one thread
//! and one allocation per verify, all 64 at once (no admission).
//!
//! Goals (the password issue): peak RSS <= bound × m + 32 MiB, and burst
//! throughput >= 0.9 × the steady rate of `bound` threads verifying back to
//! back.
//!
//! Usage: cargo run --release -p guardrail-benches --bin verify-burst
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::unwrap_used, clippy::expect_used)] // a measuring tool

use std::{
    sync::{Arc, Barrier},
    time::Instant,
};

use guardrail_benches::engines::{self, Argon2Rust, Profile};
use guardrail_password::{Params, PasswordHasher, Verification};
use guardrail_secret::SecretString;

const BURST: usize = 64;
const ROUNDS: usize = 5;

/// 64 callers released at once: verifies per second, and how many got Busy.
/// Timed from the release to the last verify's end; the threads are
/// created before and exit after (a server's callers are pool threads that
/// neither start nor end per login, and thread teardown — stack unmapping
/// and the TLB shootdowns it sends to the other core — is not the
/// admission path being measured).
fn burst(hasher: &Arc<PasswordHasher>, stored: &str) -> (f64, usize) {
    let start = Arc::new(Barrier::new(BURST + 1));
    let done = Arc::new(Barrier::new(BURST + 1));
    let threads: Vec<_> = (0..BURST)
        .map(|_| {
            let (hasher, stored) = (Arc::clone(hasher), stored.to_owned());
            let (start, done) = (Arc::clone(&start), Arc::clone(&done));
            std::thread::spawn(move || {
                start.wait();
                let guess = SecretString::from("an attacker's guess");
                let result =
                    hasher.verify_login(&guess, Some(&stored)).map(|v| matches!(v, Verification::Valid { .. }));
                let finished = Instant::now();
                done.wait();
                (result, finished)
            })
        })
        .collect();
    start.wait();
    let t0 = Instant::now();
    done.wait();
    let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let end = results.iter().map(|(_, finished)| *finished).max().unwrap_or(t0);
    let busy = results.iter().filter(|(r, _)| r.is_err()).count();
    ((BURST - busy) as f64 / end.duration_since(t0).as_secs_f64(), busy)
}

/// `bound` threads verifying back to back: verifies per second.
fn steady(hasher: &Arc<PasswordHasher>, stored: &str, bound: usize) -> f64 {
    // As many verifies as a burst (BURST over `bound` threads), so both
    // runs last about as long.
    let per_thread = BURST.div_ceil(bound);
    let t1 = Instant::now();
    let threads: Vec<_> = (0..bound)
        .map(|_| {
            let (hasher, stored) = (Arc::clone(hasher), stored.to_owned());
            std::thread::spawn(move || {
                for _ in 0..per_thread {
                    // A full verify each time: a Busy or an error would be counted as one.
                    let outcome = hasher.verify(&SecretString::from("an attacker's guess"), &stored);
                    assert!(matches!(outcome, Ok(Verification::Invalid)), "a steady verify answered Busy or an error");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    (bound * per_thread) as f64 / t1.elapsed().as_secs_f64()
}

/// Peak resident set size of this process so far, MiB (Linux `VmHWM`).
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(f64::NAN);
    kib / 1024.0
}

fn raw_argon2_burst() {
    let params = argon2::Params::new(19456, 2, 1, Some(32)).unwrap();
    let argon = Arc::new(argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params));
    let start = Arc::new(Barrier::new(BURST));
    let t0 = Instant::now();
    let threads: Vec<_> = (0..BURST)
        .map(|_| {
            let (argon, start) = (Arc::clone(&argon), Arc::clone(&start));
            std::thread::spawn(move || {
                start.wait();
                let mut out = [0u8; 32];
                argon.hash_password_into(b"an attacker's guess", b"0123456789abcdef", &mut out).unwrap();
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "argon2 0.6, unbounded   {BURST} verifies in {secs:.2} s = {:.1} verifies/s, peak RSS {:.0} MiB",
        BURST as f64 / secs,
        peak_rss_mib()
    );
}

/// The first line of the argon2-rust child's output: its steady rate
/// (verifies/s) and peak RSS (MiB), for the parent to read.
const RATE_LINE: &str = "argon2-rust-steady";

/// `bound` threads, each with its own pooled argon2-rust `Hasher` (arena
/// sized before the clock starts), verifying back to back as many times as
/// the guardrail steady run does; the median rate of ROUNDS rounds.
fn argon2_rust_steady(bound: usize) {
    let per_thread = BURST.div_ceil(bound);
    let mut rates: Vec<f64> = (0..ROUNDS)
        .map(|_| {
            let start = Arc::new(Barrier::new(bound + 1));
            let threads: Vec<_> = (0..bound)
                .map(|_| {
                    let start = Arc::clone(&start);
                    std::thread::spawn(move || {
                        let mut engine = Argon2Rust::new(Profile::OWASP, 1).unwrap();
                        start.wait();
                        for _ in 0..per_thread {
                            assert!(engine.run().unwrap(), "argon2-rust accepted a wrong password");
                        }
                    })
                })
                .collect();
            start.wait();
            let t0 = Instant::now();
            for t in threads {
                t.join().unwrap();
            }
            (bound * per_thread) as f64 / t0.elapsed().as_secs_f64()
        })
        .collect();
    let rate = engines::quantile(&mut rates, 0.5);
    println!("{RATE_LINE} {rate} {}", peak_rss_mib());
}

/// Runs this binary with `args` and returns its standard output, or `None`
/// (said on stderr) if it failed.
fn child(args: &[&str]) -> Option<String> {
    let output = std::process::Command::new(std::env::current_exe().ok()?).args(args).output();
    match output {
        Ok(out) if out.status.success() => Some(String::from_utf8_lossy(&out.stdout).into_owned()),
        _ => {
            eprintln!("(the baseline {args:?} failed to run)");
            None
        }
    }
}

/// The argon2-rust baseline's steady rate and peak RSS, printed beside
/// guardrail's steady rate.
fn report_argon2_rust(bound: usize, steady_rate: f64) {
    let Some(out) = child(&["--argon2-rust-child", &bound.to_string()]) else { return };
    let numbers: Vec<f64> = out
        .lines()
        .find_map(|l| l.strip_prefix(RATE_LINE))
        .map(|rest| rest.split_whitespace().filter_map(|n| n.parse().ok()).collect())
        .unwrap_or_default();
    let [rate, peak] = numbers[..] else {
        eprintln!("(the argon2-rust baseline printed no rate)");
        return;
    };
    println!(
        "argon2-rust pooled      {bound} threads back to back (median of {ROUNDS}): {rate:.1} verifies/s, peak RSS {peak:.0} MiB; guardrail's steady rate = {:.2} x it",
        steady_rate / rate
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("--raw-child") => return raw_argon2_burst(),
        Some("--argon2-rust-child") => {
            return argon2_rust_steady(args.get(2).and_then(|b| b.parse().ok()).unwrap_or(1));
        }
        _ => {}
    }
    println!("verify-burst: {}", engines::backends());
    let hasher = Arc::new(PasswordHasher::default());
    let bound = hasher.max_concurrent();
    let m_mib = f64::from(Params::OWASP.m_cost()) / 1024.0;
    let stored = hasher.hash(&SecretString::from("the real password")).unwrap().into_string_for_storage();
    let baseline = peak_rss_mib();
    println!(
        "verify-burst: m=19456 KiB, t=2, p=1; admission bound {bound} (memory budget 256 MiB / 19 MiB, capped at the cores)"
    );

    // Five rounds of a burst beside a steady run, so each ratio compares
    // measurements taken seconds apart (this machine's speed drifts more
    // than the effect being measured); the median ratio is the result.
    let mut rounds = Vec::new();
    let mut busy = 0;
    for _ in 0..ROUNDS {
        let (rate, refused) = burst(&hasher, &stored);
        busy += refused;
        rounds.push((rate, steady(&hasher, &stored, bound)));
    }
    let peak = peak_rss_mib();
    let mut ratios: Vec<f64> = rounds.iter().map(|(b, s)| b / s).collect();
    ratios.sort_by(f64::total_cmp);
    let ratio = ratios.get(ROUNDS / 2).copied().unwrap_or(0.0);
    let (burst_rate, steady_rate) =
        rounds.iter().copied().find(|(b, s)| (b / s - ratio).abs() < f64::EPSILON).unwrap_or((0.0, 0.0));
    let rss_goal = bound as f64 * m_mib + 32.0;
    for (i, (b, st)) in rounds.iter().enumerate() {
        println!("round {}: burst {b:.1} verifies/s, steady {st:.1} verifies/s, ratio {:.2}", i + 1, b / st);
    }
    println!(
        "guardrail, bounded      {BURST} verifies per burst, {busy} answered Busy in all, peak RSS {peak:.0} MiB (baseline {baseline:.0} MiB)"
    );
    println!("steady rate             {bound} threads back to back (median round): {steady_rate:.1} verifies/s");
    report_argon2_rust(bound, steady_rate);
    if let Some(out) = child(&["--raw-child"]) {
        print!("{out}");
    }
    let ratio = burst_rate / steady_rate;
    let pass = peak <= rss_goal && ratio >= 0.9 && busy == 0;
    println!(
        "verify-burst: {burst_rate:.1} verifies/s = {ratio:.2} x steady (median of {ROUNDS} rounds; goal >= 0.9), peak RSS {peak:.0} MiB (goal <= {rss_goal:.0}): {}",
        if pass { "PASS" } else { "FAIL" }
    );
    if !pass {
        std::process::exit(1);
    }
}

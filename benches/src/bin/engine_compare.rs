//! guardrail's verify beside the raw argon2 engines, interleaved rep by rep
//! in one run (as the password engine issue's table was measured), so the
//! machine's drift lands on every arm alike. Each rep runs every arm once,
//! in an order that rotates from rep to rep, each timing one verify of a
//! wrong password (the full hash):
//!
//! - guardrail `verify` (a `PasswordHasher` at the profile, default limits);
//! - argon2-rust 1.1's pooled `Hasher`, its lanes on p threads and, when
//!   p > 1, on one thread;
//! - RustCrypto `argon2` 0.6 with a reused block buffer (one thread).
//!
//! Per arm: the median, p10 and p90 in ms. Then guardrail ÷ each baseline,
//! as the ratio of the medians and as the median of the per-rep ratios (the
//! pair measured milliseconds apart). Goals (the engine issue): OWASP
//! ≤ 1.05× argon2-rust's median, RFC 9106 low-memory ≤ 1.10× argon2-rust on
//! 4 threads; a miss is reported, not an error.
//!
//! Usage: cargo run --release -p guardrail-benches --bin engine-compare --
//!        [--reps N (25)] [--params m,t,p (default: OWASP, then RFC 9106 low-memory)]
#![allow(clippy::print_stdout, clippy::print_stderr)] // a measuring tool

use std::time::Instant;

use guardrail_benches::engines::{self, Argon2Rust, Error, GuardrailVerify, Profile, RustCrypto};

/// Warm-up runs of every arm before the timed reps (first-touch faults,
/// worker start-up, the CPU's frequency settling).
const WARMUP: usize = 2;

/// One engine under test.
enum Engine {
    Guardrail(GuardrailVerify),
    Argon2Rust(Argon2Rust),
    RustCrypto(RustCrypto),
}

impl Engine {
    /// One verify of the wrong password, ms; an error if it was not refused.
    fn time_one(&mut self) -> Result<f64, Error> {
        let start = Instant::now();
        let refused = match self {
            Self::Guardrail(engine) => engine.run()?,
            Self::Argon2Rust(engine) => engine.run()?,
            Self::RustCrypto(engine) => engine.run()?,
        };
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        if refused { Ok(ms) } else { Err("a wrong password was not refused".into()) }
    }
}

/// An engine, its label and its timings.
struct Arm {
    label: String,
    engine: Engine,
    ms: Vec<f64>,
}

/// The arms for `profile`: guardrail first, then the baselines.
fn arms(profile: Profile) -> Result<Vec<Arm>, Error> {
    let arm = |label: String, engine| Arm { label, engine, ms: Vec::new() };
    let mut arms = vec![
        arm("guardrail verify".into(), Engine::Guardrail(GuardrailVerify::new(profile)?)),
        arm(
            format!("argon2-rust 1.1 pooled Hasher, {}", threads(profile.p)),
            Engine::Argon2Rust(Argon2Rust::new(profile, profile.p)?),
        ),
    ];
    if profile.p > 1 {
        arms.push(arm(
            "argon2-rust 1.1 pooled Hasher, 1 thread".into(),
            Engine::Argon2Rust(Argon2Rust::new(profile, 1)?),
        ));
    }
    arms.push(arm("argon2 0.6 reused buffer, 1 thread".into(), Engine::RustCrypto(RustCrypto::new(profile)?)));
    Ok(arms)
}

/// "1 thread", "4 threads".
fn threads(n: u32) -> String {
    if n == 1 { "1 thread".into() } else { format!("{n} threads") }
}

/// Median, p10 and p90 of `samples`.
fn summary(samples: &[f64]) -> [f64; 3] {
    let mut sorted = samples.to_vec();
    [0.5, 0.1, 0.9].map(|q| engines::quantile(&mut sorted, q))
}

/// `reps` interleaved reps of every arm of `profile`, then the report.
fn compare(profile: Profile, reps: usize) -> Result<(), Error> {
    println!("\n{profile}: {reps} reps, interleaved (+{WARMUP} warm-up)");
    let mut arms = arms(profile)?;
    for rep in 0..WARMUP + reps {
        let n = arms.len();
        for k in 0..n {
            let Some(arm) = arms.get_mut((rep + k) % n) else { continue };
            let ms = arm.engine.time_one()?;
            if rep >= WARMUP {
                arm.ms.push(ms);
            }
        }
    }
    for arm in &arms {
        let [median, p10, p90] = summary(&arm.ms);
        println!("  {:<42} median {median:>8.2} ms   p10 {p10:>8.2}   p90 {p90:>8.2}", arm.label);
    }
    let Some((ours, baselines)) = arms.split_first() else { return Ok(()) };
    let [our_median, ..] = summary(&ours.ms);
    for base in baselines {
        let [median, ..] = summary(&base.ms);
        let paired: Vec<f64> = ours.ms.iter().zip(&base.ms).map(|(a, b)| a / b).collect();
        let [paired_median, paired_p10, paired_p90] = summary(&paired);
        println!(
            "  guardrail ÷ {:<42} {:.3}x (medians); per rep {paired_median:.3}x (p10 {paired_p10:.3}, p90 {paired_p90:.3})",
            base.label,
            our_median / median
        );
    }
    if let Some(goal) = goal(profile)
        && let Some(base) = baselines.first()
    {
        let ratio = our_median / summary(&base.ms)[0];
        let verdict = if ratio <= goal { "met" } else { "missed" };
        println!("  goal: guardrail ≤ {goal:.2}x {} — {ratio:.3}x, {verdict}", base.label);
    }
    Ok(())
}

/// The goal for guardrail ÷ argon2-rust on the profile's lanes.
fn goal(profile: Profile) -> Option<f64> {
    let same = |p: Profile| (profile.m_kib, profile.t, profile.p) == (p.m_kib, p.t, p.p);
    if same(Profile::OWASP) {
        Some(1.05)
    } else if same(Profile::RFC9106_LOW) {
        Some(1.10)
    } else {
        None
    }
}

/// `--reps N` and `--params m,t,p`, or a usage message.
fn options() -> Result<(usize, Vec<Profile>), String> {
    let mut reps = 25;
    let mut profiles = vec![Profile::OWASP, Profile::RFC9106_LOW];
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next();
        match (arg.as_str(), value) {
            ("--reps", Some(v)) => reps = v.parse().ok().filter(|&n| n > 0).ok_or("--reps: a positive whole number")?,
            ("--params", Some(v)) => profiles = vec![Profile::parse(&v).ok_or("--params: m,t,p (KiB, passes, lanes)")?],
            _ => return Err("usage: engine-compare [--reps N] [--params m,t,p]".into()),
        }
    }
    Ok((reps, profiles))
}

fn main() {
    let (reps, profiles) = options().unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2);
    });
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    println!("engine-compare: {}; {cores} cores", engines::backends());
    for profile in profiles {
        if let Err(e) = compare(profile, reps) {
            eprintln!("engine-compare: {profile}: {e}");
            std::process::exit(1);
        }
    }
}

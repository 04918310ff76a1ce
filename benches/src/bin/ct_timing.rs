//! Timing-leak check for `guardrail_ct::eq`, with plain `==` as the control.
//!
//! Two classes of input of the same length: equal to the reference, or
//! differing from it in the first byte only. `==` (memcmp) returns at the
//! first difference, so it must show a large |t| — proof that the test can
//! see a leak on this machine. `guardrail_ct::eq` must stay below 4.5.
//!
//! Usage: cargo run --release -p guardrail-benches --bin ct-timing [-- --measurements N]
#![allow(clippy::print_stdout, clippy::print_stderr)] // a command-line report

use guardrail_benches::dudect::{Aligned, XorShift, measure};

const PASS_T: f64 = 4.5;

fn main() {
    let measurements = match parse_args() {
        Ok(n) => n,
        Err(msg) => {
            eprintln!("ct-timing: {msg}\nusage: ct-timing [--measurements N]   (default 1000000, at least 10000)");
            std::process::exit(2);
        }
    };
    let mut rng = XorShift::from_clock();
    let mut worst_ours = 0.0f64;
    let mut weakest_control = f64::INFINITY;
    println!(
        "{:<18} {:>6} {:>6} {:>12} {:>11} {:>11} {:>8}  verdict",
        "function", "bytes", "batch", "measurements", "equal ns", "differ ns", "max |t|"
    );
    for (size, batch) in [(32usize, 64usize), (4096, 4)] {
        let mut reference = vec![0u8; size];
        rng.fill(&mut reference);
        // One input buffer for both classes, rewritten in place before each
        // timing: equal to the reference (class 0) or differing in its
        // first byte (class 1). Both buffers start on a cache line.
        let reference = Aligned::new(&reference);
        let mut input = Aligned::new(reference.as_slice());
        let first = reference.as_slice().first().copied().unwrap_or_default();

        type Cmp = fn(&[u8], &[u8]) -> bool;
        let functions: [(&str, Cmp, bool); 2] =
            [("guardrail_ct::eq", guardrail_ct::eq, true), ("== (control)", |a, b| a == b, false)];
        for (name, cmp, ours) in functions {
            let report = measure(
                measurements,
                batch,
                &mut input,
                |input, class| input.set_first(first ^ class as u8),
                |input| cmp(std::hint::black_box(reference.as_slice()), std::hint::black_box(input.as_slice())),
            );
            let verdict = match (ours, report.max_t < PASS_T) {
                (true, true) => "ok: no leak detected",
                (true, false) => "LEAK",
                (false, false) => "leaks, as a control must",
                (false, true) => "CONTROL SAW NO LEAK: test inconclusive",
            };
            println!(
                "{name:<18} {size:>6} {batch:>6} {:>12} {:>11.1} {:>11.1} {:>8.2}  {verdict}",
                report.measurements, report.mean_ns[0], report.mean_ns[1], report.max_t
            );
            if ours {
                worst_ours = worst_ours.max(report.max_t);
            } else {
                weakest_control = weakest_control.min(report.max_t);
            }
        }
    }
    let pass = worst_ours < PASS_T && weakest_control > PASS_T;
    println!(
        "ct-timing: guardrail_ct::eq max |t| = {worst_ours:.2} (pass < {PASS_T}); == control min |t| = {weakest_control:.2} (must be > {PASS_T}): {}",
        if pass { "PASS" } else { "FAIL" }
    );
    if !pass {
        std::process::exit(1);
    }
}

fn parse_args() -> Result<usize, String> {
    let mut measurements = 1_000_000;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--measurements" => {
                let value = args.next().ok_or("--measurements needs a number")?;
                measurements = value.parse().map_err(|_| format!("--measurements: {value:?} is not a whole number"))?;
                if measurements < 10_000 {
                    return Err("--measurements must be at least 10000".into());
                }
            }
            "-h" | "--help" => return Err("help".into()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(measurements)
}

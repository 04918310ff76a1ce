//! Choosing argon2id parameters for this machine (RFC 9106 §4): fix the
//! lanes, use as much memory as the budget allows, then as many passes as
//! fit the latency target. Memory before time, because memory is what
//! makes GPU and ASIC attacks expensive: from the ceiling, memory is
//! halved while one pass is too slow, then refined by bisection between
//! the last size that fit and the first that did not (to 1/16 of the
//! gap), so a faster engine gets more memory, not the same power of two.
//!
//! Every measurement is a job on the hashing engine (the one `verify`
//! uses), its lanes on the engine's threads: what is measured is what a
//! `PasswordHasher` on this machine runs.

use std::time::{Duration, Instant};

use crate::{
    Error, Limits, Params,
    engine::{
        Engine, Job, Output,
        core::{Algorithm, Input, Version},
    },
};

/// Bisection steps between the last memory that fit and the first that
/// did not: the result is within 1/16 of that gap.
const REFINE_STEPS: u32 = 4;

/// One measured point of a calibration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// The parameters tried.
    pub params: Params,
    /// How long one hash took (the median of three).
    pub elapsed: Duration,
}

/// What [`calibrate`] found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Calibration {
    /// The strongest parameters within the target and the ceiling.
    pub params: Params,
    /// Their measured time per hash.
    pub elapsed: Duration,
    /// `true` when the result is at least as strong as OWASP's options
    /// (m × t at least 19 MiB × 2, and m at least 7 MiB).
    pub meets_owasp: bool,
}

/// Measures this machine and returns parameters for `target` latency per
/// hash within `max_memory_kib` (a memory ceiling in KiB), with `lanes`
/// lanes; `progress` is called with every measured point.
///
/// # Errors
///
/// [`Error::InvalidParams`] for a ceiling below 8 × lanes KiB or no lanes;
/// [`Error::Argon2`] if the engine refuses a computation (not expected
/// with checked parameters); [`Error::OutOfPolicy`] if the ceiling is
/// beyond what this machine can address.
pub fn calibrate(
    target: Duration,
    max_memory_kib: u32,
    lanes: u32,
    mut progress: impl FnMut(&Step),
) -> Result<Calibration, Error> {
    let ceiling = Params::new(max_memory_kib, 1, lanes)?;
    // An engine like a PasswordHasher's on this machine (its lanes on up
    // to one thread per core), whose budget holds one hash at the ceiling.
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let limits =
        Limits { max_concurrent: cores, wait: Duration::from_secs(3600), memory_budget: ceiling.memory_bytes() };
    let engine = Engine::new(limits, ceiling.memory_bytes());
    let best = search(target, ceiling, |params| {
        let step = Step { params, elapsed: time_one(&engine, params)? };
        progress(&step);
        Ok(step)
    })?;
    let p = best.params;
    let work = u64::from(p.m_cost()) * u64::from(p.t_cost());
    let meets_owasp = work >= u64::from(Params::OWASP.m_cost()) * 2 && p.m_cost() >= 7 * 1024;
    Ok(Calibration { params: p, elapsed: best.elapsed, meets_owasp })
}

/// The search, over any `measure`: memory from `ceiling` (t = 1), halved
/// while too slow and then refined; then passes while they fit.
fn search(
    target: Duration,
    ceiling: Params,
    mut measure: impl FnMut(Params) -> Result<Step, Error>,
) -> Result<Step, Error> {
    let lanes = ceiling.p_cost();
    // Memory first: the ceiling, halved only while one pass is too slow...
    let mut best = measure(ceiling)?;
    let mut too_slow = None;
    while best.elapsed > target && best.params.m_cost() / 2 >= 8 * lanes {
        too_slow = Some(best.params.m_cost());
        best = measure(Params::new(best.params.m_cost() / 2, 1, lanes)?)?;
    }
    // ...then refined between what fit and what did not.
    if let Some(mut hi) = too_slow.filter(|_| best.elapsed <= target) {
        for _ in 0..REFINE_STEPS {
            let mid = memory_between(best.params.m_cost(), hi, lanes);
            if mid == best.params.m_cost() {
                break;
            }
            let step = measure(Params::new(mid, 1, lanes)?)?;
            if step.elapsed <= target {
                best = step;
            } else {
                hi = mid;
            }
        }
    }
    let m = best.params.m_cost();
    // Then time: more passes while they fit (time grows about linearly in t).
    for t in 2..=64 {
        let per_pass = best.elapsed.as_secs_f64() / f64::from(t - 1);
        if per_pass * f64::from(t) > target.as_secs_f64() * 1.1 {
            break;
        }
        let step = measure(Params::new(m, t, lanes)?)?;
        if step.elapsed > target {
            break;
        }
        best = step;
    }
    Ok(best)
}

/// The median of three hashes at `params`, each a job on `engine`.
fn time_one(engine: &Engine, params: Params) -> Result<Duration, Error> {
    let input = Input {
        algorithm: Algorithm::Argon2id,
        version: Version::V0x13,
        params,
        password: b"calibration password",
        salt: b"calibration salt",
        secret: &[],
        ad: &[],
    };
    let mut times = [Duration::ZERO; 3];
    for t in &mut times {
        let start = Instant::now();
        match engine.run(Job::argon2(&input, 32))? {
            Output::Tag(_) => {}
            Output::Flag(_) => return Err(Error::Argon2),
        }
        *t = start.elapsed();
    }
    times.sort();
    Ok(times.get(1).copied().unwrap_or_default())
}

/// The memory halfway between `lo` (fit) and `hi` (too slow), in KiB,
/// rounded down to a whole MiB when the gap allows (to 8 × lanes KiB, the
/// smallest step argon2 takes, otherwise); `lo` when there is no room.
fn memory_between(lo: u32, hi: u32, lanes: u32) -> u32 {
    let mid = lo + (hi.saturating_sub(lo)) / 2;
    let unit = if hi - lo >= 2 * 1024 { 1024 } else { 8 * lanes };
    let rounded = mid / unit * unit;
    if rounded > lo && rounded < hi { rounded } else { lo }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_parameters_within_a_small_ceiling() {
        let mut steps = Vec::new();
        let c =
            calibrate(Duration::from_millis(30), 1024, 1, |s| steps.push(*s)).unwrap_or_else(|e| unreachable!("{e}"));
        assert!(c.params.m_cost() <= 1024);
        assert!(!steps.is_empty());
        assert_eq!(steps.last().map(|s| s.params.m_cost()), Some(c.params.m_cost()));
        assert!(calibrate(Duration::from_millis(1), 4, 1, |_| {}).is_err());
    }

    #[test]
    fn refines_memory_between_halvings() {
        // 16 MiB fit, 32 MiB did not: the next try is 24 MiB, whole MiB.
        assert_eq!(memory_between(16 * 1024, 32 * 1024, 1), 24 * 1024);
        assert_eq!(memory_between(16 * 1024, 17 * 1024, 1), 16 * 1024 + 512);
        // Lanes: a multiple of 8 × lanes KiB below two MiB of gap.
        assert_eq!(memory_between(64, 128, 4), 96);
        // No room left between them.
        assert_eq!(memory_between(64, 72, 1), 64);
        assert_eq!(memory_between(64, 65, 1), 64);
    }

    /// A machine whose hash takes 1 µs per KiB per pass.
    fn model(params: Params) -> Result<Step, Error> {
        let micros = u64::from(params.m_cost()) * u64::from(params.t_cost());
        Ok(Step { params, elapsed: Duration::from_micros(micros) })
    }

    #[test]
    fn the_search_fills_the_target_with_memory_between_halvings() {
        // 25 ms under a 64 MiB ceiling: 64 and 32 MiB are too slow, 16 MiB
        // fits; bisection finds 24 MiB (28, 26 and 25 MiB are too slow);
        // two passes of 24 MiB would not fit. Halving alone stopped at 16.
        let mut tried = Vec::new();
        let best = search(Duration::from_millis(25), Params::new(65536, 1, 1).unwrap_or_default(), |p| {
            tried.push(p.m_cost());
            model(p)
        })
        .unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!((best.params.m_cost(), best.params.t_cost()), (24 * 1024, 1));
        assert_eq!(tried, [65536, 32768, 16384, 24576, 28672, 26624, 25600]);
        // The ceiling fits: no refinement, then passes (65.5 ms each, so 3 in 200 ms).
        let best = search(Duration::from_millis(200), Params::new(65536, 1, 1).unwrap_or_default(), model)
            .unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!((best.params.m_cost(), best.params.t_cost()), (65536, 3));
    }
}

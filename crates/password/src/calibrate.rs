//! Choosing argon2id parameters for this machine (RFC 9106 §4): fix the
//! lanes, use as much memory as the budget allows, then as many passes as
//! fit the latency target, lowering memory only if one pass at the ceiling
//! is already too slow. Memory before time, because memory is what makes
//! GPU and ASIC attacks expensive.

use std::time::{Duration, Instant};

use crate::{
    Error, Params,
    engine::core::{Algorithm, Core, Input, Version},
};

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
/// with checked parameters).
pub fn calibrate(
    target: Duration,
    max_memory_kib: u32,
    lanes: u32,
    mut progress: impl FnMut(&Step),
) -> Result<Calibration, Error> {
    // The engine's own core (argon2-rust by default), so what is measured
    // is what `verify` runs; its lanes on as many threads as a hasher of
    // this machine would give them.
    let mut core = Core::new();
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let threads = lanes.min(u32::try_from(cores).unwrap_or(u32::MAX));
    let mut measure = |params: Params| -> Result<Step, Error> {
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
        let mut out = [0u8; 32];
        for t in &mut times {
            let start = Instant::now();
            core.compute(&input, threads, &mut out)?;
            *t = start.elapsed();
        }
        times.sort();
        let step = Step { params, elapsed: times.get(1).copied().unwrap_or_default() };
        progress(&step);
        Ok(step)
    };

    // Memory first: the ceiling, halved only while one pass is too slow.
    let mut m = max_memory_kib;
    let mut best = measure(Params::new(m, 1, lanes)?)?;
    while best.elapsed > target && m / 2 >= 8 * lanes {
        m /= 2;
        best = measure(Params::new(m, 1, lanes)?)?;
    }
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
    let p = best.params;
    let work = u64::from(p.m_cost()) * u64::from(p.t_cost());
    let meets_owasp = work >= u64::from(Params::OWASP.m_cost()) * 2 && p.m_cost() >= 7 * 1024;
    Ok(Calibration { params: p, elapsed: best.elapsed, meets_owasp })
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
}

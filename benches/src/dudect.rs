//! A dudect-style Welch t-test on wall-clock timings.

use std::{hint::black_box, time::Instant};

/// Welch's t for two samples, from running sums (Welford's algorithm).
#[derive(Debug, Clone, Copy, Default)]
struct Welford {
    n: f64,
    mean: f64,
    m2: f64,
}

impl Welford {
    fn push(&mut self, x: f64) {
        self.n += 1.0;
        let delta = x - self.mean;
        self.mean += delta / self.n;
        self.m2 += delta * (x - self.mean);
    }

    fn variance(&self) -> f64 {
        if self.n < 2.0 { 0.0 } else { self.m2 / (self.n - 1.0) }
    }
}

fn welch_t(a: &Welford, b: &Welford) -> f64 {
    let se = (a.variance() / a.n + b.variance() / b.n).sqrt();
    if se == 0.0 || !se.is_finite() { 0.0 } else { (a.mean - b.mean) / se }
}

/// The outcome of one leakage test.
#[derive(Debug, Clone, Copy)]
pub struct Report {
    /// Measurements taken (both classes together).
    pub measurements: usize,
    /// The largest |t| over the uncropped data and every crop threshold.
    pub max_t: f64,
    /// Mean time of one batch, class 0 and class 1, in nanoseconds.
    pub mean_ns: [f64; 2],
}

/// A small, fast, deterministic PRNG for choosing classes; the choice only
/// needs to be unpredictable to the branch predictor, not to an attacker.
#[derive(Debug, Clone)]
pub struct XorShift(u64);

impl XorShift {
    /// Seeded from the clock (any non-zero seed works).
    #[must_use]
    pub fn from_clock() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x9e37_79b9_7f4a_7c15, |d| d.as_nanos() as u64);
        Self(nanos | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Fills a buffer with random bytes.
    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            for (d, s) in chunk.iter_mut().zip(bytes) {
                *d = s;
            }
        }
    }
}

/// A copy of `data` that starts on a 64-byte boundary (a cache line), so
/// that two inputs compared in a leakage test differ in content only, not
/// in how their loads straddle cache lines.
#[derive(Debug, Clone)]
pub struct Aligned {
    storage: Vec<u8>,
    start: usize,
    len: usize,
}

impl Aligned {
    /// Copies `data` to a cache-line-aligned buffer.
    #[must_use]
    pub fn new(data: &[u8]) -> Self {
        let mut storage = vec![0u8; data.len() + 64];
        let start = (64 - (storage.as_ptr() as usize % 64)) % 64;
        if let Some(dst) = storage.get_mut(start..start + data.len()) {
            dst.copy_from_slice(data);
        }
        Self { storage, start, len: data.len() }
    }

    /// Overwrites the first byte (no-op on an empty buffer).
    pub fn set_first(&mut self, byte: u8) {
        if self.len > 0
            && let Some(b) = self.storage.get_mut(self.start)
        {
            *b = byte;
        }
    }

    /// The aligned bytes.
    #[must_use]
    pub fn as_slice(&self) -> &[u8] {
        self.storage.get(self.start..self.start + self.len).unwrap_or_default()
    }
}

/// Runs Welch's t-test on two classes of input.
///
/// For each of `measurements` rounds a class (0 or 1) is drawn at random,
/// `prepare(state, class)` sets the input up outside the timed region, and
/// `batch` back-to-back calls of `run(state)` are timed. Preparing one
/// shared state in place, rather than keeping one buffer per class, keeps
/// the classes at the same addresses: otherwise cache-set and 4K-aliasing
/// effects between buffers show up as a "leak" of the address, not of the
/// content. The t statistic is taken uncropped and cropped at dudect's
/// 100 upper percentiles (which drop the interrupts and preemptions a
/// shared machine adds to the tail); the largest |t| is reported, over
/// the data sets holding more than 100 measurements of each class.
pub fn measure<S>(
    measurements: usize,
    batch: usize,
    state: &mut S,
    prepare: impl FnMut(&mut S, usize),
    run: impl FnMut(&S) -> bool,
) -> Report {
    measure_with(measurements, batch, state, prepare, run, Few::No)
}

/// [`measure`] for slow calls (a login under a floor: a second each),
/// where only tens of measurements are affordable: the t statistic is
/// taken uncropped only (a crop of a few samples would pick its own tail)
/// and needs at least 3 measurements of each class (|t| 0 otherwise); the
/// classes come in pairs, one of each in random order, so they are
/// measured equally often.
pub fn measure_few<S>(
    measurements: usize,
    state: &mut S,
    prepare: impl FnMut(&mut S, usize),
    run: impl FnMut(&S) -> bool,
) -> Report {
    measure_with(measurements, 1, state, prepare, run, Few::Yes)
}

/// Whether the sample is small (see [`measure_few`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Few {
    No,
    Yes,
}

fn measure_with<S>(
    measurements: usize,
    batch: usize,
    state: &mut S,
    mut prepare: impl FnMut(&mut S, usize),
    mut run: impl FnMut(&S) -> bool,
    few: Few,
) -> Report {
    let mut rng = XorShift::from_clock();
    let mut classes = Vec::with_capacity(measurements);
    let mut times = Vec::with_capacity(measurements);
    // Warm caches and the branch predictor on both classes.
    for i in 0..(measurements / 10).min(10_000) {
        prepare(state, i & 1);
        black_box(run(state));
    }
    let mut bits = 0u64;
    for i in 0..measurements {
        if i % 64 == 0 {
            bits = rng.next_u64();
        }
        let mut class = ((bits >> (i % 64)) & 1) as usize;
        if few == Few::Yes && i % 2 == 1 {
            // Pairs of one of each, in random order: both classes measured
            // as often, however few the measurements.
            class = 1 - classes.last().copied().unwrap_or(0);
        }
        prepare(state, class);
        let state_ref: &S = state;
        let start = Instant::now();
        for _ in 0..batch {
            black_box(run(black_box(state_ref)));
        }
        let elapsed = start.elapsed().as_nanos() as f64;
        classes.push(class);
        times.push(elapsed);
    }

    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let percentile = |p: f64| {
        let idx = ((sorted.len() as f64 - 1.0) * p) as usize;
        sorted.get(idx).copied().unwrap_or(f64::INFINITY)
    };
    let mut thresholds = vec![f64::INFINITY];
    if few == Few::No {
        thresholds.extend((0..100).map(|i| percentile(1.0 - 0.5f64.powf(10.0 * f64::from(i + 1) / 100.0))));
    }
    let least = if few == Few::Yes { 3.0 } else { 101.0 };

    let mut max_t = 0.0f64;
    let mut uncropped = [Welford::default(); 2];
    for threshold in &thresholds {
        let mut stats = [Welford::default(); 2];
        for (&class, &t) in classes.iter().zip(&times) {
            if t <= *threshold
                && let Some(s) = stats.get_mut(class)
            {
                s.push(t);
            }
        }
        if threshold.is_infinite() {
            uncropped = stats;
        }
        let [s0, s1] = &stats;
        if s0.n >= least && s1.n >= least {
            max_t = max_t.max(welch_t(s0, s1).abs());
        }
    }
    Report { measurements, max_t, mean_ns: [uncropped[0].mean, uncropped[1].mean] }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welch_t_separates_shifted_samples_and_not_equal_ones() {
        let mut a = Welford::default();
        let mut b = Welford::default();
        let mut c = Welford::default();
        for i in 0..1000 {
            let x = f64::from(i % 10);
            a.push(x);
            b.push(x + 1.0);
            c.push(x);
        }
        assert!(welch_t(&a, &b).abs() > 5.0); // means 1 apart, sd ~3, n 1000: t ~ 7.4
        assert!(welch_t(&a, &c).abs() < 1e-9);
    }
}

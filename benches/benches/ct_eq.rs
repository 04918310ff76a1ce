//! `guardrail_ct::eq` beside its baselines, in one criterion group:
//! subtle's slice `ct_eq` (byte at a time), the `constant_time_eq` crate,
//! and plain `==` (memcmp, not constant time: the speed to aim at).
//!
//! Equal inputs, so every function reads every byte: the worst case for
//! `==` and the only case for the constant-time ones.
#![allow(clippy::unwrap_used)] // bench code

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use subtle::ConstantTimeEq;

const SIZES: [usize; 4] = [32, 256, 4 * 1024, 64 * 1024];

fn ct_eq(c: &mut Criterion) {
    let mut group = c.benchmark_group("ct_eq");
    for size in SIZES {
        let a: Vec<u8> = (0..size).map(|i| (i * 131 + 17) as u8).collect();
        let b = a.clone();
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::new("guardrail_ct::eq", size), &size, |bench, _| {
            bench.iter(|| guardrail_ct::eq(black_box(&a), black_box(&b)))
        });
        group.bench_with_input(BenchmarkId::new("subtle::ct_eq", size), &size, |bench, _| {
            bench.iter(|| bool::from(black_box(&a[..]).ct_eq(black_box(&b[..]))))
        });
        group.bench_with_input(BenchmarkId::new("constant_time_eq", size), &size, |bench, _| {
            bench.iter(|| constant_time_eq::constant_time_eq(black_box(&a), black_box(&b)))
        });
        group.bench_with_input(BenchmarkId::new("==", size), &size, |bench, _| {
            bench.iter(|| black_box(&a) == black_box(&b))
        });
    }
    group.finish();
}

criterion_group!(benches, ct_eq);
criterion_main!(benches);

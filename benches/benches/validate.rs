//! Parsers beside their baselines: `Email` vs the `validator` crate's
//! `ValidateEmail` on the same 10,000 realistic addresses, `FetchUrl` vs a
//! bare `url::Url::parse`, `Username` vs a bare PRECIS `enforce`.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::print_stderr)] // bench code; it reports to the terminal

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use guardrail_validate::{Email, FetchUrl, Username};
use precis_profiles::{UsernameCaseMapped, precis_core::profile::PrecisFastInvocation};
use validator::ValidateEmail;

/// 10,000 addresses in the shapes sign-up forms see: first.last, initials
/// with digits, plus-tags, subdomains, upper case, a few Unicode domains,
/// and a few malformed ones.
fn addresses() -> Vec<String> {
    let first = ["anna", "bob", "carlos", "dana", "erik", "fatima", "george", "hana", "ivan", "julia", "kenji", "lena"];
    let last = ["smith", "garcia", "mueller", "nguyen", "okafor", "petrov", "rossi", "tanaka", "walker", "zhang"];
    let domains = [
        "gmail.com",
        "example.com",
        "mail.example.co.uk",
        "outlook.com",
        "company.io",
        "uni-heidelberg.de",
        "yahoo.fr",
        "bücher.example",
        "proton.me",
        "sub.domain.example.org",
    ];
    (0..10_000)
        .map(|i: usize| {
            let (f, l, d) = (first[i % first.len()], last[(i / 7) % last.len()], domains[(i / 3) % domains.len()]);
            match i % 10 {
                0 => format!("{f}.{l}@{d}"),
                1 => format!("{}{}{}@{d}", &f[..1], l, i % 100),
                2 => format!("{f}+news{}@{d}", i % 7),
                3 => format!("{}.{}@{}", f.to_uppercase(), l, d.to_uppercase()),
                4 => format!("{f}_{l}@{d}"),
                5 => format!("{f}{i}@{d}"),
                6 => format!("{f}.{l}@{d}.invalid-tld-123"),
                7 => format!("{f}..{l}@{d}"), // malformed
                8 => format!("{f}@{d}"),
                _ => format!("{f}-{l}@{d}"),
            }
        })
        .collect()
}

fn email(c: &mut Criterion) {
    let list = addresses();
    // Same verdicts? Report disagreements once, so the comparison is honest.
    let disagree = list.iter().filter(|a| Email::parse(a).is_ok() != a.validate_email()).count();
    eprintln!("email: guardrail and validator disagree on {disagree} of {} addresses", list.len());
    for a in list.iter().filter(|a| Email::parse(a).is_ok() != a.validate_email()).take(3) {
        eprintln!(
            "  e.g. {a:?}: guardrail {}, validator {}",
            Email::parse(a).map_or_else(|e| e.code(), |_| "ok"),
            a.validate_email()
        );
    }
    let mut group = c.benchmark_group("email");
    group.throughput(Throughput::Elements(list.len() as u64));
    group.bench_function(BenchmarkId::new("guardrail Email::parse", "10k"), |b| {
        b.iter(|| list.iter().filter(|a| Email::parse(black_box(a)).is_ok()).count())
    });
    group.bench_function(BenchmarkId::new("validator ValidateEmail", "10k"), |b| {
        b.iter(|| list.iter().filter(|a| black_box(a.as_str()).validate_email()).count())
    });
    group.finish();
}

fn fetch_url(c: &mut Criterion) {
    let urls = [
        "https://example.com/",
        "https://api.github.com/repos/rust-lang/rust/issues?state=open&per_page=100",
        "http://cdn.example.net/images/2026/11/photo.jpg",
        "https://hooks.slack.com/services/T000/B000/XXXX",
        "https://[2606:4700:4700::1111]/dns-query",
        "http://8.8.8.8/",
    ];
    let mut group = c.benchmark_group("fetch_url");
    group.throughput(Throughput::Elements(urls.len() as u64));
    group.bench_function("guardrail FetchUrl::parse", |b| {
        b.iter(|| urls.iter().filter(|u| FetchUrl::parse(black_box(u)).is_ok()).count())
    });
    group.bench_function("url::Url::parse (no checks)", |b| {
        b.iter(|| urls.iter().filter(|u| url::Url::parse(black_box(u)).is_ok()).count())
    });
    group.finish();
}

fn username(c: &mut Criterion) {
    let names =
        ["alice", "Bob_Smith", "ＪａｎｅＤｏｅ", "carlos-42", "Ελένη", "山田太郎", "straße", "x_the_great_2026"];
    let mut group = c.benchmark_group("username");
    group.throughput(Throughput::Elements(names.len() as u64));
    group.bench_function("guardrail Username::parse", |b| {
        b.iter(|| names.iter().filter(|n| Username::parse(black_box(n)).is_ok()).count())
    });
    group.bench_function("precis UsernameCaseMapped::enforce", |b| {
        b.iter(|| names.iter().filter(|n| UsernameCaseMapped::enforce(black_box(**n)).is_ok()).count())
    });
    group.finish();
}

criterion_group!(benches, email, fetch_url, username);
criterion_main!(benches);

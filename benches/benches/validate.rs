//! Parsers beside their baselines: `Email` vs the `validator` crate's
//! `ValidateEmail` on the same 10,000 realistic addresses, `FetchUrl` vs a
//! bare `url::Url::parse`, `Username` vs a bare PRECIS `enforce`,
//! `RelativePath` and `Email::parse_eai` on Unicode names (where the
//! hidden-character check runs on every character), and that check beside
//! the hand-written list it replaced.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::print_stderr)] // bench code; it reports to the terminal

use std::hint::black_box;

use criterion::{Bencher, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use guardrail_validate::{Email, FetchUrl, RelativePath, Username};
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

/// Times `accepts` over every item (each through `black_box`), counting
/// the items it accepts.
fn count_accepted<T>(b: &mut Bencher<'_>, items: &[T], accepts: impl Fn(&T) -> bool) {
    b.iter(|| items.iter().filter(|item| accepts(black_box(item))).count());
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
        count_accepted(b, &list, |a| Email::parse(a).is_ok())
    });
    group.bench_function(BenchmarkId::new("validator ValidateEmail", "10k"), |b| {
        b.iter(|| list.iter().filter(|a| black_box(a.as_str()).validate_email()).count())
    });
    group.finish();
}

/// Six URLs a webhook or avatar form sees (benches/data/urls.txt).
fn fetch_url(c: &mut Criterion) {
    let urls: Vec<&str> = include_str!("../data/urls.txt").lines().collect();
    let mut group = c.benchmark_group("fetch_url");
    group.throughput(Throughput::Elements(urls.len() as u64));
    group.bench_function("guardrail FetchUrl::parse", |b| count_accepted(b, &urls, |u| FetchUrl::parse(u).is_ok()));
    group.bench_function("url::Url::parse (no checks)", |b| count_accepted(b, &urls, |u| url::Url::parse(u).is_ok()));
    group.finish();
}

fn username(c: &mut Criterion) {
    let names =
        ["alice", "Bob_Smith", "ＪａｎｅＤｏｅ", "carlos-42", "Ελένη", "山田太郎", "straße", "x_the_great_2026"];
    let mut group = c.benchmark_group("username");
    group.throughput(Throughput::Elements(names.len() as u64));
    group.bench_function("guardrail Username::parse", |b| count_accepted(b, &names, |n| Username::parse(n).is_ok()));
    group.bench_function("precis UsernameCaseMapped::enforce", |b| {
        count_accepted(b, &names, |n| UsernameCaseMapped::enforce(*n).is_ok())
    });
    group.finish();
}

/// Unicode paths and EAI addresses (benches/data/paths.txt, addresses.txt).
fn unicode_text(c: &mut Criterion) {
    let paths: Vec<&str> = include_str!("../data/paths.txt").lines().collect();
    let addresses: Vec<&str> = include_str!("../data/addresses.txt").lines().collect();
    let mut group = c.benchmark_group("unicode");
    group.throughput(Throughput::Elements(paths.len() as u64));
    group.bench_function("guardrail RelativePath::parse", |b| {
        count_accepted(b, &paths, |p| RelativePath::parse(p).is_ok())
    });
    group.throughput(Throughput::Elements(addresses.len() as u64));
    group.bench_function("guardrail Email::parse_eai", |b| {
        count_accepted(b, &addresses, |a| Email::parse_eai(a).is_ok())
    });
    group.finish();
}

/// The check `unicode_text` pays per character: the Unicode-property set
/// every parser refuses (`Invisible`) beside the hand-written list of
/// default-ignorable code points it replaced (which missed the non-ASCII
/// spaces, the format characters that are not ignorable and U+2800), on
/// 1 KiB of mixed-script text.
fn hidden_check(c: &mut Criterion) {
    fn hand_written_list(c: char) -> bool {
        matches!(c,
            '\u{ad}' | '\u{34f}' | '\u{61c}' | '\u{115f}'..='\u{1160}' | '\u{17b4}'..='\u{17b5}'
            | '\u{180b}'..='\u{180f}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}' | '\u{3164}' | '\u{fe00}'..='\u{fe0f}' | '\u{feff}' | '\u{ffa0}'
            | '\u{fff0}'..='\u{fffb}' | '\u{1bca0}'..='\u{1bca3}' | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0000}'..='\u{e0fff}')
    }
    let sample = "café menü 日本語のファイル Ελληνικά документы 😀 مستندات 한국어 josé 用户 ";
    let text: String = sample.chars().cycle().take(1024 / 2).collect();
    let mut group = c.benchmark_group("hidden_check");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("guardrail (Unicode properties)", |b| {
        b.iter(|| black_box(&text).chars().filter(|&c| guardrail_validate::fuzzing::is_invisible(c)).count())
    });
    group.bench_function("hand-written list (before)", |b| {
        b.iter(|| black_box(&text).chars().filter(|&c| hand_written_list(c)).count())
    });
    group.finish();
}

criterion_group!(benches, email, fetch_url, username, unicode_text, hidden_check);
criterion_main!(benches);

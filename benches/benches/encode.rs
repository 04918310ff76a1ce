//! Each encoder at 1 KiB, on text with nothing to escape (the common case,
//! which must not allocate) and on text full of characters to escape,
//! beside a plain copy of the same bytes as the baseline.
#![allow(clippy::unwrap_used)] // bench code

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use guardrail_encode::Context;

fn inputs() -> [(&'static str, String); 3] {
    let clean: String = "The quick brown fox jumps over the lazy dog 0123456789 ".chars().cycle().take(1024).collect();
    let dirty: String = "<a href=\"x\" onclick='y'>Tom & Jerry</a>\n\x1b[2J ".chars().cycle().take(1024).collect();
    // Non-ASCII text with nothing a log line escapes: every character takes
    // the per-character path (Unicode property look-ups), not the ASCII table.
    let unicode = take_bytes("naïve café Ελληνικά русский 日本語の文章 한국어 עברית 🙂 ", 1024);
    [("clean", clean), ("escape", dirty), ("unicode", unicode)]
}

/// Whole characters of `pattern`, repeated, up to `len` bytes.
fn take_bytes(pattern: &str, len: usize) -> String {
    let mut out = String::new();
    for c in pattern.chars().cycle() {
        if out.len() + c.len_utf8() > len {
            break;
        }
        out.push(c);
    }
    out
}

fn encode(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode_1KiB");
    for (kind, text) in inputs() {
        group.throughput(Throughput::Bytes(u64::try_from(text.len()).unwrap()));
        group.bench_with_input(BenchmarkId::new("baseline: to_owned copy", kind), &text, |b, t| {
            b.iter(|| black_box(t.as_str()).to_owned())
        });
        for (name, ctx) in [
            ("html", Context::Html),
            ("attr", Context::HtmlAttribute),
            ("js", Context::JsString),
            ("url", Context::UrlComponent),
            ("css", Context::CssString),
            ("log", Context::LogLine),
        ] {
            group.bench_with_input(BenchmarkId::new(name, kind), &text, |b, t| {
                b.iter(|| ctx.encode(black_box(t)).len())
            });
        }
    }
    group.finish();
}

criterion_group!(benches, encode);
criterion_main!(benches);

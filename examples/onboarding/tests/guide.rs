//! The guide's chapter "guardrail in an axum service" (`docs/src/axum.md`)
//! prints the task files of this example after `<!-- recipe: ... -->`
//! markers; each block must be the file, byte for byte (tests/tour.rs runs
//! the files), and the line count the chapter states must be what
//! `measure.py` counts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // test code

const GUIDE: &str = include_str!("../../../docs/src/axum.md");

/// The seven task files, as the chapter names them and as they are.
const TASKS: [(&str, &str); 7] = [
    ("signup.rs", include_str!("../src/signup.rs")),
    ("login.rs", include_str!("../src/login.rs")),
    ("session.rs", include_str!("../src/session.rs")),
    ("api_keys.rs", include_str!("../src/api_keys.rs")),
    ("profile.rs", include_str!("../src/profile.rs")),
    ("webhook.rs", include_str!("../src/webhook.rs")),
    ("render.rs", include_str!("../src/render.rs")),
];

#[test]
fn guide_blocks_are_the_tested_code() {
    for (name, code) in TASKS {
        let start = format!("<!-- recipe: examples/onboarding/src/{name} -->\n```rust,ignore\n");
        let block = GUIDE.split_once(&start).unwrap_or_else(|| panic!("docs/src/axum.md has no block for {name}")).1;
        let block = block.split_once("```\n").expect("the end of the block").0;
        assert_eq!(block, code, "docs/src/axum.md and examples/onboarding/src/{name} differ: keep them identical");
    }
    // No marker names a file that is not checked here.
    let markers = GUIDE.matches("<!-- recipe: ").count();
    assert_eq!(markers, TASKS.len(), "every recipe block of the chapter is one of the seven files");
}

/// measure.py's count: non-blank lines that are not `//` comments.
fn lines(code: &str) -> usize {
    code.lines().filter(|l| !l.trim().is_empty() && !l.trim().starts_with("//")).count()
}

#[test]
fn the_stated_line_count_is_measured() {
    let total: usize = TASKS.iter().map(|(_, code)| lines(code)).sum();
    let stated = format!("The seven task files take {total} lines");
    assert!(GUIDE.contains(&stated), "docs/src/axum.md should say `{stated}` (python3 examples/onboarding/measure.py)");
    let readme = include_str!("../README.md");
    assert!(readme.contains(&format!("the seven tasks take {total} lines")), "examples/onboarding/README.md");
    for (name, code) in TASKS {
        let n = lines(code);
        assert!(n <= 40, "{name}: {n} lines; a task file this long is glue the library should hold");
    }
}

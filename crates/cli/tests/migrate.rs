//! `guardrail migrate wrap` and `guardrail migrate census` as a user runs
//! them: every right row of the password crate's migration vectors wraps,
//! and `guardrail verify` (password on stdin) answers valid for each
//! wrapped hash; a line that cannot be wrapped is passed through unchanged
//! with exit 1 and `line N: <code>` on stderr (never the hash or the id);
//! an over-long line is copied through whole; the census of a small fixed
//! input is pinned, as text and as JSON.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)] // test code: a panic is the failure report

#[allow(dead_code)] // uses run, stdout and TempDir; not guardrail or BIN
mod common;

use std::io::Write;

use common::{TempDir, run, stdout};

const FILES: &[(&str, &str)] = &[
    ("vectors.tsv", include_str!("../../password/tests/data/migrate/vectors.tsv")),
    ("django50.tsv", include_str!("../../password/tests/data/migrate/django50.tsv")),
    ("layout.tsv", include_str!("../../password/tests/data/migrate/layout.tsv")),
];

/// `(where, password, stored)` of every right row expected valid at default caps.
fn right_rows() -> Vec<(String, Vec<u8>, String)> {
    let mut rows = Vec::new();
    for (name, text) in FILES {
        for (n, line) in text.lines().enumerate() {
            let f: Vec<&str> = line.split('\t').collect();
            if !line.starts_with('#') && f.len() == 8 && f[4] == "right" && f[7] == "valid" {
                let where_ = format!("{name}:{} {} {}", n + 1, f[0], f[1]);
                rows.push((where_, guardrail_ct::hex::decode_vec(f[5]).unwrap(), f[6].to_owned()));
            }
        }
    }
    rows
}

fn jsonl(hashes: &[&str]) -> String {
    hashes.iter().enumerate().map(|(i, h)| format!("{}\n", serde_json::json!({"id": i + 1, "hash": h}))).collect()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// The round trip the issue asks for: wrap every vector, verify each.
#[test]
fn wrap_then_verify_round_trips_every_vector() {
    let rows = right_rows();
    let input = jsonl(&rows.iter().map(|r| r.2.as_str()).collect::<Vec<_>>());
    let out = run(&["migrate", "wrap"], input.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), rows.len(), "one output line per input line");
    let mut wrapped = 0;
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = rows
            .chunks(rows.len().div_ceil(2))
            .zip(lines.chunks(rows.len().div_ceil(2)))
            .map(|(rows, lines)| {
                s.spawn(move || {
                    let mut failures = Vec::new();
                    for (i, ((at, password, _), line)) in rows.iter().zip(lines).enumerate() {
                        let hash = line["hash"].as_str().unwrap();
                        let verdict = run(&["verify", "--exact", "--hash", hash], password);
                        if !stdout(&verdict).starts_with("valid") || line["id"].as_u64().is_none() {
                            failures.push(format!("{at} (output line {i}): {}", stdout(&verdict).trim()));
                        }
                    }
                    failures
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    for line in &lines {
        wrapped += usize::from(line["hash"].as_str().unwrap().starts_with("$guardrail-wrap$v=1$"));
    }
    assert!(failures.is_empty(), "{} of {} do not verify:\n{}", failures.len(), rows.len(), failures.join("\n"));
    assert!(wrapped * 2 > rows.len(), "most rows are legacy and wrapped: {wrapped} of {}", rows.len());
    assert!(stderr(&out).contains(&format!("wrapped {wrapped}, kept {}, passed through 0", rows.len() - wrapped)));
}

/// Lines that cannot be wrapped stay in the output, unchanged, in place;
/// stderr names their line and code only; the exit status is 1.
#[test]
fn bad_lines_pass_through_unchanged_with_exit_1() {
    let secret_id = "user-4f1d9c";
    let unknown = "$unknown$c2VjcmV0LWhhc2g";
    let input = format!(
        "{}{{\"id\":\"{secret_id}\",\"hash\":\"{unknown}\"}}\nnot json\n{}",
        jsonl(&["md5$$5f4dcc3b5aa765d61d8327deb882cf99"]),
        r#"{"id":3,"hash":"$2b$16$nn9hKf6oury8bpgRiIHJV.IDfadaB1kcC1ppbvq1M5TpUsb3JkLdm"}"#
    );
    let out = run(&["migrate", "wrap", "-"], format!("{input}\n").as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let written: Vec<String> = stdout(&out).lines().map(str::to_owned).collect();
    let given: Vec<&str> = input.lines().collect();
    assert_eq!(written.len(), 4);
    // The input's own key order (json! writes "hash" first) is kept.
    assert!(written[0].starts_with(r#"{"hash":"$guardrail-wrap$v=1$django-unsalted-md5$"#), "{}", written[0]);
    assert!(written[0].ends_with(r#"","id":1}"#), "{}", written[0]);
    assert_eq!(&written[1..], &given[1..], "passed through unchanged, in place");
    let err = stderr(&out);
    for want in ["line 2: unsupported_hash", "line 3: malformed_json", "line 4: hash_over_caps"] {
        assert!(err.contains(want), "{want}: {err}");
    }
    assert!(err.contains("wrapped 1, kept 0, passed through 3"), "{err}");
    assert!(!err.contains(secret_id) && !err.contains("c2VjcmV0") && !err.contains("nn9hKf6"), "{err}");
}

/// Only the hash changes: a 30-digit id, a string id, other fields before
/// and after the hash, spacing, unicode and escapes stay byte for byte; an
/// escaped hash is read decoded. A hash given twice or not a string is
/// malformed: passed through unchanged, exit 1.
#[test]
fn wrap_replaces_only_the_hash() {
    let md5 = "md5$$5f4dcc3b5aa765d61d8327deb882cf99";
    let escaped = md5.replacen('$', "\\u0024", 2);
    let given = [
        format!(r#"{{"id":123456789012345678901234567890,"hash":"{md5}"}}"#),
        format!(r#"{{"email":"zoë@example.com","id":"u-42","hash":"{escaped}","created_at":"2024-01-02T03:04:05Z"}}"#),
        format!(
            r#" {{ "note" : "tab\t\"q\" \ud83d\ude00 ✓", "id" : -1.5e400 , "hash" : "{md5}" ,"n":[1,{{"a":null}}] }} "#
        ),
        format!(r#"{{"id":7,"hash":"{md5}","hash":"{md5}"}}"#),
        r#"{"id":8,"hash":123456789012345678901234567890}"#.to_owned(),
    ];
    let input: String = given.iter().map(|l| format!("{l}\n")).collect();
    let out = run(&["migrate", "wrap"], input.as_bytes());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    let written: Vec<&str> = text.lines().collect();
    assert_eq!(written.len(), given.len());
    for (line, want) in written.iter().zip(&given).take(3) {
        let at = line.find("\"$guardrail-wrap$v=1$django-unsalted-md5$").unwrap_or_else(|| panic!("{line}"));
        let end = at + 1 + line[at + 1..].find('"').unwrap();
        let hash = if want.contains(&escaped) { format!("\"{escaped}\"") } else { format!("\"{md5}\"") };
        assert_eq!(format!("{}{hash}{}", &line[..at], &line[end + 1..]), *want, "only the hash differs");
        let verdict = run(&["verify", "--exact", "--hash", &line[at + 1..end]], b"password");
        assert!(stdout(&verdict).starts_with("valid"), "{}", stdout(&verdict));
    }
    assert_eq!(&written[3..], &given[3..].iter().map(String::as_str).collect::<Vec<_>>()[..]);
    let err = stderr(&out);
    for want in ["line 4: malformed_json", "line 5: malformed_json", "wrapped 3, kept 0, passed through 2"] {
        assert!(err.contains(want), "{want}: {err}");
    }
}

/// The census reads the same lines: extra fields, large ids and escaped
/// hashes are counted; a hash given twice is malformed.
#[test]
fn census_reads_extra_fields_and_large_ids() {
    let md5 = "md5$$5f4dcc3b5aa765d61d8327deb882cf99";
    let escaped = md5.replacen('$', "\\u0024", 2);
    let input = [
        format!(r#"{{"id":123456789012345678901234567890,"email":"a@b.c","hash":"{md5}"}}"#),
        format!(r#"{{"id":-1e400,"hash":"{escaped}","created_at":"2024"}}"#),
        format!(r#"{{"id":3,"hash":"{md5}","hash":"{md5}"}}"#),
    ]
    .map(|l| l + "\n")
    .concat();
    let out = run(&["migrate", "census", "--json"], input.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["refused"], serde_json::json!({"malformed_json": 1}));
    assert_eq!(report["groups"][0]["scheme"], "django-unsalted-md5");
    assert_eq!(report["groups"][0]["accounts"], 2);
}

/// A line far over the cap is copied through whole (never cut, never
/// dropped), the lines around it are wrapped, the exit status is 1.
#[test]
fn a_huge_line_is_copied_through() {
    let dir = TempDir::new("migrate-huge");
    let huge = format!("{{\"id\":2,\"hash\":\"{}\"}}", "A".repeat(8 << 20));
    let path = dir.path().join("export.jsonl");
    let mut file = std::fs::File::create(&path).unwrap();
    let md5 = jsonl(&["md5$$5f4dcc3b5aa765d61d8327deb882cf99"]);
    write!(file, "{md5}{huge}\n{md5}").unwrap();
    drop(file);
    let out = run(&["migrate", "wrap", path.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[1] == huge, "the long line is not the same");
    assert!(lines[0].contains("$guardrail-wrap$") && lines[2].contains("$guardrail-wrap$"));
    assert!(stderr(&out).contains("line 2: line_too_long"));
}

/// The census of a small fixed export, as JSON and as text.
#[test]
fn census_of_a_fixed_input_is_pinned() {
    let input = format!(
        "{}not json\n",
        jsonl(&[
            "pbkdf2_sha256$1000000$SaltSaltSaltSaltSaltSa$ZDqCpF51DKxKCZa9Zx5utT1GEaYfl8+O3ydpZB0xVi0=",
            "pbkdf2_sha256$1000000$SaltSaltSaltSaltSaltSa$ZDqCpF51DKxKCZa9Zx5utT1GEaYfl8+O3ydpZB0xVi0=",
            "md5$$5f4dcc3b5aa765d61d8327deb882cf99",
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$dGFnLXRhZy10YWctdGFnLXRhZy10YWctdGFnLXRhZy0",
        ])
    );
    let out = run(&["migrate", "census", "--json"], input.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    for group in report["groups"].as_array_mut().unwrap() {
        assert!(group["defender_ms"].as_f64().unwrap() > 0.0);
        group["defender_ms"] = serde_json::Value::Null; // this machine's speed
    }
    let gist = "https://gist.github.com/Chick3nman/32e662a5bb63bc4f51b847bb422222fd";
    let want = serde_json::json!({
        "total": 5, "below_policy": 0.6,
        "defender_source": "estimated on this machine from one argon2id measurement (PasswordHasher::estimated_time)",
        "refused": {"malformed_json": 1},
        "groups": [
            {"scheme": "django-pbkdf2-sha256", "params": "iterations=1000000", "accounts": 2, "share": 0.4,
             "below_policy": 1.0, "memory_bytes": 0, "block_passes": report["groups"][0]["block_passes"],
             "defender_ms": null, "attacker_guesses_per_s": 8_865.7e3 * 999.0 / 1e6,
             "attacker_source": format!("mode 10900 PBKDF2-HMAC-SHA256 (999 iterations) scaled by work: hashcat 6.2.6 -b, RTX 4090 (Chick3nman), {gist}")},
            {"scheme": "argon2id", "params": "m=19456,t=2,p=1", "accounts": 1, "share": 0.2, "below_policy": 0.0,
             "memory_bytes": 19456 * 1024, "block_passes": 38912, "defender_ms": null,
             "attacker_guesses_per_s": 1703.0 * (65536.0 * 8.0) / (19456.0 * 5.0),
             "attacker_source": "mode 34000 argon2id (m=65536,t=3,p=1) scaled by memory moved, m(3t-1): hashcat 7.0.0 release notes, RTX 4090, https://github.com/hashcat/hashcat/releases/tag/v7.0.0"},
            {"scheme": "django-unsalted-md5", "params": "", "accounts": 1, "share": 0.2, "below_policy": 1.0,
             "memory_bytes": 0, "block_passes": 1, "defender_ms": null, "attacker_guesses_per_s": 164.1e9,
             "attacker_source": format!("mode 0 MD5 (one digest) scaled by work: hashcat 6.2.6 -b, RTX 4090 (Chick3nman), {gist}")},
        ],
    });
    assert_eq!(report, want);
    let text = run(&["migrate", "census"], input.as_bytes());
    let text = stdout(&text);
    assert!(text.starts_with("5 accounts, 1 refused\n"), "{text}");
    for want in ["django-pbkdf2-sha256", "refused: malformed_json 1", "60.0 % of accounts below policy", gist] {
        assert!(text.contains(want), "{want}: {text}");
    }
}

/// The cost knobs and the plaintext opt-in reach the hasher: a lower
/// memory cap refuses what the default admits, `{noop}` wraps only with
/// `--accept-plaintext-noop`, and `verify` takes the same flags; the
/// wrapped row is argon2id, no longer plaintext, and verifies without it.
#[test]
fn cost_caps_and_the_plaintext_opt_in() {
    let argon2 = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$dGFnLXRhZy10YWctdGFnLXRhZy10YWctdGFnLXRhZy0";
    let census = |flags: &[&str]| {
        let out = run(&[&["migrate", "census", "--json"][..], flags].concat(), jsonl(&[argon2]).as_bytes());
        serde_json::from_str::<serde_json::Value>(&stdout(&out)).unwrap()["refused"].clone()
    };
    assert_eq!(census(&[]), serde_json::json!({}));
    assert_eq!(census(&["--max-memory-mib", "16"]), serde_json::json!({"hash_over_caps": 1}));
    assert_eq!(census(&["--max-block-passes", "1000"]), serde_json::json!({"hash_over_caps": 1}));
    let verify = run(&["verify", "--hash", argon2, "--max-memory-mib", "16"], b"password\n");
    assert_eq!(verify.status.code(), Some(2));
    assert!(stderr(&verify).contains("m above the cap"), "{}", stderr(&verify));

    let noop = jsonl(&["{noop}password"]);
    let refused = run(&["migrate", "wrap"], noop.as_bytes());
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("line 1: plaintext_refused") && !stderr(&refused).contains("password\""));
    let accepted = run(&["migrate", "wrap", "--accept-plaintext-noop"], noop.as_bytes());
    assert_eq!(accepted.status.code(), Some(0), "{}", stderr(&accepted));
    let line: serde_json::Value = serde_json::from_str(stdout(&accepted).trim()).unwrap();
    let wrapped = line["hash"].as_str().unwrap();
    assert!(wrapped.starts_with("$guardrail-wrap$v=1$plaintext$"), "{wrapped}");
    let without = run(&["verify", "--hash", wrapped], b"password\n");
    assert_eq!(stdout(&without), "valid needs-rehash\n", "a wrapped plaintext needs no opt-in");
    let raw = run(&["verify", "--hash", "{noop}password"], b"password\n");
    assert_eq!(raw.status.code(), Some(2), "the raw row still needs it");
    assert!(stderr(&raw).contains("plaintext_refused") && !stderr(&raw).contains("password\n"), "{}", stderr(&raw));
    let with = run(&["verify", "--hash", wrapped, "--accept-plaintext-noop"], b"password\n");
    assert_eq!(stdout(&with), "valid needs-rehash\n");
}

/// The output is the input byte for byte but the hash values: a last line
/// without a newline gets none, whether passed through (not JSON, an
/// unknown hash), kept (argon2) or wrapped, and so does an over-long last
/// line copied through.
#[test]
fn a_last_line_without_a_newline_gets_none() {
    let md5 = "md5$$5f4dcc3b5aa765d61d8327deb882cf99";
    let argon2 = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$dGFnLXRhZy10YWctdGFnLXRhZy10YWctdGFnLXRhZy0";
    let garbage = run(&["migrate", "wrap", "-"], b"garbage");
    assert_eq!((garbage.status.code(), garbage.stdout.as_slice()), (Some(1), &b"garbage"[..]));
    for (last, wraps) in
        [(r#"{"id":2,"hash":"$unknown$x"}"#.to_owned(), false), (jsonl(&[argon2]), false), (jsonl(&[md5]), true)]
    {
        let input = format!("{}{}", jsonl(&[md5]), last.trim_end_matches('\n'));
        let out = run(&["migrate", "wrap"], input.as_bytes());
        let text = stdout(&out);
        assert_eq!(text.matches('\n').count(), 1, "{text}");
        let written_last = text.split('\n').nth(1).unwrap();
        if wraps {
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
            assert!(written_last.starts_with(r#"{"hash":"$guardrail-wrap$v=1$django-unsalted-md5$"#), "{written_last}");
            assert!(written_last.ends_with(r#"","id":1}"#), "{written_last}");
        } else {
            assert_eq!(written_last, last.trim_end_matches('\n'), "kept or passed through byte for byte");
        }
    }
    // An over-long last line without a newline: three newlines in, three out.
    let dir = TempDir::new("migrate-long-last");
    let path = dir.path().join("export.jsonl");
    let huge = format!("{{\"id\":4,\"hash\":\"{}\"}}", "A".repeat(1 << 20));
    std::fs::write(&path, format!("{}{huge}", jsonl(&[md5, md5, md5]))).unwrap();
    let out = run(&["migrate", "wrap", path.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert_eq!(text.matches('\n').count(), 3);
    assert!(text.ends_with(&huge), "the long line is copied byte for byte, no newline added");
    assert!(stderr(&out).contains("line 4: line_too_long"), "{}", stderr(&out));
}

/// A sealed (peppered) row from the password crate's test data.
fn sealed() -> String {
    let text = include_str!("../../password/tests/data/sealed-hash.txt");
    text.lines().find_map(|l| l.strip_prefix("stored: ")).unwrap().to_owned()
}

/// A sealed (peppered) row is argon2id under the service's pepper: `wrap`
/// keeps it (exit 0), the census counts it as its own group, and `verify`
/// says it needs the keyring (its own code), never "algorithm".
#[test]
fn sealed_rows_are_kept_counted_and_need_the_keyring() {
    let sealed = sealed();
    let input = jsonl(&[&sealed, "md5$$5f4dcc3b5aa765d61d8327deb882cf99"]);
    let out = run(&["migrate", "wrap"], input.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().next(), input.lines().next(), "kept byte for byte");
    assert!(stderr(&out).contains("wrapped 1, kept 1, passed through 0"), "{}", stderr(&out));

    let census = run(&["migrate", "census", "--json"], input.as_bytes());
    let report: serde_json::Value = serde_json::from_str(&stdout(&census)).unwrap();
    assert_eq!(report["refused"], serde_json::json!({}));
    assert_eq!(report["below_policy"], 0.5, "only the md5 row is below policy");
    let group = report["groups"].as_array().unwrap().iter().find(|g| g["scheme"] == "sealed").unwrap();
    assert_eq!(group["accounts"], 1);
    assert_eq!(group["below_policy"], 0.0);
    assert_eq!(group["params"], "argon2id under the pepper; parameters need the keyring");
    assert!(group["attacker_source"].as_str().unwrap().contains("as far as the CLI can tell"));
    let text = stdout(&run(&["migrate", "census"], input.as_bytes()));
    for want in ["\nsealed ", "parameters need the keyring", "as far as the CLI can tell", "50.0 % of accounts below"] {
        assert!(text.contains(want), "{want}: {text}");
    }

    let verify = run(&["verify", "--hash", &sealed], b"correct horse battery staple\n");
    assert_eq!(verify.status.code(), Some(2));
    let err = stderr(&verify);
    assert!(err.contains("sealed_needs_keyring") && err.contains("pepper keyring"), "{err}");
    assert!(!err.contains("algorithm") && !err.contains(&sealed[21..40]), "{err}");
    assert!(stdout(&verify).is_empty());
}

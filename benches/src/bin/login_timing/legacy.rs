//! `login-timing --legacy FILE`: imported accounts against unknown users.
//!
//! For each scheme's default-parameter right row of a vectors file (the
//! `tests/data/migrate/vectors.tsv` format: family, scheme, source,
//! made_by, kind, password_hex, stored, expect), a login with a wrong
//! password for that account against a login for an unknown user, under a
//! [`LoginFloor::Fixed`] of 1.25 × the slowest row's verify time measured
//! here. Welch's |t| per scheme; PASS when every one is below 4.5.
//!
//! Control, without a floor: the same pair must leak (|t| above 4.5) for
//! every scheme whose wrong-password verify takes over twice an unknown
//! user's, or under half of it (a fast digest gives itself away too), or
//! the test could not have seen a leak at this sample size.

use std::time::{Duration, Instant};

use guardrail_benches::dudect::{Report, measure_few};
use guardrail_password::{LoginFloor, PasswordHasher, Verification};
use guardrail_secret::SecretString;

use super::{PASS_T, or_exit};

/// One account to compare with an unknown user.
struct Row {
    label: String,
    stored: String,
    /// The wrong password: the right one with "!" appended.
    wrong: SecretString,
}

/// The rows at a framework's defaults (source says `defaults`, a libsodium
/// level, or an argon2-cffi profile), right password, expected valid; one
/// per family and scheme.
fn default_rows(text: &str) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [family, scheme, source, _made_by, kind, password_hex, stored, expect] = cols[..] else { continue };
        let at_defaults =
            ["defaults", "OPSLIMIT_", "RFC_9106_LOW_MEMORY", "PRE_21_2"].iter().any(|m| source.contains(m));
        if kind != "right" || expect != "valid" || !at_defaults {
            continue;
        }
        let label = format!("{family}/{scheme}");
        if rows.iter().any(|r| r.label == label) {
            continue;
        }
        let Some(password) = hex_text(password_hex) else { continue };
        rows.push(Row { label, stored: stored.to_owned(), wrong: SecretString::from(format!("{password}!")) });
    }
    rows
}

/// Hex-encoded UTF-8 text, or `None`.
fn hex_text(hex: &str) -> Option<String> {
    let bytes: Option<Vec<u8>> =
        (0..hex.len()).step_by(2).map(|i| hex.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok())).collect();
    String::from_utf8(bytes?).ok()
}

/// Unknown user (class 1) against a wrong password for `row` (class 0).
fn compare(hasher: &PasswordHasher, row: &Row, measurements: usize) -> Report {
    let login = |class: &usize| -> bool {
        let account = if *class == 0 { Some(row.stored.as_str()) } else { None };
        matches!(hasher.verify_login(&row.wrong, account), Ok(Verification::Invalid))
    };
    measure_few(measurements, &mut 0usize, |c, class| *c = class, login)
}

/// One wrong-password login for `row`, timed; what it answered instead of
/// `Invalid` otherwise (an error names no secret).
fn once(hasher: &PasswordHasher, row: &Row) -> Result<Duration, String> {
    let start = Instant::now();
    match hasher.verify_login(&row.wrong, Some(&row.stored)) {
        Ok(Verification::Invalid) => Ok(start.elapsed()),
        Ok(Verification::Valid { .. }) => Err("valid for a wrong password".to_owned()),
        Err(e) => Err(e.to_string()),
    }
}

/// Runs the mode; `true` on PASS.
pub(crate) fn run(path: &str, measurements: usize) -> bool {
    let text = or_exit(std::fs::read_to_string(path));
    let mut rows = default_rows(&text);
    if rows.is_empty() {
        eprintln!("login-timing: no default-parameter right rows in {path}");
        std::process::exit(2);
    }
    let plain = PasswordHasher::default();
    let unknown_user = SecretString::from("an attacker's guess");
    let unknown = {
        let start = Instant::now();
        let _ = plain.verify_login(&unknown_user, None);
        start.elapsed()
    };
    // Each row once without a floor: which are far from an unknown user, and the slowest. A
    // row this build cannot read is reported and left out (and fails the run).
    let mut single = Vec::with_capacity(rows.len());
    let mut unread = 0usize;
    rows.retain(|row| match once(&plain, row) {
        Ok(t) => {
            single.push(t);
            true
        }
        Err(why) => {
            println!("{:<34} not compared: {why}", row.label);
            unread += 1;
            false
        }
    });
    let slowest = single.iter().copied().max().unwrap_or_default();
    let floor = slowest.saturating_mul(5) / 4;
    let paced = PasswordHasher::default().login_floor(LoginFloor::Fixed(floor));
    println!(
        "login-timing --legacy {path}: {} schemes at their defaults, {measurements} logins each; unknown user {:.1} ms; \
         slowest row {:.1} ms; floor {:.1} ms",
        rows.len(),
        unknown.as_secs_f64() * 1e3,
        slowest.as_secs_f64() * 1e3,
        floor.as_secs_f64() * 1e3
    );
    println!("{:<34} {:>10} {:>9} {:>11} {:>10}", "scheme", "once ms", "|t| floor", "|t| no floor", "");
    let mut pass = unread == 0;
    for (row, once_time) in rows.iter().zip(&single) {
        let under_floor = compare(&paced, row, measurements);
        let control = compare(&plain, row, measurements);
        let far = *once_time > unknown.saturating_mul(2) || once_time.saturating_mul(2) < unknown;
        let ok = under_floor.max_t < PASS_T && (!far || control.max_t > PASS_T);
        pass &= ok;
        println!(
            "{:<34} {:>10.1} {:>9.2} {:>11.2} {:>10}",
            row.label,
            once_time.as_secs_f64() * 1e3,
            under_floor.max_t,
            control.max_t,
            match (ok, far) {
                (true, true) => "ok (leak)",
                (true, false) => "ok",
                (false, _) => "FAIL",
            }
        );
    }
    println!(
        "login-timing --legacy: every |t| under the floor < {PASS_T}, every scheme far from an unknown user's time leaks without it, \
         {unread} rows not read: {}",
        if pass { "PASS" } else { "FAIL" }
    );
    pass
}

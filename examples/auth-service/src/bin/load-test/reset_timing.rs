//! `load-test reset-timing [--accounts N] [--rounds N]`: does
//! `POST /password-reset` answer an existing account's login as fast as an
//! unknown one? A statistical comparison, not a timed unit test: `N`
//! accounts are signed up, then every round asks a reset for each
//! account's login and for as many unknown logins, interleaved, one
//! request in flight (each login at most `rounds` ≤ 5 times, under the
//! per-login limit). Reported: each group's mean, median and standard
//! deviation, and Welch's t of the two means; |t| < 4.5 (the threshold
//! dudect uses) is no evidence of a difference. Exit 0 when |t| < 4.5.

use std::time::{Duration, Instant};

use serde_json::json;

use super::{LimitMode, PASSWORD, start_server};

/// Welch's |t| threshold under which the groups are not told apart.
const T_THRESHOLD: f64 = 4.5;

/// Runs the mode; whether the two groups were not told apart.
pub(super) async fn run(args: &[String]) -> Result<bool, String> {
    let (mut accounts, mut rounds) = (100usize, 4usize);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let value = it.next().and_then(|v| v.parse().ok()).ok_or_else(|| format!("{arg}: a whole number"))?;
        match arg.as_str() {
            "--accounts" => accounts = value,
            "--rounds" if value <= 5 => rounds = value,
            _ => return Err(format!("unknown option {arg} (--accounts N, --rounds N ≤ 5)")),
        }
    }
    let server = start_server(LimitMode::Raised, None)?;
    let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().map_err(|e| e.to_string())?;
    for i in 0..accounts {
        let body =
            json!({"email": format!("user{i}@example.com"), "username": format!("user{i}"), "password": PASSWORD});
        let r = http.post(format!("{}/signup", server.url)).json(&body).send().await.map_err(|e| e.to_string())?;
        if r.status().as_u16() != 201 {
            return Err(format!("signup failed: {}", r.status()));
        }
    }
    let url = format!("{}/password-reset", server.url);
    let (mut existing, mut unknown) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        for i in 0..accounts {
            // Alternate which group goes first, and the login's form.
            let known = if (i + round) % 2 == 0 { format!("user{i}@example.com") } else { format!("user{i}") };
            let other = if (i + round) % 2 == 0 { format!("ghost{i}@example.com") } else { format!("ghost{i}") };
            let order = if (i + round) % 2 == 0 {
                [(&known, true), (&other, false)]
            } else {
                [(&other, false), (&known, true)]
            };
            for (login, is_known) in order {
                let t = Instant::now();
                let r = http.post(&url).json(&json!({ "login": login })).send().await.map_err(|e| e.to_string())?;
                let status = r.status().as_u16();
                r.bytes().await.map_err(|e| e.to_string())?;
                let elapsed = t.elapsed().as_secs_f64() * 1000.0;
                if status != 202 {
                    return Err(format!("reset request answered {status}, not 202"));
                }
                if is_known { existing.push(elapsed) } else { unknown.push(elapsed) }
            }
        }
    }
    let (e, u) = (Stats::of(&existing), Stats::of(&unknown));
    let t = welch_t(&e, &u);
    println!("reset-timing: {accounts} accounts x {rounds} rounds, one request in flight; times in ms");
    println!("existing: n={} mean={:.3} median={:.3} sd={:.3}", e.n, e.mean, e.median, e.sd);
    println!("unknown:  n={} mean={:.3} median={:.3} sd={:.3}", u.n, u.mean, u.median, u.sd);
    let pass = t.abs() < T_THRESHOLD;
    println!(
        "Welch's t = {t:.3} (|t| < {T_THRESHOLD}: {})",
        if pass { "no evidence of a difference" } else { "DIFFERENT" }
    );
    Ok(pass)
}

struct Stats {
    n: f64,
    mean: f64,
    median: f64,
    sd: f64,
}

impl Stats {
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    fn of(samples: &[f64]) -> Self {
        let n = samples.len() as f64;
        let mean = samples.iter().sum::<f64>() / n;
        let var = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let median = sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN);
        Self { n, mean, median, sd: var.sqrt() }
    }
}

/// Welch's t statistic of the two means.
fn welch_t(a: &Stats, b: &Stats) -> f64 {
    (a.mean - b.mean) / (a.sd.powi(2) / a.n + b.sd.powi(2) / b.n).sqrt()
}

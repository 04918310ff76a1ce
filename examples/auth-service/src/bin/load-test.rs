//! `load-test` — floods `/login` of a freshly started `auth-service` and
//! reports what the service issue asks for.
//!
//! ```text
//! cargo run --release -p auth-service --bin load-test                    # limits raised: measures hashing
//! cargo run --release -p auth-service --bin load-test -- --limits default  # the limiter answers 429 first
//! cargo run --release -p auth-service --bin load-test -- reset-timing      # see load-test/reset_timing.rs
//! options: --seconds N (20)  --clients N (64)  --limits raised|default
//!          --hash-concurrency N (the server's hashing slots; default: its own)
//! ```
//!
//! The server is the real `auth-service` binary (built beside this one if
//! missing), started as a child process on 127.0.0.1 with an OS-chosen port
//! and a temporary database, at the default argon2 profile (OWASP
//! m=19456 KiB, t=2, p=1) and default admission control. The clients
//! cycle through a correct password, a wrong one and an unknown user, so
//! every path of `/login` is exercised; `/healthz` is probed every 20 ms
//! on its own connection meanwhile. Reported: logins/s against the goal
//! 0.9 × cores ÷ single-hash time (the single-hash time measured here
//! first), latency p50/p99, status counts, the server's peak RSS (VmHWM)
//! against admission bound × 19 MiB + 64 MiB, and `/healthz` p99 < 50 ms.
//! The last line is the one-line summary. Exit status: 0 every goal met,
//! 1 a goal missed (the report says which), 2 bad usage, 3 the run itself
//! failed (the server did not start, a request could not be built, …).
#![allow(clippy::print_stdout, clippy::print_stderr)] // a command: stdout is its report

use std::{
    collections::BTreeMap,
    path::PathBuf,
    process::{Child, Command, ExitCode, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use guardrail::{
    password::{Limits, Params, PasswordHasher, Verification},
    secret::SecretString,
};
use serde_json::json;
use tokio::task::{JoinHandle, JoinSet};

const PASSWORD: &str = "flood the login endpoint steadily";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LimitMode {
    Raised,
    Default,
}

impl LimitMode {
    fn name(self) -> &'static str {
        if self == Self::Raised { "limits raised" } else { "default limits" }
    }
}

#[derive(Debug)]
struct Options {
    seconds: u64,
    clients: usize,
    limits: LimitMode,
    /// The server's hashing slots, if not its default.
    hash_concurrency: Option<usize>,
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options { seconds: 20, clients: 64, limits: LimitMode::Raised, hash_concurrency: None };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--seconds" => o.seconds = value()?.parse().map_err(|_| "--seconds: a whole number")?,
            "--clients" => o.clients = value()?.parse().map_err(|_| "--clients: a whole number")?,
            "--hash-concurrency" => {
                o.hash_concurrency = Some(value()?.parse().map_err(|_| "--hash-concurrency: a whole number")?);
            }
            "--limits" => {
                o.limits = match value()?.as_str() {
                    "raised" => LimitMode::Raised,
                    "default" => LimitMode::Default,
                    _ => return Err("--limits: raised or default".into()),
                }
            }
            _ => return Err(format!("unknown option {arg}")),
        }
    }
    if o.seconds == 0 || o.clients == 0 {
        return Err("--seconds and --clients must be positive".into());
    }
    Ok(o)
}

#[path = "load-test/reset_timing.rs"]
mod reset_timing;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string());
    if args.first().is_some_and(|a| a == "reset-timing") {
        return exit(runtime.and_then(|r| r.block_on(reset_timing::run(args.get(1..).unwrap_or_default()))));
    }
    let options = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("load-test: {e}");
            return ExitCode::from(2);
        }
    };
    exit(runtime.and_then(|r| r.block_on(run(&options))))
}

fn exit(outcome: Result<bool, String>) -> ExitCode {
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("load-test: {e}");
            ExitCode::from(3)
        }
    }
}

/// The `auth-service` binary beside this one, built if missing.
fn server_binary() -> Result<PathBuf, String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let path = me.with_file_name(format!("auth-service{}", std::env::consts::EXE_SUFFIX));
    if !path.exists() {
        let release = me.parent().and_then(|p| p.file_name()).is_some_and(|n| n == "release");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut build = Command::new(cargo);
        build.args(["build", "-p", "auth-service", "--bin", "auth-service"]);
        if release {
            build.arg("--release");
        }
        eprintln!("load-test: building the server: {build:?}");
        if !build.status().map_err(|e| e.to_string())?.success() {
            return Err("building auth-service failed".into());
        }
    }
    Ok(path)
}

struct Server {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The longest line read from the server's stdout (longer lines are
/// skipped, never cut), the most of its log and of a `/proc` file read, in
/// bytes: every read here is bounded (issue 10, item 4).
const MAX_LINE: usize = 64 * 1024;
const MAX_LOG_BYTES: usize = 1 << 20;
const MAX_PROC_BYTES: usize = 64 * 1024;

/// A text file, at most `max` bytes (`guardrail::secret::read`: one byte
/// past the cap is refused, naming it; nothing is cut short).
fn read_capped(path: &std::path::Path, max: usize) -> Result<String, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let bytes = guardrail::secret::read::to_end(file, max).map_err(|e| format!("{}: {e}", path.display()))?;
    String::from_utf8(bytes.to_vec()).map_err(|_| format!("{}: not UTF-8", path.display()))
}

fn start_server(limits: LimitMode, hash_concurrency: Option<usize>) -> Result<Server, String> {
    use guardrail::secret::{Error, read::Lines};
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let log = std::fs::File::create(dir.path().join("server.log")).map_err(|e| e.to_string())?;
    let mut cmd = Command::new(server_binary()?);
    cmd.env("RUST_LOG", "info").stdout(Stdio::piped()).stderr(log);
    // Drop any AUTH_SERVICE_* of the caller's shell: the profile is the default.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("AUTH_SERVICE_") {
            cmd.env_remove(name);
        }
    }
    cmd.env("AUTH_SERVICE_ADDR", "127.0.0.1:0")
        .env("AUTH_SERVICE_DB", dir.path().join("auth.db"))
        .env("AUTH_SERVICE_KEYRING", dir.path().join("keyring.json"))
        // Every client is 127.0.0.1: one client's connection cap is the bound in all.
        .env("AUTH_SERVICE_MAX_CONNECTIONS_PER_CLIENT", "512");
    if let Some(n) = hash_concurrency {
        cmd.env("AUTH_SERVICE_HASH_CONCURRENCY", n.to_string());
    }
    if limits == LimitMode::Raised {
        cmd.env("AUTH_SERVICE_LOGIN_PER_IP", "10000000").env("AUTH_SERVICE_LOGIN_PER_ACCOUNT", "10000000");
    }
    let mut child = cmd.spawn().map_err(|e| format!("starting auth-service: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = Lines::new(std::io::BufReader::new(stdout), MAX_LINE);
    let url = loop {
        match lines.next_line() {
            Ok(Some(line)) => {
                if let Some(url) = line.strip_prefix(b"auth-service listening on ") {
                    break String::from_utf8_lossy(url).into_owned();
                }
            }
            // Skipped whole: not the URL line.
            Err(Error::LineTooLong { .. }) => {}
            Ok(None) | Err(_) => {
                let _ = child.kill();
                let log = read_capped(&dir.path().join("server.log"), MAX_LOG_BYTES).unwrap_or_else(|e| e);
                return Err(format!("auth-service exited before listening:\n{log}"));
            }
        }
    };
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || while !matches!(lines.next_line(), Ok(None) | Err(Error::Read(_))) {});
    Ok(Server { child, url, _dir: dir })
}

/// Peak resident set size of `pid` in bytes (Linux `VmHWM`).
fn peak_rss(pid: u32) -> Option<u64> {
    let status = read_capped(std::path::Path::new(&format!("/proc/{pid}/status")), MAX_PROC_BYTES).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// CPU seconds (user + system) `pid` has used so far (Linux; USER_HZ = 100).
fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = read_capped(std::path::Path::new(&format!("/proc/{pid}/stat")), MAX_PROC_BYTES).ok()?;
    // Fields after the parenthesised command name; utime and stime are 14 and 15.
    let rest = stat.rsplit_once(')')?.1;
    let mut fields = rest.split_whitespace().skip(11);
    let utime: f64 = fields.next()?.parse().ok()?;
    let stime: f64 = fields.next()?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// Time of one default-profile verify on this machine, alone: the fastest
/// of 15 (the machine's own cost; slower runs are other load). A verify
/// that is not `Valid` (an error, `Busy`) is no timing: the run stops.
fn single_hash_time() -> Result<Duration, String> {
    let hasher = PasswordHasher::default();
    let password = SecretString::from(PASSWORD);
    let stored = hasher.hash(&password).map_err(|e| e.to_string())?;
    let mut fastest = Duration::MAX;
    for _ in 0..15 {
        let t = Instant::now();
        match hasher.verify(&password, stored.as_str_for_storage()) {
            Ok(Verification::Valid { .. }) => fastest = fastest.min(t.elapsed()),
            other => return Err(format!("timing a verify: expected Valid, got {other:?}")),
        }
    }
    Ok(fastest)
}

/// What the machine can hash at all: `threads` threads verifying back to
/// back for `secs` seconds (parallel argon2 shares memory bandwidth, so
/// this is below `threads ÷ single-hash time`): valid verifies a second,
/// cores busy, and how many verifies were not `Valid` (`Busy`, an error;
/// not counted in the rate).
fn steady_rate(threads: usize, secs: f64) -> (f64, f64, u32) {
    let hasher = Arc::new(PasswordHasher::default());
    let password = SecretString::from(PASSWORD);
    let Ok(stored) = hasher.hash(&password) else { return (0.0, 0.0, 0) };
    let stored: Arc<str> = stored.as_str_for_storage().into();
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let started = Instant::now();
    let cpu_before = cpu_seconds("self").unwrap_or(0.0);
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (hasher, stored) = (Arc::clone(&hasher), Arc::clone(&stored));
            std::thread::spawn(move || {
                let password = SecretString::from(PASSWORD);
                let (mut valid, mut failed) = (0u32, 0u32);
                while Instant::now() < deadline {
                    match hasher.verify(&password, &stored) {
                        Ok(Verification::Valid { .. }) => valid += 1,
                        _ => failed += 1, // Busy, an error (or Invalid: a bug here)
                    }
                }
                (valid, failed)
            })
        })
        .collect();
    let counts = handles.into_iter().filter_map(|h| h.join().ok());
    let (valid, failed) = counts.fold((0, 0), |(v, f), (tv, tf)| (v + tv, f + tf));
    let secs = started.elapsed().as_secs_f64();
    (f64::from(valid) / secs, (cpu_seconds("self").unwrap_or(0.0) - cpu_before) / secs, failed)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)] // an index
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

struct Sample {
    status: u16,
    latency: Duration,
}

/// The machine, measured before the server starts.
struct Machine {
    cores: usize,
    /// One default-profile verify, alone.
    single: Duration,
    /// Verifies per second with `cores` threads verifying back to back.
    ceiling: f64,
    /// Logins per second the service should reach: 0.9 × cores ÷ `single`.
    goal_rate: f64,
    /// The most the server's peak RSS may be, in bytes (bound × 19 MiB + 64 MiB).
    rss_goal_bytes: u64,
}

async fn run(o: &Options) -> Result<bool, String> {
    let machine = measure_machine(o).await?;
    let server = start_server(o.limits, o.hash_concurrency)?;
    let http = sign_up(&server, o.clients).await?;
    let deadline = Instant::now() + Duration::from_secs(o.seconds);
    let logins = flood(&http, &server.url, o.clients, deadline);
    let probes = probe_health(&server.url, deadline)?;
    let measured = collect(server, logins, probes).await?;
    Ok(report(o, &machine, &measured))
}

/// Step 1: the single-hash time and the machine's hashing rate; prints
/// the run's first two lines.
async fn measure_machine(o: &Options) -> Result<Machine, String> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    // Both measurements hash synchronously (and the second joins threads):
    // on the blocking pool, never on an executor thread.
    let single = tokio::task::spawn_blocking(single_hash_time).await.map_err(|e| e.to_string())??;
    let bound =
        o.hash_concurrency.unwrap_or(Limits::for_params(&Params::OWASP, Limits::DEFAULT_MEMORY_BUDGET).max_concurrent);
    #[allow(clippy::cast_precision_loss)] // small counts
    let goal_rate = 0.9 * cores as f64 / single.as_secs_f64();
    let rss_goal_bytes = (bound as u64 * 19 + 64) * 1024 * 1024;
    let mode = o.limits.name();
    println!("load-test ({mode}): {} clients for {} s against a fresh auth-service", o.clients, o.seconds);
    let (ceiling, ceiling_cpu, failed) =
        tokio::task::spawn_blocking(move || steady_rate(cores, 3.0)).await.map_err(|e| e.to_string())?;
    println!(
        "machine: {cores} cores; default-profile verify {:.1} ms alone (fastest of 15); {ceiling:.1} verifies/s with {cores} threads verifying back to back ({ceiling_cpu:.2} cores busy; {failed} not Valid, not counted); admission bound {bound}",
        ms(single)
    );
    Ok(Machine { cores, single, ceiling, goal_rate, rss_goal_bytes })
}

/// Step 2: a client pool sized for the flood, and the account it logs in to.
async fn sign_up(server: &Server, clients: usize) -> Result<reqwest::Client, String> {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| e.to_string())?;
    let signup = json!({"email": "ops@example.com", "username": "loadtest", "password": PASSWORD});
    let r = http.post(format!("{}/signup", server.url)).json(&signup).send().await.map_err(|e| e.to_string())?;
    if r.status().as_u16() != 201 {
        return Err(format!("signup failed: {}", r.status()));
    }
    Ok(http)
}

/// Step 3: `clients` tasks post `/login` back to back until `deadline`,
/// cycling through a correct password, a wrong one and an unknown user.
fn flood(http: &reqwest::Client, base: &str, clients: usize, deadline: Instant) -> JoinSet<Vec<Sample>> {
    let url: Arc<str> = format!("{base}/login").into();
    let mut set = JoinSet::new();
    for c in 0..clients {
        let (http, url) = (http.clone(), Arc::clone(&url));
        set.spawn(async move {
            let mut samples = Vec::new();
            let mut n = c;
            while Instant::now() < deadline {
                let body = match n % 3 {
                    0 => json!({"login": "loadtest", "password": PASSWORD}),
                    1 => json!({"login": "loadtest", "password": "a wrong password"}),
                    _ => json!({"login": format!("nobody{n}"), "password": PASSWORD}),
                };
                n += 1;
                let t = Instant::now();
                let status = match http.post(&*url).json(&body).send().await {
                    Ok(r) => {
                        let s = r.status().as_u16();
                        let _ = r.bytes().await;
                        s
                    }
                    Err(_) => 0,
                };
                samples.push(Sample { status, latency: t.elapsed() });
            }
            samples
        });
    }
    set
}

/// `/healthz` latencies and the number of failed probes.
type Probes = (Vec<Duration>, usize);

/// Step 3, beside the flood: `/healthz` every 20 ms on its own connection.
fn probe_health(base: &str, deadline: Instant) -> Result<JoinHandle<Probes>, String> {
    let health_url = format!("{base}/healthz");
    let health_http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().map_err(|e| e.to_string())?;
    Ok(tokio::spawn(async move {
        let mut samples = Vec::new();
        let mut failures = 0usize;
        while Instant::now() < deadline {
            let t = Instant::now();
            match health_http.get(&health_url).send().await {
                Ok(r) if r.status().is_success() => samples.push(t.elapsed()),
                _ => failures += 1,
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        (samples, failures)
    }))
}

/// What the flood measured.
struct Measured {
    samples: Vec<Sample>,
    elapsed: Duration,
    /// `/healthz` latencies, sorted.
    health: Vec<Duration>,
    health_failures: usize,
    /// The server's peak RSS in bytes (0 if unknown).
    rss: u64,
    /// Cores busy during the flood: (the server, this process), if known.
    cores_busy: Option<(f64, f64)>,
}

/// Step 4: waits for the clients and the prober, reads the server's CPU
/// time and peak RSS, and stops the server.
async fn collect(server: Server, logins: JoinSet<Vec<Sample>>, probes: JoinHandle<Probes>) -> Result<Measured, String> {
    let pid = server.child.id();
    let started = Instant::now();
    let cpu_before = (cpu_seconds(&pid.to_string()), cpu_seconds("self"));
    let samples: Vec<Sample> = logins.join_all().await.into_iter().flatten().collect();
    let elapsed = started.elapsed();
    let (mut health, health_failures) = probes.await.map_err(|e| e.to_string())?;
    let rss = peak_rss(pid).unwrap_or(0);
    let cpu_after = (cpu_seconds(&pid.to_string()), cpu_seconds("self"));
    drop(server);
    health.sort();
    let secs = elapsed.as_secs_f64();
    let cores_busy = match (cpu_before, cpu_after) {
        ((Some(s0), Some(c0)), (Some(s1), Some(c1))) => Some(((s1 - s0) / secs, (c1 - c0) / secs)),
        _ => None,
    };
    Ok(Measured { samples, elapsed, health, health_failures, rss, cores_busy })
}

/// The samples counted by status; `other`: not 200, 401, 429 or 503;
/// `hashed`: 200 and 401, `rate` of them per second; latencies sorted,
/// `all` and of the 429 answers (`limited`).
struct Tally {
    counts: BTreeMap<u16, usize>,
    other: usize,
    hashed: usize,
    rate: f64,
    all: Vec<Duration>,
    limited: Vec<Duration>,
}

impl Tally {
    fn new(m: &Measured) -> Self {
        let mut counts: BTreeMap<u16, usize> = BTreeMap::new();
        for s in &m.samples {
            *counts.entry(s.status).or_default() += 1;
        }
        let other: usize = counts.iter().filter(|(s, _)| ![200, 401, 429, 503].contains(*s)).map(|(_, n)| n).sum();
        let hashed = counts.get(&200).copied().unwrap_or(0) + counts.get(&401).copied().unwrap_or(0);
        #[allow(clippy::cast_precision_loss)] // counts
        let rate = hashed as f64 / m.elapsed.as_secs_f64();
        let mut all: Vec<Duration> = m.samples.iter().map(|s| s.latency).collect();
        all.sort();
        let mut limited: Vec<Duration> = m.samples.iter().filter(|s| s.status == 429).map(|s| s.latency).collect();
        limited.sort();
        Self { counts, other, hashed, rate, all, limited }
    }

    fn count(&self, status: u16) -> usize {
        self.counts.get(&status).copied().unwrap_or(0)
    }
}

#[allow(clippy::cast_precision_loss)] // bytes to MiB
fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn pass(ok: bool) -> &'static str {
    if ok { "PASS" } else { "FAIL" }
}

/// Step 5: prints the measurements and the summary line; `true` when every
/// goal was met.
fn report(o: &Options, machine: &Machine, m: &Measured) -> bool {
    let t = Tally::new(m);
    print_measurements(machine, m, &t);
    let health_p99 = percentile(&m.health, 0.99);
    let rss_ok = m.rss > 0 && m.rss <= machine.rss_goal_bytes;
    let health_ok = !m.health.is_empty() && health_p99 < Duration::from_millis(50) && m.health_failures == 0;
    let other_ok = t.other == 0;
    let (headline, headline_ok) = headline(o, machine, &t);
    println!(
        "summary ({}): {headline}; p50 {:.0} ms p99 {:.0} ms; other statuses {} {}; peak RSS {:.0} MiB (goal ≤ {:.0}) {}; /healthz p99 {:.1} ms (goal < 50) {}",
        o.limits.name(),
        ms(percentile(&t.all, 0.5)),
        ms(percentile(&t.all, 0.99)),
        t.other,
        pass(other_ok),
        mib(m.rss),
        mib(machine.rss_goal_bytes),
        pass(rss_ok),
        ms(health_p99),
        pass(health_ok)
    );
    headline_ok && other_ok && rss_ok && health_ok
}

fn print_measurements(machine: &Machine, m: &Measured, t: &Tally) {
    println!(
        "requests: {} in {:.1} s; status 200={} 401={} 429={} 503={} other={}",
        m.samples.len(),
        m.elapsed.as_secs_f64(),
        t.count(200),
        t.count(401),
        t.count(429),
        t.count(503),
        t.other
    );
    println!("login latency: p50 {:.1} ms, p99 {:.1} ms", ms(percentile(&t.all, 0.5)), ms(percentile(&t.all, 0.99)));
    println!(
        "/healthz during the flood: {} probes, p50 {:.2} ms, p99 {:.2} ms, failures {}",
        m.health.len(),
        ms(percentile(&m.health, 0.5)),
        ms(percentile(&m.health, 0.99)),
        m.health_failures
    );
    println!("server peak RSS (VmHWM): {:.1} MiB", mib(m.rss));
    if let Some((server, client)) = m.cores_busy {
        let cores = machine.cores;
        println!("CPU during the flood: server {server:.2} cores, this load client {client:.2} cores (of {cores})");
    }
}

/// The goal of the mode: the login rate (limits raised), or 429s before
/// any hashing past the limiter's budget (default limits).
fn headline(o: &Options, machine: &Machine, t: &Tally) -> (String, bool) {
    let (cores, rate) = (machine.cores, t.rate);
    match o.limits {
        LimitMode::Raised => {
            let goal_rate = machine.goal_rate;
            let ok = rate >= goal_rate;
            (
                format!(
                    "{rate:.1} logins/s (goal ≥ {goal_rate:.1}: 0.9 × {cores} ÷ {:.1} ms) {} = {:.2} × the machine's {cores}-thread hashing rate",
                    ms(machine.single),
                    pass(ok),
                    rate / machine.ceiling
                ),
                ok,
            )
        }
        LimitMode::Default => {
            // 30 per minute per address (burst 30) and 10 per minute per
            // account: what can be hashed in the run, plus the signup.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // seconds
            let budget = 30 + (30 * o.seconds).div_ceil(60) as usize;
            let ok = t.count(429) > 0 && t.hashed <= budget;
            (
                format!(
                    "limiter: {} × 429 (p99 {:.2} ms, before any hashing), {} logins hashed (budget ≤ {budget}) {}",
                    t.count(429),
                    ms(percentile(&t.limited, 0.99)),
                    t.hashed,
                    pass(ok)
                ),
                ok,
            )
        }
    }
}

#[cfg(test)]
#[path = "load-test/tests.rs"]
mod tests;

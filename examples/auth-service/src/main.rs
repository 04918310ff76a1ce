//! `auth-service` — run the reference service, or import legacy users.
//!
//! ```text
//! auth-service                       serve (configuration from AUTH_SERVICE_* variables)
//! auth-service import-legacy FILE    import users with legacy hashes (JSON lines; - for stdin)
//! auth-service --help                list the commands and the settings
//! ```
//!
//! and the operator's offline commands (`sessions`, `force-reset`,
//! `census`, `wrap-legacy`, `reseal`, `key-usage`, `rotate-key`,
//! `api-keys`): [`auth_service::admin`].
#![allow(clippy::print_stdout, clippy::print_stderr)] // a command: stdout and stderr are its interface

use std::{
    io::{BufRead, IsTerminal},
    process::ExitCode,
};

use auth_service::{Config, KeyringOrigin, admin, build_state, import};

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Before the settings are read: `--help` answers even when they are
    // wrong (an unreadable AUTH_SERVICE_CONFIG).
    if matches!(args.as_slice(), [one] if one == "--help" || one == "-h") {
        return print_help();
    }
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("auth-service: {}", shown(&e));
            return ExitCode::from(2);
        }
    };
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        [] => serve(config),
        ["import-legacy", file] => import_legacy(&config, file),
        args => match admin::parse(args) {
            Some(Ok(command)) => run_admin(&config, &command),
            Some(Err(e)) => {
                eprintln!("auth-service: {e} (--help lists the commands)");
                ExitCode::from(2)
            }
            None => {
                eprintln!(
                    "usage: auth-service [import-legacy FILE | COMMAND] (--help lists the commands and settings)"
                );
                ExitCode::from(2)
            }
        },
    }
}

/// Runs an admin command: its facts on stdout, problems on stderr; exit 1
/// when it failed or some input was unknown.
fn run_admin(config: &Config, command: &admin::Command) -> ExitCode {
    match admin::run(config, command, &mut std::io::stdin().lock()) {
        Ok(report) => {
            for line in &report.err {
                eprintln!("{line}");
            }
            for line in &report.out {
                println!("{line}");
            }
            if report.incomplete { ExitCode::FAILURE } else { ExitCode::SUCCESS }
        }
        Err(e) => {
            eprintln!("auth-service: {}", shown(&e));
            ExitCode::FAILURE
        }
    }
}

/// `--help`: usage, the admin commands and every setting. Written with
/// `writeln!`, not `println!`: a reader that closes the pipe early
/// (`auth-service --help | head`) ends the listing, not the process with
/// a panic.
fn print_help() -> ExitCode {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let mut text = format!(
        "usage: auth-service [import-legacy FILE]\n{}\n\nsettings (environment, or a KEY=VALUE file named by AUTH_SERVICE_CONFIG):\n",
        admin::USAGE
    );
    for (name, what) in auth_service::config::SETTINGS {
        text.push_str(&format!("  {name:32} {what}\n"));
    }
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}

fn serve(config: Config) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("auth-service: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(async {
        let keyring_path = config.keyring.clone();
        let running = match auth_service::start(config).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("auth-service: {}", shown(&e));
                return ExitCode::FAILURE;
            }
        };
        if running.keyring_origin == KeyringOrigin::Created {
            println!(
                "auth-service: created keyring {} (mode 0600). Back it up: stored password hashes cannot be verified without it.",
                keyring_path.display()
            );
        }
        // Handlers first, then the line operators and tests wait for: a
        // SIGINT or SIGTERM right after it must stop the service cleanly,
        // not kill it.
        let shutdown = match shutdown_signal() {
            Ok(s) => s,
            Err(e) => {
                eprintln!("auth-service: cannot install the SIGINT/SIGTERM handlers: {e}");
                let _ = running.stop().await;
                return ExitCode::FAILURE;
            }
        };
        println!("auth-service listening on http://{}", running.addr);
        shutdown.await;
        tracing::info!(target: "security", event = "sys_shutdown", "stopping: finishing requests in flight");
        match running.stop().await {
            Ok(report) => {
                tracing::info!(
                    target: "security",
                    event = "sys_shutdown",
                    dropped = report.dropped,
                    evicted = report.evicted,
                    "stopped: connections still open after the grace were dropped"
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("auth-service: {}", shown(&e));
                ExitCode::FAILURE
            }
        }
    });
    // A blocking task still running (a database call, a hash) must not
    // hold the exit: the server has stopped, its answers are gone anyway.
    runtime.shutdown_timeout(BLOCKING_GRACE);
    code
}

/// How long the exit waits for blocking tasks once the server stopped.
const BLOCKING_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

/// SIGINT (Ctrl-C) or, on unix, SIGTERM. Both handlers are installed when
/// this is called, not when the future is first polled: from then on
/// either signal stops the service cleanly instead of killing it.
///
/// # Errors
///
/// A handler could not be installed.
fn shutdown_signal() -> std::io::Result<impl Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        })
    }
    #[cfg(windows)]
    {
        let mut ctrl_c = tokio::signal::windows::ctrl_c()?;
        Ok(async move {
            ctrl_c.recv().await;
        })
    }
}

/// An error for the operator's terminal as one log line: errors name
/// files and settings the operator chose, which may hold controls, bidi
/// overrides or hidden characters; these are escaped (`\u{202e}`), so a
/// message cannot be reordered or forged.
fn shown(e: &impl std::fmt::Display) -> String {
    guardrail::encode::log_line(&e.to_string()).into_owned()
}

fn import_legacy(config: &Config, file: &str) -> ExitCode {
    let (state, _) = match build_state(config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("auth-service: {}", shown(&e));
            return ExitCode::FAILURE;
        }
    };
    let input: Box<dyn BufRead> = if file == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        // A file of password hashes is an offline-cracking target: it gets
        // the keyring's checks (owner-only, no group read: the export is a
        // one-off file the operator makes, so `chmod 600` costs nothing),
        // and a FIFO is refused rather than hanging the import; `-` reads
        // a pipe.
        match guardrail::secret::load::FileLoader::new().open(file) {
            Ok(f) => Box::new(std::io::BufReader::new(f)),
            Err(e) => {
                eprintln!("auth-service: {}", shown(&e));
                return ExitCode::FAILURE;
            }
        }
    };
    match import::import_jsonl(&state.db, &state.hasher, input) {
        Ok(summary) => {
            for skipped in &summary.skipped {
                eprintln!("line {}: skipped: {}", skipped.line, skipped.code);
            }
            println!("imported {} users, skipped {}", summary.imported, summary.skipped.len());
            if summary.skipped.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) }
        }
        Err(e) => {
            eprintln!("auth-service: {}", shown(&e));
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

    use std::time::Duration;

    use super::shutdown_signal;

    /// The handlers exist as soon as `shutdown_signal` returns, before its
    /// future is first polled (the service prints its URL in between): a
    /// signal sent then is caught and remembered, not fatal. Deterministic,
    /// unlike racing the binary: with a handler installed on first poll (as
    /// `tokio::signal::ctrl_c()` does), the SIGINT below kills this process.
    #[cfg(unix)]
    #[test]
    fn signals_sent_before_the_first_poll_are_caught() {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            for signal in ["INT", "TERM"] {
                let shutdown = shutdown_signal().unwrap();
                let pid = std::process::id().to_string();
                let sent = std::process::Command::new("kill").args([&format!("-{signal}"), &pid]).status().unwrap();
                assert!(sent.success());
                tokio::time::timeout(Duration::from_secs(10), shutdown)
                    .await
                    .unwrap_or_else(|_| panic!("SIG{signal} sent before the first poll was not seen"));
            }
        });
    }
}

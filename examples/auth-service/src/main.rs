//! `auth-service` — run the reference service, or import legacy users.
//!
//! ```text
//! auth-service                       serve (configuration from AUTH_SERVICE_* variables)
//! auth-service import-legacy FILE    import users with legacy hashes (JSON lines; - for stdin)
//! auth-service --help                list the settings
//! ```
#![allow(clippy::print_stdout, clippy::print_stderr)] // a command: stdout and stderr are its interface

use std::{
    io::{BufRead, IsTerminal},
    process::ExitCode,
};

use auth_service::{Config, KeyringOrigin, build_state, import};

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("auth-service: {e}");
            return ExitCode::from(2);
        }
    };
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] => serve(config),
        ["import-legacy", file] => import_legacy(&config, file),
        ["--help" | "-h"] => {
            println!(
                "usage: auth-service [import-legacy FILE]\n\nsettings (environment, or a KEY=VALUE file named by AUTH_SERVICE_CONFIG):"
            );
            for (name, what) in auth_service::config::SETTINGS {
                println!("  {name:32} {what}");
            }
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("usage: auth-service [import-legacy FILE] (--help lists the settings)");
            ExitCode::from(2)
        }
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
    runtime.block_on(async {
        let keyring_path = config.keyring.clone();
        let running = match auth_service::start(config).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("auth-service: {e}");
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
        // SIGTERM right after it must stop the service cleanly, not kill it.
        let shutdown = shutdown_signal();
        println!("auth-service listening on http://{}", running.addr);
        shutdown.await;
        tracing::info!(target: "security", event = "sys_shutdown", "stopping: finishing requests in flight");
        match running.stop().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("auth-service: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

/// SIGINT (Ctrl-C) or, on unix, SIGTERM. The SIGTERM handler is installed
/// when this is called, not when the future is first polled.
fn shutdown_signal() -> impl Future<Output = ()> {
    #[cfg(unix)]
    let sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    async move {
        let ctrl_c = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        #[cfg(unix)]
        let terminate = async move {
            match sigterm {
                Some(mut s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let terminate = std::future::pending::<()>();
        tokio::select! {
            () = ctrl_c => {}
            () = terminate => {}
        }
    }
}

fn import_legacy(config: &Config, file: &str) -> ExitCode {
    let (state, _) = match build_state(config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("auth-service: {e}");
            return ExitCode::FAILURE;
        }
    };
    let input: Box<dyn BufRead> = if file == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        match std::fs::File::open(file) {
            Ok(f) => Box::new(std::io::BufReader::new(f)),
            Err(e) => {
                eprintln!("auth-service: {file}: {e}");
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
            eprintln!("auth-service: {e}");
            ExitCode::FAILURE
        }
    }
}

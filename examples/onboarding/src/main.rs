//! `cargo run -p guardrail-onboarding`: the service on 127.0.0.1:3000
//! (`ONBOARDING_ADDR` to change it), logs on standard output.

use guardrail_onboarding::{App, Config, StartError, serve};

#[tokio::main]
async fn main() -> Result<(), StartError> {
    tracing_subscriber::fmt().init();
    let addr = std::env::var("ONBOARDING_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    tracing::info!(event = "sys_startup", addr = %listener.local_addr()?);
    // The router, and expired sessions and full limiter entries dropped every minute.
    serve(listener, App::new(Config::production())?).await?;
    Ok(())
}

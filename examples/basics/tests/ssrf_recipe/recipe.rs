use guardrail::validate::{self, FetchPolicy, FetchUrl};
use guardrail_fetch::{Error, FetchClient};
use serde::Serialize;

/// Built once at start-up and shared: one connection pool, and the policy
/// every webhook URL, redirect and resolved address is checked under.
pub fn webhook_client() -> Result<FetchClient, Error> {
    FetchClient::new(FetchPolicy::default().https_only())
}

/// When a user saves a webhook: parse it under the client's policy (the
/// refusal names a reason code, never the URL), then store `as_str()`.
pub fn register(client: &FetchClient, input: &str) -> Result<FetchUrl, validate::Error> {
    client.policy().parse(input)
}

/// When an event fires: deliver it. Every address the name resolves to,
/// every redirect and the response's size are checked inside `send`.
pub async fn deliver(client: &FetchClient, hook: &FetchUrl, event: &impl Serialize) -> Result<u16, Error> {
    let delivered = client.post(hook).json(event).send().await?;
    Ok(delivered.status.as_u16())
}

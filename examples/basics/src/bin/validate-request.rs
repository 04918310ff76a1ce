//! Validate a request struct with validator's derive and guardrail's rules:
//! the errors name the field and a stable code, never the submitted value.
//!
//! `cargo run -p guardrail-examples --bin validate-request`
#![allow(clippy::print_stdout)] // an example that shows its results

use guardrail::validate::{
    Email,
    rules::{self, FieldError},
};
use validator::Validate;

#[derive(Debug, serde::Deserialize, Validate)]
struct SignupRequest {
    #[validate(custom(function = "rules::email"))]
    email: String,
    #[validate(custom(function = "rules::username"))]
    username: String,
    #[validate(custom(function = "rules::fetch_url"))]
    avatar_url: String,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let good: SignupRequest = serde_json::from_str(
        r#"{"email":"ada@example.com","username":"ada_l","avatar_url":"https://img.example.com/ada.png"}"#,
    )?;
    good.validate()?;
    println!("valid request accepted");

    let bad: SignupRequest = serde_json::from_str(
        r#"{"email":"ada@@example.com","username":"ada lovelace","avatar_url":"http://169.254.169.254/latest/meta-data/"}"#,
    )?;
    let errors = match bad.validate() {
        Ok(()) => return Err("the bad request was accepted".into()),
        Err(e) => rules::field_errors(&e),
    };
    for FieldError { field, code } in &errors {
        println!("refused: {field}: {code}"); // safe to return to the client and to log
    }
    assert_eq!(errors.len(), 3);
    assert!(!format!("{errors:?}").contains("169.254"), "no value in the errors");

    // After validation, keep the parsed type rather than the string.
    let email: Email = good.email.parse()?;
    println!("normalised email: {}", email.as_str());
    Ok(())
}

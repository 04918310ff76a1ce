// A struct holding a plain `SecretString` cannot derive `Serialize`:
// writing a secret out takes `#[serde(serialize_with = "guardrail_secret::ser::expose_secret")]`.
use guardrail_secret::SecretString;

#[derive(serde::Serialize)]
struct Login {
    user: String,
    password: SecretString,
}

fn main() {}

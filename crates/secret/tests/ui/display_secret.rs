// A secret has no `Display`: it cannot be formatted into a message or a log line.
use guardrail_secret::SecretString;

fn main() {
    let password = SecretString::from("hunter2");
    println!("{}", password);
}

// Secrets have no `==`, which would return at the first differing byte:
// comparisons go through `SecretEq::secret_eq` (constant time).
use guardrail_secret::SecretString;

fn main() {
    let a = SecretString::from("a");
    let b = SecretString::from("a");
    let _ = a == b;
}

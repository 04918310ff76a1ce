//! Encode untrusted text for the place it lands: an HTML page, an
//! attribute, a log line.
//!
//! `cargo run -p guardrail-examples --bin encode-output`
#![allow(clippy::print_stdout)] // an example that shows its results

use guardrail::encode::{html, html_attr, log_line};

fn main() {
    let display_name = r#"<img src=x onerror=alert(1)> "Ada""#;
    let page = format!("<p>Hello, {}</p>", html(display_name));
    let input = format!(r#"<input value="{}">"#, html_attr(display_name));
    println!("{page}");
    println!("{input}");
    assert!(!page.contains("<img") && !input.contains(r#""Ada""#));

    // A forged log entry: the newline would start a fake line in the log.
    let login = "ada\n2026-11-22 INFO authn_login_success user=admin";
    let line = format!("authn_login_fail user={}", log_line(login));
    println!("{line}");
    assert_eq!(line.lines().count(), 1, "one event, one line");
}

//! `guardrail validate KIND [VALUE]`: one verdict per value, from the
//! argument or from each stdin line.

use std::io::{self, Write};

use clap::{Args, ValueEnum};
use guardrail_secret::read::Lines;
use guardrail_validate::{Email, Error as ValidateError, FetchUrl, Reason, RelativePath, Username};

use crate::{
    error::{self, CliError, note},
    input::stdin_error,
};

/// The longest stdin line `validate` reads, bytes (a JSON-escaped value of
/// any validator's maximum length fits several times over).
const MAX_VALIDATE_LINE: usize = 64 << 10;

/// What to validate.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub(crate) enum ValidateKind {
    Email,
    Username,
    Url,
    Path,
}

/// `guardrail validate`. `Debug` hides the value (it may be refused input).
#[derive(Args)]
pub(crate) struct ValidateArgs {
    /// What to validate.
    kind: ValidateKind,
    /// The value (otherwise values are read from stdin, one per line).
    value: Option<String>,
    /// Read JSON strings and write JSON objects, one per line.
    #[arg(long)]
    jsonl: bool,
    /// For e-mail: also accept an UTF-8 local part (SMTPUTF8).
    #[arg(long)]
    eai: bool,
}

impl std::fmt::Debug for ValidateArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ValidateArgs")
            .field("kind", &self.kind)
            .field("value", &self.value.as_ref().map(|_| "[REDACTED]"))
            .field("jsonl", &self.jsonl)
            .field("eai", &self.eai)
            .finish()
    }
}

/// A verdict: the canonical form, or the reason code.
type Verdict = Result<String, &'static str>;

/// Judges the value given, or each stdin line; refused when any value was
/// rejected (after every verdict is printed).
pub(crate) fn validate(args: &ValidateArgs) -> Result<(), CliError> {
    let mut report = Report { out: io::BufWriter::new(io::stdout().lock()), jsonl: args.jsonl, all_ok: true };
    let written = match &args.value {
        Some(value) => report.emit(verdict(args, value.as_bytes())).map_err(CliError::Io),
        None => judge_lines(args, &mut report),
    }
    .and_then(|()| report.out.flush().map_err(CliError::Io));
    // A closed stdout stops the judging (the rest of stdin is not read):
    // refused when any value judged so far was rejected, the one whose
    // verdict met the closed pipe included.
    error::verdict(!report.all_ok, written)
}

/// One verdict per stdin line (a trailing "\r" removed; with `--jsonl`, the
/// line is a JSON string). A line past the cap is never cut short and
/// judged: its verdict is `too_long`, stderr names it, and the next line is
/// read.
fn judge_lines(args: &ValidateArgs, report: &mut Report<impl Write>) -> Result<(), CliError> {
    let mut lines = Lines::new(io::stdin().lock(), MAX_VALIDATE_LINE);
    loop {
        let line = match lines.next_line() {
            Ok(Some(line)) => line,
            Ok(None) => return Ok(()),
            Err(e @ guardrail_secret::Error::LineTooLong { .. }) => {
                note(format_args!("stdin: {e}"));
                report.emit(Err(Reason::TooLong.code()))?;
                continue;
            }
            Err(e) => return Err(stdin_error(e)),
        };
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let result = if args.jsonl {
            match serde_json::from_slice::<String>(line) {
                Ok(decoded) => verdict(args, decoded.as_bytes()),
                Err(_) => Err("invalid_json"),
            }
        } else {
            verdict(args, line)
        };
        report.emit(result)?;
    }
}

/// Parses one value.
fn verdict(args: &ValidateArgs, value: &[u8]) -> Verdict {
    let code = |e: ValidateError| e.code();
    if let ValidateKind::Path = args.kind {
        return RelativePath::from_bytes(value).map(|p| p.to_string()).map_err(code);
    }
    let text = std::str::from_utf8(value).map_err(|_| Reason::InvalidEncoding.code())?;
    match args.kind {
        ValidateKind::Email if args.eai => Email::parse_eai(text).map(|v| v.to_string()),
        ValidateKind::Email => Email::parse(text).map(|v| v.to_string()),
        ValidateKind::Username => Username::parse(text).map(|v| v.to_string()),
        ValidateKind::Url => FetchUrl::parse(text).map(|v| v.to_string()),
        ValidateKind::Path => RelativePath::parse(text).map(|v| v.to_string()),
    }
    .map_err(code)
}

/// Writes verdicts, one line each, and remembers whether all were ok.
struct Report<W> {
    out: W,
    jsonl: bool,
    all_ok: bool,
}

impl<W: Write> Report<W> {
    /// "ok<TAB>canonical" or "reject<TAB>code"; with `--jsonl`,
    /// `{"ok":true,"canonical":"..."}` or `{"ok":false,"code":"..."}`.
    fn emit(&mut self, verdict: Verdict) -> io::Result<()> {
        self.all_ok &= verdict.is_ok();
        let out = &mut self.out;
        match (self.jsonl, verdict) {
            (false, Ok(canonical)) => writeln!(out, "ok\t{canonical}"),
            (false, Err(code)) => writeln!(out, "reject\t{code}"),
            (true, Ok(canonical)) => writeln!(out, "{}", serde_json::json!({ "ok": true, "canonical": canonical })),
            (true, Err(code)) => writeln!(out, "{}", serde_json::json!({ "ok": false, "code": code })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{ValidateArgs, ValidateKind};

    #[test]
    fn validate_args_debug_hides_the_value() {
        let args = ValidateArgs {
            kind: ValidateKind::Email,
            value: Some("ada.private@example.com".into()),
            jsonl: false,
            eai: false,
        };
        let shown = format!("{args:?}");
        assert!(!shown.contains("ada.private") && shown.contains("[REDACTED]"), "{shown}");
    }
}

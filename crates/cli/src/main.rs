//! `guardrail`: the command-line face of the guardrail crates.
//!
//! Secrets never come from argv (it shows in `ps`); they are read from
//! stdin. Exit codes: 0 success, 1 a negative verdict (rejected, invalid),
//! 2 a usage error.

use std::{
    io::{self, BufRead, Read, Write},
    process::ExitCode,
};

use clap::{Parser, Subcommand, ValueEnum};
use guardrail_encode::{Context, StreamEncoder};
use guardrail_validate::{Email, Error as ValidateError, FetchUrl, Reason, RelativePath, Username};

#[derive(Parser, Debug)]
#[command(name = "guardrail", version, about = "Vetted security primitives from the command line", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Validate untrusted input: one verdict per value.
    ///
    /// With VALUE: one verdict. Without: one value per stdin line.
    /// Output, one line per value: "ok<TAB>canonical form" or "reject<TAB>code";
    /// with --jsonl each stdin line is a JSON string and each output line is
    /// {"ok":true,"canonical":"..."} or {"ok":false,"code":"..."}.
    /// Exit 0 when all were ok, 1 when any was rejected, 2 on a usage error.
    Validate {
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
    },
    /// Encode all of stdin for an output context and write it to stdout.
    ///
    /// html and attr give exactly what the OWASP Java Encoder's Encode.forHtml gives.
    Encode {
        /// Where the output will land.
        context: EncodeContext,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum ValidateKind {
    Email,
    Username,
    Url,
    Path,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum EncodeContext {
    Html,
    Attr,
    Js,
    Url,
    Css,
    Log,
}

impl From<EncodeContext> for Context {
    fn from(c: EncodeContext) -> Self {
        match c {
            EncodeContext::Html => Self::Html,
            EncodeContext::Attr => Self::HtmlAttribute,
            EncodeContext::Js => Self::JsString,
            EncodeContext::Url => Self::UrlComponent,
            EncodeContext::Css => Self::CssString,
            EncodeContext::Log => Self::LogLine,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Validate { kind, value, jsonl, eai } => validate(kind, value.as_deref(), jsonl, eai),
        Command::Encode { context } => encode(context.into()),
    };
    match result {
        Ok(code) => code,
        // A closed stdout (`| head`) is not an error worth a message.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(io::stderr(), "guardrail: {e}");
            ExitCode::from(2)
        }
    }
}

/// Parses one value; the verdict is the canonical form or the reason code.
fn verdict(kind: ValidateKind, eai: bool, value: &[u8]) -> Result<String, &'static str> {
    let code = |e: ValidateError| e.code();
    if let ValidateKind::Path = kind {
        return RelativePath::from_bytes(value).map(|p| p.to_string()).map_err(code);
    }
    let text = std::str::from_utf8(value).map_err(|_| Reason::InvalidEncoding.code())?;
    match kind {
        ValidateKind::Email if eai => Email::parse_eai(text).map(|v| v.to_string()),
        ValidateKind::Email => Email::parse(text).map(|v| v.to_string()),
        ValidateKind::Username => Username::parse(text).map(|v| v.to_string()),
        ValidateKind::Url => FetchUrl::parse(text).map(|v| v.to_string()),
        ValidateKind::Path => RelativePath::parse(text).map(|v| v.to_string()),
    }
    .map_err(code)
}

fn validate(kind: ValidateKind, value: Option<&str>, jsonl: bool, eai: bool) -> io::Result<ExitCode> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut all_ok = true;
    let mut emit = |result: Result<String, &'static str>, out: &mut dyn Write| -> io::Result<()> {
        all_ok &= result.is_ok();
        match (jsonl, result) {
            (false, Ok(canonical)) => writeln!(out, "ok\t{canonical}"),
            (false, Err(code)) => writeln!(out, "reject\t{code}"),
            (true, Ok(canonical)) => writeln!(out, "{}", serde_json::json!({ "ok": true, "canonical": canonical })),
            (true, Err(code)) => {
                writeln!(out, "{}", serde_json::json!({ "ok": false, "code": code }))
            }
        }
    };
    if let Some(value) = value {
        emit(verdict(kind, eai, value.as_bytes()), &mut out)?;
    } else {
        let stdin = io::stdin();
        let mut input = stdin.lock();
        let mut line = Vec::new();
        loop {
            line.clear();
            if input.read_until(b'\n', &mut line)? == 0 {
                break;
            }
            let value = line.strip_suffix(b"\n").unwrap_or(&line);
            let value = value.strip_suffix(b"\r").unwrap_or(value);
            let result = if jsonl {
                match serde_json::from_slice::<String>(value) {
                    Ok(decoded) => verdict(kind, eai, decoded.as_bytes()),
                    Err(_) => Err("invalid_json"),
                }
            } else {
                verdict(kind, eai, value)
            };
            emit(result, &mut out)?;
        }
    }
    out.flush()?;
    Ok(if all_ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn encode(context: Context) -> io::Result<ExitCode> {
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut encoder = StreamEncoder::new(context);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        encoder.write(buf.get(..n).unwrap_or_default(), &mut out)?;
    }
    encoder.finish(&mut out)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

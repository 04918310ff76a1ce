//! `guardrail`: the command-line face of the guardrail crates.
//!
//! Secrets never come from argv (it shows in `ps`); they are read from
//! stdin. Exit codes: 0 success, 1 a negative verdict (rejected, invalid),
//! 2 a usage error.

use std::{
    io::{self, Read, Write},
    process::ExitCode,
};

use clap::{Parser, Subcommand, ValueEnum};
use guardrail_encode::{Context, StreamEncoder};
use guardrail_password::{
    Error as PasswordError, MAX_PASSWORD_BYTES, Params, PasswordHasher, PasswordPolicy, Verification,
};
use guardrail_secret::SecretString;
use guardrail_validate::{Email, Error as ValidateError, FetchUrl, Reason, RelativePath, Username};
use zeroize::Zeroizing;

#[derive(Parser, Debug)]
#[command(name = "guardrail", version, about = "Vetted security primitives from the command line", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Hash a password read from stdin (never from the command line).
    ///
    /// One trailing "\n" (or "\r\n") is removed, nothing else; with --exact
    /// stdin is taken byte for byte. Prints the PHC string. A password the
    /// policy refuses: exit 2, the reason codes on stderr. A password longer
    /// than 4096 bytes: exit 2, naming the limit (it is never cut short).
    Hash {
        /// Parameter profile.
        #[arg(long, value_enum, default_value_t = Profile::Owasp)]
        profile: Profile,
        /// Skip the new-password policy (length, blocklist, zxcvbn guessability).
        #[arg(long)]
        no_policy: bool,
        /// Take stdin byte for byte.
        #[arg(long)]
        exact: bool,
    },
    /// Verify a password read from stdin against a stored hash.
    ///
    /// Prints "valid" or "valid needs-rehash" (exit 0) or "invalid" (exit 1);
    /// a malformed, unsupported or out-of-policy hash exits 2 with the
    /// reason on stderr.
    Verify {
        /// The stored PHC string.
        #[arg(long = "hash", value_name = "STRING")]
        stored: String,
        /// Take stdin byte for byte.
        #[arg(long)]
        exact: bool,
    },
    /// Choose argon2id parameters for this machine (RFC 9106 §4: memory
    /// first, then passes), showing each measurement.
    Calibrate {
        /// Target time per hash, milliseconds.
        #[arg(long, default_value_t = 50)]
        target_ms: u64,
        /// Memory ceiling per hash, MiB.
        #[arg(long, default_value_t = 64)]
        max_memory_mib: u32,
        /// Lanes (argon2's p).
        #[arg(long, default_value_t = 1)]
        lanes: u32,
    },
    /// Print a URL-safe random token from the system CSPRNG.
    Token {
        /// Bytes of randomness (at least 16).
        #[arg(long, default_value_t = 32)]
        bytes: usize,
    },
    /// Issue or check API keys.
    #[command(subcommand)]
    ApiKey(ApiKeyCommand),
    /// Manage an AEAD keyring file and seal or open data with it.
    #[command(subcommand)]
    Keyring(KeyringCommand),
    /// Validate untrusted input: one verdict per value.
    ///
    /// With VALUE: one verdict. Without: one value per stdin line.
    /// Output, one line per value: "ok", a tab and the canonical form, or "reject", a tab and the code;
    /// with --jsonl each stdin line is a JSON string and each output line is
    /// {"ok":true,"canonical":"..."} or {"ok":false,"code":"..."}.
    /// Exit 0 when all were ok, 1 when any was rejected, 2 on a usage error.
    /// A stdin line longer than 65536 bytes is not cut: its verdict is
    /// "reject", a tab and "too_long", stderr names the line and the limit,
    /// and the next line is read.
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

#[derive(Subcommand, Debug)]
enum ApiKeyCommand {
    /// Issue a key. Line 1: the key (show it once); line 2: what to store,
    /// "lookup_id<TAB>sha256 digest in hex".
    New {
        /// Issuer and environment, e.g. acme_live.
        #[arg(long)]
        prefix: String,
    },
    /// Exit 0 when the key's prefix, alphabet, length and checksum are right, 1 otherwise.
    ///
    /// The key is read from stdin when KEY is left out (the documented form:
    /// keys stay out of argv and `ps`); one trailing newline is removed;
    /// stdin longer than 1024 bytes: exit 2, naming the limit.
    Check {
        /// The key (better: leave it out and give it on stdin).
        key: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum KeyringCommand {
    /// Create a keyring with one primary AES-256-GCM key (file mode 0600; never overwrites).
    New {
        /// The file to create.
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Add a new primary key; old keys stay enabled.
    Rotate {
        /// The keyring file.
        #[arg(long)]
        keyring: std::path::PathBuf,
    },
    /// Disable a key: data it sealed no longer opens.
    Disable {
        /// The keyring file.
        #[arg(long)]
        keyring: std::path::PathBuf,
        /// The key to disable (not the primary).
        #[arg(long)]
        key_id: u32,
    },
    /// One line per key: id, status, "primary" or "-".
    List {
        /// The keyring file.
        #[arg(long)]
        keyring: std::path::PathBuf,
    },
    /// Seal stdin (at most 16 MiB, 16777216 bytes; more: exit 2, naming
    /// the limit, nothing sealed); prints one line of base64url sealed text.
    Seal {
        /// The keyring file.
        #[arg(long)]
        keyring: std::path::PathBuf,
        /// Associated data (what the data is, whose); must match when opening.
        #[arg(long, default_value = "")]
        aad: String,
    },
    /// Open sealed text from stdin; prints the plaintext. Exit 1 on any failure, with no detail;
    /// stdin longer than any sealed text `seal` can print: exit 2, naming the limit.
    Open {
        /// The keyring file.
        #[arg(long)]
        keyring: std::path::PathBuf,
        /// The associated data it was sealed with.
        #[arg(long, default_value = "")]
        aad: String,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Profile {
    /// OWASP: m=19456 KiB, t=2, p=1.
    Owasp,
    /// RFC 9106 low-memory option: m=65536 KiB, t=3, p=4.
    #[value(name = "rfc9106-low")]
    Rfc9106Low,
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
        Command::Hash { profile, no_policy, exact } => hash(profile, no_policy, exact),
        Command::Verify { stored, exact } => verify(&stored, exact),
        Command::Calibrate { target_ms, max_memory_mib, lanes } => calibrate(target_ms, max_memory_mib, lanes),
        Command::Token { bytes } => token(bytes),
        Command::Keyring(cmd) => keyring(cmd),
        Command::ApiKey(ApiKeyCommand::New { prefix }) => api_key_new(&prefix),
        Command::ApiKey(ApiKeyCommand::Check { key }) => api_key_check(key.as_deref()),
        Command::Validate { kind, value, jsonl, eai } => validate(kind, value.as_deref(), jsonl, eai),
        Command::Encode { context } => encode(context.into()),
    };
    match result {
        Ok(code) => code,
        // A closed stdout (`| head`) is not an error worth a message.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(io::stderr(), "guardrail: {}", shown(e));
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
        let mut lines = guardrail_secret::read::Lines::new(io::stdin().lock(), MAX_VALIDATE_LINE);
        loop {
            let value = match lines.next_line() {
                Ok(Some(line)) => line,
                Ok(None) => break,
                // Never cut short and judged: one verdict for the line, and on.
                Err(e @ guardrail_secret::Error::LineTooLong { .. }) => {
                    writeln!(io::stderr(), "guardrail: stdin: {e}")?;
                    emit(Err(Reason::TooLong.code()), &mut out)?;
                    continue;
                }
                Err(e) => return Err(stdin_error(e)),
            };
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

/// The most `keyring seal` reads from stdin: 16 MiB.
const MAX_SEAL_BYTES: usize = 16 << 20;
/// The most `keyring open` reads: the sealed text of `MAX_SEAL_BYTES` of
/// plaintext (17 header and 16 tag bytes, unpadded base64url), a CRLF.
const MAX_OPEN_BYTES: usize = (4 * (MAX_SEAL_BYTES + 33)).div_ceil(3) + 2;
/// The longest stdin line `validate` reads (a JSON-escaped value of any
/// validator's maximum length fits several times over).
const MAX_VALIDATE_LINE: usize = 64 << 10;
/// The most `api-key check` reads from stdin.
const MAX_API_KEY_INPUT: usize = 1024;

/// All of stdin, at most `max` bytes (reading `max + 1` at most), in a
/// buffer wiped on drop. More is an error that names the limit; nothing
/// is ever cut short and used.
fn read_stdin(max: usize) -> io::Result<Zeroizing<Vec<u8>>> {
    guardrail_secret::read::to_end(io::stdin().lock(), max).map_err(stdin_error)
}

/// A bounded read's error as the I/O error `main` reports (exit 2).
fn stdin_error(e: guardrail_secret::Error) -> io::Error {
    match e {
        guardrail_secret::Error::Read(e) => e,
        e => io::Error::new(io::ErrorKind::InvalidInput, format!("stdin: {e}")),
    }
}

/// Removes one trailing "\n" or "\r\n".
fn trim_newline(buf: &mut Zeroizing<Vec<u8>>) {
    let trim = if buf.ends_with(b"\r\n") { 2 } else { usize::from(buf.ends_with(b"\n")) };
    let keep = buf.len() - trim;
    buf.truncate(keep);
}

/// Reads the password from stdin into a buffer wiped on drop, refusing more
/// than the hasher accepts, and removes one trailing newline unless `exact`.
fn read_password(exact: bool) -> io::Result<Zeroizing<Vec<u8>>> {
    // Room for the newline that is removed; the length is checked after.
    let mut buf = read_stdin(MAX_PASSWORD_BYTES + 2)?;
    if !exact {
        trim_newline(&mut buf);
    }
    if buf.len() > MAX_PASSWORD_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("password longer than the limit of {MAX_PASSWORD_BYTES} bytes"),
        ));
    }
    Ok(buf)
}

/// The password as a secret string when it is UTF-8 (and so normalised).
fn as_secret(bytes: &[u8]) -> Option<SecretString> {
    std::str::from_utf8(bytes).ok().map(SecretString::from)
}

fn usage(message: impl std::fmt::Display) -> io::Result<ExitCode> {
    writeln!(io::stderr(), "guardrail: {}", shown(message))?;
    Ok(ExitCode::from(2))
}

/// A message for the terminal as one log line: file names and other text
/// from the caller (or from the secret loader's errors, which name the
/// path) may hold controls, bidi overrides or hidden characters; these
/// are escaped (`\u{202e}`), so a message cannot be reordered or forged.
fn shown(message: impl std::fmt::Display) -> String {
    guardrail_encode::log_line(&message.to_string()).into_owned()
}

fn hash(profile: Profile, no_policy: bool, exact: bool) -> io::Result<ExitCode> {
    let params = match profile {
        Profile::Owasp => Params::OWASP,
        Profile::Rfc9106Low => Params::RFC9106_LOW_MEMORY,
    };
    let password = read_password(exact)?;
    let hasher = PasswordHasher::new(params);
    let hashed = match (as_secret(&password), no_policy) {
        (Some(secret), false) => match PasswordPolicy::default().check(&secret, &[]) {
            Ok(()) => hasher.hash(&secret),
            Err(PasswordError::Policy(v)) => return usage(format_args!("password refused by policy: {v}")),
            Err(e) => return usage(e),
        },
        (Some(secret), true) => hasher.hash(&secret),
        (None, true) => hasher.hash_bytes(&password),
        (None, false) => return usage("password is not valid UTF-8 (use --no-policy to hash raw bytes)"),
    };
    match hashed {
        Ok(h) => {
            writeln!(io::stdout(), "{h}")?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => usage(e),
    }
}

fn verify(stored: &str, exact: bool) -> io::Result<ExitCode> {
    let password = read_password(exact)?;
    let hasher = PasswordHasher::default();
    let outcome = match as_secret(&password) {
        Some(secret) => hasher.verify(&secret, stored),
        None => hasher.verify_bytes(&password, stored),
    };
    let mut out = io::stdout();
    match outcome {
        Ok(Verification::Valid { upgrade: None }) => writeln!(out, "valid").map(|()| ExitCode::SUCCESS),
        Ok(Verification::Valid { upgrade: Some(_) }) => writeln!(out, "valid needs-rehash").map(|()| ExitCode::SUCCESS),
        Ok(Verification::Invalid) => writeln!(out, "invalid").map(|()| ExitCode::from(1)),
        Err(e) => usage(e),
    }
}

fn calibrate(target_ms: u64, max_memory_mib: u32, lanes: u32) -> io::Result<ExitCode> {
    let Some(max_kib) = max_memory_mib.checked_mul(1024) else {
        return usage("--max-memory-mib is too large");
    };
    let bar = indicatif::ProgressBar::new_spinner();
    bar.enable_steady_tick(std::time::Duration::from_millis(100));
    bar.set_message(format!("measuring argon2id at up to {max_memory_mib} MiB for a {target_ms} ms target..."));
    let result = guardrail_password::calibrate(std::time::Duration::from_millis(target_ms), max_kib, lanes, |step| {
        let line = format!(
            "  m={:>7} KiB t={:>2} p={} -> {:>6.1} ms",
            step.params.m_cost(),
            step.params.t_cost(),
            step.params.p_cost(),
            step.elapsed.as_secs_f64() * 1000.0
        );
        // Without a terminal the bar is hidden, and so is its println.
        if bar.is_hidden() {
            let _ = writeln!(io::stderr(), "{line}");
        } else {
            bar.println(line);
        }
    });
    bar.finish_and_clear();
    match result {
        Ok(c) => {
            let p = c.params;
            let mut out = io::stdout();
            writeln!(
                out,
                "m={} t={} p={}  ({:.1} ms per hash)",
                p.m_cost(),
                p.t_cost(),
                p.p_cost(),
                c.elapsed.as_secs_f64() * 1000.0
            )?;
            if !c.meets_owasp {
                writeln!(
                    io::stderr(),
                    "warning: weaker than OWASP's minimum (19 MiB x 2 passes); raise the target or the ceiling"
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => usage(e),
    }
}

fn token(bytes: usize) -> io::Result<ExitCode> {
    use guardrail_secret::ExposeSecret;
    match guardrail_token::random::token(bytes) {
        Ok(t) => writeln!(io::stdout(), "{}", t.expose_secret()).map(|()| ExitCode::SUCCESS),
        Err(e) => usage(e),
    }
}

fn api_key_check(key: Option<&str>) -> io::Result<ExitCode> {
    let from_stdin;
    let key = match key {
        Some(key) => key,
        None => {
            let mut buf = read_stdin(MAX_API_KEY_INPUT)?;
            trim_newline(&mut buf);
            from_stdin = buf;
            // Not UTF-8: not a key.
            std::str::from_utf8(&from_stdin).unwrap_or_default()
        }
    };
    let valid = !key.is_empty() && guardrail_token::ApiKey::parse_any_prefix(key).is_ok();
    Ok(if valid { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn api_key_new(prefix: &str) -> io::Result<ExitCode> {
    use guardrail_secret::ExposeSecret;
    let issuer = match guardrail_token::ApiKeyIssuer::new(prefix) {
        Ok(i) => i,
        Err(e) => return usage(format_args!("{e}: use 1-32 of a-z, 0-9 and _, starting with a letter")),
    };
    match issuer.issue() {
        Ok((key, stored)) => {
            let mut out = io::stdout();
            writeln!(out, "{}", key.expose_secret())?;
            writeln!(out, "{}\t{}", stored.lookup_id(), stored.digest_hex())?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => usage(e),
    }
}

/// Writes a keyring file readable by its owner only: a new file, or an
/// atomic replacement of an existing one. On an error the file is as it
/// was (unless only the final directory sync failed, which the error says)
/// and no temporary file is left (`store::write_private`).
fn write_keyring(
    path: &std::path::Path,
    keyring: &guardrail_keys::Keyring,
    create_new: bool,
) -> io::Result<()> {
    use guardrail_secret::store::{Mode, write_private};
    let json = keyring.export_json_insecure_plaintext_keys();
    write_private(path, json.as_bytes(), if create_new { Mode::CreateNew } else { Mode::Replace })
}

/// Held from before the load until after the write of a rotate or disable:
/// two at once would both read the old file, and the second write would
/// drop the first one's change (a new key reported as primary, then lost).
fn lock_keyring(path: &std::path::Path) -> Result<guardrail_secret::store::UpdateLock, String> {
    guardrail_secret::store::lock_for_update(path)
        .map_err(|e| format!("{}: cannot lock for update: {e}", path.display()))
}

fn load_keyring(path: &std::path::Path) -> Result<guardrail_keys::Keyring, String> {
    use guardrail_secret::ExposeSecret;
    let text = guardrail_secret::load::FileLoader::new()
        .max_len(guardrail_keys::aead::MAX_JSON_BYTES)
        .load(path)
        .map_err(|e| e.to_string())?;
    guardrail_keys::Keyring::from_json(text.expose_secret()).map_err(|e| format!("{}: {e}", path.display()))
}

fn keyring(cmd: KeyringCommand) -> io::Result<ExitCode> {
    use guardrail_keys::{Algorithm, Keyring, Status};
    match cmd {
        KeyringCommand::New { out } => {
            let k = match Keyring::generate(Algorithm::Aes256Gcm) {
                Ok(k) => k,
                Err(e) => return usage(e),
            };
            match write_keyring(&out, &k, true) {
                Ok(()) => {
                    writeln!(
                        io::stderr(),
                        "guardrail: created {} (mode 0600) with primary key 1",
                        shown(out.display())
                    )?;
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    usage(format_args!("{} exists; not overwriting", out.display()))
                }
                Err(e) => usage(format_args!("{}: {e}", out.display())),
            }
        }
        KeyringCommand::Rotate { keyring: path } => {
            let _lock = match lock_keyring(&path) {
                Ok(lock) => lock,
                Err(e) => return usage(e),
            };
            let mut k = match load_keyring(&path) {
                Ok(k) => k,
                Err(e) => return usage(e),
            };
            // A keyring too full to load back once written is refused here
            // (KeyringTooLarge, naming the cap), before anything is written.
            let id = match k.add_key(Algorithm::Aes256Gcm).and_then(|id| k.promote(id).map(|()| id)) {
                Ok(id) => id,
                Err(e) => return usage(format_args!("{}: cannot add a key: {e}", path.display())),
            };
            if let Err(e) = write_keyring(&path, &k, false) {
                return usage(format_args!("{}: cannot write the rotated keyring: {e}", path.display()));
            }
            writeln!(io::stderr(), "guardrail: key {id} is now primary; older keys stay enabled until disabled")?;
            Ok(ExitCode::SUCCESS)
        }
        KeyringCommand::Disable { keyring: path, key_id } => {
            let _lock = match lock_keyring(&path) {
                Ok(lock) => lock,
                Err(e) => return usage(e),
            };
            let mut k = match load_keyring(&path) {
                Ok(k) => k,
                Err(e) => return usage(e),
            };
            if let Err(e) = k.disable(key_id) {
                return usage(format_args!("{}: cannot disable key {key_id}: {e}", path.display()));
            }
            if let Err(e) = write_keyring(&path, &k, false) {
                return usage(format_args!(
                    "{}: cannot write the keyring with key {key_id} disabled: {e}",
                    path.display()
                ));
            }
            Ok(ExitCode::SUCCESS)
        }
        KeyringCommand::List { keyring: path } => {
            let k = match load_keyring(&path) {
                Ok(k) => k,
                Err(e) => return usage(e),
            };
            let mut out = io::stdout();
            for info in k.keys() {
                let status = if info.status == Status::Enabled { "enabled" } else { "disabled" };
                writeln!(out, "{}\t{status}\t{}", info.id, if info.primary { "primary" } else { "-" })?;
            }
            Ok(ExitCode::SUCCESS)
        }
        KeyringCommand::Seal { keyring: path, aad } => {
            let k = match load_keyring(&path) {
                Ok(k) => k,
                Err(e) => return usage(e),
            };
            let input = read_stdin(MAX_SEAL_BYTES)?;
            match k.seal(&input, aad.as_bytes()) {
                Ok(sealed) => {
                    writeln!(io::stdout(), "{}", guardrail_ct::base64url::encode_string(&sealed))?;
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => usage(e),
            }
        }
        KeyringCommand::Open { keyring: path, aad } => {
            let Ok(k) = load_keyring(&path) else { return Ok(ExitCode::from(1)) };
            // Past the limit: a usage error naming it (exit 2); the size of
            // the input says nothing about keys or plaintext.
            let input = read_stdin(MAX_OPEN_BYTES)?;
            let opened = std::str::from_utf8(&input)
                .ok()
                .and_then(|text| guardrail_ct::base64url::decode_vec(text.trim()).ok())
                .and_then(|s| k.open(&s, aad.as_bytes()).ok());
            match opened {
                Some(plain) => {
                    io::stdout().write_all(guardrail_secret::ExposeSecret::expose_secret(&plain))?;
                    Ok(ExitCode::SUCCESS)
                }
                None => Ok(ExitCode::from(1)),
            }
        }
    }
}

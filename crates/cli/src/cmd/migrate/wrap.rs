//! `guardrail migrate wrap`: every legacy stored hash of a JSON-lines
//! export wrapped in argon2id, streaming, in input order, on the hasher's
//! threads. A line that cannot be wrapped is written unchanged, counted,
//! and reported on stderr by line number and code only.

use std::{
    collections::BTreeMap,
    io::{self, BufRead, Write},
    sync::{Mutex, mpsc},
};

use guardrail_password::{PasswordHash, PasswordHasher};

use super::{
    SEALED_PREFIX, WrapArgs,
    lines::{self, Lines, Next},
};
use crate::error::{CliError, note};

/// What became of one line.
enum Outcome {
    /// Wrapped: the output line, the input with only the hash replaced.
    Wrapped(Vec<u8>),
    /// Already memory-hard (argon2, wrapped, sealed): written unchanged.
    Kept,
    /// Not wrapped, written unchanged: the code.
    Passed(&'static str),
}

/// The counts printed at the end.
#[derive(Default)]
struct Counts {
    wrapped: u64,
    kept: u64,
    passed: u64,
}

/// One line's outcome.
fn wrap_line(hasher: &PasswordHasher, line: &[u8]) -> Outcome {
    let Some(record) = lines::record(line) else { return Outcome::Passed("malformed_json") };
    if record.hash.starts_with(SEALED_PREFIX) {
        // argon2id under the service's pepper: nothing to wrap, and this
        // CLI has no keyring to open it.
        return Outcome::Kept;
    }
    match hasher.wrap(&record.hash).map(PasswordHash::into_string_for_storage) {
        Ok(same) if same == record.hash => Outcome::Kept,
        // Every byte but the hash's JSON string as read: the id as
        // written (any size or form), other fields, spacing.
        Ok(wrapped) => record.replaced(line, &wrapped).map_or(Outcome::Passed("wrap_failed"), Outcome::Wrapped),
        Err(e) => Outcome::Passed(lines::code(&e)),
    }
}

/// Lines sent to the workers and not yet written, written in input order.
struct Window<'o, W: Write> {
    out: &'o mut W,
    /// The next line number to write.
    next: u64,
    /// Finished lines waiting for an earlier one.
    done: BTreeMap<u64, (Vec<u8>, Outcome)>,
    /// Lines sent and not yet written.
    in_flight: usize,
    counts: Counts,
    /// The line that ended the input without a `\n`: written without one.
    unterminated: Option<u64>,
}

impl<W: Write> Window<'_, W> {
    /// Takes one finished line and writes every line now in order.
    fn receive(
        &mut self,
        rx: &mpsc::Receiver<(u64, Vec<u8>, Outcome)>,
        bar: &indicatif::ProgressBar,
    ) -> io::Result<()> {
        let (n, line, outcome) = rx.recv().map_err(|_| io::Error::other("a wrap worker stopped"))?;
        self.done.insert(n, (line, outcome));
        while let Some((line, outcome)) = self.done.remove(&self.next) {
            match outcome {
                Outcome::Wrapped(text) => {
                    self.counts.wrapped += 1;
                    self.write_raw(&text)?;
                }
                Outcome::Kept => {
                    self.counts.kept += 1;
                    self.write_raw(&line)?;
                }
                Outcome::Passed(code) => {
                    self.passed(bar, self.next, code);
                    self.write_raw(&line)?;
                }
            }
            self.next += 1;
            self.in_flight -= 1;
        }
        Ok(())
    }

    /// Writes line `self.next` and its `\n` (none when the input had none).
    fn write_raw(&mut self, line: &[u8]) -> io::Result<()> {
        self.out.write_all(line)?;
        if self.unterminated == Some(self.next) { Ok(()) } else { self.out.write_all(b"\n") }
    }

    /// Counts a line passed through and says so on stderr: its number and code only.
    fn passed(&mut self, bar: &indicatif::ProgressBar, n: u64, code: &str) {
        self.counts.passed += 1;
        bar.suspend(|| note(format_args!("line {n}: {code}")));
    }
}

/// Wraps every line of `input` onto `out` with `threads` workers and
/// `2 × threads` lines in flight at most.
fn pipeline<R: BufRead>(
    hasher: &PasswordHasher,
    input: &mut Lines<R>,
    out: &mut impl Write,
    threads: usize,
) -> Result<Counts, CliError> {
    let window_size = threads * 2;
    let (job_tx, job_rx) = mpsc::sync_channel::<(u64, Vec<u8>)>(window_size);
    let (done_tx, done_rx) = mpsc::channel();
    let job_rx = Mutex::new(job_rx);
    std::thread::scope(|s| {
        for _ in 0..threads {
            let (job_rx, done_tx) = (&job_rx, done_tx.clone());
            s.spawn(move || {
                // The lock is held only while waiting for the next line.
                while let Ok((n, line)) = job_rx.lock().map_err(drop).and_then(|rx| rx.recv().map_err(drop)) {
                    let outcome = wrap_line(hasher, &line);
                    if done_tx.send((n, line, outcome)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        let bar = input.bar().clone();
        let mut window =
            Window { out, next: 1, done: BTreeMap::new(), in_flight: 0, counts: Counts::default(), unterminated: None };
        let mut n = 0u64;
        let result = (|| -> io::Result<()> {
            loop {
                match input.next_line()? {
                    Next::Line(line) => {
                        n += 1;
                        if input.unterminated() {
                            window.unterminated = Some(n);
                        }
                        if window.in_flight == window_size {
                            window.receive(&done_rx, &bar)?;
                        }
                        job_tx.send((n, line)).map_err(|_| io::Error::other("the wrap workers stopped"))?;
                        window.in_flight += 1;
                    }
                    Next::TooLong(head) => {
                        n += 1;
                        // Everything before it first, then the line itself, streamed.
                        while window.in_flight > 0 {
                            window.receive(&done_rx, &bar)?;
                        }
                        window.passed(&bar, n, "line_too_long");
                        window.out.write_all(&head)?;
                        input.copy_rest(window.out)?;
                        window.next = n + 1;
                    }
                    Next::End => break,
                }
            }
            while window.in_flight > 0 {
                window.receive(&done_rx, &bar)?;
            }
            window.out.flush()
        })();
        drop(job_tx);
        result.map(|()| window.counts).map_err(CliError::Io)
    })
}

/// `guardrail migrate wrap [FILE|-]`.
pub(crate) fn wrap(args: &WrapArgs) -> Result<(), CliError> {
    let hasher = args.hasher()?;
    let mut input = lines::open(args.input.as_ref())?;
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let counts = pipeline(&hasher, &mut input, &mut out, hasher.max_concurrent().max(1))?;
    input.bar().finish_and_clear();
    note(format_args!("wrapped {}, kept {}, passed through {}", counts.wrapped, counts.kept, counts.passed));
    if counts.passed > 0 { Err(CliError::Refused) } else { Ok(()) }
}

//! `guardrail encode CONTEXT`: all of stdin to stdout, encoded.

use std::io::{self, Write};

use clap::Args;
use guardrail_encode::{Context, Writer};

use crate::error::CliError;

/// `guardrail encode`.
#[derive(Args, Debug)]
pub(crate) struct EncodeArgs {
    /// Where the output will land.
    #[arg(value_enum)]
    context: Context,
}

/// Streams stdin through an encoding writer to stdout: no cap, memory
/// bounded by the copy buffer.
pub(crate) fn encode(args: &EncodeArgs) -> Result<(), CliError> {
    let mut out = Writer::new(args.context, io::BufWriter::new(io::stdout().lock()));
    io::copy(&mut io::stdin().lock(), &mut out)?;
    out.finish()?.flush()?;
    Ok(())
}

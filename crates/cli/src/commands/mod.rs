//! One module per command.

pub mod check;
pub mod explain;
pub mod generated;
pub mod graph;
pub mod init;
pub mod input;
pub mod plan;
pub mod rules;
pub mod who;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use crate::UsageError;

/// Standard output, or the file given with `--output`.
pub fn open_output(path: Option<&Path>) -> Result<Box<dyn Write>, UsageError> {
    match path {
        None => Ok(Box::new(BufWriter::new(io::stdout().lock()))),
        Some(path) => File::create(path)
            .map(|file| Box::new(BufWriter::new(file)) as Box<dyn Write>)
            .map_err(|error| UsageError(format!("cannot write `{}`: {error}", path.display()))),
    }
}

/// Turns a failure to write the report into a usage error.
pub fn write_failed(error: io::Error) -> UsageError {
    UsageError(format!("cannot write the report: {error}"))
}

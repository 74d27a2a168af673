//! Progress on standard error while a large input is read: a counter of files
//! that appears only once the input passes [`SHOW_AFTER_FILES`] files, and only
//! when standard error is a terminal. Silent otherwise, so pipes, CI logs and
//! snapshots never see it.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use preflight_parser::FileReadCallback;

/// Files read before the counter appears.
pub const SHOW_AFTER_FILES: u64 = 500;

/// The progress display of one run.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A progress display, drawn only if standard error is a terminal.
    pub fn new() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
            if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {pos} files") {
                bar.set_style(style);
            }
            bar.set_message("reading");
            bar
        });
        Self { bar }
    }

    /// The callback that counts files as the parser reads them.
    pub fn file_read_callback(&self) -> Option<FileReadCallback> {
        let bar = self.bar.clone()?;
        let count = Arc::new(AtomicU64::new(0));
        Some(Arc::new(move || {
            let read = count.fetch_add(1, Ordering::Relaxed) + 1;
            if read == SHOW_AFTER_FILES {
                bar.set_draw_target(ProgressDrawTarget::stderr());
            }
            bar.inc(1);
        }))
    }

    /// Shows what the run is doing now.
    pub fn stage(&self, message: &'static str) {
        if let Some(bar) = &self.bar {
            bar.set_message(message);
        }
    }

    /// Removes the display before the report is written.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

//! Reading files on a worker thread, with progress, cancel and a repaint when done.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{channel, Receiver, TryRecvError};
use std::sync::Arc;
use std::thread;
use std::time::Instant;

use crate::ingest::{read_files, Investigation, ReadError, ReadOptions, ReadProgress};

/// A finished read with the totals the header shows, computed on the worker thread.
pub struct Loaded {
    /// Everything that was read, shared with detection runs.
    pub investigation: Arc<Investigation>,
    /// Distinct source addresses across all files.
    pub distinct_sources: usize,
    /// Skipped rows across all files.
    pub skipped: u64,
}

impl Loaded {
    /// The totals of `investigation`, counted once.
    pub(super) fn new(investigation: Investigation) -> Loaded {
        Loaded {
            distinct_sources: investigation.distinct_sources(),
            skipped: investigation.files.iter().map(|f| f.skips.total()).sum(),
            investigation: Arc::new(investigation),
        }
    }
}

/// A read running in the background.
pub struct LoadJob {
    /// The files being read.
    pub paths: Vec<PathBuf>,
    /// Their total size on disk.
    pub total_bytes: u64,
    /// When it started.
    pub started: Instant,
    progress: ReadProgress,
    result: Receiver<Result<Loaded, ReadError>>,
}

impl LoadJob {
    /// Starts reading `paths` on a worker thread; `repaint` is called when it finishes.
    pub fn start(
        paths: Vec<PathBuf>,
        options: ReadOptions,
        repaint: impl Fn() + Send + 'static,
    ) -> LoadJob {
        let total_bytes = paths
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum();
        let progress = ReadProgress::default();
        let (tx, rx) = channel();
        let job_paths = paths.clone();
        let job_progress = progress.clone();
        thread::Builder::new()
            .name("netsleuth-read".into())
            .spawn(move || {
                let result = super::worker::caught(|| {
                    super::worker::fault("read", job_paths.iter().map(PathBuf::as_path));
                    read_files(&job_paths, &options, &job_progress).map(Loaded::new)
                })
                .unwrap_or_else(|m| {
                    Err(ReadError::Internal(super::worker::internal_error(
                        "reading the files",
                        &m,
                    )))
                });
                // The receiver may be gone if the window closed; nothing to do then.
                let _ = tx.send(result);
                repaint();
            })
            .expect("cannot start the reader thread");
        LoadJob {
            paths,
            total_bytes,
            started: Instant::now(),
            progress,
            result: rx,
        }
    }

    /// Bytes read so far, at most [`Self::total_bytes`].
    pub fn bytes_read(&self) -> u64 {
        self.progress
            .bytes_read
            .load(Ordering::Relaxed)
            .min(self.total_bytes)
    }

    /// Fraction of bytes read so far, 0 to 1.
    pub fn fraction(&self) -> f32 {
        if self.total_bytes == 0 {
            return 0.0;
        }
        (self.bytes_read() as f64 / self.total_bytes as f64) as f32
    }

    /// Whether [`Self::cancel`] was called.
    pub fn is_cancelling(&self) -> bool {
        self.progress.cancel.load(Ordering::Relaxed)
    }

    /// Asks the worker to stop.
    pub fn cancel(&self) {
        self.progress.cancel.store(true, Ordering::Relaxed);
    }

    /// The result, once the worker has finished.
    pub fn poll(&self) -> Option<Result<Loaded, ReadError>> {
        match self.result.try_recv() {
            Ok(r) => Some(r),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Err(ReadError::Cancelled)),
        }
    }
}

impl super::NetsleuthApp {
    /// Reads the open files (those read and those that failed) again as access logs of the
    /// layout `spec`, or without a layout when `None`; a layout that cannot be compiled is
    /// said and nothing is read.
    pub(super) fn read_with_log_format(
        &mut self,
        ctx: &eframe::egui::Context,
        spec: Option<String>,
    ) {
        let super::State::Ready(w) = &self.state else {
            return;
        };
        let inv = &w.loaded.investigation;
        let files: Vec<PathBuf> = inv
            .files
            .iter()
            .map(|f| f.path.clone())
            .chain(
                inv.failures
                    .iter()
                    .filter_map(|e| e.path().map(PathBuf::from)),
            )
            .collect();
        match spec.as_deref().map(crate::ingest::LogFormat::parse) {
            Some(Err(e)) => {
                self.view.notice = Some(e);
                return;
            }
            Some(Ok(layout)) => self.options.log_format = Some(Arc::new(layout)),
            None => self.options.log_format = None,
        }
        self.open(ctx, files);
    }
}

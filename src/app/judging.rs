//! Judging a log where its data lives (the query engine, see [`crate::engine`]) from the
//! window: the run on a worker, its cost as it grows, Cancel, and what it found.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{channel, Receiver, TryRecvError};
use std::sync::Arc;
use std::time::Instant;

use crate::detection::behaviour::ThreatLists;
use crate::detection::Addressed;
use crate::detection::DetectionSettings;
use crate::engine::{
    detect_with_engine, events_from, Engine, EngineError, EngineRun, EngineSettings, QueryProgress,
};
use crate::geo::Locator;
use crate::ingest::ReadOptions;

/// What the worker tells the window.
enum Message {
    /// The files found under the paths, and their size on disk.
    Listed(usize, u64),
    /// The run, or why there is none.
    Done(Result<Box<EngineRun>, EngineError>),
}

/// A log judged by the engine: running, then what it found or why not.
pub struct Judge {
    /// The files and folders judged.
    pub paths: Vec<PathBuf>,
    /// Where the plan runs.
    pub engine: Engine,
    /// The files found under the paths and their size on disk, once listed.
    pub listed: Option<(usize, u64)>,
    /// When it started.
    pub started: Instant,
    /// Its cost so far, shared with the worker.
    pub progress: Arc<QueryProgress>,
    messages: Receiver<Message>,
    /// The finished run and the seconds it took, or why there is none.
    pub outcome: Option<Result<(EngineRun, f64), EngineError>>,
    /// How the files are read, for fetching a source's events.
    options: ReadOptions,
    /// The source whose events were asked for last.
    pub opened: Option<Opened>,
}

/// A source's events, fetched from where the data lives when the analyst opens it.
pub struct Opened {
    /// The source.
    pub ip: std::net::IpAddr,
    /// When the fetch started.
    pub started: Instant,
    /// Its cost so far, shared with the worker.
    pub progress: Arc<QueryProgress>,
    result: Receiver<Result<Vec<Addressed>, EngineError>>,
    /// Its events in the order of the whole read (position, file, line, event, extra
    /// columns' names), or why there are none; none while they are fetched.
    pub events: Option<Result<Vec<Addressed>, EngineError>>,
    /// How long the fetch took, once done.
    pub seconds: f64,
}

impl Opened {
    /// Asks the fetch to stop.
    pub fn cancel(&self) {
        self.progress.cancel.store(true, Ordering::Relaxed);
    }
}

impl Judge {
    /// Starts judging `paths` on `engine` on a worker thread, with the window's settings, its
    /// GeoIP databases and threat lists; `repaint` is called as the worker reports.
    pub fn start(
        paths: Vec<PathBuf>,
        engine: Engine,
        options: ReadOptions,
        settings: DetectionSettings,
        (geoip, intel): (Vec<PathBuf>, Vec<PathBuf>),
        repaint: impl Fn() + Send + 'static,
    ) -> Judge {
        let progress = Arc::new(QueryProgress::default());
        let (tx, rx) = channel();
        let (job_paths, job_engine, job_progress, job_options) = (
            paths.clone(),
            engine.clone(),
            progress.clone(),
            options.clone(),
        );
        let spawned = std::thread::Builder::new()
            .name("netsleuth-engine".into())
            .spawn(move || {
                let mut unreadable = Vec::new();
                let files = crate::streaming::expand(&job_paths, &mut unreadable);
                let bytes = files
                    .iter()
                    .filter_map(|f| std::fs::metadata(f).ok())
                    .map(|m| m.len())
                    .sum();
                // The receiver may be gone if the window closed; nothing to do then.
                let _ = tx.send(Message::Listed(files.len(), bytes));
                repaint();
                let mut settings = settings;
                settings.geo = Some(Locator::shared(&geoip));
                if !intel.is_empty() {
                    let (lists, _) = ThreatLists::load(&intel, options.max_line_bytes);
                    settings.intel = Some(Arc::new(lists));
                }
                let run = EngineSettings {
                    engine: job_engine,
                    partitions: None,
                };
                let result = super::worker::caught(|| {
                    detect_with_engine(&job_paths, &options, &settings, &run, &job_progress)
                })
                .unwrap_or_else(|m| {
                    Err(EngineError::Engine(super::worker::internal_error(
                        "judging with the engine",
                        &m,
                    )))
                });
                let _ = tx.send(Message::Done(result.map(Box::new)));
                repaint();
            });
        let mut judge = Judge {
            paths,
            engine,
            listed: None,
            started: Instant::now(),
            progress,
            messages: rx,
            outcome: None,
            options: job_options,
            opened: None,
        };
        if let Err(e) = spawned {
            judge.outcome = Some(Err(EngineError::Engine(format!(
                "cannot start the engine's thread: {e}"
            ))));
        }
        judge
    }

    /// Fetches the events `ip` sent from where the data lives, on a worker (the fetch asked
    /// for before, if any, stops).
    pub fn open_source(&mut self, ip: std::net::IpAddr, repaint: impl Fn() + Send + 'static) {
        if let Some(o) = &self.opened {
            o.cancel();
        }
        let progress = Arc::new(QueryProgress::default());
        let (tx, rx) = channel();
        let (paths, options, job_progress) =
            (self.paths.clone(), self.options.clone(), progress.clone());
        let run = EngineSettings {
            engine: self.engine.clone(),
            partitions: None,
        };
        let spawned = std::thread::Builder::new()
            .name("netsleuth-engine-events".into())
            .spawn(move || {
                let result = super::worker::caught(|| {
                    events_from(&paths, &options, &run, &[ip], &job_progress)
                })
                .unwrap_or_else(|m| {
                    Err(EngineError::Engine(super::worker::internal_error(
                        "fetching a source's events",
                        &m,
                    )))
                });
                // The receiver may be gone if the window closed; nothing to do then.
                let _ = tx.send(result);
                repaint();
            });
        let mut opened = Opened {
            ip,
            started: Instant::now(),
            progress,
            result: rx,
            events: None,
            seconds: 0.0,
        };
        if let Err(e) = spawned {
            opened.events = Some(Err(EngineError::Engine(format!(
                "cannot start the engine's thread: {e}"
            ))));
        }
        self.opened = Some(opened);
    }

    /// Whether the run or a source's fetch is still going.
    pub fn is_busy(&self) -> bool {
        self.is_running() || self.opened.as_ref().is_some_and(|o| o.events.is_none())
    }

    /// Takes in what the workers reported.
    pub fn poll(&mut self) {
        if let Some(o) = self.opened.as_mut().filter(|o| o.events.is_none()) {
            o.events = match o.result.try_recv() {
                Ok(events) => Some(events),
                Err(TryRecvError::Empty) => None,
                Err(TryRecvError::Disconnected) => Some(Err(EngineError::Cancelled)),
            };
            o.seconds = o.started.elapsed().as_secs_f64();
        }
        while self.outcome.is_none() {
            match self.messages.try_recv() {
                Ok(Message::Listed(files, bytes)) => self.listed = Some((files, bytes)),
                Ok(Message::Done(result)) => {
                    let seconds = self.started.elapsed().as_secs_f64();
                    self.outcome = Some(result.map(|run| (*run, seconds)));
                }
                Err(TryRecvError::Empty) => return,
                Err(TryRecvError::Disconnected) => self.outcome = Some(Err(EngineError::Cancelled)),
            }
        }
    }

    /// Whether the run is still going.
    pub fn is_running(&self) -> bool {
        self.outcome.is_none()
    }

    /// Asks the run to stop.
    pub fn cancel(&self) {
        self.progress.cancel.store(true, Ordering::Relaxed);
    }

    /// Whether [`Self::cancel`] was called.
    pub fn is_cancelling(&self) -> bool {
        self.progress.cancel.load(Ordering::Relaxed)
    }

    /// Events the scans in this process have read so far (the embedded engine's), over
    /// every job.
    pub fn read_here(&self) -> u64 {
        self.progress.rows_read_here.load(Ordering::Relaxed)
    }

    /// Jobs finished, events the engine read (known once its first job is done) and bytes of
    /// answers that came back.
    pub fn cost(&self) -> (u64, u64, u64) {
        let p = &self.progress;
        (
            p.jobs_done.load(Ordering::Relaxed),
            p.rows_scanned.load(Ordering::Relaxed),
            p.bytes_returned.load(Ordering::Relaxed),
        )
    }
}

impl super::NetsleuthApp {
    /// The app judging `paths` where they are on `engine`, rather than reading them.
    pub fn judging(
        ctx: &eframe::egui::Context,
        paths: Vec<PathBuf>,
        engine: Engine,
        options: ReadOptions,
        config_dir: Option<PathBuf>,
    ) -> Self {
        let mut app = Self::bare(ctx, options, config_dir);
        app.judge_on(ctx, paths, engine);
        app
    }

    /// Judges `paths` where they are, on the engine the start view names.
    pub(super) fn judge(&mut self, ctx: &eframe::egui::Context, paths: Vec<PathBuf>) {
        let engine = match Engine::parse(self.view.engine_at.trim()) {
            Ok(e) => e,
            Err(e) => {
                self.view.notice = Some(e);
                return;
            }
        };
        self.judge_on(ctx, paths, engine);
    }

    /// Judges `paths` where they are, on `engine`.
    pub fn judge_on(&mut self, ctx: &eframe::egui::Context, paths: Vec<PathBuf>, engine: Engine) {
        if let super::State::Judge(j) = &self.state {
            j.cancel();
        }
        let repaint = ctx.clone();
        if let [one] = paths.as_slice() {
            self.view.judge_path = one.display().to_string();
        }
        self.view.engine_at = match &engine {
            Engine::Embedded => "embedded".into(),
            Engine::Ballista(url) => url.replacen("df://", "ballista://", 1),
        };
        self.state = super::State::Judge(Box::new(Judge::start(
            paths,
            engine,
            self.options.clone(),
            self.settings.clone(),
            (self.geoip.paths.clone(), self.intel.paths.clone()),
            move || repaint.request_repaint(),
        )));
    }

    /// Writes the judged log's sources.csv and blocklist.csv into `folder` (new, empty, or a
    /// run's outputs, replaced whole), on a worker.
    pub(super) fn write_judged(&mut self, ctx: &eframe::egui::Context, folder: PathBuf) {
        let super::State::Judge(j) = &self.state else {
            return;
        };
        let Some(Ok((run, _))) = &j.outcome else {
            return;
        };
        let files = run.files.clone();
        let (events, detection) = (run.events, run.detection.clone());
        let how = ("engine", run.manifest(&j.engine));
        let threshold = self.settings.auto_block;
        let sender = self.job_sender.clone();
        let repaint = ctx.clone();
        std::thread::spawn(move || {
            let result = super::worker::caught(|| {
                let said = |e: std::io::Error| format!("Cannot write to {}: {e}", folder.display());
                let set = crate::report::OutputSet::begin(&folder, |_| {}).map_err(said)?;
                crate::report::write_verdicts(
                    set,
                    &crate::report::Verdicts {
                        files: &files,
                        events,
                        flagged_events: None,
                        detection: &detection,
                        threshold,
                        how,
                    },
                )
                .map_err(said)?;
                Ok(format!(
                    "Wrote sources.csv and blocklist.csv to {}",
                    folder.display()
                ))
            })
            .unwrap_or_else(|m| Err(super::worker::internal_error("writing the CSVs", &m)));
            let _ = sender.send(super::JobResult::Said(result.unwrap_or_else(|e| e)));
            repaint.request_repaint();
        });
    }
}

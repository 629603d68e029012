//! Live mode: the open files replayed as if they were being written, or live sources (a
//! followed file or folder, a syslog receiver, a Kafka topic) judged as their lines come. A
//! worker thread feeds a [`Stream`] and, at the interval the analyst sets, runs detection over
//! its window and sends the window as an investigation with its analysis, the alerts raised
//! and the KPIs of the last minutes; the window shows it as it shows any investigation, keeps
//! the analyst's selection and counts the alerts not looked at yet.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crate::detection::behaviour::{FindingKind, ThreatLists};
use crate::detection::{detect_staged, DetectionSettings};
use crate::geo::Locator;
use crate::ingest::{Investigation, ReadOptions};
use crate::live::replay::{Pace, Replay};
use crate::live::source::{Source, Status};
use crate::live::stream::{Alert, Stream, StreamSettings};

use super::analysis::Analysis;
use super::loading::Loaded;

/// Alerts the window keeps, newest first; older ones are counted only.
const ALERTS_KEPT: usize = 5_000;

/// After an alert on a source, none again on it under the same rule for a day: in the window
/// an alert is a thing to look at once, not a pulse.
const QUIET_US: i64 = 24 * 3_600_000_000;

/// Events a replay hands the stream at most per step.
const REPLAY_BATCH: usize = 20_000;

/// Finding kinds that raise an alert in the window whatever the source's confidence: an
/// intruder in, running commands, fetching malware, a worm, beaconing.
const ALERT_KINDS: [FindingKind; 6] = [
    FindingKind::ValidLogin,
    FindingKind::ShellCommands,
    FindingKind::MalwareDownload,
    FindingKind::WormProbe,
    FindingKind::WebCommandExecution,
    FindingKind::Beaconing,
];

/// What to watch live, as the analyst asked.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveFeed {
    /// The open files' events at their recorded pace times this factor (`None`: as fast as
    /// they are judged).
    Replay(Option<f64>),
    /// Live sources named as `netsleuth watch` takes them (a path, a folder,
    /// `syslog://HOST:PORT`, `kafka://HOST:PORT/TOPIC`).
    Sources(Vec<String>),
}

/// A live session asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveStart {
    /// What to watch.
    pub feed: LiveFeed,
    /// Events the window keeps.
    pub retention: usize,
    /// Detection runs (and the model is retrained on the window) at most this often.
    pub every: Duration,
}

impl Default for LiveStart {
    fn default() -> Self {
        LiveStart {
            feed: LiveFeed::Replay(Some(60.0)),
            retention: 200_000,
            every: Duration::from_secs(2),
        }
    }
}

/// Counts over the last minutes and the minutes before them (`[now, before]`), in event
/// time: the latest event's time is "now".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Kpis {
    /// The length of each period, in minutes.
    pub minutes: u32,
    /// The latest event's time (microseconds since the epoch).
    pub now_us: i64,
    /// Events.
    pub events: [u64; 2],
    /// Distinct sources.
    pub sources: [u64; 2],
    /// Events detection flagged.
    pub flagged: [u64; 2],
    /// "Now" on the alerts' clock: the latest event's time for a replay, the wall clock for
    /// live sources (alerts are stamped when they are raised).
    pub alerts_now_us: i64,
}

/// How the live session is doing.
#[derive(Debug, Clone, Default)]
pub struct LiveStatus {
    /// What is watched, in words.
    pub name: String,
    /// Lines (or replayed events) taken so far.
    pub lines: u64,
    /// Events that left the window.
    pub expired: u64,
    /// Events in the window, and the most it keeps.
    pub retained: usize,
    /// The retention.
    pub retention: usize,
    /// Lines the reader skipped.
    pub skipped: u64,
    /// Detection runs.
    pub runs: u64,
    /// Distinct sources seen since the start.
    pub sources_seen: usize,
    /// The last run's time, in seconds.
    pub run_seconds: f64,
    /// Events replayed and in all, for a replay.
    pub progress: Option<(usize, usize)>,
    /// A replay that has given every event.
    pub finished: bool,
    /// The live sources' own status (rate, lag, errors, malformed input).
    pub sources: Vec<Status>,
    /// Why the last lines could not be read, or detection failed.
    pub problem: Option<String>,
}

/// One detection run over the window.
pub struct LiveUpdate {
    /// The window as an investigation.
    pub loaded: Loaded,
    /// Its analysis.
    pub analysis: Analysis,
    /// The alerts the run raised.
    pub alerts: Vec<Alert>,
    /// The KPIs of the last minutes.
    pub kpis: Kpis,
}

/// What the worker sends.
enum LiveMessage {
    Update(Box<LiveUpdate>),
    Status(LiveStatus),
}

/// Shared with the worker: pause, stop, the KPI period and new detection settings.
struct Control {
    paused: AtomicBool,
    stop: AtomicBool,
    minutes: AtomicU32,
    settings: std::sync::Mutex<Option<DetectionSettings>>,
}

/// A live session in the window.
pub struct Live {
    control: Arc<Control>,
    messages: Receiver<LiveMessage>,
    /// How it is doing.
    pub status: LiveStatus,
    /// The last run's KPIs.
    pub kpis: Option<Kpis>,
    /// Alerts raised, newest first (the last [`ALERTS_KEPT`]).
    pub alerts: VecDeque<Alert>,
    /// Alerts raised in all.
    pub total_alerts: u64,
    /// Alerts the analyst has seen (the first this many of [`Self::total_alerts`]).
    pub seen: u64,
    /// Detection runs shown.
    pub updates: u64,
    /// When it started.
    pub started: Instant,
    /// Whether it was stopped (the last window stays open).
    pub stopped: bool,
    /// The logs a replay replays.
    replayed: Option<Arc<Investigation>>,
}

impl Live {
    /// Starts watching on a worker thread: the events of `open` (for a replay) or the live
    /// sources, judged with `settings`, sources placed with the `geoip` databases and matched
    /// against the `intel` lists. `repaint` is called after each message.
    pub fn start(
        start: &LiveStart,
        open: Option<Arc<Investigation>>,
        settings: DetectionSettings,
        read: ReadOptions,
        lists: (Vec<std::path::PathBuf>, Vec<std::path::PathBuf>),
        repaint: impl Fn() + Send + 'static,
    ) -> Result<Live, String> {
        let replayed = open
            .clone()
            .filter(|_| matches!(start.feed, LiveFeed::Replay(_)));
        let feed = match (&start.feed, open) {
            (LiveFeed::Replay(pace), Some(inv)) => {
                let pace = pace.map_or(Pace::Fastest, Pace::Recorded);
                let replay = Replay::new(&inv.table, pace, REPLAY_BATCH);
                let name = match pace {
                    Pace::Fastest => format!("replaying {} as fast as judged", files(&inv)),
                    Pace::Recorded(f) => format!("replaying {} at {f}× its pace", files(&inv)),
                };
                Feed::Replay(inv, replay, name)
            }
            (LiveFeed::Replay(_), None) => return Err("Open a log to replay first.".into()),
            (LiveFeed::Sources(specs), _) => {
                let sources = specs
                    .iter()
                    .map(|s| Source::open(s, None, read.max_line_bytes))
                    .collect::<Result<Vec<_>, _>>()?;
                Feed::Sources(sources, specs.join(", "))
            }
        };
        let control = Arc::new(Control {
            paused: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            minutes: AtomicU32::new(5),
            settings: std::sync::Mutex::new(None),
        });
        let (tx, rx) = channel();
        let (geoip, intel) = lists;
        let mut run = settings.clone();
        run.geo.get_or_insert_with(|| Locator::shared(&geoip));
        if run.intel.is_none() && !intel.is_empty() {
            let (l, _) = ThreatLists::load(&intel, crate::ingest::DEFAULT_MAX_LINE_BYTES);
            run.intel = Some(Arc::new(l));
        }
        let mut read = read;
        if let Feed::Replay(inv, ..) = &feed {
            read.format = inv.files.first().map(|f| f.format);
        }
        let stream = Stream::new(StreamSettings {
            detection: run,
            retention: start.retention.max(1),
            quiet_us: QUIET_US,
            read,
            finding_alerts: ALERT_KINDS.to_vec(),
            intel_alerts: true,
        });
        let worker = Worker {
            feed,
            stream,
            settings,
            every: start.every,
            control: control.clone(),
            tx,
        };
        let name = worker.name().to_owned();
        thread::Builder::new()
            .name("netsleuth-live".into())
            .spawn(move || worker.run(repaint))
            .map_err(|e| format!("cannot start the live thread: {e}"))?;
        Ok(Live {
            control,
            messages: rx,
            status: LiveStatus {
                name,
                retention: start.retention,
                ..LiveStatus::default()
            },
            kpis: None,
            alerts: VecDeque::new(),
            total_alerts: 0,
            seen: 0,
            updates: 0,
            started: Instant::now(),
            stopped: false,
            replayed,
        })
    }

    /// Takes what the worker sent: the latest run, if one came, with every alert raised since.
    pub fn poll(&mut self) -> Option<Box<LiveUpdate>> {
        let mut latest: Option<Box<LiveUpdate>> = None;
        while let Ok(m) = self.messages.try_recv() {
            match m {
                LiveMessage::Status(s) => self.status = s,
                LiveMessage::Update(mut u) => {
                    self.updates += 1;
                    self.total_alerts += u.alerts.len() as u64;
                    for a in u.alerts.drain(..) {
                        self.alerts.push_front(a);
                    }
                    self.alerts.truncate(ALERTS_KEPT);
                    self.kpis = Some(u.kpis.clone());
                    latest = Some(u);
                }
            }
        }
        latest
    }

    /// Alerts raised since the analyst last looked.
    pub fn unseen(&self) -> u64 {
        self.total_alerts - self.seen
    }

    /// Whether the feed is paused.
    pub fn paused(&self) -> bool {
        self.control.paused.load(Ordering::Relaxed)
    }

    /// Pauses or resumes the feed: a replay's clock stops, live sources are not read (their
    /// lines wait for the resume).
    pub fn set_paused(&self, paused: bool) {
        self.control.paused.store(paused, Ordering::Relaxed);
    }

    /// Judges the window with `settings` from the next run on (Settings > Re-run while
    /// watching).
    pub fn set_settings(&self, settings: DetectionSettings) {
        if let Ok(mut s) = self.control.settings.lock() {
            *s = Some(settings);
        }
    }

    /// The KPIs' period in minutes, from the next run on.
    pub fn set_minutes(&self, minutes: u32) {
        self.control
            .minutes
            .store(minutes.max(1), Ordering::Relaxed);
    }

    /// The KPIs' period in minutes.
    pub fn minutes(&self) -> u32 {
        self.control.minutes.load(Ordering::Relaxed)
    }

    /// Stops the worker; the last window stays shown.
    pub fn stop(&mut self) {
        self.control.stop.store(true, Ordering::Relaxed);
        self.stopped = true;
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.control.stop.store(true, Ordering::Relaxed);
    }
}

/// The open files' names, for the status line.
fn files(inv: &Investigation) -> String {
    let names: Vec<String> = inv
        .files
        .iter()
        .map(|f| {
            f.path.file_name().map_or_else(
                || f.path.display().to_string(),
                |n| n.to_string_lossy().into(),
            )
        })
        .collect();
    names.join(", ")
}

/// Where the worker's events come from.
enum Feed {
    Replay(Arc<Investigation>, Replay, String),
    Sources(Vec<Source>, String),
}

struct Worker {
    feed: Feed,
    stream: Stream,
    /// The settings the analysis records (as the analyst left them).
    settings: DetectionSettings,
    every: Duration,
    control: Arc<Control>,
    tx: Sender<LiveMessage>,
}

impl Worker {
    fn name(&self) -> &str {
        match &self.feed {
            Feed::Replay(_, _, n) | Feed::Sources(_, n) => n,
        }
    }

    fn run(mut self, repaint: impl Fn()) {
        let mut last_run: Option<Instant> = None;
        let mut unjudged = 0usize;
        let mut problem = None;
        let mut run_seconds = 0.0;
        let mut last_status = Instant::now();
        while !self.control.stop.load(Ordering::Relaxed) {
            let paused = self.control.paused.load(Ordering::Relaxed);
            let now = Instant::now();
            let taken = match &mut self.feed {
                Feed::Replay(inv, replay, _) => {
                    if paused {
                        replay.pause(now);
                        0
                    } else {
                        replay.resume(now);
                        let rows = replay.next_batch(now).to_vec();
                        self.stream.push_rows(&inv.table, &rows);
                        rows.len()
                    }
                }
                Feed::Sources(sources, _) if !paused => {
                    let mut lines = Vec::new();
                    for s in sources.iter_mut() {
                        s.poll(&mut lines, Duration::from_millis(20));
                    }
                    let n = lines.len();
                    self.stream.push(lines);
                    n
                }
                Feed::Sources(..) => 0,
            };
            unjudged += taken;
            let due = last_run.is_none_or(|t| t.elapsed() >= self.every);
            // New settings judge the window again even when no line came.
            let resettled = self
                .control
                .settings
                .lock()
                .map(|s| s.is_some())
                .unwrap_or(false);
            if (unjudged > 0 || resettled) && due && !paused {
                last_run = Some(Instant::now());
                unjudged = 0;
                let t = Instant::now();
                match self.judge() {
                    Ok(update) => {
                        problem = None;
                        let _ = self.tx.send(LiveMessage::Update(Box::new(update)));
                    }
                    Err(e) => problem = Some(e),
                }
                run_seconds = t.elapsed().as_secs_f64();
            }
            if taken > 0 || last_status.elapsed() >= Duration::from_millis(500) {
                last_status = Instant::now();
                let status = self.status(problem.clone(), run_seconds);
                if self.tx.send(LiveMessage::Status(status)).is_err() {
                    return;
                }
                repaint();
            }
            let idle = match &self.feed {
                Feed::Replay(_, r, _) => r.wait(Instant::now()).unwrap_or(Duration::MAX),
                Feed::Sources(..) => Duration::from_millis(50),
            };
            if taken == 0 || paused {
                thread::sleep(idle.min(Duration::from_millis(50)));
            }
        }
    }

    /// Runs detection over the window: the update to show.
    fn judge(&mut self) -> Result<LiveUpdate, String> {
        let t = Instant::now();
        let changed = self.control.settings.lock().ok().and_then(|mut s| s.take());
        if let Some(new) = changed {
            self.settings = new.clone();
            self.stream.set_detection(new);
        }
        let name = self.name().to_owned();
        let fields = match &self.feed {
            Feed::Replay(inv, ..) => Some(
                inv.files
                    .iter()
                    .fold(Default::default(), |f: crate::events::FieldSet, r| {
                        f.union(r.fields)
                    }),
            ),
            Feed::Sources(..) => None,
        };
        let loaded = Loaded::new(self.stream.investigation(&name, fields));
        let inv = loaded.investigation.clone();
        let run = self.stream.detection_settings();
        let d = detect_staged(&inv.table, &run, &self.control.stop, &|_| {}, None)
            .map_err(|_| "stopped".to_owned())?;
        let mut settings = self.settings.clone();
        settings.features = run.features;
        let analysis = Analysis::complete(&inv, d, settings, &run, t.elapsed().as_secs_f64());
        // A replay's clock is its events' time: the quiet period and the KPIs follow it.
        let now_us = match &self.feed {
            Feed::Replay(..) => inv.files[0].last_event_us.unwrap_or(0),
            Feed::Sources(..) => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_micros() as i64),
        };
        let alerts = self.stream.judge(&analysis.detection, now_us);
        let minutes = self.control.minutes.load(Ordering::Relaxed).max(1);
        let mut kpis = kpis(&inv, &analysis, minutes);
        kpis.alerts_now_us = now_us;
        Ok(LiveUpdate {
            loaded,
            analysis,
            alerts,
            kpis,
        })
    }

    fn status(&self, problem: Option<String>, run_seconds: f64) -> LiveStatus {
        let c = &self.stream.counts;
        let (progress, finished, sources) = match &self.feed {
            Feed::Replay(_, r, _) => (Some(r.progress()), r.finished(), Vec::new()),
            Feed::Sources(s, _) => (None, false, s.iter().map(|s| s.status().clone()).collect()),
        };
        LiveStatus {
            name: self.name().to_owned(),
            lines: c.lines,
            expired: c.expired,
            retained: self.stream.retained(),
            retention: self.stream.retention(),
            skipped: c.skipped,
            runs: c.runs,
            sources_seen: self.stream.totals().0.len(),
            run_seconds,
            progress,
            finished,
            sources,
            problem: problem.or_else(|| self.stream.problem().map(str::to_owned)),
        }
    }
}

/// Events, sources and flagged events over the last `minutes` of event time and the
/// `minutes` before.
fn kpis(inv: &Investigation, a: &Analysis, minutes: u32) -> Kpis {
    let t = &inv.table;
    let now_us = inv.files.first().and_then(|f| f.last_event_us).unwrap_or(0);
    let span = i64::from(minutes) * 60_000_000;
    let mut k = Kpis {
        minutes,
        now_us,
        ..Kpis::default()
    };
    let mut seen = vec![0u8; t.ips().len()];
    for r in 0..t.len() {
        let Some(us) = t.time_us(r) else { continue };
        let period = if us > now_us - span {
            0
        } else if us > now_us - 2 * span {
            1
        } else {
            continue;
        };
        k.events[period] += 1;
        if a.event_flagged(r) == Some(true) {
            k.flagged[period] += 1;
        }
        if let Some(id) = t.source_ip_id(r) {
            let bit = 1u8 << period;
            if seen[id as usize] & bit == 0 {
                seen[id as usize] |= bit;
                k.sources[period] += 1;
            }
        }
    }
    k
}

impl super::NetsleuthApp {
    /// Starts watching as asked, in place of any live session before.
    pub(super) fn start_live(&mut self, ctx: &eframe::egui::Context, start: &LiveStart) {
        if self.live.as_ref().is_some_and(|l| !l.stopped) {
            self.view.notice = Some("Stop the live session before starting another.".into());
            return;
        }
        let shown = match &self.state {
            super::State::Ready(w) => Some(w.loaded.investigation.clone()),
            _ => None,
        };
        // After a replay the window holds its last window: the logs it replayed start again.
        let replay_source = match &self.live {
            Some(l) => l.replayed.clone().or(shown),
            None => shown,
        };
        let repaint = ctx.clone();
        match Live::start(
            start,
            replay_source,
            self.settings.clone(),
            self.options.clone(),
            (self.geoip.paths.clone(), self.intel.paths.clone()),
            move || repaint.request_repaint(),
        ) {
            Ok(live) => {
                self.live = Some(live);
                self.view.tab = super::Tab::Live;
                self.view.notice = None;
            }
            Err(e) => self.view.notice = Some(e),
        }
    }

    /// Shows a live run: the window's investigation and analysis in place of the last, the
    /// selected and marked sources kept by address.
    pub(super) fn show_live(&mut self, ctx: &eframe::egui::Context, u: LiveUpdate) {
        let ip_of = |a: &Analysis, i: usize| a.detection.sources.get(i).map(|s| s.stats.ip);
        let (selected, marked) = match &self.state {
            super::State::Ready(w) => match w.shown() {
                Some(a) => (
                    self.view.selected.and_then(|i| ip_of(a, i)),
                    self.view
                        .marked
                        .iter()
                        .filter_map(|&i| ip_of(a, i))
                        .collect::<Vec<_>>(),
                ),
                None => (None, Vec::new()),
            },
            _ => (None, Vec::new()),
        };
        let a = u.analysis;
        let index = |ip| a.detection.sources.iter().position(|s| s.stats.ip == ip);
        self.view.selected = selected.and_then(index);
        self.view.marked = marked.into_iter().filter_map(index).collect();
        self.view.domains.proposals = crate::domains::from_detection(&a.detection);
        self.view.domains.proposals_generation += 1;
        if let Some(l) = &self.live {
            ctx.send_viewport_cmd(eframe::egui::ViewportCommand::Title(format!(
                "netsleuth — live: {}",
                l.status.name
            )));
        }
        self.state = super::State::Ready(Box::new(super::Workspace {
            loaded: u.loaded,
            analysis: super::AnalysisState::Done(Arc::new(a)),
        }));
    }
}

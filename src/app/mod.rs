//! The desktop GUI. It renders state and sends commands; reading and detection run on worker
//! threads (see [`loading`] and [`analysis`]). Views push [`Command`]s, which one handler
//! applies after the frame.

mod analysis;
mod case;
mod chrome;
mod commands;
mod derived;
mod jobs;
#[cfg(feature = "engine")]
mod judging;
mod launch;
mod lists;
pub mod live;
mod loading;
mod png_export;
mod querying;
mod style;
mod text;
mod views;
mod widgets;
mod worker;
mod workspace;

use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::mpsc::{channel, Receiver};
use std::sync::Arc;
use std::time::{Duration, Instant};

use eframe::egui::{
    self, Color32, Frame, Key, KeyboardShortcut, Margin, Modifiers, ProgressBar, RichText, Ui,
};

pub use crate::blocklist::Decision;
use crate::blocklist::{Blocklist, Coverage, Edit, History, Origin};
use crate::detection::{DetectionSettings, SourceVerdict};
use crate::domains::{DomainEdit, DomainList, DomainProposal};
use crate::ingest::{Investigation, ReadError, ReadOptions};
use crate::investigation::Annotation;
use crate::session::{Chosen, ChosenFiles, RecentFiles};
pub use analysis::{Analysis, AnalysisJob, Delivery, Stopped};
use case::is_case;
pub use commands::Command;
use derived::{Derived, Made};
use jobs::{DomainImportDone, ImportDone, JobResult};
pub use launch::run;
use lists::Saver;
pub use lists::{BlocklistState, DomainsState};
pub use loading::{LoadJob, Loaded};
use style::{apply_style, install_fonts, BENIGN, ERROR, MALICIOUS, WARN};
pub use style::{finding_color, severity_color};
pub use text::thousands;
pub use views::alerts::AlertsView;
use views::alerts::ValueFilter;
pub use views::breakdown::Breakdown;
pub use views::evaluation::EvaluationView;
pub use views::event_alerts::EventAlertsView;
pub use views::map::{CountryRow, Drawn, MapMode, MapView};
pub use views::scatter::ScatterView;
use views::start::{elapsed_and_left, loading_view, recent_paths, recent_title, start_view};
pub use views::timeline::TimelineView;
use widgets::{png_button, sort_header, stat, window_title};
pub use worker::inject_fault;
use workspace::workspace_view;

/// The bundled sample, as shipped in `assets/`.
const SAMPLE_NAME: &str = "cloudwatch_web_attack.csv";
const SAMPLE_BYTES: &[u8] = include_bytes!("../../assets/samples/cloudwatch_web_attack.csv");

/// The path of the bundled sample: the file in the source tree when present, otherwise a copy
/// written to the temporary directory.
pub fn sample_path() -> std::io::Result<PathBuf> {
    let in_tree = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("assets/samples")
        .join(SAMPLE_NAME);
    if in_tree.is_file() {
        return Ok(in_tree);
    }
    let copy = std::env::temp_dir().join(format!("netsleuth-sample-{SAMPLE_NAME}"));
    if std::fs::read(&copy).ok().as_deref() != Some(SAMPLE_BYTES) {
        std::fs::write(&copy, SAMPLE_BYTES)?;
    }
    Ok(copy)
}

/// The views of an investigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Tab {
    /// The slide presentation mode opens on: verdict, KPIs, top findings and the map.
    Summary,
    /// KPI cards, verdict and top reasons.
    Overview,
    /// The sortable, filterable table of sources.
    Alerts,
    /// Bytes sent against bytes received.
    Scatter,
    /// Events and anomalies over time.
    Timeline,
    /// Anomalies by port, protocol, country, reason, and hour by weekday.
    Breakdown,
    /// Sources on a world map, with a per-country table.
    Map,
    /// An access log's web analytics (only when an access log is open).
    Web,
    /// The blocklist editor, proposals, allowlist and exports.
    Blocklist,
    /// The domain blocklist: names to block where their address must not be.
    Domains,
    /// Watching live: a replay or live sources, KPIs of the last minutes, new alerts.
    Live,
    /// Detectors against the ground-truth labels (only when the files carry labels).
    Evaluation,
    /// Detectors, thresholds and business hours.
    Settings,
    /// The files read, skipped rows and fields.
    Files,
}

impl Tab {
    const ALL: [Tab; 14] = [
        Tab::Summary,
        Tab::Overview,
        Tab::Alerts,
        Tab::Scatter,
        Tab::Timeline,
        Tab::Breakdown,
        Tab::Map,
        Tab::Web,
        Tab::Blocklist,
        Tab::Domains,
        Tab::Live,
        Tab::Evaluation,
        Tab::Settings,
        Tab::Files,
    ];

    fn title(self) -> &'static str {
        match self {
            Tab::Summary => "Summary",
            Tab::Overview => "Overview",
            Tab::Alerts => "Alerts",
            Tab::Scatter => "Scatter",
            Tab::Timeline => "Timeline",
            Tab::Breakdown => "Breakdown",
            Tab::Map => "Map",
            Tab::Web => "Web",
            Tab::Blocklist => "Blocklist",
            Tab::Domains => "Domains",
            Tab::Live => "Live",
            Tab::Evaluation => "Evaluation",
            Tab::Settings => "Settings",
            Tab::Files => "Files",
        }
    }

    /// The tab's own shortcut digit (Ctrl+digit), whichever tabs are shown. The ten digits
    /// went to the first ten views; Domains, added after them, has none.
    pub fn digit(self) -> Option<usize> {
        Some(match self {
            Tab::Overview => 1,
            Tab::Alerts => 2,
            Tab::Scatter => 3,
            Tab::Timeline => 4,
            Tab::Breakdown => 5,
            Tab::Map => 6,
            Tab::Blocklist => 7,
            Tab::Evaluation => 8,
            Tab::Settings => 9,
            Tab::Files => 0,
            Tab::Domains | Tab::Summary | Tab::Live | Tab::Web => return None,
        })
    }
}

/// Detection's progress on the loaded files.
enum AnalysisState {
    Running(AnalysisJob),
    /// The sources are judged and shown; the job goes on scoring the events.
    Scoring(AnalysisJob, Arc<Analysis>),
    Done(Arc<Analysis>),
    Cancelled,
    /// Detection failed on an internal error; holds the message.
    Failed(String),
}

/// Loaded files and their analysis.
struct Workspace {
    loaded: Loaded,
    analysis: AnalysisState,
}

impl Workspace {
    /// The analysis the views show: the finished one, or the sources while their events are
    /// scored.
    fn shown(&self) -> Option<&Arc<Analysis>> {
        match &self.analysis {
            AnalysisState::Done(a) | AnalysisState::Scoring(_, a) => Some(a),
            _ => None,
        }
    }

    /// The running detection job, if any.
    fn job(&self) -> Option<&AnalysisJob> {
        match &self.analysis {
            AnalysisState::Running(job) | AnalysisState::Scoring(job, _) => Some(job),
            _ => None,
        }
    }
}

/// What the window shows.
enum State {
    Loading(LoadJob),
    /// A log judged where its data lives, running or done.
    #[cfg(feature = "engine")]
    Judge(Box<judging::Judge>),
    Ready(Box<Workspace>),
    Failed(String),
}

/// What the alerts table's rows depend on: filters, analysis generation, time range.
type AlertsKey = (AlertsView, u64, Option<(i64, i64)>);

/// Per-window view state shared by all views: selection, filters, modes.
pub struct ViewState {
    /// The current view.
    pub tab: Tab,
    /// The selected source, by index into the detection's sources.
    pub selected: Option<usize>,
    /// The brushed time range (microseconds since the epoch, inclusive) that filters the
    /// alerts, scatter and breakdown; `None` for the whole span.
    pub time_range: Option<(i64, i64)>,
    /// The scatter's axes, colours and box selection.
    pub scatter: ScatterView,
    /// The map's position, mode, country table and box selection.
    pub map: views::map::MapView,
    /// The timeline's window choice and brush.
    pub timeline: TimelineView,
    /// The breakdown of the current time range and value filter, made on a worker.
    breakdown: Derived<BreakdownKey, Breakdown>,
    /// The Web view's numbers for the current filters and clock, made on a worker.
    web_stats: Derived<WebKey, Option<crate::web::WebStats>>,
    /// The key the Web view's numbers were last asked for, and the flag that stops their job.
    web_key: Option<WebKey>,
    web_cancel: Arc<std::sync::atomic::AtomicBool>,
    /// The Web view's own state.
    pub web: views::web::WebView,
    /// The alerts list anomalous events instead of sources.
    pub per_event: bool,
    /// The per-event table's sort and rows.
    pub event_alerts: EventAlertsView,
    /// The alerts table's rows for its filters, analysis and time range.
    alerts_rows: Option<(AlertsKey, Vec<usize>)>,
    /// The alerts table's sort and filters.
    pub alerts: AlertsView,
    /// Presentation mode: larger type, chrome hidden.
    pub presentation: bool,
    /// Counts the times a view was shown afresh, so that presentation mode opens each at its
    /// top.
    pub shown_epoch: u64,
    /// Dark theme (otherwise light).
    pub dark: bool,
    /// The analyst's blocklist, allowlist and review marks, kept between runs.
    pub blocklist: BlocklistState,
    /// Sources marked in the alerts table (Ctrl+click), for blocking together.
    pub marked: std::collections::BTreeSet<usize>,
    /// The Blocklist view's fields, preview and form.
    pub blocklist_view: views::blocklist::BlocklistView,
    /// The domain blocklist with its history, and detection's proposals.
    pub domains: DomainsState,
    /// The Domains view's fields, preview and form.
    pub domains_view: views::domains::DomainsView,
    /// The Files view's field profile.
    pub profile: views::profile::ProfileView,
    /// The evaluation view's level and detector.
    pub evaluation: EvaluationView,
    /// Detection settings being edited, not yet applied.
    pub settings_draft: Option<DetectionSettings>,
    /// The path typed into the Open field.
    pub open_path: String,
    /// Whether the path field is shown (always when the file dialog cannot open).
    pub path_field: bool,
    /// A message for the analyst, shown in the status bar.
    pub notice: Option<String>,
    /// The About window is open.
    pub about: bool,
    /// GeoIP database paths typed in Settings.
    pub geoip_path: String,
    /// The Settings view's typed threat list paths.
    pub intel_path: String,
    /// The analyst's verdict and note per source (saved in the open investigation).
    pub annotations: std::collections::BTreeMap<IpAddr, Annotation>,
    /// The case summary, Markdown.
    pub summary: String,
    /// The open investigation's name, for export headers.
    pub case_name: Option<String>,
    /// The save dialog, while it is open.
    pub save_form: Option<views::save_case::SaveForm>,
    /// Keep copies of the logs in an investigation saved next.
    pub keep_logs: bool,
    /// Logs of the opened investigation not found, while the analyst is asked where they are.
    pub relocating: Option<views::relocate::Relocating>,
    /// The Live view's form.
    pub live_form: views::live::LiveForm,
    /// The query bar above the event views.
    pub query: views::query_bar::QueryBar,
    /// The event table open, if any.
    pub events: Option<views::events_table::EventsWindow>,
    /// The zone name typed in Settings.
    pub zone_text: String,
    /// The access-log format typed in the Files view.
    pub log_format_text: String,
    /// Where a log is judged in place, as typed on the start view.
    pub engine_at: String,
    /// The folder or file to judge in place, as typed on the start view.
    pub judge_path: String,
}

impl Default for ViewState {
    fn default() -> Self {
        ViewState {
            tab: Tab::Overview,
            selected: None,
            time_range: None,
            scatter: ScatterView::default(),
            map: views::map::MapView::default(),
            timeline: TimelineView::default(),
            breakdown: Derived::default(),
            web_stats: Derived::default(),
            web_key: None,
            web_cancel: Arc::default(),
            web: views::web::WebView::default(),
            alerts_rows: None,
            per_event: false,
            event_alerts: EventAlertsView::default(),
            alerts: AlertsView::default(),
            presentation: false,
            shown_epoch: 0,
            dark: true,
            blocklist: BlocklistState::default(),
            blocklist_view: views::blocklist::BlocklistView::default(),
            domains: DomainsState::default(),
            domains_view: views::domains::DomainsView::default(),
            profile: views::profile::ProfileView::default(),
            marked: std::collections::BTreeSet::new(),
            evaluation: EvaluationView::default(),
            settings_draft: None,
            open_path: String::new(),
            path_field: false,
            notice: None,
            about: false,
            geoip_path: String::new(),
            intel_path: String::new(),
            annotations: Default::default(),
            summary: String::new(),
            case_name: None,
            save_form: None,
            keep_logs: false,
            relocating: None,
            live_form: Default::default(),
            query: Default::default(),
            events: None,
            zone_text: String::new(),
            log_format_text: String::new(),
            engine_at: "embedded".into(),
            judge_path: String::new(),
        }
    }
}

impl ViewState {
    /// The Web view's numbers last made for what it shows, if ready.
    pub fn web_stats(&self) -> Option<&crate::web::WebStats> {
        let key = self.web_key.as_ref()?;
        self.web_stats.ready_for(key)?.as_ref()
    }

    /// After the analyst's verdicts changed: the alerts filter reads them afresh.
    fn judged_changed(&mut self) {
        self.alerts.judged = Arc::new(
            self.annotations
                .iter()
                .map(|(ip, a)| (*ip, a.verdict))
                .collect(),
        );
    }

    /// What the alerts' rows depend on now.
    fn alerts_key(&self, a: &Analysis) -> AlertsKey {
        (self.alerts.clone(), a.generation, self.time_range)
    }

    /// The sources that pass the alerts' filters and the time range, in table order, computed
    /// when the filters, range or analysis changed. The map shows the same sources.
    pub fn alert_rows(&mut self, t: &crate::events::EventTable, a: &Analysis) -> &[usize] {
        let key = self.alerts_key(a);
        if self.alerts_rows.as_ref().is_none_or(|(k, _)| *k != key) {
            let in_range = self.time_range.map(|range| {
                views::breakdown::source_events(t, a, Some(range), self.alerts.value.as_ref())
            });
            let rows = self.alerts.rows(a, in_range.as_deref());
            self.alerts_rows = Some((key, rows));
        }
        self.alerts_rows.as_ref().map_or(&[], |(_, r)| r.as_slice())
    }
}

/// What the Web view's numbers are made for: (analysis generation, time range, value filter,
/// the zone days are counted in).
type WebKey = (
    u64,
    Option<(i64, i64)>,
    Option<views::alerts::ValueFilter>,
    crate::events::Zone,
);

/// What a breakdown is made for: (analysis generation, time range, value filter).
type BreakdownKey = (u64, Option<(i64, i64)>, Option<ValueFilter>);

/// A file dialog open on its own thread, so the window keeps drawing.
struct DialogJob {
    started: Instant,
    result: Receiver<Option<Vec<PathBuf>>>,
}

/// The application state behind the main window.
pub struct NetsleuthApp {
    state: State,
    view: ViewState,
    options: ReadOptions,
    settings: DetectionSettings,
    dialog: Option<DialogJob>,
    commands: Vec<Command>,
    /// Where the recent-files list is kept; `None` keeps nothing between runs.
    config_dir: Option<PathBuf>,
    recent: RecentFiles,
    /// The GeoIP databases chosen in Settings.
    geoip: ChosenFiles,
    /// The threat lists chosen in Settings.
    intel: ChosenFiles,
    /// Where PNG exports go.
    export_dir: PathBuf,
    /// Outcomes of PNG exports, from their worker threads.
    png_sender: std::sync::mpsc::Sender<Result<PathBuf, String>>,
    /// Outcomes of list imports and exports, from their worker threads.
    job_sender: std::sync::mpsc::Sender<JobResult>,
    job_results: Receiver<JobResult>,
    /// The frame whose first pass took the workers' results: a frame drawn in several passes
    /// takes them once, so every state a worker delivers is drawn at least once.
    polled_frame: Option<u64>,
    /// Saves large blocklists off the UI thread, started when first needed.
    saver: Option<Saver<Blocklist>>,
    /// The open investigation file, if any.
    case: Option<case::OpenCase>,
    /// An investigation file is being opened or written on a worker.
    case_pending: bool,
    /// The view state last saved in the open investigation.
    saved_view: Option<case::SavedView>,
    /// The view of an investigation whose missing logs are being relocated, put back once
    /// they are read.
    relocated_view: Option<case::SavedView>,
    /// The blocklist kept for every file (`blocklist.json`) while an investigation holds its
    /// own: its allowlist is the organisation's and stays in sync.
    global: Option<Blocklist>,
    /// Saves large domain blocklists off the UI thread, started when first needed.
    domain_saver: Option<Saver<DomainList>>,
    png_results: Receiver<Result<PathBuf, String>>,
    /// The central view's rectangle in the last frame, for "Save the view as PNG".
    central: egui::Rect,
    /// A PNG export to capture on the next frame: the part of the window and the file.
    pending_png: Option<png_export::PendingPng>,
    /// Per-frame timings, when asked for with `--frame-log`.
    frame_log: Option<std::io::LineWriter<std::fs::File>>,
    /// What a panic caught while drawing said, until dismissed.
    internal_error: Option<String>,
    /// Watching live, when started.
    live: Option<live::Live>,
}

impl NetsleuthApp {
    /// Sets the look, starts reading `files` (the bundled sample when empty) and returns the app.
    /// The recent-files list is kept in `config_dir` (see [`crate::session::config_dir`]).
    pub fn new(
        ctx: &egui::Context,
        files: Vec<PathBuf>,
        options: ReadOptions,
        config_dir: Option<PathBuf>,
    ) -> Self {
        let mut app = Self::bare(ctx, options, config_dir);
        app.open_first(ctx, files);
        app
    }

    /// The app with nothing open: its look, lists and remembered choices.
    fn bare(ctx: &egui::Context, options: ReadOptions, config_dir: Option<PathBuf>) -> Self {
        let view = ViewState::default();
        install_fonts(ctx);
        apply_style(ctx, &view);
        let recent = config_dir
            .as_deref()
            .map(RecentFiles::load)
            .unwrap_or_default();
        let chosen = |what| {
            config_dir
                .as_deref()
                .map(|d| ChosenFiles::load(d, what))
                .unwrap_or_default()
        };
        let (geoip, intel) = (chosen(Chosen::GeoIp), chosen(Chosen::ThreatLists));
        let (png_sender, png_results) = channel();
        let (job_sender, job_results) = channel();
        let mut view = view;
        if let Some(dir) = &config_dir {
            view.map.prefs = crate::session::MapPrefs::load(dir);
            match crate::blocklist::load(dir) {
                Ok(loaded) => {
                    view.blocklist.set(loaded.list);
                    view.notice = loaded.migrated;
                }
                Err(e) => {
                    view.blocklist.unreadable = true;
                    view.notice = Some(format!(
                        "The blocklist is not saved this session: {e}. Fix or move the file."
                    ));
                }
            }
            match crate::domains::load(dir) {
                Ok(list) => view.domains.list = list,
                Err(e) => {
                    view.domains.unreadable = true;
                    view.notice = Some(format!(
                        "The domain blocklist is not saved this session: {e}. Fix or move the file."
                    ));
                }
            }
        }
        NetsleuthApp {
            state: State::Failed(String::new()),
            view,
            options,
            settings: DetectionSettings::default(),
            dialog: None,
            commands: Vec::new(),
            config_dir,
            recent,
            geoip,
            intel,
            export_dir: crate::session::export_dir(),
            png_sender,
            png_results,
            job_sender,
            job_results,
            polled_frame: None,
            saver: None,
            case: None,
            case_pending: false,
            saved_view: None,
            relocated_view: None,
            global: None,
            domain_saver: None,
            central: egui::Rect::NOTHING,
            pending_png: None,
            frame_log: None,
            internal_error: None,
            live: None,
        }
    }

    /// Opens `files`; with none, the investigation last opened or the bundled sample.
    fn open_first(&mut self, ctx: &egui::Context, files: Vec<PathBuf>) {
        let last_case = self
            .recent
            .entries
            .first()
            .filter(|e| e.len() == 1 && is_case(&e[0]) && e[0].is_file())
            .map(|e| e[0].clone());
        let files = if let (true, Some(case)) = (files.is_empty(), last_case) {
            vec![case]
        } else if files.is_empty() {
            match sample_path() {
                Ok(p) => vec![p],
                Err(e) => {
                    self.state = State::Failed(format!("Cannot write the bundled sample: {e}"));
                    return;
                }
            }
        } else {
            files
        };
        match files.as_slice() {
            [one] if is_case(one) => self.open_case(ctx, one.clone()),
            _ => self.open(ctx, files),
        }
    }

    /// Whether files are still being read.
    pub fn is_loading(&self) -> bool {
        matches!(self.state, State::Loading(_))
    }

    /// Whether reading, detection or a view's preparation is still running.
    pub fn is_busy(&self) -> bool {
        if self.case_pending {
            return true;
        }
        match &self.state {
            State::Loading(_) => true,
            State::Ready(w) => {
                w.job().is_some()
                    || self.view.scatter.is_preparing()
                    || self.view.timeline.is_preparing()
                    || self.view.breakdown.is_pending()
                    || self.view.web_stats.is_pending()
                    || self.view.query.pending.is_some()
                    || self.view.query.counting.is_some()
            }
            #[cfg(feature = "engine")]
            State::Judge(j) => j.is_busy(),
            State::Failed(_) => false,
        }
    }

    /// The investigation, once loaded.
    pub fn investigation(&self) -> Option<&Investigation> {
        match &self.state {
            State::Ready(w) => Some(&w.loaded.investigation),
            _ => None,
        }
    }

    /// The sources' analysis while their events are still being scored
    /// ([`Analysis::events_pending`]).
    pub fn early_analysis(&self) -> Option<&Analysis> {
        match &self.state {
            State::Ready(w) => match &w.analysis {
                AnalysisState::Scoring(_, a) => Some(a),
                _ => None,
            },
            _ => None,
        }
    }

    /// The finished analysis, once detection has run.
    pub fn analysis(&self) -> Option<&Analysis> {
        match &self.state {
            State::Ready(w) => match &w.analysis {
                AnalysisState::Done(a) => Some(a),
                _ => None,
            },
            _ => None,
        }
    }

    /// The live session, when one was started.
    pub fn live(&self) -> Option<&live::Live> {
        self.live.as_ref()
    }

    /// The shared view state.
    pub fn view(&self) -> &ViewState {
        &self.view
    }

    /// Runs detection with `settings` instead of the defaults (from the next analysis on).
    pub fn with_settings(mut self, settings: DetectionSettings) -> Self {
        self.settings = settings;
        self
    }

    /// Sends PNG exports to `dir` instead of the default (see [`crate::session::export_dir`]).
    pub fn with_export_dir(mut self, dir: PathBuf) -> Self {
        self.export_dir = dir;
        self
    }

    /// The recently opened investigations, most recent first.
    pub fn recent(&self) -> &RecentFiles {
        &self.recent
    }

    /// Queues a command, as a view would.
    pub fn send(&mut self, command: Command) {
        self.commands.push(command);
    }

    /// Shows `proposals` in the Domains view for the analyst to accept or reject, in place of
    /// those shown before.
    pub fn propose_domains(&mut self, proposals: Vec<DomainProposal>) {
        self.view.domains.proposals = proposals;
        self.view.domains.proposals_generation += 1;
    }

    fn open(&mut self, ctx: &egui::Context, files: Vec<PathBuf>) {
        let repaint = ctx.clone();
        let job = LoadJob::start(files, self.options.clone(), move || {
            repaint.request_repaint()
        });
        self.state = State::Loading(job);
        self.live = None;
        self.view.selected = None;
        self.view.settings_draft = None;
        self.view.time_range = None;
        // Filters set for other files never stay on, hidden, for these.
        self.view.alerts = self.view.alerts.cleared();
        self.view.query.applied = None;
        self.view.query.installed = false;
    }

    fn start_analysis(&self, ctx: &egui::Context, loaded: &Loaded) -> AnalysisState {
        let repaint = ctx.clone();
        let mut settings = self.settings.clone();
        let formats: Vec<_> = loaded
            .investigation
            .files
            .iter()
            .map(|f| f.format)
            .collect();
        settings.features = settings.features.resolve(&formats);
        AnalysisState::Running(AnalysisJob::start(
            loaded.investigation.clone(),
            settings,
            self.geoip.paths.clone(),
            self.intel.paths.clone(),
            move || repaint.request_repaint(),
        ))
    }

    /// Puts `paths` first in the recent list (not the bundled sample) and saves the list.
    fn remember(&mut self, paths: &[PathBuf]) {
        if let Some(c) = &self.case {
            self.recent.push(std::slice::from_ref(&c.path));
            self.save_recent();
            return;
        }
        let sample = sample_path().ok();
        if paths.iter().all(|p| Some(p) == sample.as_ref()) {
            return;
        }
        self.recent.push(paths);
        self.save_recent();
    }

    fn save_recent(&mut self) {
        if let Some(dir) = &self.config_dir {
            if let Err(e) = self.recent.save(dir) {
                self.view.notice = Some(format!(
                    "Cannot save the recent-files list in {}: {e}",
                    dir.display()
                ));
            }
        }
    }

    fn open_dialog(&mut self, ctx: &egui::Context) {
        if self.dialog.is_some() {
            return;
        }
        let (tx, rx) = channel();
        let repaint = ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("netsleuth-file-dialog".into())
            .spawn(move || {
                let files = rfd::FileDialog::new()
                    .set_title("Open traffic logs")
                    .add_filter(
                        "Logs",
                        &["csv", "tsv", "json", "jsonl", "log", "txt", "data", "gz"],
                    )
                    .add_filter("All files", &["*"])
                    .pick_files();
                let _ = tx.send(files);
                repaint.request_repaint();
            });
        match spawned {
            Ok(_) => {
                self.dialog = Some(DialogJob {
                    started: Instant::now(),
                    result: rx,
                });
            }
            Err(e) => self.view.notice = Some(format!("Cannot open the file dialog: {e}")),
        }
    }

    /// The views offered: every tab but Evaluation unless the files carry labels.
    fn tabs(&self) -> Vec<Tab> {
        let web = match &self.state {
            State::Ready(w) => crate::web::applies(&w.loaded.investigation.files),
            _ => false,
        };
        let labelled = match &self.state {
            State::Ready(w) => match &w.analysis {
                AnalysisState::Done(a) => a.evaluation.is_some(),
                _ => false,
            },
            _ => false,
        };
        // Presentation mode shows the views a meeting looks at, not the workbench ones.
        let presenting = self.view.presentation;
        Tab::ALL
            .into_iter()
            .filter(|&t| t != Tab::Evaluation || labelled)
            .filter(|&t| t != Tab::Web || web)
            .filter(|&t| !presenting || !matches!(t, Tab::Settings | Tab::Files))
            .filter(|&t| presenting || t != Tab::Summary)
            .collect()
    }

    fn shortcuts(&mut self, ctx: &egui::Context) {
        let tabs = self.tabs();
        let open = KeyboardShortcut::new(Modifiers::COMMAND, Key::O);
        let filter = KeyboardShortcut::new(Modifiers::COMMAND, Key::F);
        let query = KeyboardShortcut::new(Modifiers::COMMAND, Key::K);
        ctx.input_mut(|i| {
            if i.consume_shortcut(&open) {
                self.commands.push(Command::OpenDialog);
            }
            if i.consume_shortcut(&query) {
                if !views::query_bar::SHOWN_ON.contains(&self.view.tab) {
                    self.commands.push(Command::Show(Tab::Alerts));
                }
                self.view.query.focus = true;
            }
            if i.consume_shortcut(&filter) {
                self.commands.push(Command::Show(Tab::Alerts));
                self.view.alerts.focus_filter = true;
            }
            const DIGITS: [Key; 10] = [
                Key::Num0,
                Key::Num1,
                Key::Num2,
                Key::Num3,
                Key::Num4,
                Key::Num5,
                Key::Num6,
                Key::Num7,
                Key::Num8,
                Key::Num9,
            ];
            for tab in tabs.iter().copied() {
                if let Some(d) = tab.digit() {
                    if i.consume_key(Modifiers::COMMAND, DIGITS[d]) {
                        self.commands.push(Command::Show(tab));
                    }
                }
            }
            let redo = KeyboardShortcut::new(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
            let undo = KeyboardShortcut::new(Modifiers::COMMAND, Key::Z);
            let undoable = match self.view.tab {
                Tab::Blocklist if self.view.blocklist_view.editing.is_none() => {
                    Some((Command::UndoBlocklist, Command::RedoBlocklist))
                }
                Tab::Domains if self.view.domains_view.editing.is_none() => {
                    Some((Command::UndoDomains, Command::RedoDomains))
                }
                _ => None,
            };
            if let Some((undo_command, redo_command)) = undoable {
                if i.consume_shortcut(&redo) {
                    self.commands.push(redo_command);
                } else if i.consume_shortcut(&undo) {
                    self.commands.push(undo_command);
                }
            }
            if i.consume_key(Modifiers::NONE, Key::F11) {
                self.commands.push(Command::TogglePresentation);
            }
            if i.consume_key(Modifiers::NONE, Key::Escape) {
                if self.view.selected.is_some() {
                    self.commands.push(Command::Select(None));
                } else {
                    self.view.time_range = None;
                }
            }
            let dropped: Vec<PathBuf> = i
                .raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect();
            if !dropped.is_empty() {
                self.commands.push(Command::Open(dropped));
            }
        });
    }

    /// Draws the whole window. A panic while drawing is caught here and shown in a strip at
    /// the top (the analyst's work is saved as it is made, so nothing is lost); the window
    /// goes on.
    pub fn show(&mut self, ui: &mut Ui) {
        if let Some(message) = &self.internal_error {
            let mut dismissed = false;
            egui::Panel::top("internal error")
                .frame(Frame::side_top_panel(ui.style()).fill(ERROR.gamma_multiply(0.25)))
                .show(ui, |ui| {
                    ui.horizontal_wrapped(|ui| {
                        ui.label(RichText::new(message.as_str()).strong());
                        dismissed = ui.button("Dismiss").clicked();
                    });
                });
            if dismissed {
                self.internal_error = None;
            }
        }
        let drawn = worker::caught(|| {
            if let State::Ready(w) = &self.state {
                let files = w.loaded.investigation.files.iter();
                worker::fault("draw", files.map(|f| f.path.as_path()));
            }
            self.draw(ui);
        });
        if let Err(m) = drawn {
            self.internal_error = Some(worker::internal_error("drawing the window", &m));
            ui.ctx().request_repaint();
        }
    }

    fn draw(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        // A window created during a frame (as in tests) still has that frame's older style.
        if !ui.style().text_styles.contains_key(&text::style("figure")) {
            ui.set_style(ctx.global_style());
        }
        let frame = ctx.cumulative_frame_nr();
        if self.polled_frame != Some(frame) {
            self.polled_frame = Some(frame);
            self.poll(&ctx);
        }
        self.shortcuts(&ctx);
        chrome::about(&ctx, &mut self.view.about);
        let mut commands = Vec::new();
        if let Some(form) = &self.view.save_form {
            if !views::save_case::show(&ctx, form, &mut self.view.keep_logs, &mut commands) {
                self.view.save_form = None;
            }
        }
        if let Some(r) = &mut self.view.relocating {
            views::relocate::show(&ctx, r, &mut commands);
        }
        if let (Some(ev), State::Ready(w)) = (&mut self.view.events, &self.state) {
            if let Some(a) = w.shown() {
                let filter = self.view.alerts.value.as_ref();
                if !views::events_table::show(&ctx, ev, &w.loaded, a, filter, &mut commands) {
                    self.view.events = None;
                }
            }
        }
        if !self.view.presentation {
            egui::Panel::top("menu").show(ui, |ui| self.menu_bar(ui));
        }
        egui::Panel::top("header")
            .frame(Frame::side_top_panel(ui.style()).inner_margin(Margin::symmetric(16, 10)))
            .show(ui, |ui| self.header(ui));
        if !self.view.presentation {
            egui::Panel::bottom("status").show(ui, |ui| self.status_bar(ui));
        }
        if let State::Ready(w) = &self.state {
            if let (Some(a), Some(i)) = (w.shown(), self.view.selected) {
                if i < a.detection.sources.len() {
                    // Long log lines are clipped, never allowed to push the views aside.
                    let widest = (ui.available_width() * 0.55).max(380.0);
                    egui::Panel::right("source")
                        .default_size(380.0)
                        .max_size(widest)
                        .frame(Frame::side_top_panel(ui.style()).inner_margin(12))
                        .show(ui, |ui| {
                            views::source_detail::show(
                                ui,
                                &w.loaded,
                                a,
                                i,
                                &self.view,
                                &mut commands,
                            )
                        });
                }
            }
        }
        let central = egui::CentralPanel::default()
            .frame(Frame::central_panel(ui.style()).inner_margin(16))
            .show(ui, |ui| match &self.state {
                State::Loading(job) => loading_view(ui, job),
                // In a meeting every view starts at its top: a view shown afresh gets new
                // scroll positions.
                State::Ready(w) if self.view.presentation => {
                    ui.push_id(self.view.shown_epoch, |ui| {
                        workspace_view(ui, w, self.live.as_ref(), &mut self.view, &mut commands)
                    });
                }
                State::Ready(w) => {
                    workspace_view(ui, w, self.live.as_ref(), &mut self.view, &mut commands)
                }
                #[cfg(feature = "engine")]
                State::Judge(j) if j.is_running() => views::judging::running(ui, j),
                #[cfg(feature = "engine")]
                State::Judge(j) => {
                    views::judging::outcome(ui, j, &self.view.blocklist, &mut commands)
                }
                State::Failed(msg) => start_view(
                    ui,
                    msg,
                    &self.recent,
                    (&mut self.view.engine_at, &mut self.view.judge_path),
                    &mut commands,
                ),
            });
        self.central = central.response.rect;
        if let Some(png) = &mut self.pending_png {
            let frames = png.drawn.map_or(0, |(_, n)| n);
            png.drawn = Some((png_export::draw_caption(&ctx, png), frames + 1));
            ctx.request_repaint();
        }
        self.commands.extend(commands);
        self.apply(&ctx);
        self.refresh_filter(&ctx);
        self.save_view_state();
        if self.is_busy() || self.dialog.is_some() {
            ctx.request_repaint_after(Duration::from_millis(100));
        }
    }
}

impl eframe::App for NetsleuthApp {
    fn ui(&mut self, ui: &mut Ui, frame: &mut eframe::Frame) {
        let started = Instant::now();
        self.show(ui);
        if let Some(log) = &mut self.frame_log {
            let (events, state) = match &self.state {
                State::Loading(_) => (0, "loading"),
                State::Ready(w) => (
                    w.loaded.investigation.table.len(),
                    match w.analysis {
                        AnalysisState::Running(_) => "detecting",
                        AnalysisState::Scoring(..) => "scoring",
                        _ => self.view.tab.title(),
                    },
                ),
                #[cfg(feature = "engine")]
                State::Judge(_) => (0, "judging"),
                State::Failed(_) => (0, "failed"),
            };
            // The previous frame's whole CPU time (ui, layout, tessellation), as eframe measured it.
            let cpu = frame.info().cpu_usage.unwrap_or(0.0) * 1000.0;
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            let unix_ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis());
            if writeln!(log, "{unix_ms},{ms:.3},{cpu:.3},{events},{state}").is_err() {
                self.frame_log = None;
            }
        }
    }
}

//! The desktop GUI. It renders state and sends commands; reading and detection run on worker
//! threads (see [`loading`] and [`analysis`]). Views push [`Command`]s, which one handler
//! applies after the frame.

mod analysis;
mod case;
mod chrome;
mod derived;
mod loading;
mod png_export;
mod style;
mod text;
mod views;
mod widgets;
mod worker;

use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
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
use derived::{Derived, Made};
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
    /// The blocklist editor, proposals, allowlist and exports.
    Blocklist,
    /// The domain blocklist: names to block where their address must not be.
    Domains,
    /// Detectors against the ground-truth labels (only when the files carry labels).
    Evaluation,
    /// Detectors, thresholds and business hours.
    Settings,
    /// The files read, skipped rows and fields.
    Files,
}

impl Tab {
    const ALL: [Tab; 12] = [
        Tab::Summary,
        Tab::Overview,
        Tab::Alerts,
        Tab::Scatter,
        Tab::Timeline,
        Tab::Breakdown,
        Tab::Map,
        Tab::Blocklist,
        Tab::Domains,
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
            Tab::Blocklist => "Blocklist",
            Tab::Domains => "Domains",
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
            Tab::Domains | Tab::Summary => return None,
        })
    }
}

/// Something a view asks the app to do; applied after the frame by [`NetsleuthApp::apply`].
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Read these files as a new investigation.
    Open(Vec<PathBuf>),
    /// Show the system file dialog.
    OpenDialog,
    /// Select a source (by index into the detection's sources), or clear the selection.
    Select(Option<usize>),
    /// Switch view.
    Show(Tab),
    /// Toggle presentation mode.
    TogglePresentation,
    /// Toggle between the dark and light themes.
    ToggleTheme,
    /// Change the blocklist (undoable).
    EditBlocklist(Edit),
    /// Undo the last blocklist change.
    UndoBlocklist,
    /// Redo the last undone blocklist change.
    RedoBlocklist,
    /// Read a list file and add its entries (one undoable change).
    ImportList(PathBuf),
    /// Pick a file with the system dialog for the Blocklist view's import or export field.
    Browse(views::blocklist::Browse),
    /// Render the Blocklist view's export preview on a worker thread.
    RenderExport(views::export_panel::PreviewKey, crate::export::Options),
    /// Write a rendered export to a path.
    SaveExport(crate::export::Format, crate::export::Output, PathBuf),
    /// Change the domain blocklist (undoable).
    EditDomains(DomainEdit),
    /// Undo the last domain blocklist change.
    UndoDomains,
    /// Redo the last undone domain blocklist change.
    RedoDomains,
    /// Read a list of names and add them (one undoable change).
    ImportDomains(PathBuf),
    /// Render the Domains view's export preview on a worker thread.
    RenderDomainExport(
        views::domain_export::DomainPreviewKey,
        crate::domains::DomainOptions,
    ),
    /// Write a rendered domain export to a path.
    SaveDomainExport(crate::export::Output, PathBuf),
    /// Use and keep these map preferences.
    SetMapPrefs(crate::session::MapPrefs),
    /// Profile these events on a worker thread.
    Profile(views::profile::ProfileKey, Vec<u32>),
    /// Show only the sources with an event whose field (as profiles name it) holds a value.
    FilterValue(String, String),
    /// Cancel the running job.
    Cancel,
    /// Empty the recent-files list.
    ClearRecent,
    /// Save this part of the window (in points) as a PNG named for the view.
    SavePng(String, egui::Rect),
    /// Run detection again with new settings.
    Rerun(DetectionSettings),
    /// Use these files from now on, remember the choice, and run detection again: GeoIP
    /// databases consulted first (none: only those found on the machine and the bundled one),
    /// or the threat lists matched against every source (none: no list).
    ChooseFiles(Chosen, Vec<PathBuf>),
    /// Open the investigation file at this path, with its logs.
    OpenCase(PathBuf),
    /// Save what the window holds as a new investigation file at this path, and keep working
    /// in it.
    SaveCaseAs(PathBuf),
    /// Ask for an investigation file to save as (`true`) or to open.
    CaseDialog(bool),
    /// Set the analyst's verdict and note on a source.
    Annotate(IpAddr, Annotation),
    /// Set the case summary.
    SetSummary(String),
    /// Write the incident report to this path (`.md` for Markdown, else HTML).
    ExportReport(PathBuf),
    /// Ask where the incident report goes.
    ReportDialog,
    /// Close the investigation file; the logs stay open.
    CloseCase,
    /// Write the sources the alerts table lists, in its order, as CSV to this path.
    ExportAlerts(PathBuf),
    /// Ask where the alerts' CSV goes.
    AlertsCsvDialog,
    /// Write every event that passes the filters and time range, with its scores, as CSV to
    /// this path.
    ExportEvents(PathBuf),
    /// Ask where the events' CSV goes.
    EventsCsvDialog,
    /// Show the dialog before saving as an investigation (whether to keep the logs inside).
    SaveCaseForm,
    /// A missing log of the investigation (by its place in the relocation dialog) is at this
    /// path; `true` takes it even if it is not the same log.
    Relocate(usize, PathBuf, bool),
    /// Ask for a missing log's new place in the desktop's dialog.
    LocateDialog(usize),
    /// Open the investigation without this missing log, this time.
    LeaveOut(usize),
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
}

/// Lists this long are saved on a worker thread, so that an edit never holds up a frame; shorter
/// ones are saved before the next frame.
const BACKGROUND_SAVE: usize = 5_000;

/// The worker that saves a large list (the blocklist, the domain blocklist): it writes the
/// latest list it was given, one save at a time, and finishes its last save when the app
/// closes.
struct Saver<T> {
    sender: Option<std::sync::mpsc::Sender<T>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl<T: Send + 'static> Saver<T> {
    /// Starts the worker saving `what` ("the blocklist") with `save` into `dir`.
    fn start(
        dir: PathBuf,
        report: std::sync::mpsc::Sender<JobResult>,
        what: &'static str,
        save: fn(&T, &std::path::Path) -> std::io::Result<()>,
    ) -> Saver<T> {
        let (sender, lists) = channel::<T>();
        let thread = std::thread::Builder::new()
            .name("netsleuth-list-saver".into())
            .spawn(move || {
                while let Ok(mut list) = lists.recv() {
                    while let Ok(newer) = lists.try_recv() {
                        list = newer;
                    }
                    if let Err(e) = save(&list, &dir) {
                        let _ = report.send(JobResult::SaveFailed(format!(
                            "Cannot save {what} in {}: {e}",
                            dir.display()
                        )));
                    }
                }
            })
            .ok();
        Saver {
            sender: Some(sender),
            thread,
        }
    }

    fn save(&self, list: T) {
        if let Some(s) = &self.sender {
            let _ = s.send(list);
        }
    }
}

impl<T> Drop for Saver<T> {
    fn drop(&mut self) {
        self.sender = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A list file read and admitted on a worker, with the list as it is once the file is added,
/// so that the UI thread only swaps it in (unless the list changed meanwhile).
struct ImportDone {
    skipped: Vec<crate::blocklist::Skipped>,
    admitted: crate::blocklist::Admitted,
    /// The list generation the import was added to.
    base: u64,
    /// That list with the import added.
    list: Blocklist,
    /// Its coverage index.
    coverage: Coverage,
    /// The edit that undoes the import.
    undo: Edit,
}

/// A list of names read and admitted on a worker, with the domain list as it is once they are
/// added.
struct DomainImportDone {
    skipped: Vec<crate::blocklist::Skipped>,
    admitted: crate::domains::Admitted,
    /// The list generation the import was added to.
    base: u64,
    /// That list with the import added.
    list: DomainList,
    /// The edit that undoes the import.
    undo: DomainEdit,
}

/// What a list import or an export on a worker thread gave.
enum JobResult {
    /// A list file read and added to a copy of the list as it was (or why not).
    Imported(PathBuf, Result<Box<ImportDone>, String>),
    /// A list of names read and added to a copy of the domain list as it was (or why not).
    DomainsImported(PathBuf, Result<Box<DomainImportDone>, String>),
    /// An export preview rendered.
    Preview(Box<views::export_panel::Preview>),
    /// A domain export preview rendered.
    DomainPreview(Box<views::domain_export::DomainPreview>),
    /// A field profile computed, of so many events.
    Profiled(
        Box<(
            views::profile::ProfileKey,
            u64,
            Vec<crate::events::FieldProfile>,
        )>,
    ),
    /// A background save failed.
    SaveFailed(String),
    /// An export written (entries, and the path or why not).
    Exported(usize, Result<PathBuf, String>),
    /// A path picked in a file dialog for a field (none when cancelled).
    Picked(views::blocklist::Browse, Option<PathBuf>),
    /// An investigation file opened or created (or why not).
    CaseOpened(Result<Box<case::CaseLoaded>, String>),
    /// An investigation file picked in the dialog: to save as (`true`) or to open.
    CasePicked(bool, PathBuf),
    /// Where the report goes, picked in the dialog.
    ReportPicked(PathBuf),
    /// Where the alerts' CSV goes, picked in the dialog.
    AlertsCsvPicked(PathBuf),
    /// Where the events' CSV goes, picked in the dialog.
    EventsCsvPicked(PathBuf),
    /// A worker's outcome, for the status bar.
    Said(String),
    /// No file dialog could open for this.
    NoDialog(case::FileDialog),
    /// The report written (its file) or why not.
    ReportWritten(Result<PathBuf, String>),
    /// About how much copies of the logs would take in an investigation.
    CopyEstimate(u64),
    /// A missing log's new place, picked in the dialog.
    LogPicked(usize, PathBuf),
}

/// The blocklist with its undo history and coverage index.
#[derive(Debug, Clone, Default)]
pub struct BlocklistState {
    /// The list as saved.
    pub list: Blocklist,
    /// Undo and redo.
    pub history: History,
    /// Which entry covers an address, rebuilt after every change.
    pub coverage: Coverage,
    /// The file on disk exists but could not be read: never overwrite it.
    pub unreadable: bool,
    /// Changes with every edit, so that views can cache what they derive.
    pub generation: u64,
}

impl BlocklistState {
    /// Replaces the list (as loaded), with an empty history.
    pub fn set(&mut self, list: Blocklist) {
        self.coverage = list.coverage();
        self.list = list;
        self.history = History::default();
    }

    /// The decision about `ip`, for the source panel and the alerts table.
    pub fn decision(&self, ip: IpAddr) -> Option<Decision> {
        self.list.decision(&self.coverage, ip)
    }

    /// The edit that toggles `d` about the source `v` of the open investigation, an entry
    /// from `origin` with its findings (or top reason) and confidence when it blocks.
    pub fn toggle(&self, v: &SourceVerdict, d: Decision, origin: Origin) -> Edit {
        self.list
            .toggle(v.stats.ip, d, || crate::blocklist::entry_for(v, origin))
    }
}

/// The domain blocklist with its undo history, and the names detection proposes.
#[derive(Debug, Clone, Default)]
pub struct DomainsState {
    /// The list as saved.
    pub list: DomainList,
    /// Undo and redo.
    pub history: History<DomainList>,
    /// The file on disk exists but could not be read: never overwrite it.
    pub unreadable: bool,
    /// Changes with every edit, so that views can cache what they derive.
    pub generation: u64,
    /// The names detection proposes for blocking, for the analyst to accept or reject.
    pub proposals: Vec<DomainProposal>,
    /// Changes whenever new proposals arrive.
    pub proposals_generation: u64,
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
        }
    }
}

impl ViewState {
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
        let mut app = NetsleuthApp {
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
        };
        let last_case = app
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
                    app.state = State::Failed(format!("Cannot write the bundled sample: {e}"));
                    return app;
                }
            }
        } else {
            files
        };
        match files.as_slice() {
            [one] if is_case(one) => app.open_case(ctx, one.clone()),
            _ => app.open(ctx, files),
        }
        app
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
            }
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
        self.view.selected = None;
        self.view.settings_draft = None;
        self.view.time_range = None;
        // Filters set for other files never stay on, hidden, for these.
        self.view.alerts = self.view.alerts.cleared();
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

    /// Takes finished results from the workers.
    fn poll(&mut self, ctx: &egui::Context) {
        match &mut self.state {
            State::Loading(job) => {
                let Some(result) = job.poll() else {
                    return;
                };
                let paths = job.paths.clone();
                self.state = match result {
                    Ok(loaded) => {
                        if !loaded.investigation.files.is_empty() {
                            self.remember(&paths);
                        }
                        let title = match &self.case {
                            Some(c) => format!("netsleuth — {}", c.name()),
                            None => window_title(&loaded.investigation),
                        };
                        ctx.send_viewport_cmd(egui::ViewportCommand::Title(title));
                        let analysis = self.start_analysis(ctx, &loaded);
                        State::Ready(Box::new(Workspace { loaded, analysis }))
                    }
                    Err(ReadError::Cancelled) => State::Failed("Reading was cancelled.".into()),
                    Err(e) => State::Failed(e.to_string()),
                };
            }
            State::Ready(w) => {
                match w.job().and_then(AnalysisJob::poll) {
                    Some(Delivery::Sources(a)) => {
                        self.view.domains.proposals = crate::domains::from_detection(&a.detection);
                        self.view.domains.proposals_generation += 1;
                        let state = std::mem::replace(&mut w.analysis, AnalysisState::Cancelled);
                        if let AnalysisState::Running(job) | AnalysisState::Scoring(job, _) = state
                        {
                            w.analysis = AnalysisState::Scoring(job, Arc::new(a));
                        }
                        self.view.marked.clear();
                    }
                    Some(Delivery::Finished(Ok(a))) => {
                        if let (Some(c), Some(dir)) = (&self.case, &self.settings.cache_dir) {
                            let keys = a.detection.model_keys();
                            c.worker.save(case::CaseWrite::Models(dir.clone(), keys));
                        }
                        self.view.domains.proposals = crate::domains::from_detection(&a.detection);
                        self.view.domains.proposals_generation += 1;
                        // The sources shown while the events were scored are the same: marks
                        // made meanwhile stay.
                        if matches!(w.analysis, AnalysisState::Running(_)) {
                            self.view.marked.clear();
                        }
                        w.analysis = AnalysisState::Done(Arc::new(a));
                    }
                    Some(Delivery::Finished(Err(Stopped::Cancelled))) => {
                        w.analysis = AnalysisState::Cancelled
                    }
                    Some(Delivery::Finished(Err(Stopped::Failed(m)))) => {
                        w.analysis = AnalysisState::Failed(m)
                    }
                    None => {}
                }
            }
            State::Failed(_) => {}
        }
        while let Ok(result) = self.job_results.try_recv() {
            match result {
                JobResult::Imported(path, Ok(done)) => {
                    let ImportDone {
                        skipped,
                        admitted,
                        base,
                        list,
                        coverage,
                        undo,
                    } = *done;
                    let mut report = format!(
                        "{}: {} added",
                        path.display(),
                        thousands(admitted.entries.len() as u64)
                    );
                    if admitted.duplicates > 0 {
                        report.push_str(&format!(
                            ", {} already listed",
                            thousands(admitted.duplicates as u64)
                        ));
                    }
                    let left_out: Vec<_> = skipped.iter().chain(&admitted.protected).collect();
                    if !left_out.is_empty() {
                        report.push_str(&format!(
                            ", {} lines left out",
                            thousands(left_out.len() as u64)
                        ));
                        for s in left_out.iter().take(5) {
                            report.push_str(&format!("\nline {}: {}", s.line, s.why));
                        }
                        if left_out.len() > 5 {
                            report.push_str(&format!(
                                "\nand {} more",
                                thousands(left_out.len() as u64 - 5)
                            ));
                        }
                    }
                    self.view.blocklist_view.import_report = Some(report);
                    let b = &mut self.view.blocklist;
                    if b.generation == base {
                        if b.history.record(undo) {
                            b.list = list;
                            b.coverage = coverage;
                            self.blocklist_edited();
                        }
                    } else if b.history.apply(&mut b.list, Edit::put(admitted.entries)) {
                        self.blocklist_changed();
                    }
                }
                JobResult::Preview(preview) => self.view.blocklist_view.export.receive(*preview),
                JobResult::DomainPreview(preview) => {
                    self.view.domains_view.export.receive(*preview)
                }
                JobResult::DomainsImported(path, Ok(done)) => self.domains_imported(&path, *done),
                JobResult::DomainsImported(_, Err(e)) => {
                    self.view.domains_view.import_report = Some(e);
                }
                JobResult::Profiled(done) => {
                    let (key, events, fields) = *done;
                    self.view.profile.receive(key, events, fields);
                }
                JobResult::Imported(_, Err(e)) => {
                    self.view.blocklist_view.import_report = Some(e);
                }
                JobResult::SaveFailed(e) => self.view.notice = Some(e),
                JobResult::CaseOpened(Ok(loaded)) => {
                    self.case_pending = false;
                    self.case_opened(ctx, *loaded);
                }
                JobResult::CaseOpened(Err(e)) => {
                    self.case_pending = false;
                    self.view.notice = Some(e);
                }
                JobResult::CasePicked(true, path) => self.commands.push(Command::SaveCaseAs(path)),
                JobResult::CasePicked(false, path) => self.commands.push(Command::OpenCase(path)),
                JobResult::ReportPicked(path) => self.commands.push(Command::ExportReport(path)),
                JobResult::Said(m) => self.view.notice = Some(m),
                JobResult::NoDialog(kind) => self.no_dialog(kind),
                JobResult::AlertsCsvPicked(path) => self.commands.push(Command::ExportAlerts(path)),
                JobResult::EventsCsvPicked(path) => self.commands.push(Command::ExportEvents(path)),
                JobResult::CopyEstimate(bytes) => {
                    if let Some(f) = &mut self.view.save_form {
                        f.estimate = Some(bytes);
                    }
                }
                JobResult::LogPicked(i, path) => {
                    self.commands.push(Command::Relocate(i, path, false))
                }
                JobResult::ReportWritten(result) => {
                    self.view.notice = Some(match result {
                        Ok(path) => format!("Wrote the report to {}", path.display()),
                        Err(e) => format!("Report failed: {e}"),
                    });
                }
                JobResult::Picked(views::blocklist::Browse::GeoIp, Some(path)) => {
                    self.commands
                        .push(Command::ChooseFiles(Chosen::GeoIp, vec![path]));
                }
                JobResult::Picked(
                    views::blocklist::Browse::ThreatList | views::blocklist::Browse::ThreatFolder,
                    Some(path),
                ) => {
                    let mut paths = self.intel.paths.clone();
                    if !paths.contains(&path) {
                        paths.push(path);
                    }
                    self.commands
                        .push(Command::ChooseFiles(Chosen::ThreatLists, paths));
                }
                JobResult::Picked(
                    target @ (views::blocklist::Browse::DomainImport
                    | views::blocklist::Browse::DomainExport),
                    Some(path),
                ) => {
                    self.view.domains_view.set_path(target, &path);
                }
                JobResult::Picked(target, Some(path)) => {
                    self.view.blocklist_view.set_path(target, &path);
                }
                JobResult::Picked(_, None) => {}
                JobResult::Exported(count, result) => {
                    self.view.notice = Some(match result {
                        Ok(path) => format!(
                            "Exported {} entries to {}",
                            thousands(count as u64),
                            path.display()
                        ),
                        Err(e) => format!("Export failed: {e}"),
                    });
                }
            }
        }
        while let Ok(result) = self.png_results.try_recv() {
            self.view.notice = Some(match result {
                Ok(path) => format!("Saved {}", path.display()),
                Err(e) => format!("Could not save the PNG: {e}"),
            });
        }
        if let Some(d) = &self.dialog {
            if let Ok(result) = d.result.try_recv() {
                let quick = d.started.elapsed() < Duration::from_millis(400);
                self.dialog = None;
                match result {
                    Some(files) if !files.is_empty() => self.commands.push(Command::Open(files)),
                    // A dialog that closes at once never opened: no portal and no zenity.
                    _ if quick => {
                        self.view.path_field = true;
                        self.view.notice = Some(
                            "The file dialog could not open (no desktop portal or zenity). \
                             Type a path in the field above instead."
                                .into(),
                        );
                    }
                    _ => {}
                }
            }
        }
    }

    /// Applies the queued commands.
    fn apply(&mut self, ctx: &egui::Context) {
        // Captured in the frame that drew its caption.
        if self
            .pending_png
            .as_ref()
            .is_some_and(|p| p.drawn.is_some_and(|(_, frames)| frames >= 2))
        {
            if let Some(png) = self.pending_png.take() {
                png_export::request(ctx, png, self.png_sender.clone());
            }
        }
        for command in std::mem::take(&mut self.commands) {
            match command {
                Command::Open(files) => match files.as_slice() {
                    [one] if is_case(one) => self.open_case(ctx, one.clone()),
                    _ => {
                        self.leave_case();
                        self.open(ctx, files)
                    }
                },
                Command::OpenCase(path) => self.open_case(ctx, path),
                Command::SaveCaseAs(path) => self.save_case_as(ctx, path),
                Command::CaseDialog(save) => self.case_dialog(ctx, save),
                Command::ExportReport(path) => self.export_report(ctx, path),
                Command::ReportDialog => self.ask(ctx, case::FileDialog::Report),
                Command::ExportAlerts(path) => self.export_alerts(ctx, path),
                Command::AlertsCsvDialog => self.ask(ctx, case::FileDialog::AlertsCsv),
                Command::ExportEvents(path) => self.export_events(ctx, path),
                Command::EventsCsvDialog => self.ask(ctx, case::FileDialog::EventsCsv),
                Command::SaveCaseForm => self.save_form(ctx),
                Command::Relocate(i, path, anyway) => self.relocate(ctx, i, path, anyway),
                Command::LocateDialog(i) => self.ask(ctx, case::FileDialog::LocateLog(i)),
                Command::LeaveOut(i) => {
                    if let Some(m) = self
                        .view
                        .relocating
                        .as_mut()
                        .and_then(|r| r.missing.get_mut(i))
                    {
                        m.left_out = true;
                    }
                    self.relocation_settled(ctx);
                }
                Command::CloseCase => {
                    self.leave_case();
                    ctx.send_viewport_cmd(egui::ViewportCommand::Title(self.title()));
                }
                Command::Annotate(ip, a) => {
                    if let Some(c) = &self.case {
                        c.worker.save(case::CaseWrite::Annotation(ip, a.clone()));
                    }
                    if a.is_empty() {
                        self.view.annotations.remove(&ip);
                    } else {
                        self.view.annotations.insert(ip, a);
                    }
                    self.view.judged_changed();
                }
                Command::SetSummary(text) => {
                    if let Some(c) = &self.case {
                        c.worker.save(case::CaseWrite::Summary(text.clone()));
                    }
                    self.view.summary = text;
                }
                Command::OpenDialog => self.open_dialog(ctx),
                Command::Select(i) => self.view.selected = i,
                Command::Show(tab) => {
                    self.view.tab = tab;
                    self.view.shown_epoch += 1;
                }
                Command::TogglePresentation => {
                    self.view.presentation = !self.view.presentation;
                    self.view.shown_epoch += 1;
                    // The meeting starts on the summary slide; the workbench on the overview.
                    if self.view.presentation {
                        self.view.tab = Tab::Summary;
                    } else if self.view.tab == Tab::Summary {
                        self.view.tab = Tab::Overview;
                    }
                    apply_style(ctx, &self.view);
                    // The big screen gets the whole screen, not a window with its frame.
                    ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(
                        self.view.presentation,
                    ));
                }
                Command::ToggleTheme => {
                    self.view.dark = !self.view.dark;
                    apply_style(ctx, &self.view);
                }
                Command::EditBlocklist(mut edit) => {
                    self.attribute(&mut edit);
                    let b = &mut self.view.blocklist;
                    let before = b.list.entries.len();
                    if b.history.apply(&mut b.list, edit) {
                        let added = b.list.entries.len().saturating_sub(before);
                        if added > 1 {
                            self.view.notice = Some(format!(
                                "Added {} entries to the blocklist (Ctrl+Z in the Blocklist view \
                                 undoes it)",
                                thousands(added as u64)
                            ));
                        }
                        self.blocklist_changed();
                    }
                }
                Command::UndoBlocklist => {
                    let b = &mut self.view.blocklist;
                    if b.history.undo(&mut b.list) {
                        self.blocklist_changed();
                    }
                }
                Command::RedoBlocklist => {
                    let b = &mut self.view.blocklist;
                    if b.history.redo(&mut b.list) {
                        self.blocklist_changed();
                    }
                }
                Command::ImportList(path) => {
                    let sender = self.job_sender.clone();
                    let ctx = ctx.clone();
                    let snapshot = self.view.blocklist.list.clone();
                    let base = self.view.blocklist.generation;
                    std::thread::spawn(move || {
                        let result = worker::caught(|| {
                            crate::blocklist::read_list_file(
                                &path,
                                crate::ingest::DEFAULT_MAX_LINE_BYTES,
                            )
                            .map(|read| {
                                let admitted = crate::blocklist::admit(
                                    &snapshot,
                                    read.candidates,
                                    Origin::Import,
                                );
                                let mut list = snapshot;
                                let undo = list.apply(Edit::put(admitted.entries.clone()));
                                Box::new(ImportDone {
                                    skipped: read.skipped,
                                    admitted,
                                    base,
                                    coverage: list.coverage(),
                                    list,
                                    undo,
                                })
                            })
                            .map_err(|e| format!("cannot read {}: {e}", path.display()))
                        })
                        .unwrap_or_else(|m| Err(worker::internal_error("importing the list", &m)));
                        let _ = sender.send(JobResult::Imported(path, result));
                        ctx.request_repaint();
                    });
                    self.view.blocklist_view.import_report = Some("Reading the list…".into());
                }
                Command::Browse(target) => {
                    let sender = self.job_sender.clone();
                    let ctx = ctx.clone();
                    let suggested = match target {
                        views::blocklist::Browse::DomainExport => {
                            self.view.domains_view.export.form.path.clone()
                        }
                        _ => self.view.blocklist_view.export.form.path.clone(),
                    };
                    std::thread::spawn(move || {
                        let picked = target.pick(&suggested);
                        let _ = sender.send(JobResult::Picked(target, picked));
                        ctx.request_repaint();
                    });
                }
                Command::RenderExport(key, opts) => {
                    let sender = self.job_sender.clone();
                    let ctx = ctx.clone();
                    let entries = self.view.blocklist.list.entries.clone();
                    std::thread::spawn(move || {
                        let preview = worker::caught(|| {
                            views::export_panel::Preview::render(key.clone(), &entries, &opts)
                        })
                        .unwrap_or_else(|m| {
                            views::export_panel::Preview::failed(
                                key,
                                worker::internal_error("rendering the export", &m),
                            )
                        });
                        let _ = sender.send(JobResult::Preview(Box::new(preview)));
                        ctx.request_repaint();
                    });
                }
                Command::Profile(key, rows) => {
                    if let State::Ready(w) = &self.state {
                        let inv = Arc::clone(&w.loaded.investigation);
                        let sender = self.job_sender.clone();
                        let ctx = ctx.clone();
                        std::thread::spawn(move || {
                            let fields =
                                worker::caught(|| crate::events::profile(&inv.table, &rows))
                                    .unwrap_or_default();
                            let _ = sender.send(JobResult::Profiled(Box::new((
                                key,
                                rows.len() as u64,
                                fields,
                            ))));
                            ctx.request_repaint();
                        });
                    }
                }
                Command::FilterValue(field, value) => {
                    if let State::Ready(w) = &self.state {
                        if let Some(a) = w.shown() {
                            let t = &w.loaded.investigation.table;
                            if field == "source_ip" {
                                let ip = value.parse::<IpAddr>().ok();
                                let at = a
                                    .detection
                                    .sources
                                    .iter()
                                    .position(|s| Some(s.stats.ip) == ip);
                                self.view.selected = at;
                            } else {
                                let filter = views::alerts::ValueFilter::new(t, a, &field, &value);
                                self.view.notice = Some(format!(
                                    "Every view shows the {} sources with an event where {field} = {}",
                                    thousands(filter.sources.len() as u64),
                                    crate::export::sanitize::one_line(&value, 60)
                                ));
                                self.view.alerts.value = Some(filter);
                            }
                            self.view.profile.scope = views::profile::ProfileScope::Selection;
                        }
                    }
                }
                Command::SetMapPrefs(prefs) => {
                    if let Some(dir) = &self.config_dir {
                        if let Err(e) = prefs.save(dir) {
                            self.view.notice = Some(format!(
                                "Cannot keep the map's preferences in {}: {e}",
                                dir.display()
                            ));
                        }
                    }
                    self.view.map.prefs = prefs;
                }
                Command::SaveExport(format, output, path) => {
                    let sender = self.job_sender.clone();
                    let ctx = ctx.clone();
                    std::thread::spawn(move || {
                        let result = worker::caught(|| {
                            crate::export::write(format, &output, &path)
                                .map(|_| path.clone())
                                .map_err(|e| format!("cannot write {}: {e}", path.display()))
                        })
                        .unwrap_or_else(|m| Err(worker::internal_error("exporting", &m)));
                        let _ = sender.send(JobResult::Exported(output.count, result));
                        ctx.request_repaint();
                    });
                }
                Command::EditDomains(edit) => {
                    let d = &mut self.view.domains;
                    if d.history.apply(&mut d.list, edit) {
                        self.domains_changed();
                    }
                }
                Command::UndoDomains => {
                    let d = &mut self.view.domains;
                    if d.history.undo(&mut d.list) {
                        self.domains_changed();
                    }
                }
                Command::RedoDomains => {
                    let d = &mut self.view.domains;
                    if d.history.redo(&mut d.list) {
                        self.domains_changed();
                    }
                }
                Command::ImportDomains(path) => {
                    let sender = self.job_sender.clone();
                    let ctx = ctx.clone();
                    let snapshot = self.view.domains.list.clone();
                    let base = self.view.domains.generation;
                    std::thread::spawn(move || {
                        let result = worker::caught(|| {
                            crate::domains::read_names_file(&path)
                                .map(|read| {
                                    let admitted = crate::domains::admit(
                                        &snapshot,
                                        read.candidates,
                                        crate::domains::Origin::Import,
                                    );
                                    let mut list = snapshot;
                                    let undo =
                                        list.apply(DomainEdit::put(admitted.entries.clone()));
                                    Box::new(DomainImportDone {
                                        skipped: read.skipped,
                                        admitted,
                                        base,
                                        list,
                                        undo,
                                    })
                                })
                                .map_err(|e| format!("cannot read {}: {e}", path.display()))
                        })
                        .unwrap_or_else(|m| Err(worker::internal_error("importing the names", &m)));
                        let _ = sender.send(JobResult::DomainsImported(path, result));
                        ctx.request_repaint();
                    });
                    self.view.domains_view.import_report = Some("Reading the list…".into());
                }
                Command::RenderDomainExport(key, opts) => {
                    let sender = self.job_sender.clone();
                    let ctx = ctx.clone();
                    let list = self.view.domains.list.clone();
                    std::thread::spawn(move || {
                        let preview = worker::caught(|| {
                            views::domain_export::DomainPreview::render(key.clone(), &list, &opts)
                        })
                        .unwrap_or_else(|m| {
                            views::domain_export::DomainPreview::failed(
                                key,
                                worker::internal_error("rendering the domain export", &m),
                            )
                        });
                        let _ = sender.send(JobResult::DomainPreview(Box::new(preview)));
                        ctx.request_repaint();
                    });
                }
                Command::SaveDomainExport(output, path) => {
                    let sender = self.job_sender.clone();
                    let ctx = ctx.clone();
                    std::thread::spawn(move || {
                        let result = worker::caught(|| {
                            crate::domains::write(&output, &path)
                                .map_err(|e| format!("cannot write {}: {e}", path.display()))
                        })
                        .unwrap_or_else(|m| Err(worker::internal_error("exporting", &m)));
                        let _ = sender.send(JobResult::Exported(output.count, result));
                        ctx.request_repaint();
                    });
                }
                Command::Cancel => match &self.state {
                    State::Loading(job) => job.cancel(),
                    State::Ready(w) => {
                        if let Some(job) = w.job() {
                            job.cancel();
                        }
                    }
                    State::Failed(_) => {}
                },
                Command::SavePng(view, rect) => {
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs() as i64);
                    let path = self.export_dir.join(png_export::file_name(&view, now));
                    // Captured a frame later, once menus and hover highlights are gone.
                    self.pending_png = Some(png_export::PendingPng {
                        rect,
                        path,
                        caption: self.png_caption(&view),
                        drawn: None,
                    });
                    ctx.request_repaint();
                    self.view.notice = Some(format!("Saving the {view} as PNG…"));
                }
                Command::ClearRecent => {
                    self.recent = RecentFiles::default();
                    self.save_recent();
                }
                Command::ChooseFiles(what, paths) => {
                    let choice = ChosenFiles { paths };
                    if let Some(dir) = &self.config_dir {
                        if let Err(e) = choice.save(dir, what) {
                            self.view.notice =
                                Some(format!("Cannot save the choice in {}: {e}", dir.display()));
                        }
                    }
                    match what {
                        Chosen::GeoIp => self.geoip = choice,
                        Chosen::ThreatLists => self.intel = choice,
                    }
                    self.commands.push(Command::Rerun(self.settings.clone()));
                }
                Command::Rerun(settings) => {
                    if let Some(c) = &self.case {
                        c.worker
                            .save(case::CaseWrite::Settings(Box::new(settings.clone())));
                    }
                    self.settings = settings;
                    if let State::Ready(w) = &self.state {
                        let analysis = self.start_analysis(ctx, &w.loaded);
                        if let State::Ready(w) = &mut self.state {
                            w.analysis = analysis;
                        }
                    }
                }
            }
        }
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

    /// After a blocklist change: the index, the generation, and the save.
    fn blocklist_changed(&mut self) {
        let b = &mut self.view.blocklist;
        b.coverage = b.list.coverage();
        self.blocklist_edited();
    }

    /// After a change whose coverage index is already rebuilt: a new generation, saved.
    fn blocklist_edited(&mut self) {
        self.view.blocklist.generation += 1;
        self.save_blocklist();
    }

    /// Saves the blocklist after every change. When the file on disk could not be read at
    /// start, it is left alone (and the analyst told) rather than overwritten.
    fn save_blocklist(&mut self) {
        if self.view.blocklist.unreadable {
            return;
        }
        if let Some(c) = &self.case {
            let list = &self.view.blocklist.list;
            c.worker.save(case::CaseWrite::Blocklist(
                Box::new(list.clone()),
                format!("{} entries", thousands(list.entries.len() as u64)),
            ));
            // The allowlist is the organisation's: it goes to the list kept for every file.
            let (Some(global), Some(dir)) = (&mut self.global, &self.config_dir) else {
                return;
            };
            if global.allowlist != list.allowlist {
                global.allowlist = list.allowlist.clone();
                if let Err(e) = crate::blocklist::save(global, dir) {
                    self.view.notice = Some(format!(
                        "Cannot save the allowlist in {}: {e}",
                        dir.display()
                    ));
                }
            }
            return;
        }
        let Some(dir) = &self.config_dir else {
            return;
        };
        let list = &self.view.blocklist.list;
        if list.entries.len() < BACKGROUND_SAVE {
            if let Err(e) = crate::blocklist::save(list, dir) {
                self.view.notice = Some(format!(
                    "Cannot save the blocklist in {}: {e}",
                    dir.display()
                ));
            }
            return;
        }
        let saver = self.saver.get_or_insert_with(|| {
            Saver::start(
                dir.clone(),
                self.job_sender.clone(),
                "the blocklist",
                crate::blocklist::save,
            )
        });
        saver.save(list.clone());
    }

    /// Takes in a list of names read on a worker: the list it made when the domain list has
    /// not changed since, else its entries added again to the list as it is now.
    fn domains_imported(&mut self, path: &std::path::Path, done: DomainImportDone) {
        let DomainImportDone {
            skipped,
            admitted,
            base,
            list,
            undo,
        } = done;
        let mut report = format!(
            "{}: {} added",
            path.display(),
            thousands(admitted.entries.len() as u64)
        );
        if admitted.duplicates > 0 {
            report.push_str(&format!(
                ", {} already listed",
                thousands(admitted.duplicates as u64)
            ));
        }
        let mut left_out: Vec<_> = skipped.iter().chain(&admitted.refused).collect();
        left_out.sort_by_key(|s| s.line);
        if !left_out.is_empty() {
            report.push_str(&format!(
                ", {} lines left out",
                thousands(left_out.len() as u64)
            ));
            for s in left_out.iter().take(5) {
                report.push_str(&format!("\nline {}: {}", s.line, s.why));
            }
            if left_out.len() > 5 {
                report.push_str(&format!(
                    "\nand {} more",
                    thousands(left_out.len() as u64 - 5)
                ));
            }
        }
        self.view.domains_view.import_report = Some(report);
        let d = &mut self.view.domains;
        let changed = if d.generation == base {
            d.history.record(undo) && {
                d.list = list;
                true
            }
        } else {
            d.history
                .apply(&mut d.list, DomainEdit::put(admitted.entries))
        };
        if changed {
            self.domains_changed();
        }
    }

    /// After a domain blocklist change: a new generation, saved (unless the file on disk could
    /// not be read at start, which is then left alone).
    fn domains_changed(&mut self) {
        self.view.domains.generation += 1;
        if self.view.domains.unreadable {
            return;
        }
        let Some(dir) = &self.config_dir else {
            return;
        };
        let list = &self.view.domains.list;
        if list.entries.len() < BACKGROUND_SAVE {
            if let Err(e) = crate::domains::save(list, dir) {
                self.view.notice = Some(format!(
                    "Cannot save the domain blocklist in {}: {e}",
                    dir.display()
                ));
            }
            return;
        }
        let saver = self.domain_saver.get_or_insert_with(|| {
            Saver::start(
                dir.clone(),
                self.job_sender.clone(),
                "the domain blocklist",
                crate::domains::save,
            )
        });
        saver.save(list.clone());
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
            .filter(|&t| !presenting || !matches!(t, Tab::Settings | Tab::Files))
            .filter(|&t| presenting || t != Tab::Summary)
            .collect()
    }

    fn shortcuts(&mut self, ctx: &egui::Context) {
        let tabs = self.tabs();
        let open = KeyboardShortcut::new(Modifiers::COMMAND, Key::O);
        let filter = KeyboardShortcut::new(Modifiers::COMMAND, Key::F);
        ctx.input_mut(|i| {
            if i.consume_shortcut(&open) {
                self.commands.push(Command::OpenDialog);
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
                        workspace_view(ui, w, &mut self.view, &mut commands)
                    });
                }
                State::Ready(w) => workspace_view(ui, w, &mut self.view, &mut commands),
                State::Failed(msg) => start_view(ui, msg, &self.recent, &mut commands),
            });
        self.central = central.response.rect;
        if let Some(png) = &mut self.pending_png {
            let frames = png.drawn.map_or(0, |(_, n)| n);
            png.drawn = Some((png_export::draw_caption(&ctx, png), frames + 1));
            ctx.request_repaint();
        }
        self.commands.extend(commands);
        self.apply(&ctx);
        self.save_view_state();
        if self.is_busy() || self.dialog.is_some() {
            ctx.request_repaint_after(Duration::from_millis(100));
        }
    }
}

/// The central view of a loaded workspace.
fn workspace_view(ui: &mut Ui, w: &Workspace, view: &mut ViewState, out: &mut Vec<Command>) {
    let analysis = w.shown();
    let events = w.loaded.investigation.table.len() as u64;
    // The views that wait for the events' scores say so in the middle instead.
    let waiting = matches!(
        view.tab,
        Tab::Scatter | Tab::Timeline | Tab::Map | Tab::Breakdown | Tab::Evaluation
    );
    if let (AnalysisState::Scoring(job, _), false) = (&w.analysis, waiting) {
        scoring_strip(ui, job, events, out);
    }
    if let (Some((lo, hi)), Some(_)) = (view.time_range, analysis) {
        if !matches!(
            view.tab,
            Tab::Files | Tab::Settings | Tab::Evaluation | Tab::Blocklist | Tab::Domains
        ) {
            ui.horizontal(|ui| {
                ui.label(
                    RichText::new(format!("Time range {}", text::time_range(lo, hi)))
                        .color(Color32::from_rgb(90, 160, 240))
                        .strong(),
                );
                ui.label(RichText::new("filters the alerts, scatter and breakdown").weak());
                if ui.small_button("Clear time range").clicked() {
                    view.time_range = None;
                }
            });
            ui.add_space(4.0);
        }
    }
    match (view.tab, analysis) {
        (Tab::Blocklist, a) => {
            views::blocklist::show(ui, Some(&w.loaded), a.map(Arc::as_ref), view, out)
        }
        (Tab::Domains, _) => views::domains::show(ui, Some(&w.loaded), view, out),
        (Tab::Files, a) => {
            egui::ScrollArea::vertical()
                .auto_shrink(false)
                .show(ui, |ui| {
                    views::files::show(ui, &w.loaded, a.map(Arc::as_ref), view, out)
                });
        }
        (_, None) => {
            ui.vertical_centered(|ui| {
                ui.add_space(ui.available_height() * 0.3);
                match &w.analysis {
                    AnalysisState::Running(job) | AnalysisState::Scoring(job, _) => {
                        let title = format!("Detecting anomalies in {} events…", thousands(events));
                        detection_progress(ui, job, &title, out);
                    }
                    AnalysisState::Failed(message) => {
                        ui.label(RichText::new("Detection failed").color(ERROR).strong());
                        ui.label(message.as_str());
                    }
                    _ => {
                        ui.label("Detection was cancelled.");
                    }
                }
            });
        }
        (_, Some(a)) if waiting && a.events_pending => {
            if let Some(job) = w.job() {
                ui.vertical_centered(|ui| {
                    ui.add_space(ui.available_height() * 0.3);
                    let title = format!(
                        "The {} shows once the {} events are scored…",
                        view.tab.title().to_lowercase(),
                        thousands(events)
                    );
                    detection_progress(ui, job, &title, out);
                });
            }
        }
        (Tab::Summary, Some(a)) => views::summary::show(ui, &w.loaded, a, view, out),
        (Tab::Overview, Some(a)) => views::overview::show(ui, &w.loaded, a, view, out),
        (Tab::Alerts, Some(a)) => {
            views::alerts::show(ui, &w.loaded.investigation.table, a, view, out)
        }
        (Tab::Scatter, Some(a)) => views::scatter::show(ui, &w.loaded, a, view, out),
        (Tab::Timeline, Some(a)) => views::timeline::show(ui, &w.loaded, a, view, out),
        (Tab::Map, Some(a)) => views::map::show(ui, &w.loaded.investigation.table, a, view, out),
        (Tab::Breakdown, Some(a)) => {
            let (range, value) = (view.time_range, view.alerts.value.clone());
            let key = (a.generation, range, value.clone());
            let (inv, an, ctx) = (w.loaded.investigation.clone(), a.clone(), ui.ctx().clone());
            // Lent out for the frame: the view also edits the alerts' filters.
            let mut made = std::mem::take(&mut view.breakdown);
            match made.get(
                &key,
                move || Breakdown::new(&inv.table, &an, range, value.as_ref()),
                move || ctx.request_repaint(),
            ) {
                Made::Ready(b) => views::breakdown::show(ui, b, &a.settings.features, view, out),
                Made::Pending => {
                    widgets::preparing(ui, "Counting the events…");
                }
                Made::Failed(m) => {
                    ui.colored_label(ERROR, m);
                }
            }
            view.breakdown = made;
        }
        (Tab::Evaluation, Some(a)) => match &a.evaluation {
            Some(e) => views::evaluation::show(ui, e, view, out),
            None => {
                ui.label("These files carry no ground-truth labels to measure detection against.");
            }
        },
        (Tab::Settings, Some(a)) => views::settings::show(ui, a, view, out),
    }
}

/// A detection job's progress, centred: `title`, the bar with its step, the time so far and
/// left, and a Cancel button.
fn detection_progress(ui: &mut Ui, job: &AnalysisJob, title: &str, out: &mut Vec<Command>) {
    ui.label(RichText::new(title).text_style(text::style("section")));
    ui.add(
        ProgressBar::new(job.fraction())
            .desired_width(420.0)
            .text(job.step()),
    );
    ui.label(
        RichText::new(elapsed_and_left(
            job.started.elapsed().as_secs_f64(),
            job.seconds_left(),
        ))
        .weak(),
    );
    if ui.button("Cancel").clicked() {
        out.push(Command::Cancel);
    }
}

/// The line above every view while the sources are shown and their events are scored.
fn scoring_strip(ui: &mut Ui, job: &AnalysisJob, events: u64, out: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        ui.add(
            ProgressBar::new(job.fraction())
                .desired_width(200.0)
                .text(job.step()),
        );
        ui.label(
            RichText::new(format!(
                "The sources are judged; scoring the {} events: anomalous events, the plots \
                 and the map follow.",
                thousands(events),
            ))
            .strong(),
        );
        if ui.small_button("Cancel").clicked() {
            out.push(Command::Cancel);
        }
    });
    ui.add_space(4.0);
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

/// Opens the main window on `files` (the bundled sample when empty), logging frame times to
/// `frame_log` when given.
pub fn run(files: Vec<PathBuf>, options: ReadOptions, frame_log: Option<PathBuf>) -> ExitCode {
    let frame_log = match frame_log.map(|p| std::fs::File::create(&p).map_err(|e| (p, e))) {
        None => None,
        Some(Ok(f)) => {
            let mut log = std::io::LineWriter::new(f);
            if writeln!(log, "unix_ms,frame_ms,previous_cpu_ms,events,view").is_err() {
                return ExitCode::FAILURE;
            }
            Some(log)
        }
        Some(Err((p, e))) => {
            eprintln!("netsleuth: cannot write the frame log {}: {e}", p.display());
            return ExitCode::FAILURE;
        }
    };
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("netsleuth")
            .with_app_id("netsleuth")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([720.0, 420.0]),
        ..Default::default()
    };
    let result = eframe::run_native(
        "netsleuth",
        native,
        Box::new(move |cc| {
            let mut app =
                NetsleuthApp::new(&cc.egui_ctx, files, options, crate::session::config_dir());
            app.frame_log = frame_log;
            Ok(Box::new(app))
        }),
    );
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("netsleuth: cannot open the window: {e}");
            ExitCode::FAILURE
        }
    }
}

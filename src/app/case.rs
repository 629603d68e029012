//! The open investigation file in the window. A worker thread owns the file and saves each
//! change in its own transaction, so no frame waits for the disk; opening and creating run
//! on workers too and hand over what they read.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Sender};
use std::thread::JoinHandle;

use crate::blocklist::{AllowEntry, Blocklist};
use crate::detection::DetectionSettings;
use crate::ingest::ColumnMapping;
use crate::investigation::{
    check, find_moved, same_content, Annotation, FileState, Investigation, SavedSettings,
    SourceFile,
};

use eframe::egui;

use serde::{Deserialize, Serialize};

use super::views::alerts::VerdictFilter;
use super::views::relocate::{MissingLog, Relocating};
use super::views::save_case::SaveForm;
use super::{worker, JobResult, NetsleuthApp, State, Tab, ViewState};

/// A change to save in the open investigation.
pub(super) enum CaseWrite {
    /// A source's verdict and note.
    Annotation(IpAddr, Annotation),
    /// The case summary.
    Summary(String),
    /// The blocklist, and the change in words.
    Blocklist(Box<Blocklist>, String),
    /// Detection's settings.
    Settings(Box<DetectionSettings>),
    /// The trained models a run used: the cache folder and their keys.
    Models(PathBuf, Vec<String>),
    /// A log found at a new place.
    Relocated(PathBuf, PathBuf),
    /// The window's view, filters and time range.
    View(Box<SavedView>),
}

/// The thread that owns the open investigation and saves the changes sent to it, in order.
/// Dropping it finishes every change sent before.
pub(super) struct CaseWorker {
    sender: Option<Sender<CaseWrite>>,
    thread: Option<JoinHandle<()>>,
}

impl CaseWorker {
    fn start(mut inv: Investigation, report: Sender<JobResult>) -> CaseWorker {
        let (sender, writes) = channel::<CaseWrite>();
        let thread = std::thread::Builder::new()
            .name("netsleuth-case".into())
            .spawn(move || {
                while let Ok(w) = writes.recv() {
                    let saved = match w {
                        CaseWrite::Annotation(ip, a) => inv.set_annotation(ip, &a),
                        CaseWrite::Summary(s) => inv.set_summary(&s),
                        CaseWrite::Blocklist(list, change) => inv.save_blocklist(&list, &change),
                        CaseWrite::Settings(s) => inv.set_detection_settings(&s),
                        CaseWrite::Models(dir, keys) => inv.keep_models(&dir, &keys).map(|_| ()),
                        CaseWrite::Relocated(old, new) => inv.relocate(&old, &new),
                        CaseWrite::View(v) => inv.put_setting("view", &*v),
                    };
                    if let Err(e) = saved {
                        let _ = report.send(JobResult::SaveFailed(format!(
                            "{}: {e}",
                            inv.path().display()
                        )));
                    }
                }
            })
            .ok();
        CaseWorker {
            sender: Some(sender),
            thread,
        }
    }

    /// Queues a change.
    pub(super) fn save(&self, w: CaseWrite) {
        if let Some(s) = &self.sender {
            let _ = s.send(w);
        }
    }
}

impl Drop for CaseWorker {
    fn drop(&mut self) {
        self.sender = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The investigation open in the window.
pub struct OpenCase {
    /// Its file.
    pub path: PathBuf,
    /// Its logs, as recorded.
    pub files: Vec<SourceFile>,
    pub(super) worker: CaseWorker,
}

impl OpenCase {
    /// The case's name: its file name without the extension.
    pub fn name(&self) -> String {
        self.path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// What the window shows, kept with the investigation: the view, the alerts' filters and
/// the time range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct SavedView {
    tab: Tab,
    time_range: Option<(i64, i64)>,
    text: String,
    min_confidence: f64,
    max_confidence: f64,
    verdict: VerdictFilter,
    analyst: Option<crate::investigation::AnalystVerdict>,
    port: String,
    protocol: String,
    country: String,
    reason: String,
    /// The query on, if any.
    #[serde(default)]
    query: Option<String>,
    /// The queries applied, most recent first.
    #[serde(default)]
    query_history: Vec<String>,
    /// The zone times are shown in.
    #[serde(default)]
    zone: crate::events::Zone,
    /// The queries the analyst saved.
    #[serde(default)]
    saved_queries: Vec<String>,
}

impl SavedView {
    fn of(v: &ViewState) -> SavedView {
        let f = &v.alerts;
        SavedView {
            tab: v.tab,
            time_range: v.time_range,
            text: f.text.clone(),
            min_confidence: f.min_confidence,
            max_confidence: f.max_confidence,
            verdict: f.verdict,
            analyst: f.analyst,
            port: f.port.clone(),
            protocol: f.protocol.clone(),
            country: f.country.clone(),
            reason: f.reason.clone(),
            query: v.query.applied.clone(),
            query_history: v.query.history.clone(),
            zone: super::text::zone(),
            saved_queries: v.query.saved.clone(),
        }
    }

    fn apply(&self, v: &mut ViewState) {
        // The summary slide belongs to presentation mode, which a case never opens in.
        v.tab = match self.tab {
            Tab::Summary => Tab::Overview,
            t => t,
        };
        v.time_range = self.time_range;
        let f = &mut v.alerts;
        f.text = self.text.clone();
        f.min_confidence = self.min_confidence;
        f.max_confidence = self.max_confidence;
        f.verdict = self.verdict;
        f.analyst = self.analyst;
        f.port = self.port.clone();
        f.protocol = self.protocol.clone();
        f.country = self.country.clone();
        f.reason = self.reason.clone();
        v.query.applied = self.query.clone();
        v.query.text = self.query.clone().unwrap_or_default();
        v.query.history = self.query_history.clone();
        v.query.installed = false;
        super::text::set_zone(self.zone.clone());
        v.query.saved = self.saved_queries.clone();
    }
}

/// The file dialogs of the investigation, the report and the alerts' CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FileDialog {
    /// Save as an investigation file.
    SaveCase,
    /// Open an investigation file.
    OpenCase,
    /// Where the incident report goes.
    Report,
    /// Where the alerts' CSV goes.
    AlertsCsv,
    /// Where the CSV of the events shown goes.
    EventsCsv,
    /// Where the evaluation's CSV goes.
    EvaluationCsv,
    /// The new place of a missing log (by its place in the relocation dialog).
    LocateLog(usize),
    /// A folder to judge in place.
    #[cfg(feature = "engine")]
    JudgeFolder,
    /// The folder a judged log's CSVs go to.
    #[cfg(feature = "engine")]
    JudgedOut,
}

impl FileDialog {
    /// Shows the desktop's dialog (blocking: call it on a worker).
    fn show(self) -> Option<PathBuf> {
        let d = rfd::FileDialog::new();
        match self {
            FileDialog::SaveCase => d
                .add_filter(
                    "netsleuth investigation",
                    &[crate::investigation::EXTENSION],
                )
                .set_file_name("investigation.netsleuth")
                .save_file(),
            FileDialog::OpenCase => d
                .add_filter(
                    "netsleuth investigation",
                    &[crate::investigation::EXTENSION],
                )
                .pick_file(),
            FileDialog::Report => d
                .add_filter("HTML report", &["html"])
                .add_filter("Markdown report", &["md"])
                .set_file_name("incident-report.html")
                .save_file(),
            FileDialog::AlertsCsv => d
                .add_filter("CSV", &["csv"])
                .set_file_name("alerts.csv")
                .save_file(),
            FileDialog::EventsCsv => d
                .add_filter("CSV", &["csv"])
                .set_file_name("events.csv")
                .save_file(),
            FileDialog::EvaluationCsv => d
                .add_filter("CSV", &["csv"])
                .set_file_name("evaluation.csv")
                .save_file(),
            FileDialog::LocateLog(_) => d.pick_file(),
            #[cfg(feature = "engine")]
            FileDialog::JudgeFolder => d.set_title("Judge a folder in place").pick_folder(),
            #[cfg(feature = "engine")]
            FileDialog::JudgedOut => d
                .set_title("Folder for sources.csv and blocklist.csv")
                .pick_folder(),
        }
    }
}

/// What the window has made, for a new investigation file.
pub(super) struct CaseSnapshot {
    pub files: Vec<PathBuf>,
    /// The format every file is read as, when the analyst chose one.
    pub format: Option<String>,
    /// The column mapping every CSV is read with, when one was given.
    pub mapping: Option<ColumnMapping>,
    /// Keep compressed copies of the logs inside the file.
    pub keep_logs: bool,
    pub settings: DetectionSettings,
    pub model_keys: Vec<String>,
    pub annotations: BTreeMap<IpAddr, Annotation>,
    pub summary: String,
    pub blocklist: Blocklist,
}

/// An investigation read on a worker, to take into the window.
pub(super) struct CaseLoaded {
    pub inv: Investigation,
    pub files: Vec<SourceFile>,
    /// Logs that were missing and found again elsewhere, and where.
    pub relocated: Vec<(PathBuf, PathBuf)>,
    /// Logs that are missing, found nowhere and not kept in the file: the analyst is asked
    /// where they went.
    pub missing: Vec<SourceFile>,
    /// Logs missing or changed, in words.
    pub problems: Vec<String>,
    pub settings: Option<SavedSettings>,
    pub annotations: BTreeMap<IpAddr, Annotation>,
    pub summary: String,
    pub blocklist: Blocklist,
    /// Blocklist entries this version could not read (left in the file).
    pub unreadable: usize,
    /// The view as last saved.
    pub view: Option<SavedView>,
}

impl CaseLoaded {
    /// Takes the case into the window: its worker starts.
    pub(super) fn into_open(self, report: Sender<JobResult>) -> OpenCase {
        let path = self.inv.path().to_path_buf();
        let worker = CaseWorker::start(self.inv, report);
        for (old, new) in self.relocated {
            worker.save(CaseWrite::Relocated(old, new));
        }
        OpenCase {
            path,
            files: self.files,
            worker,
        }
    }
}

/// Opens the investigation at `path`: reads all it holds, checks its logs (a moved one is
/// looked for beside the investigation and in its old folder), and puts its models into
/// `cache_dir` for detection to find.
pub(super) fn load(
    path: &Path,
    cache_dir: Option<&Path>,
    allowlist: &[AllowEntry],
) -> Result<CaseLoaded, String> {
    let inv = Investigation::open(path).map_err(|e| e.to_string())?;
    let err = |e: crate::investigation::SaveError| format!("{}: {e}", path.display());
    let mut files = inv.files().map_err(err)?;
    let mut relocated = Vec::new();
    let mut problems = Vec::new();
    let mut missing = Vec::new();
    for f in &mut files {
        match check(f) {
            FileState::Unchanged => {}
            FileState::Changed(how) => {
                problems.push(format!("{} {how} since it was read", f.path.display()))
            }
            FileState::Missing => {
                let mut folders: Vec<PathBuf> =
                    path.parent().map(Path::to_path_buf).into_iter().collect();
                folders.extend(f.path.parent().map(Path::to_path_buf));
                if let Some(new) = find_moved(f, &folders) {
                    relocated.push((f.path.clone(), new.clone()));
                    f.path = new;
                } else if let Some(copy) = restore_copy(&inv, f, cache_dir)? {
                    problems.push(format!(
                        "{} is missing: read from the copy kept in the investigation",
                        f.path.display()
                    ));
                    f.path = copy;
                } else {
                    missing.push(f.clone());
                }
            }
        }
    }
    if let Some(dir) = cache_dir {
        inv.restore_models(dir).map_err(err)?;
    }
    let (blocklist, unreadable) = inv.blocklist(allowlist).map_err(err)?;
    Ok(CaseLoaded {
        settings: inv.detection_settings().map_err(err)?,
        annotations: inv.annotations().map_err(err)?,
        summary: inv.summary().map_err(err)?,
        blocklist,
        unreadable,
        view: inv.setting("view").map_err(err)?,
        files,
        relocated,
        missing,
        problems,
        inv,
    })
}

/// Writes the copy of the missing log `f` kept in `inv` (if any) into the cache folder
/// (`logs/`), once, and returns where it is.
fn restore_copy(
    inv: &Investigation,
    f: &SourceFile,
    cache_dir: Option<&Path>,
) -> Result<Option<PathBuf>, String> {
    let Some(dir) = cache_dir else {
        return Ok(None);
    };
    if !inv.holds_copy(&f.fingerprint).map_err(|e| e.to_string())? {
        return Ok(None);
    }
    let folder = dir.join("logs").join(f.fingerprint.replace(':', "-"));
    let name = f.path.file_name().unwrap_or(std::ffi::OsStr::new("log"));
    let to = folder.join(name);
    if SourceFile::of(&to, None).is_ok_and(|now| same_content(&now, f)) {
        return Ok(Some(to));
    }
    std::fs::create_dir_all(&folder).map_err(|e| format!("{}: {e}", folder.display()))?;
    match inv.restore_log(f, &to) {
        Ok(true) => Ok(Some(to)),
        Ok(false) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// Creates a new investigation at `path` from what the window holds (a file already there
/// is replaced only through a new file moved over it, never written in place).
pub(super) fn create(path: &Path, s: CaseSnapshot) -> Result<CaseLoaded, String> {
    let err = |e: crate::investigation::SaveError| format!("{}: {e}", path.display());
    let file_name = path
        .file_name()
        .ok_or_else(|| format!("{}: not a file name", path.display()))?;
    let partial = path.with_file_name(format!(
        ".{}.{}.partial",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let _ = std::fs::remove_file(&partial);
    let mut inv = Investigation::create(&partial).map_err(|e| e.to_string())?;
    let files: Vec<SourceFile> = s
        .files
        .iter()
        .map(|p| {
            SourceFile::of(p, s.format.clone())
                .map(|f| SourceFile {
                    mapping: s.mapping.clone(),
                    ..f
                })
                .map_err(|e| format!("{}: {e}", p.display()))
        })
        .collect::<Result<_, _>>()?;
    inv.set_files(&files).map_err(err)?;
    if s.keep_logs {
        for f in &files {
            inv.keep_log(f).map_err(err)?;
        }
    }
    inv.set_detection_settings(&s.settings).map_err(err)?;
    if let Some(dir) = &s.settings.cache_dir {
        inv.keep_models(dir, &s.model_keys).map_err(err)?;
    }
    for (ip, a) in &s.annotations {
        inv.set_annotation(*ip, a).map_err(err)?;
    }
    if !s.summary.is_empty() {
        inv.set_summary(&s.summary).map_err(err)?;
    }
    inv.save_blocklist(&s.blocklist, "saved with the investigation")
        .map_err(err)?;
    drop(inv);
    std::fs::rename(&partial, path).map_err(|e| format!("{}: {e}", path.display()))?;
    load(path, None, &s.blocklist.allowlist)
}

/// Whether `path` names an investigation file (by its extension).
pub(super) fn is_case(path: &Path) -> bool {
    crate::investigation::is_investigation_file(path)
}

/// How an investigation file marks a log format in a log's format column.
const LOG_FORMAT: &str = "log-format:";

impl NetsleuthApp {
    /// Opens an investigation file on a worker; its logs are read once it is in.
    pub(super) fn open_case(&mut self, ctx: &egui::Context, path: PathBuf) {
        let sender = self.job_sender.clone();
        let repaint = ctx.clone();
        let cache = self.settings.cache_dir.clone();
        let allow = self.organisation_allowlist();
        self.view.notice = Some(format!("Opening {}…", path.display()));
        self.case_pending = true;
        std::thread::spawn(move || {
            let result = worker::caught(|| load(&path, cache.as_deref(), &allow))
                .unwrap_or_else(|m| Err(worker::internal_error("opening the investigation", &m)));
            let _ = sender.send(JobResult::CaseOpened(result.map(Box::new)));
            repaint.request_repaint();
        });
    }

    /// Saves what the window holds as a new investigation file on a worker, then works in it.
    pub(super) fn save_case_as(&mut self, ctx: &egui::Context, path: PathBuf) {
        let path = if is_case(&path) {
            path
        } else {
            path.with_extension(crate::investigation::EXTENSION)
        };
        let (files, model_keys) = match &self.state {
            State::Ready(w) => (
                w.loaded
                    .investigation
                    .files
                    .iter()
                    .map(|f| f.path.clone())
                    .collect(),
                w.shown()
                    .map(|a| a.detection.model_keys())
                    .unwrap_or_default(),
            ),
            _ => (Vec::new(), Vec::new()),
        };
        let snapshot = CaseSnapshot {
            files,
            // A log format is kept where the format is, marked: the file holds the layout the
            // analyst gave, without a column of its own.
            format: match &self.options.log_format {
                Some(l) => Some(format!("{LOG_FORMAT}{}", l.spec())),
                None => self.options.format.map(|f| f.id().to_string()),
            },
            mapping: self.options.mapping.clone(),
            keep_logs: self.view.keep_logs,
            settings: self.settings.clone(),
            model_keys,
            annotations: self.view.annotations.clone(),
            summary: self.view.summary.clone(),
            blocklist: self.view.blocklist.list.clone(),
        };
        let sender = self.job_sender.clone();
        let repaint = ctx.clone();
        self.view.notice = Some(format!("Saving {}…", path.display()));
        self.case_pending = true;
        std::thread::spawn(move || {
            let result = worker::caught(|| create(&path, snapshot))
                .unwrap_or_else(|m| Err(worker::internal_error("saving the investigation", &m)));
            let _ = sender.send(JobResult::CaseOpened(result.map(Box::new)));
            repaint.request_repaint();
        });
    }

    /// Writes the incident report of what the window shows to `path` (HTML, or Markdown for
    /// `.md`), on a worker.
    pub(super) fn export_report(&mut self, ctx: &egui::Context, path: PathBuf) {
        let State::Ready(w) = &self.state else {
            return;
        };
        let Some(a) = w.shown().cloned() else {
            self.view.notice = Some("The report is made once detection has finished.".into());
            return;
        };
        let inv = std::sync::Arc::clone(&w.loaded.investigation);
        let title = match &self.case {
            Some(c) => c.name(),
            None => super::window_title(&inv)
                .trim_start_matches("netsleuth — ")
                .to_string(),
        };
        let annotations = self.view.annotations.clone();
        let summary = self.view.summary.clone();
        let query = self.view.query.applied.clone();
        let entries = self.view.blocklist.list.entries.clone();
        let sender = self.job_sender.clone();
        let repaint = ctx.clone();
        self.view.notice = Some(format!("Writing the report to {}…", path.display()));
        std::thread::spawn(move || {
            let result = worker::caught(|| {
                let report = crate::report::Report::gather(&crate::report::ReportInput {
                    title,
                    summary,
                    table: &inv.table,
                    files: &inv.files,
                    detection: &a.detection,
                    settings: &a.settings,
                    evaluation: a.evaluation.as_ref(),
                    annotations: &annotations,
                    blocklist: &entries,
                    generated_at: crate::blocklist::now(),
                    query,
                });
                crate::report::write_report(&path, &report)
                    .map(|files| files.last().cloned().unwrap_or(path.clone()))
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))
            })
            .unwrap_or_else(|m| Err(worker::internal_error("writing the report", &m)));
            let _ = sender.send(JobResult::ReportWritten(result));
            repaint.request_repaint();
        });
    }

    /// Writes the sources the alerts table lists, in its order, as spreadsheet-safe CSV
    /// (sources.csv's columns), on a worker.
    pub(super) fn export_alerts(&mut self, ctx: &egui::Context, path: PathBuf) {
        let State::Ready(w) = &mut self.state else {
            return;
        };
        let Some(a) = w.shown().cloned() else {
            return;
        };
        let rows = self
            .view
            .alert_rows(&w.loaded.investigation.table, &a)
            .to_vec();
        let sender = self.job_sender.clone();
        let repaint = ctx.clone();
        std::thread::spawn(move || {
            let result = worker::caught(|| {
                let listed: Vec<&crate::detection::SourceVerdict> =
                    rows.iter().map(|&i| &a.detection.sources[i]).collect();
                crate::report::write_sources(&path, &listed)
                    .map(|()| format!("Wrote {} sources to {}", listed.len(), path.display()))
                    .map_err(|e| format!("Cannot write {}: {e}", path.display()))
            })
            .unwrap_or_else(|m| Err(worker::internal_error("writing the CSV", &m)));
            let _ = sender.send(JobResult::Said(result.unwrap_or_else(|e| e)));
            repaint.request_repaint();
        });
    }

    /// Writes the evaluation against labels as CSV (`detect`'s evaluation.csv), on a worker.
    pub(super) fn export_evaluation(&mut self, ctx: &egui::Context, path: PathBuf) {
        let State::Ready(w) = &self.state else {
            return;
        };
        let Some(e) = w.shown().and_then(|a| a.evaluation.clone()) else {
            return;
        };
        let sender = self.job_sender.clone();
        let repaint = ctx.clone();
        std::thread::spawn(move || {
            let result = worker::caught(|| {
                crate::report::write_evaluation(&path, &e)
                    .map(|()| format!("Wrote the evaluation to {}", path.display()))
                    .map_err(|e| format!("Cannot write {}: {e}", path.display()))
            })
            .unwrap_or_else(|m| Err(worker::internal_error("writing the CSV", &m)));
            let _ = sender.send(JobResult::Said(result.unwrap_or_else(|e| e)));
            repaint.request_repaint();
        });
    }

    /// Writes every event that passes the event filters and the time range (what the event
    /// views show), with its scores, as spreadsheet-safe CSV (events_scored.csv's columns),
    /// on a worker.
    pub(super) fn export_events(&mut self, ctx: &egui::Context, path: PathBuf) {
        let State::Ready(w) = &self.state else {
            return;
        };
        let Some(a) = w.shown().cloned() else {
            return;
        };
        let inv = w.loaded.investigation.clone();
        let (filters, range) = (self.view.alerts.clone(), self.view.time_range);
        let sender = self.job_sender.clone();
        let repaint = ctx.clone();
        std::thread::spawn(move || {
            let result = worker::caught(|| {
                let t = &inv.table;
                let keeps = super::views::event_alerts::keeps(t, &filters, range);
                let rows: Vec<u32> = (0..t.len())
                    .filter(|&r| keeps(r))
                    .map(|r| r as u32)
                    .collect();
                let names: Vec<String> = inv
                    .files
                    .iter()
                    .map(|f| f.path.display().to_string())
                    .collect();
                crate::report::write_events(&path, t, &a.detection, &names, Some(&rows))
                    .map(|()| {
                        format!(
                            "Wrote {} of {} events to {}",
                            super::text::thousands(rows.len() as u64),
                            super::text::thousands(t.len() as u64),
                            path.display()
                        )
                    })
                    .map_err(|e| format!("Cannot write {}: {e}", path.display()))
            })
            .unwrap_or_else(|m| Err(worker::internal_error("writing the CSV", &m)));
            let _ = sender.send(JobResult::Said(result.unwrap_or_else(|e| e)));
            repaint.request_repaint();
        });
    }

    /// Asks for an investigation file in the desktop's dialog, on a worker.
    pub(super) fn case_dialog(&mut self, ctx: &egui::Context, save: bool) {
        let kind = if save {
            FileDialog::SaveCase
        } else {
            FileDialog::OpenCase
        };
        self.ask(ctx, kind);
    }

    /// Opens the desktop's file dialog for `kind` on a worker; the path picked comes back as
    /// the result for its kind, or [`JobResult::NoDialog`] when no dialog could open at all.
    pub(super) fn ask(&mut self, ctx: &egui::Context, kind: FileDialog) {
        let sender = self.job_sender.clone();
        let repaint = ctx.clone();
        std::thread::spawn(move || {
            let started = std::time::Instant::now();
            let picked = kind.show();
            let quick = started.elapsed() < std::time::Duration::from_millis(400);
            let result = match (picked, kind) {
                (Some(p), FileDialog::SaveCase) => JobResult::CasePicked(true, p),
                (Some(p), FileDialog::OpenCase) => JobResult::CasePicked(false, p),
                (Some(p), FileDialog::Report) => JobResult::ReportPicked(p),
                (Some(p), FileDialog::AlertsCsv) => JobResult::AlertsCsvPicked(p),
                (Some(p), FileDialog::EventsCsv) => JobResult::EventsCsvPicked(p),
                (Some(p), FileDialog::EvaluationCsv) => JobResult::EvaluationCsvPicked(p),
                (Some(p), FileDialog::LocateLog(i)) => JobResult::LogPicked(i, p),
                #[cfg(feature = "engine")]
                (Some(p), FileDialog::JudgeFolder) => JobResult::JudgePicked(p),
                #[cfg(feature = "engine")]
                (Some(p), FileDialog::JudgedOut) => JobResult::JudgedOutPicked(p),
                // A dialog that closes at once never opened: no portal and no zenity.
                (None, kind) if quick => JobResult::NoDialog(kind),
                (None, _) => return,
            };
            let _ = sender.send(result);
            repaint.request_repaint();
        });
    }

    /// No file dialog could open: saves go to the export folder under a name of their own,
    /// and opening asks for a typed path.
    pub(super) fn no_dialog(&mut self, kind: FileDialog) {
        #[cfg(feature = "engine")]
        match kind {
            FileDialog::JudgeFolder => {
                self.view.notice = Some(
                    "The file dialog could not open (no desktop portal or zenity): type the \
                     folder's path beside Judge."
                        .into(),
                );
                return;
            }
            FileDialog::JudgedOut => {
                let folder = self.export_dir.join("judged");
                self.commands.push(super::Command::WriteJudged(folder));
                return;
            }
            _ => {}
        }
        if let FileDialog::LocateLog(_) = kind {
            self.view.notice = Some(
                "The file dialog could not open (no desktop portal or zenity): type the log's                  new place in the dialog."
                    .into(),
            );
            return;
        }
        if kind == FileDialog::OpenCase {
            self.view.path_field = true;
            self.view.notice = Some(
                "The file dialog could not open (no desktop portal or zenity): type the \
                 investigation's path (.netsleuth) in the field above."
                    .into(),
            );
            return;
        }
        let name = match kind {
            FileDialog::SaveCase => format!(
                "{}.{}",
                self.title()
                    .trim_start_matches("netsleuth — ")
                    .chars()
                    .map(|c| if c.is_alphanumeric() || "-_.".contains(c) {
                        c
                    } else {
                        '-'
                    })
                    .collect::<String>(),
                crate::investigation::EXTENSION
            ),
            FileDialog::Report => "incident-report.html".into(),
            FileDialog::EventsCsv => "events.csv".into(),
            FileDialog::EvaluationCsv => "evaluation.csv".into(),
            _ => "alerts.csv".into(),
        };
        if let Err(e) = std::fs::create_dir_all(&self.export_dir) {
            self.view.notice = Some(format!("Cannot create {}: {e}", self.export_dir.display()));
            return;
        }
        let path = self.export_dir.join(name);
        self.commands.push(match kind {
            FileDialog::SaveCase => super::Command::SaveCaseAs(path),
            FileDialog::Report => super::Command::ExportReport(path),
            FileDialog::EventsCsv => super::Command::ExportEvents(path),
            FileDialog::EvaluationCsv => super::Command::ExportEvaluation(path),
            _ => super::Command::ExportAlerts(path),
        });
    }

    /// Takes in an investigation read or made on a worker: its settings, notes and blocklist,
    /// then its logs.
    pub(super) fn case_opened(&mut self, ctx: &egui::Context, loaded: CaseLoaded) {
        let path = loaded.inv.path().to_path_buf();
        let loaded_view = loaded.view.clone();
        if self.case.is_none() {
            self.global = Some(self.view.blocklist.list.clone());
        }
        if let Some(s) = &loaded.settings {
            self.settings = s.apply(&self.settings);
        }
        // The format the analyst chose for these logs, if any.
        let chosen = loaded.files.iter().find_map(|f| f.format.as_deref());
        self.options.log_format = chosen
            .and_then(|f| f.strip_prefix(LOG_FORMAT))
            .and_then(|spec| crate::ingest::LogFormat::parse(spec).ok())
            .map(std::sync::Arc::new);
        self.options.format = chosen.and_then(crate::ingest::Format::from_id);
        self.options.mapping = loaded.files.iter().find_map(|f| f.mapping.clone());
        self.view.annotations = loaded.annotations.clone();
        self.view.judged_changed();
        self.view.summary = loaded.summary.clone();
        let mut notice: Vec<String> = loaded.problems.clone();
        for (old, new) in &loaded.relocated {
            notice.push(format!(
                "{} was moved: found at {}",
                old.display(),
                new.display()
            ));
        }
        if loaded.unreadable > 0 {
            notice.push(format!(
                "{} blocklist entries written by a newer netsleuth were left in the file",
                loaded.unreadable
            ));
        }
        let mut list = loaded.blocklist.clone();
        list.allowlist = self.organisation_allowlist();
        self.view.blocklist.set(list);
        let missing = loaded.missing.clone();
        let case = loaded.into_open(self.job_sender.clone());
        self.view.case_name = Some(case.name());
        let files: Vec<PathBuf> = case.files.iter().map(|f| f.path.clone()).collect();
        self.case = Some(case);
        self.recent.push(std::slice::from_ref(&path));
        self.save_recent();
        self.view.notice = Some(if notice.is_empty() {
            format!("Investigation {}", path.display())
        } else {
            notice.join("; ")
        });
        ctx.send_viewport_cmd(egui::ViewportCommand::Title(self.title()));
        if missing.is_empty() {
            self.view.relocating = None;
            self.read_case_logs(ctx, files, loaded_view);
        } else {
            // The logs are read once the analyst has said where the missing ones went.
            self.view.relocating = Some(Relocating {
                missing: missing.into_iter().map(MissingLog::new).collect(),
            });
            self.relocated_view = loaded_view;
        }
    }

    /// Reads the investigation's logs (unless the window has them already) and puts back
    /// the view as the analyst left it.
    fn read_case_logs(
        &mut self,
        ctx: &egui::Context,
        files: Vec<PathBuf>,
        view: Option<SavedView>,
    ) {
        let unchanged = !files.is_empty()
            && files.iter().all(|f| f.is_file())
            && loaded_matches(&self.state, &files);
        if !files.is_empty() && !unchanged && files.iter().all(|f| f.is_file()) {
            self.open(ctx, files);
        } else if unchanged {
            // Saved from what is open: the logs are already read.
            self.blocklist_changed();
        }
        // The view as the analyst left it (after `open`, which starts with no filter).
        if let Some(v) = &view {
            v.apply(&mut self.view);
        }
        self.saved_view = Some(SavedView::of(&self.view));
    }

    /// Opens the save dialog and estimates, on a worker, how much copies of the logs take.
    pub(super) fn save_form(&mut self, ctx: &egui::Context) {
        let files: Vec<PathBuf> = match &self.state {
            State::Ready(w) => w
                .loaded
                .investigation
                .files
                .iter()
                .map(|f| f.path.clone())
                .collect(),
            _ => Vec::new(),
        };
        let logs = files
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum();
        self.view.save_form = Some(SaveForm {
            logs,
            estimate: None,
        });
        let sender = self.job_sender.clone();
        let repaint = ctx.clone();
        std::thread::spawn(move || {
            let estimate = files
                .iter()
                .filter_map(|p| crate::investigation::estimated_copy_size(p).ok())
                .sum();
            let _ = sender.send(JobResult::CopyEstimate(estimate));
            repaint.request_repaint();
        });
    }

    /// Takes `path` as the new place of the missing log `i` when it holds the same log (or
    /// `anyway`), and reads the logs once every missing one is settled.
    pub(super) fn relocate(&mut self, ctx: &egui::Context, i: usize, path: PathBuf, anyway: bool) {
        let (Some(r), Some(case)) = (&mut self.view.relocating, &mut self.case) else {
            return;
        };
        let Some(m) = r.missing.get_mut(i) else {
            return;
        };
        m.differs = None;
        match SourceFile::of(&path, None) {
            Err(e) => m.problem = Some(format!("{}: {e}", path.display())),
            Ok(now) if !anyway && !same_content(&now, &m.file) => {
                let how = if now.size == m.file.size {
                    "the same size, other content".to_string()
                } else {
                    format!(
                        "{} bytes, not {}",
                        super::thousands(now.size),
                        super::thousands(m.file.size)
                    )
                };
                m.problem = Some(format!(
                    "{} is not the log this investigation read ({how})",
                    path.display()
                ));
                m.differs = Some(path);
            }
            Ok(_) => {
                m.problem = None;
                case.worker
                    .save(CaseWrite::Relocated(m.file.path.clone(), path.clone()));
                for f in case.files.iter_mut().filter(|f| f.path == m.file.path) {
                    f.path = path.clone();
                }
                m.found = Some(path);
            }
        }
        self.relocation_settled(ctx);
    }

    /// Once every missing log is found or left out, reads those there are.
    pub(super) fn relocation_settled(&mut self, ctx: &egui::Context) {
        let Some(r) = &self.view.relocating else {
            return;
        };
        if !r.missing.iter().all(MissingLog::settled) {
            return;
        }
        let left_out: Vec<PathBuf> = r
            .missing
            .iter()
            .filter(|m| m.left_out)
            .map(|m| m.file.path.clone())
            .collect();
        self.view.relocating = None;
        let files: Vec<PathBuf> = self
            .case
            .iter()
            .flat_map(|c| &c.files)
            .map(|f| f.path.clone())
            .filter(|p| !left_out.contains(p))
            .collect();
        if !left_out.is_empty() {
            self.view.notice = Some(format!(
                "Opened without {}",
                left_out
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let view = self.relocated_view.take();
        self.read_case_logs(ctx, files, view);
    }

    /// Saves the view, filters and time range in the open investigation when they changed.
    pub(super) fn save_view_state(&mut self) {
        let Some(c) = &self.case else {
            return;
        };
        let now = SavedView::of(&self.view);
        if self.saved_view.as_ref() != Some(&now) {
            c.worker.save(CaseWrite::View(Box::new(now.clone())));
            self.saved_view = Some(now);
        }
    }

    /// Closes the open investigation (its worker finishes what it was given): the window is
    /// back to the blocklist kept for every file.
    pub(super) fn leave_case(&mut self) {
        if self.case.take().is_some() {
            self.view.case_name = None;
            // The case's format override and mapping were for its logs only.
            self.options.format = None;
            self.options.mapping = None;
            self.options.log_format = None;
            self.view.relocating = None;
            self.saved_view = None;
            if let Some(global) = self.global.take() {
                self.view.blocklist.set(global);
            }
            self.view.annotations.clear();
            self.view.judged_changed();
            self.view.summary.clear();
        }
    }

    /// Records where new blocklist entries came from: an address that is a source of the
    /// open logs gets their file names.
    pub(super) fn attribute(&self, edit: &mut crate::blocklist::Edit) {
        let State::Ready(w) = &self.state else {
            return;
        };
        let Some(a) = w.shown() else {
            return;
        };
        let files: Vec<String> = w
            .loaded
            .investigation
            .files
            .iter()
            .map(|f| f.path.display().to_string())
            .collect();
        if edit.put.iter().all(|e| !e.files.is_empty()) {
            return;
        }
        let sources: std::collections::HashSet<IpAddr> =
            a.detection.sources.iter().map(|s| s.stats.ip).collect();
        for e in edit.put.iter_mut().filter(|e| e.files.is_empty()) {
            let single = e.net.prefix_len() == e.net.max_prefix_len();
            if single && sources.contains(&e.net.addr()) {
                e.files = files.clone();
            }
        }
    }

    /// The organisation's allowlist: the list kept for every file's.
    fn organisation_allowlist(&self) -> Vec<AllowEntry> {
        match &self.global {
            Some(g) => g.allowlist.clone(),
            None => self.view.blocklist.list.allowlist.clone(),
        }
    }

    /// The window's title: the investigation's name, else the files'.
    pub(super) fn title(&self) -> String {
        match (&self.case, &self.state) {
            (Some(c), _) => format!("netsleuth — {}", c.name()),
            (None, State::Ready(w)) => super::window_title(&w.loaded.investigation),
            _ => "netsleuth".into(),
        }
    }

    /// The open investigation, if any.
    pub fn case(&self) -> Option<&OpenCase> {
        self.case.as_ref()
    }
}

/// Whether the window has exactly `files` read already.
fn loaded_matches(state: &State, files: &[PathBuf]) -> bool {
    match state {
        State::Ready(w) => {
            w.loaded.investigation.files.len() == files.len()
                && w.loaded
                    .investigation
                    .files
                    .iter()
                    .zip(files)
                    .all(|(a, b)| &a.path == b)
        }
        _ => false,
    }
}

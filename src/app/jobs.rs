//! What workers report back (list imports, previews, exports, dialogs) and the poll that
//! takes their results in at the start of each frame.

use super::*;

/// A list file read and admitted on a worker, with the list as it is once the file is added,
/// so that the UI thread only swaps it in (unless the list changed meanwhile).
pub(super) struct ImportDone {
    pub(super) skipped: Vec<crate::blocklist::Skipped>,
    pub(super) admitted: crate::blocklist::Admitted,
    /// The list generation the import was added to.
    pub(super) base: u64,
    /// That list with the import added.
    pub(super) list: Blocklist,
    /// Its coverage index.
    pub(super) coverage: Coverage,
    /// The edit that undoes the import.
    pub(super) undo: Edit,
}

/// A list of names read and admitted on a worker, with the domain list as it is once they are
/// added.
pub(super) struct DomainImportDone {
    pub(super) skipped: Vec<crate::blocklist::Skipped>,
    pub(super) admitted: crate::domains::Admitted,
    /// The list generation the import was added to.
    pub(super) base: u64,
    /// That list with the import added.
    pub(super) list: DomainList,
    /// The edit that undoes the import.
    pub(super) undo: DomainEdit,
}

/// What a list import or an export on a worker thread gave.
pub(super) enum JobResult {
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
    /// Where the evaluation's CSV goes, picked in the dialog.
    EvaluationCsvPicked(PathBuf),
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
    /// A folder to judge in place, picked in the dialog.
    #[cfg(feature = "engine")]
    JudgePicked(PathBuf),
    /// Where a judged log's CSVs go, picked in the dialog.
    #[cfg(feature = "engine")]
    JudgedOutPicked(PathBuf),
    /// A value or query filter made for an analysis (or why not).
    Filtered(Result<Box<views::alerts::ValueFilter>, String>),
    /// The events to open the event table on, its title and the analysis they were listed
    /// from.
    Events(String, Vec<u32>, u64),
    /// An event's original log line (or why it cannot be read).
    OriginalLine(u32, Result<String, String>),
    /// Each field's most frequent values, for an analysis generation.
    QueryValues(u64, std::collections::BTreeMap<String, Vec<String>>),
}

impl NetsleuthApp {
    /// Takes finished results from the workers.
    pub(super) fn poll(&mut self, ctx: &egui::Context) {
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
            #[cfg(feature = "engine")]
            State::Judge(j) => {
                j.poll();
            }
            State::Failed(_) => {}
        }
        if let Some(update) = self.live.as_mut().and_then(live::Live::poll) {
            self.show_live(ctx, *update);
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
                #[cfg(feature = "engine")]
                JobResult::JudgePicked(path) => self.commands.push(Command::Judge(vec![path])),
                #[cfg(feature = "engine")]
                JobResult::JudgedOutPicked(path) => self.commands.push(Command::WriteJudged(path)),
                JobResult::EvaluationCsvPicked(path) => {
                    self.commands.push(Command::ExportEvaluation(path))
                }
                JobResult::CopyEstimate(bytes) => {
                    if let Some(f) = &mut self.view.save_form {
                        f.estimate = Some(bytes);
                    }
                }
                JobResult::Filtered(made) => self.filtered(made),
                JobResult::QueryValues(generation, values) => {
                    self.view.query.values = Some((generation, std::sync::Arc::new(values)));
                    self.view.query.counting = None;
                }
                JobResult::Events(title, rows, generation) => {
                    self.view.events = Some(views::events_table::EventsWindow::new(
                        title,
                        std::sync::Arc::new(rows),
                        generation,
                    ));
                }
                JobResult::OriginalLine(row, line) => {
                    if let Some(ev) = &mut self.view.events {
                        ev.original = Some((row, line));
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
}

//! The commands views send, and the one handler that applies them after each frame.

use super::*;

/// Something a view asks the app to do; applied after the frame by [`NetsleuthApp::apply`].
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Read these files as a new investigation.
    Open(Vec<PathBuf>),
    /// Show the system file dialog.
    OpenDialog,
    /// Judge these files or folders where they are, on the engine the start view names.
    #[cfg(feature = "engine")]
    Judge(Vec<PathBuf>),
    /// Ask which folder to judge in place.
    #[cfg(feature = "engine")]
    JudgeDialog,
    /// Ask where a judged log's CSVs go.
    #[cfg(feature = "engine")]
    JudgedOutDialog,
    /// Write the judged log's sources.csv and blocklist.csv into this folder.
    #[cfg(feature = "engine")]
    WriteJudged(PathBuf),
    /// Leave the judged log for the start view.
    #[cfg(feature = "engine")]
    CloseJudged,
    /// Fetch the events this source of the judged log sent, from where the data lives.
    #[cfg(feature = "engine")]
    OpenJudgedSource(std::net::IpAddr),
    /// Close the judged log's opened source.
    #[cfg(feature = "engine")]
    CloseJudgedSource,
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
    /// Write the evaluation against labels (every detector, every class) as CSV to this path.
    ExportEvaluation(PathBuf),
    /// Ask where the evaluation's CSV goes.
    EvaluationCsvDialog,
    /// Show the dialog before saving as an investigation (whether to keep the logs inside).
    SaveCaseForm,
    /// A missing log of the investigation (by its place in the relocation dialog) is at this
    /// path; `true` takes it even if it is not the same log.
    Relocate(usize, PathBuf, bool),
    /// Ask for a missing log's new place in the desktop's dialog.
    LocateDialog(usize),
    /// Open the investigation without this missing log, this time.
    LeaveOut(usize),
    /// Start watching live: the open logs replayed, or live sources.
    StartLive(live::LiveStart),
    /// Pause (`true`) or resume the live feed.
    PauseLive(bool),
    /// Stop watching; the last window stays open.
    StopLive,
    /// The live KPIs' period, in minutes.
    LiveMinutes(u32),
    /// The analyst has seen the live alerts raised so far.
    SeenLive,
    /// Filter every event view by this query (empty: by none).
    Query(String),
    /// Open the event table on these rows, titled so.
    ShowEvents(String, std::sync::Arc<Vec<u32>>),
    /// Open the event table on the events that pass the filters and time range.
    ShowEventsShown,
    /// Read the open files again as access logs of this layout (an nginx log_format or an
    /// Apache LogFormat), or without one (`None`).
    ReadWithLogFormat(Option<String>),
    /// Open the event table on the events of one item of a Web view panel.
    WebEvents(crate::web::PanelKind, crate::web::Key),
    /// Read the original log line of this event row.
    OriginalLine(u32),
    /// Show times in this zone (kept with the investigation).
    SetZone(crate::events::Zone),
    /// Count each field's most frequent values for the query bar, on a worker.
    CountQueryValues,
}

impl NetsleuthApp {
    /// Applies the queued commands.
    pub(super) fn apply(&mut self, ctx: &egui::Context) {
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
                // What the status bar said was about the files before.
                Command::Open(files) => match files.as_slice() {
                    [one] if is_case(one) => self.open_case(ctx, one.clone()),
                    _ => {
                        self.view.notice = None;
                        self.leave_case();
                        self.open(ctx, files)
                    }
                },
                Command::OpenCase(path) => {
                    self.live = None;
                    self.open_case(ctx, path)
                }
                Command::StartLive(start) => self.start_live(ctx, &start),
                Command::PauseLive(paused) => {
                    if let Some(l) = &self.live {
                        l.set_paused(paused);
                    }
                }
                Command::StopLive => {
                    if let Some(l) = &mut self.live {
                        l.stop();
                    }
                }
                Command::LiveMinutes(m) => {
                    if let Some(l) = &self.live {
                        l.set_minutes(m);
                    }
                }
                Command::Query(text) => self.apply_query(text.trim()),
                Command::ShowEvents(title, rows) => {
                    if let State::Ready(w) = &self.state {
                        if let Some(a) = w.shown() {
                            self.view.events = Some(views::events_table::EventsWindow::new(
                                title,
                                rows,
                                a.generation,
                            ));
                        }
                    }
                }
                Command::ShowEventsShown => self.events_shown(ctx),
                Command::WebEvents(kind, key) => self.web_events(ctx, kind, key),
                Command::ReadWithLogFormat(spec) => self.read_with_log_format(ctx, spec),
                Command::CountQueryValues => self.count_query_values(ctx),
                Command::SetZone(zone) => {
                    self.view.notice = Some(format!("Times are shown in {}", zone.name()));
                    text::set_zone(zone);
                }
                Command::OriginalLine(row) => self.original_line(ctx, row),
                Command::SeenLive => {
                    if let Some(l) = &mut self.live {
                        l.seen = l.total_alerts;
                    }
                }
                Command::SaveCaseAs(path) => self.save_case_as(ctx, path),
                Command::CaseDialog(save) => self.case_dialog(ctx, save),
                Command::ExportReport(path) => self.export_report(ctx, path),
                Command::ReportDialog => self.ask(ctx, case::FileDialog::Report),
                Command::ExportAlerts(path) => self.export_alerts(ctx, path),
                Command::AlertsCsvDialog => self.ask(ctx, case::FileDialog::AlertsCsv),
                Command::ExportEvents(path) => self.export_events(ctx, path),
                Command::EventsCsvDialog => self.ask(ctx, case::FileDialog::EventsCsv),
                Command::ExportEvaluation(path) => self.export_evaluation(ctx, path),
                Command::EvaluationCsvDialog => self.ask(ctx, case::FileDialog::EvaluationCsv),
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
                #[cfg(feature = "engine")]
                Command::Judge(paths) => self.judge(ctx, paths),
                #[cfg(feature = "engine")]
                Command::JudgeDialog => self.ask(ctx, case::FileDialog::JudgeFolder),
                #[cfg(feature = "engine")]
                Command::JudgedOutDialog => self.ask(ctx, case::FileDialog::JudgedOut),
                #[cfg(feature = "engine")]
                Command::WriteJudged(folder) => self.write_judged(ctx, folder),
                #[cfg(feature = "engine")]
                Command::OpenJudgedSource(ip) => {
                    if let State::Judge(j) = &mut self.state {
                        let repaint = ctx.clone();
                        j.open_source(ip, move || repaint.request_repaint());
                    }
                }
                #[cfg(feature = "engine")]
                Command::CloseJudgedSource => {
                    if let State::Judge(j) = &mut self.state {
                        if let Some(o) = j.opened.take() {
                            o.cancel();
                        }
                    }
                }
                #[cfg(feature = "engine")]
                Command::CloseJudged => {
                    if let State::Judge(j) = &self.state {
                        j.cancel();
                    }
                    self.state = State::Failed(String::new());
                }
                Command::Select(i) => self.view.selected = i,
                Command::Show(tab) => {
                    // Leaving the Live view, its alerts have been looked at.
                    if let (Tab::Live, Some(l)) = (self.view.tab, &mut self.live) {
                        if tab != Tab::Live {
                            l.seen = l.total_alerts;
                        }
                    }
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
                        self.view.notice = Some(
                            "Undid the last change to the blocklist (Ctrl+Shift+Z redoes it)"
                                .into(),
                        );
                        self.blocklist_changed();
                    }
                }
                Command::RedoBlocklist => {
                    let b = &mut self.view.blocklist;
                    if b.history.redo(&mut b.list) {
                        self.view.notice =
                            Some("Redid the change to the blocklist (Ctrl+Z undoes it)".into());
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
                                self.view.query.applied = None;
                                self.view.query.installed = false;
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
                    #[cfg(feature = "engine")]
                    State::Judge(j) => j.cancel(),
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
                    // Watching live: the stream judges its window with them from its next run.
                    if let Some(l) = self.live.as_ref().filter(|l| !l.stopped) {
                        l.set_settings(self.settings.clone());
                        self.view.settings_draft = None;
                        self.view.notice = Some(
                            "The live window is judged with these settings from its next run"
                                .into(),
                        );
                    } else if let State::Ready(w) = &self.state {
                        let analysis = self.start_analysis(ctx, &w.loaded);
                        if let State::Ready(w) = &mut self.state {
                            w.analysis = analysis;
                        }
                    }
                }
            }
        }
    }
}

//! The central area of a loaded workspace: the view of the tab shown, or detection's
//! progress while it runs.

use super::*;

/// The central view of a loaded workspace.
pub(super) fn workspace_view(
    ui: &mut Ui,
    w: &Workspace,
    live: Option<&live::Live>,
    view: &mut ViewState,
    out: &mut Vec<Command>,
) {
    let analysis = w.shown();
    if let Some(l) = live.filter(|_| view.tab != Tab::Live) {
        views::live::strip(ui, l, out);
    }
    let events = w.loaded.investigation.table.len() as u64;
    // The views that wait for the events' scores say so in the middle instead.
    let waiting = matches!(
        view.tab,
        Tab::Scatter | Tab::Timeline | Tab::Map | Tab::Breakdown | Tab::Evaluation
    );
    if let (AnalysisState::Scoring(job, _), false) = (&w.analysis, waiting) {
        scoring_strip(ui, job, events, out);
    }
    if let (true, Some(_)) = (views::query_bar::SHOWN_ON.contains(&view.tab), analysis) {
        let extras: Vec<String> = w
            .loaded
            .investigation
            .table
            .extras()
            .iter()
            .map(|e| e.name.clone())
            .collect();
        let applied = view.alerts.value.clone();
        let generation = analysis.map_or(0, |a| a.generation);
        views::query_bar::show(
            ui,
            &mut view.query,
            applied.as_ref(),
            &extras,
            generation,
            out,
        );
    }
    if let (Some((lo, hi)), Some(_)) = (view.time_range, analysis) {
        if !matches!(
            view.tab,
            Tab::Files
                | Tab::Settings
                | Tab::Evaluation
                | Tab::Blocklist
                | Tab::Domains
                | Tab::Live
        ) {
            ui.horizontal(|ui| {
                ui.label(
                    RichText::new(format!("Time range {}", text::time_range(lo, hi)))
                        .color(Color32::from_rgb(90, 160, 240))
                        .strong(),
                );
                ui.label(
                    RichText::new("filters the alerts, scatter, breakdown and web panels").weak(),
                );
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
        (Tab::Live, a) => {
            if let Some(l) = live {
                views::live::strip(ui, l, out);
            }
            views::live::show(ui, live, a.map(Arc::as_ref), view, out)
        }
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
        (Tab::Web, Some(a)) => web(ui, w, a, view, out),
        (Tab::Evaluation, Some(a)) => match &a.evaluation {
            Some(e) => views::evaluation::show(ui, e, view, out),
            None => {
                ui.label("These files carry no ground-truth labels to measure detection against.");
            }
        },
        (Tab::Settings, Some(a)) => views::settings::show(ui, a, view, out),
    }
}

/// The Web view, its numbers made on a worker for the filters, time range and clock.
fn web(
    ui: &mut Ui,
    w: &Workspace,
    a: &Arc<Analysis>,
    view: &mut ViewState,
    out: &mut Vec<Command>,
) {
    let files = &w.loaded.investigation.files;
    let shown = text::zone();
    let own = crate::web::log_zone(files, &shown);
    let own = (own != shown).then_some(own);
    let zone = match (&own, view.web.own_clock) {
        (Some(z), true) => z.clone(),
        _ => shown,
    };
    let (range, value) = (view.time_range, view.alerts.value.clone());
    let key = (a.generation, range, value.clone(), zone.clone());
    let (inv, an, ctx) = (w.loaded.investigation.clone(), a.clone(), ui.ctx().clone());
    let filters = view.alerts.clone();
    // A job for filters no longer wanted stops early.
    if view.web_key.as_ref() != Some(&key) {
        view.web_cancel
            .store(true, std::sync::atomic::Ordering::Relaxed);
        view.web_cancel = Arc::new(std::sync::atomic::AtomicBool::new(false));
        view.web_key = Some(key.clone());
    }
    let cancel = view.web_cancel.clone();
    // Lent out for the frame: the view also edits its own state.
    let mut made = std::mem::take(&mut view.web_stats);
    match made.get(
        &key,
        move || web_stats(&inv.table, &an, &filters, range, &zone, &cancel),
        move || ctx.request_repaint(),
    ) {
        Made::Ready(Some(stats)) => views::web::show(ui, stats, own.as_ref(), view, out),
        Made::Ready(None) | Made::Pending => {
            widgets::preparing(ui, "Counting the requests…");
        }
        Made::Failed(m) => {
            ui.colored_label(ERROR, m);
        }
    }
    view.web_stats = made;
}

/// The Web view's numbers over the events the filters and time range pass, each request
/// marked when its source is flagged (watch or block).
pub(super) fn web_stats(
    t: &crate::events::EventTable,
    a: &Analysis,
    filters: &AlertsView,
    range: Option<(i64, i64)>,
    zone: &crate::events::Zone,
    cancel: &std::sync::atomic::AtomicBool,
) -> Option<crate::web::WebStats> {
    let keeps = views::event_alerts::keeps(t, filters, range);
    let half = a.settings.auto_block / 2.0;
    let flagged = |r: usize| {
        a.source_of_row(t, r)
            .is_some_and(|s| a.detection.sources[s].confidence >= half)
    };
    crate::web::compute(
        t,
        (0..t.len()).filter(|&r| keeps(r)),
        zone,
        &flagged,
        views::web::LISTED,
        cancel,
    )
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

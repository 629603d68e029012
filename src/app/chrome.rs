//! The window's chrome: menu bar, header (name, totals, view tabs, Present) and status bar.

use std::path::PathBuf;

use eframe::egui::{self, Align, Key, Layout, RichText, Ui};

use super::{
    live, recent_paths, recent_title, sample_path, stat, text, thousands, AnalysisState, Command,
    NetsleuthApp, State, Tab, ERROR, WARN,
};

impl NetsleuthApp {
    pub(super) fn menu_bar(&mut self, ui: &mut Ui) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                if ui.button("Open…  (Ctrl+O)").clicked() {
                    self.commands.push(Command::OpenDialog);
                }
                if ui.button("Open a path…").clicked() {
                    self.view.path_field = true;
                }
                ui.menu_button("Open recent", |ui| {
                    if self.recent.entries.is_empty() {
                        ui.label(RichText::new("Nothing opened yet").weak());
                    }
                    for entry in &self.recent.entries {
                        if ui
                            .button(recent_title(entry))
                            .on_hover_text(recent_paths(entry))
                            .clicked()
                        {
                            self.commands.push(Command::Open(entry.clone()));
                        }
                    }
                    if !self.recent.entries.is_empty() {
                        ui.separator();
                        if ui.button("Clear the list").clicked() {
                            self.commands.push(Command::ClearRecent);
                        }
                    }
                });
                ui.separator();
                if ui.button("Open investigation…").clicked() {
                    self.commands.push(Command::CaseDialog(false));
                }
                let save = if self.case.is_some() {
                    "Save investigation as…"
                } else {
                    "Save as investigation…"
                };
                if ui
                    .button(save)
                    .on_hover_text(
                        "One .netsleuth file keeps the logs' places, settings, trained models, \
                         verdicts, notes and blocklist; every change is saved as it is made",
                    )
                    .clicked()
                {
                    self.commands.push(Command::SaveCaseForm);
                }
                if self.case.is_some()
                    && ui
                        .button("Close investigation")
                        .on_hover_text(
                            "Stop saving into the investigation file; the logs stay open and \
                             the blocklist kept for every file returns",
                        )
                        .clicked()
                {
                    self.commands.push(Command::CloseCase);
                }
                if ui
                    .button("Export report…")
                    .on_hover_text(
                        "The incident report for the review meeting: one HTML file that opens \
                         offline and prints to PDF, or Markdown with its charts",
                    )
                    .clicked()
                {
                    self.commands.push(Command::ReportDialog);
                }
                ui.separator();
                if ui.button("Open the bundled sample").clicked() {
                    if let Ok(p) = sample_path() {
                        self.commands.push(Command::Open(vec![p]));
                    }
                }
                ui.separator();
                if ui.button("Quit").clicked() {
                    ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
                }
            });
            ui.menu_button("View", |ui| {
                for tab in self.tabs() {
                    if ui.button(tab.title()).clicked() {
                        self.commands.push(Command::Show(tab));
                    }
                }
                ui.separator();
                if ui.button("Save the view as PNG").clicked() {
                    let name = format!("{} view", self.view.tab.title().to_lowercase());
                    self.commands.push(Command::SavePng(name, self.central));
                }
                if ui.button("Presentation mode  (F11)").clicked() {
                    self.commands.push(Command::TogglePresentation);
                }
                let theme = if self.view.dark {
                    "Light theme"
                } else {
                    "Dark theme"
                };
                if ui.button(theme).clicked() {
                    self.commands.push(Command::ToggleTheme);
                }
            });
            ui.menu_button("Help", |ui| {
                if ui.button("About netsleuth").clicked() {
                    self.view.about = true;
                }
            });
            if self.view.path_field {
                ui.separator();
                let label = ui.label("Path:");
                let edit = ui
                    .add(
                        egui::TextEdit::singleline(&mut self.view.open_path)
                            .hint_text("/path/to/log.csv; /another.json")
                            .desired_width(420.0),
                    )
                    .labelled_by(label.id);
                let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
                if (ui.button("Open").clicked() || enter) && !self.view.open_path.is_empty() {
                    let files = self
                        .view
                        .open_path
                        .split(';')
                        .map(|p| PathBuf::from(p.trim()))
                        .collect();
                    self.commands.push(Command::Open(files));
                }
            }
        });
    }

    pub(super) fn status_bar(&mut self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            match &self.state {
                State::Loading(job) => {
                    super::widgets::busy_spinner(ui);
                    ui.label(format!("Reading… {:.0}%", job.fraction() * 100.0));
                }
                State::Ready(w) => {
                    let inv = &w.loaded.investigation;
                    ui.label(format!(
                        "{} events · {} sources",
                        thousands(inv.table.len() as u64),
                        thousands(w.loaded.distinct_sources as u64)
                    ));
                    ui.separator();
                    match &w.analysis {
                        AnalysisState::Running(job) | AnalysisState::Scoring(job, _) => {
                            super::widgets::busy_spinner(ui);
                            ui.label(format!(
                                "Detecting: {} ({:.0}%)",
                                job.step(),
                                job.fraction() * 100.0
                            ));
                            if ui.small_button("Cancel").clicked() {
                                self.commands.push(Command::Cancel);
                            }
                        }
                        AnalysisState::Done(a) => {
                            ui.label(format!("Detection done in {:.2} s", a.seconds));
                        }
                        AnalysisState::Cancelled => {
                            ui.label(RichText::new("Detection cancelled").color(WARN));
                        }
                        AnalysisState::Failed(m) => {
                            ui.label(RichText::new("Detection failed").color(ERROR))
                                .on_hover_text(m);
                        }
                    }
                }
                #[cfg(feature = "engine")]
                State::Judge(j) => match (&j.outcome, j.cost()) {
                    (None, _) => {
                        super::widgets::busy_spinner(ui);
                        ui.label(format!("Judging on {}…", j.engine.describe()));
                        if ui.small_button("Cancel").clicked() {
                            self.commands.push(Command::Cancel);
                        }
                    }
                    (Some(Err(_)), _) => {
                        ui.label(RichText::new("The query stopped").color(WARN));
                    }
                    (Some(Ok(_)), (jobs, rows, bytes)) => {
                        ui.label(format!(
                            "Judged {} events where they are: {}, {} returned",
                            thousands(rows),
                            super::text::count(jobs, "job", "jobs"),
                            super::text::bytes(bytes)
                        ));
                    }
                },
                State::Failed(_) => {
                    ui.label("No investigation open");
                }
            }
            if let Some(n) = &self.view.notice {
                ui.separator();
                ui.label(RichText::new(n).color(WARN));
            }
        });
    }

    /// The app name and, once loaded, the totals.
    pub(super) fn header(&mut self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            ui.label(
                RichText::new("netsleuth")
                    .text_style(text::style("brand"))
                    .strong(),
            );
            if !self.view.presentation {
                ui.label(RichText::new("network traffic log investigation").weak());
            }
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                let label = if self.view.presentation {
                    "Exit presentation"
                } else {
                    "Present"
                };
                if ui
                    .button(label)
                    .on_hover_text("Presentation mode: larger type, chrome hidden (F11)")
                    .clicked()
                {
                    self.commands.push(Command::TogglePresentation);
                }
                let w = match &self.state {
                    State::Ready(w) => w,
                    State::Loading(_) => {
                        ui.label(RichText::new("Reading…").weak());
                        return;
                    }
                    #[cfg(feature = "engine")]
                    State::Judge(j) => {
                        let said = if j.is_running() {
                            "Judging where the data lives…"
                        } else {
                            "Judged where the data lives"
                        };
                        ui.label(RichText::new(said).weak());
                        return;
                    }
                    State::Failed(_) => {
                        ui.label(RichText::new("Nothing loaded").weak());
                        return;
                    }
                };
                let loaded = &w.loaded;
                let inv = &loaded.investigation;
                let failed = inv.failures.len() as u64;
                // Right to left: the last one first.
                if failed > 0 {
                    stat(ui, failed, ("unreadable file", "unreadable files"), ERROR);
                }
                if loaded.skipped > 0 {
                    stat(ui, loaded.skipped, ("skipped row", "skipped rows"), WARN);
                }
                let strong = ui.visuals().strong_text_color();
                let sources = loaded.distinct_sources as u64;
                stat(ui, sources, ("distinct source", "distinct sources"), strong);
                stat(ui, inv.files.len() as u64, ("file", "files"), strong);
                stat(ui, inv.table.len() as u64, ("event", "events"), strong);
            });
        });
        if let (true, State::Ready(w)) = (self.view.presentation, &self.state) {
            // A meeting needs to see what it is looking at: the files and their span.
            let inv = &w.loaded.investigation;
            let title = super::widgets::window_title(inv);
            let files = title
                .strip_prefix("netsleuth — ")
                .unwrap_or(&title)
                .to_string();
            let first = inv.files.iter().filter_map(|f| f.first_event_us).min();
            let last = inv.files.iter().filter_map(|f| f.last_event_us).max();
            let span = match (first, last) {
                (Some(a), Some(b)) => format!(" · {}", text::time_range(a, b)),
                _ => String::new(),
            };
            ui.label(RichText::new(format!("{files}{span}")).text_style(text::style("lead")));
        }
        if let State::Ready(_) = &self.state {
            ui.add_space(6.0);
            let tabs = self.tabs();
            ui.horizontal(|ui| {
                for tab in tabs {
                    let unseen = self.live.as_ref().map_or(0, live::Live::unseen);
                    let title = match tab {
                        Tab::Live if unseen > 0 => format!("Live ({})", thousands(unseen)),
                        _ => tab.title().to_owned(),
                    };
                    let text = RichText::new(title).text_style(text::style("section"));
                    let r = ui.selectable_label(self.view.tab == tab, text);
                    let r = match tab.digit() {
                        Some(d) => r.on_hover_text(format!("Ctrl+{d}")),
                        None => r,
                    };
                    if r.clicked() {
                        self.commands.push(Command::Show(tab));
                    }
                }
            });
            self.filter_chips(ui);
        }
    }

    /// The filters that are on, as chips above every view (each drops its filter), with
    /// Clear all: a filter is never on without showing.
    fn filter_chips(&mut self, ui: &mut Ui) {
        let active = self.view.alerts.active();
        let range = self.view.time_range;
        if active.is_empty() && range.is_none() {
            return;
        }
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new("Filtered by").color(WARN));
            for (part, label) in active {
                if ui
                    .button(format!("{label} ×"))
                    .on_hover_text("Drop this filter")
                    .clicked()
                {
                    self.view.alerts.clear(part);
                }
            }
            if let Some((a, b)) = range {
                if ui
                    .button(format!("{} ×", text::time_range(a, b)))
                    .on_hover_text("Drop the time range (Esc)")
                    .clicked()
                {
                    self.view.time_range = None;
                }
            }
            if ui.button("Clear all").clicked() {
                self.view.alerts = self.view.alerts.cleared();
                self.view.time_range = None;
            }
        });
    }
}

/// The About window: version and the attributions the bundled data asks for.
pub(super) fn about(ctx: &egui::Context, open: &mut bool) {
    egui::Window::new("About netsleuth")
        .open(open)
        .collapsible(false)
        .resizable(false)
        .show(ctx, |ui| {
            ui.label(RichText::new(format!("netsleuth {}", env!("CARGO_PKG_VERSION"))).strong());
            ui.label(env!("CARGO_PKG_DESCRIPTION"));
            ui.add_space(8.0);
            ui.label(RichText::new("Bundled data").strong());
            ui.label(crate::geo::BUNDLED_ATTRIBUTION);
            ui.label(crate::geo::ASN_ATTRIBUTION);
            ui.label(
                "Country outlines: Natural Earth (public domain), via the world-atlas package.",
            );
            ui.label(
                "Sample: AWS CloudWatch web-attack export from Kaggle's \"Suspicious Web Threat \
                 Interactions\" (MIT).",
            );
        });
}

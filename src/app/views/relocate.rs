//! The dialog shown when logs of an investigation are not where it last read them and were
//! found nowhere near: the analyst points at each one's new place (a file that is not the
//! same log is said and can still be used), or opens the investigation without it.

use std::path::PathBuf;

use eframe::egui::{self, RichText, Ui};

use crate::investigation::SourceFile;

use super::super::{thousands, Command, ERROR};

/// A log the analyst is asked about.
#[derive(Debug, Clone)]
pub struct MissingLog {
    /// The log as the investigation recorded it.
    pub file: SourceFile,
    /// The path typed for it.
    pub typed: String,
    /// Why the last path given was not taken.
    pub problem: Option<String>,
    /// A file that is not the same log, offered to use anyway.
    pub differs: Option<PathBuf>,
    /// Where it is now, once found.
    pub found: Option<PathBuf>,
    /// Opened without it.
    pub left_out: bool,
}

impl MissingLog {
    /// A log to ask about.
    pub fn new(file: SourceFile) -> MissingLog {
        MissingLog {
            file,
            typed: String::new(),
            problem: None,
            differs: None,
            found: None,
            left_out: false,
        }
    }

    /// Whether the analyst has answered for it.
    pub fn settled(&self) -> bool {
        self.found.is_some() || self.left_out
    }
}

/// The logs being relocated, until every one is settled.
#[derive(Debug, Clone, Default)]
pub struct Relocating {
    /// The logs asked about, in the investigation's order.
    pub missing: Vec<MissingLog>,
}

/// Shows the dialog while logs are unsettled.
pub fn show(ctx: &egui::Context, r: &mut Relocating, out: &mut Vec<Command>) {
    egui::Window::new("Where are the logs?")
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            ui.label(
                "This investigation reads logs that are not where it last read them, and no \
                 file of the same name and content is beside the investigation or in their old \
                 folder. Point at each one's new place, or open the investigation without it.",
            );
            ui.add_space(8.0);
            for (i, m) in r.missing.iter_mut().enumerate() {
                ui.separator();
                missing_log(ui, i, m, out);
            }
        });
}

fn missing_log(ui: &mut Ui, i: usize, m: &mut MissingLog, out: &mut Vec<Command>) {
    ui.label(RichText::new(m.file.path.display().to_string()).strong());
    ui.label(RichText::new(format!("{} bytes when it was read", thousands(m.file.size))).small());
    if let Some(p) = &m.found {
        ui.label(format!("Found at {}", p.display()));
        return;
    }
    if m.left_out {
        ui.label("Left out this time");
        return;
    }
    ui.horizontal(|ui| {
        let label = ui.label("New place:");
        let edit = ui
            .add(
                egui::TextEdit::singleline(&mut m.typed)
                    .hint_text("/path/to/the/log")
                    .desired_width(360.0),
            )
            .labelled_by(label.id);
        let enter = edit.lost_focus() && ui.input(|inp| inp.key_pressed(egui::Key::Enter));
        if (ui.button("Use").clicked() || enter) && !m.typed.trim().is_empty() {
            out.push(Command::Relocate(i, PathBuf::from(m.typed.trim()), false));
        }
        if ui.button("Browse…").clicked() {
            out.push(Command::LocateDialog(i));
        }
        if ui.button("Open without it").clicked() {
            out.push(Command::LeaveOut(i));
        }
    });
    if let Some(problem) = &m.problem {
        ui.colored_label(ERROR, problem);
    }
    if let Some(p) = &m.differs {
        if ui
            .button("Use it anyway (its findings may differ)")
            .clicked()
        {
            out.push(Command::Relocate(i, p.clone(), true));
        }
    }
}

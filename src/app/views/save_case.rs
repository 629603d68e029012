//! The dialog before an investigation is saved: what the file will hold, and whether it keeps
//! copies of the logs (so that it opens where the logs are not), with their size.

use eframe::egui::{self, RichText};

use super::super::{text, Command};

/// The save dialog's state.
#[derive(Debug, Clone, Default)]
pub struct SaveForm {
    /// The logs' size on disk.
    pub logs: u64,
    /// About how much their copies take in the file, once estimated on a worker.
    pub estimate: Option<u64>,
}

/// Shows the dialog; `keep_logs` is the analyst's choice. Returns `false` once it is closed.
pub fn show(
    ctx: &egui::Context,
    form: &SaveForm,
    keep_logs: &mut bool,
    out: &mut Vec<Command>,
) -> bool {
    let mut open = true;
    egui::Window::new("Save the investigation")
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            ui.label(
                "One .netsleuth file keeps where the logs are, the settings and trained models, \
                 your verdicts, notes and summary, the blocklist and the view; every change is \
                 saved as you make it.",
            );
            ui.add_space(6.0);
            let copies = match form.estimate {
                Some(e) => format!(
                    "Keep a copy of the logs inside (about {} compressed, from {})",
                    text::bytes(e),
                    text::bytes(form.logs)
                ),
                None => format!(
                    "Keep a copy of the logs inside ({} before compression; estimating…)",
                    text::bytes(form.logs)
                ),
            };
            ui.checkbox(keep_logs, copies);
            ui.label(
                RichText::new(
                    "With the copy, the investigation opens on a machine without the logs, with \
                     the same findings.",
                )
                .small(),
            );
            ui.add_space(6.0);
            ui.horizontal(|ui| {
                if ui.button("Choose where…").clicked() {
                    out.push(Command::CaseDialog(true));
                    open = false;
                }
                if ui.button("Cancel").clicked() {
                    open = false;
                }
            });
        });
    open
}

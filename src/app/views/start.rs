//! What shows before a workspace: the start view (why nothing is open, ways to open
//! something, recent investigations) and the reading card with progress and Cancel.

use std::path::PathBuf;
use std::time::Duration;

use eframe::egui::{self, Align, Frame, Layout, ProgressBar, RichText, Ui};

use crate::app::{sample_path, text, Command, LoadJob, ERROR};
use crate::session::RecentFiles;

/// A recent entry's menu text: its first file's name, and how many more were opened with it.
pub(in crate::app) fn recent_title(files: &[PathBuf]) -> String {
    let first = files.first().map_or_else(String::new, |p| {
        p.file_name().map_or_else(
            || p.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    });
    match files.len() {
        0 | 1 => first,
        n => format!("{first} and {} more", n - 1),
    }
}

/// Every path of a recent entry, one per line.
pub(in crate::app) fn recent_paths(files: &[PathBuf]) -> String {
    files
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// What shows when nothing is loaded: why, and ways to open something.
pub(in crate::app) fn start_view(
    ui: &mut Ui,
    msg: &str,
    recent: &RecentFiles,
    judging: (&mut String, &mut String),
    out: &mut Vec<Command>,
) {
    if !msg.is_empty() {
        ui.label(RichText::new(msg).color(ERROR).strong());
        ui.add_space(12.0);
    }
    ui.horizontal(|ui| {
        if ui.button("Open files…").clicked() {
            out.push(Command::OpenDialog);
        }
        if ui.button("Open the bundled sample").clicked() {
            if let Ok(p) = sample_path() {
                out.push(Command::Open(vec![p]));
            }
        }
    });
    ui.add_space(16.0);
    #[cfg(feature = "engine")]
    super::judging::controls(ui, judging, out);
    #[cfg(not(feature = "engine"))]
    let _ = judging;
    if recent.entries.is_empty() {
        return;
    }
    ui.add_space(12.0);
    ui.label(RichText::new("Recent").strong());
    for entry in &recent.entries {
        if ui
            .link(recent_title(entry))
            .on_hover_text(recent_paths(entry))
            .clicked()
        {
            out.push(Command::Open(entry.clone()));
        }
    }
}

/// A card of a long job in the middle of the window, `width` wide, under its `title`; the
/// window repaints while it shows.
pub(in crate::app) fn job_card(
    ui: &mut Ui,
    width: f32,
    title: &str,
    contents: impl FnOnce(&mut Ui),
) {
    ui.vertical_centered(|ui| {
        ui.add_space(ui.available_height() * 0.2);
        Frame::group(ui.style())
            .inner_margin(16)
            .corner_radius(8.0)
            .show(ui, |ui| {
                ui.set_width(width);
                ui.with_layout(Layout::top_down(Align::Min), |ui| {
                    ui.label(
                        RichText::new(title)
                            .text_style(text::style("section"))
                            .strong(),
                    );
                    contents(ui);
                });
            });
    });
    ui.ctx().request_repaint_after(Duration::from_millis(100));
}

/// A card with the files being read, a progress bar and Cancel.
pub(in crate::app) fn loading_view(ui: &mut Ui, job: &LoadJob) {
    const NAMED: usize = 6;
    let what = text::count(job.paths.len() as u64, "file", "files");
    job_card(ui, 480.0, &format!("Reading {what}…"), |ui| {
        for p in job.paths.iter().take(NAMED) {
            ui.label(RichText::new(p.display().to_string()).weak());
        }
        if job.paths.len() > NAMED {
            let more = job.paths.len() - NAMED;
            ui.label(RichText::new(format!("… and {more} more")).weak());
        }
        ui.add_space(4.0);
        let done = format!(
            "{} of {} ({:.0}%)",
            text::bytes(job.bytes_read()),
            text::bytes(job.total_bytes),
            job.fraction() * 100.0
        );
        ui.add(ProgressBar::new(job.fraction()).text(done));
        let secs = job.started.elapsed().as_secs_f64();
        let f = f64::from(job.fraction());
        let left = (f >= 0.05).then(|| secs * (1.0 - f) / f);
        if time_and_cancel(ui, &elapsed_and_left(secs, left), job.is_cancelling()) {
            job.cancel();
        }
    });
}

/// A card's last row: the time spent (and left) and Cancel, which reads "Cancelling…" once
/// asked; true when it was clicked.
pub(in crate::app) fn time_and_cancel(ui: &mut Ui, time: &str, cancelling: bool) -> bool {
    ui.horizontal(|ui| {
        ui.label(RichText::new(time).weak());
        ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
            let label = if cancelling {
                "Cancelling…"
            } else {
                "Cancel"
            };
            ui.add_enabled(!cancelling, egui::Button::new(label))
                .clicked()
        })
        .inner
    })
    .inner
}

/// "12 s, about 30 s left" (without the estimate when there is none yet).
pub(in crate::app) fn elapsed_and_left(elapsed: f64, left: Option<f64>) -> String {
    let spent = format!("{elapsed:.0} s");
    match left {
        Some(l) if l >= 1.0 => format!("{spent}, about {l:.0} s left"),
        Some(_) => format!("{spent}, almost done"),
        None => spent,
    }
}

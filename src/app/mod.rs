//! The desktop GUI. It renders state and sends commands; the reading itself runs on a worker
//! thread (see [`loading`]).

mod files_view;
mod loading;
mod text;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use eframe::egui::text::LayoutJob;
use eframe::egui::{
    self, Align, Color32, FontId, Frame, Layout, Margin, ProgressBar, RichText, TextFormat,
    TextStyle, Ui,
};

use crate::ingest::{Investigation, ReadError, ReadOptions};
pub use loading::{LoadJob, Loaded};
pub use text::thousands;

/// Red for files that could not be read.
const ERROR: Color32 = Color32::from_rgb(235, 95, 85);
/// Amber for skipped rows.
const WARN: Color32 = Color32::from_rgb(240, 170, 60);
/// Ground-truth benign counts.
const BENIGN: Color32 = Color32::from_rgb(110, 190, 120);
/// Ground-truth malicious counts.
const MALICIOUS: Color32 = Color32::from_rgb(235, 110, 100);

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

/// What the window shows.
enum State {
    Loading(LoadJob),
    Ready(Box<Loaded>),
    Failed(String),
}

/// The application state behind the main window.
pub struct NetsleuthApp {
    state: State,
}

impl NetsleuthApp {
    /// Sets the look, starts reading `files` (the bundled sample when empty) and returns the app.
    pub fn new(ctx: &egui::Context, files: Vec<PathBuf>, options: ReadOptions) -> Self {
        apply_style(ctx);
        let files = if files.is_empty() {
            match sample_path() {
                Ok(p) => vec![p],
                Err(e) => {
                    return NetsleuthApp {
                        state: State::Failed(format!("Cannot write the bundled sample: {e}")),
                    }
                }
            }
        } else {
            files
        };
        let ctx = ctx.clone();
        let job = LoadJob::start(files, options, move || ctx.request_repaint());
        NetsleuthApp {
            state: State::Loading(job),
        }
    }

    /// Whether files are still being read.
    pub fn is_loading(&self) -> bool {
        matches!(self.state, State::Loading(_))
    }

    /// The investigation, once loaded.
    pub fn investigation(&self) -> Option<&Investigation> {
        match &self.state {
            State::Ready(loaded) => Some(&loaded.investigation),
            _ => None,
        }
    }

    /// Takes the worker's result if it is ready, and titles the window after the files.
    fn poll(&mut self, ctx: &egui::Context) {
        let State::Loading(job) = &self.state else {
            return;
        };
        let Some(result) = job.poll() else {
            return;
        };
        self.state = match result {
            Ok(loaded) => {
                ctx.send_viewport_cmd(egui::ViewportCommand::Title(window_title(
                    &loaded.investigation,
                )));
                State::Ready(Box::new(loaded))
            }
            Err(ReadError::Cancelled) => State::Failed("Reading was cancelled.".into()),
            Err(e) => State::Failed(e.to_string()),
        };
    }

    /// Draws the whole window.
    pub fn show(&mut self, ui: &mut Ui) {
        self.poll(ui.ctx());
        egui::Panel::top("header")
            .frame(Frame::side_top_panel(ui.style()).inner_margin(Margin::symmetric(16, 10)))
            .show(ui, |ui| self.header(ui));
        egui::CentralPanel::default()
            .frame(Frame::central_panel(ui.style()).inner_margin(16))
            .show(ui, |ui| match &self.state {
                State::Loading(job) => loading_view(ui, job),
                State::Ready(loaded) => {
                    egui::ScrollArea::vertical()
                        .auto_shrink(false)
                        .show(ui, |ui| files_view::show(ui, loaded));
                }
                State::Failed(msg) => {
                    ui.label(RichText::new(msg).color(ERROR).strong());
                }
            });
    }

    /// The app name and, once loaded, the totals.
    fn header(&self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            ui.label(RichText::new("netsleuth").size(24.0).strong());
            ui.label(RichText::new("network traffic log investigation").weak());
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                let loaded = match &self.state {
                    State::Ready(loaded) => loaded,
                    State::Loading(_) => {
                        ui.label(RichText::new("Reading…").weak());
                        return;
                    }
                    State::Failed(_) => {
                        ui.label(RichText::new("Nothing loaded").weak());
                        return;
                    }
                };
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
    }
}

impl eframe::App for NetsleuthApp {
    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }
}

/// Dark theme with slightly larger text than egui's defaults, for reading on a projector.
fn apply_style(ctx: &egui::Context) {
    ctx.set_theme(egui::Theme::Dark);
    ctx.all_styles_mut(|style| {
        for (text_style, size) in [
            (TextStyle::Heading, 22.0),
            (TextStyle::Body, 14.0),
            (TextStyle::Button, 14.0),
            (TextStyle::Monospace, 13.0),
            (TextStyle::Small, 11.0),
        ] {
            if let Some(font) = style.text_styles.get_mut(&text_style) {
                font.size = size;
            }
        }
        style.spacing.item_spacing = egui::vec2(8.0, 6.0);
    });
}

/// "netsleuth — a.csv, b.log" (at most three names).
fn window_title(inv: &Investigation) -> String {
    const NAMED: usize = 3;
    let mut names: Vec<String> = inv
        .files
        .iter()
        .take(NAMED)
        .filter_map(|f| f.path.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .collect();
    if inv.files.len() > NAMED {
        names.push(format!("and {} more", inv.files.len() - NAMED));
    }
    if names.is_empty() {
        "netsleuth".into()
    } else {
        format!("netsleuth — {}", names.join(", "))
    }
}

/// A header total: a large number and its noun, read out as one label ("282 events").
fn stat(ui: &mut Ui, n: u64, (singular, plural): (&str, &str), color: Color32) {
    let noun = if n == 1 { singular } else { plural };
    let mut job = LayoutJob::default();
    let format = |size: f32, color: Color32| TextFormat {
        font_id: FontId::proportional(size),
        color,
        valign: Align::Center,
        ..Default::default()
    };
    job.append(&thousands(n), 0.0, format(20.0, color));
    job.append(
        &format!(" {noun}"),
        0.0,
        format(14.0, ui.visuals().weak_text_color()),
    );
    Frame::new()
        .fill(ui.visuals().extreme_bg_color)
        .corner_radius(6.0)
        .inner_margin(Margin::symmetric(12, 4))
        .show(ui, |ui| ui.label(job));
}

/// A card with the files being read, a progress bar and Cancel.
fn loading_view(ui: &mut Ui, job: &LoadJob) {
    const NAMED: usize = 6;
    ui.vertical_centered(|ui| {
        ui.add_space(ui.available_height() * 0.2);
        Frame::group(ui.style())
            .inner_margin(16)
            .corner_radius(8.0)
            .show(ui, |ui| {
                ui.set_width(480.0);
                ui.with_layout(Layout::top_down(Align::Min), |ui| {
                    let what = text::count(job.paths.len() as u64, "file", "files");
                    ui.label(
                        RichText::new(format!("Reading {what}…"))
                            .size(16.0)
                            .strong(),
                    );
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
                    ui.horizontal(|ui| {
                        let secs = job.started.elapsed().as_secs();
                        ui.label(RichText::new(format!("{secs} s")).weak());
                        ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                            let cancelling = job.is_cancelling();
                            let label = if cancelling {
                                "Cancelling…"
                            } else {
                                "Cancel"
                            };
                            if ui
                                .add_enabled(!cancelling, egui::Button::new(label))
                                .clicked()
                            {
                                job.cancel();
                            }
                        });
                    });
                });
            });
    });
    ui.ctx().request_repaint_after(Duration::from_millis(100));
}

/// Opens the main window on `files` (the bundled sample when empty).
pub fn run(files: Vec<PathBuf>, options: ReadOptions) -> ExitCode {
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
        Box::new(move |cc| Ok(Box::new(NetsleuthApp::new(&cc.egui_ctx, files, options)))),
    );
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("netsleuth: cannot open the window: {e}");
            ExitCode::FAILURE
        }
    }
}

//! The desktop GUI. It renders state and sends commands; the reading itself runs on a worker
//! thread (see [`loading`]).

mod files_view;
mod loading;

use std::path::PathBuf;
use std::process::ExitCode;

use eframe::egui::{self, Color32, RichText};

use crate::ingest::{Investigation, ReadError, ReadOptions};
pub use files_view::thousands;
pub use loading::LoadJob;

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
    Ready(Box<Investigation>),
    Failed(String),
}

/// The application state behind the main window.
pub struct NetsleuthApp {
    state: State,
}

impl NetsleuthApp {
    /// Starts reading `files` (the bundled sample when empty) and returns the app.
    pub fn new(ctx: &egui::Context, files: Vec<PathBuf>, options: ReadOptions) -> Self {
        let files = if files.is_empty() {
            match sample_path() {
                Ok(p) => vec![p],
                Err(e) => {
                    return NetsleuthApp {
                        state: State::Failed(format!("cannot write the bundled sample: {e}")),
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

    /// The investigation, once loaded.
    pub fn investigation(&self) -> Option<&Investigation> {
        match &self.state {
            State::Ready(inv) => Some(inv),
            _ => None,
        }
    }

    fn poll(&mut self) {
        if let State::Loading(job) = &self.state {
            if let Some(result) = job.poll() {
                self.state = match result {
                    Ok(inv) => State::Ready(Box::new(inv)),
                    Err(ReadError::Cancelled) => State::Failed("Reading was cancelled.".into()),
                    Err(e) => State::Failed(e.to_string()),
                };
            }
        }
    }

    fn title(&self) -> String {
        match &self.state {
            State::Ready(inv) if !inv.files.is_empty() => {
                let names: Vec<String> = inv
                    .files
                    .iter()
                    .filter_map(|f| f.path.file_name())
                    .map(|n| n.to_string_lossy().into_owned())
                    .collect();
                format!("netsleuth — {}", names.join(", "))
            }
            _ => "netsleuth".into(),
        }
    }

    /// Draws the whole window.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        self.poll();
        ui.ctx()
            .send_viewport_cmd(egui::ViewportCommand::Title(self.title()));
        egui::Panel::top("header").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.heading("netsleuth");
                ui.separator();
                match &self.state {
                    State::Ready(inv) => ui.label(format!(
                        "{} events from {} file(s), {} distinct sources",
                        thousands(inv.table.len() as u64),
                        inv.files.len(),
                        thousands(inv.distinct_sources() as u64)
                    )),
                    State::Loading(_) => ui.label("Reading…"),
                    State::Failed(_) => ui.label("Nothing loaded"),
                };
            });
        });
        egui::CentralPanel::default().show(ui, |ui| match &self.state {
            State::Loading(job) => {
                ui.label(format!("Reading {} file(s)…", job.paths.len()));
                ui.add(egui::ProgressBar::new(job.fraction()).show_percentage());
                if ui.button("Cancel").clicked() {
                    job.cancel();
                }
                ui.ctx()
                    .request_repaint_after(std::time::Duration::from_millis(100));
            }
            State::Ready(inv) => files_view::show(ui, inv),
            State::Failed(msg) => {
                ui.label(RichText::new(msg).color(Color32::from_rgb(230, 80, 60)));
            }
        });
    }
}

impl eframe::App for NetsleuthApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }
}

/// Opens the main window on `files` (the bundled sample when empty).
pub fn run(files: Vec<PathBuf>, options: ReadOptions) -> ExitCode {
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("netsleuth")
            .with_inner_size([1280.0, 800.0]),
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

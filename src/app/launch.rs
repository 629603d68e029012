//! The main window's launch: the frame log, the window's size, and the app opening the files
//! or judging them where they are.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use eframe::egui;

use super::NetsleuthApp;
use crate::ingest::ReadOptions;

/// Opens the main window on `files` (the bundled sample when empty), or judging them where they
/// are on `engine`, logging frame times to `frame_log` when given.
pub fn run(
    files: Vec<PathBuf>,
    options: ReadOptions,
    frame_log: Option<PathBuf>,
    #[cfg(feature = "engine")] engine: Option<crate::engine::Engine>,
) -> ExitCode {
    let frame_log = match frame_log.map(|p| std::fs::File::create(&p).map_err(|e| (p, e))) {
        None => None,
        Some(Ok(f)) => {
            let mut log = std::io::LineWriter::new(f);
            if writeln!(log, "unix_ms,frame_ms,previous_cpu_ms,events,view").is_err() {
                return ExitCode::FAILURE;
            }
            Some(log)
        }
        Some(Err((p, e))) => {
            eprintln!("netsleuth: cannot write the frame log {}: {e}", p.display());
            return ExitCode::FAILURE;
        }
    };
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("netsleuth")
            .with_app_id("netsleuth")
            // Fits a 1280x800 screen with the window manager's title bar and a panel: the status
            // bar must not start below the screen.
            .with_inner_size([1280.0, 720.0])
            .with_min_inner_size([720.0, 420.0]),
        ..Default::default()
    };
    let result = eframe::run_native(
        "netsleuth",
        native,
        Box::new(move |cc| {
            let config_dir = crate::session::config_dir();
            #[cfg(feature = "engine")]
            let mut app = match engine {
                Some(engine) => {
                    NetsleuthApp::judging(&cc.egui_ctx, files, engine, options, config_dir)
                }
                None => NetsleuthApp::new(&cc.egui_ctx, files, options, config_dir),
            };
            #[cfg(not(feature = "engine"))]
            let mut app = NetsleuthApp::new(&cc.egui_ctx, files, options, config_dir);
            app.frame_log = frame_log;
            Ok(Box::new(app))
        }),
    );
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("netsleuth: cannot open the window: {e}");
            ExitCode::FAILURE
        }
    }
}

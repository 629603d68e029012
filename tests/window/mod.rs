//! The real window driven headless through egui_kittest, shared by the GUI tests that open
//! one file: the harness (the app made on the first frame with the harness's context, as
//! eframe gives it one), and steps until the workers are done or a condition holds.

#![allow(dead_code)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use netsleuth::app::{Command, NetsleuthApp};
use netsleuth::ingest::ReadOptions;

/// The window under test.
pub type AppHarness = Harness<'static, Option<NetsleuthApp>>;

/// A file or folder of the shared data.
pub fn data(rel: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data")).join(rel)
}

/// The window at 1280x800 opening `file`.
pub fn harness(file: PathBuf) -> AppHarness {
    Harness::builder()
        .with_size([1280.0, 800.0])
        .with_max_steps(64)
        .build_ui_state(
            move |ui, app: &mut Option<NetsleuthApp>| {
                app.get_or_insert_with(|| {
                    NetsleuthApp::new(ui.ctx(), vec![file.clone()], ReadOptions::default(), None)
                })
                .show(ui);
            },
            None,
        )
}

/// The app behind the window.
pub fn app(h: &AppHarness) -> &NetsleuthApp {
    h.state()
        .as_ref()
        .expect("the app is made on the first frame")
}

/// Steps until no worker is busy for a few frames.
pub fn settle(h: &mut AppHarness) {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut idle = 0;
    while idle < 3 {
        assert!(Instant::now() < deadline, "the work did not finish in time");
        h.step();
        if h.state().as_ref().is_none_or(NetsleuthApp::is_busy) {
            idle = 0;
            std::thread::sleep(Duration::from_millis(10));
        } else {
            idle += 1;
        }
    }
    h.run();
}

/// Steps until `done` holds, for at most `secs` seconds.
pub fn step_until(h: &mut AppHarness, secs: u64, what: &str, done: impl Fn(&NetsleuthApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !h.state().as_ref().is_some_and(&done) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    h.run();
}

/// Sends `command` as a view would, and draws what it changed.
pub fn send(h: &mut AppHarness, command: Command) {
    h.state_mut().as_mut().unwrap().send(command);
    h.step();
    h.step();
    h.run();
}

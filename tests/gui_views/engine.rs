//! Judging where the data lives from the window: typed on the start view, the run's card, what
//! it found (the same verdicts as `netsleuth detect` in memory, written the same), blocking the
//! proposed sources, and an engine that cannot be reached said as such.

use std::path::Path;
use std::process::Command as Process;

use super::window::*;

use eframe::egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use netsleuth::app::{Command, NetsleuthApp};
use netsleuth::ingest::ReadOptions;

const LOG: &str = "web-access-logs/hackers-access.log";

/// The window on its start view (the bundled sample opened, then left).
fn start_view() -> AppHarness {
    egui_kittest::Harness::builder()
        .with_size([1280.0, 800.0])
        .with_max_steps(64)
        .build_ui_state(
            |ui, app: &mut Option<NetsleuthApp>| {
                app.get_or_insert_with(|| {
                    let mut app =
                        NetsleuthApp::new(ui.ctx(), Vec::new(), ReadOptions::default(), None);
                    app.send(Command::CloseJudged);
                    app
                })
                .show(ui);
            },
            None,
        )
}

fn type_into(h: &mut AppHarness, field: &str, text: &str) {
    h.get_by_role_and_label(Role::TextInput, field).focus();
    h.run();
    h.key_press_modifiers(eframe::egui::Modifiers::COMMAND, eframe::egui::Key::A);
    h.get_by_role_and_label(Role::TextInput, field)
        .type_text(text);
    h.run();
}

fn in_memory(out: &Path) -> String {
    let run = Process::new(env!("CARGO_BIN_EXE_netsleuth"))
        .arg("detect")
        .arg(data(LOG))
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    std::fs::read_to_string(out.join("sources.csv")).unwrap()
}

#[test]
fn a_log_judged_in_place_shows_and_writes_the_in_memory_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let want = in_memory(&dir.path().join("memory"));
    let mut h = start_view();
    settle(&mut h);
    assert!(app(&h).investigation().is_none());
    type_into(&mut h, "Folder or file", &data(LOG).display().to_string());
    h.get_by_label("Judge").click();
    settle(&mut h);
    // The verdicts: its top source first, every event counted where it lies.
    let top = want.lines().nth(1).unwrap().split(',').next().unwrap();
    assert!(
        h.query_all_by_label(top).next().is_some(),
        "{top} is not listed"
    );
    let table =
        netsleuth::ingest::read_files(&[data(LOG)], &ReadOptions::default(), &Default::default())
            .unwrap()
            .table;
    let events = table.len();
    let counted = format!(
        "{} events read where they are",
        netsleuth::app::thousands(events as u64)
    );
    assert!(h.query_by_label_contains(&counted).is_some(), "{counted}");
    // Its top source opened: the events it sent, every one, fetched from where they lie.
    h.query_all_by_label(top).next().unwrap().click();
    settle(&mut h);
    let ip: std::net::IpAddr = top.parse().unwrap();
    let sent = (0..events)
        .filter(|&r| table.source_ip(r) == Some(ip))
        .count();
    let fetched = format!("{} events", netsleuth::app::thousands(sent as u64));
    assert!(
        h.query_by_label_contains(&format!("{fetched}, fetched in"))
            .is_some()
            || h.query_by_label_contains(&format!("{fetched} (the first"))
                .is_some(),
        "{fetched}"
    );
    assert!(h.query_by_label(&format!("Events of {top}")).is_some());
    // Written as `detect` writes them.
    let out = dir.path().join("window");
    send(&mut h, Command::WriteJudged(out.clone()));
    step_until(&mut h, 60, "the CSVs", |_| {
        out.join("netsleuth-run.json").is_file()
    });
    assert_eq!(
        std::fs::read_to_string(out.join("sources.csv")).unwrap(),
        want
    );
    assert!(std::fs::read_to_string(out.join("netsleuth-run.json"))
        .unwrap()
        .contains("\"engine\""));
    // The proposed sources blocked in one step, each once.
    let proposed = std::fs::read_to_string(out.join("blocklist.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    assert!(proposed > 0);
    let before = app(&h).view().blocklist.list.entries.len();
    h.get_by_label(&format!("Block the {proposed} proposed"))
        .click();
    h.run();
    assert_eq!(
        app(&h).view().blocklist.list.entries.len(),
        before + proposed
    );
    assert!(h.query_by_label_contains("Block the 0 proposed").is_some());
}

#[test]
fn an_engine_that_cannot_be_reached_is_said() {
    let mut h = start_view();
    settle(&mut h);
    type_into(&mut h, "Engine", "ballista//nowhere");
    assert!(h.query_by_label_contains("unknown engine").is_some());
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    type_into(&mut h, "Engine", &format!("ballista://127.0.0.1:{port}"));
    type_into(&mut h, "Folder or file", &data(LOG).display().to_string());
    h.get_by_label("Judge").click();
    settle(&mut h);
    assert!(
        h.query_by_label_contains("cannot reach the Ballista scheduler")
            .is_some(),
        "no message"
    );
    h.get_by_label("Back").click();
    h.run();
    assert!(h.query_by_label("Judge").is_some());
}

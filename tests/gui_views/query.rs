//! The query bar in the real window, driven headless through egui_kittest on the real Cowrie
//! log of 2018-05-06: Ctrl+K opens it from any view, a query filters the alerts (and every
//! event view) to the sources with a matching event, counted independently from the raw
//! JSON; a mistake is pointed at by column and filters nothing; field names complete as they
//! are typed; the history offers the queries applied; Clear drops the filter.

use super::window::*;

use std::collections::BTreeSet;
use std::path::PathBuf;

use eframe::egui::{self, accesskit::Role};
use egui_kittest::kittest::Queryable;
use netsleuth::app::Tab;

const COWRIE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/honeypot/cowrie/cowrie.json.2018-05-06"
);

/// The events and distinct sources of the raw log whose `eventid` is `id`.
fn independent(id: &str) -> (u64, BTreeSet<String>) {
    let mut events = 0;
    let mut sources = BTreeSet::new();
    for line in std::fs::read_to_string(COWRIE).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v["eventid"] == id {
            events += 1;
            sources.insert(v["src_ip"].as_str().unwrap().to_owned());
        }
    }
    (events, sources)
}

fn type_query(h: &mut AppHarness, text: &str) {
    let field = h.get_by_role_and_label(Role::TextInput, "Query");
    field.focus();
    field.type_text(text);
    h.run();
}

#[test]
fn a_query_filters_every_event_view_and_a_mistake_is_pointed_at() {
    let mut h = harness(PathBuf::from(COWRIE));
    settle(&mut h);
    assert_eq!(app(&h).view().tab, Tab::Overview);
    // Ctrl+K from a view without the bar opens the alerts with it.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::K);
    h.run();
    assert_eq!(app(&h).view().tab, Tab::Alerts);

    // Completion: typing the start of a field name offers the names it begins.
    type_query(&mut h, "eventi");
    assert!(h.query_by_label("eventid").is_some(), "eventid is offered");
    h.get_by_label("eventid").click();
    h.run();
    type_query(&mut h, "= cowrie.login.success");
    h.key_press(egui::Key::Enter);
    h.run();
    settle(&mut h);
    let (events, sources) = independent("cowrie.login.success");
    assert!(events > 0 && !sources.is_empty());
    let f = app(&h)
        .view()
        .alerts
        .value
        .clone()
        .expect("the query filters");
    assert_eq!(f.value, "eventid = cowrie.login.success");
    assert_eq!(f.count(), events);
    let a = app(&h).analysis().unwrap();
    let listed: BTreeSet<String> = f
        .sources
        .iter()
        .map(|&i| a.detection.sources[i as usize].stats.ip.to_string())
        .collect();
    assert_eq!(listed, sources);
    assert!(h
        .query_by_label(&format!("{events} events match"))
        .is_some());
    assert!(
        h.query_by_label_contains("query: eventid").is_some(),
        "a chip shows it"
    );
    // The same filter is on in the other event views.
    h.get_by_label("Timeline").click();
    h.run();
    settle(&mut h);
    assert!(h
        .query_by_label(&format!("{events} events match"))
        .is_some());

    // A mistake: pointed at by column, and the filter on stays as it was.
    let bar = h.get_by_role_and_label(Role::TextInput, "Query");
    bar.focus();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.run();
    type_query(&mut h, "destination_port >= ");
    h.key_press(egui::Key::Enter);
    h.run();
    settle(&mut h);
    assert!(
        h.query_by_label_contains("expected").is_some(),
        "the message shows"
    );
    assert!(
        h.query_by_label_contains("                    ^").is_some(),
        "the caret points at column 21"
    );
    assert_eq!(
        app(&h)
            .view()
            .alerts
            .value
            .as_ref()
            .map(|f| f.value.as_str()),
        Some("eventid = cowrie.login.success")
    );

    // The history offers the query applied; Clear drops the filter.
    h.get_by_label("History").click();
    h.run();
    assert!(h.query_by_label("eventid = cowrie.login.success").is_some());
    h.key_press(egui::Key::Escape);
    h.run();
    h.get_by_label("Clear").click();
    h.run();
    settle(&mut h);
    assert!(app(&h).view().alerts.value.is_none());

    // `country` is where the source was placed when the log carries none (Cowrie's does not).
    let a = app(&h).analysis().unwrap();
    let country = a
        .detection
        .sources
        .iter()
        .find_map(|s| s.country().map(str::to_owned))
        .expect("a source is placed");
    let placed: BTreeSet<u32> = (0..a.detection.sources.len() as u32)
        .filter(|&i| a.detection.sources[i as usize].country() == Some(country.as_str()))
        .collect();
    let events: u64 = placed
        .iter()
        .map(|&i| a.detection.sources[i as usize].stats.events)
        .sum();
    type_query(&mut h, &format!("country = {country}"));
    h.key_press(egui::Key::Enter);
    h.run();
    settle(&mut h);
    let f = app(&h)
        .view()
        .alerts
        .value
        .clone()
        .expect("the query filters");
    assert_eq!(f.sources.iter().copied().collect::<BTreeSet<u32>>(), placed);
    assert_eq!(f.count(), events);
}

#[test]
fn values_complete_after_an_equals_sign() {
    let mut h = harness(PathBuf::from(COWRIE));
    settle(&mut h);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::K);
    h.run();
    // `status` is Cowrie's eventid: its most frequent values beginning with what is typed.
    type_query(&mut h, "status = cowrie.login.f");
    settle(&mut h);
    h.get_by_label("cowrie.login.failed").click();
    h.run();
    assert_eq!(app(&h).view().query.text, "status = cowrie.login.failed ");
    h.key_press(egui::Key::Enter);
    h.run();
    settle(&mut h);
    let (events, _) = independent("cowrie.login.failed");
    let f = app(&h)
        .view()
        .alerts
        .value
        .clone()
        .expect("the query filters");
    assert_eq!(f.count(), events);
}

#[test]
fn saved_queries_and_the_query_on_live_with_the_investigation() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("cowrie.netsleuth");
    let mut h = harness(PathBuf::from(COWRIE));
    settle(&mut h);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::K);
    h.run();
    type_query(&mut h, "eventid = cowrie.login.success");
    h.get_by_label("Save").click();
    h.run();
    h.get_by_label("Apply").click();
    h.run();
    settle(&mut h);
    assert_eq!(
        app(&h).view().query.saved,
        ["eventid = cowrie.login.success"]
    );
    h.state_mut()
        .as_mut()
        .unwrap()
        .send(netsleuth::app::Command::SaveCaseAs(case.clone()));
    h.step();
    settle(&mut h);
    assert!(case.is_file());
    // Every change is saved as it is made: a second query saved after the file was made.
    type_query(&mut h, " or eventid = cowrie.login.failed");
    h.get_by_label("Save").click();
    h.run();
    settle(&mut h);

    // The investigation opened again: the saved queries, and the query that was on.
    let mut again = harness(case.clone());
    settle(&mut again);
    let q = &app(&again).view().query;
    assert_eq!(
        q.saved,
        [
            "eventid = cowrie.login.success",
            "eventid = cowrie.login.success or eventid = cowrie.login.failed"
        ]
    );
    assert_eq!(q.applied.as_deref(), Some("eventid = cowrie.login.success"));
    let (events, _) = independent("cowrie.login.success");
    let f = app(&again)
        .view()
        .alerts
        .value
        .clone()
        .expect("the query is on");
    assert_eq!(f.count(), events);
}

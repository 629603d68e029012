//! The raw events in the real window, driven headless through egui_kittest on the real Cowrie
//! log of 2018-05-19: a source's panel opens every one of its events (not the first 50), the
//! query's matches are counted and shown alone, an event's original line is read from the
//! file and is the line the raw log holds, and the alerts open the events their filters pass.

use super::window::*;

use std::collections::BTreeMap;
use std::path::PathBuf;

use egui_kittest::kittest::Queryable;
use netsleuth::app::Command;

const COWRIE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/honeypot/cowrie/cowrie.json.2018-05-19"
);

#[test]
fn a_sources_events_all_of_them_with_the_query_and_the_original_line() {
    let raw: Vec<String> = std::fs::read_to_string(COWRIE)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    // Per source, its events and its commands typed, counted from the raw JSON.
    let mut events: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for line in &raw {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let e = events
            .entry(v["src_ip"].as_str().unwrap().to_owned())
            .or_default();
        e.0 += 1;
        if v["eventid"] == "cowrie.command.input" {
            e.1 += 1;
        }
    }
    // The source that typed the most commands, with more events than the panel's first 50.
    let (ip, (all, typed)) = events
        .iter()
        .max_by_key(|(_, (n, c))| (*c, *n))
        .map(|(ip, c)| (ip.clone(), *c))
        .unwrap();
    assert!(typed > 0);

    let mut h = harness(PathBuf::from(COWRIE));
    settle(&mut h);
    let i = app(&h)
        .analysis()
        .unwrap()
        .detection
        .sources
        .iter()
        .position(|s| s.stats.ip.to_string() == ip)
        .unwrap();
    send(&mut h, Command::Select(Some(i)));
    h.get_by_label(&format!("All {all} events…")).click();
    h.run();
    assert!(h
        .query_by_label(&format!("{all} of {all} events"))
        .is_some());

    // The query's matches among them: counted, then alone.
    send(
        &mut h,
        Command::Query("eventid = cowrie.command.input".into()),
    );
    settle(&mut h);
    assert!(
        h.query_by_label_contains(&format!("· {typed} match the query"))
            .is_some(),
        "{typed} commands typed"
    );
    h.get_by_label("Only those").click();
    h.run();
    assert!(h
        .query_by_label(&format!("{typed} of {all} events"))
        .is_some());

    // The original line of an event, read from the file: the raw log's own line.
    let row = app(&h).view().events.as_ref().unwrap().rows[0];
    send(&mut h, Command::OriginalLine(row));
    step_until(&mut h, 30, "the original line", |a| {
        a.view()
            .events
            .as_ref()
            .is_some_and(|e| e.original.is_some())
    });
    let t = &app(&h).investigation().unwrap().table;
    let line = t.line(row as usize) as usize;
    let (read_row, read) = app(&h)
        .view()
        .events
        .as_ref()
        .unwrap()
        .original
        .clone()
        .unwrap();
    assert_eq!(read_row, row);
    assert_eq!(read.unwrap(), raw[line - 1]);

    // The alerts open the events their filters pass: the query's, across every source.
    h.get_by_label("Close the table").click();
    h.run();
    assert!(app(&h).view().events.is_none());
    h.get_by_label("Alerts").click();
    h.run();
    h.get_by_label("Show the events…").click();
    h.run();
    settle(&mut h);
    let typed_all: usize = events.values().map(|(_, c)| c).sum();
    let listed = app(&h).view().events.as_ref().unwrap().rows.len();
    assert_eq!(listed, typed_all);
}

#[test]
fn a_map_clusters_events_open_from_its_menu() {
    let mut h = harness(PathBuf::from(COWRIE));
    settle(&mut h);
    h.get_by_label("Map").click();
    h.run();
    settle(&mut h);
    let cluster = app(&h)
        .view()
        .map
        .drawn()
        .iter()
        .filter(|d| d.members.len() > 1)
        .max_by_key(|d| d.members.len())
        .cloned()
        .expect("a cluster on the map");
    let a = app(&h).analysis().unwrap();
    let events: usize = cluster
        .members
        .iter()
        .map(|&i| a.detection.sources[i as usize].stats.rows.len())
        .sum();
    // A right click on the cluster.
    let at = cluster.center;
    h.hover_at(at);
    h.run();
    for pressed in [true, false] {
        h.event(eframe::egui::Event::PointerButton {
            pos: at,
            button: eframe::egui::PointerButton::Secondary,
            pressed,
            modifiers: Default::default(),
        });
        h.step();
    }
    h.run();
    let n = cluster.members.len();
    h.get_by_label(&format!("Show the events of these {n} sources"))
        .click();
    h.run();
    let ev = app(&h)
        .view()
        .events
        .as_ref()
        .expect("the event table opens");
    assert_eq!(ev.rows.len(), events);
    assert!(h
        .query_by_label(&format!("{events} of {events} events"))
        .is_some());
}

#[test]
fn a_findings_events_open_from_the_source_panel() {
    let mut h = harness(PathBuf::from(COWRIE));
    settle(&mut h);
    let a = app(&h).analysis().unwrap();
    // The most confident source with a finding: its first finding's events.
    let (i, rows) = a
        .ranked
        .iter()
        .find_map(|&i| {
            let f = a.detection.sources[i].findings.first()?;
            Some((i, f.rows.clone()))
        })
        .expect("a source with a finding");
    send(&mut h, Command::Select(Some(i)));
    let n = rows.len();
    let label = if n == 1 {
        "1 event".to_owned()
    } else {
        format!("{n} events")
    };
    // The finding sits below the panel's fold: clicked as assistive technology would.
    h.get_by_role_and_label(eframe::egui::accesskit::Role::Link, &label)
        .click_accesskit();
    h.run();
    let ev = app(&h)
        .view()
        .events
        .as_ref()
        .expect("the event table opens");
    assert_eq!(*ev.rows, rows);
    assert!(ev.title.contains(':'), "{}", ev.title);
}

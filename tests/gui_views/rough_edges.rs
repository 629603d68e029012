//! The window's rough edges a new user met, each driven headless through egui_kittest on a
//! real log: the status bar's messages do not outlive what they were about, "Look here
//! first" is in confidence order, and the map says which arcs wait for our network's country.

use super::window::*;

use eframe::egui::{self, accesskit::Role};
use egui_kittest::kittest::{NodeT, Queryable};
use netsleuth::app::Command;

fn open(rel: &str) -> AppHarness {
    let mut h = harness(data(rel));
    settle(&mut h);
    h
}

fn notice(h: &AppHarness) -> String {
    app(h).view().notice.clone().unwrap_or_default()
}

#[test]
fn a_message_does_not_outlive_what_it_was_about() {
    let mut h = open("web-access-logs/hackers-access.log");
    h.get_by_label("Alerts").click();
    h.run();
    // A filter on, the flagged sources it lists can be blocked together.
    let filter = h.get_by_role_and_label(Role::TextInput, "Filter");
    filter.focus();
    filter.type_text("Password guessing");
    h.run();
    settle(&mut h);
    h.get_by_label_contains("flagged sources listed").click();
    h.run();
    settle(&mut h);
    assert!(notice(&h).starts_with("Added "), "{}", notice(&h));
    // Undone, the message no longer says they were added.
    h.get_by_label("Blocklist").click();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run();
    assert!(notice(&h).starts_with("Undid"), "{}", notice(&h));
    // Another file opened: nothing said about the last one stays.
    h.state_mut()
        .as_mut()
        .unwrap()
        .send(Command::Open(vec![data(
            "honeypot/cowrie/cowrie.json.2018-05-06",
        )]));
    h.run();
    settle(&mut h);
    assert_eq!(notice(&h), "");
}

#[test]
fn look_here_first_is_in_confidence_order() {
    let h = open("web-access-logs/hackers-access.log");
    // The cards' confidences: the whole numbers between the section's title and the next.
    let labels: Vec<String> = h
        .query_all_by_label_contains("")
        .filter_map(|n| {
            let node = n.accesskit_node();
            node.label().or(node.value())
        })
        .collect();
    let start = labels.iter().position(|l| l == "Look here first").unwrap();
    let end = labels
        .iter()
        .position(|l| l == "Why sources were flagged")
        .unwrap();
    let shown: Vec<u32> = labels[start..end]
        .iter()
        .filter_map(|l| l.parse::<u32>().ok())
        .filter(|&c| c <= 100)
        .collect();
    assert!(shown.len() >= 4, "{shown:?}");
    assert!(
        shown.windows(2).all(|w| w[0] >= w[1]),
        "not in confidence order: {shown:?}"
    );
}

#[test]
fn the_map_says_which_arcs_it_cannot_draw_until_our_country_is_named() {
    // Cowrie's connections go to the honeypot's private address: those links have no place
    // until the network's country is named.
    let mut h = open("honeypot/cowrie/cowrie.json.2018-05-06");
    h.get_by_label("Map").click();
    h.run();
    settle(&mut h);
    let hint = "to draw them";
    assert!(
        h.query_by_label_contains(hint).is_some(),
        "the map says why"
    );
    let field = h.get_by_role_and_label(Role::TextInput, "Our network is in");
    field.focus();
    field.type_text("NL");
    h.run();
    settle(&mut h);
    assert!(h.query_by_label_contains(hint).is_none());
    let arcs = h.get_by_role_and_label(Role::CheckBox, "Arcs to destinations");
    assert!(!arcs.accesskit_node().is_disabled(), "arcs can be drawn");
}

#[test]
fn an_arcs_end_names_its_destination_on_hover() {
    // The proxy users of Cowrie's 19 May reached Google, Yandex and others through it.
    let mut h = open("honeypot/cowrie/cowrie.json.2018-05-19");
    h.get_by_label("Map").click();
    h.run();
    settle(&mut h);
    h.get_by_role_and_label(Role::CheckBox, "Arcs to destinations")
        .click();
    h.run();
    settle(&mut h);
    let map = &app(&h).view().map;
    assert!(map.arcs_drawn() > 0);
    let clear = |p: egui::Pos2| {
        map.drawn()
            .iter()
            .all(|d| d.center.distance(p) > d.radius + 8.0)
    };
    let (at, ip) = *map
        .arc_ends()
        .iter()
        .find(|(p, _)| clear(*p))
        .expect("an arc ends away from every marker");
    h.hover_at(at);
    h.run();
    assert!(
        h.query_by_label(&format!("Arcs end here: {ip}")).is_some(),
        "hovering the end of an arc names {ip}"
    );
}

#[test]
fn one_flagged_source_listed_is_said_in_the_singular() {
    let mut h = open("web-access-logs/hackers-access.log");
    h.get_by_label("Alerts").click();
    h.run();
    let filter = h.get_by_role_and_label(Role::TextInput, "Filter");
    filter.focus();
    filter.type_text("216.244.81.34");
    h.run();
    settle(&mut h);
    assert!(h
        .query_by_label("Block the 1 flagged source listed")
        .is_some());
}

#[test]
fn the_verdict_on_a_file_without_addresses_reads_without_gaps() {
    let h = open("nsl-kdd/KDDTrain+_20Percent.txt");
    let verdict = h.get_by_label_contains("look anomalous");
    let node = verdict.accesskit_node();
    let text = node.label().or(node.value()).unwrap_or_default();
    assert!(!text.contains("  "), "a gap in {text:?}");
    assert!(
        text.contains("these files name no source addresses"),
        "{text}"
    );
}

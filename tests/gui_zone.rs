//! Times shown in the zone the analyst chooses, in the real window driven headless through
//! egui_kittest (a test binary of its own: the zone is the window's, one per process). The
//! real Cowrie log of 2018-05-06 starts at 17:44:05 UTC: in Tokyo that is 02:44 the next day,
//! shown with its offset; a name that is no zone is refused; UTC comes back.

mod window;

use window::*;

use std::path::PathBuf;

use eframe::egui::accesskit::Role;
use egui_kittest::kittest::Queryable;

const COWRIE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/honeypot/cowrie/cowrie.json.2018-05-06"
);

fn use_zone(h: &mut AppHarness, name: &str) {
    h.get_by_label("Settings").click();
    h.run();
    h.get_by_role_and_label(Role::TextInput, "IANA name or offset")
        .scroll_to_me();
    h.run();
    let field = h.get_by_role_and_label(Role::TextInput, "IANA name or offset");
    field.focus();
    field.type_text(name);
    h.run();
    h.get_by_label("Show times so").click();
    h.run();
    h.get_by_label("Files").click();
    h.run();
}

#[test]
fn times_show_in_the_zone_chosen_with_their_offset() {
    let mut h = harness(PathBuf::from(COWRIE));
    settle(&mut h);
    h.get_by_label("Files").click();
    h.run();
    assert!(h.query_by_label("Time range (UTC)").is_some());
    assert!(h.query_by_label_contains("2018-05-06 17:44").is_some());

    use_zone(&mut h, "asia/tokyo");
    assert!(h.query_by_label("Time range (Asia/Tokyo)").is_some());
    assert!(
        h.query_by_label_contains("2018-05-07 02:44 +09:00")
            .is_some(),
        "17:44:05 UTC is 02:44 the next day in Tokyo"
    );

    // A name that is no zone is refused and the zone stays.
    h.get_by_label("Settings").click();
    h.run();
    h.get_by_role_and_label(Role::TextInput, "IANA name or offset")
        .scroll_to_me();
    h.run();
    let field = h.get_by_role_and_label(Role::TextInput, "IANA name or offset");
    field.focus();
    h.key_press_modifiers(eframe::egui::Modifiers::COMMAND, eframe::egui::Key::A);
    field.type_text("Mars/Olympus");
    h.run();
    h.get_by_label("Show times so").click();
    h.run();
    let notice = h.state().as_ref().unwrap().view().notice.clone().unwrap();
    assert!(notice.contains("is no time zone"), "{notice}");
    assert!(h.query_by_label_contains("Now: Asia/Tokyo").is_some());

    h.get_by_label("UTC").click();
    h.run();
    h.get_by_label("Files").click();
    h.run();
    assert!(h.query_by_label("Time range (UTC)").is_some());
    assert!(h.query_by_label_contains("2018-05-06 17:44").is_some());
}

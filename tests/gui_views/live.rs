//! Live mode in the real window, driven headless through egui_kittest: the real Cowrie log of
//! 2018-05-19 replayed an hour a second. The KPIs move as the replay goes, alerts are raised
//! and counted until looked at, pause holds the feed and resume goes on, and the selected
//! source stays selected across updates.

use super::window::*;

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use eframe::egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use netsleuth::app::NetsleuthApp;

const COWRIE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/honeypot/cowrie/cowrie.json.2018-05-19"
);

fn selected_ip(a: &NetsleuthApp) -> Option<IpAddr> {
    let i = a.view().selected?;
    Some(a.analysis()?.detection.sources.get(i)?.stats.ip)
}

#[test]
fn a_replay_moves_the_kpis_counts_new_alerts_pauses_and_keeps_the_selection() {
    let mut h = harness(PathBuf::from(COWRIE));
    step_until(&mut h, 120, "the log to be judged", |a| {
        a.analysis().is_some() && !a.is_busy()
    });
    let all_events = app(&h).investigation().unwrap().table.len();
    h.get_by_label("Live").click();
    h.run();
    h.get_by_role_and_label(Role::ComboBox, "Pace").click();
    h.run();
    h.get_by_label("3600× (an hour a second)").click();
    h.run();
    h.get_by_label("Start the replay").click();
    h.run();

    // Away from the Live view, the alerts raised show on its tab and in the strip above
    // every view; the strip's link leads back.
    h.get_by_label("Overview").click();
    h.run();
    step_until(&mut h, 60, "an alert", |a| {
        a.live().is_some_and(|l| l.total_alerts > 0)
    });
    h.run();
    assert!(app(&h).live().unwrap().unseen() > 0);
    assert!(
        h.query_by_label_contains("Live (").is_some(),
        "the tab counts them"
    );
    h.get_by_label_contains("new alerts").click();
    h.run();
    assert!(
        h.query_by_label_contains("new since you last looked")
            .is_some(),
        "the new alerts are counted in the Live view"
    );

    // The KPIs of one run, then of a later one: they move with the replay.
    let first = app(&h).live().unwrap().kpis.clone().unwrap();
    step_until(&mut h, 60, "a later run", |a| {
        a.live()
            .and_then(|l| l.kpis.as_ref())
            .is_some_and(|k| k.now_us > first.now_us + 3_600_000_000)
    });
    let later = app(&h).live().unwrap().kpis.clone().unwrap();
    assert_ne!(later.events, first.events, "{first:?} {later:?}");
    h.run();
    assert!(h.query_by_label_contains("Events · last 5 min").is_some());
    // The window the views show is the replay's so far, not the whole file.
    let shown = app(&h).investigation().unwrap().table.len();
    assert!(shown < all_events, "{shown} of {all_events}");

    // Select the source of the newest alert, in the alerts table.
    let ip = app(&h).live().unwrap().alerts[0].ip;
    step_until(
        &mut h,
        30,
        "the alerted source in the window's analysis",
        |a| {
            a.analysis()
                .is_some_and(|an| an.detection.sources.iter().any(|s| s.stats.ip == ip))
        },
    );
    h.run();
    h.query_all_by_label(&ip.to_string())
        .next()
        .expect("the alert's source is listed")
        .click();
    h.run();
    assert_eq!(selected_ip(app(&h)), Some(ip));
    // It stays selected as the window is judged again.
    let updates = app(&h).live().unwrap().updates;
    step_until(&mut h, 60, "two more runs", |a| {
        a.live().is_some_and(|l| l.updates >= updates + 2)
    });
    assert_eq!(
        selected_ip(app(&h)),
        Some(ip),
        "the selection survives updates"
    );

    // Pause holds the feed; resume goes on from where it stood.
    h.get_by_label("Pause").click();
    h.run();
    std::thread::sleep(Duration::from_millis(300));
    h.step();
    let held = app(&h).live().unwrap().status.progress;
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        h.step();
        std::thread::sleep(Duration::from_millis(50));
    }
    let live = app(&h).live().unwrap();
    assert!(live.paused());
    assert_eq!(
        live.status.progress, held,
        "nothing is replayed while paused"
    );
    let (done, all) = held.unwrap();
    if done < all {
        h.get_by_label("Resume").click();
        h.run();
        step_until(&mut h, 30, "the replay to go on", |a| {
            a.live()
                .and_then(|l| l.status.progress)
                .is_some_and(|(d, _)| d > done)
        });
    }

    // Settings changed while watching judge the window from the next run, not the file.
    let mut stricter = app(&h).analysis().unwrap().settings.clone();
    stricter.auto_block = 90.0;
    let runs = app(&h).live().unwrap().updates;
    h.state_mut()
        .as_mut()
        .unwrap()
        .send(netsleuth::app::Command::Rerun(stricter));
    step_until(&mut h, 30, "a live run with the new settings", |a| {
        a.live().is_some_and(|l| l.updates > runs)
            && a.analysis()
                .is_some_and(|an| an.settings.auto_block == 90.0)
    });

    // Looked at: nothing new.
    h.get_by_label("Mark as seen").click();
    h.run();
    assert_eq!(app(&h).live().unwrap().unseen(), 0);
    step_until(&mut h, 60, "the replay's end", |a| {
        a.live().is_some_and(|l| l.status.finished)
    });
    // Every event of the file was replayed once.
    let progress = app(&h).live().unwrap().status.progress;
    assert_eq!(progress, Some((all_events, all_events)));
    h.get_by_label("Stop").click();
    h.run();
    assert!(app(&h).live().unwrap().stopped);
    assert!(h.query_by_label_contains("Stopped").is_some());
}

//! The Web view in the real window, driven headless through egui_kittest on the real
//! hackers' access log: its totals are GoAccess's, an item opens exactly its events, the
//! requests of flagged sources are counted per item as detection flagged them, the query
//! filters the view, the clock can be the log's own or the zone shown elsewhere, and the tab
//! is only there for access logs.

use super::window::*;

use egui_kittest::kittest::Queryable;
use netsleuth::app::Command;
use netsleuth::web::PanelKind;

const HACKERS: &str = "web-access-logs/hackers-access.log";

#[test]
fn the_web_view_counts_opens_and_marks_as_an_analyst_needs() {
    let mut h = harness(data(HACKERS));
    settle(&mut h);
    h.get_by_label("Web").click();
    h.run();
    settle(&mut h);
    // GoAccess 1.7 on the same file: 3,456 requests, 672 unique visitors.
    assert!(h
        .query_by_label_contains("3,456 requests · 672 visitors")
        .is_some());
    assert!(h
        .query_by_label_contains("Days and hours in UTC+01:00")
        .is_some());

    // The requests of flagged sources for the busiest URL, counted from the analysis itself.
    let a = app(&h).analysis().unwrap();
    let t = &app(&h).investigation().unwrap().table;
    let half = a.settings.auto_block / 2.0;
    let (mut all, mut flagged) = (0u64, 0u64);
    for r in 0..t.len() {
        if t.detail(r)
            .is_some_and(|d| d.starts_with("POST /join_form HTTP/1.1\u{1f}"))
        {
            all += 1;
            let s = a.source_of_row(t, r).unwrap();
            flagged += u64::from(a.detection.sources[s].confidence >= half);
        }
    }
    assert_eq!(all, 551, "GoAccess's hits for POST /join_form");
    assert!(flagged > 0 && flagged < all, "{flagged} of {all} flagged");
    assert!(
        h.query_by_label(&format!("⚑ {flagged}")).is_some(),
        "⚑ {flagged} marks the URL"
    );

    // The URL opens exactly its events.
    h.get_by_label("POST /join_form HTTP/1.1").click();
    h.run();
    step_until(&mut h, 30, "the URL's events", |a| {
        a.view().events.is_some()
    });
    let t = &app(&h).investigation().unwrap().table;
    let e = app(&h).view().events.as_ref().unwrap();
    assert_eq!(e.rows.len(), 551);
    assert!(e.title.starts_with("Requested URLs: POST /join_form"));
    for &r in e.rows.iter() {
        let d = t.detail(r as usize).unwrap();
        assert!(d.starts_with("POST /join_form HTTP/1.1"), "{d}");
    }
    h.get_by_label("Close the table").click();
    h.run();

    // The query filters the view.
    send(&mut h, Command::Query("source_ip = 216.244.81.34".into()));
    settle(&mut h);
    assert!(h.query_by_label_contains("150 requests ·").is_some());
    send(&mut h, Command::Query(String::new()));
    settle(&mut h);

    // Counted on the zone shown elsewhere (UTC), the hours move an hour back.
    let before = hours(&h);
    h.get_by_label_contains("the zone shown elsewhere (UTC)")
        .click();
    h.run();
    settle(&mut h);
    assert!(h
        .query_by_label_contains("Days and hours in UTC.")
        .is_some());
    let after = hours(&h);
    let shifted: Vec<(String, u64)> = before
        .iter()
        .map(|(hour, n)| {
            let h: u32 = hour.parse().unwrap();
            (format!("{:02}", (h + 23) % 24), *n)
        })
        .collect();
    let mut shifted = shifted;
    shifted.sort();
    assert_eq!(after, shifted);
}

/// The Time of day panel's hours with their hits.
fn hours(h: &AppHarness) -> Vec<(String, u64)> {
    app(h)
        .view()
        .web_stats()
        .expect("the Web view's numbers")
        .panel(PanelKind::Hours)
        .items
        .iter()
        .map(|i| (i.key.text.clone(), i.hits))
        .collect()
}

#[test]
fn the_web_tab_is_there_for_access_logs_only() {
    let mut h = harness(data("honeypot/cowrie/cowrie.json.2018-05-19"));
    settle(&mut h);
    assert!(h.query_by_label("Map").is_some());
    assert!(h.query_by_label("Web").is_none());
}

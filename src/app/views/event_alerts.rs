//! The per-event alerts: every anomalous event, most anomalous first (or by time or size),
//! filtered by the alerts' text, port, protocol and country filters and the time range, and
//! virtualised like the source table.

use eframe::egui::{self, Align, Layout, RichText, Sense, Ui};
use egui_extras::{Column, TableBuilder};

use super::alerts::ValueFilter;
use crate::app::analysis::Analysis;
use crate::app::text::{bytes, thousands};
use crate::app::{sort_header, AlertsView, Command, ViewState, WARN};
use crate::events::EventTable;

/// Columns the event table sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum EventSort {
    /// Combined anomaly score.
    #[default]
    Score,
    /// Event time.
    Time,
    /// Bytes sent.
    Sent,
    /// Bytes received.
    Received,
}

/// The event table's sort order and cached rows.
#[derive(Default)]
pub struct EventAlertsView {
    /// The sort column.
    pub sort: EventSort,
    /// Oldest or smallest first.
    pub ascending: bool,
    cache: Option<(RowsKey, Vec<u32>)>,
}

/// What the rows depend on.
type RowsKey = (u64, AlertsView, Option<(i64, i64)>, EventSort, bool);

/// Whether event row `r` passes the filters that apply to events: the brushed time range,
/// a picked value, port, protocol, country and text. What the event views show, and what
/// "Save the events shown" writes.
pub fn keeps<'a>(
    t: &'a EventTable,
    f: &AlertsView,
    range: Option<(i64, i64)>,
) -> impl Fn(usize) -> bool + 'a {
    let text = f.text.trim().to_lowercase();
    let port: Option<u16> = f.port.trim().parse().ok();
    let protocol = f.protocol.trim().to_lowercase();
    let country = f.country.trim().to_owned();
    let value = f.value.clone();
    move |r| {
        range.is_none_or(|(lo, hi)| t.time_us(r).is_some_and(|us| (lo..=hi).contains(&us)))
            && ValueFilter::keeps(value.as_ref(), r)
            && port.is_none_or(|p| t.destination_port(r) == Some(p))
            && (protocol.is_empty()
                || t.app_protocol(r)
                    .or_else(|| t.transport(r))
                    .is_some_and(|p| p.to_lowercase().contains(&protocol)))
            && (country.is_empty()
                || t.country_code(r)
                    .is_some_and(|c| c.eq_ignore_ascii_case(&country)))
            && (text.is_empty()
                || t.source_ip(r)
                    .is_some_and(|ip| ip.to_string().contains(&text))
                || t.destination_ip(r)
                    .is_some_and(|ip| ip.to_string().contains(&text))
                || t.detail(r)
                    .is_some_and(|s| s.to_lowercase().contains(&text)))
    }
}

/// The anomalous events that pass the filters, in table order.
pub fn rows(
    t: &EventTable,
    a: &Analysis,
    f: &AlertsView,
    range: Option<(i64, i64)>,
    sort: EventSort,
    ascending: bool,
) -> Vec<u32> {
    let d = &a.detection;
    let keeps = keeps(t, f, range);
    let mut rows: Vec<u32> = (0..t.len())
        .filter(|&r| d.event_flagged[r] && keeps(r))
        .map(|r| r as u32)
        .collect();
    let key = |r: u32| -> f64 {
        let r = r as usize;
        match sort {
            EventSort::Score => d.event_score[r],
            EventSort::Time => t.time_us(r).map_or(f64::NEG_INFINITY, |us| us as f64),
            EventSort::Sent => t.bytes_sent(r).unwrap_or(f64::NEG_INFINITY),
            EventSort::Received => t.bytes_received(r).unwrap_or(f64::NEG_INFINITY),
        }
    };
    rows.sort_by(|&x, &y| {
        let o = key(x).total_cmp(&key(y)).then(x.cmp(&y));
        if ascending {
            o
        } else {
            o.reverse()
        }
    });
    rows
}

/// Shows the table of anomalous events.
pub fn show(
    ui: &mut Ui,
    t: &EventTable,
    a: &Analysis,
    view: &mut ViewState,
    out: &mut Vec<Command>,
) {
    let ev = &mut view.event_alerts;
    let key: RowsKey = (
        a.generation,
        view.alerts.clone(),
        view.time_range,
        ev.sort,
        ev.ascending,
    );
    if ev.cache.as_ref().is_none_or(|(k, _)| *k != key) {
        let r = rows(t, a, &view.alerts, view.time_range, ev.sort, ev.ascending);
        ev.cache = Some((key, r));
    }
    let rows: &[u32] = ev.cache.as_ref().map_or(&[], |(_, r)| r.as_slice());
    ui.label(
        RichText::new(format!(
            "{} of {} anomalous events",
            thousands(rows.len() as u64),
            thousands(a.flagged_events().unwrap_or(0) as u64)
        ))
        .weak(),
    );
    ui.add_space(4.0);
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
    let columns: [(&str, Option<EventSort>); 8] = [
        ("Score", Some(EventSort::Score)),
        ("Time", Some(EventSort::Time)),
        ("Source", None),
        ("Destination", None),
        ("Protocol", None),
        ("Sent", Some(EventSort::Sent)),
        ("Received", Some(EventSort::Received)),
        ("Detail", None),
    ];
    let selected_ip = view.selected.map(|i| a.detection.sources[i].stats.ip);
    let (sort, ascending) = (&mut ev.sort, &mut ev.ascending);
    ui.style_mut().interaction.selectable_labels = false;
    TableBuilder::new(ui)
        .id_salt("event-alerts")
        .striped(true)
        .sense(Sense::click())
        .cell_layout(Layout::left_to_right(Align::Center))
        .column(Column::exact(64.0))
        .column(Column::exact(150.0))
        .column(Column::initial(130.0).resizable(true))
        .column(Column::initial(170.0).resizable(true))
        .column(Column::exact(80.0))
        .column(Column::exact(80.0))
        .column(Column::exact(80.0))
        .column(Column::remainder().clip(true))
        .header(row_height + 4.0, |mut header| {
            for (title, key) in columns {
                header.col(|ui| {
                    let Some(key) = key else {
                        ui.label(RichText::new(title).strong());
                        return;
                    };
                    if sort_header(ui, title, *sort == key, !*ascending) {
                        if *sort == key {
                            *ascending = !*ascending;
                        } else {
                            *sort = key;
                            *ascending = key == EventSort::Time;
                        }
                    }
                });
            }
        })
        .body(|body| {
            body.rows(row_height, rows.len(), |mut row| {
                let r = rows[row.index()] as usize;
                let source = t.source_ip(r);
                row.set_selected(source.is_some() && source == selected_ip);
                row.col(|ui| {
                    ui.label(
                        RichText::new(format!("{:.3}", a.detection.event_score[r]))
                            .strong()
                            .color(WARN),
                    );
                });
                row.col(|ui| {
                    ui.label(
                        t.time_us(r)
                            .map(crate::app::text::instant)
                            .unwrap_or_default(),
                    )
                    .on_hover_text(crate::app::text::zone().name());
                });
                row.col(|ui| {
                    ui.label(
                        RichText::new(source.map(|ip| ip.to_string()).unwrap_or_default())
                            .monospace(),
                    );
                });
                row.col(|ui| {
                    let dst = t
                        .destination_ip(r)
                        .map(|ip| ip.to_string())
                        .unwrap_or_default();
                    let port = t
                        .destination_port(r)
                        .map(|p| format!(":{p}"))
                        .unwrap_or_default();
                    ui.label(RichText::new(format!("{dst}{port}")).monospace());
                });
                row.col(|ui| {
                    ui.label(t.app_protocol(r).or_else(|| t.transport(r)).unwrap_or(""));
                });
                for v in [t.bytes_sent(r), t.bytes_received(r)] {
                    row.col(|ui| {
                        ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                            ui.label(v.map(|b| bytes(b.max(0.0) as u64)).unwrap_or_default());
                        });
                    });
                }
                row.col(|ui| {
                    ui.label(
                        t.detail_text(r)
                            .or_else(|| t.outcome(r).map(str::to_string))
                            .unwrap_or_default(),
                    );
                });
                if row.response().clicked() {
                    if let Some(i) = a.source_of_row(t, r) {
                        out.push(Command::Select(Some(i)));
                    }
                }
            });
        });
}

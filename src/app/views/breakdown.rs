//! Where the anomalies are: anomalous events by destination port, protocol and source
//! country, flagged sources by reason, and an hour-of-day by weekday heatmap. Computed over
//! the brushed time range (or everything) in one pass over the events, on a worker thread.

use std::collections::HashMap;

use eframe::egui::{self, Color32, Rect, RichText, Sense, Stroke, Ui};
use rayon::prelude::*;

use super::alerts::ValueFilter;
use crate::app::analysis::Analysis;
use crate::app::text::thousands;
use crate::app::{AlertsView, Command, Tab, ViewState, ERROR};
use crate::events::EventTable;
use crate::features::{hour_of_day, weekday, FeatureSettings};

/// Bars shown per chart.
const BARS: usize = 12;

/// One bar: a category with its anomalous and total event counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// The category ("443", "HTTPS", "US").
    pub label: String,
    /// Anomalous events (or flagged sources, for reasons).
    pub anomalous: u64,
    /// All events (or sources).
    pub total: u64,
}

/// The breakdown of one time range.
#[derive(Debug, Clone, PartialEq)]
pub struct Breakdown {
    /// The range it covers, microseconds since the epoch; `None` for everything.
    pub range: Option<(i64, i64)>,
    /// The value filter it was counted under (only events holding the value).
    pub value: Option<ValueFilter>,
    /// Events in the range.
    pub events: u64,
    /// Anomalous events in the range.
    pub anomalous: u64,
    /// By destination port, most anomalous first.
    pub ports: Vec<Bar>,
    /// By protocol (application protocol, else transport).
    pub protocols: Vec<Bar>,
    /// By the source's country.
    pub countries: Vec<Bar>,
    /// By the source's autonomous system ("AS14061 DigitalOcean, LLC").
    pub ases: Vec<Bar>,
    /// Flagged sources active in the range, by kind of reason.
    pub reasons: Vec<Bar>,
    /// Anomalous events by weekday (Monday first) and hour of day.
    pub heatmap: [[u32; 24]; 7],
}

/// The `BARS` categories with the most anomalous events (then the most events).
fn top<K: ToString>(counts: impl IntoIterator<Item = (K, (u64, u64))>) -> Vec<Bar> {
    let mut bars: Vec<Bar> = counts
        .into_iter()
        .map(|(k, (anomalous, total))| Bar {
            label: k.to_string(),
            anomalous,
            total,
        })
        .collect();
    bars.sort_by(|a, b| {
        b.anomalous
            .cmp(&a.anomalous)
            .then(b.total.cmp(&a.total))
            .then(a.label.cmp(&b.label))
    });
    bars.truncate(BARS);
    bars
}

/// Events per source (by index into the detection's sources) in `range` that hold `value`'s
/// value: what the alerts filter by when a time range is brushed, counted in parallel without
/// the rest of the breakdown so that the alerts need not wait for it.
pub fn source_events(
    t: &EventTable,
    a: &Analysis,
    range: Option<(i64, i64)>,
    value: Option<&ValueFilter>,
) -> Vec<u32> {
    let sources = a.detection.sources.len();
    (0..t.len())
        .into_par_iter()
        .filter(|&r| ValueFilter::keeps(value, r) && in_range(t.time_us(r), range))
        .filter_map(|r| a.source_of_row(t, r))
        .fold(
            || vec![0u32; sources],
            |mut n, s| {
                n[s] += 1;
                n
            },
        )
        .reduce(
            || vec![0u32; sources],
            |mut n, m| {
                n.iter_mut().zip(m).for_each(|(a, b)| *a += b);
                n
            },
        )
}

/// Whether an event at `time` falls in `range` (every event, timed or not, when `None`).
fn in_range(time: Option<i64>, range: Option<(i64, i64)>) -> bool {
    range.is_none_or(|(lo, hi)| time.is_some_and(|us| (lo..=hi).contains(&us)))
}

impl Breakdown {
    /// Counts the events of `t` in `range` (all when `None`) that hold `value`'s value (all
    /// when `None`).
    pub fn new(
        t: &EventTable,
        a: &Analysis,
        range: Option<(i64, i64)>,
        value: Option<&ValueFilter>,
    ) -> Breakdown {
        let d = &a.detection;
        let features = &a.settings.features;
        let mut ports: HashMap<u16, (u64, u64)> = HashMap::new();
        let mut protocols: HashMap<&str, (u64, u64)> = HashMap::new();
        let mut countries: HashMap<&str, (u64, u64)> = HashMap::new();
        let as_of: Vec<Option<String>> = d.sources.iter().map(|s| s.as_text()).collect();
        let mut ases: HashMap<&str, (u64, u64)> = HashMap::new();
        let mut heatmap = [[0u32; 24]; 7];
        let mut source_events = vec![0u32; d.sources.len()];
        let (mut events, mut anomalous) = (0u64, 0u64);
        for r in (0..t.len()).filter(|&r| ValueFilter::keeps(value, r)) {
            let time = t.time_us(r);
            if !in_range(time, range) {
                continue;
            }
            let flagged = d.event_flagged[r];
            let add = |e: &mut (u64, u64)| {
                e.0 += u64::from(flagged);
                e.1 += 1;
            };
            events += 1;
            anomalous += u64::from(flagged);
            if let Some(p) = t.destination_port(r) {
                add(ports.entry(p).or_default());
            }
            if let Some(p) = t.app_protocol(r).or_else(|| t.transport(r)) {
                add(protocols.entry(p).or_default());
            }
            let source = a.source_of_row(t, r);
            // The source's country (GeoIP's, else its log's); rows without a source keep the
            // country they carry.
            let country = source.map_or(t.country_code(r), |s| d.sources[s].country());
            if let Some(c) = country {
                add(countries.entry(c).or_default());
            }
            if let Some(s) = source {
                source_events[s] += 1;
                if let Some(asn) = as_of[s].as_deref() {
                    add(ases.entry(asn).or_default());
                }
            }
            if let (true, Some(us)) = (flagged, time) {
                heatmap[weekday(us, features) as usize][hour_of_day(us, features) as usize] += 1;
            }
        }
        // Each reason against every flagged source active in the range.
        let in_range = d
            .sources
            .iter()
            .zip(&source_events)
            .filter(|(_, n)| **n > 0)
            .map(|(s, _)| s);
        let (tally, flagged) = a.reason_tally(in_range);
        let reasons = tally
            .into_iter()
            .map(|(k, n)| (k, (n as u64, flagged as u64)));
        Breakdown {
            range,
            value: value.cloned(),
            events,
            anomalous,
            ports: top(ports),
            protocols: top(protocols),
            countries: top(countries),
            ases: top(ases),
            reasons: top(reasons),
            heatmap,
        }
    }
}

/// A clicked bar: the alerts filter it sets.
enum Pick {
    Port(String),
    Protocol(String),
    Country(String),
    Reason(String),
    As(String),
}

/// Shows the breakdown of the current time range.
pub fn show(
    ui: &mut Ui,
    b: &Breakdown,
    features: &FeatureSettings,
    view: &mut ViewState,
    out: &mut Vec<Command>,
) {
    egui::ScrollArea::vertical()
        .auto_shrink(false)
        .show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                ui.label(
                    RichText::new(format!(
                        "{} anomalous of {} events{}. Click a bar to list its sources.",
                        thousands(b.anomalous),
                        thousands(b.events),
                        if b.range.is_some() {
                            " in the selected time range"
                        } else {
                            ""
                        }
                    ))
                    .weak(),
                );
            });
            ui.add_space(8.0);
            let mut pick = None;
            ui.columns(2, |cols| {
                if let Some(p) = chart(
                    &mut cols[0],
                    "Anomalous events by destination port",
                    &b.ports,
                ) {
                    pick = Some(Pick::Port(p));
                }
                if let Some(p) = chart(&mut cols[1], "Anomalous events by protocol", &b.protocols) {
                    pick = Some(Pick::Protocol(p));
                }
            });
            ui.add_space(12.0);
            ui.columns(2, |cols| {
                if let Some(c) = chart(
                    &mut cols[0],
                    "Anomalous events by source country",
                    &b.countries,
                ) {
                    pick = Some(Pick::Country(c));
                }
                if let Some(r) = chart(&mut cols[1], "Flagged sources by reason", &b.reasons) {
                    pick = Some(Pick::Reason(r));
                }
            });
            if !b.ases.is_empty() {
                ui.add_space(12.0);
                ui.columns(2, |cols| {
                    if let Some(a) = chart(&mut cols[0], "Anomalous events by source AS", &b.ases) {
                        pick = Some(Pick::As(a));
                    }
                });
            }
            if let Some(pick) = pick {
                // The alerts keep their order but only this one filter.
                let f = &mut view.alerts;
                *f = AlertsView {
                    sort: f.sort,
                    descending: f.descending,
                    ..AlertsView::default()
                };
                match pick {
                    Pick::Port(v) => f.port = v,
                    Pick::Protocol(v) => f.protocol = v,
                    Pick::Country(v) => f.country = v,
                    Pick::Reason(v) => f.reason = v,
                    Pick::As(v) => f.text = v,
                }
                out.push(Command::Show(Tab::Alerts));
            }
            ui.add_space(12.0);
            heatmap(ui, &b.heatmap, features);
        });
}

/// A horizontal bar chart: grey for all events (or all flagged sources), orange for the
/// anomalous share (or the sources with that reason). Returns the label of a clicked bar.
fn chart(ui: &mut Ui, title: &str, bars: &[Bar]) -> Option<String> {
    ui.label(RichText::new(title).strong());
    if bars.is_empty() {
        ui.label(RichText::new("These files do not carry this field.").weak());
        return None;
    }
    let max = bars.iter().map(|b| b.total).max().unwrap_or(1).max(1) as f32;
    let row_h = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
    let label_w = 150.0;
    let mut clicked = None;
    for bar in bars {
        let (rect, response) =
            ui.allocate_exact_size(egui::vec2(ui.available_width(), row_h), Sense::click());
        let painter = ui.painter_at(rect);
        if response.hovered() {
            painter.rect_filled(rect, 3.0, ui.visuals().widgets.hovered.weak_bg_fill);
        }
        let text_color = ui.visuals().text_color();
        let font = egui::TextStyle::Body.resolve(ui.style());
        let name = if bar.label.chars().count() > 22 {
            format!("{}…", bar.label.chars().take(21).collect::<String>())
        } else {
            bar.label.clone()
        };
        // Clipped to its column, so a long name never runs under the bar.
        let label_area = Rect::from_min_size(rect.min, egui::vec2(label_w - 6.0, rect.height()));
        painter.with_clip_rect(label_area.intersect(rect)).text(
            rect.left_center() + egui::vec2(4.0, 0.0),
            egui::Align2::LEFT_CENTER,
            name,
            font.clone(),
            text_color,
        );
        let numbers = format!("{} / {}", thousands(bar.anomalous), thousands(bar.total));
        let numbers_w = 110.0;
        let track = Rect::from_min_max(
            rect.left_top() + egui::vec2(label_w, 3.0),
            rect.right_bottom() - egui::vec2(numbers_w, 3.0),
        );
        if track.width() > 10.0 {
            let w = |n: u64| track.width() * n as f32 / max;
            let all = Rect::from_min_size(track.min, egui::vec2(w(bar.total), track.height()));
            painter.rect_filled(all, 2.0, ui.visuals().widgets.inactive.bg_fill);
            let bad = Rect::from_min_size(track.min, egui::vec2(w(bar.anomalous), track.height()));
            painter.rect_filled(bad, 2.0, Color32::from_rgb(245, 150, 50));
        }
        painter.text(
            rect.right_center() - egui::vec2(4.0, 0.0),
            egui::Align2::RIGHT_CENTER,
            numbers,
            font,
            ui.visuals().weak_text_color(),
        );
        let of = if title.starts_with("Flagged sources") {
            "of the flagged sources"
        } else {
            "events anomalous of"
        };
        let response = response.on_hover_text(format!(
            "{}: {} {of} {}",
            bar.label,
            thousands(bar.anomalous),
            thousands(bar.total)
        ));
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &bar.label));
        if response.clicked() {
            clicked = Some(bar.label.clone());
        }
    }
    clicked
}

/// Anomalous events by weekday and hour, stronger red for more, with business time framed.
fn heatmap(ui: &mut Ui, cells: &[[u32; 24]; 7], features: &FeatureSettings) {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    ui.label(RichText::new("Anomalous events by hour of day and weekday").strong());
    let max = cells.iter().flatten().copied().max().unwrap_or(0);
    if max == 0 {
        ui.label(RichText::new("No anomalous event carries a time.").weak());
        return;
    }
    let label_w = 40.0;
    let cell_w = ((ui.available_width() - label_w) / 24.0).clamp(12.0, 48.0);
    let cell_h = 22.0;
    let (rect, response) = ui.allocate_exact_size(
        egui::vec2(label_w + 24.0 * cell_w, 8.0 * cell_h),
        Sense::hover(),
    );
    let painter = ui.painter_at(rect);
    let font = egui::TextStyle::Small.resolve(ui.style());
    let weak = ui.visuals().weak_text_color();
    let empty = ui.visuals().extreme_bg_color;
    for h in 0..24 {
        if h % 3 == 0 {
            painter.text(
                rect.min + egui::vec2(label_w + (h as f32 + 0.5) * cell_w, cell_h * 0.5),
                egui::Align2::CENTER_CENTER,
                format!("{h:02}"),
                font.clone(),
                weak,
            );
        }
    }
    let mut hovered = None;
    for (d, row) in cells.iter().enumerate() {
        let y = rect.min.y + (d as f32 + 1.0) * cell_h;
        painter.text(
            egui::pos2(rect.min.x, y + cell_h * 0.5),
            egui::Align2::LEFT_CENTER,
            DAYS[d],
            font.clone(),
            weak,
        );
        for (h, &n) in row.iter().enumerate() {
            let cell = Rect::from_min_size(
                egui::pos2(rect.min.x + label_w + h as f32 * cell_w, y),
                egui::vec2(cell_w, cell_h),
            )
            .shrink(1.0);
            let fill = if n == 0 {
                empty
            } else {
                // Square-root scale, so that a few events still show.
                let t = (f64::from(n) / f64::from(max)).sqrt() as f32;
                ERROR.gamma_multiply(0.2 + 0.8 * t)
            };
            painter.rect_filled(cell, 2.0, fill);
            if response.hover_pos().is_some_and(|p| cell.contains(p)) {
                painter.rect_stroke(
                    cell,
                    2.0,
                    Stroke::new(1.5, ui.visuals().strong_text_color()),
                    egui::StrokeKind::Inside,
                );
                hovered = Some((d, h, n));
            }
        }
    }
    let (start, end) = (
        f32::from(features.business_start_hour),
        f32::from(features.business_end_hour),
    );
    let business = Rect::from_min_max(
        egui::pos2(rect.min.x + label_w + start * cell_w, rect.min.y + cell_h),
        egui::pos2(
            rect.min.x + label_w + end * cell_w,
            rect.min.y + 6.0 * cell_h,
        ),
    );
    painter.rect_stroke(
        business,
        2.0,
        Stroke::new(1.5, Color32::from_rgb(90, 160, 240)),
        egui::StrokeKind::Outside,
    );
    ui.label(
        RichText::new(format!(
            "Square-root colour scale up to {} events in the busiest hour; business time \
             ({:02}:00-{:02}:00 at UTC{:+}, Monday to Friday) framed in blue.",
            thousands(u64::from(max)),
            features.business_start_hour,
            features.business_end_hour,
            features.utc_offset_hours
        ))
        .small()
        .weak(),
    );
    if let Some((d, h, n)) = hovered {
        response.on_hover_text(format!(
            "{} {h:02}:00-{h:02}:59: {} anomalous events",
            DAYS[d],
            thousands(u64::from(n))
        ));
    }
}

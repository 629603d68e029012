//! The scatter plot of bytes sent against bytes received, and the timeline of events and
//! anomalies per window. Both draw precomputed layers (see [`super::analysis`]), so a frame
//! costs the same for a thousand events as for a million.

use eframe::egui::{self, Color32, RichText, Ui};
use egui_plot::{
    Bar, BarChart, HoverPosition, Legend, Line, MarkerShape, Plot, PlotPoint, PlotPoints, Points,
};

use super::analysis::Analysis;
use super::text::thousands;
use super::{Command, Decision, Loaded, ViewState, ERROR, WARN};

/// "30 s", "5 min", "6 h", "1 day" for a window length in microseconds.
pub fn duration_text(us: i64) -> String {
    let s = us / 1_000_000;
    match s {
        s if s % 604_800 == 0 => format!("{} week", s / 604_800),
        s if s % 86_400 == 0 => format!("{} day", s / 86_400),
        s if s % 3600 == 0 => format!("{} h", s / 3600),
        s if s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

/// A time axis label for `seconds` since the epoch: "04-25 23:00".
pub fn axis_time(seconds: f64) -> String {
    chrono::DateTime::from_timestamp(seconds as i64, 0)
        .map(|t| t.format("%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// Bytes from a `log10(1 + bytes)` axis value.
fn axis_bytes(v: f64) -> String {
    super::text::bytes((10f64.powf(v) - 1.0).max(0.0).round() as u64)
}

/// The scatter of bytes sent against bytes received: thinned ordinary traffic in grey,
/// every anomalous event in orange, the selected source's events in red. Click a point to
/// select its source.
pub fn scatter(
    ui: &mut Ui,
    loaded: &Loaded,
    a: &Analysis,
    view: &mut ViewState,
    out: &mut Vec<Command>,
) {
    let sc = &a.scatter;
    let t = &loaded.investigation.table;
    if sc.normal.is_empty() && sc.flagged.is_empty() {
        ui.label("These files carry no byte counts, so there is nothing to plot.");
        return;
    }
    let selected_ip = view.selected.map(|i| a.detection.sources[i].stats.ip);
    let selected: Vec<[f64; 2]> = view.selected.map_or_else(Vec::new, |i| {
        let s = &a.detection.sources[i].stats;
        s.rows
            .iter()
            .filter_map(|&r| {
                let r = r as usize;
                let (x, y) = (t.bytes_sent(r), t.bytes_received(r));
                (x.is_some() || y.is_some()).then(|| {
                    let lg = |b: Option<f64>| (b.unwrap_or(0.0).max(0.0) + 1.0).log10();
                    [lg(x), lg(y)]
                })
            })
            .collect()
    });
    ui.horizontal(|ui| {
        ui.label(
            RichText::new(format!(
                "{} ordinary events (showing {}), {} anomalous",
                thousands(sc.normal_total as u64),
                thousands(sc.normal.len() as u64),
                thousands(sc.flagged.len() as u64)
            ))
            .weak(),
        );
    });
    let mut bounds = None;
    let response = Plot::new("scatter")
        .legend(Legend::default())
        .x_axis_label("bytes sent (log scale)")
        .y_axis_label("bytes received (log scale)")
        .x_axis_formatter(|m, _| axis_bytes(m.value))
        .y_axis_formatter(|m, _| axis_bytes(m.value))
        .label_formatter(|h| match h {
            HoverPosition::NearDataPoint {
                plot_name,
                position,
                index,
            } => {
                let source = (*plot_name == "anomalous")
                    .then(|| sc.flagged.get(*index))
                    .flatten()
                    .and_then(|(_, r)| a.source_of_row(t, *r as usize))
                    .map(|i| format!("{}\n", a.detection.sources[i].stats.ip))
                    .unwrap_or_default();
                Some(format!(
                    "{source}{plot_name}\nsent {}\nreceived {}",
                    axis_bytes(position.x),
                    axis_bytes(position.y)
                ))
            }
            HoverPosition::Elsewhere { .. } => None,
        })
        .height(ui.available_height() - 40.0)
        .show(ui, |p| {
            p.points(
                Points::new("ordinary", PlotPoints::from(sc.normal.clone()))
                    .color(Color32::from_gray(130).gamma_multiply(0.5))
                    .radius(1.5),
            );
            let flagged: Vec<[f64; 2]> = sc.flagged.iter().map(|(xy, _)| *xy).collect();
            p.points(
                Points::new("anomalous", PlotPoints::from(flagged))
                    .color(WARN)
                    .radius(2.5),
            );
            if !selected.is_empty() {
                p.points(
                    Points::new(
                        selected_ip.map_or_else(String::new, |ip| ip.to_string()),
                        PlotPoints::from(selected.clone()),
                    )
                    .color(ERROR)
                    .shape(MarkerShape::Diamond)
                    .radius(5.0),
                );
            }
            bounds = Some(p.plot_bounds());
            p.response()
                .clicked()
                .then(|| p.pointer_coordinate())
                .flatten()
        });
    if let Some(click) = response.inner {
        let tr = &response.transform;
        let at = tr.position_from_point(&click);
        let nearest = sc
            .flagged
            .iter()
            .map(|(xy, r)| {
                let pos = tr.position_from_point(&PlotPoint::new(xy[0], xy[1]));
                (pos.distance(at), *r)
            })
            .min_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((d, r)) = nearest {
            if d < 8.0 {
                if let Some(i) = a.source_of_row(t, r as usize) {
                    out.push(Command::Select(Some(i)));
                }
            }
        }
    }
    if let Some(b) = bounds {
        ui.horizontal(|ui| {
            let in_view: Vec<usize> = {
                let mut v: Vec<usize> = sc
                    .flagged
                    .iter()
                    .filter(|(xy, _)| {
                        (b.min()[0]..=b.max()[0]).contains(&xy[0])
                            && (b.min()[1]..=b.max()[1]).contains(&xy[1])
                    })
                    .filter_map(|(_, r)| a.source_of_row(t, *r as usize))
                    .collect();
                v.sort_unstable();
                v.dedup();
                v
            };
            ui.label(
                RichText::new(
                    "Zoom with the wheel or a right-button drag; click a point to select its source.",
                )
                .weak(),
            );
            let label = format!(
                "Block the {} sources of the anomalies in view",
                thousands(in_view.len() as u64)
            );
            if ui
                .add_enabled(!in_view.is_empty(), egui::Button::new(label))
                .clicked()
            {
                for i in in_view {
                    let ip = a.detection.sources[i].stats.ip;
                    if view.decisions.get(&ip) != Some(&Decision::Block) {
                        out.push(Command::Decide(ip, Decision::Block));
                    }
                }
            }
        });
    }
}

/// Events and anomalies per window, with the mean anomaly score below on the same time axis.
pub fn timeline(ui: &mut Ui, a: &Analysis, _view: &mut ViewState) {
    let Some(tl) = &a.timeline else {
        ui.label("These files carry no timestamps, so there is no timeline.");
        return;
    };
    let x = |b: usize| (tl.start_us + b as i64 * tl.window_us) as f64 / 1e6;
    let width = tl.window_us as f64 / 1e6;
    ui.label(
        RichText::new(format!(
            "{} per bar; anomalous events stacked in orange",
            duration_text(tl.window_us)
        ))
        .weak(),
    );
    let ordinary: Vec<Bar> = tl
        .events
        .iter()
        .zip(&tl.flagged)
        .enumerate()
        .map(|(b, (&n, &f))| Bar::new(x(b), f64::from(n - f)).width(width))
        .collect();
    let anomalous: Vec<Bar> = tl
        .flagged
        .iter()
        .enumerate()
        .map(|(b, &f)| Bar::new(x(b), f64::from(f)).width(width))
        .collect();
    let ordinary = BarChart::new("ordinary events", ordinary).color(Color32::from_gray(120));
    let anomalous = BarChart::new("anomalous events", anomalous)
        .color(WARN)
        .stack_on(&[&ordinary]);
    let link = egui::Id::unique("timeline-x");
    let height = (ui.available_height() - 40.0).max(200.0);
    Plot::new("timeline")
        .legend(Legend::default())
        .height(height * 0.7)
        .link_axis(link, [true, false])
        .link_cursor(link, [true, false])
        .x_axis_formatter(|m, _| axis_time(m.value))
        .y_axis_label("events")
        .show(ui, |p| {
            p.bar_chart(ordinary);
            p.bar_chart(anomalous);
        });
    let score: Vec<[f64; 2]> = tl
        .mean_score
        .iter()
        .enumerate()
        .filter(|(b, _)| tl.events[*b] > 0)
        .map(|(b, &s)| [x(b) + width / 2.0, s])
        .collect();
    Plot::new("timeline-score")
        .height(height * 0.3 - 8.0)
        .link_axis(link, [true, false])
        .link_cursor(link, [true, false])
        .x_axis_formatter(|m, _| axis_time(m.value))
        .y_axis_label("mean score")
        .include_y(0.0)
        .include_y(1.0)
        .show(ui, |p| {
            p.line(Line::new("mean anomaly score", PlotPoints::from(score)).color(ERROR));
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_axes() {
        assert_eq!(duration_text(30_000_000), "30 s");
        assert_eq!(duration_text(300_000_000), "5 min");
        assert_eq!(duration_text(21_600_000_000), "6 h");
        assert_eq!(duration_text(86_400_000_000), "1 day");
        assert_eq!(axis_time(1_714_086_000.0), "04-25 23:00");
        assert_eq!(axis_bytes(0.0), "0 B");
    }
}

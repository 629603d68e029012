//! The timeline: events and anomalies per window (window chosen from the span, adjustable),
//! bursts marked, the mean anomaly score below, and a brushed time range that filters the
//! other views. Bins are computed once per window choice, so panning costs the same for a
//! thousand events as for a million.

use std::sync::Arc;

use eframe::egui::{self, Color32, RichText, Ui};
use egui_plot::{
    Bar, BarChart, GridInput, GridMark, Legend, Line, MarkerShape, Plot, PlotPoints, Points,
    Polygon,
};

use super::alerts::ValueFilter;
use crate::app::analysis::{Analysis, Timeline};
use crate::app::derived::{Derived, Made};
use crate::app::text::count;
use crate::app::{Command, Loaded, ViewState, ERROR, WARN};

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

/// A time axis label for `seconds` since the epoch on a grid of `step` seconds, precise enough
/// that neighbouring marks never read the same: "23:00:10" below a minute, "04-25 23:00" below
/// a day, "2024-04-25" beyond.
pub fn axis_time(seconds: f64, step: f64) -> String {
    let format = if step < 60.0 {
        "%H:%M:%S"
    } else if step < 86_400.0 {
        "%m-%d %H:%M"
    } else {
        "%Y-%m-%d"
    };
    crate::app::text::zone().strftime(seconds.round() as i64 * 1_000_000, format)
}

/// Round time steps for grid lines, in seconds.
const GRID_STEPS_S: [f64; 16] = [
    1.0,
    5.0,
    10.0,
    30.0,
    60.0,
    300.0,
    600.0,
    1800.0,
    3600.0,
    7200.0,
    10_800.0,
    21_600.0,
    43_200.0,
    86_400.0,
    604_800.0,
    2_592_000.0,
];

/// Grid lines at round times (whole minutes, hours, days) for an axis in seconds since the
/// epoch: about six labelled lines across the view, with finer unlabelled ones between.
pub fn time_grid(input: GridInput) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    let span = (hi - lo).max(1.0);
    let major = GRID_STEPS_S
        .iter()
        .copied()
        .find(|s| span / s <= 7.0)
        .unwrap_or(GRID_STEPS_S[GRID_STEPS_S.len() - 1]);
    let minor = GRID_STEPS_S
        .iter()
        .copied()
        .rev()
        .find(|&s| s < major && s >= input.base_step_size && span / s <= 60.0);
    let mut marks = Vec::new();
    for step in [Some(major), minor].into_iter().flatten() {
        let mut v = (lo / step).ceil() * step;
        while v <= hi {
            if step == major || (v / major).fract().abs() > 1e-9 {
                marks.push(GridMark {
                    value: v,
                    step_size: step,
                });
            }
            v += step;
        }
    }
    marks
}

/// Window lengths offered, in seconds; `None` is "chosen from the span".
const WINDOWS_S: [Option<i64>; 9] = [
    None,
    Some(10),
    Some(60),
    Some(300),
    Some(900),
    Some(3600),
    Some(21_600),
    Some(86_400),
    Some(604_800),
];

/// What a binning is made for: (analysis generation, window choice, value filter).
type BinKey = (u64, Option<i64>, Option<ValueFilter>);

/// The timeline's choices and its binning for them.
#[derive(Default)]
pub struct TimelineView {
    /// The chosen window length in seconds; `None` picks one from the span.
    pub window_s: Option<i64>,
    /// Where a brush drag started, seconds since the epoch.
    drag_from: Option<f64>,
    cache: Derived<BinKey, Option<Timeline>>,
}

impl TimelineView {
    /// Whether its binning is being made on a worker thread.
    pub fn is_preparing(&self) -> bool {
        self.cache.is_pending()
    }
}

/// Windows whose event count stands out: above the median of the active (non-empty)
/// windows by more than four robust deviations (MAD) and by at least five events.
pub fn bursts(events: &[u32]) -> Vec<usize> {
    let counts: Vec<f64> = events.iter().map(|&n| f64::from(n)).collect();
    let mut sorted: Vec<f64> = counts.iter().copied().filter(|&c| c > 0.0).collect();
    sorted.sort_by(f64::total_cmp);
    let median = crate::features::quantile_sorted(&sorted, 0.5);
    let mut deviations: Vec<f64> = sorted.iter().map(|c| (c - median).abs()).collect();
    deviations.sort_by(f64::total_cmp);
    let mad = crate::features::quantile_sorted(&deviations, 0.5).max(1.0);
    counts
        .iter()
        .enumerate()
        .filter(|(_, &c)| c - median > 4.0 * 1.4826 * mad && c - median >= 5.0)
        .map(|(b, _)| b)
        .collect()
}

/// Events and anomalies per window, the selected source's events over them, and the mean
/// anomaly score below on the same time axis. Dragging across the upper plot selects a time
/// range that filters the other views.
pub fn show(
    ui: &mut Ui,
    loaded: &Loaded,
    a: &Arc<Analysis>,
    view: &mut ViewState,
    out: &mut Vec<Command>,
) {
    let t = &loaded.investigation.table;
    let tv = &mut view.timeline;
    let filter = view.alerts.value.clone();
    let key = (a.generation, tv.window_s, filter.clone());
    if key.1.is_none() && key.2.is_none() && tv.cache.ready_for(&key).is_none() {
        // The default binning was made with the analysis.
        tv.cache.set(key.clone(), a.timeline.clone());
    }
    let (inv, an, window_s, ctx) = (
        loaded.investigation.clone(),
        a.clone(),
        tv.window_s,
        ui.ctx().clone(),
    );
    let made = tv.cache.get(
        &key,
        move || {
            Timeline::new(
                &inv.table,
                &an.detection,
                window_s.map(|s| s * 1_000_000),
                |r| ValueFilter::keeps(filter.as_ref(), r),
            )
        },
        move || ctx.request_repaint(),
    );
    let tl = match made {
        Made::Ready(Some(tl)) => tl,
        Made::Ready(None) => {
            ui.label("These files carry no timestamps, so there is no timeline.");
            return;
        }
        Made::Pending => {
            crate::app::widgets::preparing(ui, "Binning the events…");
            return;
        }
        Made::Failed(m) => {
            ui.colored_label(ERROR, m);
            return;
        }
    };
    let x = |b: usize| (tl.start_us + b as i64 * tl.window_us) as f64 / 1e6;
    let width = tl.window_us as f64 / 1e6;
    let burst_bins = bursts(&tl.events);
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Window");
        egui::ComboBox::from_id_salt("timeline-window")
            .selected_text(match tv.window_s {
                None => format!("auto ({})", duration_text(tl.window_us)),
                Some(s) => duration_text(s * 1_000_000),
            })
            .show_ui(ui, |ui| {
                for w in WINDOWS_S {
                    let text =
                        w.map_or_else(|| "auto".to_owned(), |s| duration_text(s * 1_000_000));
                    ui.selectable_value(&mut tv.window_s, w, text);
                }
            })
            .response
            .labelled_by(label.id);
        ui.label(
            RichText::new(format!(
                "{} per bar; anomalous events stacked in orange",
                duration_text(tl.window_us)
            ))
            .weak(),
        );
        if !burst_bins.is_empty() {
            ui.label(
                RichText::new(format!(
                    "{} marked in red",
                    count(burst_bins.len() as u64, "burst", "bursts")
                ))
                .color(ERROR),
            );
        }
        ui.label(RichText::new("Drag across the plot to select a time range.").weak());
    });
    let ordinary: Vec<Bar> = tl
        .events
        .iter()
        .zip(&tl.flagged)
        .enumerate()
        .map(|(b, (&n, &f))| {
            Bar::new(x(b) + width / 2.0, f64::from(n - f))
                .width(width)
                .fill(Color32::from_gray(110))
        })
        .collect();
    let anomalous: Vec<Bar> = tl
        .flagged
        .iter()
        .enumerate()
        .map(|(b, &f)| {
            Bar::new(x(b) + width / 2.0, f64::from(f))
                .width(width)
                .fill(WARN)
        })
        .collect();
    let ordinary = BarChart::new("ordinary events", ordinary).color(Color32::from_gray(120));
    let anomalous = BarChart::new("anomalous events", anomalous)
        .color(WARN)
        .stack_on(&[&ordinary]);
    let peak = f64::from(tl.events.iter().copied().max().unwrap_or(1));
    let burst_points: Vec<[f64; 2]> = burst_bins
        .iter()
        .map(|&b| [x(b) + width / 2.0, f64::from(tl.events[b]) + peak * 0.04])
        .collect();
    let selected: Option<(String, Vec<[f64; 2]>)> = view.selected.map(|i| {
        let s = &a.detection.sources[i];
        let mut per = vec![0u32; tl.events.len()];
        for &r in &s.stats.rows {
            if let Some(us) = t.time_us(r as usize) {
                let b = ((us - tl.start_us) / tl.window_us) as usize;
                if let Some(n) = per.get_mut(b) {
                    *n += 1;
                }
            }
        }
        let line = per
            .iter()
            .enumerate()
            .map(|(b, &n)| [x(b) + width / 2.0, f64::from(n)])
            .collect();
        (s.stats.ip.to_string(), line)
    });
    let range = view.time_range;
    let drag_from = tv.drag_from;
    let link = egui::Id::unique("timeline-x");
    let height = (ui.available_height() - 40.0).max(200.0);
    let response = time_plot("timeline", height * 0.7, link)
        .legend(Legend::default())
        .y_axis_label("events")
        .show(ui, |p| {
            // Counts never go below zero: y runs from 0 to just above the tallest window,
            // whatever the margins or the x zoom.
            p.set_plot_bounds_y(0.0..=(peak * 1.15).max(1.0));
            p.bar_chart(ordinary);
            p.bar_chart(anomalous);
            if !burst_points.is_empty() {
                p.points(
                    Points::new("burst", PlotPoints::from(burst_points))
                        .color(ERROR)
                        .shape(MarkerShape::Down)
                        .radius(6.0),
                );
            }
            if let Some((ip, line)) = selected {
                p.line(
                    Line::new(format!("selected: {ip}"), PlotPoints::from(line))
                        .color(ERROR)
                        .width(2.0),
                );
            }
            let pointer = p.pointer_coordinate().map(|c| c.x);
            let shade = match (drag_from, pointer) {
                (Some(from), Some(to)) => Some((from.min(to), from.max(to))),
                _ => range.map(|(lo, hi)| (lo as f64 / 1e6, hi as f64 / 1e6)),
            };
            if let Some((lo, hi)) = shade {
                let top = peak * 1.1;
                p.polygon(
                    Polygon::new(
                        "time range",
                        PlotPoints::from(vec![[lo, 0.0], [hi, 0.0], [hi, top], [lo, top]]),
                    )
                    .fill_color(Color32::from_rgb(90, 160, 240).gamma_multiply(0.2))
                    .stroke(egui::Stroke::new(1.0, Color32::from_rgb(90, 160, 240))),
                );
            }
            let r = p.response();
            (pointer, r.drag_started(), r.drag_stopped())
        });
    let (pointer, started, stopped) = response.inner;
    if started {
        tv.drag_from = pointer;
    }
    if stopped {
        if let (Some(from), Some(to)) = (tv.drag_from.take(), pointer) {
            view.time_range = snap(tl, from.min(to), from.max(to));
        }
    }
    // One line per run of windows with events, broken where more than three windows in a
    // row are empty, so that quiet stretches stay gaps.
    let mut runs: Vec<Vec<[f64; 2]>> = Vec::new();
    let mut last = None;
    for (b, &s) in tl.mean_score.iter().enumerate() {
        if tl.events[b] == 0 {
            continue;
        }
        let point = [x(b) + width / 2.0, s];
        match runs.last_mut() {
            Some(run) if last.is_some_and(|l| b - l <= 4) => run.push(point),
            _ => runs.push(vec![point]),
        }
        last = Some(b);
    }
    let score_plot = time_plot("timeline-score", height * 0.3 - 8.0, link)
        .y_axis_label("mean score")
        .include_y(1.0)
        .show(ui, |p| {
            p.set_plot_bounds_y(0.0..=1.05);
            for run in runs {
                let line = Line::new("mean anomaly score", PlotPoints::from(run)).color(ERROR);
                p.line(line);
            }
        });
    let both = response.response.rect.union(score_plot.response.rect);
    crate::app::png_button(ui, "timeline", both, out);
}

/// A plot over time sharing its x axis and cursor with the others linked by `link`: round
/// time grid, y from zero, drags left to the brush (scrolling pans, Ctrl+scroll zooms).
fn time_plot(id: &str, height: f32, link: egui::Id) -> Plot<'_> {
    Plot::new(id)
        .height(height)
        .link_axis(link, [true, false])
        .link_cursor(link, [true, false])
        .allow_drag(false)
        .allow_boxed_zoom(false)
        .x_grid_spacer(time_grid)
        .x_axis_formatter(|m, _| axis_time(m.value, m.step_size))
        // The same y-axis width on every linked plot, so that their time axes line up.
        .y_axis_min_width(48.0)
        .include_y(0.0)
}

/// The brushed seconds `lo..hi` widened to whole windows, in microseconds; `None` when the
/// brush covers no window (a click rather than a drag).
fn snap(tl: &Timeline, lo: f64, hi: f64) -> Option<(i64, i64)> {
    let to_bin = |s: f64| ((s * 1e6) as i64 - tl.start_us).div_euclid(tl.window_us);
    let (first, last) = (
        to_bin(lo).max(0),
        to_bin(hi).min(tl.events.len() as i64 - 1),
    );
    (first <= last).then(|| {
        (
            tl.start_us + first * tl.window_us,
            tl.start_us + (last + 1) * tl.window_us - 1,
        )
    })
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
        assert_eq!(axis_time(1_714_086_000.0, 3600.0), "04-25 23:00");
        assert_eq!(axis_time(1_714_086_010.0, 10.0), "23:00:10");
        assert_eq!(axis_time(1_714_086_000.0, 86_400.0), "2024-04-25");
    }

    #[test]
    fn grid_lines_fall_on_round_times() {
        // Two hours from 23:07: labelled lines every 30 minutes, finer every 10.
        let lo = 1_714_086_420.0;
        let marks = time_grid(GridInput {
            bounds: (lo, lo + 7200.0),
            base_step_size: 1.0,
        });
        let major: Vec<f64> = marks
            .iter()
            .filter(|m| m.step_size == 1800.0)
            .map(|m| m.value)
            .collect();
        assert_eq!(major.len(), 4);
        assert_eq!(axis_time(major[0], 1800.0), "04-25 23:30");
        assert!(marks.iter().all(|m| m.value % 600.0 == 0.0));
        assert!(marks.iter().any(|m| m.step_size == 600.0));
    }

    /// The source panel's chart once read "05-17 01:38" three times over: marks seconds
    /// apart were labelled to the minute.
    #[test]
    fn neighbouring_marks_never_share_a_label() {
        for span in [40.0, 300.0, 7200.0, 3.0 * 86_400.0, 60.0 * 86_400.0] {
            let lo = 1_526_520_000.0;
            let marks = time_grid(GridInput {
                bounds: (lo, lo + span),
                base_step_size: span / 1000.0,
            });
            let mut labels: Vec<String> = marks
                .iter()
                .map(|m| axis_time(m.value, m.step_size))
                .collect();
            let n = labels.len();
            labels.sort();
            labels.dedup();
            assert_eq!(labels.len(), n, "span {span}: {labels:?}");
        }
    }

    #[test]
    fn bursts_stand_out_from_the_median() {
        // A quiet gap does not make every active window a burst.
        let mut events = vec![10u32; 50];
        events.extend([0; 200]);
        events[7] = 13;
        events[20] = 60;
        assert_eq!(bursts(&events), [20]);
        assert!(bursts(&[0, 1, 0, 2]).is_empty());
        assert!(bursts(&[]).is_empty());
    }

    #[test]
    fn brushes_snap_to_whole_windows() {
        let tl = Timeline {
            start_us: 0,
            window_us: 60_000_000,
            events: vec![1; 10],
            flagged: vec![0; 10],
            mean_score: vec![0.0; 10],
        };
        assert_eq!(snap(&tl, 70.0, 150.0), Some((60_000_000, 179_999_999)));
        assert_eq!(snap(&tl, -500.0, 30.0), Some((0, 59_999_999)));
        assert_eq!(snap(&tl, 900.0, 5000.0), None);
    }
}

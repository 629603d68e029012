//! The Web view: an access log's analytics as GoAccess shows them (requests and visitors per
//! day, URLs, 404s, clients, browsers, referrers, status codes, time of day), with what
//! GoAccess does not show: other errors, methods, protocols, raw user agents, status classes
//! over time, and in every panel the hits of the sources detection flagged. Each item opens
//! its events. Counted on a worker over the events the filters and time range pass.

use eframe::egui::{self, Color32, RichText, Ui};
use egui_plot::{Bar, BarChart, Line, Plot, PlotPoints};

use crate::app::text::{bytes, thousands};
use crate::app::{Command, ViewState, ERROR, WARN};
use crate::web::{Item, Panel, PanelKind, WebStats};

/// Items a panel shows until it is opened whole.
const SHORT: usize = 8;

/// Items a panel holds at most (the rest are counted).
pub const LISTED: usize = 500;

/// The Web view's own state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebView {
    /// Days and hours on the log's own clock (its UTC offset) rather than the zone shown
    /// elsewhere.
    pub own_clock: bool,
    /// Panels opened whole.
    pub opened: Vec<PanelKind>,
}

impl Default for WebView {
    fn default() -> Self {
        WebView {
            own_clock: true,
            opened: Vec::new(),
        }
    }
}

/// Shows the Web view of `stats`; `own_offset` is the log's own clock when it has one.
pub(crate) fn show(
    ui: &mut Ui,
    stats: &WebStats,
    own_offset: Option<&crate::events::Zone>,
    view: &mut ViewState,
    out: &mut Vec<Command>,
) {
    header(ui, stats, own_offset, view);
    if stats.requests == 0 {
        ui.label("No request passes the filters and time range.");
        return;
    }
    egui::ScrollArea::vertical()
        .auto_shrink(false)
        .show(ui, |ui| {
            ui.columns(2, |cols| {
                days_plot(&mut cols[0], stats);
                status_plot(&mut cols[1], stats);
            });
            ui.add_space(8.0);
            let panels: Vec<&Panel> = PanelKind::ALL
                .iter()
                .filter(|k| **k != PanelKind::Days && **k != PanelKind::Hours)
                .map(|k| stats.panel(*k))
                .chain([stats.panel(PanelKind::Days), stats.panel(PanelKind::Hours)])
                .collect();
            for pair in panels.chunks(2) {
                ui.columns(2, |cols| {
                    for (col, p) in cols.iter_mut().zip(pair) {
                        panel(col, p, &mut view.web, out);
                    }
                });
                ui.add_space(10.0);
            }
        });
}

/// Totals, the clock days are counted on, and the flagged share.
fn header(ui: &mut Ui, s: &WebStats, own: Option<&crate::events::Zone>, view: &mut ViewState) {
    ui.horizontal_wrapped(|ui| {
        ui.label(
            RichText::new(format!(
                "{} requests · {} visitors · {} sent",
                thousands(s.requests),
                thousands(s.visitors),
                bytes(s.bytes)
            ))
            .text_style(crate::app::text::style("section")),
        );
        if s.flagged_hits > 0 {
            ui.label(
                RichText::new(format!(
                    "{} requests ({:.1} %) from flagged sources, marked ⚑ in every panel",
                    thousands(s.flagged_hits),
                    100.0 * s.flagged_hits as f64 / s.requests.max(1) as f64
                ))
                .color(WARN),
            );
        }
    });
    ui.horizontal_wrapped(|ui| {
        ui.label(format!("Days and hours in {}.", s.zone.name()));
        if let Some(z) = own {
            let mut own_clock = view.web.own_clock;
            ui.radio_value(
                &mut own_clock,
                true,
                format!("the log's own clock ({})", z.name()),
            );
            ui.radio_value(
                &mut own_clock,
                false,
                format!(
                    "the zone shown elsewhere ({})",
                    crate::app::text::zone().name()
                ),
            );
            view.web.own_clock = own_clock;
        }
        ui.label(
            RichText::new(
                "Visitors: distinct address, day and user agent among requests not answered \
                 4xx, as GoAccess counts them. Click an item for its events.",
            )
            .weak(),
        );
    });
    ui.add_space(6.0);
}

/// Requests (bars) and visitors (line) per day.
fn days_plot(ui: &mut Ui, s: &WebStats) {
    let days = &s.panel(PanelKind::Days).items;
    ui.label(RichText::new(PanelKind::Days.title()).strong());
    let blue = Color32::from_rgb(90, 160, 240);
    key(
        ui,
        &[
            ("requests", Color32::from_gray(140)),
            ("from flagged sources", WARN),
            ("visitors", blue),
        ],
    );
    // `10-25` under each bar; the year is in the items below.
    let labels: Vec<String> = days
        .iter()
        .map(|d| d.key.text.get(5..).unwrap_or(&d.key.text).to_owned())
        .collect();
    let bar =
        |i: usize, n: u64, color: Color32| Bar::new(i as f64, n as f64).width(0.7).fill(color);
    let gray = Color32::from_gray(140);
    let ordinary: Vec<Bar> = days
        .iter()
        .enumerate()
        .map(|(i, d)| bar(i, d.hits - d.flagged_hits, gray))
        .collect();
    let flagged: Vec<Bar> = days
        .iter()
        .enumerate()
        .map(|(i, d)| bar(i, d.flagged_hits, WARN))
        .collect();
    let visitors: Vec<[f64; 2]> = days
        .iter()
        .enumerate()
        .map(|(i, d)| [i as f64, d.visitors as f64])
        .collect();
    let peak = days.iter().map(|d| d.hits).max().unwrap_or(1) as f64;
    categorical("web-days", labels, peak).show(ui, |p| {
        let ordinary = BarChart::new("requests", ordinary).color(gray);
        let flagged = BarChart::new("from flagged sources", flagged)
            .color(WARN)
            .stack_on(&[&ordinary]);
        p.bar_chart(ordinary);
        p.bar_chart(flagged);
        p.line(
            Line::new("visitors", PlotPoints::from(visitors))
                .color(blue)
                .width(2.0),
        );
    });
}

/// Requests per status class over time, stacked.
fn status_plot(ui: &mut Ui, s: &WebStats) {
    let per = if s.bucket_s == 3600 { "hour" } else { "day" };
    ui.label(RichText::new(format!("Status classes per {per}")).strong());
    let zone = s.zone.clone();
    let fmt = if s.bucket_s == 3600 {
        "%d %Hh"
    } else {
        "%m-%d"
    };
    let labels: Vec<String> = s
        .status_over_time
        .iter()
        .map(|b| zone.strftime(b.start_us, fmt))
        .collect();
    let classes = [
        ("2xx", Color32::from_rgb(90, 170, 110)),
        ("3xx", Color32::from_rgb(90, 160, 240)),
        ("4xx", WARN),
        ("5xx", ERROR),
        ("other", Color32::from_gray(120)),
    ];
    key(ui, &classes);
    let index = [1usize, 2, 3, 4, 5];
    let mut charts: Vec<BarChart> = Vec::new();
    for ((name, color), class) in classes.iter().zip(index) {
        let bars: Vec<Bar> = s
            .status_over_time
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let n = if class == 5 {
                    b.by_class[0] + b.by_class[5]
                } else {
                    b.by_class[class]
                };
                Bar::new(i as f64, n as f64).width(0.8).fill(*color)
            })
            .collect();
        let below: Vec<&BarChart> = charts.iter().collect();
        let chart = BarChart::new(*name, bars).color(*color).stack_on(&below);
        charts.push(chart);
    }
    let peak = s
        .status_over_time
        .iter()
        .map(|b| b.by_class.iter().sum::<u64>())
        .max()
        .unwrap_or(1) as f64;
    categorical("web-status", labels, peak).show(ui, |p| {
        for c in charts {
            p.bar_chart(c);
        }
    });
}

/// A still plot whose x axis names the categories `labels` (days, hours).
/// A still plot over categories; the y axis goes a little above the tallest bar `peak`.
fn categorical(id: &str, labels: Vec<String>, peak: f64) -> Plot<'_> {
    // A mark on every category, every fifth and every tenth: a label under each bar that fits.
    let every = egui_plot::uniform_grid_spacer(|_| [1.0, 5.0, 10.0]);
    Plot::new(id)
        .height(180.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .include_y(0.0)
        .include_y(peak * 1.1)
        .y_axis_min_width(36.0)
        .x_grid_spacer(every)
        .x_axis_formatter(move |m, _| category(&labels, m.value))
}

/// The plot's key, on one line above it: each series' colour and name.
fn key(ui: &mut Ui, series: &[(&str, Color32)]) {
    ui.horizontal(|ui| {
        for (name, color) in series {
            ui.label(RichText::new("■").color(*color));
            ui.label(RichText::new(*name).weak());
            ui.add_space(6.0);
        }
    });
}

/// The label of category `x` of a categorical axis (none between categories).
fn category(labels: &[String], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() > 0.01 || i < 0.0 {
        return String::new();
    }
    labels.get(i as usize).cloned().unwrap_or_default()
}

/// One panel: its items with hits, visitors, bytes and flagged hits; each item opens its
/// events.
fn panel(ui: &mut Ui, p: &Panel, web: &mut WebView, out: &mut Vec<Command>) {
    let opened = web.opened.contains(&p.kind);
    let total = p.items.len() + p.more;
    ui.horizontal(|ui| {
        ui.label(RichText::new(p.kind.title()).strong());
        ui.label(RichText::new(format!("{} items", thousands(total as u64))).weak());
        let shown = if opened || p.kind.in_time_order() {
            p.items.len()
        } else {
            SHORT
        };
        if p.items.len() > shown && ui.small_button("Show all").clicked() {
            web.opened.push(p.kind);
        }
        if opened && ui.small_button("Show fewer").clicked() {
            web.opened.retain(|k| *k != p.kind);
        }
    });
    let shown = if opened || p.kind.in_time_order() {
        p.items.len()
    } else {
        p.items.len().min(SHORT)
    };
    if p.items.is_empty() {
        ui.label(RichText::new("none").weak());
        return;
    }
    // The item's text gets what the four counts leave of the column, so that a long URL
    // never runs into the next panel.
    let budget = ((ui.available_width() - 280.0) / 7.5).max(16.0) as usize;
    egui::Grid::new(("web-panel", p.kind))
        .striped(true)
        .num_columns(5)
        .spacing([10.0, 2.0])
        .show(ui, |ui| {
            for h in ["Hits", "Visitors", "Bytes", "Flagged"] {
                ui.label(RichText::new(h).weak());
            }
            ui.label(RichText::new(item_header(p.kind)).weak());
            ui.end_row();
            for item in &p.items[..shown] {
                ui.label(thousands(item.hits));
                ui.label(thousands(item.visitors));
                ui.label(bytes(item.bytes));
                flagged_cell(ui, item);
                let text = crate::app::text::printable(&item_text(p.kind, item));
                let r = ui.link(shorten(&text, budget));
                let r = if text.chars().count() > budget {
                    r.on_hover_text(&text)
                } else {
                    r
                };
                if r.clicked() {
                    out.push(Command::WebEvents(p.kind, item.key.clone()));
                }
                ui.end_row();
            }
        });
    if p.more > 0 && opened {
        ui.label(
            RichText::new(format!(
                "and {} more items ({} hits) not listed",
                thousands(p.more as u64),
                thousands(p.more_hits)
            ))
            .weak(),
        );
    }
}

fn flagged_cell(ui: &mut Ui, item: &Item) {
    if item.flagged_hits == 0 {
        ui.label("");
        return;
    }
    let color = if item.flagged_hits == item.hits {
        ERROR
    } else {
        WARN
    };
    ui.label(RichText::new(format!("⚑ {}", thousands(item.flagged_hits))).color(color))
        .on_hover_text("requests from sources detection flagged (watch or block)");
}

fn item_header(kind: PanelKind) -> &'static str {
    match kind {
        PanelKind::Days => "Day",
        PanelKind::Hours => "Hour",
        PanelKind::Requests | PanelKind::StaticFiles | PanelKind::NotFound => "Request",
        PanelKind::Errors => "Status and request",
        PanelKind::Hosts => "Client",
        PanelKind::Browsers => "Client software",
        PanelKind::Systems => "System",
        PanelKind::UserAgents => "User agent",
        PanelKind::ReferringSites => "Site",
        PanelKind::StatusCodes => "Status",
        PanelKind::Methods => "Method",
        PanelKind::Protocols => "Protocol",
    }
}

/// An item as the panel writes it.
fn item_text(kind: PanelKind, item: &Item) -> String {
    let k = &item.key;
    match kind {
        PanelKind::Requests | PanelKind::StaticFiles | PanelKind::NotFound => request_text(k),
        PanelKind::Errors => format!("{} {}", k.status, request_text(k)),
        PanelKind::Hours => format!("{}:00", k.text),
        PanelKind::Browsers => match item.client {
            Some(c @ (crate::web::Client::Crawler | crate::web::Client::Tool)) => {
                format!("{} ({})", k.text, c.label())
            }
            _ => k.text.clone(),
        },
        _ => k.text.clone(),
    }
}

/// A request as the analyst reads it: method, URL and protocol, or what was there instead.
fn request_text(k: &crate::web::Key) -> String {
    match (k.method.as_str(), k.text.as_str()) {
        ("---", "-") => "(no request line: a method without a protocol, or none)".into(),
        ("---", line) => format!("{line} (no known method)"),
        (method, url) => format!("{method} {url} {}", k.protocol),
    }
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut s: String = text.chars().take(max - 1).collect();
    s.push('…');
    s
}

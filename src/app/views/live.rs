//! The Live view: how to start watching (replay the open logs, or follow live sources), and
//! while watching: the feed's state with pause, resume and stop, the KPIs of the last minutes
//! against the minutes before, a running timeline of the window, and the alerts, those not
//! looked at yet highlighted.

use std::time::Duration;

use eframe::egui::{self, ComboBox, RichText, Ui};
use egui_plot::{Legend, Line, Plot, PlotPoints};

use crate::app::live::{Kpis, Live, LiveFeed, LiveStart};
use crate::app::style::{MALICIOUS, WARN};
use crate::app::widgets::figure_card;
use crate::app::{text, thousands, Analysis, Command, ViewState};

/// Replay paces offered: the factor and its name.
const PACES: [(Option<f64>, &str); 6] = [
    (Some(1.0), "its own pace"),
    (Some(10.0), "10× its pace"),
    (Some(60.0), "60× (a minute a second)"),
    (Some(600.0), "600×"),
    (Some(3600.0), "3600× (an hour a second)"),
    (None, "as fast as it is judged"),
];

/// KPI periods offered, in minutes.
const PERIODS: [u32; 4] = [1, 5, 15, 60];

/// The Live view's form.
#[derive(Debug, Clone)]
pub struct LiveForm {
    /// The replay pace chosen, by index into the paces offered.
    pub pace: usize,
    /// Live sources typed, comma separated.
    pub sources: String,
    /// Events the window keeps.
    pub retention: usize,
    /// Seconds between detection runs.
    pub every_s: u64,
}

impl Default for LiveForm {
    fn default() -> Self {
        let d = LiveStart::default();
        LiveForm {
            pace: 2,
            sources: String::new(),
            retention: d.retention,
            every_s: d.every.as_secs(),
        }
    }
}

impl LiveForm {
    fn start(&self, feed: LiveFeed) -> LiveStart {
        LiveStart {
            feed,
            retention: self.retention.max(1_000),
            every: Duration::from_secs(self.every_s.max(1)),
        }
    }
}

/// The strip above every view while watching: what is watched, the window, new alerts,
/// Pause/Resume and Stop.
pub(crate) fn strip(ui: &mut Ui, live: &Live, out: &mut Vec<Command>) {
    ui.horizontal_wrapped(|ui| {
        let (dot, colour) = if live.stopped {
            ("■ Stopped", ui.visuals().weak_text_color())
        } else if live.paused() {
            ("❚❚ Paused", WARN)
        } else {
            ("● Live", MALICIOUS)
        };
        ui.label(RichText::new(dot).color(colour).strong());
        ui.label(&live.status.name);
        ui.label(
            RichText::new(format!(
                "· window {} of {} events",
                thousands(live.status.retained as u64),
                thousands(live.status.retention as u64)
            ))
            .weak(),
        );
        if live.unseen() > 0 {
            let label = RichText::new(format!("{} new alerts", thousands(live.unseen())))
                .color(MALICIOUS)
                .strong();
            if ui.link(label).clicked() {
                out.push(Command::Show(crate::app::Tab::Live));
            }
        }
        if !live.stopped {
            controls(ui, live, out);
        }
    });
    ui.add_space(4.0);
}

fn controls(ui: &mut Ui, live: &Live, out: &mut Vec<Command>) {
    let paused = live.paused();
    let label = if paused { "Resume" } else { "Pause" };
    if ui
        .button(label)
        .on_hover_text("Pausing stops the feed; nothing is lost, it goes on from where it stood")
        .clicked()
    {
        out.push(Command::PauseLive(!paused));
    }
    if ui
        .button("Stop")
        .on_hover_text("Stop watching; the last window stays open")
        .clicked()
    {
        out.push(Command::StopLive);
    }
}

/// The Live view.
pub(crate) fn show(
    ui: &mut Ui,
    live: Option<&Live>,
    analysis: Option<&Analysis>,
    view: &mut ViewState,
    out: &mut Vec<Command>,
) {
    egui::ScrollArea::vertical()
        .auto_shrink(false)
        .show(ui, |ui| match live {
            Some(live) => {
                watching(ui, live, analysis, view, out);
                if live.stopped {
                    ui.separator();
                    start_form(ui, view, out);
                }
            }
            None => start_form(ui, view, out),
        });
}

fn section(ui: &mut Ui, title: &str) {
    ui.add_space(8.0);
    ui.label(
        RichText::new(title)
            .text_style(text::style("section"))
            .strong(),
    );
    ui.add_space(4.0);
}

fn start_form(ui: &mut Ui, view: &mut ViewState, out: &mut Vec<Command>) {
    let form = &mut view.live_form;
    section(ui, "Replay the open logs as if they were being written");
    ui.label(
        "Their events arrive in time order at the pace chosen; detection runs over a rolling \
         window, retrained each run, and raises alerts as a live feed would.",
    );
    ui.horizontal(|ui| {
        let label = ui.label("Pace");
        ComboBox::from_id_salt("live pace")
            .selected_text(PACES[form.pace].1)
            .show_ui(ui, |ui| {
                for (i, (_, name)) in PACES.iter().enumerate() {
                    ui.selectable_value(&mut form.pace, i, *name);
                }
            })
            .response
            .labelled_by(label.id);
        if ui.button("Start the replay").clicked() {
            out.push(Command::StartLive(
                form.start(LiveFeed::Replay(PACES[form.pace].0)),
            ));
        }
    });
    section(ui, "Follow live sources");
    ui.label(
        "A log file or folder followed as it grows (rotation included), a syslog receiver \
         (syslog://127.0.0.1:5514) or a Kafka topic (kafka://HOST:9092/TOPIC); several \
         separated by commas.",
    );
    ui.horizontal(|ui| {
        let label = ui.label("Sources");
        ui.add(
            egui::TextEdit::singleline(&mut form.sources)
                .hint_text("/var/log/nginx/access.log")
                .desired_width(420.0),
        )
        .labelled_by(label.id);
        let specs: Vec<String> = form
            .sources
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        if ui
            .add_enabled(!specs.is_empty(), egui::Button::new("Follow"))
            .clicked()
        {
            out.push(Command::StartLive(form.start(LiveFeed::Sources(specs))));
        }
    });
    section(ui, "Window");
    ui.horizontal(|ui| {
        let label = ui.label("Keep the last");
        ui.add(
            egui::DragValue::new(&mut form.retention)
                .range(1_000..=5_000_000)
                .speed(1_000),
        )
        .labelled_by(label.id);
        let label = ui.label("events; detect every");
        ui.add(egui::DragValue::new(&mut form.every_s).range(1..=3600))
            .labelled_by(label.id);
        ui.label("seconds.");
    });
}

fn watching(
    ui: &mut Ui,
    live: &Live,
    analysis: Option<&Analysis>,
    view: &mut ViewState,
    out: &mut Vec<Command>,
) {
    let s = &live.status;
    ui.horizontal_wrapped(|ui| {
        let mut parts = vec![format!(
            "{} taken from {} sources, {} in the window ({} left it), {} detection runs",
            thousands(s.lines),
            thousands(s.sources_seen as u64),
            thousands(s.retained as u64),
            thousands(s.expired),
            thousands(s.runs)
        )];
        if s.runs > 0 {
            parts.push(format!("the last in {:.1} s", s.run_seconds));
        }
        if let Some((done, all)) = s.progress {
            parts.push(format!(
                "{} of {} events replayed",
                thousands(done as u64),
                thousands(all as u64)
            ));
        }
        if s.finished {
            parts.push("the replay is over".into());
        }
        if s.skipped > 0 {
            parts.push(format!("{} lines skipped", thousands(s.skipped)));
        }
        ui.label(parts.join(" · "));
    });
    if let Some(p) = &s.problem {
        ui.colored_label(WARN, text::printable(p));
    }
    for src in &s.sources {
        let mut line = format!("{}: {:.0} lines/s", src.name, src.rate);
        if let Some(c) = &src.connection {
            line.push_str(&format!(", {c}"));
        }
        if src.errors > 0 {
            line.push_str(&format!(", {} errors", thousands(src.errors)));
        }
        if src.malformed > 0 {
            line.push_str(&format!(", {} malformed", thousands(src.malformed)));
        }
        if let Some(e) = &src.last_error {
            line.push_str(&format!(" (last: {e})"));
        }
        ui.label(RichText::new(text::printable(&line)).weak());
    }
    ui.horizontal(|ui| {
        let label = ui.label("KPIs over the last");
        let mut minutes = live.minutes();
        ComboBox::from_id_salt("live minutes")
            .selected_text(format!("{minutes} min"))
            .show_ui(ui, |ui| {
                for m in PERIODS {
                    ui.selectable_value(&mut minutes, m, format!("{m} min"));
                }
            })
            .response
            .labelled_by(label.id);
        if minutes != live.minutes() {
            out.push(Command::LiveMinutes(minutes));
        }
        ui.label(RichText::new("of event time, against the minutes before").weak());
    });
    kpi_cards(ui, live);
    section(ui, "The window over time");
    running_timeline(ui, analysis);
    alerts_table(ui, live, analysis, view, out);
}

/// "+12% on the 5 min before".
fn delta(now: u64, before: u64, minutes: u32) -> String {
    match text::change(now, before) {
        Some(c) => format!("{c} on the {minutes} min before"),
        None if now == 0 => format!("none in the {minutes} min before either"),
        None => format!("none in the {minutes} min before"),
    }
}

fn kpi_cards(ui: &mut Ui, live: &Live) {
    let Some(k) = &live.kpis else {
        ui.label(RichText::new("The first detection run is under way…").weak());
        return;
    };
    let Kpis {
        minutes,
        now_us,
        alerts_now_us,
        ..
    } = *k;
    let span = i64::from(minutes) * 60_000_000;
    let alerts = |period: i64| {
        live.alerts
            .iter()
            .filter(|a| {
                a.at_us > alerts_now_us - (period + 1) * span
                    && a.at_us <= alerts_now_us - period * span
            })
            .count() as u64
    };
    let cards = [
        ("Events", k.events, None),
        ("Sources", k.sources, None),
        ("Anomalous events", k.flagged, Some(WARN)),
        ("Alerts", [alerts(0), alerts(1)], Some(MALICIOUS)),
    ];
    ui.columns(cards.len(), |cols| {
        for (col, (title, [now, before], colour)) in cols.iter_mut().zip(cards) {
            figure_card(
                col,
                &format!("{title} · last {minutes} min"),
                &thousands(now),
                &delta(now, before, minutes),
                colour.filter(|_| now > 0),
            );
        }
    });
    ui.label(
        RichText::new(format!("Up to {}", text::minute(now_us)))
            .small()
            .weak(),
    );
}

fn running_timeline(ui: &mut Ui, analysis: Option<&Analysis>) {
    let Some(t) = analysis.and_then(|a| a.timeline.as_ref()) else {
        ui.label(RichText::new("No timed events in the window yet.").weak());
        return;
    };
    let x = |i: usize| (t.start_us + i as i64 * t.window_us) as f64 / 1e6;
    let events: Vec<[f64; 2]> = t
        .events
        .iter()
        .enumerate()
        .map(|(i, &n)| [x(i), f64::from(n)])
        .collect();
    let flagged: Vec<[f64; 2]> = t
        .flagged
        .iter()
        .enumerate()
        .map(|(i, &n)| [x(i), f64::from(n)])
        .collect();
    Plot::new("live timeline")
        .height(160.0)
        .legend(Legend::default())
        .allow_scroll(false)
        .allow_drag(false)
        .allow_zoom(false)
        .x_axis_formatter(|m, _| text::minute((m.value * 1e6) as i64))
        .show(ui, |p| {
            p.line(Line::new("events", PlotPoints::from(events)));
            p.line(Line::new("anomalous events", PlotPoints::from(flagged)).color(WARN));
        });
}

fn alerts_table(
    ui: &mut Ui,
    live: &Live,
    analysis: Option<&Analysis>,
    view: &mut ViewState,
    out: &mut Vec<Command>,
) {
    ui.horizontal(|ui| {
        ui.label(
            RichText::new(format!("Alerts ({})", thousands(live.total_alerts)))
                .text_style(text::style("section"))
                .strong(),
        );
        if live.unseen() > 0 {
            ui.label(
                RichText::new(format!(
                    "{} new since you last looked",
                    thousands(live.unseen())
                ))
                .color(MALICIOUS),
            );
            if ui.button("Mark as seen").clicked() {
                out.push(Command::SeenLive);
            }
        }
    });
    if live.alerts.is_empty() {
        ui.label(RichText::new("None yet.").weak());
        return;
    }
    let selected_ip = analysis
        .zip(view.selected)
        .and_then(|(a, i)| a.detection.sources.get(i))
        .map(|s| s.stats.ip);
    let new = live.unseen().min(live.alerts.len() as u64) as usize;
    egui::Grid::new("live alerts")
        .striped(true)
        .num_columns(6)
        .show(ui, |ui| {
            for h in ["Raised at", "Source", "Confidence", "Events", "Rule", "Why"] {
                ui.label(RichText::new(h).strong());
            }
            ui.end_row();
            for (i, a) in live.alerts.iter().take(200).enumerate() {
                let fresh = i < new;
                let tint = |t: String| {
                    let r = RichText::new(t);
                    if fresh {
                        r.strong().color(MALICIOUS)
                    } else {
                        r
                    }
                };
                ui.label(tint(text::minute(a.at_us)));
                let chosen = selected_ip == Some(a.ip);
                let r = ui.selectable_label(chosen, tint(a.ip.to_string()));
                // The source is looked up in the window only when pointed at, not every frame.
                if r.hovered() || r.clicked() {
                    let index = analysis.and_then(|an| {
                        an.detection.sources.iter().position(|s| s.stats.ip == a.ip)
                    });
                    match index {
                        Some(k) if r.clicked() => out.push(Command::Select(Some(k))),
                        None => {
                            r.on_hover_text("It has left the window");
                        }
                        _ => {}
                    }
                }
                ui.label(tint(format!("{:.0}", a.confidence)));
                ui.label(thousands(a.events_total)).on_hover_text(format!(
                    "{} in the window when it was raised; {} since the start",
                    thousands(a.events),
                    thousands(a.events_total)
                ));
                ui.label(RichText::new(a.rule.id()).weak());
                let why = text::printable(&a.summary);
                ui.add(egui::Label::new(why.as_str()).truncate())
                    .on_hover_text(why);
                ui.end_row();
            }
        });
    if live.alerts.len() > 200 {
        ui.label(
            RichText::new(format!(
                "The latest 200 of {} shown.",
                thousands(live.total_alerts)
            ))
            .weak(),
        );
    }
}

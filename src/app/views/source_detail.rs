//! The selected source: verdict, decision buttons, reasons with their numbers, statistics,
//! ports and protocols, its events over time and its first raw events.

use eframe::egui::{self, RichText, Ui};
use egui_plot::{Bar, BarChart, Plot};

use crate::detection::behaviour::{sessions as sessions_of, SessionStory};
use crate::features::{field_values, FieldValues, PROFILE_ROWS};
use crate::investigation::AnalystVerdict;

use crate::app::analysis::{window_for, Analysis};
use crate::app::text::{bytes, count, thousands};
use crate::app::{finding_color, severity_color, Command, Decision, Loaded, ViewState};

/// Raw events listed.
const RAW_EVENTS: usize = 50;

/// Characters of an event's outcome and detail shown in its row (all of it on hover).
const EVENT_TEXT: usize = 48;

/// Shows source `i` of the analysis.
pub fn show(
    ui: &mut Ui,
    loaded: &Loaded,
    a: &Analysis,
    i: usize,
    view: &ViewState,
    out: &mut Vec<Command>,
) {
    let s = &a.detection.sources[i];
    let threshold = a.settings.auto_block;
    ui.horizontal(|ui| {
        ui.label(
            RichText::new(s.stats.ip.to_string())
                .size(crate::app::text::style("large").resolve(ui.style()).size)
                .family(egui::FontFamily::Monospace)
                .strong(),
        );
        if ui
            .small_button("Close")
            .on_hover_text("Clear the selection (Esc)")
            .clicked()
        {
            out.push(Command::Select(None));
        }
    });
    ui.horizontal(|ui| {
        ui.label(
            RichText::new(format!("{:.0}", s.confidence))
                .text_style(crate::app::text::style("figure"))
                .strong()
                .color(severity_color(s.confidence, threshold)),
        );
        ui.vertical(|ui| {
            ui.label(RichText::new("confidence").weak());
            ui.label(RichText::new(format!("{} · {}", s.action.name(), s.role.title())).strong())
                .on_hover_text(super::alerts::role_text(s));
        });
        ui.vertical(|ui| {
            if let Some(d) = s.direction {
                ui.label(RichText::new(format!("blocks {}", d.name())).weak())
                    .on_hover_text(super::alerts::role_text(s));
            }
            if let Some(i) = &s.infrastructure {
                ui.label(RichText::new(i).weak());
            }
            if let Some(as_text) = s.as_text() {
                ui.label(RichText::new(as_text).weak());
            }
        });
        if let Some(c) = s.country() {
            ui.label(RichText::new(c).text_style(crate::app::text::style("lead")));
        }
    });
    if let Some(g) = &s.geo {
        ui.label(RichText::new(super::alerts::place_text(g)).weak());
        if let Some(logged) = s.stats.country.as_deref() {
            if g.country
                .as_deref()
                .is_some_and(|c| !c.eq_ignore_ascii_case(logged))
            {
                ui.label(RichText::new(format!("its log says {logged}")).color(crate::app::WARN));
            }
        }
    }
    if let Some(why) = &s.shared {
        ui.label(
            RichText::new(format!(
                "⚠ Shared address: it {why}. Blocking it would break them; block its names in \
                 the domain blocklist."
            ))
            .color(crate::app::WARN),
        );
    }
    if !s.names.is_empty() {
        let shown: Vec<&str> = s.names.iter().take(4).map(String::as_str).collect();
        let more = match s.names.len() {
            n if n > 4 => format!(" and {} more", n - 4),
            _ => String::new(),
        };
        ui.label(
            RichText::new(format!(
                "Reached as {}{more}",
                crate::app::text::printable(&shown.join(", "))
            ))
            .weak(),
        )
        .on_hover_text(crate::app::text::printable(&s.names.join("\n")));
    }
    let confirm = egui::Id::unique(("confirm shared block", s.stats.ip));
    ui.horizontal(|ui| {
        let current = view.blocklist.decision(s.stats.ip);
        let protected = view
            .blocklist
            .list
            .protected(&ipnet::IpNet::from(s.stats.ip));
        for (d, label) in [
            (Decision::Block, "Block"),
            (Decision::Allow, "Allow"),
            (Decision::Reviewed, "Mark reviewed"),
        ] {
            let enabled = d != Decision::Block || protected.is_none() || current == Some(d);
            let button =
                ui.add_enabled(enabled, egui::Button::selectable(current == Some(d), label));
            let button = match &protected {
                Some(p) if d == Decision::Block => {
                    button.on_disabled_hover_text(format!("Never blocked: {p}"))
                }
                _ => button,
            };
            if button.clicked() {
                let asks = d == Decision::Block && current != Some(d) && s.shared.is_some();
                if asks {
                    ui.data_mut(|m| m.insert_temp(confirm, true));
                } else {
                    out.push(Command::EditBlocklist(view.blocklist.toggle(
                        s,
                        d,
                        crate::blocklist::Origin::Manual,
                    )));
                }
            }
        }
    });
    if ui
        .button(format!(
            "All {} events…",
            thousands(s.stats.rows.len() as u64)
        ))
        .on_hover_text(
            "Every event of this source in a table: the query's matches, original lines, copy \
             as text or JSON",
        )
        .clicked()
    {
        out.push(Command::ShowEvents(
            s.stats.ip.to_string(),
            std::sync::Arc::new(s.stats.rows.clone()),
        ));
    }
    if ui.data(|m| m.get_temp::<bool>(confirm)).unwrap_or(false) {
        ui.horizontal_wrapped(|ui| {
            let owner = s.as_text().unwrap_or_else(|| "its owner".to_string());
            ui.label(
                RichText::new(format!(
                    "{} is shared ({owner}); blocking it stops every site on it.",
                    s.stats.ip
                ))
                .color(crate::app::WARN),
            );
            if ui.button("Block anyway").clicked() {
                ui.data_mut(|m| m.remove::<bool>(confirm));
                out.push(Command::EditBlocklist(view.blocklist.toggle(
                    s,
                    Decision::Block,
                    crate::blocklist::Origin::Manual,
                )));
            }
            if ui.button("Cancel").clicked() {
                ui.data_mut(|m| m.remove::<bool>(confirm));
            }
        });
    }
    analyst(ui, view, s.stats.ip, out);
    ui.separator();
    // One scroll position per source: the next source opens at its top.
    egui::ScrollArea::vertical()
        .id_salt(("source panel", i))
        .auto_shrink(false)
        .show(ui, |ui| {
            ui.label(RichText::new("Why").strong());
            if s.reasons.is_empty() {
                ui.label(RichText::new("Nothing unusual.").weak());
            }
            for r in &s.reasons {
                ui.label(format!("• {}", crate::app::text::printable(r)));
            }
            findings(ui, s, out);
            log_values(ui, loaded, s);
            sessions(ui, loaded, s);
            ui.add_space(8.0);
            stats(ui, a, i);
            ui.add_space(8.0);
            timeline(ui, loaded, a, i);
            ui.add_space(8.0);
            raw_events(ui, loaded, a, i);
        });
}

/// Each finding with its technique, severity and the log's own values behind it.
/// The analyst's verdict and Markdown note on the source, saved as they change.
fn analyst(ui: &mut Ui, view: &ViewState, ip: std::net::IpAddr, out: &mut Vec<Command>) {
    let current = view.annotations.get(&ip).cloned().unwrap_or_default();
    let mut next = current.clone();
    ui.horizontal(|ui| {
        let label = ui.label("Analyst verdict:");
        egui::ComboBox::from_id_salt(("analyst verdict", ip))
            .selected_text(next.verdict.label())
            .show_ui(ui, |ui| {
                for v in AnalystVerdict::ALL {
                    ui.selectable_value(&mut next.verdict, v, v.label());
                }
            })
            .response
            .labelled_by(label.id);
    });
    let label = ui.label(RichText::new("Notes (Markdown, saved as you type)").weak());
    ui.add(
        egui::TextEdit::multiline(&mut next.note)
            .id_salt(("analyst note", ip))
            .desired_rows(2)
            .desired_width(f32::INFINITY),
    )
    .labelled_by(label.id);
    if next != current {
        next.updated_at = crate::blocklist::now();
        out.push(Command::Annotate(ip, next));
    }
}

fn findings(ui: &mut Ui, s: &crate::detection::SourceVerdict, out: &mut Vec<Command>) {
    if s.findings.is_empty() {
        return;
    }
    ui.add_space(8.0);
    ui.label(RichText::new("Findings").strong());
    for (k, f) in s.findings.iter().enumerate() {
        ui.horizontal_wrapped(|ui| {
            ui.label(
                RichText::new(f.severity.name())
                    .strong()
                    .color(finding_color(f.severity)),
            );
            ui.label(RichText::new(f.kind.name()).strong());
            ui.label(RichText::new(format!("MITRE {}", f.technique)).weak());
            let events = count(f.rows.len() as u64, "event", "events");
            if ui
                .link(RichText::new(events).weak())
                .on_hover_text("The events behind this finding, in the event table")
                .clicked()
            {
                out.push(Command::ShowEvents(
                    format!("{}: {}", s.stats.ip, f.kind.name()),
                    std::sync::Arc::new(f.rows.clone()),
                ));
            }
        });
        egui::CollapsingHeader::new(format!("Evidence ({})", f.evidence.len()))
            .id_salt(("evidence", k))
            .show(ui, |ui| {
                for e in &f.evidence {
                    ui.label(RichText::new(crate::app::text::printable(e)).monospace());
                }
            });
    }
}

/// The log's own values for the source: the top five of each field, computed once per source
/// and kept in the ui's memory.
fn log_values(ui: &mut Ui, loaded: &Loaded, s: &crate::detection::SourceVerdict) {
    let id = egui::Id::unique((
        "field-values",
        s.stats.ip,
        s.stats.rows.len(),
        s.stats.first_us,
    ));
    let values = ui.data(|d| d.get_temp::<std::sync::Arc<Vec<FieldValues>>>(id));
    let values = values.unwrap_or_else(|| {
        let v = std::sync::Arc::new(field_values(&loaded.investigation.table, &s.stats.rows, 5));
        ui.data_mut(|d| d.insert_temp(id, v.clone()));
        v
    });
    if values.is_empty() {
        return;
    }
    ui.add_space(8.0);
    let title = if s.stats.rows.len() > PROFILE_ROWS {
        format!(
            "In its log (first {} events)",
            thousands(PROFILE_ROWS as u64)
        )
    } else {
        "In its log".to_string()
    };
    ui.label(RichText::new(title).strong());
    // Each field over its values, which are cut to the panel's width (whole on hover): a long
    // value never widens the panel.
    for f in values.iter() {
        ui.label(RichText::new(format!("{} ({} distinct)", f.field, f.distinct)).weak());
        ui.indent(("field-values", &f.field), |ui| {
            for (v, n) in &f.top {
                let mut text = crate::app::text::printable(v);
                if text.chars().count() > EVENT_TEXT {
                    text = text.chars().take(EVENT_TEXT).collect::<String>() + "…";
                }
                ui.add(
                    egui::Label::new(
                        RichText::new(format!("×{}  {text}", thousands(*n as u64))).monospace(),
                    )
                    .truncate(),
                )
                .on_hover_text(crate::app::text::printable(v));
            }
        });
    }
}

/// Sessions listed in full; the rest are counted.
const SESSIONS_SHOWN: usize = 20;

/// The source's Cowrie sessions, one line each: those that got in first, with their commands,
/// downloads and tunnels; sessions of failed logins only under one heading.
fn sessions(ui: &mut Ui, loaded: &Loaded, s: &crate::detection::SourceVerdict) {
    let id = egui::Id::unique(("sessions", s.stats.ip, s.stats.rows.len(), s.stats.first_us));
    let stories = ui.data(|d| d.get_temp::<std::sync::Arc<Vec<SessionStory>>>(id));
    let stories = stories.unwrap_or_else(|| {
        let v = std::sync::Arc::new(sessions_of(&loaded.investigation.table, &s.stats.rows));
        ui.data_mut(|d| d.insert_temp(id, v.clone()));
        v
    });
    if stories.is_empty() {
        return;
    }
    let (inside, outside): (Vec<&SessionStory>, Vec<&SessionStory>) =
        stories.iter().partition(|x| x.got_in());
    ui.add_space(8.0);
    ui.label(
        RichText::new(format!(
            "Sessions ({}, {} got in)",
            thousands(stories.len() as u64),
            thousands(inside.len() as u64)
        ))
        .strong(),
    );
    let when = |x: &SessionStory| {
        let at = x
            .start_us
            .map(crate::app::text::instant)
            .unwrap_or_default();
        format!("{at} {}", x.protocol)
    };
    for (k, x) in inside.iter().take(SESSIONS_SHOWN).enumerate() {
        ui.label(RichText::new(when(x)).weak().monospace());
        ui.label(crate::app::text::printable(&x.sentence()));
        let lines: Vec<String> = x
            .commands
            .iter()
            .cloned()
            .chain(x.downloads.iter().map(|d| d.to_string()))
            .chain(x.tunnels.iter().cloned())
            .collect();
        if lines.len() > 1 {
            egui::CollapsingHeader::new(format!("Commands and transfers ({})", lines.len()))
                .id_salt(("session", k))
                .show(ui, |ui| {
                    for l in &lines {
                        ui.label(RichText::new(crate::app::text::printable(l)).monospace());
                    }
                });
        }
    }
    if inside.len() > SESSIONS_SHOWN {
        ui.label(
            RichText::new(format!(
                "and {} more sessions that got in",
                thousands((inside.len() - SESSIONS_SHOWN) as u64)
            ))
            .weak(),
        );
    }
    if !outside.is_empty() {
        let attempts: usize = outside.iter().map(|x| x.failed.len()).sum();
        egui::CollapsingHeader::new(format!(
            "{} sessions that never got in ({} failed logins)",
            thousands(outside.len() as u64),
            thousands(attempts as u64)
        ))
        .id_salt("sessions outside")
        .show(ui, |ui| {
            for x in outside.iter().take(SESSIONS_SHOWN) {
                ui.label(
                    RichText::new(format!(
                        "{}  {}",
                        when(x),
                        crate::app::text::printable(&x.sentence())
                    ))
                    .small(),
                );
            }
            if outside.len() > SESSIONS_SHOWN {
                ui.label(
                    RichText::new(format!(
                        "and {} more",
                        thousands((outside.len() - SESSIONS_SHOWN) as u64)
                    ))
                    .weak(),
                );
            }
        });
    }
}

/// Log text made safe to show: control and bidirectional characters escaped.
fn stats(ui: &mut Ui, a: &Analysis, i: usize) {
    let st = &a.detection.sources[i].stats;
    egui::Grid::new("source-stats")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            // Long values (ports, protocols) wrap within the panel instead of widening it.
            let mut row = |k: &str, v: String| {
                ui.label(RichText::new(k).weak());
                ui.add(egui::Label::new(v).wrap());
                ui.end_row();
            };
            row("events", thousands(st.events));
            if let (Some(f), Some(l)) = (st.first_us, st.last_us) {
                row("first seen", crate::app::text::instant(f));
                row("last seen", crate::app::text::instant(l));
            }
            if let Some(b) = st.bytes_sent {
                row(
                    "bytes sent",
                    format!("{} (max {})", bytes(b.total as u64), bytes(b.max as u64)),
                );
            }
            if let Some(b) = st.bytes_received {
                row(
                    "bytes received",
                    format!("{} (max {})", bytes(b.total as u64), bytes(b.max as u64)),
                );
            }
            row("destinations", thousands(st.distinct_destinations as u64));
            row("peak per minute", thousands(st.peak_per_minute));
            if let Some(o) = st.off_hours_share {
                row("off hours", format!("{:.0}%", o * 100.0));
            }
            if let Some(f) = st.failed_share {
                row("failed", format!("{:.0}%", f * 100.0));
            }
            let ports: Vec<String> = a.ports[i]
                .iter()
                .take(8)
                .map(|(p, n)| format!("{p} ({})", thousands(u64::from(*n))))
                .collect();
            if !ports.is_empty() {
                let more = a.ports[i].len().saturating_sub(8);
                let tail = if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                };
                row("ports", format!("{}{tail}", ports.join(", ")));
            }
            let protocols: Vec<String> = a.protocols[i]
                .iter()
                .take(6)
                .map(|(p, n)| format!("{p} ({})", thousands(u64::from(*n))))
                .collect();
            if !protocols.is_empty() {
                row("protocols", protocols.join(", "));
            }
        });
}

fn timeline(ui: &mut Ui, loaded: &Loaded, a: &Analysis, i: usize) {
    let st = &a.detection.sources[i].stats;
    let (Some(first), Some(last)) = (st.first_us, st.last_us) else {
        return;
    };
    let t = &loaded.investigation.table;
    // About 60 bars at most: a single source's events are few.
    let window = window_for((last - first) * 5);
    let start = first.div_euclid(window) * window;
    let bins = ((last - start) / window + 1) as usize;
    let mut normal = vec![0.0f64; bins];
    let mut flagged = vec![0.0f64; bins];
    for &r in &st.rows {
        if let Some(us) = t.time_us(r as usize) {
            let b = ((us - start) / window) as usize;
            if a.event_flagged(r as usize) == Some(true) {
                flagged[b] += 1.0;
            } else {
                normal[b] += 1.0;
            }
        }
    }
    ui.label(
        RichText::new(format!(
            "Events over time ({} per bar){}",
            super::timeline::duration_text(window),
            if a.events_pending {
                "; the anomalous ones show once the events are scored"
            } else {
                ""
            }
        ))
        .strong(),
    );
    let x = |b: usize| ((start + b as i64 * window) as f64) / 1e6;
    let width = window as f64 / 1e6;
    let normal_bars: Vec<Bar> = normal
        .iter()
        .enumerate()
        .map(|(b, &n)| {
            Bar::new(x(b), n)
                .width(width)
                .fill(egui::Color32::from_gray(110))
        })
        .collect();
    let flagged_bars: Vec<Bar> = flagged
        .iter()
        .enumerate()
        .map(|(b, &n)| Bar::new(x(b), n).width(width).fill(crate::app::WARN))
        .collect();
    let normal_chart = BarChart::new("ordinary", normal_bars).color(egui::Color32::GRAY);
    let flagged_chart = BarChart::new("anomalous", flagged_bars)
        .color(crate::app::WARN)
        .stack_on(&[&normal_chart]);
    Plot::new(("source-timeline", i))
        .height(140.0)
        .allow_scroll(false)
        .x_grid_spacer(super::timeline::time_grid)
        .x_axis_formatter(|m, _| super::timeline::axis_time(m.value, m.step_size))
        .show(ui, |p| {
            p.bar_chart(normal_chart);
            p.bar_chart(flagged_chart);
        });
}

fn raw_events(ui: &mut Ui, loaded: &Loaded, a: &Analysis, i: usize) {
    let st = &a.detection.sources[i].stats;
    ui.label(
        RichText::new(format!(
            "First {} of {} {}",
            RAW_EVENTS.min(st.rows.len()),
            if a.detection.sources[i].received_only {
                "the"
            } else {
                "its"
            },
            match (a.detection.sources[i].received_only, st.events) {
                (true, 1) => "1 event it received".to_string(),
                (true, n) => format!("{} events it received", thousands(n)),
                (false, n) => count(n, "event", "events"),
            }
        ))
        .strong(),
    );
    // The table scrolls sideways inside the panel rather than widening it.
    egui::ScrollArea::horizontal()
        .id_salt("raw-events-scroll")
        .show(ui, |ui| raw_grid(ui, loaded, a, i));
}

fn raw_grid(ui: &mut Ui, loaded: &Loaded, a: &Analysis, i: usize) {
    let st = &a.detection.sources[i].stats;
    let t = &loaded.investigation.table;
    egui::Grid::new("raw-events")
        .striped(true)
        .num_columns(7)
        .show(ui, |ui| {
            for h in [
                "time",
                "destination",
                "protocol",
                "sent / received",
                "score",
                "why",
                "event",
            ] {
                ui.label(RichText::new(h).weak());
            }
            ui.end_row();
            for &r in st.rows.iter().take(RAW_EVENTS) {
                let r = r as usize;
                ui.label(
                    t.time_us(r)
                        .map(crate::app::text::instant)
                        .unwrap_or_default(),
                );
                let dst = match (t.destination_ip(r), t.destination_port(r)) {
                    (Some(ip), Some(p)) => format!("{ip}:{p}"),
                    (Some(ip), None) => ip.to_string(),
                    (None, Some(p)) => format!(":{p}"),
                    (None, None) => String::new(),
                };
                ui.label(RichText::new(dst).monospace());
                ui.label(t.app_protocol(r).or(t.transport(r)).unwrap_or(""));
                let b = |v: Option<f64>| v.map_or_else(|| "–".into(), |v| bytes(v as u64));
                ui.label(format!(
                    "{} / {}",
                    b(t.bytes_sent(r)),
                    b(t.bytes_received(r))
                ));
                let text = RichText::new(
                    a.event_score(r)
                        .map_or_else(|| "…".to_string(), |s| format!("{s:.2}")),
                );
                ui.label(if a.event_flagged(r) == Some(true) {
                    text.color(crate::app::WARN).strong()
                } else {
                    text
                });
                match a.detection.event_reason(t, r) {
                    Some(why) => {
                        let short: String = why.chars().take(EVENT_TEXT).collect();
                        let cut = if short.len() < why.len() { "…" } else { "" };
                        ui.label(format!("{short}{cut}")).on_hover_text(why);
                    }
                    None => {
                        ui.label("");
                    }
                }
                let what: Vec<String> = [t.outcome(r).map(str::to_string), t.detail_text(r)]
                    .into_iter()
                    .flatten()
                    .collect();
                let full = crate::app::text::printable(&what.join("  "));
                let short: String = if full.chars().count() > EVENT_TEXT {
                    full.chars().take(EVENT_TEXT).collect::<String>() + "…"
                } else {
                    full.clone()
                };
                ui.label(RichText::new(short).monospace())
                    .on_hover_text(full);
                ui.end_row();
            }
        });
}

//! The alerts table: one row per source, sortable by any column, filterable by text,
//! confidence, verdict, port and protocol, colour-coded by severity, and virtualised so that
//! only the visible rows are laid out.

use eframe::egui::{self, Align, ComboBox, Layout, RichText, Sense, Ui};
use egui_extras::{Column, TableBuilder};

use crate::detection::{Direction, Role, SourceVerdict};
use crate::events::EventTable;
use crate::investigation::AnalystVerdict;

use crate::app::analysis::{reason_kind, Analysis};
use crate::app::text::{minute, thousands};
use crate::app::{finding_color, severity_color, sort_header, Command, ViewState, WARN};

/// Columns the table sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortKey {
    /// Triage order: the worst finding, then confidence.
    Severity,
    /// Confidence 0-100.
    Confidence,
    /// Verdict: normal, watch, block.
    Verdict,
    /// Source address.
    Ip,
    /// Country code.
    Country,
    /// Autonomous system number.
    As,
    /// The threat lists naming it.
    Lists,
    /// Event count.
    Events,
    /// First reason.
    Reason,
    /// First event time.
    FirstSeen,
    /// Last event time.
    LastSeen,
}

/// Which verdicts are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum VerdictFilter {
    /// Every source.
    All,
    /// Watched or proposed for blocking.
    Flagged,
    /// Proposed for blocking only.
    Block,
}

/// 0 for normal, 1 for watch, 2 for block.
fn verdict_rank(confidence: f64, threshold: f64) -> u8 {
    u8::from(confidence >= threshold / 2.0) + u8::from(confidence >= threshold)
}

/// Sort order and filters of the alerts table.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertsView {
    /// The sort column.
    pub sort: SortKey,
    /// Largest first.
    pub descending: bool,
    /// Text that the address, country or a reason must contain.
    pub text: String,
    /// Lowest confidence listed.
    pub min_confidence: f64,
    /// Highest confidence listed.
    pub max_confidence: f64,
    /// Verdicts listed.
    pub verdict: VerdictFilter,
    /// Only sources with events to this destination port.
    pub port: String,
    /// Only sources using this protocol.
    pub protocol: String,
    /// Only sources from this country (ISO code or English name, exact, any case).
    pub country: String,
    /// Only sources with a reason of this kind or containing this text.
    pub reason: String,
    /// Only sources with an event holding a value, picked in a field profile.
    pub value: Option<ValueFilter>,
    /// Move the keyboard focus to the filter field on the next frame.
    pub focus_filter: bool,
    /// Only sources with this analyst verdict.
    pub analyst: Option<AnalystVerdict>,
    /// The analyst's verdicts, as the filter reads them (kept in step with the notes).
    pub judged: std::sync::Arc<std::collections::BTreeMap<std::net::IpAddr, AnalystVerdict>>,
}

/// Only the sources with an event whose field holds a value (a click in a field profile).
#[derive(Debug, Clone)]
pub struct ValueFilter {
    /// The field, as the profile names it ([`QUERY`] for a query).
    pub field: String,
    /// The value, as the profile writes it (the query's text for a query).
    pub value: String,
    /// The sources with such an event, sorted.
    pub sources: std::sync::Arc<Vec<u32>>,
    /// The events holding the value, one bit per event row.
    events: std::sync::Arc<Vec<u64>>,
    /// The analysis it was made for: another one (detection rerun, a live run) makes it anew.
    pub generation: u64,
}

/// The field name a query filter carries.
pub const QUERY: &str = "query";

impl PartialEq for ValueFilter {
    fn eq(&self, other: &Self) -> bool {
        self.field == other.field
            && self.value == other.value
            && self.generation == other.generation
    }
}

impl ValueFilter {
    /// The filter for `field` = `value` over the sources of `a`.
    pub fn new(t: &crate::events::EventTable, a: &Analysis, field: &str, value: &str) -> Self {
        let holds = crate::events::value_matcher(t, field, value);
        let mut events = vec![0u64; t.len().div_ceil(64)];
        for r in (0..t.len()).filter(|&r| holds(r)) {
            events[r / 64] |= 1 << (r % 64);
        }
        Self::from_bits(a, field, value, events)
    }

    /// The filter of the events a query matches over the sources of `a` (or why the query
    /// cannot run).
    pub fn query(
        t: &crate::events::EventTable,
        a: &Analysis,
        text: &str,
    ) -> Result<Self, crate::query::QueryError> {
        let extras: Vec<&str> = t.extras().iter().map(|e| e.name.as_str()).collect();
        let q = crate::query::parse_with_extras(text, &extras)?;
        // Where an event carries no country, `country` is where its source was placed.
        let mut places = vec![None; t.ips().len()];
        for s in &a.detection.sources {
            let id = s
                .stats
                .rows
                .first()
                .and_then(|&r| t.source_ip_id(r as usize));
            if let (Some(id), Some(c)) = (id, s.country()) {
                places[id as usize] = Some(c.to_owned());
            }
        }
        let bits = crate::query::matching_bits_placed(t, &q, crate::query::latest_time(t), &places);
        Ok(Self::from_bits(a, QUERY, text, bits))
    }

    /// The filter of the events set in `events` (one bit per row), over the sources of `a`.
    fn from_bits(a: &Analysis, field: &str, value: &str, events: Vec<u64>) -> Self {
        let held = |r: u32| {
            events
                .get(r as usize / 64)
                .is_some_and(|w| w & (1 << (r % 64)) != 0)
        };
        let sources = a
            .detection
            .sources
            .iter()
            .enumerate()
            .filter(|(_, s)| s.stats.rows.iter().any(|&r| held(r)))
            .map(|(i, _)| i as u32)
            .collect();
        ValueFilter {
            field: field.to_string(),
            value: value.to_string(),
            sources: std::sync::Arc::new(sources),
            events: std::sync::Arc::new(events),
            generation: a.generation,
        }
    }

    /// The same filter made anew for `a` (after a rerun or a live run).
    pub fn remade(&self, t: &crate::events::EventTable, a: &Analysis) -> Self {
        if self.field == QUERY {
            if let Ok(f) = Self::query(t, a, &self.value) {
                return f;
            }
        }
        Self::new(t, a, &self.field, &self.value)
    }

    /// The events it keeps.
    pub fn count(&self) -> u64 {
        self.events.iter().map(|w| u64::from(w.count_ones())).sum()
    }

    /// Whether event row `r` holds the value.
    pub fn holds(&self, r: usize) -> bool {
        self.events
            .get(r / 64)
            .is_some_and(|w| w & (1 << (r % 64)) != 0)
    }

    /// Whether `filter` (none, or a value filter) keeps event row `r`.
    pub fn keeps(filter: Option<&ValueFilter>, r: usize) -> bool {
        filter.is_none_or(|f| f.holds(r))
    }
}

/// One filter that is on, for the chips above every view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterPart {
    /// The text filter.
    Text,
    /// The confidence range.
    Confidence,
    /// The verdict filter.
    Verdict,
    /// The analyst's verdict.
    Analyst,
    /// The port.
    Port,
    /// The protocol.
    Protocol,
    /// The country.
    Country,
    /// The reason.
    Reason,
    /// A value picked in a field profile.
    Value,
}

impl AlertsView {
    /// The filters that are on, each with its chip's text.
    pub fn active(&self) -> Vec<(FilterPart, String)> {
        let short = |s: &str| crate::export::sanitize::one_line(s.trim(), 40);
        let mut out = Vec::new();
        let mut text = |on: bool, part, label: String| {
            if on {
                out.push((part, label));
            }
        };
        text(
            !self.text.trim().is_empty(),
            FilterPart::Text,
            format!("text \"{}\"", short(&self.text)),
        );
        text(
            self.min_confidence > 0.0 || self.max_confidence < 100.0,
            FilterPart::Confidence,
            format!(
                "confidence {:.0}–{:.0}",
                self.min_confidence, self.max_confidence
            ),
        );
        text(
            self.verdict != VerdictFilter::All,
            FilterPart::Verdict,
            match self.verdict {
                VerdictFilter::Block => "block only".into(),
                _ => "watch and block".into(),
            },
        );
        text(
            self.analyst.is_some(),
            FilterPart::Analyst,
            format!("analyst: {}", self.analyst.map_or("", |v| v.label())),
        );
        text(
            !self.port.trim().is_empty(),
            FilterPart::Port,
            format!("port {}", short(&self.port)),
        );
        text(
            !self.protocol.trim().is_empty(),
            FilterPart::Protocol,
            format!("protocol {}", short(&self.protocol)),
        );
        text(
            !self.country.trim().is_empty(),
            FilterPart::Country,
            format!("country {}", short(&self.country)),
        );
        text(
            !self.reason.trim().is_empty(),
            FilterPart::Reason,
            format!("reason \"{}\"", short(&self.reason)),
        );
        if let Some(v) = &self.value {
            let chip = if v.field == QUERY {
                format!("query: {}", short(&v.value))
            } else {
                format!("{} = {}", v.field, short(&v.value))
            };
            out.push((FilterPart::Value, chip));
        }
        out
    }

    /// The same sort with every filter off.
    pub fn cleared(&self) -> AlertsView {
        AlertsView {
            sort: self.sort,
            descending: self.descending,
            judged: self.judged.clone(),
            ..AlertsView::default()
        }
    }

    /// Turns one filter off.
    pub fn clear(&mut self, part: FilterPart) {
        match part {
            FilterPart::Text => self.text.clear(),
            FilterPart::Confidence => (self.min_confidence, self.max_confidence) = (0.0, 100.0),
            FilterPart::Verdict => self.verdict = VerdictFilter::All,
            FilterPart::Analyst => self.analyst = None,
            FilterPart::Port => self.port.clear(),
            FilterPart::Protocol => self.protocol.clear(),
            FilterPart::Country => self.country.clear(),
            FilterPart::Reason => self.reason.clear(),
            FilterPart::Value => self.value = None,
        }
    }
}

impl Default for AlertsView {
    fn default() -> Self {
        AlertsView {
            sort: SortKey::Severity,
            descending: true,
            text: String::new(),
            min_confidence: 0.0,
            max_confidence: 100.0,
            verdict: VerdictFilter::All,
            port: String::new(),
            protocol: String::new(),
            country: String::new(),
            reason: String::new(),
            value: None,
            focus_filter: false,
            analyst: None,
            judged: Default::default(),
        }
    }
}

impl AlertsView {
    /// The indices of the sources that pass the filters, in table order. With `in_range`
    /// (events per source in the brushed time range), only sources active in it.
    pub fn rows(&self, a: &Analysis, in_range: Option<&[u32]>) -> Vec<usize> {
        // No filter and triage order: the ranking itself, without touching every source.
        let unfiltered = AlertsView {
            focus_filter: self.focus_filter,
            judged: self.judged.clone(),
            ..AlertsView::default()
        };
        if in_range.is_none() && *self == unfiltered {
            return a.ranked.clone();
        }
        let text = self.text.to_lowercase();
        let country = self.country.trim().to_lowercase();
        let reason = self.reason.trim().to_lowercase();
        let port: Option<u16> = self.port.trim().parse().ok();
        let protocol = self.protocol.trim().to_lowercase();
        let threshold = a.settings.auto_block;
        let mut rows: Vec<usize> = a
            .ranked
            .iter()
            .copied()
            .filter(|&i| {
                let s = &a.detection.sources[i];
                let verdict_ok = match self.verdict {
                    VerdictFilter::All => true,
                    VerdictFilter::Flagged => s.confidence >= threshold / 2.0,
                    VerdictFilter::Block => s.proposed_block,
                };
                let analyst_ok = self.analyst.is_none_or(|want| {
                    self.judged.get(&s.stats.ip).copied().unwrap_or_default() == want
                });
                verdict_ok
                    && analyst_ok
                    && in_range.is_none_or(|n| n[i] > 0)
                    && s.confidence >= self.min_confidence
                    && s.confidence <= self.max_confidence
                    && (country.is_empty()
                        || s.country().is_some_and(|c| {
                            c.eq_ignore_ascii_case(&country)
                                || (country.len() > 2
                                    && crate::geo::world().name(c).to_lowercase() == country)
                        }))
                    && (reason.is_empty()
                        || s.reasons.iter().any(|r| {
                            reason_kind(r).to_lowercase() == reason
                                || r.to_lowercase().contains(&reason)
                        }))
                    && self
                        .value
                        .as_ref()
                        .is_none_or(|v| v.sources.binary_search(&(i as u32)).is_ok())
                    && port.is_none_or(|p| a.ports[i].iter().any(|(q, _)| *q == p))
                    && (protocol.is_empty()
                        || a.protocols[i].iter().any(|(q, _)| q.contains(&protocol)))
                    && (text.is_empty()
                        || s.stats.ip.to_string().contains(&text)
                        || s.country()
                            .is_some_and(|c| c.to_lowercase().contains(&text))
                        || s.as_text()
                            .is_some_and(|a| a.to_lowercase().contains(&text))
                        || s.reasons.iter().any(|r| r.to_lowercase().contains(&text))
                        || s.findings
                            .iter()
                            .any(|f| f.evidence.iter().any(|e| e.to_lowercase().contains(&text))))
            })
            .collect();
        let src = &a.detection.sources;
        let key = self.sort;
        rows.sort_by(|&x, &y| {
            let (p, q) = (&src[x], &src[y]);
            let o = match key {
                SortKey::Severity => q.priority_cmp(p),
                SortKey::Confidence => p.confidence.total_cmp(&q.confidence),
                SortKey::Verdict => verdict_rank(p.confidence, threshold)
                    .cmp(&verdict_rank(q.confidence, threshold))
                    .then(p.confidence.total_cmp(&q.confidence)),
                SortKey::Ip => p.stats.ip.cmp(&q.stats.ip),
                SortKey::Country => p.country().cmp(&q.country()),
                SortKey::As => asn(p).cmp(&asn(q)),
                SortKey::Lists => p.threat_lists().cmp(&q.threat_lists()),
                SortKey::Events => p.stats.events.cmp(&q.stats.events),
                SortKey::Reason => p.reasons.first().cmp(&q.reasons.first()),
                SortKey::FirstSeen => p.stats.first_us.cmp(&q.stats.first_us),
                SortKey::LastSeen => p.stats.last_us.cmp(&q.stats.last_us),
            };
            if self.descending {
                o.reverse()
            } else {
                o
            }
        });
        rows
    }
}

/// A source's AS number, when known.
fn asn(s: &crate::detection::SourceVerdict) -> Option<u32> {
    s.geo.as_ref().and_then(|g| g.asn)
}

/// Where a source is, in one line: "Boxford, England, GB · AS15169 Google Inc. (country-level)".
pub fn place_text(g: &crate::geo::GeoInfo) -> String {
    let mut place: Vec<&str> = Vec::new();
    place.extend(g.city.as_deref());
    place.extend(g.subdivision.as_deref());
    place.extend(g.country.as_deref());
    let mut out = if place.is_empty() {
        g.placement.name().to_string()
    } else {
        place.join(", ")
    };
    if let Some(a) = g.as_text() {
        out.push_str(" · ");
        out.push_str(&a);
    }
    if g.placement == crate::geo::Placement::Country {
        out.push_str(" (country-level placement)");
    }
    out
}

/// Shows the filters and the table.
pub fn show(
    ui: &mut Ui,
    t: &EventTable,
    a: &Analysis,
    view: &mut ViewState,
    out: &mut Vec<Command>,
) {
    // Files without source addresses (NSL-KDD, UNSW) have only events to list.
    let sourceless = a.detection.sources.is_empty();
    if sourceless {
        view.per_event = true;
    }
    ui.horizontal(|ui| {
        ui.add_enabled_ui(!sourceless, |ui| {
            ui.selectable_value(
                &mut view.per_event,
                false,
                RichText::new("Sources").strong(),
            )
            .on_disabled_hover_text("These files name no source addresses");
        });
        ui.selectable_value(
            &mut view.per_event,
            true,
            RichText::new("Anomalous events").strong(),
        );
    });
    filters(ui, &mut view.alerts);
    if view.per_event {
        if a.events_pending {
            crate::app::widgets::preparing(
                ui,
                "Scoring the events: the anomalous ones are listed next…",
            );
        } else {
            super::event_alerts::show(ui, t, a, view, out);
        }
        return;
    }
    view.alert_rows(t, a);
    let Some((key, rows)) = view.alerts_rows.take() else {
        return;
    };
    ui.horizontal(|ui| {
        ui.label(
            RichText::new(format!(
                "{} of {} sources",
                thousands(rows.len() as u64),
                thousands(a.detection.sources.len() as u64)
            ))
            .weak(),
        );
        if ui
            .button("Save as CSV…")
            .on_hover_text(
                "The sources listed, in this order, with their verdicts and reasons \
                 (spreadsheet-safe)",
            )
            .clicked()
        {
            out.push(Command::AlertsCsvDialog);
        }
        if ui
            .button("Show the events…")
            .on_hover_text(
                "Every event that passes the filters and time range in a table: the query's \
                 matches highlighted, original lines, copy as text or JSON",
            )
            .clicked()
        {
            out.push(Command::ShowEventsShown);
        }
        if ui
            .button("Save the events shown as CSV…")
            .on_hover_text(
                "Every event that passes the filters and time range, as the scatter, timeline \
                 and breakdown show them, with its scores (spreadsheet-safe)",
            )
            .clicked()
        {
            out.push(Command::EventsCsvDialog);
        }
    });
    marked_bar(ui, a, &rows, view, out);
    ui.add_space(4.0);
    table(ui, a, &rows, view, out);
    view.alerts_rows = Some((key, rows));
}

/// Blocking several sources at once: those marked with Ctrl+click, or every source listed.
/// Sources already blocked or that must never be (reserved, allowlisted) are left out, and
/// the bar says how many.
fn marked_bar(
    ui: &mut Ui,
    a: &Analysis,
    rows: &[usize],
    view: &mut ViewState,
    out: &mut Vec<Command>,
) {
    let blockable = |i: usize| {
        let ip = a.detection.sources[i].stats.ip;
        view.blocklist.decision(ip) != Some(crate::app::Decision::Block)
            && view
                .blocklist
                .list
                .protected(&ipnet::IpNet::from(ip))
                .is_none()
    };
    let entries = |set: &mut dyn Iterator<Item = usize>| {
        crate::blocklist::Edit::put(
            set.map(|i| {
                crate::blocklist::entry_for(
                    &a.detection.sources[i],
                    crate::blocklist::Origin::Selection,
                )
            })
            .collect(),
        )
    };
    ui.horizontal(|ui| {
        let marked: Vec<usize> = view.marked.iter().copied().collect();
        if marked.is_empty() {
            ui.label(RichText::new("Ctrl+click rows to mark several sources").weak());
        } else {
            let ok: Vec<usize> = marked.iter().copied().filter(|&i| blockable(i)).collect();
            ui.label(format!("{} marked", thousands(marked.len() as u64)));
            if ui
                .add_enabled(
                    !ok.is_empty(),
                    egui::Button::new(format!("Block the {} marked", thousands(ok.len() as u64))),
                )
                .clicked()
            {
                out.push(Command::EditBlocklist(entries(&mut ok.iter().copied())));
                view.marked.clear();
            }
            let left = marked.len() - ok.len();
            if left > 0 {
                ui.label(
                    RichText::new(format!(
                        "{left} already blocked or never blocked (reserved or allowlisted)"
                    ))
                    .weak(),
                );
            }
            if ui.button("Clear marks").clicked() {
                view.marked.clear();
            }
        }
        let unfiltered = AlertsView {
            sort: view.alerts.sort,
            descending: view.alerts.descending,
            ..AlertsView::default()
        };
        if view.alerts == unfiltered && view.time_range.is_none() {
            return;
        }
        // As with the scatter's box: only the flagged sources the filters list, so that a broad
        // filter never blocks the ordinary sources it also lists.
        let half = a.settings.auto_block / 2.0;
        let listed: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|&i| a.detection.sources[i].confidence >= half && blockable(i))
            .collect();
        if !listed.is_empty()
            && ui
                .button(format!(
                    "Block the {}",
                    crate::app::text::count(
                        listed.len() as u64,
                        "flagged source listed",
                        "flagged sources listed"
                    )
                ))
                .on_hover_text(format!(
                    "The sources the filters list at half the auto-block threshold ({half:.0}) \
                     or above, not yet blocked and not allowlisted; the {} others listed are \
                     left alone. Undo with Ctrl+Z in the Blocklist view.",
                    thousands((rows.len() - listed.len()) as u64)
                ))
                .clicked()
        {
            out.push(Command::EditBlocklist(entries(&mut listed.iter().copied())));
        }
    });
}

fn filters(ui: &mut Ui, f: &mut AlertsView) {
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Filter");
        let edit = ui
            .add(
                egui::TextEdit::singleline(&mut f.text)
                    .hint_text("address, country or reason  (Ctrl+F)")
                    .desired_width(260.0),
            )
            .labelled_by(label.id);
        if std::mem::take(&mut f.focus_filter) {
            edit.request_focus();
        }
        ui.add(
            egui::Slider::new(&mut f.min_confidence, 0.0..=100.0)
                .integer()
                .text("minimum confidence"),
        );
        ui.add(
            egui::Slider::new(&mut f.max_confidence, 0.0..=100.0)
                .integer()
                .text("maximum"),
        );
        if f.max_confidence < f.min_confidence {
            f.max_confidence = f.min_confidence;
        }
        let verdict = ui.label("Verdict");
        ComboBox::from_id_salt("verdict")
            .selected_text(match f.verdict {
                VerdictFilter::All => "all verdicts",
                VerdictFilter::Flagged => "watch and block",
                VerdictFilter::Block => "block only",
            })
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut f.verdict, VerdictFilter::All, "all verdicts");
                ui.selectable_value(&mut f.verdict, VerdictFilter::Flagged, "watch and block");
                ui.selectable_value(&mut f.verdict, VerdictFilter::Block, "block only");
            })
            .response
            .labelled_by(verdict.id);
        let analyst = ui.label("Analyst");
        ComboBox::from_id_salt("analyst filter")
            .selected_text(f.analyst.map_or("any", |v| v.label()))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut f.analyst, None, "any");
                for v in AnalystVerdict::ALL {
                    ui.selectable_value(&mut f.analyst, Some(v), v.label());
                }
            })
            .response
            .labelled_by(analyst.id);
        let label = ui.label("Port");
        ui.add(
            egui::TextEdit::singleline(&mut f.port)
                .hint_text("any")
                .desired_width(60.0),
        )
        .labelled_by(label.id);
        let label = ui.label("Protocol");
        ui.add(
            egui::TextEdit::singleline(&mut f.protocol)
                .hint_text("any")
                .desired_width(80.0),
        )
        .labelled_by(label.id);
        let label = ui.label("Country");
        ui.add(
            egui::TextEdit::singleline(&mut f.country)
                .hint_text("any")
                .desired_width(40.0),
        )
        .labelled_by(label.id);
        let label = ui.label("Reason");
        ui.add(
            egui::TextEdit::singleline(&mut f.reason)
                .hint_text("any")
                .desired_width(160.0),
        )
        .labelled_by(label.id);
        if ui.button("Clear").clicked() {
            *f = f.cleared();
        }
    });
}

/// The part a party plays, in a word or two, for the verdict cell: empty for a plain
/// external or internal address.
pub fn role_short(s: &SourceVerdict) -> String {
    let role = match s.role {
        Role::External | Role::Internal | Role::Unroutable => "",
        Role::Server => "server",
        Role::InfectedHost => "infected",
        Role::CommandAndControl => "C2 server",
        Role::MalwareDelivery => "delivery",
        Role::Victim => "victim",
        Role::Scanner => "scanner",
        Role::Infrastructure => "infrastructure",
    };
    match s.direction {
        Some(Direction::Outbound) => format!("{role} → out").trim().to_string(),
        Some(Direction::Both) => format!("{role} ⇄ both").trim().to_string(),
        _ => role.to_string(),
    }
}

/// The party's role and the direction a block of it takes, in words.
pub fn role_text(s: &SourceVerdict) -> String {
    let mut text = s.role.title().to_string();
    if let Some(i) = &s.infrastructure {
        text.push_str(&format!(" ({i})"));
    }
    match s.direction {
        Some(Direction::Outbound) => text.push_str(": a block stops traffic going to it"),
        Some(Direction::Both) => text.push_str(": a block stops traffic both ways"),
        Some(Direction::Inbound) => text.push_str(": a block stops traffic coming from it"),
        None => {}
    }
    text
}

fn table(ui: &mut Ui, a: &Analysis, rows: &[usize], view: &mut ViewState, out: &mut Vec<Command>) {
    let threshold = a.settings.auto_block;
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
    // The AS column only when a database gave any source one.
    let with_as = a.any_asn;
    // The lists column only when threat lists are loaded.
    let with_lists = a.intel.as_deref().is_some_and(|l| !l.is_empty());
    let columns: Vec<(&str, SortKey)> = [
        ("Severity", SortKey::Severity),
        ("Confidence", SortKey::Confidence),
        ("Verdict", SortKey::Verdict),
        ("Source", SortKey::Ip),
        ("Country", SortKey::Country),
        ("AS", SortKey::As),
        ("Lists", SortKey::Lists),
        ("Events", SortKey::Events),
        ("First seen", SortKey::FirstSeen),
        ("Last seen", SortKey::LastSeen),
        ("Top reason", SortKey::Reason),
    ]
    .into_iter()
    .filter(|(_, k)| (with_as || *k != SortKey::As) && (with_lists || *k != SortKey::Lists))
    .collect();
    let sort = &mut view.alerts;
    // Labels that select text would swallow the click that selects the row.
    ui.style_mut().interaction.selectable_labels = false;
    let mut builder = TableBuilder::new(ui)
        .striped(true)
        .sense(Sense::click())
        .cell_layout(Layout::left_to_right(Align::Center))
        .column(Column::exact(72.0))
        .column(Column::exact(92.0))
        .column(Column::initial(170.0).resizable(true).clip(true))
        .column(Column::initial(140.0).resizable(true))
        .column(Column::exact(64.0));
    if with_as {
        builder = builder.column(Column::initial(150.0).resizable(true).clip(true));
    }
    if with_lists {
        builder = builder.column(Column::initial(120.0).resizable(true).clip(true));
    }
    builder
        .column(Column::exact(72.0))
        .column(Column::initial(128.0).resizable(true))
        .column(Column::initial(128.0).resizable(true))
        .column(Column::remainder().clip(true))
        .header(row_height + 4.0, |mut header| {
            for (title, key) in columns {
                header.col(|ui| {
                    if sort_header(ui, title, sort.sort == key, sort.descending) {
                        if sort.sort == key {
                            sort.descending = !sort.descending;
                        } else {
                            sort.sort = key;
                            sort.descending = matches!(
                                key,
                                SortKey::Severity
                                    | SortKey::Confidence
                                    | SortKey::Verdict
                                    | SortKey::Events
                                    | SortKey::LastSeen
                            );
                        }
                    }
                });
            }
        })
        .body(|body| {
            body.rows(row_height, rows.len(), |mut row| {
                let i = rows[row.index()];
                let s = &a.detection.sources[i];
                row.set_selected(view.selected == Some(i) || view.marked.contains(&i));
                let c = severity_color(s.confidence, threshold);
                row.col(|ui| match s.severity() {
                    Some(v) => {
                        ui.label(RichText::new(v.name()).strong().color(finding_color(v)));
                    }
                    None => {
                        ui.label(RichText::new("–").weak());
                    }
                });
                row.col(|ui| {
                    ui.label(
                        RichText::new(format!("{:5.1}", s.confidence))
                            .strong()
                            .color(c),
                    );
                });
                row.col(|ui| {
                    ui.label(RichText::new(s.action.name()).color(c))
                        .on_hover_text(role_text(s));
                    let part = role_short(s);
                    if !part.is_empty() {
                        ui.label(RichText::new(part).small().weak());
                    }
                    if s.shared.is_some() {
                        ui.label(RichText::new("shared").small().color(WARN))
                            .on_hover_text(s.shared.as_deref().unwrap_or_default());
                    }
                    if let Some(d) = view.blocklist.decision(s.stats.ip) {
                        ui.label(RichText::new(d.word()).small().weak());
                    }
                    if let Some(n) = view.annotations.get(&s.stats.ip) {
                        let word = match n.verdict {
                            AnalystVerdict::Unknown => "note",
                            AnalystVerdict::TruePositive => "TP",
                            AnalystVerdict::FalsePositive => "FP",
                            AnalystVerdict::Benign => "benign",
                        };
                        let r = ui.label(RichText::new(word).small().strong());
                        if !n.note.is_empty() {
                            r.on_hover_text(crate::app::text::printable(&n.note));
                        }
                    }
                });
                row.col(|ui| {
                    ui.label(RichText::new(s.stats.ip.to_string()).monospace());
                });
                row.col(|ui| {
                    let r = ui.label(s.country().unwrap_or("–"));
                    if let Some(g) = &s.geo {
                        r.on_hover_text(place_text(g));
                    }
                });
                if with_as {
                    row.col(|ui| {
                        ui.label(s.as_text().unwrap_or_else(|| "–".into()));
                    });
                }
                if with_lists {
                    row.col(|ui| {
                        let lists = s.threat_lists();
                        if lists.is_empty() {
                            ui.label(RichText::new("–").weak());
                        } else {
                            let text = lists.join(", ");
                            ui.label(RichText::new(&text).color(WARN))
                                .on_hover_text(text);
                        }
                    });
                }
                row.col(|ui| {
                    ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                        ui.label(thousands(s.stats.events));
                    });
                });
                row.col(|ui| {
                    ui.label(s.stats.first_us.map(minute).unwrap_or_default());
                });
                row.col(|ui| {
                    ui.label(s.stats.last_us.map(minute).unwrap_or_default());
                });
                row.col(|ui| {
                    ui.label(
                        s.reasons
                            .first()
                            .map_or_else(String::new, |r| crate::app::text::printable(r)),
                    );
                });
                if row.response().clicked() {
                    if row.response().ctx.input(|i| i.modifiers.command) {
                        if !view.marked.remove(&i) {
                            view.marked.insert(i);
                        }
                    } else {
                        out.push(Command::Select(Some(i)));
                    }
                }
            });
        });
}

//! The overview: a one-sentence verdict, KPI cards with their trend, the reasons behind the
//! alerts, the sources to look at first and, when the files carry labels, how well detection
//! did.

use eframe::egui::{self, Color32, Frame, Margin, RichText, Sense, Ui};

use crate::detection::Action;

use super::evaluation::detector_title;
use crate::app::analysis::{Analysis, Timeline};
use crate::app::text::{count, thousands};
use crate::app::{severity_color, Command, Loaded, Tab, ViewState, BENIGN, ERROR, WARN};

/// Shows the overview.
pub fn show(ui: &mut Ui, loaded: &Loaded, a: &Analysis, view: &ViewState, out: &mut Vec<Command>) {
    // A scroll bar of its own width: a floating one covered the last KPI card's edge.
    ui.spacing_mut().scroll = egui::style::ScrollStyle::solid();
    egui::ScrollArea::vertical()
        .auto_shrink(false)
        .show(ui, |ui| {
            verdict(ui, a);
            ui.add_space(12.0);
            kpis(ui, loaded, a);
            ui.add_space(16.0);
            ui.columns(2, |cols| {
                top_sources(&mut cols[0], a, view, out, 8);
                if a.ranked.len() > 8 && cols[0].link("All sources in the alerts table →").clicked()
                {
                    out.push(Command::Show(Tab::Alerts));
                }
                top_reasons(&mut cols[1], a);
                if let Some(e) = &a.evaluation {
                    cols[1].add_space(16.0);
                    evaluation(&mut cols[1], e);
                    if cols[1].link("ROC curves and confusion matrices").clicked() {
                        out.push(Command::Show(Tab::Evaluation));
                    }
                }
            });
            if !view.presentation {
                ui.add_space(16.0);
                summary(ui, view, out);
            }
        });
}

/// The case summary the report opens with, edited here and saved as it changes.
fn summary(ui: &mut Ui, view: &ViewState, out: &mut Vec<Command>) {
    let label =
        ui.label(RichText::new("Case summary (Markdown), the report's first words").strong());
    let mut text = view.summary.clone();
    ui.add(
        egui::TextEdit::multiline(&mut text)
            .id_salt("case summary")
            .desired_rows(3)
            .desired_width(f32::INFINITY),
    )
    .labelled_by(label.id);
    if text != view.summary {
        out.push(Command::SetSummary(text));
    }
}

/// The sentence an analyst reads first: is everything okay, and where to look.
pub fn verdict_sentence(a: &Analysis) -> (String, Color32) {
    let blocks = a.proposed_blocks();
    let flagged = a.flagged_sources();
    let watched = flagged - blocks;
    let first = a.ranked.first().map(|&i| &a.detection.sources[i]);
    let isolate = a
        .detection
        .sources
        .iter()
        .filter(|s| s.action == Action::Isolate)
        .count();
    let floods: Vec<String> = a
        .detection
        .volume
        .iter()
        .map(|v| format!("{} ({:.0}% of the events)", v.kind.name(), 100.0 * v.share))
        .collect();
    let flooded: f64 = a.detection.volume.iter().map(|v| v.share).sum();
    if a.detection.sources.is_empty() && flooded >= 0.5 {
        return (
            format!(
                "A volume attack fills these files: {}. They name no source addresses; \
                 Alerts lists the events.",
                floods.join(" and ")
            ),
            ERROR,
        );
    }
    let among = if floods.is_empty() {
        String::new()
    } else {
        format!(", among them a {}", floods.join(" and a "))
    };
    if a.detection.sources.is_empty() {
        let events = a.detection.event_flagged.len();
        let Some(flagged) = a.flagged_events() else {
            return (
                "These files name no source addresses: the events are being scored, and \
                 Alerts will list them, the most anomalous first."
                    .to_string(),
                WARN,
            );
        };
        return if flagged > 0 {
            (
                format!(
                    "{} of {} look anomalous{among}; these files name no source addresses, \
                     so Alerts lists the events, the most anomalous first.",
                    count(flagged as u64, "event", "events"),
                    thousands(events as u64)
                ),
                WARN,
            )
        } else {
            (
                format!(
                    "Everything looks ordinary: none of the {} events stands out.",
                    thousands(events as u64)
                ),
                BENIGN,
            )
        };
    }
    match first {
        Some(top) if isolate > 0 => (
            format!(
                "{} inside the network {} compromised: isolate and investigate {}. {} \
                 proposed for blocking. Start with {} (confidence {:.0}).",
                count(isolate as u64, "host", "hosts"),
                if isolate == 1 { "looks" } else { "look" },
                if isolate == 1 { "it" } else { "them" },
                count(blocks as u64, "address", "addresses"),
                top.stats.ip,
                top.confidence
            ),
            ERROR,
        ),
        Some(top) if blocks > 0 => (
            format!(
                "{} need{} attention: {} proposed for blocking, {} to watch. Start with {} \
                 (confidence {:.0}).",
                count(flagged as u64, "address", "addresses"),
                if flagged == 1 { "s" } else { "" },
                thousands(blocks as u64),
                thousands(watched as u64),
                top.stats.ip,
                top.confidence
            ),
            ERROR,
        ),
        Some(top) if watched > 0 => (
            format!(
                "Nothing reaches the blocking threshold; {} worth a look, starting with {} \
                 (confidence {:.0}).",
                count(watched as u64, "address is", "addresses are"),
                top.stats.ip,
                top.confidence
            ),
            WARN,
        ),
        _ => (
            "Everything looks ordinary: no source stands out.".to_string(),
            BENIGN,
        ),
    }
}

/// The verdict sentence in its coloured frame, with volume attacks and the caveat below.
pub(crate) fn verdict(ui: &mut Ui, a: &Analysis) {
    let (text, color) = verdict_sentence(a);
    Frame::new()
        .fill(color.gamma_multiply(0.18))
        .stroke(egui::Stroke::new(1.0, color))
        .corner_radius(8.0)
        .inner_margin(Margin::symmetric(16, 12))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(
                RichText::new(text)
                    .text_style(crate::app::text::style("lead"))
                    .strong(),
            );
            for v in &a.detection.volume {
                ui.label(&v.summary);
            }
            if let Some(c) = &a.detection.caveat {
                ui.label(RichText::new(format!("⚠ {c}")).color(WARN));
            }
        });
}

/// Counts in the later and the earlier half of the time span, for the trend arrows.
fn halves(t: &Timeline, values: &[u32]) -> (u64, u64) {
    let mid = values.len() / 2;
    let earlier = values[..mid].iter().map(|&v| u64::from(v)).sum();
    let later = values[mid..].iter().map(|&v| u64::from(v)).sum();
    debug_assert_eq!(values.len(), t.events.len());
    (later, earlier)
}

/// A KPI card: title, value (`None` while it is being counted), (later, earlier) halves for
/// the trend, colour when non-zero.
type Card<'a> = (&'a str, Option<u64>, Option<(u64, u64)>, Option<Color32>);

/// The KPI cards, as many to a row as fit whole.
pub(crate) fn kpis(ui: &mut Ui, loaded: &Loaded, a: &Analysis) {
    let inv = &loaded.investigation;
    let trend = |values: fn(&Timeline) -> &[u32]| a.timeline.as_ref().map(|t| halves(t, values(t)));
    let cards: [Card; 5] = [
        (
            "events",
            Some(inv.table.len() as u64),
            trend(|t| &t.events),
            None,
        ),
        (
            "anomalous events",
            a.flagged_events().map(|n| n as u64),
            trend(|t| &t.flagged),
            Some(WARN),
        ),
        (
            "addresses",
            Some(a.detection.sources.len() as u64),
            None,
            None,
        ),
        (
            "flagged addresses",
            Some(a.flagged_sources() as u64),
            None,
            Some(WARN),
        ),
        (
            "proposed blocks",
            Some(a.proposed_blocks() as u64),
            None,
            Some(ERROR),
        ),
    ];
    // As many cards to a row as fit whole: beside the source panel they wrap onto a second
    // row rather than squeeze their figures letter by letter.
    let per_row = ((ui.available_width() / KPI_MIN_WIDTH) as usize).clamp(1, cards.len());
    for row in cards.chunks(per_row) {
        ui.columns(per_row, |cols| {
            for (col, &(title, value, trend, color)) in cols.iter_mut().zip(row) {
                kpi_card(col, title, value, trend, color);
            }
        });
        ui.add_space(4.0);
    }
}

/// The narrowest a KPI card gets: room for "1,000,000" in the figure style and its margins.
const KPI_MIN_WIDTH: f32 = 190.0;

fn kpi_card(
    ui: &mut Ui,
    title: &str,
    value: Option<u64>,
    trend: Option<(u64, u64)>,
    color: Option<Color32>,
) {
    let figure = value.map_or_else(|| "…".to_string(), thousands);
    let note = match (value, trend) {
        (None, _) => "being scored".to_string(),
        (_, Some((later, earlier))) => trend_text(later, earlier),
        (_, None) => String::new(),
    };
    let color = color.filter(|_| value.is_some_and(|v| v > 0));
    crate::app::widgets::figure_card(ui, title, &figure, &note, color);
}

/// "+12% in the second half of the span" against the first half.
pub fn trend_text(later: u64, earlier: u64) -> String {
    match crate::app::text::change(later, earlier) {
        Some(c) => format!("{c} in the second half of the span"),
        None if later == 0 => "none in either half of the span".into(),
        None => "all in the second half of the span".into(),
    }
}

fn section(ui: &mut Ui, title: &str) {
    ui.label(
        RichText::new(title)
            .text_style(crate::app::text::style("section"))
            .strong(),
    );
    ui.add_space(4.0);
}

/// "Look here first": one card per campaign or source, most confident first, at most `max`;
/// a click selects the source.
pub(crate) fn top_sources(
    ui: &mut Ui,
    a: &Analysis,
    view: &ViewState,
    out: &mut Vec<Command>,
    max: usize,
) {
    section(ui, "Look here first");
    let threshold = a.settings.auto_block;
    let campaigns = &a.detection.campaigns;
    for &i in a.look_first.iter().take(max) {
        let campaign = a.detection.sources[i].campaign;
        let s = &a.detection.sources[i];
        let selected = view.selected == Some(i);
        let frame = Frame::group(ui.style())
            .corner_radius(6.0)
            .inner_margin(Margin::symmetric(10, 6))
            .fill(if selected {
                ui.visuals().selection.bg_fill.gamma_multiply(0.4)
            } else {
                ui.visuals().faint_bg_color
            });
        let r = frame
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.horizontal(|ui| {
                    ui.label(
                        RichText::new(format!("{:.0}", s.confidence))
                            .text_style(crate::app::text::style("large"))
                            .strong()
                            .color(severity_color(s.confidence, threshold)),
                    );
                    ui.vertical(|ui| {
                        ui.horizontal(|ui| {
                            ui.label(RichText::new(s.stats.ip.to_string()).strong().monospace());
                            if let Some(c) = s.country() {
                                ui.label(RichText::new(c).weak());
                            }
                            ui.label(
                                RichText::new(count(s.stats.events, "event", "events")).weak(),
                            );
                        });
                        if let Some(r) = s.reasons.first() {
                            ui.label(RichText::new(crate::app::text::printable(r)).small());
                        }
                        if let Some(shared) = &s.shared {
                            ui.label(
                                RichText::new(format!(
                                    "Not proposed by address: it {}{}",
                                    crate::app::text::printable(shared),
                                    if s.names.is_empty() {
                                        ""
                                    } else {
                                        "; its names are proposed in Domains"
                                    }
                                ))
                                .small()
                                .color(crate::app::WARN),
                            );
                        }
                        if let Some(c) = campaign.map(|c| &campaigns[c]) {
                            ui.label(
                                RichText::new(format!(
                                    "+ {} with the same {}",
                                    count(
                                        c.members.len() as u64 - 1,
                                        "more source",
                                        "more sources"
                                    ),
                                    c.kind.name()
                                ))
                                .small()
                                .strong(),
                            );
                        }
                    });
                });
            })
            .response
            .interact(Sense::click());
        if r.clicked() {
            out.push(Command::Select(Some(i)));
        }
        ui.add_space(2.0);
    }
}

fn top_reasons(ui: &mut Ui, a: &Analysis) {
    section(ui, "Why sources were flagged");
    let reasons = a.top_reasons(8);
    if reasons.is_empty() {
        ui.label(RichText::new("No source was flagged.").weak());
        return;
    }
    let max = reasons.first().map_or(1, |r| r.1).max(1);
    for (kind, n) in reasons {
        ui.horizontal(|ui| {
            let width = 160.0 * n as f32 / max as f32;
            let (rect, _) = ui.allocate_exact_size(egui::vec2(160.0, 14.0), Sense::hover());
            let bar = egui::Rect::from_min_size(rect.min, egui::vec2(width.max(2.0), 14.0));
            ui.painter().rect_filled(bar, 3.0, WARN.gamma_multiply(0.8));
            ui.label(format!("{kind}: {}", count(n as u64, "source", "sources")));
        });
    }
}

fn evaluation(ui: &mut Ui, e: &crate::evaluation::Evaluation) {
    section(ui, "Against the ground-truth labels");
    egui::Grid::new("evaluation")
        .striped(true)
        .num_columns(6)
        .show(ui, |ui| {
            for h in ["per event", "ROC-AUC", "precision", "recall", "F1", "FPR"] {
                ui.label(RichText::new(h).strong());
            }
            ui.end_row();
            let mut cards: Vec<_> = e.event.detectors.iter().collect();
            cards.sort_by_key(|(n, _)| n.as_str() != "default");
            for (name, c) in cards {
                ui.label(detector_title(name));
                let f = |v: Option<f64>| v.map_or_else(|| "–".into(), |x| format!("{x:.3}"));
                ui.label(RichText::new(f(c.roc_auc)).monospace());
                for v in [c.precision, c.recall, c.f1, c.fpr] {
                    ui.label(RichText::new(format!("{v:.3}")).monospace());
                }
                ui.end_row();
            }
        });
    ui.label(
        RichText::new(format!(
            "{} labelled events, {} malicious",
            thousands(e.event.items as u64),
            thousands(e.event.malicious as u64)
        ))
        .small()
        .weak(),
    );
}

#[cfg(test)]
mod tests {
    use super::trend_text;

    #[test]
    fn trends() {
        assert_eq!(trend_text(112, 100), "+12% in the second half of the span");
        assert_eq!(trend_text(50, 100), "−50% in the second half of the span");
        assert_eq!(trend_text(100, 100), "±0% in the second half of the span");
        assert_eq!(trend_text(3, 0), "all in the second half of the span");
    }
}

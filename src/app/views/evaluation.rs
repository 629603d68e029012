//! How well detection did against the files' ground-truth labels: every detector side by side,
//! their ROC curves or which labelled classes each flags, and the confusion matrix of the
//! chosen one.

use eframe::egui::{self, Color32, Frame, RichText, Ui};
use egui_plot::{Bar, BarChart, Legend, Line, Plot, PlotPoints};

use crate::app::text::thousands;
use crate::app::{Command, ViewState, BENIGN, MALICIOUS};
use crate::evaluation::{ClassRecall, Evaluation, LevelEvaluation, Scorecard};

/// Which level and detector the evaluation view shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvaluationView {
    /// Per source instead of per event.
    pub sources: bool,
    /// The detector whose confusion matrix is shown.
    pub detector: String,
    /// The share of each labelled class every detector flags, instead of the ROC curves.
    pub per_class: bool,
}

impl Default for EvaluationView {
    fn default() -> Self {
        EvaluationView {
            sources: false,
            detector: "default".into(),
            per_class: false,
        }
    }
}

/// The analyst's name for a detector.
pub fn detector_title(name: &str) -> &str {
    match name {
        "default" => "netsleuth verdict",
        "forest" => "isolation forest",
        "robust_z" => "robust z-score",
        "burst" => "burst (EWMA)",
        "rules" => "percentile and off-hours rules",
        "ecod" => "ECOD (empirical tails)",
        "hbos" => "HBOS (histograms)",
        "dbscan" => "DBSCAN (density)",
        "lof" => "LOF (local density)",
        "ocsvm" => "One-Class SVM (RBF)",
        "autoencoder" => "autoencoder (reconstruction)",
        other => other,
    }
}

/// Line colours, one per detector in table order.
const PALETTE: [Color32; 11] = [
    Color32::from_rgb(235, 95, 85),
    Color32::from_rgb(90, 160, 240),
    Color32::from_rgb(120, 200, 120),
    Color32::from_rgb(240, 170, 60),
    Color32::from_rgb(190, 130, 230),
    Color32::from_rgb(160, 160, 160),
    Color32::from_rgb(80, 200, 200),
    Color32::from_rgb(240, 120, 180),
    Color32::from_rgb(220, 220, 90),
    Color32::from_rgb(175, 125, 85),
    Color32::from_rgb(235, 235, 235),
];

/// The scorecards of a level with the combined verdict first.
fn ordered(level: &LevelEvaluation) -> Vec<(&str, &Scorecard)> {
    let mut cards: Vec<(&str, &Scorecard)> = level
        .detectors
        .iter()
        .map(|(n, c)| (n.as_str(), c))
        .collect();
    cards.sort_by_key(|(n, _)| *n != "default");
    cards
}

/// Shows the evaluation view.
pub fn show(ui: &mut Ui, e: &Evaluation, view: &mut ViewState, out: &mut Vec<Command>) {
    // With every family the table is tall: the view scrolls, so the plots keep their height.
    egui::ScrollArea::vertical()
        .id_salt("evaluation")
        .auto_shrink(false)
        .show(ui, |ui| contents(ui, e, view, out));
}

fn contents(ui: &mut Ui, e: &Evaluation, view: &mut ViewState, out: &mut Vec<Command>) {
    let ev = &mut view.evaluation;
    if ev.sources && e.source.is_none() {
        ev.sources = false;
    }
    ui.horizontal(|ui| {
        ui.heading("Against the ground-truth labels");
        ui.add_space(16.0);
        ui.selectable_value(&mut ev.sources, false, "Per event");
        if e.source.is_some() {
            ui.selectable_value(&mut ev.sources, true, "Per source");
        }
    });
    let level = match (&e.source, ev.sources) {
        (Some(s), true) => s,
        _ => &e.event,
    };
    let unit = if ev.sources { "sources" } else { "events" };
    ui.label(
        RichText::new(format!(
            "{} labelled {unit}, {} malicious ({:.1}%). Labels are never used for detection, \
             only here.{}",
            thousands(level.items as u64),
            thousands(level.malicious as u64),
            100.0 * level.malicious as f64 / level.items.max(1) as f64,
            if ev.sources {
                " A source is malicious if any of its events is."
            } else {
                ""
            }
        ))
        .weak(),
    );
    ui.add_space(8.0);
    let cards = ordered(level);
    if !level.detectors.contains_key(&ev.detector) {
        ev.detector = "default".into();
    }
    scorecards(ui, &cards, ev);
    ui.add_space(12.0);
    let has_classes = cards.iter().any(|(_, c)| c.classes.len() > 1);
    ev.per_class &= has_classes;
    ui.columns(2, |cols| {
        if has_classes {
            cols[0].horizontal(|ui| {
                ui.selectable_value(&mut ev.per_class, false, "ROC curves");
                ui.selectable_value(&mut ev.per_class, true, "Flagged per class");
            });
        }
        if ev.per_class {
            class_chart(&mut cols[0], &cards, ev.sources, out);
        } else {
            roc_plot(&mut cols[0], &cards, ev.sources, out);
        }
        if let Some(card) = level.detectors.get(&ev.detector) {
            confusion(&mut cols[1], detector_title(&ev.detector), card, unit);
            if card.classes.len() > 1 {
                cols[1].add_space(12.0);
                class_table(&mut cols[1], detector_title(&ev.detector), &card.classes);
            }
        }
    });
}

/// The per-detector table; clicking a row shows that detector's confusion matrix.
fn scorecards(ui: &mut Ui, cards: &[(&str, &Scorecard)], ev: &mut EvaluationView) {
    let f = |v: Option<f64>| v.map_or_else(|| "–".into(), |x| format!("{x:.3}"));
    egui::Grid::new(("scorecards", ev.sources))
        .striped(true)
        .min_col_width(72.0)
        .num_columns(10)
        .show(ui, |ui| {
            for (h, hover) in [
                ("detector", ""),
                (
                    "ROC-AUC",
                    "area under the ROC curve of the continuous score",
                ),
                ("avg precision", "average precision of the continuous score"),
                ("precision", "of the verdict at the default threshold"),
                ("recall", "of the verdict at the default threshold"),
                ("F1", "of the verdict at the default threshold"),
                (
                    "FPR",
                    "false-positive rate of the verdict at the default threshold",
                ),
                (
                    "FPR @90% recall",
                    "false-positive rate of the score where it catches 90% of the malicious items",
                ),
                ("flagged", "items the verdict flagged"),
                (
                    "train + score",
                    "seconds to train and to score at this level",
                ),
            ] {
                let label = ui.label(RichText::new(h).strong());
                if !hover.is_empty() {
                    label.on_hover_text(hover);
                }
            }
            ui.end_row();
            for (k, (name, c)) in cards.iter().enumerate() {
                let chosen = ev.detector == *name;
                let title = RichText::new(detector_title(name)).color(PALETTE[k % PALETTE.len()]);
                let label =
                    ui.selectable_label(chosen, if chosen { title.strong() } else { title });
                let label = match &c.model {
                    Some(model) => label.on_hover_text(model),
                    None => label,
                };
                if label.clicked() {
                    ev.detector = (*name).to_owned();
                }
                let cells = [
                    f(c.roc_auc),
                    f(c.average_precision),
                    format!("{:.3}", c.precision),
                    format!("{:.3}", c.recall),
                    format!("{:.3}", c.f1),
                    format!("{:.3}", c.fpr),
                    f(c.fpr_at_recall),
                    thousands(c.confusion.tp + c.confusion.fp),
                    c.seconds
                        .map_or_else(|| "–".into(), |[t, s]| format!("{t:.2} + {s:.2} s")),
                ];
                for v in cells {
                    ui.label(RichText::new(v).monospace());
                }
                ui.end_row();
            }
        });
}

/// A curve with a point at least every 0.01 along each segment: the plot's tessellation drew
/// a long diagonal after a short run as a filled wedge.
fn dense(curve: &[[f64; 2]]) -> Vec<[f64; 2]> {
    let mut out: Vec<[f64; 2]> = Vec::with_capacity(curve.len());
    for w in curve.windows(2) {
        let (a, b) = (w[0], w[1]);
        let steps = (((b[0] - a[0]).hypot(b[1] - a[1])) / 0.01).ceil().max(1.0) as usize;
        out.extend((0..steps).map(|i| {
            let t = i as f64 / steps as f64;
            [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]
        }));
    }
    out.extend(curve.last());
    out
}

/// Every detector's ROC curve over the chance diagonal.
fn roc_plot(ui: &mut Ui, cards: &[(&str, &Scorecard)], sources: bool, out: &mut Vec<Command>) {
    ui.label(RichText::new("ROC curves").strong());
    let plot = Plot::new(("roc", sources))
        .data_aspect(1.0)
        // Room below for the Save PNG button.
        .height((ui.available_height() - 34.0).clamp(360.0, 420.0))
        .x_axis_label("false-positive rate")
        .y_axis_label("true-positive rate")
        .include_x(0.0)
        .include_x(1.0)
        .include_y(0.0)
        .include_y(1.0)
        .legend(Legend::default().position(egui_plot::Corner::RightBottom))
        .allow_scroll(false)
        .show(ui, |plot| {
            plot.line(
                Line::new("chance", PlotPoints::from(vec![[0.0, 0.0], [1.0, 1.0]]))
                    .color(Color32::from_gray(110))
                    .style(egui_plot::LineStyle::dashed_loose()),
            );
            for (k, (name, c)) in cards.iter().enumerate() {
                if c.roc.is_empty() {
                    continue;
                }
                let auc = c.roc_auc.map_or_else(String::new, |a| format!(" ({a:.3})"));
                plot.line(
                    Line::new(
                        format!("{}{auc}", detector_title(name)),
                        PlotPoints::from(dense(&c.roc)),
                    )
                    .color(PALETTE[k % PALETTE.len()])
                    .width(if *name == "default" { 3.0 } else { 1.5 }),
                );
            }
        });
    ui.horizontal(|ui| {
        crate::app::png_button(ui, "ROC curves", plot.response.rect, out);
        if ui
            .button("Save CSV")
            .on_hover_text(
                "Every detector's figures and each class's recall, as detect's evaluation.csv",
            )
            .clicked()
        {
            out.push(Command::EvaluationCsvDialog);
        }
    });
}

/// Classes the per-class chart shows at most: the largest.
const CHART_CLASSES: usize = 12;

/// Which family catches which attack: for each labelled class (the largest, attacks first),
/// one bar per detector, the share of the class its verdict flagged (recall for an attack
/// class, false-positive rate for a benign one).
fn class_chart(ui: &mut Ui, cards: &[(&str, &Scorecard)], sources: bool, out: &mut Vec<Command>) {
    let Some((_, first)) = cards.iter().find(|(_, c)| c.classes.len() > 1) else {
        return;
    };
    let mut classes: Vec<&ClassRecall> = first.classes.iter().collect();
    classes.sort_by_key(|c| (!c.malicious, std::cmp::Reverse(c.items)));
    classes.truncate(CHART_CLASSES);
    let names: Vec<String> = classes.iter().map(|c| c.class.clone()).collect();
    let width = 0.8 / cards.len().max(1) as f64;
    let labels = names.clone();
    let plot = Plot::new(("class chart", sources))
        .height((ui.available_height() - 34.0).clamp(360.0, 420.0))
        .y_axis_label("share flagged")
        .include_y(0.0)
        .include_y(1.0)
        .x_axis_formatter(move |mark, _range| {
            let i = mark.value.round();
            if (mark.value - i).abs() < 1e-6 && i >= 0.0 {
                labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .allow_scroll(false)
        .show(ui, |plot| {
            for (k, (name, card)) in cards.iter().enumerate() {
                let color = PALETTE[k % PALETTE.len()];
                let offset = (k as f64 - (cards.len() as f64 - 1.0) / 2.0) * width;
                let bars: Vec<Bar> = names
                    .iter()
                    .enumerate()
                    .filter_map(|(i, class)| {
                        let c = card.classes.iter().find(|c| &c.class == class)?;
                        Some(
                            Bar::new(i as f64 + offset, c.share())
                                .width(width)
                                .fill(color)
                                .name(format!(
                                    "{}: {} of {} {class} flagged",
                                    detector_title(name),
                                    thousands(c.flagged as u64),
                                    thousands(c.items as u64)
                                )),
                        )
                    })
                    .collect();
                plot.bar_chart(BarChart::new(detector_title(name), bars).color(color));
            }
        });
    ui.horizontal(|ui| {
        crate::app::png_button(ui, "flagged per class", plot.response.rect, out);
        ui.label(
            RichText::new(
                "bars in the table's colours; attack classes: recall, benign: false-positive rate",
            )
            .weak(),
        );
    });
}

/// The 2x2 confusion matrix of one detector's verdict.
fn confusion(ui: &mut Ui, title: &str, c: &Scorecard, unit: &str) {
    ui.label(RichText::new(format!("Confusion matrix: {title}")).strong());
    ui.add_space(4.0);
    let m = &c.confusion;
    let total = (m.tp + m.fp + m.tn + m.fn_).max(1) as f64;
    let cell = |ui: &mut Ui, n: u64, what: &str, color: Color32| {
        let share = n as f64 / total;
        Frame::new()
            .fill(color.gamma_multiply(0.15 + 0.6 * share as f32))
            .corner_radius(6.0)
            .inner_margin(10)
            .show(ui, |ui| {
                ui.set_width(150.0);
                ui.vertical_centered(|ui| {
                    ui.label(
                        RichText::new(thousands(n))
                            .text_style(crate::app::text::style("large"))
                            .strong(),
                    );
                    ui.label(RichText::new(what).small());
                });
            });
    };
    egui::Grid::new(("confusion", title))
        .spacing([8.0, 8.0])
        .show(ui, |ui| {
            ui.label("");
            ui.label(RichText::new("labelled malicious").strong());
            ui.label(RichText::new("labelled benign").strong());
            ui.end_row();
            ui.label(RichText::new("flagged").strong());
            cell(ui, m.tp, "true positives", MALICIOUS);
            cell(ui, m.fp, "false positives", Color32::from_rgb(240, 170, 60));
            ui.end_row();
            ui.label(RichText::new("not flagged").strong());
            cell(ui, m.fn_, "missed", Color32::from_rgb(240, 170, 60));
            cell(ui, m.tn, "true negatives", BENIGN);
            ui.end_row();
        });
    ui.add_space(6.0);
    ui.label(
        RichText::new(format!(
            "Of {} malicious {unit}, {:.1}% were flagged; of {} benign, {:.2}% were flagged \
             wrongly.",
            thousands(m.tp + m.fn_),
            100.0 * c.recall,
            thousands(m.fp + m.tn),
            100.0 * c.fpr
        ))
        .weak(),
    );
}

/// What share of each labelled class one detector's verdict flagged: the attack classes it
/// catches and misses, and the benign classes it flags wrongly.
fn class_table(ui: &mut Ui, title: &str, classes: &[ClassRecall]) {
    ui.label(RichText::new(format!("Flagged per labelled class: {title}")).strong());
    ui.add_space(4.0);
    egui::ScrollArea::vertical()
        .id_salt("classes")
        .max_height(360.0)
        .show(ui, |ui| {
            egui::Grid::new("class recall")
                .striped(true)
                .num_columns(4)
                .show(ui, |ui| {
                    for h in ["class", "events", "flagged", ""] {
                        ui.label(RichText::new(h).strong());
                    }
                    ui.end_row();
                    for c in classes {
                        let color = if c.malicious { MALICIOUS } else { BENIGN };
                        ui.label(RichText::new(&c.class).color(color))
                            .on_hover_text(if c.malicious {
                                "an attack class: the share flagged is its recall"
                            } else {
                                "a benign class: the share flagged is its false-positive rate"
                            });
                        ui.label(RichText::new(thousands(c.items as u64)).monospace());
                        ui.label(
                            RichText::new(format!(
                                "{} ({:.1}%)",
                                thousands(c.flagged as u64),
                                100.0 * c.share()
                            ))
                            .monospace(),
                        );
                        let (rect, _) =
                            ui.allocate_exact_size(egui::vec2(90.0, 10.0), egui::Sense::hover());
                        ui.painter()
                            .rect_filled(rect, 2.0, ui.visuals().extreme_bg_color);
                        let mut filled = rect;
                        filled.set_width(rect.width() * c.share() as f32);
                        ui.painter().rect_filled(filled, 2.0, color);
                        ui.end_row();
                    }
                });
        });
}

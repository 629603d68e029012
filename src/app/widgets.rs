//! Small pieces shared by the views: the header's totals, the window title, Save PNG.

use eframe::egui::text::LayoutJob;
use eframe::egui::{
    self, Align, Color32, FontId, Frame, Margin, RichText, TextFormat, TextStyle, Ui,
};

use super::{text, thousands, Command};
use crate::ingest::Investigation;

/// "netsleuth — a.csv, b.log" (at most three names).
pub(super) fn window_title(inv: &Investigation) -> String {
    const NAMED: usize = 3;
    let mut names: Vec<String> = inv
        .files
        .iter()
        .take(NAMED)
        .filter_map(|f| f.path.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .collect();
    if inv.files.len() > NAMED {
        names.push(format!("and {} more", inv.files.len() - NAMED));
    }
    if names.is_empty() {
        "netsleuth".into()
    } else {
        format!("netsleuth — {}", names.join(", "))
    }
}

/// A busy indicator that, unlike egui's spinner, asks for no repaint of its own: it turns
/// at the rate the window already repaints while a job runs (ten frames a second), instead
/// of forcing every frame, which on a software-rendered screen took a core from the workers.
pub(super) fn busy_spinner(ui: &mut Ui) {
    let size = ui.style().spacing.interact_size.y;
    let (rect, _) = ui.allocate_exact_size(egui::vec2(size, size), egui::Sense::hover());
    if !ui.is_rect_visible(rect) {
        return;
    }
    let radius = rect.height() * 0.5 - 2.0;
    let start = ui.input(|i| i.time) * std::f64::consts::TAU;
    let points: Vec<egui::Pos2> = (0..16)
        .map(|k| {
            let (sin, cos) = (start + f64::from(k) / 16.0 * 4.2).sin_cos();
            rect.center() + radius * egui::vec2(cos as f32, sin as f32)
        })
        .collect();
    let color = ui.visuals().strong_text_color();
    ui.painter()
        .add(egui::Shape::line(points, egui::Stroke::new(3.0, color)));
}

/// What a view shows while its data is made on a worker: the spinner and `what`.
pub(super) fn preparing(ui: &mut Ui, what: &str) {
    ui.horizontal(|ui| {
        busy_spinner(ui);
        ui.label(what);
    });
}

/// A header total: a large number and its noun, read out as one label ("282 events").
pub(super) fn stat(ui: &mut Ui, n: u64, (singular, plural): (&str, &str), color: Color32) {
    let noun = if n == 1 { singular } else { plural };
    let mut job = LayoutJob::default();
    let format = |size: f32, color: Color32| TextFormat {
        font_id: FontId::proportional(size),
        color,
        valign: Align::Center,
        ..Default::default()
    };
    let size = |s: TextStyle| s.resolve(ui.style()).size;
    job.append(
        &thousands(n),
        0.0,
        format(size(text::style("large")), color),
    );
    job.append(
        &format!(" {noun}"),
        0.0,
        format(size(TextStyle::Body), ui.visuals().weak_text_color()),
    );
    Frame::new()
        .fill(ui.visuals().extreme_bg_color)
        .corner_radius(6.0)
        .inner_margin(Margin::symmetric(12, 4))
        .show(ui, |ui| ui.label(job));
}

/// A small "Save PNG" button that saves `rect` (a plot) under the name `what`.
pub(super) fn png_button(ui: &mut Ui, what: &str, rect: egui::Rect, out: &mut Vec<Command>) {
    if ui
        .small_button("Save PNG")
        .on_hover_text(format!("Save the {what} as a PNG image, for slides"))
        .clicked()
    {
        out.push(Command::SavePng(what.to_owned(), rect));
    }
}

/// A table column header that sorts: its title, with an arrow when it is the sort column
/// (down for largest first). Returns whether it was clicked.
pub(super) fn sort_header(ui: &mut Ui, title: &str, active: bool, descending: bool) -> bool {
    let arrow = match (active, descending) {
        (false, _) => "",
        (true, true) => " ⬇",
        (true, false) => " ⬆",
    };
    ui.add(egui::Button::new(RichText::new(format!("{title}{arrow}")).strong()).frame(false))
        .clicked()
}

/// The bar under a box selection (scatter, map): how many sources are in the box and how many
/// of them detection flagged, a button that blocks the flagged ones (leaving out those already
/// blocked or protected; the others are for the analyst to judge one by one) and clears the
/// box, and one that only clears it.
pub(super) fn block_selection_bar(
    ui: &mut Ui,
    a: &super::analysis::Analysis,
    blocklist: &super::BlocklistState,
    boxed: &mut Vec<usize>,
    hint: &str,
    out: &mut Vec<Command>,
) {
    ui.horizontal(|ui| {
        if boxed.is_empty() {
            ui.label(RichText::new(hint).weak());
            return;
        }
        let half = a.settings.auto_block / 2.0;
        let flagged: Vec<&crate::detection::SourceVerdict> = boxed
            .iter()
            .map(|&i| &a.detection.sources[i])
            .filter(|v| v.confidence >= half)
            .collect();
        let blockable: Vec<_> = flagged
            .iter()
            .filter(|v| {
                blocklist.decision(v.stats.ip) != Some(crate::blocklist::Decision::Block)
                    && blocklist
                        .list
                        .protected(&ipnet::IpNet::from(v.stats.ip))
                        .is_none()
            })
            .collect();
        ui.label(format!(
            "{} in the box, {} flagged.",
            text::count(boxed.len() as u64, "source", "sources"),
            thousands(flagged.len() as u64)
        ));
        let label = format!(
            "Block the {} in the box",
            text::count(blockable.len() as u64, "flagged source", "flagged sources")
        );
        let button = ui
            .add_enabled(!blockable.is_empty(), egui::Button::new(label))
            .on_hover_text(
                "Sources at half the auto-block threshold or above, not yet blocked and not \
                 allowlisted. Undo with Ctrl+Z in the Blocklist view.",
            );
        if button.clicked() {
            let entries: Vec<_> = blockable
                .iter()
                .map(|v| crate::blocklist::entry_for(v, crate::blocklist::Origin::Selection))
                .collect();
            out.push(Command::EditBlocklist(crate::blocklist::Edit::put(entries)));
            boxed.clear();
        }
        if ui.button("Clear the box").clicked() {
            boxed.clear();
        }
    });
}

/// A card with a title, a large figure (in `color` when given) and a note under it: the
/// Overview's and Live view's KPIs.
pub(crate) fn figure_card(
    ui: &mut Ui,
    title: &str,
    figure: &str,
    note: &str,
    color: Option<Color32>,
) {
    egui::Frame::group(ui.style())
        .corner_radius(8.0)
        .inner_margin(egui::Margin::symmetric(14, 10))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.add(egui::Label::new(RichText::new(title).weak()).truncate());
            let c = color.unwrap_or(ui.visuals().strong_text_color());
            ui.label(
                RichText::new(figure)
                    .text_style(super::text::style("figure"))
                    .strong()
                    .color(c),
            );
            ui.label(RichText::new(note).small().weak());
        });
}

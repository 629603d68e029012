//! The summary slide presentation mode opens on: the verdict, the KPI cards, the sources to
//! look at first and where they are on the map, on one screen without scrolling.

use eframe::egui::{RichText, Ui};

use super::map::mini;
use super::overview::{kpis, top_sources, verdict};
use crate::app::analysis::Analysis;
use crate::app::text::{count, style};
use crate::app::{Command, Loaded, Tab, ViewState};

/// The most findings the slide lists; fewer when the screen is short.
const FINDINGS: usize = 5;

/// Height a finding's card takes at presentation scale, to list only those that fit whole.
const CARD_HEIGHT: f32 = 78.0;

/// Shows the summary slide.
pub fn show(ui: &mut Ui, loaded: &Loaded, a: &Analysis, view: &ViewState, out: &mut Vec<Command>) {
    verdict(ui, a);
    ui.add_space(10.0);
    kpis(ui, loaded, a);
    ui.add_space(10.0);
    let height = ui.available_height();
    ui.columns(2, |cols| {
        let fit = ((height - 60.0) / CARD_HEIGHT).floor().max(1.0) as usize;
        top_sources(&mut cols[0], a, view, out, fit.min(FINDINGS));
        let right = &mut cols[1];
        right.label(
            RichText::new("Where they come from")
                .text_style(style("section"))
                .strong(),
        );
        right.add_space(4.0);
        let width = right.available_width();
        let (placed, flagged) = mini::show(right, a, width, height - 70.0);
        right.horizontal_wrapped(|ui| {
            ui.label(
                RichText::new(format!(
                    "{} placed, {flagged} of them flagged.",
                    count(placed as u64, "source", "sources")
                ))
                .weak(),
            );
            if ui.link("Open the map →").clicked() {
                out.push(Command::Show(Tab::Map));
            }
        });
        // Cards and text at presentation scale end between pixels; the columns end on one.
        for col in cols {
            col.set_min_height(col.min_rect().height().ceil());
        }
    });
}

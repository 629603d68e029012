//! The raw events behind a source or behind the filters: every one of them in a virtualised
//! table (only the rows in sight are laid out), the query's matches highlighted or alone, the
//! original log line of the selected event read from its file on demand, and the events
//! copied as text or JSON.

use std::sync::Arc;

use eframe::egui::{self, RichText};
use egui_extras::{Column, TableBuilder};

use crate::app::style::{ERROR, WARN};
use crate::app::{text, thousands, Analysis, Command, Loaded};
use crate::events::{event_columns, event_json, EVENT_COLUMNS};

use super::alerts::{ValueFilter, QUERY};

/// Events copied to the clipboard at most.
const COPIED: usize = 10_000;

/// An open event table.
#[derive(Debug, Clone)]
pub struct EventsWindow {
    /// What the events are, for the title.
    pub title: String,
    /// Their rows in the event table, in table order.
    pub rows: Arc<Vec<u32>>,
    /// The analysis they were listed from: another (a rerun, a live run) lists other rows.
    pub generation: u64,
    /// Only the events the query on matches.
    pub only_matches: bool,
    /// The event selected.
    pub selected: Option<u32>,
    /// The selected event's original line (or why it cannot be read), once read.
    pub original: Option<(u32, Result<String, String>)>,
    /// The rows the query on matches, for that query's text and analysis generation: found
    /// once per query, not every frame.
    matches: Option<(String, u64, Arc<Vec<u32>>)>,
}

impl EventsWindow {
    /// The table of `rows`, listed from analysis `generation`.
    pub fn new(title: String, rows: Arc<Vec<u32>>, generation: u64) -> EventsWindow {
        EventsWindow {
            title,
            rows,
            generation,
            only_matches: false,
            selected: None,
            original: None,
            matches: None,
        }
    }
}

/// Draws the window; `false` once the analyst closed it.
pub(crate) fn show(
    ctx: &egui::Context,
    w: &mut EventsWindow,
    loaded: &Loaded,
    a: &Analysis,
    filter: Option<&ValueFilter>,
    out: &mut Vec<Command>,
) -> bool {
    let mut open = true;
    let mut closed = false;
    egui::Window::new(format!("Events: {}", text::printable(&w.title)))
        .id(egui::Id::unique("events window"))
        .open(&mut open)
        .default_size([980.0, 520.0])
        .resizable(true)
        .show(ctx, |ui| {
            closed = body(ui, w, loaded, a, filter, out);
        });
    open && !closed
}

fn body(
    ui: &mut egui::Ui,
    w: &mut EventsWindow,
    loaded: &Loaded,
    a: &Analysis,
    filter: Option<&ValueFilter>,
    out: &mut Vec<Command>,
) -> bool {
    let closed = ui.button("Close the table").clicked();
    if w.generation != a.generation {
        ui.label(
            RichText::new(
                "Detection ran again (new settings or a live run): these rows are of the events \
                 before. Open the events again from where they were listed.",
            )
            .color(WARN),
        );
        return closed;
    }
    let t = &loaded.investigation.table;
    let query = filter.filter(|f| f.field == QUERY);
    let matches = query.map(|q| {
        let fresh = w
            .matches
            .as_ref()
            .is_some_and(|(v, g, _)| *v == q.value && *g == q.generation);
        if !fresh {
            let rows: Vec<u32> = w
                .rows
                .iter()
                .copied()
                .filter(|&r| q.holds(r as usize))
                .collect();
            w.matches = Some((q.value.clone(), q.generation, Arc::new(rows)));
        }
        w.matches
            .as_ref()
            .map_or_else(Default::default, |(_, _, m)| m.clone())
    });
    let shown: Arc<Vec<u32>> = match &matches {
        Some(m) if w.only_matches => m.clone(),
        _ => w.rows.clone(),
    };
    ui.horizontal_wrapped(|ui| {
        ui.label(format!(
            "{} of {} events",
            thousands(shown.len() as u64),
            thousands(w.rows.len() as u64)
        ));
        if let Some(m) = &matches {
            let matching = m.len();
            ui.label(
                RichText::new(format!(
                    "· {} match the query (highlighted)",
                    thousands(matching as u64)
                ))
                .color(ui.visuals().hyperlink_color),
            );
            ui.checkbox(&mut w.only_matches, "Only those");
        }
        let copied = shown.len().min(COPIED);
        let note = if shown.len() > COPIED {
            format!("the first {} events", thousands(COPIED as u64))
        } else {
            "the events listed".to_owned()
        };
        if ui
            .button("Copy as text")
            .on_hover_text(format!("Copies {note}, tab separated, with a header"))
            .clicked()
        {
            let mut s = EVENT_COLUMNS.join("\t");
            for &r in &shown[..copied] {
                s.push('\n');
                let cols = event_columns(t, r as usize).map(|c| c.replace(['\t', '\n'], " "));
                s.push_str(&cols.join("\t"));
            }
            ui.ctx().copy_text(s);
        }
        if ui
            .button("Copy as JSON")
            .on_hover_text(format!("Copies {note}, one JSON object a line"))
            .clicked()
        {
            let files: Vec<String> = loaded
                .investigation
                .files
                .iter()
                .map(|f| f.path.display().to_string())
                .collect();
            let lines: Vec<String> = shown[..copied]
                .iter()
                .map(|&r| event_json(t, &files, r as usize).to_string())
                .collect();
            ui.ctx().copy_text(lines.join("\n"));
        }
    });
    if let Some(r) = w.selected {
        ui.horizontal_wrapped(|ui| {
            let r = r as usize;
            let file = loaded
                .investigation
                .files
                .get(usize::from(t.file(r)))
                .map(|f| f.path.display().to_string())
                .unwrap_or_default();
            ui.label(
                RichText::new(format!(
                    "Selected: line {} of {}",
                    t.line(r),
                    text::printable(&file)
                ))
                .strong(),
            );
            if ui.button("Original line").clicked() {
                out.push(Command::OriginalLine(r as u32));
            }
        });
        match &w.original {
            Some((row, Ok(line))) if Some(*row) == w.selected => {
                ui.add(egui::Label::new(RichText::new(text::printable(line)).monospace()).wrap());
            }
            Some((row, Err(e))) if Some(*row) == w.selected => {
                ui.colored_label(ERROR, text::printable(e));
            }
            _ => {}
        }
    }
    ui.separator();
    table(ui, w, t, a, query, &shown);
    closed
}

fn table(
    ui: &mut egui::Ui,
    w: &mut EventsWindow,
    t: &crate::events::EventTable,
    a: &Analysis,
    query: Option<&ValueFilter>,
    shown: &[u32],
) {
    let height = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
    TableBuilder::new(ui)
        .striped(true)
        .resizable(true)
        .sense(egui::Sense::click())
        .column(Column::exact(150.0))
        .column(Column::initial(150.0).clip(true))
        .column(Column::initial(150.0).clip(true))
        .column(Column::initial(80.0).clip(true))
        .column(Column::initial(90.0).clip(true))
        .column(Column::exact(60.0))
        .column(Column::remainder().clip(true))
        .header(height, |mut h| {
            for title in [
                "time",
                "source",
                "destination",
                "protocol",
                "outcome",
                "score",
            ] {
                h.col(|ui| {
                    ui.strong(title);
                });
            }
            h.col(|ui| {
                ui.strong("detail");
            });
        })
        .body(|body| {
            body.rows(height, shown.len(), |mut row| {
                let r = shown[row.index()];
                row.set_selected(w.selected == Some(r));
                let hit = query.is_some_and(|q| q.holds(r as usize));
                let mut cols = event_columns(t, r as usize);
                if let Some(us) = t.time_us(r as usize) {
                    cols[0] = text::instant(us);
                }
                let cell = |s: &str| {
                    let shown = RichText::new(text::printable(s));
                    if hit {
                        shown.strong().color(WARN)
                    } else {
                        shown
                    }
                };
                for c in [0, 1, 2, 3, 4] {
                    row.col(|ui| {
                        ui.label(cell(&cols[c]));
                    });
                }
                row.col(|ui| {
                    let score = a.event_score(r as usize).map(|s| format!("{s:.2}"));
                    ui.label(cell(score.as_deref().unwrap_or("…")));
                });
                row.col(|ui| {
                    ui.label(cell(&cols[7]));
                });
                if row.response().clicked() {
                    w.selected = Some(r);
                }
            });
        });
}

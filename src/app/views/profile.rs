//! The field profiles in the Files view: for one file, or for the current selection (the
//! selected source, else the sources the alerts' filters list, within the brushed time range),
//! each field's coverage, distinct values, most frequent values and, for numbers, their spread
//! with a small histogram. Profiles are computed on a worker thread; a click on a value filters
//! every view to the sources with such an event.

use eframe::egui::{self, vec2, CollapsingHeader, ComboBox, RichText, Sense, Ui};

use crate::events::{FieldProfile, Numbers};

use crate::app::analysis::Analysis;
use crate::app::loading::Loaded;
use crate::app::text::thousands;
use crate::app::{AlertsKey, Command, ViewState};

/// What a profile is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileScope {
    /// One file, by its position in the investigation.
    File(usize),
    /// The selected source, else the filtered sources, within the time range.
    Selection,
}

impl Default for ProfileScope {
    fn default() -> Self {
        ProfileScope::File(0)
    }
}

/// What a profile was computed from.
pub type ProfileKey = (ProfileScope, Option<(AlertsKey, Option<usize>)>);

/// The profile shown and the one asked of a worker.
#[derive(Debug, Default)]
pub struct ProfileView {
    /// What to profile.
    pub scope: ProfileScope,
    /// The profile received, with what it is of and how many events it covers.
    pub shown: Option<(ProfileKey, u64, Vec<FieldProfile>)>,
    /// The profile asked and not received yet.
    pub asked: Option<ProfileKey>,
}

impl ProfileView {
    /// Keeps a profile the view still waits for.
    pub fn receive(&mut self, key: ProfileKey, events: u64, fields: Vec<FieldProfile>) {
        if self.asked.as_ref() == Some(&key) {
            self.asked = None;
            self.shown = Some((key, events, fields));
        }
    }
}

/// The rows the scope covers, and what it is called.
fn scope_rows(loaded: &Loaded, a: Option<&Analysis>, view: &mut ViewState) -> (Vec<u32>, String) {
    let inv = &loaded.investigation;
    let t = &inv.table;
    let file = match view.profile.scope {
        ProfileScope::File(i) => Some(i),
        ProfileScope::Selection => None,
    };
    if let Some(f) = file.and_then(|i| inv.files.get(i)) {
        return (
            (f.rows.start as u32..f.rows.end as u32).collect(),
            super::files::file_name(f),
        );
    }
    let Some(a) = a else {
        return (Vec::new(), String::new());
    };
    let range = view.time_range;
    let in_range = |r: &u32| {
        range.is_none_or(|(lo, hi)| {
            t.time_us(*r as usize)
                .is_some_and(|us| us >= lo && us <= hi)
        })
    };
    if let Some(s) = view.selected.and_then(|i| a.detection.sources.get(i)) {
        let rows = s.stats.rows.iter().copied().filter(in_range).collect();
        return (rows, format!("the events of {}", s.stats.ip));
    }
    let sources = view.alert_rows(t, a).to_vec();
    let mut rows: Vec<u32> = sources
        .iter()
        .flat_map(|&i| a.detection.sources[i].stats.rows.iter().copied())
        .filter(in_range)
        .collect();
    rows.sort_unstable();
    let name = format!(
        "the events of the {} sources listed",
        thousands(sources.len() as u64)
    );
    (rows, name)
}

/// Draws the profile section; asks a worker for the profile when its scope changed.
pub fn show(
    ui: &mut Ui,
    loaded: &Loaded,
    a: Option<&Analysis>,
    view: &mut ViewState,
    out: &mut Vec<Command>,
) {
    let files = &loaded.investigation.files;
    let label = ui.label("Of");
    let name_of = |s: ProfileScope| match s {
        ProfileScope::File(i) => files.get(i).map(super::files::file_name),
        ProfileScope::Selection => Some("the current selection".to_string()),
    };
    ComboBox::from_id_salt("profile scope")
        .selected_text(name_of(view.profile.scope).unwrap_or_default())
        .width(320.0)
        .show_ui(ui, |ui| {
            for i in 0..files.len() {
                let s = ProfileScope::File(i);
                let name = name_of(s).unwrap_or_default();
                ui.selectable_value(&mut view.profile.scope, s, name);
            }
            if a.is_some() {
                ui.selectable_value(
                    &mut view.profile.scope,
                    ProfileScope::Selection,
                    "the current selection",
                );
            }
        })
        .response
        .labelled_by(label.id);
    let selection = match (view.profile.scope, a) {
        (ProfileScope::Selection, Some(a)) => Some((view.alerts_key(a), view.selected)),
        _ => None,
    };
    let key: ProfileKey = (view.profile.scope, selection);
    let current = view
        .profile
        .shown
        .as_ref()
        .is_some_and(|(k, _, _)| *k == key);
    if !current && view.profile.asked.as_ref() != Some(&key) {
        let (rows, _) = scope_rows(loaded, a, view);
        out.push(Command::Profile(key.clone(), rows));
        view.profile.asked = Some(key);
    }
    let Some((_, events, fields)) = &view.profile.shown else {
        ui.label(RichText::new("Profiling…").weak());
        return;
    };
    if !current {
        ui.label(RichText::new("Updating the profile…").weak());
    }
    ui.label(
        RichText::new(format!(
            "Profile of {} events · {} fields · click a value to show only the events holding it, and their sources, in every view",
            thousands(*events),
            fields.len()
        ))
        .weak(),
    );
    let events = *events;
    ui.add_enabled_ui(current, |ui| {
        for p in fields {
            field(ui, p, events, out);
        }
    });
}

fn field(ui: &mut Ui, p: &FieldProfile, events: u64, out: &mut Vec<Command>) {
    let share = if events > 0 {
        100.0 * p.present as f64 / events as f64
    } else {
        0.0
    };
    let title = format!(
        "{} · in {} events ({share:.0}%) · {} distinct",
        p.field,
        thousands(p.present),
        thousands(p.distinct)
    );
    CollapsingHeader::new(RichText::new(title).strong())
        .id_salt(("profile", &p.field))
        .default_open(true)
        .show(ui, |ui| {
            if let Some(n) = &p.numbers {
                numbers(ui, &p.field, n);
            }
            let most = p.top.first().map_or(1, |(_, c)| *c).max(1);
            if most == 1 && p.distinct as usize > p.top.len() {
                ui.label(RichText::new("every value occurs once").weak());
                return;
            }
            egui::Grid::new(("profile values", &p.field))
                .num_columns(3)
                .spacing(vec2(10.0, 2.0))
                .show(ui, |ui| {
                    for (value, count) in &p.top {
                        let (bar, _) = ui.allocate_exact_size(vec2(90.0, 10.0), Sense::hover());
                        let width = bar.width() * (*count as f32 / most as f32);
                        ui.painter().rect_filled(
                            egui::Rect::from_min_size(bar.min, vec2(width.max(1.0), bar.height())),
                            2.0,
                            ui.visuals().selection.bg_fill,
                        );
                        ui.label(thousands(*count));
                        // Numbers read to three decimals; the filter keeps the exact value.
                        let shown = match (p.numbers.is_some(), value.parse::<f64>()) {
                            (true, Ok(v)) if v.fract() != 0.0 => format!("{v:.3}"),
                            _ => crate::app::text::printable(value)
                                .chars()
                                .take(300)
                                .collect(),
                        };
                        let clicked = ui
                            .add(
                                egui::Label::new(RichText::new(shown).monospace())
                                    .truncate()
                                    .sense(Sense::click()),
                            )
                            .on_hover_text(
                                "Show only the sources with such an event, in every view",
                            )
                            .clicked();
                        if clicked {
                            out.push(Command::FilterValue(p.field.clone(), value.clone()));
                        }
                        ui.end_row();
                    }
                });
            let rest = p.distinct.saturating_sub(p.top.len() as u64);
            if rest > 0 {
                let events = p.present - p.top.iter().map(|(_, c)| c).sum::<u64>();
                ui.label(
                    RichText::new(format!(
                        "and {} more values in {}",
                        thousands(rest),
                        crate::app::text::count(events, "event", "events")
                    ))
                    .weak(),
                );
            }
        });
}

fn numbers(ui: &mut Ui, field: &str, n: &Numbers) {
    let text = |v: f64| {
        if field == "event_time" {
            crate::app::text::instant((v * 1e6).round() as i64)
        } else if v.fract() == 0.0 {
            thousands(v as u64)
        } else {
            format!("{v:.3}")
        }
    };
    ui.horizontal(|ui| {
        let most = n.histogram.iter().copied().max().unwrap_or(1).max(1);
        let (rect, _) =
            ui.allocate_exact_size(vec2(4.0 * n.histogram.len() as f32, 22.0), Sense::hover());
        for (k, &c) in n.histogram.iter().enumerate() {
            let h = rect.height() * c as f32 / most as f32;
            let x = rect.min.x + 4.0 * k as f32;
            ui.painter().rect_filled(
                egui::Rect::from_min_max(
                    egui::pos2(x, rect.max.y - h.max(if c > 0 { 1.0 } else { 0.0 })),
                    egui::pos2(x + 3.0, rect.max.y),
                ),
                0.0,
                ui.visuals().selection.bg_fill,
            );
        }
        ui.label(
            RichText::new(format!(
                "min {} · median {} · p99 {} · max {}{}",
                text(n.min),
                text(n.median),
                text(n.p99),
                text(n.max),
                if n.log { " (log-spaced bars)" } else { "" }
            ))
            .monospace(),
        );
    });
}

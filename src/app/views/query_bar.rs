//! The query bar above the event views (Ctrl+K): a query over every event (see the README's
//! query language) filters the alerts, scatter, timeline, breakdown, map and per-event alerts
//! at once. It completes field names as they are typed, points at the column of a mistake,
//! and keeps a history with the investigation.

use eframe::egui::{self, Key, RichText, TextStyle, Ui};

use crate::app::style::ERROR;
use crate::app::{thousands, Command};
use crate::query::QueryError;

use super::alerts::{ValueFilter, QUERY};

/// The views the bar is shown above (the views its filter applies to).
pub const SHOWN_ON: [crate::app::Tab; 5] = [
    crate::app::Tab::Alerts,
    crate::app::Tab::Scatter,
    crate::app::Tab::Timeline,
    crate::app::Tab::Breakdown,
    crate::app::Tab::Map,
];

/// Queries kept in the history.
const HISTORY: usize = 20;

/// Field names offered at most while typing.
const SUGGESTIONS: usize = 8;

/// The query bar's state.
#[derive(Debug, Clone, Default)]
pub struct QueryBar {
    /// The text being typed.
    pub text: String,
    /// The query that should filter the views, once applied.
    pub applied: Option<String>,
    /// Why the last query applied could not run, with its text.
    pub error: Option<(String, QueryError)>,
    /// Queries applied, most recent first.
    pub history: Vec<String>,
    /// Ctrl+K asked for the bar.
    pub focus: bool,
    /// The filter being made on a worker: its field, value and analysis generation.
    pub pending: Option<(String, String, u64)>,
    /// The applied query's filter was on at least once (dropping its chip then drops it).
    pub installed: bool,
}

impl QueryBar {
    /// Remembers `query` first in the history.
    pub fn remember(&mut self, query: &str) {
        self.history.retain(|q| q != query);
        self.history.insert(0, query.to_owned());
        self.history.truncate(HISTORY);
    }
}

/// The token being typed at the end of `text`: what follows the last space or parenthesis.
fn last_token(text: &str) -> &str {
    let start = text
        .rfind(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .map_or(0, |i| i + 1);
    &text[start..]
}

/// The bar, with the applied filter's count, history, completion and the last error.
pub(crate) fn show(
    ui: &mut Ui,
    bar: &mut QueryBar,
    applied: Option<&ValueFilter>,
    extras: &[String],
    out: &mut Vec<Command>,
) {
    ui.horizontal(|ui| {
        let label = ui.label(RichText::new("Query").strong());
        let edit = ui
            .add(
                egui::TextEdit::singleline(&mut bar.text)
                    .id_salt("query bar")
                    .font(TextStyle::Monospace)
                    .hint_text("detail ~ \"wget|curl\" and source_ip in 10.0.0.0/8   (Ctrl+K)")
                    .desired_width(560.0),
            )
            .labelled_by(label.id);
        if std::mem::take(&mut bar.focus) {
            edit.request_focus();
            // Typing goes on at the end (after a completion, the cursor was inside the word).
            let end = egui::text::CCursor::new(bar.text.chars().count());
            let mut state =
                egui::text_edit::TextEditState::load(ui.ctx(), edit.id).unwrap_or_default();
            state
                .cursor
                .set_char_range(Some(egui::text::CCursorRange::one(end)));
            state.store(ui.ctx(), edit.id);
        }
        let entered = edit.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
        if entered || ui.button("Apply").clicked() {
            out.push(Command::Query(bar.text.clone()));
        }
        let on = applied.filter(|f| f.field == QUERY);
        if let Some(f) = on {
            ui.label(
                RichText::new(format!("{} events match", thousands(f.count())))
                    .color(ui.visuals().hyperlink_color),
            );
        } else if bar.pending.as_ref().is_some_and(|(f, _, _)| f == QUERY) {
            ui.spinner();
        }
        if (on.is_some() || bar.applied.is_some()) && ui.button("Clear").clicked() {
            out.push(Command::Query(String::new()));
        }
        if !bar.history.is_empty() {
            ui.menu_button("History", |ui| {
                for q in &bar.history {
                    let shown = crate::export::sanitize::one_line(q, 80);
                    if ui.button(RichText::new(shown).monospace()).clicked() {
                        out.push(Command::Query(q.clone()));
                        ui.close();
                    }
                }
            });
        }
        suggestions(ui, bar, extras);
    });
    if let Some((text, e)) = &bar.error {
        ui.label(RichText::new(&e.message).color(ERROR));
        ui.label(RichText::new(e.pointed(text)).monospace().color(ERROR));
    }
    ui.add_space(4.0);
}

/// Whether the token being typed stands where a field name goes: first, or after `and`,
/// `or`, `not` or an opening parenthesis.
fn in_field_position(text: &str) -> bool {
    let before = text[..text.len() - last_token(text).len()].trim_end();
    let lower = before.to_ascii_lowercase();
    before.is_empty()
        || before.ends_with('(')
        || [" and", " or", " not"]
            .iter()
            .any(|w| lower.ends_with(w) || lower == w.trim())
}

/// Field names that complete the token being typed where a field name goes; a click
/// completes it.
fn suggestions(ui: &mut Ui, bar: &mut QueryBar, extras: &[String]) {
    let token = last_token(&bar.text).to_ascii_lowercase();
    if token.is_empty() || !in_field_position(&bar.text) {
        return;
    }
    let names = crate::query::field_names();
    let offered: Vec<String> = names
        .iter()
        .map(|n| n.to_string())
        .chain(extras.iter().cloned())
        .filter(|n| n.to_ascii_lowercase().starts_with(&token) && n.len() > token.len())
        .take(SUGGESTIONS)
        .collect();
    for name in offered {
        if ui.small_button(&name).clicked() {
            let keep = bar.text.len() - last_token(&bar.text).len();
            bar.text.truncate(keep);
            bar.text.push_str(&name);
            bar.text.push(' ');
            bar.focus = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_token_is_what_follows_a_space_or_parenthesis() {
        assert_eq!(last_token("status >= 400 and (sou"), "sou");
        assert_eq!(last_token("dest"), "dest");
        assert_eq!(last_token("a = b "), "");
    }

    #[test]
    fn names_are_offered_where_a_field_goes() {
        assert!(in_field_position("sou"));
        assert!(in_field_position("status = 404 and dest"));
        assert!(in_field_position("not (sou"));
        assert!(!in_field_position("status = s"));
    }

    #[test]
    fn the_history_keeps_each_query_once_most_recent_first() {
        let mut b = QueryBar::default();
        for q in ["a", "b", "a"] {
            b.remember(q);
        }
        assert_eq!(b.history, ["a", "b"]);
    }
}

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
pub const SHOWN_ON: [crate::app::Tab; 6] = [
    crate::app::Tab::Alerts,
    crate::app::Tab::Scatter,
    crate::app::Tab::Timeline,
    crate::app::Tab::Breakdown,
    crate::app::Tab::Map,
    crate::app::Tab::Web,
];

/// Queries kept in the history.
const HISTORY: usize = 20;

/// Field names offered at most while typing.
const SUGGESTIONS: usize = 8;

/// Each field's most frequent values, by the field profile's names.
pub type FieldValues = std::sync::Arc<std::collections::BTreeMap<String, Vec<String>>>;

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
    /// Queries the analyst saved, in the order saved.
    pub saved: Vec<String>,
    /// Ctrl+K asked for the bar.
    pub focus: bool,
    /// The filter being made on a worker: its field, value and analysis generation.
    pub pending: Option<(String, String, u64)>,
    /// The applied query's filter was on at least once (dropping its chip then drops it).
    pub installed: bool,
    /// The most frequent values of each field (by the profile's names), for an analysis
    /// generation: what the bar offers after `field =`.
    pub values: Option<(u64, FieldValues)>,
    /// The generation whose values are being counted on a worker.
    pub counting: Option<u64>,
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

/// Where a value is being typed after `field =` (or `!=`): the field as written and the
/// value typed so far.
fn value_position(text: &str) -> Option<(&str, &str)> {
    let partial = last_token(text);
    let before: Vec<&str> = text[..text.len() - partial.len()]
        .split_whitespace()
        .collect();
    match before.as_slice() {
        [.., field, op] if ["=", "==", "!="].contains(op) => Some((field, partial)),
        _ => None,
    }
}

/// A value as a query writes it: quoted when it holds spaces or the query's own characters.
fn quoted(v: &str) -> Option<String> {
    if v.contains('"') {
        return None;
    }
    let plain = !v.is_empty()
        && v.chars()
            .all(|c| !c.is_whitespace() && !"()=!<>~,".contains(c));
    Some(if plain {
        v.to_owned()
    } else {
        format!("\"{v}\"")
    })
}

/// The bar, with the applied filter's count, history, completion and the last error.
/// `generation` is the analysis shown, whose values complete a value being typed.
pub(crate) fn show(
    ui: &mut Ui,
    bar: &mut QueryBar,
    applied: Option<&ValueFilter>,
    extras: &[String],
    generation: u64,
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
        let text = bar.text.trim().to_owned();
        if !text.is_empty()
            && !bar.saved.contains(&text)
            && ui
                .button("Save")
                .on_hover_text("Keep this query among the saved ones, with the investigation")
                .clicked()
        {
            bar.saved.push(text);
        }
        if !bar.saved.is_empty() {
            ui.menu_button("Saved", |ui| {
                let mut forget = None;
                for (k, q) in bar.saved.iter().enumerate() {
                    ui.horizontal(|ui| {
                        let shown = crate::export::sanitize::one_line(q, 80);
                        if ui.button(RichText::new(shown).monospace()).clicked() {
                            out.push(Command::Query(q.clone()));
                            ui.close();
                        }
                        if ui.small_button("Forget").clicked() {
                            forget = Some(k);
                        }
                    });
                }
                if let Some(k) = forget {
                    bar.saved.remove(k);
                }
            });
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
        value_suggestions(ui, bar, extras, generation, out);
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

/// The most frequent values of the field before `=` that begin with what is typed; a click
/// completes the value. The values are counted once per analysis, on a worker.
fn value_suggestions(
    ui: &mut Ui,
    bar: &mut QueryBar,
    extras: &[String],
    generation: u64,
    out: &mut Vec<Command>,
) {
    let Some((field, partial)) = value_position(&bar.text) else {
        return;
    };
    let names: Vec<&str> = extras.iter().map(String::as_str).collect();
    let Some(name) = crate::query::profile_name(field, &names) else {
        return;
    };
    let values = match &bar.values {
        Some((g, v)) if *g == generation => v.clone(),
        _ => {
            if bar.counting != Some(generation) {
                bar.counting = Some(generation);
                out.push(Command::CountQueryValues);
            }
            return;
        }
    };
    let partial = partial.trim_start_matches('"').to_lowercase();
    let offered: Vec<String> = values
        .get(&name)
        .into_iter()
        .flatten()
        .filter(|v| v.to_lowercase().starts_with(&partial))
        .filter_map(|v| quoted(v))
        .take(SUGGESTIONS)
        .collect();
    for value in offered {
        let shown = crate::export::sanitize::one_line(&value, 40);
        if ui.small_button(shown).clicked() {
            let keep = bar.text.len() - last_token(&bar.text).len();
            bar.text.truncate(keep);
            bar.text.push_str(&value);
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
    fn values_are_offered_after_an_equals_sign() {
        assert_eq!(value_position("status = 40"), Some(("status", "40")));
        assert_eq!(
            value_position("a = 1 and eventid != "),
            Some(("eventid", ""))
        );
        assert_eq!(value_position("status >= 4"), None);
        assert_eq!(
            quoted("cowrie.login.failed").as_deref(),
            Some("cowrie.login.failed")
        );
        assert_eq!(
            quoted("GET / HTTP/1.1").as_deref(),
            Some("\"GET / HTTP/1.1\"")
        );
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

//! The query bar's glue: applying a query, and making the value or query filter on a worker
//! for each new analysis (a rerun, a live run, an investigation opened with a query on).

use super::*;
use views::alerts::{ValueFilter, QUERY};

impl NetsleuthApp {
    /// Applies the query typed (none when empty): checked at once, so that a mistake is
    /// pointed at before anything runs; evaluated on a worker by [`Self::refresh_filter`].
    pub(super) fn apply_query(&mut self, text: &str) {
        let bar = &mut self.view.query;
        bar.text = text.to_owned();
        bar.error = None;
        if text.is_empty() {
            bar.applied = None;
            bar.installed = false;
            if self
                .view
                .alerts
                .value
                .as_ref()
                .is_some_and(|f| f.field == QUERY)
            {
                self.view.alerts.value = None;
            }
            return;
        }
        let extras: Vec<String> = match &self.state {
            State::Ready(w) => w
                .loaded
                .investigation
                .table
                .extras()
                .iter()
                .map(|e| e.name.clone())
                .collect(),
            _ => Vec::new(),
        };
        let names: Vec<&str> = extras.iter().map(String::as_str).collect();
        match crate::query::parse_with_extras(text, &names) {
            Ok(_) => {
                bar.remember(text);
                bar.applied = Some(text.to_owned());
                bar.installed = false;
            }
            Err(e) => bar.error = Some((text.to_owned(), e)),
        }
    }

    /// Makes the filter that should be on for the analysis shown, on a worker, when it is not
    /// made yet: the applied query, or a value filter made for an earlier analysis. A query
    /// whose filter chip was dropped is dropped.
    pub(super) fn refresh_filter(&mut self, ctx: &egui::Context) {
        let State::Ready(w) = &self.state else {
            return;
        };
        let Some(a) = w.shown().filter(|a| !a.events_pending) else {
            return;
        };
        let bar = &mut self.view.query;
        if bar.installed && bar.applied.is_some() && self.view.alerts.value.is_none() {
            bar.applied = None;
            bar.installed = false;
        }
        let wanted = match (&bar.applied, &self.view.alerts.value) {
            (Some(q), _) => (QUERY.to_owned(), q.clone()),
            (None, Some(f)) if f.field != QUERY => (f.field.clone(), f.value.clone()),
            _ => return,
        };
        let made = self.view.alerts.value.as_ref().is_some_and(|f| {
            f.field == wanted.0 && f.value == wanted.1 && f.generation == a.generation
        });
        let key = (wanted.0.clone(), wanted.1.clone(), a.generation);
        if made || bar.pending.as_ref() == Some(&key) {
            return;
        }
        bar.pending = Some(key);
        let (inv, an) = (w.loaded.investigation.clone(), a.clone());
        let sender = self.job_sender.clone();
        let ctx = ctx.clone();
        std::thread::spawn(move || {
            let (field, value) = wanted;
            let made = worker::caught(|| {
                let t = &inv.table;
                if field == QUERY {
                    ValueFilter::query(t, &an, &value).map_err(|e| e.to_string())
                } else {
                    Ok(ValueFilter::new(t, &an, &field, &value))
                }
            })
            .unwrap_or_else(|m| Err(worker::internal_error("filtering the events", &m)));
            let _ = sender.send(JobResult::Filtered(made.map(Box::new)));
            ctx.request_repaint();
        });
    }

    /// Puts a filter made on a worker on, when it is still the one wanted.
    pub(super) fn filtered(&mut self, made: Result<Box<ValueFilter>, String>) {
        let bar = &mut self.view.query;
        let pending = bar.pending.take();
        let f = match made {
            Ok(f) => f,
            Err(e) => {
                self.view.notice = Some(format!("The filter could not be made: {e}"));
                return;
            }
        };
        if pending != Some((f.field.clone(), f.value.clone(), f.generation)) {
            return;
        }
        if f.field == QUERY {
            if bar.applied.as_deref() != Some(f.value.as_str()) {
                return;
            }
            bar.installed = true;
            self.view.notice = Some(format!(
                "{} events from {} sources match the query",
                thousands(f.count()),
                thousands(f.sources.len() as u64)
            ));
        }
        self.view.alerts.value = Some(*f);
    }
}

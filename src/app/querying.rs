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

    /// Lists the events that pass the filters and time range on a worker, then opens the
    /// event table on them.
    pub(super) fn events_shown(&mut self, ctx: &egui::Context) {
        self.list_events(
            ctx,
            "those the filters and time range pass".into(),
            |_, rows| rows.map(|r| r as u32).collect(),
        );
    }

    /// Lists, on a worker, the events `pick` keeps of those the filters and time range pass,
    /// then opens the event table on them under `title`.
    fn list_events(
        &mut self,
        ctx: &egui::Context,
        title: String,
        pick: impl FnOnce(&crate::events::EventTable, &mut dyn Iterator<Item = usize>) -> Vec<u32>
            + Send
            + 'static,
    ) {
        let State::Ready(w) = &self.state else {
            return;
        };
        let Some(a) = w.shown() else {
            return;
        };
        let generation = a.generation;
        let inv = w.loaded.investigation.clone();
        let (filters, range) = (self.view.alerts.clone(), self.view.time_range);
        let sender = self.job_sender.clone();
        let ctx = ctx.clone();
        std::thread::spawn(move || {
            let t = &inv.table;
            let listed = worker::caught(|| {
                let keeps = views::event_alerts::keeps(t, &filters, range);
                let mut rows = (0..t.len()).filter(|&r| keeps(r));
                pick(t, &mut rows)
            });
            let result = match listed {
                Ok(rows) => JobResult::Events(title, rows, generation),
                Err(m) => JobResult::Said(worker::internal_error("listing the events", &m)),
            };
            let _ = sender.send(result);
            ctx.request_repaint();
        });
    }

    /// Reads event `row`'s original line from its file on a worker.
    pub(super) fn original_line(&mut self, ctx: &egui::Context, row: u32) {
        let State::Ready(w) = &self.state else {
            return;
        };
        let inv = w.loaded.investigation.clone();
        let sender = self.job_sender.clone();
        let ctx = ctx.clone();
        std::thread::spawn(move || {
            let r = row as usize;
            let t = &inv.table;
            let line = match inv.files.get(usize::from(t.file(r))) {
                Some(f) if f.format == crate::ingest::Format::Capture => Err(format!(
                    "a flow of a packet capture: its first packet is frame {} of {} (in \
                     Wireshark, frame.number == {})",
                    t.line(r),
                    f.path.display(),
                    t.line(r)
                )),
                Some(f) => crate::ingest::original_line(&f.path, t.line(r), 64 * 1024)
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .map_err(|e| format!("{}: {e}", f.path.display())),
                None => Err("this event came from a live source: no file holds it".into()),
            };
            let _ = sender.send(JobResult::OriginalLine(row, line));
            ctx.request_repaint();
        });
    }

    /// Counts each field's most frequent values over every event on a worker, for the query
    /// bar's completion.
    pub(super) fn count_query_values(&mut self, ctx: &egui::Context) {
        let State::Ready(w) = &self.state else {
            return;
        };
        let Some(a) = w.shown() else {
            return;
        };
        let generation = a.generation;
        let inv = w.loaded.investigation.clone();
        let sender = self.job_sender.clone();
        let ctx = ctx.clone();
        std::thread::spawn(move || {
            let t = &inv.table;
            let counted = worker::caught(|| {
                let rows: Vec<u32> = (0..t.len() as u32).collect();
                crate::events::profile(t, &rows)
                    .into_iter()
                    .map(|p| (p.field, p.top.into_iter().map(|(v, _)| v).collect()))
                    .collect()
            });
            if let Ok(values) = counted {
                let _ = sender.send(JobResult::QueryValues(generation, values));
                ctx.request_repaint();
            }
        });
    }

    /// Lists the events of one item of a Web view panel (among those the filters and time
    /// range pass) on a worker, then opens the event table on them.
    pub(super) fn web_events(
        &mut self,
        ctx: &egui::Context,
        kind: crate::web::PanelKind,
        key: crate::web::Key,
    ) {
        let State::Ready(w) = &self.state else {
            return;
        };
        let shown = text::zone();
        let own = crate::web::log_zone(&w.loaded.investigation.files, &shown);
        let zone = if self.view.web.own_clock { own } else { shown };
        let what = match (key.status.is_empty(), key.method.is_empty()) {
            (true, true) => key.text.clone(),
            (true, false) => format!("{} {} {}", key.method, key.text, key.protocol),
            (false, _) => format!(
                "{} {} {} {}",
                key.status, key.method, key.text, key.protocol
            ),
        };
        let title = format!("{}: {}", kind.title(), text::printable(&what));
        self.list_events(ctx, title, move |t, rows| {
            let never = std::sync::atomic::AtomicBool::new(false);
            crate::web::rows_of(t, rows, &zone, kind, &key, &never).unwrap_or_default()
        });
    }
}

//! Watching live sources: their lines go into one stream, detection runs over its window at
//! an interval, alerts go to their destinations and, when asked, to the automated response.
//! What was read (the sources' positions) and which sources were alerted are committed to a
//! state file after each step's lines are processed, so that a restart goes on without losing
//! or repeating lines or alerts. The headless `netsleuth watch` and the window share it.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::alerts::Dispatcher;
use super::respond::{Responder, ResponseReport};
use super::source::{Resume, Source, Status};
use super::stream::{Alert, Stream, StreamSettings};

/// How to watch.
pub struct WatchSettings {
    /// The sources, as the analyst names them (paths, folders, `syslog://HOST:PORT`,
    /// `kafka://HOST:PORT/TOPIC`).
    pub sources: Vec<String>,
    /// The stream's detection, window and quiet period.
    pub stream: StreamSettings,
    /// Detection runs at most this often, when new lines came.
    pub every: Duration,
    /// Where positions and alerted sources are committed; `None` keeps nothing.
    pub state: Option<PathBuf>,
}

/// What is committed between runs.
#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    sources: BTreeMap<String, Resume>,
    alerted: HashMap<String, i64>,
}

/// What one step did.
#[derive(Debug, Default)]
pub struct Step {
    /// Lines taken from the sources.
    pub lines: usize,
    /// Whether detection ran.
    pub detected: bool,
    /// The alerts raised.
    pub alerts: Vec<Alert>,
    /// What the response did, when one is set and there were alerts.
    pub response: Option<ResponseReport>,
}

/// Sources being watched.
pub struct Watch {
    sources: Vec<Source>,
    stream: Stream,
    every: Duration,
    state: Option<PathBuf>,
    last_run: Option<Instant>,
    /// New lines since detection last ran.
    unjudged: usize,
    dispatcher: Dispatcher,
    responder: Option<Responder>,
}

impl Watch {
    /// Opens every source, going on from the state file when there is one.
    pub fn new(
        settings: WatchSettings,
        dispatcher: Dispatcher,
        responder: Option<Responder>,
    ) -> Result<Watch, String> {
        let mut state: State = match &settings.state {
            Some(p) if p.exists() => {
                let text = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
                serde_json::from_slice(&text).map_err(|e| {
                    format!("{}: not a netsleuth watch state file: {e}", p.display())
                })?
            }
            _ => State::default(),
        };
        let max_line = settings.stream.read.max_line_bytes;
        let sources = settings
            .sources
            .iter()
            .map(|spec| Source::open(spec, state.sources.remove(spec), max_line))
            .collect::<Result<Vec<_>, _>>()?;
        let mut stream = Stream::new(settings.stream);
        stream.restore_alerted(state.alerted);
        Ok(Watch {
            sources,
            stream,
            every: settings.every,
            state: settings.state,
            last_run: None,
            unjudged: 0,
            dispatcher,
            responder,
        })
    }

    /// Takes what the sources have (waiting up to `wait` for a receiver), runs detection when
    /// its interval has passed and new lines came, sends the alerts and responds, then
    /// commits.
    pub fn step(&mut self, wait: Duration) -> Result<Step, String> {
        let mut lines = Vec::new();
        let per_source = wait / self.sources.len().max(1) as u32;
        for s in &mut self.sources {
            s.poll(&mut lines, per_source);
        }
        let mut step = Step {
            lines: lines.len(),
            ..Step::default()
        };
        self.unjudged += lines.len();
        self.stream.push(lines);
        let due = self.last_run.is_none_or(|t| t.elapsed() >= self.every);
        if self.unjudged > 0 && due {
            self.last_run = Some(Instant::now());
            self.unjudged = 0;
            step.detected = true;
            let now_us = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_micros() as i64);
            step.alerts = self.stream.detect(now_us)?;
            self.dispatcher.send(&step.alerts);
            if let Some(r) = &mut self.responder {
                if !step.alerts.is_empty() {
                    let report = r.respond(&step.alerts);
                    self.dispatcher.log(&response_json(&report));
                    step.response = Some(report);
                }
            }
        }
        if step.lines > 0 || step.detected {
            self.commit()?;
        }
        Ok(step)
    }

    /// Writes the sources' positions and the alerted sources to the state file. Lines not
    /// yet judged are committed too: they are in the window and judged at the next run.
    pub fn commit(&self) -> Result<(), String> {
        let Some(path) = &self.state else {
            return Ok(());
        };
        let state = State {
            sources: self
                .sources
                .iter()
                .map(|s| (s.status().name.clone(), s.resume()))
                .collect(),
            alerted: self.stream.alerted().clone(),
        };
        let text = serde_json::to_vec_pretty(&state).expect("state serialises");
        crate::session::write_atomic(path, &text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Runs detection over what waits, whatever the interval, and commits: before stopping.
    pub fn finish(&mut self) -> Result<Step, String> {
        self.last_run = None;
        let step = self.step(Duration::ZERO)?;
        self.commit()?;
        Ok(step)
    }

    /// How each source is doing.
    pub fn statuses(&self) -> Vec<&Status> {
        self.sources.iter().map(Source::status).collect()
    }

    /// The stream's counts and window.
    pub fn stream(&self) -> &Stream {
        &self.stream
    }

    /// The dispatcher, to log through.
    pub fn dispatcher(&mut self) -> &mut Dispatcher {
        &mut self.dispatcher
    }

    /// The dispatcher, to close.
    pub fn into_dispatcher(self) -> Dispatcher {
        self.dispatcher
    }
}

/// A response as a JSON object for the log.
pub fn response_json(r: &ResponseReport) -> Value {
    json!({
        "type": "response",
        "added": r.added.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "refused": r.refused.iter().map(|(ip, why)| json!({"ip": ip.to_string(), "why": why})).collect::<Vec<_>>(),
        "written": r.written.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        "command": r.command.as_ref().map(|c| json!({"code": c.code, "output": c.output})),
        "errors": r.errors,
    })
}

/// The stream's window and runs as a JSON object for the log.
pub fn stream_json(s: &Stream) -> Value {
    json!({
        "type": "stream",
        "retained": s.retained(),
        "retention": s.retention(),
        "lines": s.counts.lines,
        "expired": s.counts.expired,
        "skipped": s.counts.skipped,
        "runs": s.counts.runs,
        "events": s.counts.events,
        "sources_seen": s.totals().0.len(),
        "problem": s.problem(),
    })
}

/// A source's status as a JSON object for the log.
pub fn status_json(s: &Status) -> Value {
    json!({
        "type": "status",
        "source": s.name,
        "lines": s.lines,
        "rate": (s.rate * 10.0).round() / 10.0,
        "lag_bytes": s.lag_bytes,
        "errors": s.errors,
        "last_error": s.last_error,
        "malformed": s.malformed,
        "last_malformed": s.last_malformed.as_ref().map(|(b, why)| json!({
            "first_bytes": String::from_utf8_lossy(b),
            "why": why,
        })),
        "dropped": s.dropped,
        "listening": s.listening.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "connection": s.connection,
        "lag_messages": s.lag_messages,
    })
}

//! Where alerts go: JSON lines (a file or standard output) written at once; webhooks (a JSON
//! body with a `text` line, so Slack and Mattermost incoming webhooks take it as it is), email
//! (SMTP) and desktop notifications, each delivered by a thread of its own that retries with
//! back-off. A destination that fails is reported and retried; it never holds up detection.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::stream::Alert;

/// Alerts waiting for a destination at most; beyond, new ones are dropped and counted.
const QUEUE: usize = 4096;

/// The first wait after a failure; it doubles up to the destination's longest.
const FIRST_BACKOFF: Duration = Duration::from_millis(500);

/// An alert as a JSON object: what it says, for people and programs.
pub fn alert_json(a: &Alert) -> Value {
    json!({
        "type": "alert",
        "rule": a.rule.id(),
        "ip": a.ip.to_string(),
        "confidence": (a.confidence * 10.0).round() / 10.0,
        "findings": a.findings,
        "reason": a.reason,
        "summary": a.summary,
        "events": a.events,
        "events_total": a.events_total,
        "direction": a.direction.name(),
        "at": chrono::DateTime::from_timestamp_micros(a.at_us)
            .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()),
    })
}

/// One line for a person: the address, its confidence and what it did.
pub fn alert_text(a: &Alert) -> String {
    let text = format!(
        "netsleuth: {} at confidence {:.0}: {}",
        a.ip, a.confidence, a.summary
    );
    // Log text reaches chat clients and mail: one line, no control characters.
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// How a destination is doing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DestinationStatus {
    /// The destination, in words.
    pub name: String,
    /// Alerts delivered.
    pub sent: u64,
    /// Attempts that failed (each retried).
    pub failures: u64,
    /// Alerts dropped because the queue was full.
    pub dropped: u64,
    /// Alerts waiting.
    pub waiting: u64,
    /// The last failure, in words.
    pub last_error: Option<String>,
}

/// A destination that delivers one alert at a time, perhaps failing.
pub trait Deliver: Send + 'static {
    /// Delivers `alert`; the reason when it could not.
    fn deliver(&mut self, alert: &Alert) -> Result<(), String>;
    /// The destination, in words.
    fn name(&self) -> String;
}

/// A webhook: `POST URL` with the alert as JSON and its one-line `text`.
pub struct Webhook {
    url: String,
    client: reqwest::blocking::Client,
}

impl Webhook {
    /// A webhook posting to `url` (http or https).
    pub fn new(url: &str) -> Result<Webhook, String> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!("webhook '{url}': give an http:// or https:// URL"));
        }
        // HTTPS through rustls with ring, as the map tiles and report publishing use.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| format!("webhook {url}: {e}"))?;
        Ok(Webhook {
            url: url.to_owned(),
            client,
        })
    }
}

impl Deliver for Webhook {
    fn deliver(&mut self, alert: &Alert) -> Result<(), String> {
        let mut body = alert_json(alert);
        body["text"] = alert_text(alert).into();
        let response = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .map_err(|e| e.to_string())?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!("answered {}", response.status()))
        }
    }

    fn name(&self) -> String {
        format!("webhook {}", self.url)
    }
}

/// A destination on a thread of its own.
struct Worker {
    send: SyncSender<Alert>,
    status: Arc<Mutex<DestinationStatus>>,
    thread: Option<JoinHandle<()>>,
}

fn run(
    mut d: Box<dyn Deliver>,
    queue: Receiver<Alert>,
    status: Arc<Mutex<DestinationStatus>>,
    max_backoff: Duration,
) {
    let mut pending: VecDeque<Alert> = VecDeque::new();
    let mut backoff = FIRST_BACKOFF;
    let mut retry_at: Option<Instant> = None;
    let mut open = true;
    while open || !pending.is_empty() {
        let wait = retry_at.map_or(Duration::from_millis(200), |t| {
            t.saturating_duration_since(Instant::now())
        });
        match queue.recv_timeout(wait) {
            Ok(a) => pending.push_back(a),
            Err(RecvTimeoutError::Timeout) => {}
            // Closed: deliver what waits, without retrying for ever.
            Err(RecvTimeoutError::Disconnected) => {
                if !open && retry_at.is_some() {
                    break;
                }
                open = false;
            }
        }
        if retry_at.is_some_and(|t| Instant::now() < t) {
            continue;
        }
        while let Some(a) = pending.front() {
            match d.deliver(a) {
                Ok(()) => {
                    pending.pop_front();
                    backoff = FIRST_BACKOFF;
                    retry_at = None;
                    let mut s = status.lock().expect("status lock");
                    s.sent += 1;
                    s.waiting = pending.len() as u64;
                }
                Err(e) => {
                    retry_at = Some(Instant::now() + backoff);
                    backoff = (backoff * 2).min(max_backoff);
                    let mut s = status.lock().expect("status lock");
                    s.failures += 1;
                    s.last_error = Some(e);
                    s.waiting = pending.len() as u64;
                    break;
                }
            }
        }
    }
}

/// Sends alerts to every destination.
pub struct Dispatcher {
    lines: Option<Box<dyn Write + Send>>,
    workers: Vec<Worker>,
}

impl Dispatcher {
    /// Alerts written as JSON lines to `lines` (when given) and delivered to `destinations`,
    /// each retried after a failure at most `max_backoff` apart.
    pub fn new(
        lines: Option<Box<dyn Write + Send>>,
        destinations: Vec<Box<dyn Deliver>>,
        max_backoff: Duration,
    ) -> Dispatcher {
        let workers = destinations
            .into_iter()
            .map(|d| {
                let (send, queue) = sync_channel(QUEUE);
                let status = Arc::new(Mutex::new(DestinationStatus {
                    name: d.name(),
                    ..DestinationStatus::default()
                }));
                let s = status.clone();
                let thread = std::thread::spawn(move || run(d, queue, s, max_backoff));
                Worker {
                    send,
                    status,
                    thread: Some(thread),
                }
            })
            .collect();
        Dispatcher { lines, workers }
    }

    /// Writes a JSON line (an alert, a response, a status) where alerts are logged.
    pub fn log(&mut self, value: &Value) {
        if let Some(w) = &mut self.lines {
            let _ = writeln!(w, "{value}").and_then(|_| w.flush());
        }
    }

    /// Logs the alerts and hands them to every destination without waiting.
    pub fn send(&mut self, alerts: &[Alert]) {
        for a in alerts {
            self.log(&alert_json(a));
            for w in &self.workers {
                match w.send.try_send(a.clone()) {
                    Ok(()) => {}
                    Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                        w.status.lock().expect("status lock").dropped += 1;
                    }
                }
            }
        }
    }

    /// How each destination is doing.
    pub fn statuses(&self) -> Vec<DestinationStatus> {
        self.workers
            .iter()
            .map(|w| w.status.lock().expect("status lock").clone())
            .collect()
    }

    /// Delivers what waits (one more attempt for what fails) and stops the threads.
    pub fn close(mut self) -> Vec<DestinationStatus> {
        for w in &mut self.workers {
            // Dropping the sender closes the queue; the thread then finishes what waits.
            let (dead, _) = sync_channel(1);
            drop(std::mem::replace(&mut w.send, dead));
            if let Some(t) = w.thread.take() {
                let _ = t.join();
            }
        }
        self.statuses()
    }
}

/// Email over SMTP: one message per alert.
pub struct Email {
    transport: lettre::SmtpTransport,
    from: lettre::message::Mailbox,
    to: Vec<lettre::message::Mailbox>,
    server: String,
}

impl Email {
    /// Mail from `from` to `to` through the server at `url`: `smtp://HOST:PORT` (a local
    /// relay, no TLS), `smtp://HOST:PORT?tls=required` (STARTTLS) or `smtps://HOST:PORT`.
    /// Credentials come from `NETSLEUTH_SMTP_USER` and `NETSLEUTH_SMTP_PASSWORD`, never from
    /// the command line.
    pub fn new(url: &str, from: &str, to: &[String]) -> Result<Email, String> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mailbox = |a: &str| {
            a.parse::<lettre::message::Mailbox>()
                .map_err(|e| format!("mail address '{a}': {e}"))
        };
        if to.is_empty() {
            return Err("--smtp needs at least one --mail-to address".into());
        }
        let mut builder = lettre::SmtpTransport::from_url(url)
            .map_err(|e| format!("SMTP server '{url}': {e}"))?
            .timeout(Some(Duration::from_secs(15)));
        if let (Ok(user), Ok(password)) = (
            std::env::var("NETSLEUTH_SMTP_USER"),
            std::env::var("NETSLEUTH_SMTP_PASSWORD"),
        ) {
            builder = builder.credentials(
                lettre::transport::smtp::authentication::Credentials::new(user, password),
            );
        }
        let server = url.split('?').next().unwrap_or(url).to_owned();
        Ok(Email {
            transport: builder.build(),
            from: mailbox(from)?,
            to: to.iter().map(|a| mailbox(a)).collect::<Result<_, _>>()?,
            server,
        })
    }
}

impl Deliver for Email {
    fn deliver(&mut self, alert: &Alert) -> Result<(), String> {
        use lettre::Transport;
        let mut message = lettre::Message::builder()
            .from(self.from.clone())
            .subject(format!(
                "netsleuth alert: {} ({})",
                alert.ip,
                alert.rule.id()
            ));
        for to in &self.to {
            message = message.to(to.clone());
        }
        let body = format!(
            "{}\n\n{}\n",
            alert_text(alert),
            serde_json::to_string_pretty(&alert_json(alert)).expect("JSON values serialise")
        );
        let message = message
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| e.to_string())?;
        self.transport
            .send(&message)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn name(&self) -> String {
        format!("mail via {}", self.server)
    }
}

/// Desktop notifications (freedesktop, over the session's D-Bus).
pub struct Desktop;

/// Text for a notification body, which notification servers read as simple markup.
fn markup_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl Deliver for Desktop {
    fn deliver(&mut self, alert: &Alert) -> Result<(), String> {
        notify_rust::Notification::new()
            .appname("netsleuth")
            .summary(&format!(
                "netsleuth alert: {} ({})",
                alert.ip,
                alert.rule.id()
            ))
            .body(&markup_text(&alert_text(alert)))
            .show()
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn name(&self) -> String {
        "desktop notifications".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blocklist::Direction;
    use crate::live::stream::AlertRule;

    /// Fails its first `fail` attempts, then records what it delivers.
    struct Flaky {
        fail: u32,
        got: Arc<Mutex<Vec<String>>>,
    }

    impl Deliver for Flaky {
        fn deliver(&mut self, alert: &Alert) -> Result<(), String> {
            if self.fail > 0 {
                self.fail -= 1;
                return Err("connection refused".into());
            }
            self.got.lock().unwrap().push(alert.ip.to_string());
            Ok(())
        }

        fn name(&self) -> String {
            "flaky".into()
        }
    }

    fn alert(ip: &str) -> Alert {
        Alert {
            rule: AlertRule::Threshold,
            ip: ip.parse().unwrap(),
            confidence: 99.0,
            findings: vec!["Password guessing".into()],
            reason: None,
            summary: "posted the login form\nforged line".into(),
            direction: Direction::Inbound,
            events: 10,
            events_total: 10,
            at_us: 0,
        }
    }

    #[test]
    fn a_failing_destination_is_retried_with_back_off_and_never_holds_up_the_sender() {
        let got = Arc::new(Mutex::new(Vec::new()));
        let mut d = Dispatcher::new(
            None,
            vec![Box::new(Flaky {
                fail: 2,
                got: got.clone(),
            })],
            Duration::from_millis(600),
        );
        let start = Instant::now();
        d.send(&[alert("216.244.81.34"), alert("23.254.164.173")]);
        assert!(start.elapsed() < Duration::from_millis(100), "send waited");
        let deadline = Instant::now() + Duration::from_secs(10);
        while got.lock().unwrap().len() < 2 {
            assert!(Instant::now() < deadline, "{:?}", d.statuses());
            std::thread::sleep(Duration::from_millis(20));
        }
        // Two failures: waits of 0.5 s, then 0.6 s (the cap) before the attempts that follow.
        assert!(start.elapsed() >= Duration::from_millis(1000));
        let s = d.close().remove(0);
        assert_eq!((s.sent, s.failures, s.waiting), (2, 2, 0), "{s:?}");
        assert_eq!(s.last_error.as_deref(), Some("connection refused"));
        assert_eq!(*got.lock().unwrap(), ["216.244.81.34", "23.254.164.173"]);
    }

    #[test]
    fn the_text_line_holds_no_control_character() {
        let t = alert_text(&alert("216.244.81.34"));
        assert_eq!(
            t,
            "netsleuth: 216.244.81.34 at confidence 99: posted the login form forged line"
        );
    }
}

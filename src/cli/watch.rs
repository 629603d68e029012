//! `netsleuth watch`: live sources judged as they arrive, without a display. Alerts, responses
//! and (with `--status`) the sources' status are logged as JSON lines; SIGTERM or SIGINT stops
//! it cleanly, the last lines judged and the positions committed.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;

use crate::detection::behaviour::{FindingKind, ThreatLists};
use crate::detection::DetectionSettings;
use crate::export::Format;
use crate::live::alerts::{Deliver, Desktop, Dispatcher, Email, Webhook};
use crate::live::respond::{Responder, ResponseSettings};
use crate::live::stream::StreamSettings;
use crate::live::watch::{status_json, stream_json, Watch, WatchSettings};

use super::ReadArgs;

/// What `watch` was asked to do.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Sources: a file to follow, a folder whose *.log files to follow, a syslog receiver
    /// (syslog://127.0.0.1:5514 for UDP and TCP, syslog+udp://, syslog+tcp://), or a Kafka
    /// topic (kafka://HOST:PORT[,HOST:PORT]/TOPIC, kafka+tls:// for TLS; SASL/PLAIN from
    /// NETSLEUTH_KAFKA_USER and NETSLEUTH_KAFKA_PASSWORD).
    #[arg(required = true)]
    sources: Vec<String>,
    /// Confidence (0-100) at which a source raises an alert.
    #[arg(long, default_value_t = 70.0, value_parser = super::parse_threshold)]
    threshold: f64,
    /// Lines kept for detection; older ones leave the window.
    #[arg(long, default_value_t = 200_000,
          value_parser = clap::value_parser!(u64).range(100..=50_000_000))]
    retention: u64,
    /// Seconds between detection runs (when new lines came).
    #[arg(long, default_value_t = 1.0, value_parser = parse_seconds)]
    every: f64,
    /// Seconds before a source alerts again.
    #[arg(long, default_value_t = 3600.0, value_parser = parse_seconds)]
    quiet: f64,
    /// State file: the sources' positions and the alerted sources, committed after each
    /// step so that a restart goes on where it stopped.
    #[arg(long)]
    state: Option<PathBuf>,
    /// Where the JSON lines go: a file (appended to), or - for standard output.
    #[arg(long, default_value = "-")]
    log: PathBuf,
    /// Also log each source's status (rate, lag, errors) and the window's (lines kept, the
    /// retention, lines expired, detection runs) every this many seconds.
    #[arg(long, value_parser = parse_seconds)]
    status: Option<f64>,
    /// Finding kinds that raise an alert whatever the confidence, comma separated (e.g.
    /// valid_login,shell_commands,beaconing,worm_probe).
    #[arg(long, value_delimiter = ',', value_parser = parse_kind)]
    alert_on: Vec<FindingKind>,
    /// IP reputation lists (as for detect); a source they name raises an alert.
    #[arg(long, value_delimiter = ',')]
    intel: Vec<PathBuf>,
    /// POST each alert as JSON (with a one-line `text` for Slack or Mattermost) to this
    /// URL; repeat for more.
    #[arg(long)]
    webhook: Vec<String>,
    /// Show each alert as a desktop notification (freedesktop, over the session's D-Bus).
    #[arg(long)]
    notify: bool,
    /// Mail each alert through this SMTP server: smtp://HOST:PORT (a local relay),
    /// smtp://HOST:PORT?tls=required (STARTTLS) or smtps://HOST:PORT; credentials from
    /// NETSLEUTH_SMTP_USER and NETSLEUTH_SMTP_PASSWORD.
    #[arg(long, requires = "mail_to")]
    smtp: Option<String>,
    /// With --smtp: the sender's address.
    #[arg(long, default_value = "netsleuth@localhost")]
    mail_from: String,
    /// With --smtp: where alerts are mailed, comma separated.
    #[arg(long, value_delimiter = ',')]
    mail_to: Vec<String>,
    /// Automated response: add alerted sources (guarded as manual blocks are) to this saved
    /// blocklist (.json, made when missing).
    #[arg(long)]
    respond_list: Option<PathBuf>,
    /// With --respond-list: rewrite this export after each change, as FORMAT:PATH (e.g.
    /// nginx:/etc/nginx/netsleuth-deny.conf); repeat for more.
    #[arg(long, value_parser = parse_export, requires = "respond_list")]
    respond_export: Vec<(Format, PathBuf)>,
    /// With --respond-list: a shell command run after the exports are written (e.g.
    /// "nginx -s reload"); its output is logged.
    #[arg(long, requires = "respond_list")]
    respond_command: Option<String>,
    /// With --respond-list: hours an added entry lasts (default: until removed).
    #[arg(long, requires = "respond_list", value_parser = parse_seconds)]
    respond_hours: Option<f64>,
    #[command(flatten)]
    read: ReadArgs,
}

fn parse_seconds(s: &str) -> Result<f64, String> {
    s.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0 && *v <= 1e9)
        .ok_or_else(|| format!("'{s}' is not a number of seconds (or hours) from 0"))
}

fn parse_kind(s: &str) -> Result<FindingKind, String> {
    let id = |k: &FindingKind| {
        serde_json::to_value(k)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    };
    FindingKind::ALL
        .iter()
        .find(|k| id(k) == s.trim())
        .copied()
        .ok_or_else(|| {
            format!(
                "unknown finding kind '{s}'; kinds are {}",
                FindingKind::ALL
                    .iter()
                    .map(id)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
}

fn parse_export(s: &str) -> Result<(Format, PathBuf), String> {
    let (format, path) = s
        .split_once(':')
        .ok_or_else(|| format!("'{s}': give FORMAT:PATH, e.g. nginx:deny.conf"))?;
    let format =
        Format::from_id(format).ok_or_else(|| format!("'{format}' is not an export format"))?;
    if path.is_empty() {
        return Err(format!("'{s}': give the path after the colon"));
    }
    Ok((format, PathBuf::from(path)))
}

/// Runs `watch` until SIGTERM or SIGINT.
pub fn run(args: &WatchArgs) -> ExitCode {
    match watch(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("netsleuth: {}", super::line_for_terminal(&e));
            ExitCode::FAILURE
        }
    }
}

fn watch(args: &WatchArgs) -> Result<(), String> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(signal, stop.clone()).map_err(|e| e.to_string())?;
    }
    let lines: Box<dyn std::io::Write + Send> = if args.log.as_os_str() == "-" {
        Box::new(std::io::stdout())
    } else {
        Box::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&args.log)
                .map_err(|e| format!("{}: {e}", args.log.display()))?,
        )
    };
    let mut destinations = args
        .webhook
        .iter()
        .map(|u| Webhook::new(u).map(|w| Box::new(w) as Box<dyn Deliver>))
        .collect::<Result<Vec<_>, _>>()?;
    if args.notify {
        destinations.push(Box::new(Desktop));
    }
    if let Some(url) = &args.smtp {
        destinations.push(Box::new(Email::new(url, &args.mail_from, &args.mail_to)?));
    }
    let dispatcher = Dispatcher::new(Some(lines), destinations, Duration::from_secs(60));
    let responder = args
        .respond_list
        .as_ref()
        .map(|list| {
            Responder::new(ResponseSettings {
                list: list.clone(),
                exports: args.respond_export.clone(),
                command: args.respond_command.clone(),
                expiry_secs: args.respond_hours.map(|h| (h * 3600.0) as i64),
            })
        })
        .transpose()?;
    let mut detection = DetectionSettings {
        auto_block: args.threshold,
        cache_dir: None,
        geo: Some(Arc::new(crate::geo::Locator::discover(&[]))),
        ..DetectionSettings::default()
    };
    if !args.intel.is_empty() {
        let (lists, errors) = ThreatLists::load(&args.intel, args.read.options().max_line_bytes);
        for e in &errors {
            eprintln!("netsleuth: threat list {}", super::line_for_terminal(e));
        }
        if lists.is_empty() {
            return Err("no threat list could be read".into());
        }
        detection.intel = Some(Arc::new(lists));
    }
    let settings = WatchSettings {
        sources: args.sources.clone(),
        stream: StreamSettings {
            detection,
            retention: usize::try_from(args.retention).unwrap_or(usize::MAX),
            quiet_us: (args.quiet * 1e6) as i64,
            read: args.read.options(),
            finding_alerts: args.alert_on.clone(),
            intel_alerts: !args.intel.is_empty(),
        },
        every: Duration::from_secs_f64(args.every),
        state: args.state.clone(),
    };
    for spec in &args.sources {
        if spec.contains("://") {
            continue;
        }
        let path = std::path::Path::new(spec);
        let folder = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."));
        if !folder.is_dir() {
            return Err(format!(
                "{spec}: no folder {} to follow it in",
                folder.display()
            ));
        }
        if !path.exists() {
            eprintln!(
                "netsleuth: {} does not exist yet: waiting for it",
                super::line_for_terminal(spec)
            );
        }
    }
    let mut w = Watch::new(settings, dispatcher, responder)?;
    let mut last_status = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        let step = w.step(Duration::from_millis(100))?;
        if step.lines == 0 {
            std::thread::sleep(Duration::from_millis(100));
        }
        if let Some(every) = args.status {
            if last_status.elapsed().as_secs_f64() >= every {
                last_status = Instant::now();
                let mut statuses: Vec<_> = w.statuses().into_iter().map(status_json).collect();
                statuses.push(stream_json(w.stream()));
                let d = w.dispatcher();
                for s in statuses {
                    d.log(&s);
                }
            }
        }
    }
    w.finish()?;
    let statuses = w.into_dispatcher().close();
    for d in statuses.iter().filter(|d| d.waiting > 0 || d.dropped > 0) {
        eprintln!(
            "netsleuth: {}: {} alerts not delivered{}",
            super::line_for_terminal(&d.name),
            d.waiting + d.dropped,
            d.last_error
                .as_ref()
                .map(|e| format!(" ({})", super::line_for_terminal(e)))
                .unwrap_or_default()
        );
    }
    Ok(())
}

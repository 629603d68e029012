//! The automated response, off unless asked for: a source alerted at the blocking threshold
//! joins a blocklist of its own file, guarded as a manual block is (a reserved or allowlisted address, a network
//! wider than /16, a platform many sites share are refused and named), each chosen export is
//! rewritten in one step, and a command runs afterwards (`nginx -s reload`), its output
//! kept for the log.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::Command;

use ipnet::IpNet;

use super::stream::{Alert, AlertRule};
use crate::blocklist::{
    guardrails, read_blocklist, save_to, Blocklist, Edit, Entry, Origin, Warning,
};
use crate::export::{render, write, Format, Options, Syntax};
use crate::geo::shared::SharedKind;

/// Output of the command kept for the log, at most.
const KEPT_OUTPUT: usize = 4096;

/// What to do with alerted sources.
#[derive(Debug, Clone)]
pub struct ResponseSettings {
    /// The blocklist the response keeps (a saved blocklist `.json`; made when missing).
    pub list: PathBuf,
    /// Exports rewritten after each change.
    pub exports: Vec<(Format, PathBuf)>,
    /// A shell command run after the exports are written.
    pub command: Option<String>,
    /// How long an entry lasts, in seconds; `None` for ever.
    pub expiry_secs: Option<i64>,
}

/// The command run after a change, and what it said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandRun {
    /// Its exit code (`None` when killed by a signal or not started).
    pub code: Option<i32>,
    /// Standard output and error, trimmed to 4 KB.
    pub output: String,
}

/// What one response did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResponseReport {
    /// Sources added to the list.
    pub added: Vec<IpAddr>,
    /// Sources left for a person, and why.
    pub refused: Vec<(IpAddr, String)>,
    /// Files written.
    pub written: Vec<PathBuf>,
    /// The command run, when there was a change and a command.
    pub command: Option<CommandRun>,
    /// What went wrong writing the list or an export (the change is kept for the next).
    pub errors: Vec<String>,
}

/// Keeps the response's blocklist and its exports.
pub struct Responder {
    settings: ResponseSettings,
    list: Blocklist,
}

impl Responder {
    /// Reads the response's list (a missing file is an empty list).
    pub fn new(settings: ResponseSettings) -> Result<Responder, String> {
        let list = if settings.list.exists() {
            read_blocklist(&settings.list)?
        } else {
            Blocklist::default()
        };
        for (format, path) in &settings.exports {
            if format.is_folder() {
                return Err(format!(
                    "{}: the response rewrites single files; {} writes a folder",
                    path.display(),
                    format.id()
                ));
            }
        }
        Ok(Responder { settings, list })
    }

    /// The list as it stands.
    pub fn list(&self) -> &Blocklist {
        &self.list
    }

    /// Adds the alerted sources the guardrails allow, then rewrites the exports and runs the
    /// command when the list changed.
    pub fn respond(&mut self, alerts: &[Alert]) -> ResponseReport {
        let mut report = ResponseReport::default();
        let now = crate::blocklist::now();
        let coverage = self.list.coverage();
        let mut entries = Vec::new();
        // Only proposals at the blocking threshold: a finding or a listing alone asks a person.
        for a in alerts.iter().filter(|a| a.rule == AlertRule::Threshold) {
            let net = IpNet::from(a.ip);
            if coverage.covering(a.ip).is_some() {
                continue;
            }
            let stop: Vec<String> = guardrails(&self.list, &net, &[])
                .into_iter()
                .filter(|w| {
                    !matches!(
                        w,
                        Warning::Shared {
                            kind: SharedKind::Hosting,
                            ..
                        }
                    )
                })
                .map(|w| w.to_string())
                .collect();
            if !stop.is_empty() {
                report.refused.push((a.ip, stop.join("; ")));
                continue;
            }
            let mut e = Entry::new(net, Origin::Detection, a.summary.clone());
            e.confidence = Some(a.confidence);
            e.direction = a.direction;
            e.expires_at = self.settings.expiry_secs.map(|s| now + s);
            e.note = "added by netsleuth watch (automated response)".into();
            entries.push(e);
            report.added.push(a.ip);
        }
        if entries.is_empty() {
            return report;
        }
        self.list.apply(Edit::put(entries));
        match save_to(&self.list, &self.settings.list) {
            Ok(()) => report.written.push(self.settings.list.clone()),
            Err(e) => report
                .errors
                .push(format!("{}: {e}", self.settings.list.display())),
        }
        self.write_exports(&mut report);
        if let Some(cmd) = &self.settings.command {
            report.command = Some(run_command(cmd));
        }
        report
    }

    fn write_exports(&self, report: &mut ResponseReport) {
        for (format, path) in &self.settings.exports {
            let opts = Options {
                syntax: Syntax::for_path(*format, path),
                investigation: "netsleuth watch".into(),
                ..Options::default()
            };
            let written = render(*format, &self.list.entries, &opts)
                .and_then(|out| write(*format, &out, path).map_err(|e| e.to_string()));
            match written {
                Ok(paths) => report.written.extend(paths),
                Err(e) => report.errors.push(format!("{}: {e}", path.display())),
            }
        }
    }
}

/// Runs `cmd` through `sh -c`, keeping its output.
fn run_command(cmd: &str) -> CommandRun {
    match Command::new("sh").arg("-c").arg(cmd).output() {
        Ok(out) => {
            let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
            text.push_str(&String::from_utf8_lossy(&out.stderr));
            let mut end = text.len().min(KEPT_OUTPUT);
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
            CommandRun {
                code: out.status.code(),
                output: text.trim().to_owned(),
            }
        }
        Err(e) => CommandRun {
            code: None,
            output: format!("cannot run sh: {e}"),
        },
    }
}

//! `netsleuth web`: an access log's web analytics (the Web view's panels) as text or JSON,
//! counted by the rules GoAccess uses so that its report can be checked against it.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use clap::Args;
use serde_json::{json, Value};

use super::{line_for_terminal, ReadArgs};
use crate::events::Zone;
use crate::ingest::{read_files, ReadProgress};
use crate::web::{PanelKind, WebStats};

/// Arguments of `netsleuth web`.
#[derive(Debug, Args)]
pub struct WebArgs {
    /// Access logs to read (plain or gzip).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Print one JSON object with every item of every panel.
    #[arg(long)]
    json: bool,
    /// Only the events this query matches (see the README's "Query language").
    #[arg(long, value_name = "QUERY")]
    query: Option<String>,
    /// Count days and hours in this zone (UTC, local, an IANA name or an offset such as
    /// +01:00) instead of the log's own offset.
    #[arg(long, value_parser = Zone::parse)]
    zone: Option<Zone>,
    /// Items listed per panel in the text output.
    #[arg(long, default_value_t = 10)]
    top: usize,
    #[command(flatten)]
    read: ReadArgs,
}

/// Reads the files and prints their web analytics.
pub fn run(args: &WebArgs) -> ExitCode {
    let inv = match read_files(&args.files, &args.read.options(), &ReadProgress::default()) {
        Ok(inv) => inv,
        Err(e) => {
            say!("{e}");
            return ExitCode::FAILURE;
        }
    };
    if !crate::web::applies(&inv.files) {
        say!("no access log among the files: the web analytics read web servers' access logs");
        return ExitCode::FAILURE;
    }
    let rows: Vec<usize> = match &args.query {
        Some(q) => {
            let extras: Vec<&str> = inv.table.extras().iter().map(|e| e.name.as_str()).collect();
            match crate::query::parse_with_extras(q, &extras) {
                Ok(parsed) => crate::query::matching(&inv.table, &parsed)
                    .into_iter()
                    .map(|r| r as usize)
                    .collect(),
                Err(e) => return super::query::bad_query(q, &e),
            }
        }
        None => (0..inv.table.len()).collect(),
    };
    let zone = args
        .zone
        .clone()
        .unwrap_or_else(|| crate::web::log_zone(&inv.files, &Zone::Utc));
    let limit = if args.json { usize::MAX } else { args.top };
    let never = AtomicBool::new(false);
    let Some(stats) = crate::web::compute(
        &inv.table,
        rows.into_iter(),
        &zone,
        &|_| false,
        limit,
        &never,
    ) else {
        return ExitCode::FAILURE;
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = if args.json {
        serde_json::to_writer_pretty(&mut out, &to_json(&stats))
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out))
    } else {
        write_text(&mut out, &stats)
    }
    .and_then(|()| out.flush());
    if let Err(code) = super::written(written) {
        return code;
    }
    super::say_losses(&inv);
    super::read_status(&inv)
}

/// The panels as JSON: totals, then each panel's items by name.
pub fn to_json(s: &WebStats) -> Value {
    let panels: serde_json::Map<String, Value> = s
        .panels
        .iter()
        .map(|p| {
            let items: Vec<Value> = p
                .items
                .iter()
                .map(|i| {
                    let mut v = json!({
                        "data": i.key.text,
                        "hits": i.hits,
                        "visitors": i.visitors,
                        "bytes": i.bytes,
                    });
                    if !i.key.method.is_empty() {
                        v["method"] = json!(i.key.method);
                        v["protocol"] = json!(i.key.protocol);
                    }
                    if !i.key.status.is_empty() {
                        v["status"] = json!(i.key.status);
                    }
                    if let Some(c) = i.client {
                        v["client"] = json!(c.label());
                    }
                    v
                })
                .collect();
            (json_name(p.kind).to_owned(), json!(items))
        })
        .collect();
    json!({
        "zone": s.zone.name(),
        "requests": s.requests,
        "visitors": s.visitors,
        "bytes": s.bytes,
        "panels": panels,
    })
}

/// A panel's name in the JSON output (GoAccess's where it has the panel).
fn json_name(kind: PanelKind) -> &'static str {
    match kind {
        PanelKind::Days => "visitors",
        PanelKind::Requests => "requests",
        PanelKind::StaticFiles => "static_requests",
        PanelKind::NotFound => "not_found",
        PanelKind::Errors => "errors",
        PanelKind::Hosts => "hosts",
        PanelKind::Browsers => "browsers",
        PanelKind::Systems => "os",
        PanelKind::UserAgents => "user_agents",
        PanelKind::ReferringSites => "referring_sites",
        PanelKind::StatusCodes => "status_codes",
        PanelKind::Methods => "methods",
        PanelKind::Protocols => "protocols",
        PanelKind::Hours => "visit_time",
    }
}

fn write_text(out: &mut impl Write, s: &WebStats) -> std::io::Result<()> {
    let n = crate::detection::human_count;
    writeln!(
        out,
        "{} requests, {} visitors, {} bytes; days and hours in {}",
        n(s.requests),
        n(s.visitors),
        n(s.bytes),
        s.zone.name()
    )?;
    for p in &s.panels {
        writeln!(out, "\n{}", p.kind.title())?;
        for i in &p.items {
            let mut what = i.key.text.clone();
            if !i.key.method.is_empty() {
                what = format!("{} {what} {}", i.key.method, i.key.protocol);
            }
            if !i.key.status.is_empty() {
                what = format!("{} {what}", i.key.status);
            }
            writeln!(
                out,
                "  {:>9} hits {:>7} visitors {:>12} bytes  {}",
                n(i.hits),
                n(i.visitors),
                n(i.bytes),
                line_for_terminal(&what)
            )?;
        }
        if p.more > 0 {
            writeln!(
                out,
                "  and {} more ({} hits)",
                n(p.more as u64),
                n(p.more_hits)
            )?;
        }
    }
    Ok(())
}

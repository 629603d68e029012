//! `netsleuth inspect`: what each file holds, as text or JSON.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::{json, Value};

use crate::events::format_utc as format_time;
use crate::ingest::{read_files, FileReport, ReadOptions, ReadProgress};

/// The JSON description of one file.
pub fn file_json(f: &FileReport) -> Value {
    json!({
        "path": f.path.display().to_string(),
        "format": f.format.id(),
        "gzip": f.gzip,
        "utf16": f.utf16,
        "records": f.records,
        "events": f.events,
        "skipped": f.skips.total(),
        "skipped_by_reason": f.skips.by_kind(),
        "skipped_examples": f.skips.examples(),
        "warnings": f.warnings,
        "sources": f.sources,
        "first_event": f.first_event_us.map(format_time),
        "last_event": f.last_event_us.map(format_time),
        "fields": f.fields.iter().map(|x| x.name()).collect::<Vec<_>>(),
        "extra_columns": f.extra_columns,
        "labels": f.labels.as_ref().map(|l| json!({
            "column": l.column,
            "benign": l.benign,
            "malicious": l.malicious,
            "classes": l.classes,
        })),
    })
}

/// The field profile of one file: `{"FIELD": {"present", "distinct", "top", "min",
/// "median", "p99", "max"}}`, the numbers only for numeric fields.
pub fn profile_json(table: &crate::events::EventTable, f: &FileReport) -> Value {
    let rows: Vec<u32> = (f.rows.start as u32..f.rows.end as u32).collect();
    let mut doc = serde_json::Map::new();
    for p in crate::events::profile(table, &rows) {
        let mut v = json!({
            "present": p.present,
            "distinct": p.distinct,
            "top": p.top,
        });
        if let Some(n) = &p.numbers {
            v["min"] = json!(n.min);
            v["median"] = json!(n.median);
            v["p99"] = json!(n.p99);
            v["max"] = json!(n.max);
        }
        doc.insert(p.field, v);
    }
    Value::Object(doc)
}

fn write_text(out: &mut impl Write, f: &FileReport) -> std::io::Result<()> {
    let gz = f.encoding().map(|e| format!(", {e}")).unwrap_or_default();
    writeln!(out, "{}", f.path.display())?;
    writeln!(
        out,
        "  format      {} ({}{gz})",
        f.kind_title(),
        f.format.id()
    )?;
    writeln!(out, "  records     {}", f.records)?;
    writeln!(out, "  events      {}", f.events)?;
    for w in &f.warnings {
        writeln!(out, "  warning     {w}")?;
    }
    writeln!(out, "  skipped     {}", f.skips.total())?;
    for (kind, n) in f.skips.by_kind() {
        writeln!(out, "    {n} {kind}")?;
    }
    for ex in f.skips.examples() {
        writeln!(out, "    {}:{}: {}", f.path.display(), ex.line, ex.reason)?;
    }
    writeln!(out, "  sources     {}", f.sources)?;
    match (f.first_event_us, f.last_event_us) {
        (Some(a), Some(b)) => writeln!(
            out,
            "  time range  {} .. {}",
            format_time(a),
            format_time(b)
        )?,
        _ => writeln!(out, "  time range  none")?,
    }
    let fields: Vec<&str> = f.fields.iter().map(|x| x.name()).collect();
    writeln!(out, "  fields      {}", fields.join(", "))?;
    if !f.extra_columns.is_empty() {
        writeln!(
            out,
            "  extras      {} numeric columns",
            f.extra_columns.len()
        )?;
    }
    match &f.labels {
        Some(l) => {
            writeln!(
                out,
                "  labels      '{}': {} benign, {} malicious",
                l.column, l.benign, l.malicious
            )?;
            for (class, n) in &l.classes {
                writeln!(out, "    {n} {class}")?;
            }
        }
        None => writeln!(out, "  labels      none")?,
    }
    Ok(())
}

/// Runs `inspect` on `files`, naming on stderr what was lost. Exit 0 when all was read, 2
/// when something was lost, 1 when no event could be read.
pub fn run(files: &[PathBuf], options: &ReadOptions, json: bool) -> ExitCode {
    let inv = match read_files(files, options, &ReadProgress::default()) {
        Ok(inv) => inv,
        Err(e) => {
            say!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout().lock();
    let written = if json {
        let doc = json!({
            "files": inv.files.iter().map(|f| {
                let mut v = file_json(f);
                v["profile"] = profile_json(&inv.table, f);
                v
            }).collect::<Vec<_>>(),
            "errors": inv.failures.iter().map(|e| e.to_string()).collect::<Vec<_>>(),
        });
        writeln!(out, "{doc}")
    } else {
        let mut out = super::Terminal(&mut out);
        inv.files.iter().try_for_each(|f| write_text(&mut out, f))
    };
    if let Err(code) = super::written(written) {
        return code;
    }
    super::say_losses(&inv);
    super::read_status(&inv)
}

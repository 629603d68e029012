//! `netsleuth export-blocklist`: a blocklist (saved, a `blocklist.csv` from detect, or a plain
//! list) written as one of the export formats.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::blocklist::{
    admit, merge_edit, plan_list, read_blocklist, read_list_file, Action, Blocklist, Limits, Origin,
};
use crate::export::{render, write, Format, Options, Scope, Syntax};

/// What `export-blocklist` was asked.
pub struct ExportRequest<'a> {
    pub input: &'a Path,
    pub format: Format,
    pub out: &'a Path,
    pub scope: Scope,
    pub name: String,
    pub action: Action,
    pub duration: String,
    pub aggregate: bool,
    pub widen: bool,
    pub max_prefix: u8,
    pub max_prefix6: u8,
}

/// The most bad lines listed one by one.
const LISTED: usize = 20;

fn read_input(path: &Path) -> Result<Blocklist, String> {
    let is_saved = path.extension().is_some_and(|e| e == "json");
    if is_saved {
        return read_blocklist(path);
    }
    let read = read_list_file(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut list = Blocklist::default();
    let admitted = admit(&list, read.candidates, Origin::Import);
    let bad = read.skipped.len() + admitted.protected.len();
    let mut lines: Vec<_> = read.skipped.iter().chain(&admitted.protected).collect();
    lines.sort_by_key(|s| s.line);
    for s in lines.iter().take(LISTED) {
        if s.text.is_empty() {
            eprintln!("{}:{}: {}", path.display(), s.line, s.why);
        } else {
            eprintln!("{}:{}: {} ({})", path.display(), s.line, s.why, s.text);
        }
    }
    if bad > LISTED {
        eprintln!("{}: {} more lines left out", path.display(), bad - LISTED);
    }
    if bad > 0 {
        eprintln!("{}: {bad} lines left out, never exported", path.display());
    }
    if admitted.duplicates > 0 {
        eprintln!(
            "{}: {} repeated entries counted once",
            path.display(),
            admitted.duplicates
        );
    }
    list.entries = admitted.entries;
    if list.entries.is_empty() {
        return Err(format!("{} holds no address to export", path.display()));
    }
    Ok(list)
}

/// Prints the vendors' limits with their sources.
pub fn print_limits() {
    for l in crate::export::limits::table() {
        println!(
            "{:<24} {:<14} {}\n{:<24} {:<14} source: {}",
            l.formats, l.value, l.what, "", "", l.source
        );
    }
}

/// Runs the export; failure when nothing could be exported or written.
pub fn run(req: &ExportRequest) -> ExitCode {
    match export(req) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("netsleuth: {e}");
            ExitCode::FAILURE
        }
    }
}

fn export(req: &ExportRequest) -> Result<(), String> {
    let mut list = read_input(req.input)?;
    if req.aggregate || req.widen {
        let limits = Limits {
            v4: req.max_prefix,
            v6: req.max_prefix6,
            widen: req.widen,
        };
        let plan = plan_list(&list, limits);
        if !plan.merges.is_empty() {
            eprintln!(
                "merged {} entries into {} (never wider than /{} and /{}){}",
                plan.before,
                plan.after,
                req.max_prefix,
                req.max_prefix6,
                if plan.extra() > 0 {
                    format!(", blocking {} addresses that were not listed", plan.extra())
                } else {
                    String::new()
                }
            );
        }
        let edit = merge_edit(&list, &plan);
        list.apply(edit);
    }
    let opts = Options {
        name: req.name.clone(),
        scope: req.scope,
        syntax: Syntax::for_path(req.format, req.out),
        investigation: req
            .input
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default(),
        action: req.action,
        duration: req.duration.clone(),
        ..Options::default()
    };
    let output = render(req.format, &list.entries, &opts)?;
    for n in &output.notes {
        eprintln!("note: {n}");
    }
    let written: Vec<PathBuf> = write(req.format, &output, req.out)
        .map_err(|e| format!("cannot write {}: {e}", req.out.display()))?;
    println!(
        "{} entries exported as {} to {}",
        output.count,
        req.format.id(),
        req.out.display()
    );
    if written.len() > 1 {
        for p in written {
            println!("  {}", p.display());
        }
    }
    Ok(())
}

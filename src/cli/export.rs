//! `netsleuth export-blocklist`: a blocklist (saved, a `blocklist.csv` from detect, or a plain
//! list) written as one of the export formats.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use ipnet::IpNet;

use crate::blocklist::{
    admit, admit_saved, merge_edit, plan_list, read_blocklist, read_list_file, size, Blocklist,
    Limits, Origin, Skipped, BROAD_V4, BROAD_V6,
};
use crate::export::{render, write, Format, Options, Syntax};

/// What `export-blocklist` was asked.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The blocklist to export.
    #[arg(required_unless_present = "limits")]
    pub input: Option<PathBuf>,
    /// The format to write: aws-waf-cli, aws-waf-cloudformation, aws-waf-terraform,
    /// cloudflare-list, cloudflare-csv, cloudflare-expression, azure-waf-appgw,
    /// azure-waf-frontdoor, cloud-armor, nginx, nginx-geo, apache, ipset, nftables,
    /// modsecurity, modsecurity-file, haproxy, crowdsec, txt, csv.
    #[arg(long, value_parser = parse_export_format, required_unless_present = "limits")]
    pub format: Option<crate::export::Format>,
    /// Where to write: a file, or a folder for aws-waf-cli, ipset and modsecurity-file.
    /// The extension picks JSON, YAML or shell where a format has several.
    #[arg(long, required_unless_present = "limits")]
    pub out: Option<PathBuf>,
    /// Print the vendors' limits the exports respect, with their sources, and exit.
    #[arg(long, exclusive = true)]
    pub limits: bool,
    /// AWS WAF scope: REGIONAL or CLOUDFRONT.
    #[arg(long, default_value = "REGIONAL", value_parser = parse_scope)]
    pub scope: crate::export::Scope,
    /// Name of the sets, rules, table or policy.
    #[arg(long, default_value = "netsleuth-blocklist", value_parser = parse_name)]
    pub name: String,
    /// Export the entries with this action: block, rate-limit, challenge, monitor.
    #[arg(long, default_value = "block", value_parser = parse_action)]
    pub action: crate::blocklist::Action,
    /// CrowdSec decision duration for entries without an expiry (Go duration).
    #[arg(long, default_value = "168h", value_parser = parse_duration)]
    pub duration: String,
    /// The first rule's priority for azure-waf-* (default 1) and cloud-armor (default 1000),
    /// chosen clear of the rules the policy already holds.
    #[arg(long)]
    pub first_priority: Option<u32>,
    /// Merge covered and adjacent entries into the fewest networks first.
    #[arg(long)]
    pub aggregate: bool,
    /// Also merge entries of one --max-prefix network into their common network, blocking
    /// addresses that were not listed (the count is printed).
    #[arg(long)]
    pub widen: bool,
    /// With --widen, a merged network holds at most this many addresses per listed one;
    /// sparser groups are split until each part is dense enough.
    #[arg(long, default_value_t = crate::blocklist::DEFAULT_PER_LISTED, value_parser = clap::value_parser!(u64).range(1..))]
    pub per_listed: u64,
    /// The widest IPv4 network a merge may make.
    #[arg(long, default_value_t = crate::blocklist::DEFAULT_MAX_V4, value_parser = clap::value_parser!(u8).range(1..=32))]
    pub max_prefix: u8,
    /// The widest IPv6 network a merge may make.
    #[arg(long, default_value_t = crate::blocklist::DEFAULT_MAX_V6, value_parser = clap::value_parser!(u8).range(1..=128))]
    pub max_prefix6: u8,
    /// Export entries wider than /16 (IPv4) or /32 (IPv6), as the window asks before adding
    /// one; without it they are left out and named.
    #[arg(long)]
    pub broad: bool,
    /// Longest line of a list kept, in bytes (64 to 1 GiB); longer lines are left out and named.
    #[arg(long, default_value_t = crate::ingest::DEFAULT_MAX_LINE_BYTES as u64,
          value_parser = clap::value_parser!(u64).range(64..=1 << 30))]
    pub max_line_bytes: u64,
}

fn parse_export_format(s: &str) -> Result<crate::export::Format, String> {
    crate::export::Format::from_id(s).ok_or_else(|| {
        format!(
            "unknown export format '{s}'; formats are {}",
            crate::export::Format::ALL
                .map(crate::export::Format::id)
                .join(", ")
        )
    })
}

fn parse_name(s: &str) -> Result<String, String> {
    crate::export::check_export_name(s).map(|()| s.to_string())
}

fn parse_duration(s: &str) -> Result<String, String> {
    crate::export::check_duration(s).map(|()| s.to_string())
}

fn parse_scope(s: &str) -> Result<crate::export::Scope, String> {
    crate::export::Scope::from_name(s)
        .ok_or_else(|| format!("scope '{s}' is REGIONAL or CLOUDFRONT"))
}

fn parse_action(s: &str) -> Result<crate::blocklist::Action, String> {
    crate::blocklist::Action::from_name(s)
        .ok_or_else(|| format!("action '{s}' is block, rate-limit, challenge or monitor"))
}

/// The most bad lines listed one by one.
const LISTED: usize = 20;

/// Why `net` is left out unless `--broad` confirms it: wider than the window accepts without
/// asking.
fn too_broad(net: &IpNet) -> Option<String> {
    let broad = if net.addr().is_ipv4() {
        BROAD_V4
    } else {
        BROAD_V6
    };
    (net.prefix_len() < broad).then(|| {
        format!(
            "{net} covers {} addresses, wider than /{broad}: pass --broad to export it",
            crate::detection::human_count(size(net))
        )
    })
}

/// The list to export and how many of its lines or entries were left out (each named on
/// stderr); entries wider than /16 or /32 only with `broad`.
fn read_input(
    path: &Path,
    max_line_bytes: usize,
    broad: bool,
) -> Result<(Blocklist, usize), String> {
    let shown = super::path_for_terminal(path);
    let is_saved = path.extension().is_some_and(|e| e == "json");
    if is_saved {
        return read_saved(path, broad);
    }
    let mut read =
        read_list_file(path, max_line_bytes).map_err(|e| format!("cannot read {}: {e}", shown))?;
    let mut list = Blocklist::default();
    if !broad {
        let (kept, wide): (Vec<_>, Vec<_>) = std::mem::take(&mut read.candidates)
            .into_iter()
            .partition(|c| too_broad(&c.net).is_none());
        read.candidates = kept;
        let mut lines: std::collections::HashMap<IpNet, u64> = Default::default();
        for c in &wide {
            lines.entry(c.net).or_insert(c.line);
        }
        // What may never be blocked is said as such; the rest waits for --broad.
        let admitted = admit(&list, wide, Origin::Import);
        read.skipped.extend(admitted.protected);
        read.skipped
            .extend(admitted.entries.iter().map(|e| Skipped {
                line: lines[&e.net],
                text: String::new(),
                why: too_broad(&e.net).unwrap_or_default(),
            }));
    }
    let admitted = admit(&list, read.candidates, Origin::Import);
    let bad = read.skipped.len() + admitted.protected.len();
    let mut lines: Vec<_> = read.skipped.iter().chain(&admitted.protected).collect();
    lines.sort_by_key(|s| s.line);
    for s in lines.iter().take(LISTED) {
        if s.text.is_empty() {
            eprintln!("{}:{}: {}", shown, s.line, s.why);
        } else {
            eprintln!(
                "{}:{}: {} ({})",
                shown,
                s.line,
                s.why,
                super::for_terminal(&s.text)
            );
        }
    }
    if bad > LISTED {
        eprintln!("{}: {} more lines left out", shown, bad - LISTED);
    }
    if bad > 0 {
        eprintln!("{}: {bad} lines left out, never exported", shown);
    }
    if admitted.duplicates > 0 {
        eprintln!(
            "{}: {} repeated entries counted once",
            shown, admitted.duplicates
        );
    }
    list.entries = admitted.entries;
    if list.entries.is_empty() {
        return Err(format!("{} holds no address to export", shown));
    }
    Ok((list, bad))
}

/// A saved blocklist, its entries admitted as a plain list's lines are.
fn read_saved(path: &Path, broad: bool) -> Result<(Blocklist, usize), String> {
    let shown = super::path_for_terminal(path);
    let mut list = read_blocklist(path)?;
    let mut refused = admit_saved(&mut list);
    if !broad {
        list.entries.retain(|e| match too_broad(&e.net) {
            Some(why) => {
                refused.push(Skipped {
                    line: 0,
                    text: e.net.to_string(),
                    why,
                });
                false
            }
            None => true,
        });
    }
    for s in refused.iter().take(LISTED) {
        eprintln!("{}: {}: {}", shown, s.text, s.why);
    }
    if refused.len() > LISTED {
        eprintln!(
            "{}: {} more entries left out",
            shown,
            refused.len() - LISTED
        );
    }
    if !refused.is_empty() {
        eprintln!(
            "{}: {} entries left out, never exported",
            shown,
            refused.len()
        );
    }
    if list.entries.is_empty() {
        return Err(format!("{} holds no address to export", shown));
    }
    Ok((list, refused.len()))
}

/// Prints the vendors' limits with their sources.
fn print_limits() {
    for l in crate::export::limits::table() {
        println!(
            "{:<24} {:<14} {}\n{:<24} {:<14} source: {}",
            l.formats, l.value, l.what, "", "", l.source
        );
    }
}

/// Runs the export (or prints the limits): exit 0 when every entry was exported, 2 when some
/// were left out (each named on stderr), 1 when nothing could be exported or written.
pub fn run(args: &ExportArgs) -> ExitCode {
    let (Some(input), Some(format), Some(out)) = (&args.input, args.format, &args.out) else {
        print_limits();
        return ExitCode::SUCCESS;
    };
    match export(args, input, format, out) {
        Ok(0) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(2),
        Err(e) => {
            say!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// Exports `input`; how many of its lines or entries were left out.
fn export(req: &ExportArgs, input: &Path, format: Format, out: &Path) -> Result<usize, String> {
    let max_line_bytes = usize::try_from(req.max_line_bytes).unwrap_or(usize::MAX);
    let (mut list, left_out) = read_input(input, max_line_bytes, req.broad)?;
    if req.aggregate || req.widen {
        let limits = Limits {
            v4: req.max_prefix,
            v6: req.max_prefix6,
            widen: req.widen,
            per_listed: req.per_listed,
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
        syntax: Syntax::for_path(format, out),
        investigation: input
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default(),
        action: req.action,
        duration: req.duration.clone(),
        first_priority: req.first_priority,
        ..Options::default()
    };
    let output = render(format, &list.entries, &opts)?;
    for n in &output.notes {
        eprintln!("note: {n}");
    }
    let written: Vec<PathBuf> = write(format, &output, out).map_err(|e| {
        format!(
            "cannot write {}: {}",
            super::path_for_terminal(out),
            super::line_for_terminal(&e.to_string())
        )
    })?;
    println!(
        "{} entries exported as {} to {}",
        output.count,
        format.id(),
        super::path_for_terminal(out)
    );
    if written.len() > 1 {
        for p in written {
            println!("  {}", super::path_for_terminal(&p));
        }
    }
    Ok(left_out)
}

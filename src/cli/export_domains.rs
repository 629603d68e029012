//! `netsleuth export-domains`: a domain blocklist (saved `domains.json`, or a plain list of
//! names) written for a resolver, a hosts file or Squid.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use crate::domains::{
    admit, read_domains, read_names_file, render, write, DomainFormat, DomainList, DomainOptions,
    Origin,
};

/// What `export-domains` was asked.
#[derive(Debug, Args)]
pub struct ExportDomainsArgs {
    /// The domain blocklist: a saved domains.json, or a list of names (one per line, `#`
    /// comments, `*.name` for a name with its subdomains, hosts-file lines).
    pub input: PathBuf,
    /// The format to write: rpz, unbound, dnsmasq, hosts, squid.
    #[arg(long, value_parser = parse_domain_format)]
    pub format: DomainFormat,
    /// The file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Name of the policy zone (NAME.rpz.) or the Squid ACL.
    #[arg(long, default_value = "netsleuth-domains")]
    pub name: String,
}

fn parse_domain_format(s: &str) -> Result<DomainFormat, String> {
    DomainFormat::from_id(s).ok_or_else(|| {
        format!(
            "unknown domain export format '{s}'; formats are {}",
            DomainFormat::ALL.map(DomainFormat::id).join(", ")
        )
    })
}

/// The most bad lines listed one by one.
const LISTED: usize = 20;

fn read_input(path: &Path) -> Result<DomainList, String> {
    if path.extension().is_some_and(|e| e == "json") {
        return read_domains(path);
    }
    let read = read_names_file(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut list = DomainList::default();
    let admitted = admit(&list, read.candidates, Origin::Import);
    let mut bad: Vec<_> = read.skipped.iter().chain(&admitted.refused).collect();
    bad.sort_by_key(|s| s.line);
    for s in bad.iter().take(LISTED) {
        eprintln!(
            "{}:{}: {} ({})",
            path.display(),
            s.line,
            super::for_terminal(&s.why),
            super::for_terminal(&s.text)
        );
    }
    if bad.len() > LISTED {
        eprintln!(
            "{}: {} more lines left out",
            path.display(),
            bad.len() - LISTED
        );
    }
    if !bad.is_empty() {
        eprintln!(
            "{}: {} lines left out, never exported",
            path.display(),
            bad.len()
        );
    }
    if admitted.duplicates > 0 {
        eprintln!(
            "{}: {} repeated names counted once",
            path.display(),
            admitted.duplicates
        );
    }
    list.entries = admitted.entries;
    if list.entries.is_empty() {
        return Err(format!("{} holds no domain name to export", path.display()));
    }
    Ok(list)
}

/// Runs the export; failure when nothing could be exported or written.
pub fn run(args: &ExportDomainsArgs) -> ExitCode {
    match export(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            say!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn export(req: &ExportDomainsArgs) -> Result<(), String> {
    let list = read_input(&req.input)?;
    let opts = DomainOptions {
        name: req.name.clone(),
        investigation: req
            .input
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default(),
        ..DomainOptions::default()
    };
    let output = render(req.format, &list, &opts)?;
    for n in &output.notes {
        eprintln!("note: {}", super::for_terminal(n));
    }
    write(&output, &req.out).map_err(|e| format!("cannot write {}: {e}", req.out.display()))?;
    println!(
        "{} names exported as {} to {}",
        output.count,
        req.format.id(),
        req.out.display()
    );
    Ok(())
}

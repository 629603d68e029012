//! `netsleuth report`: the incident report of logs or of an investigation file, as one
//! self-contained HTML file or Markdown with its charts beside it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use clap::Args;

use crate::blocklist::{self, Blocklist};
use crate::detection::{detect, DetectionSettings};
use crate::evaluation::evaluate;
use crate::ingest::{read_files, ReadProgress};
use crate::investigation::Investigation;
use crate::report::{write_report, Report, ReportInput};

use super::ReadArgs;

/// What `report` was asked to do.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Log files to read, or one investigation file (.netsleuth): its logs, settings,
    /// models, notes, summary and blocklist.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Where the report goes: `.html`, or `.md` for Markdown with the charts as SVG files
    /// beside it.
    #[arg(long, default_value = "report.html")]
    out: PathBuf,
    /// The report's title (default: the investigation's name, else the files').
    #[arg(long)]
    title: Option<String>,
    /// Also PUT the report and its images into this WebDAV folder (http:// or https://),
    /// with basic auth from NETSLEUTH_PUBLISH_USER and NETSLEUTH_PUBLISH_PASSWORD.
    #[arg(long)]
    publish: Option<String>,
    #[command(flatten)]
    read: ReadArgs,
}

/// Runs `report`.
pub fn run(args: &ReportArgs) -> ExitCode {
    let case = match args.inputs.as_slice() {
        [one] if crate::investigation::is_investigation_file(one) => match Investigation::open(one)
        {
            Ok(inv) => Some(inv),
            Err(e) => {
                say!("{e}");
                return ExitCode::FAILURE;
            }
        },
        _ => None,
    };
    let mut settings = DetectionSettings {
        geo: Some(std::sync::Arc::new(crate::geo::Locator::discover(&[]))),
        ..DetectionSettings::default()
    };
    let mut files = args.inputs.clone();
    let mut annotations = BTreeMap::new();
    let mut summary = String::new();
    let mut list: Option<Blocklist> = None;
    let mut title = args.title.clone();
    if let Some(inv) = &case {
        let loaded = (|| {
            let logs = inv.files()?;
            if let Some(s) = inv.detection_settings()? {
                settings = s.apply(&settings);
            }
            if let Some(dir) = &settings.cache_dir {
                inv.restore_models(dir)?;
            }
            annotations = inv.annotations()?;
            summary = inv.summary()?;
            list = Some(inv.blocklist(&[])?.0);
            Ok::<_, crate::investigation::SaveError>(logs)
        })();
        match loaded {
            Ok(logs) => files = logs.into_iter().map(|f| f.path).collect(),
            Err(e) => {
                say!("{}: {e}", inv.path().display());
                return ExitCode::FAILURE;
            }
        }
        title.get_or_insert_with(|| inv.name());
    }
    let inv = match read_files(&files, &args.read.options(), &ReadProgress::default()) {
        Ok(inv) => inv,
        Err(e) => {
            say!("{e}");
            return ExitCode::FAILURE;
        }
    };
    for e in &inv.failures {
        say!("{e}");
    }
    if inv.table.is_empty() {
        say!("no event was read; no report written");
        return ExitCode::FAILURE;
    }
    let formats: Vec<_> = inv.files.iter().map(|f| f.format).collect();
    settings.features = settings.features.resolve(&formats);
    let Ok(d) = detect(&inv.table, &settings, &AtomicBool::new(false)) else {
        unreachable!("detection without a cancel flag always completes")
    };
    let evaluation = evaluate(&inv.table, &d);
    // Logs without an investigation: the blocklist is what detection proposes.
    let entries = match list {
        Some(l) => l.entries,
        None => blocklist::proposals(&d, &Blocklist::default())
            .iter()
            .map(|p| {
                let mut e = p.entry();
                e.files = files.iter().map(|f| f.display().to_string()).collect();
                e
            })
            .collect(),
    };
    let title = title.unwrap_or_else(|| {
        inv.files
            .iter()
            .filter_map(|f| f.path.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(", ")
    });
    let report = Report::gather(&ReportInput {
        title,
        summary,
        table: &inv.table,
        files: &inv.files,
        detection: &d,
        settings: &settings,
        evaluation: evaluation.as_ref(),
        annotations: &annotations,
        query: None,
        blocklist: &entries,
        generated_at: blocklist::now(),
    });
    match write_report(&args.out, &report) {
        Ok(written) => {
            for p in &written {
                println!("{}", super::for_terminal(&p.display().to_string()));
            }
            if let Some(url) = &args.publish {
                let credentials = crate::report::Credentials::from_env();
                match crate::report::publish(&written, url, credentials.as_ref()) {
                    Ok(urls) => {
                        for u in urls {
                            println!("published {}", super::for_terminal(&u));
                        }
                    }
                    Err(e) => {
                        say!(
                            "publishing failed, the report is kept at {}: {e}",
                            args.out.display()
                        );
                        return ExitCode::FAILURE;
                    }
                }
            }
            super::read_status(&inv)
        }
        Err(e) => {
            say!("cannot write {}: {e}", args.out.display());
            ExitCode::FAILURE
        }
    }
}

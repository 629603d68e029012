//! The command line: GUI by default, headless subcommands for scripting.

mod detect;
mod inspect;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::detection::{DetectionSettings, DetectorKind};
use crate::ingest::{ColumnMapping, Format, ReadOptions, DEFAULT_MAX_LINE_BYTES};

/// Investigate network and web traffic logs: find anomalous sources, export blocklists.
#[derive(Debug, Parser)]
#[command(name = "netsleuth", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Files to open in the GUI (the bundled sample when none is given).
    files: Vec<PathBuf>,
    /// Append one line per frame (milliseconds spent, events loaded, view) to this CSV file,
    /// for measuring how fluid the window is.
    #[arg(long, value_name = "FILE")]
    frame_log: Option<PathBuf>,
    #[command(flatten)]
    read: ReadArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read files and report format, counts, skipped rows, fields and labels.
    Inspect {
        /// Files to read (plain or gzip).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// Score every event and source; write events_scored.csv, sources.csv and blocklist.csv.
    Detect {
        /// Files to read (plain or gzip).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Directory for the CSV outputs.
        #[arg(long, default_value = "netsleuth-out")]
        out: PathBuf,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
        /// Print the time of each phase.
        #[arg(long)]
        timings: bool,
        /// Confidence (0-100) at which a source is proposed for blocking.
        #[arg(long, default_value_t = 70.0)]
        threshold: f64,
        /// Detectors to run, comma separated: forest, robust_z, burst, rules.
        #[arg(long, value_delimiter = ',', value_parser = parse_detector)]
        detectors: Option<Vec<DetectorKind>>,
        /// Business hours as START-END in whole hours, e.g. 6-22.
        #[arg(long, value_parser = parse_hours, default_value = "6-22")]
        business_hours: (u8, u8),
        /// Local time zone for business hours, hours east of UTC.
        #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
        utc_offset: i8,
        #[command(flatten)]
        read: ReadArgs,
    },
}

/// Options shared by every command that reads files.
#[derive(Debug, Clone, Args)]
pub struct ReadArgs {
    /// Read every file as this format instead of detecting it.
    #[arg(long, value_parser = parse_format)]
    format: Option<Format>,
    /// Column mapping for CSV of no known layout: field=column,field=column.
    #[arg(long, value_parser = ColumnMapping::parse)]
    map: Option<ColumnMapping>,
    /// Longest line kept, in bytes; longer lines are skipped and counted.
    #[arg(long, default_value_t = DEFAULT_MAX_LINE_BYTES)]
    max_line_bytes: usize,
}

impl ReadArgs {
    fn options(&self) -> ReadOptions {
        ReadOptions {
            format: self.format,
            mapping: self.map.clone(),
            max_line_bytes: self.max_line_bytes.max(64),
        }
    }
}

fn parse_detector(s: &str) -> Result<DetectorKind, String> {
    DetectorKind::from_name(s).ok_or_else(|| {
        format!(
            "unknown detector '{s}'; detectors are {}",
            DetectorKind::ALL.map(DetectorKind::name).join(", ")
        )
    })
}

fn parse_hours(s: &str) -> Result<(u8, u8), String> {
    let (a, b) = s
        .split_once('-')
        .ok_or_else(|| format!("'{s}' is not START-END, e.g. 6-22"))?;
    let a: u8 = a
        .trim()
        .parse()
        .map_err(|_| format!("bad start hour '{a}'"))?;
    let b: u8 = b
        .trim()
        .parse()
        .map_err(|_| format!("bad end hour '{b}'"))?;
    if a >= b || b > 24 {
        return Err(format!(
            "business hours {a}-{b} must satisfy start < end <= 24"
        ));
    }
    Ok((a, b))
}

fn parse_format(s: &str) -> Result<Format, String> {
    Format::from_id(s).ok_or_else(|| {
        format!(
            "unknown format '{s}'; formats are {}",
            Format::ALL.map(Format::id).join(", ")
        )
    })
}

/// Parses the command line and runs what it asks for.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Inspect { files, json, read }) => inspect::run(&files, &read.options(), json),
        Some(Command::Detect {
            files,
            out,
            json,
            timings,
            threshold,
            detectors,
            business_hours,
            utc_offset,
            read,
        }) => {
            let mut settings = DetectionSettings {
                auto_block: threshold,
                ..DetectionSettings::default()
            };
            if let Some(d) = detectors {
                settings.detectors = d;
            }
            settings.features.business_start_hour = business_hours.0;
            settings.features.business_end_hour = business_hours.1;
            settings.features.utc_offset_hours = utc_offset;
            let req = detect::DetectRequest {
                files: &files,
                out: &out,
                json,
                timings,
                settings,
            };
            detect::run(&req, &read.options())
        }
        None => crate::app::run(cli.files, cli.read.options(), cli.frame_log),
    }
}

//! The command line: GUI by default, headless subcommands for scripting.

mod inspect;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::ingest::{ColumnMapping, Format, ReadOptions, DEFAULT_MAX_LINE_BYTES};

/// Investigate network and web traffic logs: find anomalous sources, export blocklists.
#[derive(Debug, Parser)]
#[command(name = "netsleuth", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Files to open in the GUI (the bundled sample when none is given).
    files: Vec<PathBuf>,
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
        None => crate::app::run(cli.files, cli.read.options()),
    }
}

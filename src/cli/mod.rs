//! The command line: GUI by default, headless subcommands for scripting.

/// Prints one `netsleuth: ` message line to stderr with [`for_terminal`]'s escaping.
macro_rules! say {
    ($($t:tt)*) => {
        eprintln!("netsleuth: {}", $crate::cli::for_terminal(&format!($($t)*)))
    };
}

mod detect;
#[cfg(feature = "engine")]
mod engine;
mod export;
mod export_domains;
mod inspect;
mod query;
mod report;
mod streaming;
mod watch;
mod web;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::detection::{DetectionSettings, DetectorKind};
use crate::ingest::{
    ColumnMapping, FileReport, Format, Investigation, ReadError, ReadOptions,
    DEFAULT_MAX_LINE_BYTES,
};

/// Log text made safe for a terminal: control characters other than newline and tab, line
/// and paragraph separators and bidirectional controls (which reorder what follows them on
/// screen) are written as escapes such as `\u{202e}`.
pub fn for_terminal(s: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{2028}' | '\u{2029}')
            || crate::detection::behaviour::is_bidi_control(c)
    };
    if !s.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_char(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A path made safe for a terminal and for one line of a report: as [`for_terminal`], with
/// newlines and tabs escaped too, so that a file name cannot forge report lines.
pub fn path_for_terminal(path: &std::path::Path) -> String {
    line_for_terminal(&path.display().to_string())
}

/// Text made safe for one line of a terminal or report, newlines and tabs escaped too.
pub fn line_for_terminal(shown: &str) -> String {
    let mut out = String::with_capacity(shown.len());
    for c in for_terminal(shown).chars() {
        if matches!(c, '\n' | '\t') {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// Standard output for text made of log values: everything written passes [`for_terminal`].
/// Written through `write!`, whose pieces are whole strings.
struct Terminal<W>(W);

impl<W: std::io::Write> std::io::Write for Terminal<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(for_terminal(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Exit status of a command that read files and produced its output: 0 when every file was
/// read whole, 2 when something was lost on the way (a file unreadable, rows skipped, the
/// tail of a damaged file), 1 when no event could be read at all. A file given twice and
/// read once loses nothing.
fn read_status(inv: &Investigation) -> ExitCode {
    if inv.table.is_empty() {
        return ExitCode::FAILURE;
    }
    loss_status(&inv.files, &inv.failures)
}

/// 2 when a file or some rows of one were lost, else success.
fn loss_status(files: &[FileReport], failures: &[ReadError]) -> ExitCode {
    let lost_file = failures
        .iter()
        .any(|e| !matches!(e, ReadError::Repeated { .. }));
    if lost_file || files.iter().any(|f| f.skips.total() > 0) {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

/// Whether the output was written: a write error other than a closed pipe (`| head`) is said;
/// either fails the command.
fn written(result: std::io::Result<()>) -> Result<(), ExitCode> {
    result.map_err(|e| {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            say!("{e}");
        }
        ExitCode::FAILURE
    })
}

/// Names on stderr what reading lost: files that could not be read, each file's warnings, and
/// for each file with skipped rows how many, why, and the first one's line.
fn say_losses(inv: &Investigation) {
    say_losses_of(&inv.files, &inv.failures);
}

/// Says which files could not be read, their warnings and the rows skipped in each.
fn say_losses_of(files: &[FileReport], failures: &[ReadError]) {
    for e in failures {
        say!("{e}");
    }
    for f in files {
        for w in &f.warnings {
            say!("{}: {w}", path_for_terminal(&f.path));
        }
    }
    for f in files.iter().filter(|f| f.skips.total() > 0) {
        let kinds: Vec<String> = f
            .skips
            .by_kind()
            .iter()
            .map(|(k, n)| format!("{} {k}", crate::detection::human_count(*n)))
            .collect();
        let first = f
            .skips
            .examples()
            .first()
            .map(|e| format!("; first at line {}: {}", e.line, e.reason))
            .unwrap_or_default();
        say!(
            "{}: {} of {} rows skipped ({}){first}",
            path_for_terminal(&f.path),
            crate::detection::human_count(f.skips.total()),
            crate::detection::human_count(f.records),
            kinds.join(", ")
        );
    }
}

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
    /// Judge the files (or folders) where they are with a query engine rather than reading
    /// them into the window: `embedded` or `ballista://HOST:PORT`.
    #[cfg(feature = "engine")]
    #[arg(long, value_name = "WHERE", value_parser = crate::engine::Engine::parse)]
    engine: Option<crate::engine::Engine>,
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
        /// Print one JSON object instead of text (with --query, one JSON line per event).
        #[arg(long)]
        json: bool,
        /// Print only the events this query matches (see the README's "Query language"),
        /// e.g. 'source_ip in 10.0.0.0/8 and detail ~ "wget|curl"'.
        #[arg(long, value_name = "QUERY")]
        query: Option<String>,
        /// With --query, print the matching events as CSV.
        #[arg(long, requires = "query", conflicts_with = "json")]
        csv: bool,
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
        #[arg(long, default_value_t = 70.0, allow_negative_numbers = true,
              value_parser = parse_threshold)]
        threshold: f64,
        /// Detectors to run, comma separated: forest, robust_z, burst, rules (the default),
        /// and the families ecod, hbos, dbscan, lof, ocsvm, autoencoder.
        #[arg(long, value_delimiter = ',', value_parser = parse_detector)]
        detectors: Option<Vec<DetectorKind>>,
        /// Business hours as START-END in whole hours (e.g. 6-22), `off`, or `auto`: 6-22
        /// except for honeypot and web access logs, where the time of day means nothing.
        #[arg(long, value_parser = parse_hours, default_value = "auto")]
        business_hours: BusinessHours,
        /// Working days, e.g. mon-fri or mon,tue,sat; other days are outside business time.
        #[arg(long, value_parser = parse_days, default_value = "mon-fri")]
        work_days: u8,
        /// The analyst's own networks, comma separated CIDRs: their hosts are isolated,
        /// never blocked (private ranges always count as internal).
        #[arg(long, value_delimiter = ',')]
        home: Vec<ipnet::IpNet>,
        /// IP reputation lists (plain, CSV, FireHOL .netset/.ipset, Spamhaus DROP), as files
        /// or folders; repeat or separate with commas.
        #[arg(long, value_delimiter = ',')]
        intel: Vec<PathBuf>,
        /// Local time zone for business hours, hours east of UTC.
        #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
        utc_offset: i8,
        /// GeoIP or ASN databases (MaxMind DB files), comma separated, consulted before those
        /// in NETSLEUTH_GEOIP (separated like PATH), the standard places and the bundled
        /// country database and AS table.
        #[arg(long, value_delimiter = ',')]
        geoip: Vec<PathBuf>,
        /// Leave sources unlocated: no GeoIP or AS lookup at all.
        #[arg(long, conflicts_with = "geoip")]
        no_geoip: bool,
        /// Judge the sources in two passes over shards on disk, for logs larger than memory
        /// (chosen by itself when the input will not fit): writes sources.csv and
        /// blocklist.csv, not events_scored.csv.
        #[arg(long)]
        streaming: bool,
        /// With --streaming, the number of shards (default: one per 256 MB of input).
        #[arg(long, requires = "streaming", value_parser = clap::value_parser!(u16).range(1..))]
        shards: Option<u16>,
        /// Where the streaming shards are written (default: the system's temporary folder).
        #[arg(long)]
        spill_dir: Option<PathBuf>,
        /// Judge the sources with a query engine where the data lives: `embedded`
        /// (DataFusion in this process) or `ballista://HOST:PORT` (a cluster started with
        /// `netsleuth cluster`); writes sources.csv and blocklist.csv.
        #[cfg(feature = "engine")]
        #[arg(long, conflicts_with = "streaming", value_parser = crate::engine::Engine::parse)]
        engine: Option<crate::engine::Engine>,
        /// With --engine, the partitions the events are shuffled into (default: one per
        /// core embedded, eight on a cluster).
        #[cfg(feature = "engine")]
        #[arg(long, requires = "engine", value_parser = clap::value_parser!(u16).range(1..))]
        partitions: Option<u16>,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// Write a blocklist as WAF or firewall rules: INPUT is a saved blocklist (.json), a
    /// blocklist.csv from detect, or a plain list (one address or CIDR per line).
    ExportBlocklist(export::ExportArgs),
    /// Write a domain blocklist for a resolver (rpz, unbound, dnsmasq), a hosts file or
    /// Squid: INPUT is a saved domains.json or a list of names (one per line).
    ExportDomains(export_domains::ExportDomainsArgs),
    /// Write the incident report of logs or of an investigation file (.netsleuth): one
    /// self-contained HTML file, or Markdown with its charts beside it.
    Report(report::ReportArgs),
    /// Follow live sources (files, folders, syslog) and judge them as they arrive, without a
    /// display: alerts as JSON lines, webhooks, and an optional automated response.
    Watch(watch::WatchArgs),
    /// An access log's web analytics as GoAccess counts them: requests and visitors per day,
    /// URLs, 404s and other errors, clients, browsers and tools, referrers, status codes.
    Web(web::WebArgs),
    /// Run a Ballista cluster's scheduler or executor that knows netsleuth's plan, for
    /// `detect --engine ballista://HOST:PORT`.
    #[cfg(feature = "engine")]
    #[command(subcommand)]
    Cluster(engine::ClusterCommand),
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
    /// Longest line kept, in bytes (64 to 1 GiB); longer lines are skipped and counted.
    #[arg(long, default_value_t = DEFAULT_MAX_LINE_BYTES as u64,
          value_parser = clap::value_parser!(u64).range(64..=1 << 30))]
    max_line_bytes: u64,
    /// Read every file as an access log of this layout: an nginx log_format
    /// ('$remote_addr - $remote_user [$time_local] "$request" ...') or an Apache LogFormat
    /// ('%h %l %u %t "%r" %>s %b ...'); `combined`, `common`, `vhost_combined` name theirs.
    #[arg(long, value_name = "FORMAT", value_parser = netsleuth_log_format)]
    log_format: Option<crate::ingest::LogFormat>,
}

fn netsleuth_log_format(s: &str) -> Result<crate::ingest::LogFormat, String> {
    crate::ingest::LogFormat::parse(s)
}

impl ReadArgs {
    fn options(&self) -> ReadOptions {
        ReadOptions {
            format: self.format,
            mapping: self.map.clone(),
            max_line_bytes: usize::try_from(self.max_line_bytes).unwrap_or(usize::MAX),
            log_format: self.log_format.clone().map(std::sync::Arc::new),
        }
    }
}

fn parse_threshold(s: &str) -> Result<f64, String> {
    s.trim()
        .parse::<f64>()
        .ok()
        .filter(|t| (0.0..=100.0).contains(t))
        .ok_or_else(|| format!("threshold '{s}' is a confidence from 0 to 100"))
}

fn parse_detector(s: &str) -> Result<DetectorKind, String> {
    DetectorKind::from_name(s).ok_or_else(|| {
        format!(
            "unknown detector '{s}'; detectors are {}",
            DetectorKind::ALL.map(DetectorKind::name).join(", ")
        )
    })
}

/// Parses day names: `mon-fri`, `mon,wed,sat`, `sun-thu` (wrapping), into bits from Monday.
fn parse_days(s: &str) -> Result<u8, String> {
    const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let day = |d: &str| {
        let d = d.trim().to_ascii_lowercase();
        DAYS.iter()
            .position(|&x| d.starts_with(x))
            .ok_or_else(|| format!("unknown day '{d}'; days are mon, tue, ... sun"))
    };
    let mut mask = 0u8;
    for part in s.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (mut i, b) = (day(a)?, day(b)?);
                loop {
                    mask |= 1 << i;
                    if i == b {
                        break;
                    }
                    i = (i + 1) % 7;
                }
            }
            None => mask |= 1 << day(part)?,
        }
    }
    Ok(mask)
}

/// Business hours as given on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BusinessHours {
    /// Decided from the formats.
    Auto,
    /// Not used.
    Off,
    /// From the first hour to the end hour.
    Hours(u8, u8),
}

/// Parses business hours: `auto`, `off` or START-END.
fn parse_hours(s: &str) -> Result<BusinessHours, String> {
    match s.trim() {
        "auto" => return Ok(BusinessHours::Auto),
        "off" => return Ok(BusinessHours::Off),
        _ => {}
    }
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
    Ok(BusinessHours::Hours(a, b))
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
    // Usage errors exit 64 (sysexits' EX_USAGE), apart from 2, which says input was lost.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 64 } else { 0 });
        }
    };
    match cli.command {
        Some(Command::Inspect {
            files,
            json,
            query: Some(q),
            csv,
            read,
        }) => {
            let output = match (json, csv) {
                (true, _) => query::Output::JsonLines,
                (_, true) => query::Output::Csv,
                _ => query::Output::Text,
            };
            query::run(&files, &read.options(), &q, output)
        }
        Some(Command::Inspect {
            files, json, read, ..
        }) => inspect::run(&files, &read.options(), json),
        Some(Command::Detect {
            files,
            out,
            json,
            timings,
            threshold,
            detectors,
            business_hours,
            work_days,
            home,
            intel,
            utc_offset,
            geoip,
            no_geoip,
            streaming,
            shards,
            spill_dir,
            #[cfg(feature = "engine")]
            engine,
            #[cfg(feature = "engine")]
            partitions,
            read,
        }) => {
            let mut settings = DetectionSettings {
                auto_block: threshold,
                ..DetectionSettings::default()
            };
            if let Some(d) = detectors {
                settings.detectors = d;
            }
            match business_hours {
                BusinessHours::Off => settings.features.business_hours = Some(false),
                BusinessHours::Hours(a, b) => {
                    settings.features.business_hours = Some(true);
                    settings.features.business_start_hour = a;
                    settings.features.business_end_hour = b;
                }
                BusinessHours::Auto => {}
            }
            settings.features.work_days = work_days;
            settings.features.utc_offset_hours = utc_offset;
            settings.home = home;
            if !intel.is_empty() {
                let (lists, errors) = crate::detection::behaviour::ThreatLists::load(
                    &intel,
                    read.options().max_line_bytes,
                );
                for e in &errors {
                    say!("threat list {e}");
                }
                if lists.is_empty() {
                    say!("no threat list could be read");
                    return ExitCode::FAILURE;
                }
                settings.intel = Some(std::sync::Arc::new(lists));
            }
            if no_geoip {
                say!(
                    "GeoIP off (--no-geoip): sources are not placed and their AS is not looked up"
                );
            } else {
                let locator = crate::geo::Locator::discover(&geoip);
                for p in locator.problems() {
                    say!("GeoIP database {p}");
                }
                settings.geo = Some(std::sync::Arc::new(locator));
            }
            let req = detect::DetectRequest {
                files: &files,
                out: &out,
                json,
                timings,
                settings,
            };
            let mut streamed = crate::streaming::StreamingSettings {
                shards: shards.map(usize::from),
                ..Default::default()
            };
            if let Some(dir) = spill_dir {
                streamed.dir = dir;
            }
            #[cfg(feature = "engine")]
            if let Some(engine) = engine {
                let settings = crate::engine::EngineSettings {
                    engine,
                    partitions: partitions.map(usize::from),
                };
                return self::engine::run(&req, &read.options(), &settings);
            }
            let bytes: u64 = files
                .iter()
                .filter_map(|f| std::fs::metadata(f).ok())
                .map(|m| m.len())
                .sum();
            if !streaming && crate::streaming::too_large_for_memory(bytes) {
                say!(
                    "{} of input will not fit in the memory available: judging the sources in \
                     two passes over shards in {} (--streaming)",
                    crate::detection::human_bytes(bytes as f64),
                    streamed.dir.display()
                );
                return streaming::run(&req, &read.options(), &streamed);
            }
            if streaming {
                return streaming::run(&req, &read.options(), &streamed);
            }
            detect::run(&req, &read.options())
        }
        Some(Command::ExportBlocklist(args)) => export::run(&args),
        Some(Command::ExportDomains(args)) => export_domains::run(&args),
        Some(Command::Report(args)) => report::run(&args),
        Some(Command::Watch(args)) => watch::run(&args),
        Some(Command::Web(args)) => web::run(&args),
        #[cfg(feature = "engine")]
        Some(Command::Cluster(command)) => engine::cluster(&command),
        None => crate::app::run(
            cli.files,
            cli.read.options(),
            cli.frame_log,
            #[cfg(feature = "engine")]
            cli.engine,
        ),
    }
}

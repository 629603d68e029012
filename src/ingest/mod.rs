//! Reading log files of every supported format into the unified [`EventTable`].
//!
//! Files are streamed: only the current line or row is held in memory, never the whole file.
//! Gzip is detected from magic bytes and decompressed on the fly. Rows that cannot be used are
//! skipped, counted per reason, and the first few reported as `file:line: reason`.

mod columns;
mod csv_text;
mod format;
mod formats;
mod input;
mod json_array;
mod ocsf;
mod parquet;
mod skips;
mod sniff;
pub mod values;
mod zeek_links;

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

pub use columns::{ColumnMapping, KDD_COLUMNS};
pub use format::Format;
pub use formats::log_format::LogFormat;
pub use input::{original_line, Line, LineReader, TextOnly};
pub use skips::{SkipExample, SkipLog};
pub use sniff::{sniff, SniffError, Sniffed};

use crate::events::{EventDraft, EventTable, FieldSet, FileId, Verdict};

/// Lines longer than this are skipped as "line too long" instead of being buffered.
pub const DEFAULT_MAX_LINE_BYTES: usize = 1024 * 1024;

/// How to read files.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Force this format instead of detecting it.
    pub format: Option<Format>,
    /// Column mapping for CSV files of no known layout (`--map`).
    pub mapping: Option<ColumnMapping>,
    /// Longest line kept, in bytes.
    pub max_line_bytes: usize,
    /// Read every file as an access log of this layout (`--log-format`).
    pub log_format: Option<Arc<LogFormat>>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            format: None,
            mapping: None,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            log_format: None,
        }
    }
}

/// Shared progress counters and cancel flag for a read running on another thread.
#[derive(Debug, Clone, Default)]
pub struct ReadProgress {
    /// Raw bytes read so far, across files.
    pub bytes_read: Arc<AtomicU64>,
    /// Set to stop reading as soon as possible.
    pub cancel: Arc<AtomicBool>,
}

/// Why a file could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ReadError {
    /// The file could not be opened or read.
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's message.
        message: String,
    },
    /// The format could not be determined, or the forced one did not fit.
    Format {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        problem: SniffError,
    },
    /// The column mapping did not fit the file.
    Mapping {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        message: String,
    },
    /// The file was given again (under its own or another name) and read only once.
    Repeated {
        /// The path given again.
        path: PathBuf,
        /// The path it was read under.
        first: PathBuf,
    },
    /// The read was cancelled.
    Cancelled,
    /// The reader failed on an internal error (a panic caught at its thread's boundary);
    /// holds the message for the analyst.
    Internal(String),
}

impl ReadError {
    /// The file it is about, if one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            ReadError::Io { path, .. }
            | ReadError::Format { path, .. }
            | ReadError::Mapping { path, .. } => Some(path),
            ReadError::Repeated { .. } | ReadError::Cancelled | ReadError::Internal(_) => None,
        }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io { path, message } => {
                write!(f, "{}: cannot read: {message}", path.display())
            }
            ReadError::Format { path, problem } => {
                let p = path.display();
                match problem {
                    SniffError::Empty => write!(f, "{p}: the file is empty"),
                    SniffError::Blank => write!(f, "{p}: the file holds only blank lines"),
                    SniffError::Binary(at) => write!(
                        f,
                        "{p}: binary data at byte {at}, not a text log (compressed files must be gzip)"
                    ),
                    SniffError::Compressed(kind) => write!(
                        f,
                        "{p}: {kind}-compressed; netsleuth reads plain text and gzip, so decompress it first"
                    ),
                    SniffError::Archive(kind) => write!(
                        f,
                        "{p}: a {kind} archive (several files in one); netsleuth reads each log \
                         as a file of its own, so extract it first and open the logs"
                    ),
                    SniffError::Unrecognised(why) => write!(
                        f,
                        "{p}: format not recognised: {why}. Tried: {}. Use --format to choose one",
                        Format::ALL.map(Format::id).join(", ")
                    ),
                }
            }
            ReadError::Mapping { path, message } => write!(f, "{}: {message}", path.display()),
            ReadError::Repeated { path, first } => write!(
                f,
                "{}: the same file as {}, read once so that no event counts twice",
                path.display(),
                first.display()
            ),
            ReadError::Cancelled => write!(f, "cancelled"),
            ReadError::Internal(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for ReadError {}

/// Counts of ground-truth labels in a file.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LabelCounts {
    /// The column the labels came from.
    pub column: String,
    /// Events labelled benign.
    pub benign: u64,
    /// Events labelled malicious.
    pub malicious: u64,
    /// Events per original class name.
    pub classes: BTreeMap<String, u64>,
}

/// What reading one file produced.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FileReport {
    /// The file.
    pub path: PathBuf,
    /// The format it was read as.
    pub format: Format,
    /// Whether it was gzip-compressed.
    pub gzip: bool,
    /// Whether it was UTF-16 text, read as UTF-8.
    pub utf16: bool,
    /// Data records seen (events + skipped); headers, comments and blank lines excluded.
    pub records: u64,
    /// Events kept.
    pub events: u64,
    /// Skipped records with reasons.
    pub skips: SkipLog,
    /// Schema fields the file provided.
    pub fields: FieldSet,
    /// Names of its extra numeric columns.
    pub extra_columns: Vec<String>,
    /// Ground-truth label counts, when the file has labels.
    pub labels: Option<LabelCounts>,
    /// What the analyst should know about how it was read (a repeated column name, a gzip
    /// that inflates far beyond its size).
    pub warnings: Vec<String>,
    /// Its rows in the event table.
    pub rows: Range<usize>,
    /// The Zeek log it is when not a conn.log (`dns`, `http`, `ssl`...): its rows name their
    /// connection (`conn_uid`) and join that connection's row when its conn.log is read too.
    pub zeek_log: Option<String>,
    /// Distinct source addresses.
    pub sources: usize,
    /// Earliest event time, microseconds since the epoch.
    pub first_event_us: Option<i64>,
    /// Latest event time, microseconds since the epoch.
    pub last_event_us: Option<i64>,
    /// The offset from UTC, in seconds east, every event's time was written with, when the
    /// format writes one and all agree (an access log's `+0100`): the log's own clock.
    pub written_offset: Option<i32>,
}

/// What a reader produced into a table of its own, to be appended in file order.
pub(crate) struct Partial {
    table: EventTable,
    records: u64,
    events: u64,
    skips: SkipLog,
    fields: FieldSet,
    labels: LabelCounts,
}

/// Where a reader's rows go when they are not kept in its table: the streaming path's shards
/// (see [`read_file_spilling`]).
pub trait Spill {
    /// Takes every row of `table`, which the reader then empties.
    fn take(&mut self, table: &EventTable) -> std::io::Result<()>;

    /// The distinct sources and the first and last event times of the rows taken since the
    /// last call (one file's), for its report.
    fn file_summary(&mut self) -> (usize, Option<i64>, Option<i64>);
}

/// Rows a spilling reader holds before handing them on.
const SPILL_ROWS: usize = 1 << 16;

/// Receives rows from a format reader and appends them to the table.
pub(crate) struct Sink<'a> {
    table: &'a mut EventTable,
    spill: Option<&'a mut dyn Spill>,
    spilled: usize,
    pub(crate) draft: EventDraft,
    file: FileId,
    records: u64,
    events: u64,
    skips: SkipLog,
    fields: FieldSet,
    label_column: Option<String>,
    labels: LabelCounts,
    warnings: Vec<String>,
    offsets: WrittenOffsets,
    zeek_log: Option<String>,
    cancel: &'a AtomicBool,
}

/// The UTC offsets a file's times were written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WrittenOffsets {
    None,
    One(i32),
    Mixed,
}

impl<'a> Sink<'a> {
    fn new(table: &'a mut EventTable, file: FileId, cancel: &'a AtomicBool) -> Self {
        Sink {
            table,
            spill: None,
            spilled: 0,
            draft: EventDraft::default(),
            file,
            records: 0,
            events: 0,
            skips: SkipLog::default(),
            fields: FieldSet::default(),
            label_column: None,
            labels: LabelCounts::default(),
            warnings: Vec::new(),
            offsets: WrittenOffsets::None,
            zeek_log: None,
            cancel,
        }
    }

    /// Runs `fill` on a fresh sink over a table of its own whose extra columns are `extras`
    /// (the main table's, in order), so that parts of a file can be parsed in parallel;
    /// [`Sink::absorb`] appends the result.
    pub(crate) fn detached<E>(
        file: FileId,
        cancel: &AtomicBool,
        extras: &[String],
        fill: impl FnOnce(&mut Sink<'_>) -> Result<(), E>,
    ) -> Result<Partial, E> {
        // Extra columns keep the main table's indices, which column plans refer to.
        let mut table = EventTable::default();
        for name in extras {
            table.extra_index(name);
        }
        let mut sink = Sink::new(&mut table, file, cancel);
        fill(&mut sink)?;
        let Sink {
            records,
            events,
            skips,
            fields,
            labels,
            ..
        } = sink;
        Ok(Partial {
            table,
            records,
            events,
            skips,
            fields,
            labels,
        })
    }

    /// Hands the table's rows to the spill, if any, once it holds `at_least` rows.
    fn spill_rows(&mut self, at_least: usize) -> Result<(), ReadError> {
        if let Some(spill) = self.spill.as_deref_mut() {
            if self.table.len() >= at_least.max(1) {
                spill.take(self.table).map_err(|e| ReadError::Io {
                    path: std::path::PathBuf::from("(streaming shards)"),
                    message: e.to_string(),
                })?;
                self.spilled += self.table.len();
                self.table.clear_rows();
            }
        }
        Ok(())
    }

    /// Appends what a detached sink produced.
    pub(crate) fn absorb(&mut self, p: Partial) -> Result<(), ReadError> {
        self.table.append(&p.table);
        self.records += p.records;
        self.events += p.events;
        self.skips.merge(p.skips);
        self.fields = self.fields.union(p.fields);
        self.labels.benign += p.labels.benign;
        self.labels.malicious += p.labels.malicious;
        for (class, n) in p.labels.classes {
            *self.labels.classes.entry(class).or_default() += n;
        }
        self.spill_rows(SPILL_ROWS)
    }

    /// The file being read.
    pub(crate) fn file(&self) -> FileId {
        self.file
    }

    /// The cancel flag.
    pub(crate) fn cancel_flag(&self) -> &'a AtomicBool {
        self.cancel
    }

    /// The table (for registering extra columns) and the draft, borrowed together.
    pub(crate) fn parts(&mut self) -> (&mut EventTable, &mut EventDraft) {
        (self.table, &mut self.draft)
    }

    /// Notes the UTC offset (seconds east) the current event's time was written with.
    pub(crate) fn note_offset(&mut self, seconds: i32) {
        self.offsets = match self.offsets {
            WrittenOffsets::None => WrittenOffsets::One(seconds),
            WrittenOffsets::One(s) if s == seconds => WrittenOffsets::One(s),
            _ => WrittenOffsets::Mixed,
        };
    }

    /// Adds a warning for the file's report, once.
    /// Marks the file as one of Zeek's protocol logs (`dns`, `http`...), whose rows join their
    /// connection's conn.log row when both are read.
    pub(crate) fn set_zeek_log(&mut self, path: &str) {
        self.zeek_log = Some(path.to_owned());
    }

    pub(crate) fn warn(&mut self, warning: String) {
        if !self.warnings.contains(&warning) {
            self.warnings.push(warning);
        }
    }

    /// Takes up a column plan: its label column and its warnings.
    pub(crate) fn adopt(&mut self, plan: &columns::ColumnPlan) {
        self.label_column = plan.label_column().map(str::to_string);
        for w in plan.warnings() {
            if !self.warnings.contains(w) {
                self.warnings.push(w.clone());
            }
        }
    }

    /// Appends the draft as an event read at `line`, then clears it; a draft with an
    /// impossible value (see [`implausible`]) is skipped with the reason instead.
    pub(crate) fn emit(&mut self, line: u64) -> Result<(), ReadError> {
        if let Some((kind, detail)) = implausible(&self.draft) {
            return self.skip(line, kind, || detail);
        }
        // `0.0.0.0` and `::` name no host (a DHCP client before it has an address): the event
        // is kept, without a source to rank or block.
        if self.draft.source_ip.is_some_and(|ip| ip.is_unspecified()) {
            self.draft.source_ip = None;
        }
        self.fields = self
            .fields
            .union(self.table.push(self.file, line, &self.draft));
        if let Some(v) = self.draft.label {
            match v {
                Verdict::Benign => self.labels.benign += 1,
                Verdict::Malicious => self.labels.malicious += 1,
            }
            let class = self.draft.label_class.as_str();
            match self.labels.classes.get_mut(class) {
                Some(n) => *n += 1,
                None => {
                    self.labels.classes.insert(class.to_string(), 1);
                }
            }
        }
        self.draft.clear();
        self.events += 1;
        self.spill_rows(SPILL_ROWS)?;
        self.count_record()
    }

    /// Records that the row at `line` was skipped, then clears the draft.
    pub(crate) fn skip(
        &mut self,
        line: u64,
        kind: &'static str,
        detail: impl FnOnce() -> String,
    ) -> Result<(), ReadError> {
        self.skips.record(line, kind, detail);
        self.draft.clear();
        self.count_record()
    }

    /// Records a read error that ended the file early at `line`.
    pub(crate) fn stream_error(&mut self, line: u64, err: &std::io::Error) {
        self.skips
            .record(line, "read error, rest of file lost", || err.to_string());
        self.records += 1;
    }

    fn count_record(&mut self) -> Result<(), ReadError> {
        self.records += 1;
        if self.records.is_multiple_of(4096) && self.cancel.load(Ordering::Relaxed) {
            return Err(ReadError::Cancelled);
        }
        Ok(())
    }
}

/// The largest byte or packet count one event may carry (a petabyte).
const MAX_COUNT: f64 = 1e15;

/// The longest duration one event may have: ten years, in seconds.
const MAX_DURATION_S: f64 = 10.0 * 366.0 * 86_400.0;

/// Event times are kept from 1970-01-01 to 2100-01-01 (UTC, microseconds).
const TIME_RANGE_US: std::ops::Range<i64> = 0..4_102_444_800_000_000;

/// Why an event cannot be true, if it cannot: a count or duration that is not a finite
/// number from 0 to its bound (`inf`, `-5`, `1e308`), or a time outside 1970-2099. Such
/// values would otherwise dominate every statistic of the file.
pub fn implausible(d: &EventDraft) -> Option<(&'static str, String)> {
    let counts = [
        ("bytes sent", d.bytes_sent),
        ("bytes received", d.bytes_received),
        ("packets sent", d.packets_sent),
        ("packets received", d.packets_received),
    ];
    for (what, v) in counts {
        if let Some(v) = v.filter(|v| !(0.0..=MAX_COUNT).contains(v)) {
            return Some((
                "impossible count",
                format!("{what} = {v} (a count runs from 0 to 10^15)"),
            ));
        }
    }
    if let Some(v) = d.duration_s.filter(|v| !(0.0..=MAX_DURATION_S).contains(v)) {
        return Some((
            "impossible duration",
            format!("{v} s (a duration runs from 0 to ten years)"),
        ));
    }
    for us in [d.time_us, d.end_time_us].into_iter().flatten() {
        if !TIME_RANGE_US.contains(&us) {
            return Some((
                "timestamp out of range",
                format!("{} is outside 1970-2099", crate::events::format_utc(us)),
            ));
        }
    }
    None
}

/// Reads one file into `table` as file number `file`.
pub fn read_file(
    path: &Path,
    file: FileId,
    table: &mut EventTable,
    options: &ReadOptions,
    progress: &ReadProgress,
) -> Result<FileReport, ReadError> {
    read_file_into(path, file, table, options, progress, None)
}

/// Reads one file as [`read_file`] does, handing its rows to `spill` as they come instead of
/// keeping them: `table` only ever holds a few tens of thousands of rows and ends empty but
/// for its extra columns' names. The report's rows are the file's positions in the whole
/// read, from `first_row`.
pub fn read_file_spilling(
    path: &Path,
    file: FileId,
    table: &mut EventTable,
    options: &ReadOptions,
    progress: &ReadProgress,
    spill: &mut dyn Spill,
    first_row: usize,
) -> Result<FileReport, ReadError> {
    let mut report = read_file_into(path, file, table, options, progress, Some(spill))?;
    report.rows = first_row..first_row + report.rows.len();
    Ok(report)
}

/// The format a file whose first bytes are `head` is read as: the one forced, or the one
/// sniffed.
fn choose_format(head: &[u8], options: &ReadOptions) -> Result<Sniffed, SniffError> {
    // A log format given reads every file as an access log of that layout.
    let forced = match options.log_format {
        Some(_) => Some(Format::AccessLog),
        None => options.format,
    };
    let sniffed = match sniff(head) {
        Ok(s) => s,
        Err(
            e @ (SniffError::Empty
            | SniffError::Binary(_)
            | SniffError::Compressed(_)
            | SniffError::Archive(_)),
        ) => return Err(e),
        Err(e) if forced.is_none() => return Err(e),
        Err(_) => Sniffed {
            format: Format::MappedCsv,
            delimiter: b',',
        },
    };
    Ok(match forced {
        Some(f) if f != sniffed.format => Sniffed {
            format: f,
            delimiter: formats::default_delimiter(f, sniffed.delimiter),
        },
        _ => sniffed,
    })
}

/// The format `path` would be read as, from its first bytes alone (decompressed, decoded):
/// what a run needs to know of its files before reading them.
pub fn format_of(path: &Path, options: &ReadOptions) -> Result<Format, ReadError> {
    let input = input::open(path, Arc::default()).map_err(|e| ReadError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    choose_format(&input.head, options)
        .map(|s| s.format)
        .map_err(|problem| ReadError::Format {
            path: path.to_path_buf(),
            problem,
        })
}

fn read_file_into(
    path: &Path,
    file: FileId,
    table: &mut EventTable,
    options: &ReadOptions,
    progress: &ReadProgress,
    mut spill: Option<&mut dyn Spill>,
) -> Result<FileReport, ReadError> {
    let io_err = |e: std::io::Error| ReadError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let input = input::open(path, progress.bytes_read.clone()).map_err(io_err)?;
    let format_err = |problem| ReadError::Format {
        path: path.to_path_buf(),
        problem,
    };
    let sniffed = choose_format(&input.head, options).map_err(format_err)?;
    let start = table.len();
    let (gzip, utf16, json_array, parquet, ocsf) = (
        input.gzip,
        input.utf16,
        input.json_array,
        input.parquet,
        input.ocsf,
    );
    let (decoded, raw) = (input.decoded.clone(), input.raw.clone());
    let mut sink = Sink::new(table, file, &progress.cancel);
    sink.spill = spill.as_deref_mut().map(|s| s as &mut dyn Spill);
    formats::read(sniffed, input.reader, &mut sink, options).map_err(|e| match e {
        formats::FormatError::Cancelled => ReadError::Cancelled,
        formats::FormatError::Mapping(message) => ReadError::Mapping {
            path: path.to_path_buf(),
            message,
        },
        formats::FormatError::Unrecognised(why) => format_err(SniffError::Unrecognised(why)),
    })?;
    sink.spill_rows(1)?;
    let spilled = sink.spilled;
    let Sink {
        records,
        events,
        skips,
        fields,
        label_column,
        mut labels,
        mut warnings,
        offsets,
        zeek_log,
        ..
    } = sink;
    if let Some(w) = inflation_warning(decoded.load(Ordering::Relaxed), raw.load(Ordering::Relaxed))
    {
        warnings.push(w);
    }
    if ocsf {
        warnings.push(
            "OCSF records, read by their flattened paths (src_endpoint.ip, traffic.bytes_out, \
             ...): the columns are those of the first records"
                .into(),
        );
    }
    if parquet {
        warnings.push(
            "a Parquet file, read row by row under its column paths (nested fields as \
             `parent.child`): the line numbers given for skipped rows count rows from 2"
                .into(),
        );
    }
    if json_array {
        warnings.push(
            "a JSON array of records, read one record at a time: the line numbers given for \
             skipped rows count records"
                .into(),
        );
    }
    let (rows, (sources, first_event_us, last_event_us)) = match spill {
        Some(spill) => (start..start + spilled, spill.file_summary()),
        None => (start..table.len(), summarise(table, start..table.len())),
    };
    let labels = if labels.benign + labels.malicious > 0 {
        labels.column = label_column.unwrap_or_else(|| "label".into());
        Some(labels)
    } else {
        None
    };
    let extra_columns = table
        .extras()
        .iter()
        .filter(|e| spilled > 0 || e.values.count_in(rows.clone()) > 0)
        .map(|e| e.name.clone())
        .collect();
    Ok(FileReport {
        path: path.to_path_buf(),
        format: sniffed.format,
        gzip,
        utf16,
        records,
        events,
        skips,
        fields,
        extra_columns,
        labels,
        warnings,
        rows,
        sources,
        first_event_us,
        last_event_us,
        written_offset: match offsets {
            WrittenOffsets::One(s) => Some(s),
            _ => None,
        },
        zeek_log,
    })
}

/// What [`read_bytes`] read.
#[derive(Debug)]
pub struct BytesRead {
    /// The format the bytes were read as.
    pub format: Format,
    /// Events appended to the table.
    pub events: u64,
    /// Rows skipped, by reason, with examples.
    pub skips: SkipLog,
    /// Schema fields the lines provided.
    pub fields: FieldSet,
}

/// Reads lines already in memory (a batch from a live source) into `table` as `file`, in the
/// format given, else the one their first bytes show.
pub fn read_bytes(
    bytes: &[u8],
    format: Option<Format>,
    file: FileId,
    table: &mut EventTable,
    options: &ReadOptions,
) -> Result<BytesRead, SniffError> {
    let sniffed = match (sniff(bytes), format) {
        (Ok(s), Some(f)) if s.format != f => Sniffed {
            format: f,
            delimiter: formats::default_delimiter(f, s.delimiter),
        },
        (Ok(s), _) => s,
        (Err(_), Some(f)) => Sniffed {
            format: f,
            delimiter: formats::default_delimiter(f, b','),
        },
        (Err(e), None) => return Err(e),
    };
    let cancel = AtomicBool::new(false);
    let mut sink = Sink::new(table, file, &cancel);
    let reader = Box::new(std::io::Cursor::new(bytes.to_vec()));
    formats::read(sniffed, reader, &mut sink, options).map_err(|e| match e {
        formats::FormatError::Unrecognised(why) => SniffError::Unrecognised(why),
        formats::FormatError::Mapping(why) => SniffError::Unrecognised(why),
        formats::FormatError::Cancelled => SniffError::Unrecognised("cancelled".into()),
    })?;
    Ok(BytesRead {
        format: sniffed.format,
        events: sink.events,
        skips: sink.skips,
        fields: sink.fields,
    })
}

/// Decompressed-to-compressed ratio beyond which a gzip file gets a warning: real logs
/// compress 5 to 50 times; a file built to exhaust memory far more.
pub const INFLATION_WARNING: u64 = 1000;

/// The warning for a gzip file that decompressed to `decoded` bytes from the `read` bytes read
/// from it (a pipe has no size of its own), when that is more than [`INFLATION_WARNING`]
/// times as much.
fn inflation_warning(decoded: u64, read: u64) -> Option<String> {
    let size = read.max(1);
    let ratio = decoded / size;
    (ratio > INFLATION_WARNING).then(|| {
        format!(
            "the gzip decompresses to {ratio} times its size ({} MB from {} KB); check that this \
             is the log you meant, as a file built to exhaust memory looks like this",
            decoded / 1_000_000,
            size / 1000
        )
    })
}

impl FileReport {
    /// What the file is, for the analyst: the format's title, or the Zeek log it is when not
    /// a conn.log ("Zeek dns.log (TSV)").
    pub fn kind_title(&self) -> String {
        match &self.zeek_log {
            Some(log) => format!("Zeek {log}.log (TSV)"),
            None => self.format.title().to_owned(),
        }
    }

    /// How the file was stored, when not plain UTF-8 text: "gzip", "UTF-16" or both.
    pub fn encoding(&self) -> Option<&'static str> {
        match (self.gzip, self.utf16) {
            (true, true) => Some("gzip, UTF-16"),
            (true, false) => Some("gzip"),
            (false, true) => Some("UTF-16"),
            (false, false) => None,
        }
    }
}

fn summarise(table: &EventTable, rows: Range<usize>) -> (usize, Option<i64>, Option<i64>) {
    let mut seen = vec![false; table.ips().len()];
    let mut sources = 0;
    let (mut first, mut last) = (None::<i64>, None::<i64>);
    for row in rows {
        if let Some(id) = table.source_ip_id(row) {
            let s = &mut seen[id as usize];
            if !*s {
                *s = true;
                sources += 1;
            }
        }
        if let Some(t) = table.time_us(row) {
            first = Some(first.map_or(t, |f| f.min(t)));
            last = Some(last.map_or(t, |l| l.max(t)));
        }
    }
    (sources, first, last)
}

/// Every file of an investigation, read into one table.
#[derive(Debug, Default)]
pub struct Investigation {
    /// All events.
    pub table: EventTable,
    /// One report per file read.
    pub files: Vec<FileReport>,
    /// Files that could not be read at all.
    pub failures: Vec<ReadError>,
}

impl Investigation {
    /// Distinct source addresses across all files.
    pub fn distinct_sources(&self) -> usize {
        let mut seen = vec![false; self.table.ips().len()];
        (0..self.table.len())
            .filter_map(|r| self.table.source_ip_id(r))
            .filter(|&id| !std::mem::replace(&mut seen[id as usize], true))
            .count()
    }
}

/// The files under a folder, in path order: every regular file of its tree (a data lake keeps a
/// table as folders of parts, `eventDay=20240101/part-0.parquet`), hidden files and Spark's
/// markers (`_SUCCESS`, `_metadata`) left out; symbolic links to folders are not followed.
pub fn files_under(folder: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let name = entry.file_name();
            if name.to_string_lossy().starts_with(['.', '_']) {
                continue;
            }
            let kind = entry.file_type()?;
            if kind.is_dir() {
                pending.push(entry.path());
            } else if kind.is_file() || (kind.is_symlink() && entry.path().is_file()) {
                out.push(entry.path());
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Reads several files into one investigation; a folder stands for the files under it
/// ([`files_under`]). A file that cannot be read is recorded in `failures` and the others are
/// still read; only cancellation stops early.
pub fn read_files(
    paths: &[PathBuf],
    options: &ReadOptions,
    progress: &ReadProgress,
) -> Result<Investigation, ReadError> {
    let mut inv = Investigation::default();
    let mut files = Vec::new();
    for path in paths {
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        match files_under(path) {
            Ok(under) if !under.is_empty() => files.extend(under),
            Ok(_) => inv.failures.push(ReadError::Io {
                path: path.clone(),
                message: "a folder with no files in it".into(),
            }),
            Err(e) => inv.failures.push(ReadError::Io {
                path: path.clone(),
                message: e.to_string(),
            }),
        }
    }
    let paths = &files;
    let mut seen: Vec<(PathBuf, &PathBuf)> = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        let id = FileId::try_from(i).map_err(|_| ReadError::Io {
            path: path.clone(),
            message: "too many files in one investigation (limit 65,535)".into(),
        })?;
        // The same file twice (or through a link) would double every event and change the
        // verdicts: it is read once, and the repeat is reported.
        if let Ok(real) = std::fs::canonicalize(path) {
            if let Some((_, first)) = seen.iter().find(|(r, _)| *r == real) {
                inv.failures.push(ReadError::Repeated {
                    path: path.clone(),
                    first: (*first).clone(),
                });
                continue;
            }
            seen.push((real, path));
        }
        match read_file(path, id, &mut inv.table, options, progress) {
            Ok(report) => inv.files.push(report),
            Err(ReadError::Cancelled) => return Err(ReadError::Cancelled),
            Err(e) => inv.failures.push(e),
        }
    }
    zeek_links::join(&mut inv);
    inv.table.shrink_to_fit();
    Ok(inv)
}

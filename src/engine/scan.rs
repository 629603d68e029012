//! The plan's scan: every file read by the program's own readers where the engine runs it,
//! one partition per file (named by a memory source below it, which Ballista hands to its tasks
//! a part each), its events handed on as rows keyed by their source address for the shuffle,
//! and the file's report as a last row of its own.

use std::collections::HashSet;
use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, AsArray, BinaryBuilder, RecordBatch, StringDictionaryBuilder, UInt32Array,
    UInt64Array, UInt64Builder,
};
use datafusion::arrow::datatypes::{DataType, Field, Int32Type, Schema, SchemaRef, UInt32Type};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{DataFusionError, Result};
use datafusion::datasource::memory::MemorySourceConfig;
use datafusion::execution::TaskContext;
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties,
    SendableRecordBatchStream,
};
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};

use crate::events::{EventTable, FileId};
use crate::ingest::{read_file_spilling, Format, ReadError, ReadOptions, ReadProgress, Spill};
use crate::streaming::spill::encode;

/// A row's position: its file's index above these bits, its row in the file below; the
/// order of the whole read, as the in-memory run numbers its rows.
pub const FILE_SHIFT: u32 = 40;

/// Column names of the scan's rows.
pub const SOURCE: &str = "source";
const POSITION: &str = "position";
const RECORD: &str = "record";
const EXTRAS: &str = "extras";
const REPORT: &str = "report";

/// The rows the scan hands on: the source address (16 bytes, none for events without one and
/// for reports), the position in the whole read, the event's record (as the streaming
/// path's shards hold it), the names of its file's extra columns, and a file's report.
pub fn scan_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new(SOURCE, DataType::Binary, true),
        Field::new(POSITION, DataType::UInt64, false),
        Field::new(RECORD, DataType::Binary, true),
        Field::new(
            EXTRAS,
            DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
            false,
        ),
        Field::new(REPORT, DataType::Binary, true),
    ]))
}

/// How the files are read: what of [`ReadOptions`] travels to where the engine runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScanOptions {
    /// Force this format instead of detecting it.
    pub format: Option<Format>,
    /// Longest line kept, in bytes.
    pub max_line_bytes: usize,
}

impl ScanOptions {
    /// What of `read` the engine can take; a column mapping or a log format cannot travel
    /// yet.
    pub fn of(read: &ReadOptions) -> std::result::Result<ScanOptions, String> {
        if read.mapping.is_some() || read.log_format.is_some() {
            return Err(
                "a column mapping (--map) or a log format (--log-format) is not yet \
                        sent to the engine's workers; read such logs without --engine"
                    .into(),
            );
        }
        Ok(ScanOptions {
            format: read.format,
            max_line_bytes: read.max_line_bytes,
        })
    }

    fn read_options(&self) -> ReadOptions {
        ReadOptions {
            format: self.format,
            max_line_bytes: self.max_line_bytes,
            ..ReadOptions::default()
        }
    }
}

/// Where the scans of a session count the events they read (known to the embedded engine's
/// sessions; a cluster's executors have none).
#[derive(Debug, Default)]
pub struct RowsRead(pub Arc<std::sync::atomic::AtomicU64>);

/// Reads the log's files: its input names them, one file index per partition (a memory
/// source, so that a Ballista task restricted to some partitions reads only their files), and
/// each partition's files are read in turn.
#[derive(Debug)]
pub struct LogScanExec {
    input: Arc<dyn ExecutionPlan>,
    files: Vec<PathBuf>,
    options: ScanOptions,
    properties: Arc<PlanProperties>,
}

/// The column of the scan's input: a file's index in the whole read.
const FILE: &str = "file";

/// The scan's input for `files`: one partition per file holding its index (one empty
/// partition for an empty read).
pub fn file_list(files: &[PathBuf]) -> Result<Arc<dyn ExecutionPlan>> {
    let schema = Arc::new(Schema::new(vec![Field::new(FILE, DataType::UInt32, false)]));
    let mut partitions = Vec::with_capacity(files.len().max(1));
    for index in 0..files.len() {
        let index = u32::try_from(index)
            .map_err(|_| DataFusionError::Plan("more files than one read can hold".into()))?;
        let column: ArrayRef = Arc::new(UInt32Array::from(vec![index]));
        partitions.push(vec![RecordBatch::try_new(schema.clone(), vec![column])?]);
    }
    if partitions.is_empty() {
        partitions.push(Vec::new());
    }
    Ok(MemorySourceConfig::try_new_exec(&partitions, schema, None)?)
}

impl LogScanExec {
    /// A scan of `files` (in the order of the whole read) over `input`, a [`file_list`] of
    /// them or a part of it.
    pub fn new(
        input: Arc<dyn ExecutionPlan>,
        files: Vec<PathBuf>,
        options: ScanOptions,
    ) -> LogScanExec {
        let properties = Arc::new(PlanProperties::new(
            EquivalenceProperties::new(scan_schema()),
            Partitioning::UnknownPartitioning(
                input.properties().output_partitioning().partition_count(),
            ),
            EmissionType::Incremental,
            Boundedness::Bounded,
        ));
        LogScanExec {
            input,
            files,
            options,
            properties,
        }
    }

    /// The files and options, for the wire.
    pub fn parts(&self) -> (&[PathBuf], &ScanOptions) {
        (&self.files, &self.options)
    }
}

impl DisplayAs for LogScanExec {
    fn fmt_as(&self, _: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "LogScanExec: {} files", self.files.len())
    }
}

impl ExecutionPlan for LogScanExec {
    fn name(&self) -> &str {
        "LogScanExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn benefits_from_input_partitioning(&self) -> Vec<bool> {
        vec![false]
    }

    fn apply_expressions(
        &self,
        _: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let [input] = <[_; 1]>::try_from(children)
            .map_err(|_| DataFusionError::Internal("a log scan takes one input".into()))?;
        Ok(Arc::new(LogScanExec::new(
            input,
            self.files.clone(),
            self.options.clone(),
        )))
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let counter = context
            .session_config()
            .get_extension::<RowsRead>()
            .map(|r| r.0.clone());
        let listed = self.input.execute(partition, context)?;
        let files = self.files.clone();
        let options = self.options.read_options();
        let stream = futures::stream::once(async move {
            let batches: Vec<RecordBatch> = listed.try_collect().await?;
            let mut mine = Vec::new();
            for b in &batches {
                let column = b.column(0).as_primitive::<UInt32Type>();
                for index in column.values() {
                    let path = files.get(*index as usize).cloned().ok_or_else(|| {
                        DataFusionError::Internal(format!("no file {index} in the read"))
                    })?;
                    let file = FileId::try_from(*index).map_err(|_| {
                        DataFusionError::Execution("more than 65,535 files in one read".into())
                    })?;
                    mine.push((path, file));
                }
            }
            let (tx, rx) = tokio::sync::mpsc::channel::<Result<RecordBatch>>(2);
            std::thread::Builder::new()
                .name(format!("scan {partition}"))
                .spawn(move || {
                    for (path, file) in mine {
                        if !read_one(path, file, &options, &tx, counter.clone()) {
                            break;
                        }
                    }
                })
                .map_err(|e| DataFusionError::External(Box::new(e)))?;
            Ok::<_, DataFusionError>(futures::stream::unfold(rx, |mut rx| async move {
                rx.recv().await.map(|batch| (batch, rx))
            }))
        })
        .try_flatten();
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            scan_schema(),
            stream,
        )))
    }
}

/// Reads one file, sending its rows as they come and its report last; false when the query
/// no longer listens.
fn read_one(
    path: PathBuf,
    file: FileId,
    options: &ReadOptions,
    tx: &tokio::sync::mpsc::Sender<Result<RecordBatch>>,
    counter: Option<Arc<std::sync::atomic::AtomicU64>>,
) -> bool {
    let progress = ReadProgress::default();
    let mut rows = Rows {
        tx: tx.clone(),
        file,
        next: 0,
        sources: HashSet::new(),
        first: None,
        last: None,
        cancel: progress.cancel.clone(),
        counter,
    };
    let mut scratch = EventTable::default();
    let report = read_file_spilling(&path, file, &mut scratch, options, &progress, &mut rows, 0);
    let last = match report {
        Ok(report) => report_batch(&postcard::to_allocvec(&Ok::<_, ReadError>(report))),
        Err(ReadError::Cancelled) => return false,
        Err(e) => report_batch(&postcard::to_allocvec(
            &Err::<crate::ingest::FileReport, _>(e),
        )),
    };
    tx.blocking_send(last.map_err(|e| DataFusionError::Execution(e.to_string())))
        .is_ok()
}

/// A batch of one row: a file's report (or why it could not be read).
fn report_batch(bytes: &postcard::Result<Vec<u8>>) -> std::result::Result<RecordBatch, String> {
    let bytes = bytes.as_ref().map_err(|e| e.to_string())?;
    let mut source = BinaryBuilder::new();
    source.append_null();
    let mut record = BinaryBuilder::new();
    record.append_null();
    let mut extras = StringDictionaryBuilder::<Int32Type>::new();
    extras.append_value("");
    let mut report = BinaryBuilder::new();
    report.append_value(bytes);
    let columns: Vec<ArrayRef> = vec![
        Arc::new(source.finish()),
        Arc::new(UInt64Array::from(vec![0])),
        Arc::new(record.finish()),
        Arc::new(extras.finish()),
        Arc::new(report.finish()),
    ];
    RecordBatch::try_new(scan_schema(), columns).map_err(|e| e.to_string())
}

/// The reader's rows as batches for the shuffle.
struct Rows {
    tx: tokio::sync::mpsc::Sender<Result<RecordBatch>>,
    file: FileId,
    next: u64,
    sources: HashSet<IpAddr>,
    first: Option<i64>,
    last: Option<i64>,
    cancel: Arc<std::sync::atomic::AtomicBool>,
    counter: Option<Arc<std::sync::atomic::AtomicU64>>,
}

impl Spill for Rows {
    fn take(&mut self, table: &EventTable) -> std::io::Result<()> {
        let names: Vec<&str> = table.extras().iter().map(|e| e.name.as_str()).collect();
        let names = names.join("\n");
        let mut source = BinaryBuilder::with_capacity(table.len(), table.len() * 16);
        let mut position = UInt64Builder::with_capacity(table.len());
        let mut record = BinaryBuilder::with_capacity(table.len(), table.len() * 64);
        let mut extras = StringDictionaryBuilder::<Int32Type>::new();
        let mut report = BinaryBuilder::new();
        let mut bytes = Vec::new();
        for row in 0..table.len() {
            let d = table.draft(row);
            match d.source_ip {
                Some(ip) => {
                    self.sources.insert(ip);
                    let v6 = match ip {
                        IpAddr::V4(v4) => v4.to_ipv6_mapped(),
                        IpAddr::V6(v6) => v6,
                    };
                    source.append_value(v6.octets());
                }
                None => source.append_null(),
            }
            if let Some(t) = d.time_us {
                self.first = Some(self.first.map_or(t, |f| f.min(t)));
                self.last = Some(self.last.map_or(t, |l| l.max(t)));
            }
            let at = (u64::from(self.file) << FILE_SHIFT) | self.next;
            self.next += 1;
            position.append_value(at);
            bytes.clear();
            encode(at, table.file(row), table.line(row), &d, &mut bytes);
            record.append_value(&bytes);
            extras.append_value(&names);
            report.append_null();
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(source.finish()),
            Arc::new(position.finish()),
            Arc::new(record.finish()),
            Arc::new(extras.finish()),
            Arc::new(report.finish()),
        ];
        let batch = RecordBatch::try_new(scan_schema(), columns)
            .map_err(|e| DataFusionError::ArrowError(Box::new(e), None));
        if let Some(c) = &self.counter {
            c.fetch_add(table.len() as u64, Ordering::Relaxed);
        }
        if self.tx.blocking_send(batch).is_err() {
            // The query was cancelled or failed elsewhere: stop reading.
            self.cancel.store(true, Ordering::Relaxed);
            return Err(std::io::Error::other("the query stopped"));
        }
        Ok(())
    }

    fn file_summary(&mut self) -> (usize, Option<i64>, Option<i64>) {
        let n = std::mem::take(&mut self.sources).len();
        (n, self.first.take(), self.last.take())
    }
}

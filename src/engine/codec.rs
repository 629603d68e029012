//! The plan as a table and on the wire: [`JudgedLog`] is the table a query reads (its scan is
//! the whole plan: read, shuffle by source, judge each partition), and the codecs carry it and
//! its two operators to a Ballista scheduler and its executors, every other node being left to
//! Ballista's own codecs.

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use ballista_core::serde::{BallistaLogicalExtensionCodec, BallistaPhysicalExtensionCodec};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::{DataFusionError, Result, TableReference};
use datafusion::datasource::TableType;
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{Expr, Extension, LogicalPlan};
use datafusion::physical_expr::expressions::Column;
use datafusion::physical_plan::repartition::RepartitionExec;
use datafusion::physical_plan::{ExecutionPlan, Partitioning};
use datafusion_proto::logical_plan::LogicalExtensionCodec;
use datafusion_proto::physical_plan::{PhysicalExtensionCodec, PhysicalProtoConverterExtension};
use serde::{Deserialize, Serialize};

use super::judge::{answer_schema, ShardExec, ShardSettings, ShardTask};
use super::scan::{file_list, scan_schema, LogScanExec, ScanOptions, SOURCE};

/// The start of every node this program encodes; never the first byte of a protobuf message
/// (field 9 with wire type 6, which does not exist), so Ballista's own nodes are told apart.
const MAGIC: &[u8] = b"NSLEUTH1";

/// A log's files judged by source: the table every job of a run reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JudgedLog {
    /// The files, in the order of the whole read.
    pub files: Vec<PathBuf>,
    /// How they are read.
    pub scan: ScanOptions,
    /// What each partition is asked.
    pub task: ShardTask,
    /// What its judging needs.
    pub settings: ShardSettings,
    /// Partitions the events are shuffled into.
    pub partitions: usize,
}

impl JudgedLog {
    /// The physical plan: the scan, the shuffle by source, the partitions' work.
    pub fn plan(&self) -> Result<Arc<dyn ExecutionPlan>> {
        let scan = Arc::new(LogScanExec::new(
            file_list(&self.files)?,
            self.files.clone(),
            self.scan.clone(),
        ));
        let source = scan_schema().index_of(SOURCE)?;
        let shuffle = Arc::new(RepartitionExec::try_new(
            scan,
            Partitioning::Hash(
                vec![Arc::new(Column::new(SOURCE, source))],
                self.partitions.max(1),
            ),
        )?);
        Ok(Arc::new(ShardExec::new(
            shuffle,
            Arc::new(self.task.clone()),
            Arc::new(self.settings.clone()),
        )))
    }
}

#[async_trait]
impl TableProvider for JudgedLog {
    fn schema(&self) -> SchemaRef {
        answer_schema()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        _: &dyn Session,
        projection: Option<&Vec<usize>>,
        _: &[Expr],
        _: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        if projection.is_some_and(|p| *p != [0, 1]) {
            return Err(DataFusionError::Plan(
                "a judged log is read whole (kind and payload)".into(),
            ));
        }
        self.plan()
    }
}

fn encode<T: Serialize>(tag: u8, value: &T, buf: &mut Vec<u8>) -> Result<()> {
    buf.extend_from_slice(MAGIC);
    buf.push(tag);
    let bytes = postcard::to_allocvec(value).map_err(|e| DataFusionError::External(e.into()))?;
    buf.extend_from_slice(&bytes);
    Ok(())
}

/// The tag and body of a node this program encoded, if `buf` is one.
fn ours(buf: &[u8]) -> Option<(u8, &[u8])> {
    let rest = buf.strip_prefix(MAGIC)?;
    Some((*rest.first()?, &rest[1..]))
}

fn decode<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T> {
    postcard::from_bytes(body)
        .map_err(|e| DataFusionError::Internal(format!("a damaged netsleuth plan node: {e}")))
}

/// A node's one input, as the wire brought it.
fn only_input(inputs: &[Arc<dyn ExecutionPlan>]) -> Result<Arc<dyn ExecutionPlan>> {
    match inputs {
        [input] => Ok(input.clone()),
        _ => Err(DataFusionError::Internal(format!(
            "a netsleuth plan node with {} inputs, not one",
            inputs.len()
        ))),
    }
}

const LOG_SCAN: u8 = 1;
const SHARD: u8 = 2;
const JUDGED_LOG: u8 = 3;

/// The logical codec: the judged log's table, Ballista's for the rest.
#[derive(Debug, Default)]
pub struct LogicalCodec {
    ballista: BallistaLogicalExtensionCodec,
}

impl LogicalExtensionCodec for LogicalCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[LogicalPlan],
        ctx: &TaskContext,
    ) -> Result<Extension> {
        self.ballista.try_decode(buf, inputs, ctx)
    }

    fn try_encode(&self, node: &Extension, buf: &mut Vec<u8>) -> Result<()> {
        self.ballista.try_encode(node, buf)
    }

    fn try_decode_table_provider(
        &self,
        buf: &[u8],
        table_ref: &TableReference,
        schema: SchemaRef,
        ctx: &TaskContext,
    ) -> Result<Arc<dyn TableProvider>> {
        match ours(buf) {
            Some((JUDGED_LOG, body)) => Ok(Arc::new(decode::<JudgedLog>(body)?)),
            Some((tag, _)) => Err(DataFusionError::Internal(format!(
                "an unknown netsleuth table (tag {tag})"
            ))),
            None => self
                .ballista
                .try_decode_table_provider(buf, table_ref, schema, ctx),
        }
    }

    fn try_encode_table_provider(
        &self,
        table_ref: &TableReference,
        node: Arc<dyn TableProvider>,
        buf: &mut Vec<u8>,
    ) -> Result<()> {
        let any: &dyn std::any::Any = node.as_ref();
        match any.downcast_ref::<JudgedLog>() {
            Some(log) => encode(JUDGED_LOG, log, buf),
            None => self
                .ballista
                .try_encode_table_provider(table_ref, node, buf),
        }
    }
}

/// The physical codec: the scan and the shard operator, Ballista's for the rest.
#[derive(Debug, Default)]
pub struct PhysicalCodec {
    ballista: BallistaPhysicalExtensionCodec,
}

impl PhysicalExtensionCodec for PhysicalCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[Arc<dyn ExecutionPlan>],
        ctx: &TaskContext,
        converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        match ours(buf) {
            Some((LOG_SCAN, body)) => {
                let (files, options): (Vec<PathBuf>, ScanOptions) = decode(body)?;
                Ok(Arc::new(LogScanExec::new(
                    only_input(inputs)?,
                    files,
                    options,
                )))
            }
            Some((SHARD, body)) => {
                let (task, settings): (ShardTask, ShardSettings) = decode(body)?;
                let input = only_input(inputs)?;
                Ok(Arc::new(ShardExec::new(
                    input,
                    Arc::new(task),
                    Arc::new(settings),
                )))
            }
            Some((tag, _)) => Err(DataFusionError::Internal(format!(
                "an unknown netsleuth plan node (tag {tag})"
            ))),
            None => self.ballista.try_decode(buf, inputs, ctx, converter),
        }
    }

    fn try_encode(
        &self,
        node: Arc<dyn ExecutionPlan>,
        buf: &mut Vec<u8>,
        converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<()> {
        if let Some(scan) = node.downcast_ref::<LogScanExec>() {
            return encode(LOG_SCAN, &scan.parts(), buf);
        }
        if let Some(shard) = node.downcast_ref::<ShardExec>() {
            return encode(SHARD, &shard.parts(), buf);
        }
        self.ballista.try_encode(node, buf, converter)
    }
}

//! The plan's work on each partition after the shuffle: every event of the partition's
//! sources, put back in the order of the whole read, judged as one shard of the log
//! ([`crate::detection::judge_shard`]); what comes back is one row of aggregates per partition
//! (and the files' reports that passed through it), never the events.

use std::collections::HashSet;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BinaryBuilder, RecordBatch, UInt8Builder,
};
use datafusion::arrow::datatypes::{DataType, Field, Int32Type, Schema, SchemaRef, UInt64Type};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{DataFusionError, Result};
use datafusion::execution::TaskContext;
use datafusion::physical_expr::expressions::Column;
use datafusion::physical_expr::{Distribution, EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, ExecutionPlanProperties, Partitioning,
    PlanProperties, SendableRecordBatchStream,
};
use futures::TryStreamExt;
use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::detection::behaviour::{SourceCounts, ThreatLists};
use crate::detection::{
    addressed_to, events_where, judge_shard, DetectionSettings, Shard, ShardError,
};
use crate::events::{EventDraft, EventTable};
use crate::features::FeatureSettings;
use crate::streaming::spill::{decode, encode};

use super::scan::{FILE_SHIFT, SOURCE};

/// What each partition is asked.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ShardTask {
    /// The verdicts on its sources: with the whole log's counts ([`SourceCounts`]) once they
    /// are known; without them, the partition's own counts too when its events have web
    /// requests or protocol parts (its verdicts then wait for the whole log's).
    Judge(Option<SourceCounts>),
    /// Its events addressed to these parties.
    Addressed(Vec<IpAddr>),
    /// Its events these sources sent.
    Sent(Vec<IpAddr>),
}

/// What of the detection settings a partition's judging needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShardSettings {
    /// The features' settings, resolved against the formats read.
    pub features: FeatureSettings,
    /// The home networks.
    pub home: Vec<IpNet>,
    /// The threat-intelligence lists.
    pub intel: Option<ThreatLists>,
}

impl ShardSettings {
    /// What of `settings` travels.
    pub fn of(settings: &DetectionSettings) -> ShardSettings {
        ShardSettings {
            features: settings.features,
            home: settings.home.clone(),
            intel: settings.intel.as_deref().cloned(),
        }
    }

    fn detection(&self) -> DetectionSettings {
        DetectionSettings {
            features: self.features,
            home: self.home.clone(),
            intel: self.intel.clone().map(Arc::new),
            ..DetectionSettings::default()
        }
    }
}

/// Kinds of the rows a partition answers with.
pub const ANSWER: u8 = 0;
/// A file's report, passed through.
pub const REPORT: u8 = 1;

/// The answers' schema: a kind and its bytes.
pub fn answer_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("kind", DataType::UInt8, false),
        Field::new("payload", DataType::Binary, false),
    ]))
}

/// A message that says a partition holds what a shard cannot judge alone.
pub const UNSUPPORTED: &str = "netsleuth: cannot be judged by shard: ";

/// Judges each partition of its input, which is hash-partitioned by source.
#[derive(Debug)]
pub struct ShardExec {
    input: Arc<dyn ExecutionPlan>,
    task: Arc<ShardTask>,
    settings: Arc<ShardSettings>,
    properties: Arc<PlanProperties>,
}

impl ShardExec {
    /// `task` asked of every partition of `input`.
    pub fn new(
        input: Arc<dyn ExecutionPlan>,
        task: Arc<ShardTask>,
        settings: Arc<ShardSettings>,
    ) -> ShardExec {
        let partitions = input.output_partitioning().partition_count();
        let properties = Arc::new(PlanProperties::new(
            EquivalenceProperties::new(answer_schema()),
            Partitioning::UnknownPartitioning(partitions),
            EmissionType::Final,
            Boundedness::Bounded,
        ));
        ShardExec {
            input,
            task,
            settings,
            properties,
        }
    }

    /// The task and settings, for the wire.
    pub fn parts(&self) -> (&ShardTask, &ShardSettings) {
        (&self.task, &self.settings)
    }
}

impl DisplayAs for ShardExec {
    fn fmt_as(&self, _: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        let task = match *self.task {
            ShardTask::Judge(None) => "judge, counting",
            ShardTask::Judge(Some(_)) => "judge",
            ShardTask::Addressed(_) => "addressed",
            ShardTask::Sent(_) => "sent",
        };
        write!(f, "ShardExec: {task}")
    }
}

impl ExecutionPlan for ShardExec {
    fn name(&self) -> &str {
        "ShardExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn required_input_distribution(&self) -> Vec<Distribution> {
        let source: Arc<dyn PhysicalExpr> = Arc::new(Column::new(SOURCE, 0));
        vec![Distribution::KeyPartitioned(vec![source])]
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn apply_expressions(
        &self,
        _: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn with_new_children(
        self: Arc<Self>,
        mut children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        if children.len() != 1 {
            return Err(DataFusionError::Internal("ShardExec has one input".into()));
        }
        Ok(Arc::new(ShardExec::new(
            children.swap_remove(0),
            self.task.clone(),
            self.settings.clone(),
        )))
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let input = self.input.execute(partition, context)?;
        let (task, settings) = (self.task.clone(), self.settings.clone());
        let answer = async move {
            // The source address has done its work (the shuffle): its column is let go.
            let batches: Vec<RecordBatch> = input
                .and_then(|b| async move {
                    b.project(&KEPT)
                        .map_err(|e| DataFusionError::ArrowError(Box::new(e), None))
                })
                .try_collect()
                .await?;
            tokio::task::spawn_blocking(move || answer(batches, &task, &settings))
                .await
                .map_err(|e| DataFusionError::External(Box::new(e)))?
        };
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            answer_schema(),
            futures::stream::once(answer),
        )))
    }
}

/// The scan's columns a partition keeps: position, record, extras, report.
const KEPT: [usize; 4] = [1, 2, 3, 4];

/// One partition's answer (its batches hold the [`KEPT`] columns): the files' reports it
/// received and its task's result.
fn answer(
    batches: Vec<RecordBatch>,
    task: &ShardTask,
    settings: &ShardSettings,
) -> Result<RecordBatch> {
    let mut kinds = UInt8Builder::new();
    let mut payloads = BinaryBuilder::new();
    // Each event by its position, batch and row; each batch's events not yet in the shard.
    let mut index: Vec<(u64, u32, u32)> = Vec::new();
    let mut pending = vec![0u32; batches.len()];
    for (at, b) in batches.iter().enumerate() {
        let position = b.column(0).as_primitive::<UInt64Type>();
        let record = b.column(1).as_binary::<i32>();
        let report = b.column(3).as_binary::<i32>();
        for r in 0..b.num_rows() {
            if report.is_valid(r) {
                kinds.append_value(REPORT);
                payloads.append_value(report.value(r));
            } else if record.is_valid(r) {
                index.push((position.value(r), at as u32, r as u32));
                pending[at] += 1;
            }
        }
    }
    index.sort_unstable_by_key(|r| r.0);
    // A row's position names it: one delivered twice would be counted twice, so the answer
    // would be wrong; say so rather than judge.
    if let Some(pair) = index.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(DataFusionError::Execution(format!(
            "the engine delivered row {} of file {} twice",
            (pair[0].0 & ((1 << FILE_SHIFT) - 1)) + 1,
            pair[0].0 >> FILE_SHIFT
        )));
    }
    let shard = shard_of(&index, batches, pending)?;
    drop(index);
    let bytes = match task {
        ShardTask::Judge(counts) => {
            let own = match counts {
                Some(_) => None,
                None => SourceCounts::needed(&shard.table).then(|| SourceCounts::of(&shard.table)),
            };
            let counts = counts.clone().unwrap_or_default();
            let verdicts = match judge_shard(shard, &counts, &settings.detection()) {
                Ok(verdicts) => verdicts.to_bytes(),
                Err(ShardError::Unsupported(what)) => {
                    return Err(DataFusionError::Execution(format!("{UNSUPPORTED}{what}")))
                }
                Err(e) => return Err(DataFusionError::Execution(format!("{e:?}"))),
            };
            postcard::to_allocvec(&(own, verdicts))
        }
        ShardTask::Addressed(wanted) | ShardTask::Sent(wanted) => {
            let wanted: HashSet<IpAddr> = wanted.iter().copied().collect();
            let (table, positions) = (&shard.table, &shard.positions);
            let events = match task {
                ShardTask::Addressed(_) => addressed_to(table, positions, &wanted),
                _ => events_where(table, positions, |r| {
                    table.source_ip(r).is_some_and(|s| wanted.contains(&s))
                }),
            };
            let mut out: Vec<(Vec<u8>, Vec<String>)> = Vec::new();
            for (at, file, line, d, extras) in events {
                let mut record = Vec::new();
                encode(at, file, line, &d, &mut record);
                out.push((record, extras.to_vec()));
            }
            postcard::to_allocvec(&out)
        }
    }
    .map_err(|e| DataFusionError::Execution(e.to_string()))?;
    kinds.append_value(ANSWER);
    payloads.append_value(bytes);
    let columns: Vec<ArrayRef> = vec![Arc::new(kinds.finish()), Arc::new(payloads.finish())];
    RecordBatch::try_new(answer_schema(), columns)
        .map_err(|e| DataFusionError::ArrowError(Box::new(e), None))
}

/// The partition's events, in the order of the whole read (`index`: position, batch, row), as
/// one shard: each file's extra columns indexed by name in the shard's table. A batch is let
/// go once its last event is in (`pending`: events of each not yet in), so the records and the
/// shard's table are not held whole at once.
fn shard_of(
    index: &[(u64, u32, u32)],
    batches: Vec<RecordBatch>,
    mut pending: Vec<u32>,
) -> Result<Shard> {
    let mut batches: Vec<Option<RecordBatch>> = batches.into_iter().map(Some).collect();
    let mut table = EventTable::default();
    let mut positions = Vec::with_capacity(index.len());
    let mut d = EventDraft::default();
    let mut last_names: Option<(String, Vec<usize>)> = None;
    for &(at, batch, row) in index {
        let (batch, row) = (batch as usize, row as usize);
        let b = batches[batch]
            .as_ref()
            .ok_or_else(|| DataFusionError::Internal("a batch let go too soon".into()))?;
        let record = b.column(1).as_binary::<i32>().value(row);
        let extras = b.column(2).as_dictionary::<Int32Type>();
        let names = extras
            .values()
            .as_string::<i32>()
            .value(extras.keys().value(row) as usize);
        let (seq, file, line) =
            decode(record, &mut d).map_err(|e| DataFusionError::Execution(e.to_string()))?;
        if last_names.as_ref().is_none_or(|(n, _)| n != names) {
            let index = names
                .split('\n')
                .filter(|n| !n.is_empty())
                .map(|n| table.extra_index(n))
                .collect();
            last_names = Some((names.to_string(), index));
        }
        if let Some((_, index)) = &last_names {
            for e in &mut d.extras {
                e.0 = *index.get(e.0).ok_or_else(|| {
                    DataFusionError::Execution("an extra column beyond its file's".into())
                })?;
            }
        }
        debug_assert_eq!(seq, at);
        table.push(file, u64::from(line), &d);
        positions.push(at);
        pending[batch] -= 1;
        if pending[batch] == 0 {
            batches[batch] = None;
        }
    }
    Ok(Shard { table, positions })
}

//! A Ballista cluster that knows this program's plan nodes: its scheduler and executors, each
//! started in a process of its own (`netsleuth cluster scheduler|executor`), on the addresses
//! given. Ballista's own processes would not decode the plan's scan and shard nodes.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use ballista_executor::executor_process::{start_executor_process, ExecutorProcessConfig};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;

use super::codec::{LogicalCodec, PhysicalCodec};

/// How long an executor may stay silent before the scheduler counts it lost and runs its
/// tasks elsewhere.
const EXECUTOR_TIMEOUT_S: u64 = 10;

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}

/// Runs a scheduler listening on `bind` until the process is stopped.
pub fn run_scheduler(bind: SocketAddr) -> Result<(), String> {
    let config = SchedulerConfig {
        bind_host: bind.ip().to_string(),
        bind_port: bind.port(),
        external_host: bind.ip().to_string(),
        executor_timeout_seconds: EXECUTOR_TIMEOUT_S,
        expire_dead_executor_interval_seconds: 2,
        no_executors_grace_period_seconds: EXECUTOR_TIMEOUT_S,
        override_logical_codec: Some(Arc::new(LogicalCodec::default())),
        override_physical_codec: Some(Arc::new(PhysicalCodec::default())),
        ..SchedulerConfig::default()
    };
    runtime()?.block_on(async move {
        let cluster = BallistaCluster::new_from_config(&config)
            .await
            .map_err(|e| e.to_string())?;
        start_server(cluster, bind, Arc::new(config))
            .await
            .map_err(|e| e.to_string())
    })
}

/// Where an executor listens and whom it serves.
#[derive(Debug, Clone)]
pub struct ExecutorSettings {
    /// The scheduler's address.
    pub scheduler: SocketAddr,
    /// The address its shuffle data is fetched from (Arrow Flight); its gRPC service
    /// listens on the next port.
    pub bind: SocketAddr,
    /// Tasks it runs at once.
    pub slots: usize,
    /// Where its shuffle files go (default: a temporary folder).
    pub work_dir: Option<PathBuf>,
}

/// Runs an executor until the process is stopped.
pub fn run_executor(settings: &ExecutorSettings) -> Result<(), String> {
    let config = ExecutorProcessConfig {
        bind_host: settings.bind.ip().to_string(),
        external_host: Some(settings.bind.ip().to_string()),
        port: settings.bind.port(),
        grpc_port: settings
            .bind
            .port()
            .checked_add(1)
            .ok_or("no port above --bind's")?,
        scheduler_host: settings.scheduler.ip().to_string(),
        scheduler_port: settings.scheduler.port(),
        scheduler_connect_timeout_seconds: 30,
        vcores: settings.slots.max(1),
        work_dir: settings.work_dir.as_ref().map(|d| d.display().to_string()),
        print_thread_info: false,
        executor_heartbeat_interval_seconds: 2,
        override_logical_codec: Some(Arc::new(LogicalCodec::default())),
        override_physical_codec: Some(Arc::new(PhysicalCodec::default())),
        ..ExecutorProcessConfig::default()
    };
    runtime()?.block_on(async move {
        start_executor_process(Arc::new(config))
            .await
            .map_err(|e| e.to_string())
    })
}

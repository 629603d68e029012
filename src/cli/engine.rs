//! `netsleuth detect --engine`: the sources judged by a query engine where the data lives
//! (see [`crate::engine`]), and `netsleuth cluster`: the Ballista scheduler and executors
//! that know the plan.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use crate::engine::cluster::{run_executor, run_scheduler, ExecutorSettings};
use crate::engine::{detect_with_engine, EngineSettings, QueryProgress};
use crate::ingest::ReadOptions;

use super::detect::DetectRequest;
use super::streaming::{finish, Finished};

/// Runs `detect` on the engine. Exit codes as `detect`'s.
pub fn run(req: &DetectRequest<'_>, options: &ReadOptions, engine: &EngineSettings) -> ExitCode {
    let Some(set) = req.begin() else {
        return ExitCode::FAILURE;
    };
    say!("judging the sources on {}", engine.engine.describe());
    let run = match detect_with_engine(
        req.files,
        options,
        &req.settings,
        engine,
        &QueryProgress::default(),
    ) {
        Ok(run) => run,
        Err(e) => {
            say!("{e}");
            say!("nothing written to {}", req.out.display());
            return ExitCode::FAILURE;
        }
    };
    let how = run.manifest(&engine.engine);
    let how_text = format!(
        "on {} ({} partitions, {} jobs, {} returned)",
        engine.engine.describe(),
        run.partitions,
        run.jobs,
        crate::detection::human_bytes(run.bytes_returned as f64)
    );
    finish(
        req,
        set,
        Finished {
            files: run.files,
            failures: run.failures,
            events: run.events,
            detection: run.detection,
            flagged_events: None,
            events_skipped: Some("the engine judges the sources only".into()),
            timings: run.timings,
            how: ("engine", how),
            how_text,
        },
    )
}

/// `netsleuth cluster`: a Ballista cluster's processes.
#[derive(Debug, Subcommand)]
pub enum ClusterCommand {
    /// Run a scheduler until stopped.
    Scheduler {
        /// Where it listens.
        #[arg(long, default_value = "127.0.0.1:50050")]
        bind: SocketAddr,
    },
    /// Run an executor until stopped.
    Executor {
        /// The scheduler's address.
        #[arg(long, default_value = "127.0.0.1:50050")]
        scheduler: SocketAddr,
        /// Where its shuffle data is served (Arrow Flight); its gRPC service takes the next
        /// port.
        #[arg(long, default_value = "127.0.0.1:50051")]
        bind: SocketAddr,
        /// Tasks it runs at once (default: one per core).
        #[arg(long)]
        slots: Option<usize>,
        /// Where its shuffle files go (default: a temporary folder).
        #[arg(long)]
        work_dir: Option<PathBuf>,
    },
}

/// Runs a cluster process until it is stopped.
pub fn cluster(command: &ClusterCommand) -> ExitCode {
    let result = match command {
        ClusterCommand::Scheduler { bind } => {
            say!("Ballista scheduler for netsleuth listening on {bind}");
            run_scheduler(*bind)
        }
        ClusterCommand::Executor {
            scheduler,
            bind,
            slots,
            work_dir,
        } => {
            say!("Ballista executor for netsleuth on {bind}, serving the scheduler at {scheduler}");
            run_executor(&ExecutorSettings {
                scheduler: *scheduler,
                bind: *bind,
                slots: slots
                    .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
                work_dir: work_dir.clone(),
            })
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            say!("{e}");
            ExitCode::FAILURE
        }
    }
}

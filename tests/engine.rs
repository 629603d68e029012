//! The query engine's run (`detect --engine`: the files read where the engine runs, the events
//! shuffled by source, each partition judged and only its aggregates sent back) against the
//! in-memory run: byte for byte the same sources.csv and blocklist.csv on real logs with the
//! model cache shared, embedded (DataFusion in the process) for any number of partitions, and
//! on a Ballista cluster of a scheduler and two executors started here on 127.0.0.1 over a
//! folder of Parquet files; an executor killed mid-query never yields a wrong result.
#![cfg(feature = "engine")]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn data(rel: &str) -> PathBuf {
    root().join("../shared/data").join(rel)
}

fn netsleuth() -> Command {
    Command::new(env!("CARGO_BIN_EXE_netsleuth"))
}

fn detect(files: &[&Path], out: &Path, cache: &Path, extra: &[&str]) -> Output {
    netsleuth()
        .env("NETSLEUTH_CACHE_DIR", cache)
        .arg("detect")
        .args(files)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Asserts that the run into `out` wrote the sources.csv and blocklist.csv of `expected`.
fn same_outputs(expected: &Path, out: &Path, what: &str) {
    let (want, got) = (
        read(&expected.join("sources.csv")),
        read(&out.join("sources.csv")),
    );
    if let Some(i) = (0..want.lines().count()).find(|&i| want.lines().nth(i) != got.lines().nth(i))
    {
        panic!(
            "{what}: sources.csv line {} differs:\n{}\n{}",
            i + 1,
            want.lines().nth(i).unwrap_or_default(),
            got.lines().nth(i).unwrap_or_default()
        );
    }
    assert_eq!(got, want, "{what}");
    assert_eq!(
        read(&out.join("blocklist.csv")),
        read(&expected.join("blocklist.csv")),
        "{what}"
    );
}

/// Runs the in-memory path and the embedded engine with each partition count on `files`;
/// returns the number of sources.
fn same_verdicts(files: &[&Path], partitions: &[u16]) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let memory = dir.path().join("memory");
    let run = detect(files, &memory, &cache, &[]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    for k in partitions {
        let out = dir.path().join(format!("engine-{k}"));
        let run = detect(
            files,
            &out,
            &cache,
            &["--engine", "embedded", "--partitions", &k.to_string()],
        );
        let said = String::from_utf8_lossy(&run.stdout);
        assert!(
            run.status.success(),
            "{files:?}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(said.contains(&format!("{k} partitions")), "{said}");
        same_outputs(&memory, &out, &format!("{files:?} in {k} partitions"));
    }
    read(&memory.join("sources.csv")).lines().count() - 1
}

#[test]
fn the_embedded_engine_judges_flow_logs_as_in_memory() {
    for (rel, sources) in [
        ("aws-vpc-flow-logs/vpcflowlogs.log", 47),
        ("zeek/trickbot_conn.log", 17),
        ("cic-ids2017/cicids2017_improved_sample_mixed.csv", 16),
    ] {
        assert_eq!(same_verdicts(&[&data(rel)], &[1, 3]), sources, "{rel}");
    }
}

#[test]
fn the_embedded_engine_judges_web_and_honeypot_logs_as_in_memory() {
    for (rel, sources) in [
        ("web-access-logs/hackers-access.log", 520),
        ("honeypot/cowrie/cowrie.json.2018-05-06", 19),
        ("honeypot/dionaea/dionaea_mhn_export.json", 700),
    ] {
        assert_eq!(same_verdicts(&[&data(rel)], &[2, 5]), sources, "{rel}");
    }
    let a = data("web-access-logs/honeynet-redhat71_access_log.1");
    let b = data("web-access-logs/honeynet-redhat71_access_log.13");
    assert!(same_verdicts(&[&a, &b], &[3]) > 57);
}

/// IDS alerts speak of two parties at once: the engine says it cannot judge them yet.
#[test]
fn ids_alerts_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = detect(
        &[&data("honeypot/suricata/eve.json")],
        &out,
        &dir.path().join("cache"),
        &["--engine", "embedded"],
    );
    assert_eq!(run.status.code(), Some(1));
    let said = String::from_utf8_lossy(&run.stderr);
    assert!(
        said.contains("IDS alerts") && said.contains("without --engine"),
        "{said}"
    );
    assert!(!out.join("sources.csv").exists());
}

/// A row the reader skips is said with its file and line, as in memory, and the good rows
/// are judged.
#[test]
fn losses_are_said_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let src =
        std::fs::read_to_string(data("cloudwatch/CloudWatch_Traffic_Web_Attack.csv")).unwrap();
    let mut lines: Vec<String> = src.lines().map(str::to_owned).collect();
    // A negative byte count: an impossible value, skipped with its line.
    let bad = format!("-{}", lines[1]);
    lines.insert(5, bad);
    let file = dir.path().join("damaged.csv");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let cache = dir.path().join("cache");
    let memory = dir.path().join("m");
    let engine = dir.path().join("e");
    assert_eq!(
        detect(&[&file], &memory, &cache, &[]).status.code(),
        Some(2)
    );
    let run = detect(&[&file], &engine, &cache, &["--engine", "embedded"]);
    assert_eq!(run.status.code(), Some(2));
    let said = String::from_utf8_lossy(&run.stderr);
    assert!(
        said.contains("damaged.csv: 1 of 283 rows skipped"),
        "{said}"
    );
    assert!(said.contains("first at line 6"), "{said}");
    same_outputs(&memory, &engine, "a damaged file");
}

/// Splits `csv` into `parts` Parquet files in `folder` with pyarrow (typed columns, as pandas
/// reads them).
fn to_parquet_folder(csv: &Path, folder: &Path, parts: usize) {
    std::fs::create_dir_all(folder).unwrap();
    let script = r#"
import sys
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
df = pd.read_csv(sys.argv[1], low_memory=False)
parts = int(sys.argv[3])
size = -(-len(df) // parts)
for i in range(parts):
    chunk = df.iloc[i * size:(i + 1) * size]
    table = pa.Table.from_pandas(chunk, preserve_index=False)
    pq.write_table(table, f"{sys.argv[2]}/part-{i:03}.parquet", row_group_size=8192)
"#;
    let python = root().join("target/references-venv/bin/python");
    let run = Command::new(&python)
        .args(["-c", script])
        .arg(csv)
        .arg(folder)
        .arg(parts.to_string())
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", python.display()));
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

/// A port free on 127.0.0.1 with the one above it free too.
fn free_port_pair() -> u16 {
    loop {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        if port < u16::MAX && TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return port;
        }
    }
}

fn wait_for(addr: SocketAddr, what: &str) {
    let start = Instant::now();
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{what} never listened on {addr}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A scheduler and executors of `netsleuth cluster`, stopped when dropped.
struct Cluster {
    scheduler: SocketAddr,
    scheduler_process: Child,
    executors: Vec<Child>,
}

impl Cluster {
    fn start(executors: usize, work: &Path) -> Cluster {
        let scheduler: SocketAddr = format!("127.0.0.1:{}", free_port_pair()).parse().unwrap();
        let spawn = |args: Vec<String>, log: &str| {
            netsleuth()
                .arg("cluster")
                .args(args)
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(work.join(log)).unwrap())
                .spawn()
                .unwrap()
        };
        let scheduler_process = spawn(
            vec!["scheduler".into(), "--bind".into(), scheduler.to_string()],
            "scheduler.log",
        );
        wait_for(scheduler, "the scheduler");
        let mut cluster = Cluster {
            scheduler,
            scheduler_process,
            executors: Vec::new(),
        };
        for i in 0..executors {
            let bind: SocketAddr = format!("127.0.0.1:{}", free_port_pair()).parse().unwrap();
            let dir = work.join(format!("executor-{i}"));
            std::fs::create_dir_all(&dir).unwrap();
            cluster.executors.push(spawn(
                vec![
                    "executor".into(),
                    "--scheduler".into(),
                    scheduler.to_string(),
                    "--bind".into(),
                    bind.to_string(),
                    "--slots".into(),
                    "2".into(),
                    "--work-dir".into(),
                    dir.display().to_string(),
                ],
                &format!("executor-{i}.log"),
            ));
            wait_for(bind, "an executor");
        }
        // Executors register with the scheduler on their first heartbeat.
        std::thread::sleep(Duration::from_secs(3));
        cluster
    }

    fn url(&self) -> String {
        format!("ballista://{}", self.scheduler)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for c in self
            .executors
            .iter_mut()
            .chain([&mut self.scheduler_process])
        {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The CloudWatch web-attack sample as three Parquet files: the same sources.csv in memory,
/// embedded and on a Ballista cluster of two executors.
#[test]
fn a_parquet_folder_is_judged_on_a_ballista_cluster_as_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("lake");
    to_parquet_folder(
        &data("cloudwatch/CloudWatch_Traffic_Web_Attack.csv"),
        &folder,
        3,
    );
    let cache = dir.path().join("cache");
    let memory = dir.path().join("memory");
    let run = detect(&[&folder], &memory, &cache, &[]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(read(&memory.join("sources.csv")).lines().count() - 1, 28);
    let embedded = dir.path().join("embedded");
    let run = detect(&[&folder], &embedded, &cache, &["--engine", "embedded"]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    same_outputs(&memory, &embedded, "embedded");

    let cluster = Cluster::start(2, dir.path());
    let remote = dir.path().join("ballista");
    let run = detect(
        &[&folder],
        &remote,
        &cache,
        &["--engine", &cluster.url(), "--partitions", "4"],
    );
    assert!(
        run.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&run.stderr),
        read(&dir.path().join("scheduler.log"))
    );
    let said = String::from_utf8_lossy(&run.stdout);
    assert!(said.contains("Ballista cluster at 127.0.0.1"), "{said}");
    same_outputs(&memory, &remote, "ballista");
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&remote.join("netsleuth-run.json"))).unwrap();
    assert_eq!(manifest["engine"]["rows_scanned"], 282);
    // Only aggregates come back: less than the events would weigh.
    let returned = manifest["engine"]["bytes_returned"].as_u64().unwrap();
    assert!(returned > 0 && returned < 400_000, "{returned}");
}

/// SCALE TEST on generated data (bench/generate_cloudwatch.py: synthetic rows drawn from the
/// real CloudWatch sample): one executor of two killed while the query runs. The query either
/// finishes with the in-memory verdicts or fails saying so; it never writes other verdicts.
#[test]
fn an_executor_killed_mid_query_never_gives_a_wrong_result() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("generated.csv");
    let python = root().join("target/references-venv/bin/python");
    let run = Command::new(&python)
        .arg(root().join("bench/generate_cloudwatch.py"))
        .arg(&csv)
        .args(["--rows", "300000", "--sources", "3000", "--days", "7"])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let folder = dir.path().join("lake");
    to_parquet_folder(&csv, &folder, 6);
    let cache = dir.path().join("cache");
    let memory = dir.path().join("memory");
    let run = detect(&[&folder], &memory, &cache, &[]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );

    let mut cluster = Cluster::start(2, dir.path());
    let out = dir.path().join("ballista");
    let mut query = netsleuth()
        .env("NETSLEUTH_CACHE_DIR", &cache)
        .arg("detect")
        .arg(&folder)
        .arg("--out")
        .arg(&out)
        .args(["--engine", &cluster.url(), "--partitions", "4"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        query.try_wait().unwrap().is_none(),
        "the query ended before the kill"
    );
    let mut victim = cluster.executors.remove(0);
    victim.kill().unwrap();
    victim.wait().unwrap();
    let start = Instant::now();
    while query.try_wait().unwrap().is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "the query neither finished nor failed"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let done = query.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&done.stderr);
    if done.status.success() {
        same_outputs(&memory, &out, "after an executor was killed");
    } else {
        assert!(said.contains("the query engine"), "{said}");
        assert!(!out.join("sources.csv").exists(), "{said}");
    }
    eprintln!(
        "after the kill: {}",
        if done.status.success() {
            "finished".into()
        } else {
            said.to_string()
        }
    );
}

//! The streaming run (`detect --streaming`: events written to shards by source, the shards
//! judged one at a time) against the in-memory run: byte for byte the same sources.csv and
//! blocklist.csv on real logs of every kind in ../shared/data and on a generated scale-test
//! file, whatever the number of shards, with the model cache shared; its losses and failures
//! said as the in-memory run says them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn data(rel: &str) -> PathBuf {
    root().join("../shared/data").join(rel)
}

fn detect(files: &[&Path], out: &Path, cache: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netsleuth"))
        .env("NETSLEUTH_CACHE_DIR", cache)
        .arg("detect")
        .args(files)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

/// `text` with each number as `#`: a value shown from a feature's z and scale may round the
/// other way when the scale differs in its last bits ("21.2 KB" against "21.3 KB").
fn digits_hidden(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() || (c == '.' && out.ends_with('#')) {
            if !out.ends_with('#') {
                out.push('#');
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Asserts that a streaming run's events_scored.csv is the in-memory run's but for the
/// forest, which each run trains anew from its own training pool: every event on the same
/// line with the same fields, the same robust z and burst scores (the medians and MADs of
/// the whole log, exact), each forest score within 0.1 (the crate's trees are unseeded: two
/// in-memory runs without a shared model cache differ as much), at least 90% of the verdicts
/// alike (the forests' own randomness moves it: 94% to 98% on Zeek's Trickbot conn.log over
/// repeated runs), and the same reason for every event both flag (floods and findings included; its
/// numbers aside), unless the reason is the forest's score itself.
fn same_events(memory: &Path, streamed: &Path, what: &str) {
    let read = |p: &Path| -> Vec<csv::StringRecord> {
        csv::Reader::from_path(p)
            .unwrap_or_else(|e| panic!("{what}: {}: {e}", p.display()))
            .records()
            .map(Result::unwrap)
            .collect()
    };
    let header = |p: &Path| {
        csv::Reader::from_path(p)
            .unwrap()
            .headers()
            .unwrap()
            .clone()
    };
    let h = header(memory);
    assert_eq!(h, header(streamed), "{what}");
    let col = |name: &str| h.iter().position(|c| c == name);
    let score = col("score").unwrap();
    let (flagged, reason) = (col("flagged").unwrap(), col("reason").unwrap());
    let (m, s) = (read(memory), read(streamed));
    assert_eq!(m.len(), s.len(), "{what}");
    let mut alike = 0;
    for (i, (a, b)) in m.iter().zip(&s).enumerate() {
        let line = i + 2;
        assert_eq!(
            a.iter().take(score).collect::<Vec<_>>(),
            b.iter().take(score).collect::<Vec<_>>(),
            "{what}: line {line}"
        );
        for exact in ["robust_z", "burst"].into_iter().filter_map(col) {
            assert_eq!(a[exact], b[exact], "{what}: line {line}, {}", &h[exact]);
        }
        if let Some(f) = col("forest") {
            let d = (a[f].parse::<f64>().unwrap() - b[f].parse::<f64>().unwrap()).abs();
            assert!(
                d <= 0.1,
                "{what}: line {line}: forest {} against {}",
                &a[f],
                &b[f]
            );
        }
        alike += usize::from(a[flagged] == b[flagged]);
        if &a[flagged] == "1" && &b[flagged] == "1" && !a[reason].starts_with("the detectors") {
            assert_eq!(
                digits_hidden(&a[reason]),
                digits_hidden(&b[reason]),
                "{what}: line {line}"
            );
        }
    }
    assert!(
        alike as f64 >= 0.90 * m.len() as f64,
        "{what}: {alike} of {} verdicts alike",
        m.len()
    );
}

/// Runs both paths on `files` and asserts the same sources.csv and blocklist.csv for every
/// shard count in `shards`, and events_scored.csv alike ([`same_events`]); returns the number
/// of sources.
fn same_verdicts(files: &[&Path], shards: &[u16]) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let memory = dir.path().join("memory");
    let run = detect(files, &memory, &cache, &[]);
    assert!(
        run.status.success(),
        "{files:?}: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let read = |p: PathBuf| std::fs::read_to_string(p).unwrap();
    let sources = read(memory.join("sources.csv"));
    let blocklist = read(memory.join("blocklist.csv"));
    for k in shards {
        let out = dir.path().join(format!("shards-{k}"));
        let spill = dir.path().join("spill");
        std::fs::create_dir_all(&spill).unwrap();
        let run = detect(
            files,
            &out,
            &cache,
            &[
                "--streaming",
                "--shards",
                &k.to_string(),
                "--spill-dir",
                spill.to_str().unwrap(),
            ],
        );
        let said = String::from_utf8_lossy(&run.stdout);
        assert!(
            run.status.success(),
            "{files:?}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(said.contains(&format!(" in {k} shards")), "{said}");
        let streamed = read(out.join("sources.csv"));
        if let Some(i) = (0..sources.lines().count())
            .find(|&i| sources.lines().nth(i) != streamed.lines().nth(i))
        {
            panic!(
                "{files:?} in {k} shards: sources.csv line {} differs:\n{}\n{}",
                i + 1,
                sources.lines().nth(i).unwrap_or_default(),
                streamed.lines().nth(i).unwrap_or_default()
            );
        }
        assert_eq!(streamed, sources, "{files:?} in {k} shards");
        assert_eq!(
            read(out.join("blocklist.csv")),
            blocklist,
            "{files:?} in {k} shards"
        );
        same_events(
            &memory.join("events_scored.csv"),
            &out.join("events_scored.csv"),
            &format!("{files:?} in {k} shards"),
        );
        assert_eq!(
            std::fs::read_dir(&spill).unwrap().count(),
            0,
            "the shards are removed after the run"
        );
    }
    sources.lines().count() - 1
}

#[test]
fn flow_logs_are_judged_in_shards_as_in_memory() {
    // AWS VPC flow logs, a Zeek conn.log of a Trickbot infection (C2 servers reached by the
    // infected host are parties of their own), CIC-IDS2017's DDoS flows and its mixed sample
    // (four internal hosts upload to one server: their claims meet across shards), IoT-23.
    for (rel, sources) in [
        ("aws-vpc-flow-logs/vpcflowlogs.log", 47),
        ("zeek/trickbot_conn.log", 17),
        ("cic-ids2017/cicids2017_improved_sample_mixed.csv", 16),
        (
            "cic-ids2017/Friday-WorkingHours-Afternoon-DDos.pcap_ISCX.first299.csv",
            44,
        ),
        ("iot-23/CTU-Malware-Capture-8-1-labeled.csv", 2),
    ] {
        assert_eq!(same_verdicts(&[&data(rel)], &[1, 3, 7]), sources, "{rel}");
    }
}

#[test]
fn web_and_honeypot_logs_are_judged_in_shards_as_in_memory() {
    // A hacked site's access log (520 sources), the CloudWatch web-attack sample, a Cowrie
    // honeypot day and Dionaea's 700 sources: findings from each source's own events. In 40
    // shards no shard holds the three sources whose referers make howto.basjes.nl the site's
    // own host: the whole log's counts keep its absolute requests from reading as proxy use.
    for (rel, sources) in [
        ("web-access-logs/hackers-access.log", 520),
        ("cloudwatch/CloudWatch_Traffic_Web_Attack.csv", 28),
        ("honeypot/cowrie/cowrie.json.2018-05-06", 19),
        ("honeypot/dionaea/dionaea_mhn_export.json", 700),
    ] {
        assert_eq!(same_verdicts(&[&data(rel)], &[2, 5, 40]), sources, "{rel}");
    }
}

/// Two files read as one investigation, the second's events after the first's.
#[test]
fn several_files_are_one_run_in_shards() {
    let a = data("web-access-logs/honeynet-redhat71_access_log.1");
    let b = data("web-access-logs/honeynet-redhat71_access_log.13");
    assert!(same_verdicts(&[&a, &b], &[3]) > 57);
}

/// SCALE TEST on generated data: bench/generate_cloudwatch.py (synthetic rows drawn from the
/// real CloudWatch sample, heavy-tailed sources) writes 200,000 rows of 3,000 sources.
#[test]
fn a_generated_log_of_200000_rows_is_judged_in_shards_as_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("generated.csv");
    let python = root().join("target/references-venv/bin/python");
    let run = Command::new(&python)
        .arg(root().join("bench/generate_cloudwatch.py"))
        .arg(&file)
        .args(["--rows", "200000", "--sources", "3000", "--days", "7"])
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", python.display()));
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(same_verdicts(&[&file], &[4]) > 2500);
}

/// IDS alerts speak of two parties at once and are judged across sources: the streaming run
/// says it cannot judge them yet and writes nothing, rather than a verdict that splits them.
#[test]
fn ids_alerts_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = detect(
        &[&data("honeypot/suricata/eve.json")],
        &out,
        &dir.path().join("cache"),
        &["--streaming", "--shards", "3"],
    );
    assert_eq!(run.status.code(), Some(1));
    let said = String::from_utf8_lossy(&run.stderr);
    assert!(
        said.contains("IDS alerts") && said.contains("without --streaming"),
        "{said}"
    );
    assert!(!out.join("sources.csv").exists());
}

/// A row the reader skips is said with its file and line, as in memory; a spill folder that
/// cannot be made fails the run with its name, writing nothing.
#[test]
fn losses_and_an_unusable_spill_folder_are_said() {
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
    let memory = detect(&[&file], &dir.path().join("m"), &cache, &[]);
    let streamed = detect(
        &[&file],
        &dir.path().join("s"),
        &cache,
        &["--streaming", "--shards", "3"],
    );
    assert_eq!(memory.status.code(), Some(2));
    assert_eq!(streamed.status.code(), Some(2));
    let said = String::from_utf8_lossy(&streamed.stderr);
    assert!(
        said.contains("damaged.csv: 1 of 283 rows skipped"),
        "{said}"
    );
    assert!(said.contains("first at line 6"), "{said}");

    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, "").unwrap();
    let out = dir.path().join("never");
    let run = detect(
        &[&file],
        &out,
        &cache,
        &[
            "--streaming",
            "--spill-dir",
            blocker.join("below").to_str().unwrap(),
        ],
    );
    assert_eq!(run.status.code(), Some(1));
    let said = String::from_utf8_lossy(&run.stderr);
    assert!(
        said.contains("streaming shards") && said.contains("a-file"),
        "{said}"
    );
    assert!(!out.join("sources.csv").exists());
}

/// KDD Cup 99's 10% (494,021 connections, no addresses: one shard holds them all) is mostly
/// floods: the streaming run counts the same two floods over the whole log, marks their events
/// as the in-memory run does and says the same caveat about the model.
#[test]
fn floods_are_found_and_marked_as_in_memory() {
    let file = data("kddcup99/kddcup.data_10_percent.gz");
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let (m, s) = (dir.path().join("m"), dir.path().join("s"));
    let memory = detect(&[&file], &m, &cache, &[]);
    let streamed = detect(&[&file], &s, &cache, &["--streaming", "--shards", "2"]);
    assert!(memory.status.success() && streamed.status.success());
    let said = |o: &Output| -> Vec<String> {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter(|l| l.contains(" flood: ") || l.starts_with("  note: Floods are"))
            .map(str::to_owned)
            .collect()
    };
    let floods = said(&memory);
    assert_eq!(floods.len(), 3, "{floods:?}");
    assert!(
        floods[0].contains("ICMP flood: 281,400 events"),
        "{floods:?}"
    );
    // The caveat counts the events flagged outside the floods, which the forest decides.
    let head = |v: &[String]| -> Vec<String> {
        v.iter()
            .map(|l| l.split(" the model learned").next().unwrap_or(l).to_owned())
            .map(|l| l.split("; the ").next().unwrap_or(&l).to_owned())
            .collect()
    };
    assert_eq!(head(&said(&streamed)), head(&floods));
    same_events(
        &m.join("events_scored.csv"),
        &s.join("events_scored.csv"),
        "kddcup 10%",
    );
    assert_eq!(
        std::fs::read(m.join("sources.csv")).unwrap(),
        std::fs::read(s.join("sources.csv")).unwrap()
    );
}

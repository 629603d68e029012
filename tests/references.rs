//! The detector families against their reference implementations, on the very rows and
//! features netsleuth scores: every shared labelled set is read, its event features built and
//! robustly standardised as detection does, and the matrix handed to PyOD (bench/references.py
//! in target/references-venv, made by scripts/install-references). ECOD and HBOS are
//! deterministic: every score must match PyOD's within 1e-6 (relative to the score's size),
//! which makes their ROC-AUCs equal too.

mod real_data;

use std::path::PathBuf;
use std::process::Command;

use netsleuth::detection::{ecod, hbos};
use netsleuth::evaluation::roc_auc;
use netsleuth::events::Verdict;
use netsleuth::features::{event_features, FeatureSettings};

/// Every labelled set of ../shared/data (bench/quality.py's list).
const LABELLED: [&str; 6] = [
    "nsl-kdd/KDDTrain+_20Percent.txt",
    "kddcup99/kddcup.data_10_percent.gz",
    "unsw-nb15/unsw-nb15_1_sampled.csv",
    "cic-ids2017/cicids2017_improved_sample_mixed.csv",
    "iot-23/CTU-Malware-Capture-8-1-labeled.csv",
    "iot-23/CTU-Malware-Capture-44-1-labeled.csv",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn f64s(bytes: &[u8]) -> Vec<f64> {
    bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

#[test]
fn ecod_and_hbos_match_pyod_on_every_labelled_set() {
    let python = root().join("target/references-venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/install-references",
        python.display()
    );
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("references");
    std::fs::create_dir_all(&dir).unwrap();
    let mut table = Vec::new();
    for rel in LABELLED {
        let (t, report) = real_data::read(rel);
        let settings = FeatureSettings::default().resolve(&[report.format]);
        let mut m = event_features(&t, &settings);
        m.standardise_robust();
        let (rows, cols) = (m.rows(), m.dims());
        let name = rel.replace('/', "_");
        let matrix = dir.join(format!("{name}.f64"));
        let labels = dir.join(format!("{name}.labels"));
        let out = dir.join(format!("{name}.scores"));
        let bytes: Vec<u8> = m
            .columns
            .iter()
            .flat_map(|c| c.iter().flat_map(f64::to_le_bytes))
            .collect();
        std::fs::write(&matrix, bytes).unwrap();
        let malicious: Vec<bool> = (0..rows)
            .map(|r| t.label(r).is_some_and(|l| l.verdict == Verdict::Malicious))
            .collect();
        std::fs::write(
            &labels,
            malicious.iter().map(|&b| u8::from(b)).collect::<Vec<_>>(),
        )
        .unwrap();
        let run = Command::new(&python)
            .arg(root().join("bench/references.py"))
            .arg(&matrix)
            .arg(rows.to_string())
            .arg(cols.to_string())
            .arg(&out)
            .args(["--detectors", "ecod,hbos", "--labels"])
            .arg(&labels)
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{rel}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        let reference = f64s(&std::fs::read(&out).unwrap());
        assert_eq!(reference.len(), 2 * rows, "{rel}");
        for (family, ours, theirs) in [
            ("ECOD", ecod::scores(&m), &reference[..rows]),
            ("HBOS", hbos::scores(&m), &reference[rows..]),
        ] {
            let worst = ours
                .iter()
                .zip(theirs)
                .enumerate()
                .map(|(i, (a, b))| (i, (a - b).abs() / b.abs().max(1.0)))
                .max_by(|x, y| x.1.total_cmp(&y.1))
                .unwrap();
            assert!(
                worst.1 <= 1e-6,
                "{rel}: {family} row {} is {} here, {} in PyOD",
                worst.0,
                ours[worst.0],
                theirs[worst.0]
            );
            let auc = roc_auc(&ours, &malicious).unwrap();
            table.push(format!("{rel}\t{family}\t{rows}x{cols}\t{auc:.4}"));
        }
        table.push(String::from_utf8_lossy(&run.stdout).trim().to_owned());
    }
    std::fs::write(dir.join("auc.txt"), table.join("\n") + "\n").unwrap();
}

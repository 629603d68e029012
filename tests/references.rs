//! The detector families against their reference implementations, on the very rows and
//! features netsleuth scores: every shared labelled set is read, its event features built and
//! robustly standardised as detection does, and the matrix handed to PyOD (bench/references.py
//! in target/references-venv, made by scripts/install-references). ECOD and HBOS are
//! deterministic: every score must match PyOD's within 1e-6 (relative to the score's size),
//! which makes their ROC-AUCs equal too. DBSCAN, fitted by scikit-learn on netsleuth's sample
//! and eps, must find the same core points and silhouette, and give every row of an evenly
//! spread check set (the sample's and 4,096 more) the same distance to the nearest core point.
//! LOF, fitted by scikit-learn on netsleuth's sample, must give every row the same outlier factor
//! within 1e-6, or, for a row whose 20th and 21st nearest sample points are equally far, one of
//! the factors the choices between them give (which one counts is each implementation's own).

mod real_data;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;

use netsleuth::detection::{autoencoder, dbscan, ecod, hbos, lof, ocsvm};
use netsleuth::evaluation::roc_auc;
use netsleuth::events::Verdict;
use netsleuth::features::{event_features, FeatureMatrix, FeatureSettings};

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

/// The event features of a file, built and robustly standardised as detection does, and
/// which rows are labelled malicious.
fn standardised(rel: &str) -> (FeatureMatrix, Vec<bool>) {
    let (t, report) = real_data::read(rel);
    let settings = FeatureSettings::default().resolve(&[report.format]);
    let mut m = event_features(&t, &settings);
    m.standardise_robust();
    let malicious = (0..t.len())
        .map(|r| t.label(r).is_some_and(|l| l.verdict == Verdict::Malicious))
        .collect();
    (m, malicious)
}

/// Writes the matrix (float64, column after column) and the labels (a byte per row) for
/// bench/references.py; returns their paths.
fn write_matrix(
    dir: &Path,
    name: &str,
    m: &FeatureMatrix,
    malicious: &[bool],
) -> (PathBuf, PathBuf) {
    let matrix = dir.join(format!("{name}.f64"));
    let labels = dir.join(format!("{name}.labels"));
    let bytes: Vec<u8> = m
        .columns
        .iter()
        .flat_map(|c| c.iter().flat_map(f64::to_le_bytes))
        .collect();
    std::fs::write(&matrix, bytes).unwrap();
    std::fs::write(
        &labels,
        malicious.iter().map(|&b| u8::from(b)).collect::<Vec<_>>(),
    )
    .unwrap();
    (matrix, labels)
}

fn as_u64(v: &[usize]) -> Vec<u8> {
    v.iter().flat_map(|&i| (i as u64).to_le_bytes()).collect()
}

#[test]
fn ecod_hbos_dbscan_and_lof_match_their_references_on_every_labelled_set() {
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
        let (m, malicious) = standardised(rel);
        let (rows, cols) = (m.rows(), m.dims());
        let name = rel.replace('/', "_");
        let (matrix, labels) = write_matrix(&dir, &name, &m, &malicious);
        let out = dir.join(format!("{name}.scores"));
        let clustering = dbscan::cluster(&m, None);
        let mut check: Vec<usize> = clustering.sample.clone();
        check.extend((0..4096).map(|i| i * rows / 4096));
        check.sort_unstable();
        check.dedup();
        let model = lof::Model::fit(&m).unwrap();
        let (lof_sample, lof_out) = (
            dir.join(format!("{name}.lof-sample")),
            dir.join(format!("{name}.lof")),
        );
        std::fs::write(&lof_sample, as_u64(&model.sample)).unwrap();
        let (sample_file, check_file, db_out) = (
            dir.join(format!("{name}.sample")),
            dir.join(format!("{name}.check")),
            dir.join(format!("{name}.dbscan")),
        );
        std::fs::write(&sample_file, as_u64(&clustering.sample)).unwrap();
        std::fs::write(&check_file, as_u64(&check)).unwrap();
        let run = Command::new(&python)
            .arg(root().join("bench/references.py"))
            .arg(&matrix)
            .arg(rows.to_string())
            .arg(cols.to_string())
            .arg(&out)
            .args(["--detectors", "ecod,hbos", "--labels"])
            .arg(&labels)
            .arg("--dbscan")
            .arg(&sample_file)
            .arg(format!("{:e}", clustering.eps))
            .arg(&check_file)
            .arg(&db_out)
            .arg("--lof")
            .arg(&lof_sample)
            .arg(&lof_out)
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
        // DBSCAN: the same core points, silhouette and distances.
        let db = f64s(&std::fs::read(&db_out).unwrap());
        let ncore = db[1] as usize;
        let core: Vec<usize> = db[2..2 + ncore].iter().map(|&c| c as usize).collect();
        assert_eq!(core, clustering.core, "{rel}: DBSCAN's core points");
        let silhouette = dbscan::silhouette(&m, &clustering);
        match silhouette {
            Some(s) => assert!(
                (s - db[0]).abs() <= 1e-6,
                "{rel}: silhouette {s} vs {}",
                db[0]
            ),
            None => assert!(db[0].is_nan(), "{rel}: silhouette None vs {}", db[0]),
        }
        let ours = dbscan::scores(&m, &clustering);
        for (k, &row) in check.iter().enumerate() {
            let theirs = db[2 + ncore + k];
            assert!(
                (ours[row] - theirs).abs() <= 1e-6 * theirs.abs().max(1.0),
                "{rel}: DBSCAN row {row} is {} here, {theirs} in scikit-learn",
                ours[row]
            );
        }
        // LOF: the same outlier factors, ties at the neighbourhood's edge aside.
        let theirs = f64s(&std::fs::read(&lof_out).unwrap());
        let ours_lof = model.scores(&m);
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-6 * b.abs().max(1.0);
        let mut tied = 0;
        for (row, (&a, &b)) in ours_lof.iter().zip(&theirs).enumerate() {
            if close(a, b) {
                continue;
            }
            let alternatives = model.tie_alternatives(&m, row);
            assert!(
                alternatives
                    .as_ref()
                    .is_some_and(|alt| alt.iter().any(|&c| close(c, b))),
                "{rel}: LOF row {row} is {a} here, {b} in scikit-learn (ties: {alternatives:?})"
            );
            tied += 1;
        }
        assert!(
            tied * 1000 <= rows,
            "{rel}: {tied} of {rows} rows differ by a tie"
        );
        table.push(format!(
            "{rel}\tLOF\t{} sample, {tied} rows decided by a tie\t{:.4}",
            model.sample.len(),
            roc_auc(&ours_lof, &malicious).unwrap()
        ));
        let auc = roc_auc(&ours, &malicious).unwrap();
        table.push(format!(
            "{rel}\tDBSCAN\teps {:.4}, {} core of {}, silhouette {silhouette:?}\t{auc:.4}",
            clustering.eps,
            ncore,
            clustering.sample.len()
        ));
    }
    std::fs::write(dir.join("auc.txt"), table.join("\n") + "\n").unwrap();
}

/// The learned families within this of their references' ROC-AUC.
const LEARNED_AUC: f64 = 0.02;

/// One-Class SVM and the autoencoder are fitted on the same evenly spread sample as
/// scikit-learn's OneClassSVM and MLPRegressor, on the anomaly-detection variant of every
/// labelled set that bench/quality.py benchmarks (every benign row, attacks subsampled to 5%):
/// their solvers and random numbers differ, so their ROC-AUCs are compared, within 0.02. The
/// reference autoencoder is trained from five seeds; where their AUCs themselves spread wider
/// than that, ours must lie within 0.02 of their range.
#[test]
fn ocsvm_and_autoencoder_rank_as_their_references_do_on_every_benchmark_variant() {
    let python = root().join("target/references-venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/install-references",
        python.display()
    );
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("references-learned");
    std::fs::create_dir_all(&dir).unwrap();
    let run = Command::new(&python)
        .arg(root().join("bench/quality.py"))
        .arg("--variants")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let variants = String::from_utf8(run.stdout).unwrap();
    assert_eq!(variants.lines().count(), LABELLED.len());
    let mut table = Vec::new();
    for line in variants.lines() {
        let file = dir.join(line.split('\t').nth(1).unwrap());
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let (m, malicious) = standardised(file.to_str().unwrap());
        let (rows, cols) = (m.rows(), m.dims());
        let (matrix, labels) = write_matrix(&dir, &name, &m, &malicious);
        let sample = ocsvm::sample_rows(rows);
        assert_eq!(sample, autoencoder::sample_rows(rows));
        let sample_file = dir.join(format!("{name}.sample"));
        std::fs::write(&sample_file, as_u64(&sample)).unwrap();
        let run = Command::new(&python)
            .arg(root().join("bench/references.py"))
            .arg(&matrix)
            .arg(rows.to_string())
            .arg(cols.to_string())
            .arg(dir.join(format!("{name}.none")))
            .args(["--detectors", "", "--labels"])
            .arg(&labels)
            .arg("--learned")
            .arg(&sample_file)
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        let reference: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
        let svm = ocsvm::Model::fit(&m).unwrap();
        let ours_svm = roc_auc(&svm.scores(&m), &malicious).unwrap();
        let theirs_svm = reference["ocsvm"].as_f64().unwrap();
        assert!(
            (ours_svm - theirs_svm).abs() <= LEARNED_AUC,
            "{name}: One-Class SVM ROC-AUC {ours_svm:.4} here, {theirs_svm:.4} in scikit-learn"
        );
        let net = autoencoder::fit(&m, &AtomicBool::new(false)).unwrap();
        let ours_ae = roc_auc(&autoencoder::scores(&net, &m), &malicious).unwrap();
        let seeds: Vec<f64> = reference["autoencoder"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let mut sorted = seeds.clone();
        sorted.sort_by(f64::total_cmp);
        let (lo, median, hi) = (
            sorted[0],
            sorted[sorted.len() / 2],
            sorted[sorted.len() - 1],
        );
        assert!(
            (ours_ae - median).abs() <= LEARNED_AUC
                || (lo - LEARNED_AUC..=hi + LEARNED_AUC).contains(&ours_ae),
            "{name}: autoencoder ROC-AUC {ours_ae:.4} here, scikit-learn's over seeds {seeds:?}"
        );
        table.push(format!(
            "{name}\t{rows}x{cols}\tocsvm {ours_svm:.4} vs {theirs_svm:.4} ({} vs {} support vectors)\tautoencoder {ours_ae:.4} ({} epochs) vs median {median:.4} of {seeds:.4?}",
            svm.support_vectors(),
            reference["ocsvm_support"],
            net.epochs
        ));
    }
    std::fs::write(dir.join("auc.txt"), table.join("\n") + "\n").unwrap();
}

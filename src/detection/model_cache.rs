//! A cache of trained forests keyed by a hash of their exact training input and settings.
//!
//! The forest crate seeds its trees from the thread's random generator, so training twice
//! gives two different forests. Caching the trained model makes the same file with the same
//! settings give the same verdicts on every open.

use std::fs;
use std::path::{Path, PathBuf};

use xxhash_rust::xxh3::Xxh3;

use crate::features::FeatureMatrix;
use crate::session::write_atomic;

use super::forest::{FlatForest, ForestSettings};

/// Environment variable that overrides the cache directory (empty disables the cache).
pub const CACHE_ENV: &str = "NETSLEUTH_CACHE_DIR";

/// The default cache directory: `$NETSLEUTH_CACHE_DIR`, else the platform's cache directory.
pub fn default_cache_dir() -> Option<PathBuf> {
    match std::env::var_os(CACHE_ENV) {
        Some(v) if v.is_empty() => None,
        Some(v) => Some(PathBuf::from(v)),
        None => directories::ProjectDirs::from("", "", "netsleuth")
            .map(|d| d.cache_dir().join("models")),
    }
}

/// The cache key of a forest trained on `m` with `settings` and `seed`.
pub fn model_key(m: &FeatureMatrix, settings: &ForestSettings, seed: u64) -> String {
    let mut h = Xxh3::new();
    h.update(b"netsleuth-forest-v2");
    for v in [
        settings.trees as u64,
        settings.sample_size as u64,
        seed,
        m.rows() as u64,
    ] {
        h.update(&v.to_le_bytes());
    }
    for (name, col) in m.names.iter().zip(&m.columns) {
        h.update(name.as_bytes());
        h.update(&[0]);
        for v in col.iter() {
            h.update(&v.to_bits().to_le_bytes());
        }
    }
    format!("{:032x}", h.digest128())
}

/// Loads the model stored under `key` in `dir`, if any and readable.
pub fn load(dir: &Path, key: &str) -> Option<FlatForest> {
    let path = dir.join(format!("{key}.json"));
    // Only a regular file of a sane size: a link to /dev/zero or a fifo would be read forever.
    let meta = fs::symlink_metadata(&path).ok()?;
    if !meta.is_file() || meta.len() > CACHE_LIMIT {
        return None;
    }
    let bytes = fs::read(&path).ok()?;
    let model: FlatForest = serde_json::from_slice(&bytes).ok()?;
    // An entry that parses but cannot score is a miss: the forest is trained and stored again.
    model.check().ok()?;
    Some(model)
}

/// The stored bytes of the model under `key` in `dir`, when it loads (see [`load`]).
pub fn model_bytes(dir: &Path, key: &str) -> Option<Vec<u8>> {
    load(dir, key)?;
    fs::read(dir.join(format!("{key}.json"))).ok()
}

/// Puts a model's stored bytes (from [`model_bytes`]) back under `key` in `dir`, unless a
/// model is there already. Bytes that do not make a model that can score are refused.
pub fn restore_model(dir: &Path, key: &str, bytes: &[u8]) -> std::io::Result<bool> {
    let valid = key.len() == 32 && key.bytes().all(|b| b.is_ascii_hexdigit());
    let model: FlatForest = serde_json::from_slice(bytes)
        .ok()
        .filter(|_| valid)
        .ok_or_else(|| std::io::Error::other(format!("model {key} is not a netsleuth model")))?;
    model.check().map_err(std::io::Error::other)?;
    if load(dir, key).is_some() {
        return Ok(false);
    }
    fs::create_dir_all(dir)?;
    write_atomic(&dir.join(format!("{key}.json")), bytes)?;
    Ok(true)
}

/// Stores `model` under `key` in `dir`, atomically. A cache that cannot be written only
/// costs reproducibility across runs, so the error is returned for the caller to report.
pub fn store(dir: &Path, key: &str, model: &FlatForest) -> std::io::Result<()> {
    let json = serde_json::to_vec(model).map_err(std::io::Error::other)?;
    write_atomic(&dir.join(format!("{key}.json")), &json)?;
    prune(dir, CACHE_LIMIT, &format!("{key}.json"));
    Ok(())
}

/// Most bytes the cache keeps: beyond, the least recently written models go first.
pub const CACHE_LIMIT: u64 = 500_000_000;

/// Removes the oldest `.json` models of `dir` until the rest fit in `limit` bytes, never the
/// one named `keep`. Errors only leave more behind.
pub fn prune(dir: &Path, limit: u64, keep: &str) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut files: Vec<(std::time::SystemTime, u64, PathBuf)> = entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|e| {
            let m = e.metadata().ok()?;
            Some((m.modified().ok()?, m.len(), e.path()))
        })
        .collect();
    let mut total: u64 = files.iter().map(|f| f.1).sum();
    files.sort();
    for (_, len, path) in files {
        if total <= limit {
            break;
        }
        if path.file_name().is_some_and(|n| n == keep) {
            continue;
        }
        if fs::remove_file(&path).is_ok() {
            total -= len;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(shift: f64) -> FeatureMatrix {
        let mut m = FeatureMatrix::default();
        m.push_imputed("a", (0..300).map(|i| (i % 17) as f64 + shift).collect());
        m.push_imputed("b", (0..300).map(|i| (i % 5) as f64).collect());
        m
    }

    #[test]
    fn keys_depend_on_data_and_settings() {
        let s = ForestSettings::default();
        assert_eq!(
            model_key(&matrix(0.0), &s, 1),
            model_key(&matrix(0.0), &s, 1)
        );
        assert_ne!(
            model_key(&matrix(0.0), &s, 1),
            model_key(&matrix(0.5), &s, 1)
        );
        assert_ne!(
            model_key(&matrix(0.0), &s, 1),
            model_key(&matrix(0.0), &s, 2)
        );
        let fewer = ForestSettings { trees: 50, ..s };
        assert_ne!(
            model_key(&matrix(0.0), &s, 1),
            model_key(&matrix(0.0), &fewer, 1)
        );
    }

    #[test]
    fn the_cache_drops_its_oldest_models_beyond_its_limit() {
        let dir = tempfile::tempdir().unwrap();
        for (i, name) in ["a.json", "b.json", "c.json", "notes.txt"]
            .iter()
            .enumerate()
        {
            fs::write(dir.path().join(name), vec![b'x'; 100]).unwrap();
            let t = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(i as u64);
            fs::File::options()
                .write(true)
                .open(dir.path().join(name))
                .unwrap()
                .set_modified(t)
                .unwrap();
        }
        prune(dir.path(), 150, "a.json");
        let mut left: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        // b (older than c) goes, then c; a is the one just written; other files stay.
        assert_eq!(left, ["a.json", "notes.txt"]);
    }

    #[test]
    fn store_then_load() {
        let dir = tempfile::tempdir().unwrap();
        let m = matrix(0.0);
        let model = super::super::forest::train(
            &m,
            &ForestSettings {
                trees: 5,
                sample_size: 32,
            },
            1,
            &std::sync::atomic::AtomicBool::new(false),
        )
        .unwrap();
        assert!(load(dir.path(), "k").is_none());
        store(dir.path(), "k", &model).unwrap();
        assert_eq!(load(dir.path(), "k"), Some(model.clone()));

        // Entries that parse but cannot score, or are no regular file, are misses.
        let mut doc: serde_json::Value = serde_json::to_value(&model).unwrap();
        for (field, value) in [("depth", 0.into()), ("c", 0.0.into()), ("dims", 0.into())] {
            let mut bad = doc.clone();
            bad[field] = value;
            fs::write(dir.path().join("bad.json"), bad.to_string()).unwrap();
            assert!(load(dir.path(), "bad").is_none(), "{field}");
        }
        doc["depth"] = (doc["depth"].as_u64().unwrap() + 1).into();
        fs::write(dir.path().join("deeper.json"), doc.to_string()).unwrap();
        assert!(
            load(dir.path(), "deeper").is_none(),
            "trees laid out for another depth"
        );
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.json")).unwrap();
            assert!(load(dir.path(), "zero").is_none());
        }
    }
}

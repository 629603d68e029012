//! A detection run's outputs replaced as one set: written into a staging folder beside `--out`,
//! then swapped into place in one step, so a reader, a killed run or a second run on the same
//! folder never leaves new files next to old ones.
//!
//! Runs on one folder take turns through a lock file beside it; whatever a killed run left
//! (its staging folder, a half-finished swap) is cleaned up or completed by the next.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::session::{exchange, sibling, OutputLock};

/// The names a run writes inside `--out` (`evaluation.csv` when the input has labels);
/// anything else there was put by someone else.
pub const OUTPUT_FILES: [&str; 5] = [
    "events_scored.csv",
    "sources.csv",
    "blocklist.csv",
    "evaluation.csv",
    MANIFEST,
];

/// The file written last into a set, listing the others with their sizes.
pub const MANIFEST: &str = "netsleuth-run.json";

/// An output folder being rewritten: holds the folder's lock until committed or dropped.
pub struct OutputSet {
    out: PathBuf,
    staging: PathBuf,
    _lock: OutputLock,
    committed: bool,
}

/// `out` as an absolute path with its symlinks resolved, its parent created.
fn resolve(out: &Path) -> io::Result<PathBuf> {
    if let Ok(real) = fs::canonicalize(out) {
        return Ok(real);
    }
    let name = out
        .file_name()
        .ok_or_else(|| io::Error::other(format!("{} names no folder", out.display())))?;
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent)?;
    Ok(fs::canonicalize(parent)?.join(name))
}

/// Entries of `out` that a run did not write, sorted.
fn foreign_entries(out: &Path) -> io::Result<Vec<String>> {
    let mut foreign: Vec<String> = fs::read_dir(out)?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !OUTPUT_FILES.contains(&n.as_str()) && !n.ends_with(".partial"))
        .collect();
    foreign.sort();
    Ok(foreign)
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

impl OutputSet {
    /// Takes `out`'s lock (calling `waiting` with the holder's note first when another run
    /// holds it), completes or removes what a killed run left, checks that `out` holds nothing
    /// but a run's outputs, and makes an empty staging folder to write into.
    pub fn begin(out: &Path, waiting: impl FnOnce(&str)) -> io::Result<OutputSet> {
        let out = resolve(out)?;
        if out.exists() && !out.is_dir() {
            return Err(io::Error::other(format!(
                "{} is a file, not a folder",
                out.display()
            )));
        }
        if out.file_name().is_none() {
            return Err(io::Error::other(format!(
                "{} is the root folder: give --out a folder of its own",
                out.display()
            )));
        }
        let lock = OutputLock::take(&out, waiting)?;
        Self::recover(&out)?;
        if out.is_dir() {
            let foreign = foreign_entries(&out)?;
            if !foreign.is_empty() {
                let (named, _) = crate::session::foreign_named(&foreign);
                return Err(io::Error::other(format!(
                    "{} holds {named} netsleuth did not write; give --out an empty or new \
                     folder, its contents are replaced as a whole",
                    out.display(),
                )));
            }
        }
        let staging = sibling(&out, &format!("new.{}", std::process::id()));
        fs::create_dir(&staging)?;
        Ok(OutputSet {
            out,
            staging,
            _lock: lock,
            committed: false,
        })
    }

    /// Cleans up after a killed run (the lock is held): a swap cut between its two renames
    /// is completed when the new set is whole, undone otherwise; staging folders are removed.
    fn recover(out: &Path) -> io::Result<()> {
        let parent = out.parent().unwrap_or(Path::new("/"));
        let prefix = sibling(out, "").file_name().unwrap_or_default().to_owned();
        let mut leftovers: Vec<PathBuf> = fs::read_dir(parent)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name().is_some_and(|n| {
                    n.as_encoded_bytes().starts_with(prefix.as_encoded_bytes())
                        && !n.as_encoded_bytes().ends_with(b"lock")
                })
            })
            .collect();
        leftovers.sort();
        if !out.exists() {
            // Judged by the leftover's own name, never by the folders above it.
            let kind = |p: &Path, k: &str| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().contains(k))
            };
            let whole = leftovers
                .iter()
                .find(|p| p.join(MANIFEST).is_file() && kind(p, "-new."));
            let old = leftovers.iter().find(|p| kind(p, "-old."));
            if let Some(back) = whole.or(old) {
                fs::rename(back, out)?;
            }
        }
        for p in leftovers.iter().filter(|p| p.exists()) {
            fs::remove_dir_all(p)?;
        }
        if out.is_dir() {
            for e in fs::read_dir(out)?.filter_map(Result::ok) {
                if e.file_name().to_string_lossy().ends_with(".partial") {
                    fs::remove_file(e.path())?;
                }
            }
        }
        Ok(())
    }

    /// Where to write the output `name` (one of [`OUTPUT_FILES`]).
    pub fn path(&self, name: &str) -> PathBuf {
        self.staging.join(name)
    }

    /// The folder the set replaces.
    pub fn out(&self) -> &Path {
        &self.out
    }

    /// Writes the manifest last, then puts the staged set in place of `out` in one step and
    /// removes the old set.
    pub fn commit(mut self, manifest: &serde_json::Value) -> io::Result<()> {
        let mut files = serde_json::Map::new();
        for name in OUTPUT_FILES.iter().filter(|&&n| n != MANIFEST) {
            if let Ok(meta) = fs::metadata(self.path(name)) {
                files.insert(name.to_string(), meta.len().into());
            }
        }
        let mut doc = manifest.clone();
        doc["bytes"] = serde_json::Value::Object(files);
        let mut text = serde_json::to_string_pretty(&doc).map_err(io::Error::other)?;
        text.push('\n');
        let mut f = File::create(self.path(MANIFEST))?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        sync_dir(&self.staging)?;
        let parent = self.out.parent().unwrap_or(Path::new("/")).to_path_buf();
        if !self.out.exists() {
            fs::rename(&self.staging, &self.out)?;
        } else if !exchange(&self.staging, &self.out)? {
            // Two renames: a run killed between them is completed by the next (see `recover`).
            let old = sibling(&self.out, &format!("old.{}", std::process::id()));
            fs::rename(&self.out, &old)?;
            fs::rename(&self.staging, &self.out)?;
            fs::rename(&old, &self.staging)?;
        }
        sync_dir(&parent)?;
        self.committed = true;
        if self.staging.exists() {
            fs::remove_dir_all(&self.staging)?;
        }
        Ok(())
    }
}

impl Drop for OutputSet {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_set(out: &Path, body: &str) -> io::Result<()> {
        let set = OutputSet::begin(out, |_| {})?;
        for name in ["events_scored.csv", "sources.csv", "blocklist.csv"] {
            fs::write(set.path(name), body)?;
        }
        set.commit(&serde_json::json!({ "body": body }))
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut n: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        n.sort();
        n
    }

    #[test]
    fn a_set_replaces_the_last_as_a_whole() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        write_set(&out, "one").unwrap();
        write_set(&out, "two").unwrap();
        assert_eq!(fs::read_to_string(out.join("sources.csv")).unwrap(), "two");
        let manifest: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(out.join(MANIFEST)).unwrap()).unwrap();
        assert_eq!(manifest["body"], "two");
        assert_eq!(manifest["bytes"]["blocklist.csv"], 3);
        assert_eq!(
            names(dir.path()),
            [".out.netsleuth-lock", "out"],
            "no staging folder is left"
        );
    }

    #[test]
    fn an_unfinished_set_leaves_the_last_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        write_set(&out, "one").unwrap();
        {
            let set = OutputSet::begin(&out, |_| {}).unwrap();
            fs::write(set.path("sources.csv"), "half").unwrap();
        }
        assert_eq!(fs::read_to_string(out.join("sources.csv")).unwrap(), "one");
        assert_eq!(names(dir.path()), [".out.netsleuth-lock", "out"]);
    }

    #[test]
    fn a_swap_cut_between_its_renames_is_completed_or_undone() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        write_set(&out, "one").unwrap();
        // Killed after moving the old set aside, before the new one was in place.
        fs::rename(&out, sibling(&out, "old.7")).unwrap();
        let new = sibling(&out, "new.7");
        fs::create_dir(&new).unwrap();
        fs::write(new.join("sources.csv"), "two").unwrap();
        fs::write(new.join(MANIFEST), "{}").unwrap();
        drop(OutputSet::begin(&out, |_| {}).unwrap());
        assert_eq!(fs::read_to_string(out.join("sources.csv")).unwrap(), "two");
        assert_eq!(names(dir.path()), [".out.netsleuth-lock", "out"]);
        // The same cut with a new set that never got its manifest: the old set comes back.
        fs::rename(&out, sibling(&out, "old.8")).unwrap();
        let new = sibling(&out, "new.8");
        fs::create_dir(&new).unwrap();
        fs::write(new.join("sources.csv"), "three").unwrap();
        drop(OutputSet::begin(&out, |_| {}).unwrap());
        assert_eq!(fs::read_to_string(out.join("sources.csv")).unwrap(), "two");
        assert_eq!(names(dir.path()), [".out.netsleuth-lock", "out"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_at_the_lock_is_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let secret = outside.path().join("secret");
        fs::write(&secret, "root only").unwrap();
        let out = dir.path().join("out");
        std::os::unix::fs::symlink(&secret, sibling(&out, "lock")).unwrap();
        let e = OutputSet::begin(&out, |_| {}).err().unwrap().to_string();
        assert!(e.contains("a symbolic link, never followed"), "{e}");
        assert_eq!(fs::read_to_string(&secret).unwrap(), "root only");
    }

    #[test]
    fn the_root_folder_is_refused_without_a_lock_beside_it() {
        let e = OutputSet::begin(Path::new("/"), |_| {})
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("is the root folder"), "{e}");
        assert!(!Path::new("/..netsleuth-lock").exists());
    }

    #[test]
    fn a_folder_holding_other_files_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        fs::write(dir.path().join("sources.csv"), "old").unwrap();
        let e = OutputSet::begin(dir.path(), |_| {})
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("holds 1 entry (notes.txt) netsleuth did not write"),
            "{e}"
        );
        assert_eq!(
            fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
            "mine"
        );
        assert_eq!(
            fs::read_to_string(dir.path().join("sources.csv")).unwrap(),
            "old"
        );
    }

    #[test]
    fn a_second_run_waits_for_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let first = OutputSet::begin(&out, |_| {}).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let out2 = out.clone();
        let second = std::thread::spawn(move || {
            let set =
                OutputSet::begin(&out2, |holder| tx.send(holder.to_string()).unwrap()).unwrap();
            fs::write(set.path("sources.csv"), "second").unwrap();
            set.commit(&serde_json::json!({})).unwrap();
        });
        let holder = rx.recv().unwrap();
        assert_eq!(
            holder,
            format!("netsleuth run, process {}", std::process::id())
        );
        fs::write(first.path("sources.csv"), "first").unwrap();
        first.commit(&serde_json::json!({})).unwrap();
        second.join().unwrap();
        assert_eq!(
            fs::read_to_string(out.join("sources.csv")).unwrap(),
            "second"
        );
    }
}

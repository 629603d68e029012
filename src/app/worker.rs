//! Work done off the UI thread, and at its boundary: a panic in a worker (or while drawing)
//! becomes a message in the window instead of a closed window or a job that never ends.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// Runs `f`, returning what its panic said when it panics.
pub fn caught<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| panic_message(payload.as_ref()))
}

/// The text a panic was raised with.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "an unexplained internal error".to_string()
    }
}

/// The sentence the window shows for a panic in `what` ("reading the files").
pub fn internal_error(what: &str, message: &str) -> String {
    format!(
        "Internal error while {what}: {message}. Your decisions, notes and blocklist were saved \
         as you made them; please report this with the file that caused it."
    )
}

/// Faults registered by tests: a worker panics at a point for a file.
static FAULTS: Mutex<Vec<(&'static str, PathBuf)>> = Mutex::new(Vec::new());

/// Whether any fault was ever injected: the check on every frame stays one load.
static ANY_FAULT: AtomicBool = AtomicBool::new(false);

/// Makes the worker named `point` ("read", "detect") or the drawing of the window ("draw")
/// panic whenever it works on `file`: fault injection, so that tests can check what the
/// window does when something fails.
pub fn inject_fault(point: &'static str, file: &Path) {
    FAULTS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push((point, file.to_path_buf()));
    ANY_FAULT.store(true, Ordering::Relaxed);
}

/// Panics when a fault was injected at `point` for one of `files`.
pub(crate) fn fault<'a>(point: &str, files: impl IntoIterator<Item = &'a Path>) {
    if !ANY_FAULT.load(Ordering::Relaxed) {
        return;
    }
    let faults = FAULTS.lock().unwrap_or_else(|p| p.into_inner());
    let hit = files.into_iter().find_map(|file| {
        faults
            .iter()
            .any(|(p, f)| *p == point && f == file)
            .then(|| file.display().to_string())
    });
    drop(faults);
    if let Some(file) = hit {
        panic!("fault injected at {point} for {file}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_is_returned_as_its_message() {
        assert_eq!(caught(|| 7), Ok(7));
        assert_eq!(caught(|| panic!("boom")), Err::<(), _>("boom".to_string()));
        let n = 3;
        assert_eq!(
            caught(|| panic!("{n} rows")),
            Err::<(), _>("3 rows".to_string())
        );
    }
}

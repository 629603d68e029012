//! The lock a run takes on what it writes (`detect`'s output folder, an export's file or
//! folder), so that runs on the same output take turns; and the one-step swap of two folders.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

/// A sibling of `out` named for it: `.NAME.netsleuth-KIND`.
pub fn sibling(out: &Path, kind: &str) -> PathBuf {
    let mut name = OsString::from(".");
    name.push(out.file_name().unwrap_or_default());
    name.push(".netsleuth-");
    name.push(kind);
    out.with_file_name(name)
}

/// Entries found in an output that a run did not write, for a refusal: `1 entry (NOTES.md)`,
/// `7 entries (a, b, c, d, e, …)`, with the pronoun to move them by (`it`, `them`).
pub fn foreign_named(names: &[String]) -> (String, &'static str) {
    let shown: Vec<&str> = names.iter().take(5).map(String::as_str).collect();
    let text = format!(
        "{} entr{} ({}{})",
        names.len(),
        if names.len() == 1 { "y" } else { "ies" },
        shown.join(", "),
        if names.len() > shown.len() {
            ", …"
        } else {
            ""
        }
    );
    (text, if names.len() == 1 { "it" } else { "them" })
}

/// A held lock on an output, released when dropped.
#[derive(Debug)]
pub struct OutputLock {
    file: File,
}

impl OutputLock {
    /// Takes the lock of `out` (the file `.NAME.netsleuth-lock` beside it, never through a
    /// link), calling `waiting` with the holder's note first when another run holds it, and
    /// leaves this process's note in it.
    pub fn take(out: &Path, waiting: impl FnOnce(&str)) -> io::Result<OutputLock> {
        if out.file_name().is_none() {
            return Err(io::Error::other(format!(
                "{} names no file or folder of its own",
                out.display()
            )));
        }
        let path = sibling(out, "lock");
        let mut file = super::open_no_follow(&path, false).map_err(|e| {
            io::Error::other(format!(
                "cannot open the lock {}{}: {e}",
                path.display(),
                if fs::symlink_metadata(&path).is_ok_and(|m| m.is_symlink()) {
                    " (a symbolic link, never followed: remove it)"
                } else {
                    ""
                }
            ))
        })?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                // The holder writes its note just after taking the lock: it may not be there yet.
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                waiting(if holder.is_empty() {
                    "another netsleuth run"
                } else {
                    holder
                });
                file.lock()?;
            }
            Err(fs::TryLockError::Error(e)) => return Err(e),
        }
        file.set_len(0)?;
        file.rewind()?;
        write!(file, "netsleuth run, process {}", std::process::id())?;
        Ok(OutputLock { file })
    }
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// Swaps the folders at `a` and `b` in one step. `Ok(false)` when the file system cannot.
#[cfg(target_os = "linux")]
pub fn exchange(a: &Path, b: &Path) -> io::Result<bool> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| CString::new(p.as_os_str().as_bytes()).map_err(io::Error::other);
    let (ca, cb) = (c(a)?, c(b)?);
    // SAFETY: both are valid NUL-terminated paths; renameat2 reads them and nothing else.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        return Ok(true);
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP) => Ok(false),
        _ => Err(e),
    }
}

/// Swaps the folders at `a` and `b` in one step. `Ok(false)` when the file system cannot.
#[cfg(not(target_os = "linux"))]
pub fn exchange(_: &Path, _: &Path) -> io::Result<bool> {
    Ok(false)
}

//! The blocklist and the domain list as the window holds them: their undo history and
//! coverage, and their saving (large lists on a worker).

use super::*;

/// Lists this long are saved on a worker thread, so that an edit never holds up a frame; shorter
/// ones are saved before the next frame.
const BACKGROUND_SAVE: usize = 5_000;

/// The worker that saves a large list (the blocklist, the domain blocklist): it writes the
/// latest list it was given, one save at a time, and finishes its last save when the app
/// closes.
pub(super) struct Saver<T> {
    sender: Option<std::sync::mpsc::Sender<T>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl<T: Send + 'static> Saver<T> {
    /// Starts the worker saving `what` ("the blocklist") with `save` into `dir`.
    fn start(
        dir: PathBuf,
        report: std::sync::mpsc::Sender<JobResult>,
        what: &'static str,
        save: fn(&T, &std::path::Path) -> std::io::Result<()>,
    ) -> Saver<T> {
        let (sender, lists) = channel::<T>();
        let thread = std::thread::Builder::new()
            .name("netsleuth-list-saver".into())
            .spawn(move || {
                while let Ok(mut list) = lists.recv() {
                    while let Ok(newer) = lists.try_recv() {
                        list = newer;
                    }
                    if let Err(e) = save(&list, &dir) {
                        let _ = report.send(JobResult::SaveFailed(format!(
                            "Cannot save {what} in {}: {e}",
                            dir.display()
                        )));
                    }
                }
            })
            .ok();
        Saver {
            sender: Some(sender),
            thread,
        }
    }

    fn save(&self, list: T) {
        if let Some(s) = &self.sender {
            let _ = s.send(list);
        }
    }
}

impl<T> Drop for Saver<T> {
    fn drop(&mut self) {
        self.sender = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The blocklist with its undo history and coverage index.
#[derive(Debug, Clone, Default)]
pub struct BlocklistState {
    /// The list as saved.
    pub list: Blocklist,
    /// Undo and redo.
    pub history: History,
    /// Which entry covers an address, rebuilt after every change.
    pub coverage: Coverage,
    /// The file on disk exists but could not be read: never overwrite it.
    pub unreadable: bool,
    /// Changes with every edit, so that views can cache what they derive.
    pub generation: u64,
}

impl BlocklistState {
    /// Replaces the list (as loaded), with an empty history.
    pub fn set(&mut self, list: Blocklist) {
        self.coverage = list.coverage();
        self.list = list;
        self.history = History::default();
    }

    /// The decision about `ip`, for the source panel and the alerts table.
    pub fn decision(&self, ip: IpAddr) -> Option<Decision> {
        self.list.decision(&self.coverage, ip)
    }

    /// The edit that toggles `d` about the source `v` of the open investigation, an entry
    /// from `origin` with its findings (or top reason) and confidence when it blocks.
    pub fn toggle(&self, v: &SourceVerdict, d: Decision, origin: Origin) -> Edit {
        self.list
            .toggle(v.stats.ip, d, || crate::blocklist::entry_for(v, origin))
    }
}

/// The domain blocklist with its undo history, and the names detection proposes.
#[derive(Debug, Clone, Default)]
pub struct DomainsState {
    /// The list as saved.
    pub list: DomainList,
    /// Undo and redo.
    pub history: History<DomainList>,
    /// The file on disk exists but could not be read: never overwrite it.
    pub unreadable: bool,
    /// Changes with every edit, so that views can cache what they derive.
    pub generation: u64,
    /// The names detection proposes for blocking, for the analyst to accept or reject.
    pub proposals: Vec<DomainProposal>,
    /// Changes whenever new proposals arrive.
    pub proposals_generation: u64,
}

impl NetsleuthApp {
    /// After a blocklist change: the index, the generation, and the save.
    pub(super) fn blocklist_changed(&mut self) {
        let b = &mut self.view.blocklist;
        b.coverage = b.list.coverage();
        self.blocklist_edited();
    }

    /// After a change whose coverage index is already rebuilt: a new generation, saved.
    pub(super) fn blocklist_edited(&mut self) {
        self.view.blocklist.generation += 1;
        self.save_blocklist();
    }

    /// Saves the blocklist after every change. When the file on disk could not be read at
    /// start, it is left alone (and the analyst told) rather than overwritten.
    pub(super) fn save_blocklist(&mut self) {
        if self.view.blocklist.unreadable {
            return;
        }
        if let Some(c) = &self.case {
            let list = &self.view.blocklist.list;
            c.worker.save(case::CaseWrite::Blocklist(
                Box::new(list.clone()),
                format!("{} entries", thousands(list.entries.len() as u64)),
            ));
            // The allowlist is the organisation's: it goes to the list kept for every file.
            let (Some(global), Some(dir)) = (&mut self.global, &self.config_dir) else {
                return;
            };
            if global.allowlist != list.allowlist {
                global.allowlist = list.allowlist.clone();
                if let Err(e) = crate::blocklist::save(global, dir) {
                    self.view.notice = Some(format!(
                        "Cannot save the allowlist in {}: {e}",
                        dir.display()
                    ));
                }
            }
            return;
        }
        let Some(dir) = &self.config_dir else {
            return;
        };
        let list = &self.view.blocklist.list;
        if list.entries.len() < BACKGROUND_SAVE {
            if let Err(e) = crate::blocklist::save(list, dir) {
                self.view.notice = Some(format!(
                    "Cannot save the blocklist in {}: {e}",
                    dir.display()
                ));
            }
            return;
        }
        let saver = self.saver.get_or_insert_with(|| {
            Saver::start(
                dir.clone(),
                self.job_sender.clone(),
                "the blocklist",
                crate::blocklist::save,
            )
        });
        saver.save(list.clone());
    }

    /// Takes in a list of names read on a worker: the list it made when the domain list has
    /// not changed since, else its entries added again to the list as it is now.
    pub(super) fn domains_imported(&mut self, path: &std::path::Path, done: DomainImportDone) {
        let DomainImportDone {
            skipped,
            admitted,
            base,
            list,
            undo,
        } = done;
        let mut report = format!(
            "{}: {} added",
            path.display(),
            thousands(admitted.entries.len() as u64)
        );
        if admitted.duplicates > 0 {
            report.push_str(&format!(
                ", {} already listed",
                thousands(admitted.duplicates as u64)
            ));
        }
        let mut left_out: Vec<_> = skipped.iter().chain(&admitted.refused).collect();
        left_out.sort_by_key(|s| s.line);
        if !left_out.is_empty() {
            report.push_str(&format!(
                ", {} lines left out",
                thousands(left_out.len() as u64)
            ));
            for s in left_out.iter().take(5) {
                report.push_str(&format!("\nline {}: {}", s.line, s.why));
            }
            if left_out.len() > 5 {
                report.push_str(&format!(
                    "\nand {} more",
                    thousands(left_out.len() as u64 - 5)
                ));
            }
        }
        self.view.domains_view.import_report = Some(report);
        let d = &mut self.view.domains;
        let changed = if d.generation == base {
            d.history.record(undo) && {
                d.list = list;
                true
            }
        } else {
            d.history
                .apply(&mut d.list, DomainEdit::put(admitted.entries))
        };
        if changed {
            self.domains_changed();
        }
    }

    /// After a domain blocklist change: a new generation, saved (unless the file on disk could
    /// not be read at start, which is then left alone).
    pub(super) fn domains_changed(&mut self) {
        self.view.domains.generation += 1;
        if self.view.domains.unreadable {
            return;
        }
        let Some(dir) = &self.config_dir else {
            return;
        };
        let list = &self.view.domains.list;
        if list.entries.len() < BACKGROUND_SAVE {
            if let Err(e) = crate::domains::save(list, dir) {
                self.view.notice = Some(format!(
                    "Cannot save the domain blocklist in {}: {e}",
                    dir.display()
                ));
            }
            return;
        }
        let saver = self.domain_saver.get_or_insert_with(|| {
            Saver::start(
                dir.clone(),
                self.job_sender.clone(),
                "the domain blocklist",
                crate::domains::save,
            )
        });
        saver.save(list.clone());
    }
}

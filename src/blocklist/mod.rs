//! The analyst's blocklist: entries with their action, reason and origin, the allowlist that
//! is never blocked, proposals from detection, merging into fewer networks, guardrails, list
//! import, undo and redo, and the atomic saved file. No GUI here; the views send edits.

mod address;
mod aggregate;
mod entry;
mod guard;
mod history;
mod import;
mod list;
mod proposals;
mod reserved;
mod store;

pub use address::{canonical_ip, common_supernet, overlaps, parse_net, parse_nets, size};
pub use aggregate::{
    merge_edit, plan, plan_list, Limits, Merge, Plan, DEFAULT_MAX_V4, DEFAULT_MAX_V6,
    DEFAULT_PER_LISTED,
};
pub use entry::{format_time, now, parse_time, Action, AllowEntry, Direction, Entry, Origin};
pub use guard::{guardrails, SourceFact, Warning, BROAD_V4, BROAD_V6};
pub use history::{History, Undoable};
pub use import::{
    admit, admit_saved, read_list, read_list_file, Admitted, Candidate, ListRead, Skipped,
};
pub use list::{Blocklist, Coverage, Decision, Edit, Protected, FILE_VERSION};
pub use proposals::{accept, entry_for, proposals, reason_of, reject, Proposal};
pub use reserved::{reserved, reserved_overlap};
pub use store::{blocklist_path, decisions_path, load, read_blocklist, save, save_to, Loaded};

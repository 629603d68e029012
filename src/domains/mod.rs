//! The domain blocklist: names to block at the resolver or proxy when their address must not
//! be blocked (shared hosting, CDNs). Names validated so that none can break an export,
//! entries with their action (NXDOMAIN or a sinkhole), reason, origin and the addresses and
//! files they were seen in, the allowlist and the names never blocked (public suffixes) or
//! only on confirmation (critical domains), proposals from detection, list import, undo and
//! redo, the atomic saved file, and the exports. No GUI here; the Domains view sends edits.
//!
//! Detection proposes names through [`DomainProposal`]; the window keeps them in a
//! `Vec<DomainProposal>` and shows [`pending`] ones for the analyst to accept or reject.

mod entry;
pub mod export;
mod guard;
mod import;
mod list;
mod name;
mod proposals;
mod store;

pub use entry::{Action, AllowedDomain, DomainEntry, Origin};
pub use export::{render, write, DomainFormat, DomainOptions};
pub use guard::{confirmation, critical, refusal, refused, Refusal, CRITICAL};
pub use import::{admit, read_names, read_names_file, Admitted, NameCandidate, NamesRead};
pub use list::{DomainCoverage, DomainEdit, DomainList, FILE_VERSION};
pub use name::{parse_pattern, shown, DomainName, MAX_LABEL, MAX_NAME};
pub use proposals::{accept, from_detection, pending, reject, DomainProposal};
pub use store::{domains_path, load, read_domains, save, save_to};

//! Shared infrastructure: whether an address serves many unrelated sites (a CDN, cloud or
//! large platform, a hosting provider reached by name), so that blocking it would break them.

use crate::geo::{shared_owner, SharedKind};

use super::names::sites;

/// Whether an AS organisation's name says it rents servers: a smaller host than the shared
/// infrastructure list holds ("Kaopu Cloud HK Limited", "WebNX, Inc.").
fn hosts_by_its_name(org: &str) -> bool {
    let o = org.to_ascii_lowercase();
    [
        "cloud",
        "hosting",
        "host ",
        "server",
        "data center",
        "datacenter",
        "colocation",
        "vps",
        "webnx",
    ]
    .iter()
    .any(|w| o.contains(w))
}

/// Why an address is shared by many sites, when it is: its AS belongs to a CDN, cloud or
/// large platform; or to a hosting provider (listed, or one by its name) and it was reached
/// by name (the name, not the rented address, is what the client asked for); or it served
/// several unrelated sites in these logs.
pub(super) fn shared_by(names: &[String], asn: Option<u32>, org: Option<&str>) -> Option<String> {
    let by_name = !names.is_empty();
    if let Some(owner) = asn.and_then(shared_owner) {
        match owner.kind {
            SharedKind::Platform => {
                return Some(format!("belongs to {} ({})", owner.owner, owner.reason))
            }
            SharedKind::Hosting if by_name => {
                return Some(format!(
                    "belongs to {}, a hosting provider ({}), and was reached by name",
                    owner.owner, owner.reason
                ))
            }
            SharedKind::Hosting => {}
        }
    } else if let Some(org) = org.filter(|o| by_name && hosts_by_its_name(o)) {
        return Some(format!(
            "belongs to {}, a hosting or cloud company by its name, and was reached by name",
            crate::detection::behaviour::quote(org).trim_matches('`')
        ));
    }
    let set: std::collections::BTreeSet<String> = names.iter().cloned().collect();
    let sites = sites(&set);
    (sites.len() >= 2).then(|| {
        let shown: Vec<&str> = sites.iter().take(3).copied().collect();
        let more = match sites.len() {
            n if n > 3 => format!(" and {} more", n - 3),
            _ => String::new(),
        };
        format!(
            "serves {} unrelated sites in these logs ({}{more})",
            sites.len(),
            shown.join(", ")
        )
    })
}

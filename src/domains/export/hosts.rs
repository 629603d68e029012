//! A hosts file (`/etc/hosts`, Windows' `hosts`, Pi-hole and AdGuard lists): each name on a
//! line of its own for each address family, since a name missing from one family is looked
//! up in DNS for it. Hosts files cannot answer NXDOMAIN (the null addresses `0.0.0.0` and
//! `::` stand in) nor name subdomains.

use std::net::IpAddr;

use super::{Ctx, DomainName};
use crate::domains::entry::Action;

pub(super) fn hosts(ctx: &mut Ctx) -> String {
    let wide: Vec<&DomainName> = ctx
        .entries
        .iter()
        .filter(|e| e.subdomains)
        .map(|e| &e.name)
        .collect();
    ctx.note_of(
        &wide,
        "entries with subdomains block the name alone: a hosts file cannot name subdomains",
    );
    let nx = ctx
        .entries
        .iter()
        .filter(|e| e.action == Action::Nxdomain)
        .count();
    if nx > 0 {
        ctx.notes.push(format!(
            "{nx} NXDOMAIN entries answer 0.0.0.0 and :: instead: a hosts file cannot say \"no such name\""
        ));
    }
    let mut s = ctx.header();
    for e in &ctx.entries {
        s.push_str(&ctx.entry_comment(e));
        let (v4, v6) = match e.action {
            Action::Nxdomain => ("0.0.0.0".to_string(), "::".to_string()),
            Action::Sinkhole(IpAddr::V4(ip)) => (ip.to_string(), "::".to_string()),
            Action::Sinkhole(IpAddr::V6(ip)) => ("0.0.0.0".to_string(), ip.to_string()),
        };
        s.push_str(&format!("{v4} {n}\n{v6} {n}\n", n = e.name));
    }
    s
}

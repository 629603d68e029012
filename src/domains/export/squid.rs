//! A Squid `dstdomain` ACL file: `.name` for a name with its subdomains, `name` alone
//! otherwise, with the `acl` and `http_access deny` lines to add to squid.conf. A proxy
//! refuses the request whatever the entry's action; names already covered by a listed parent
//! are left out, as Squid warns about them.

use std::collections::HashSet;

use super::{Ctx, DomainName};
use crate::domains::entry::Action;

pub(super) fn squid(ctx: &mut Ctx) -> String {
    let wide: HashSet<&str> = ctx
        .entries
        .iter()
        .filter(|e| e.subdomains)
        .map(|e| e.name.as_str())
        .collect();
    // A name is covered when one of its parents is listed with its subdomains.
    let covered = |name: &DomainName| {
        name.as_str()
            .match_indices('.')
            .any(|(i, _)| wide.contains(&name.as_str()[i + 1..]))
    };
    let (kept, inside): (Vec<_>, Vec<_>) = std::mem::take(&mut ctx.entries)
        .into_iter()
        .partition(|e| !covered(&e.name));
    ctx.entries = kept;
    let inside: Vec<&DomainName> = inside.iter().map(|e| &e.name).collect();
    ctx.note_of(
        &inside,
        "entries left out: a parent listed with its subdomains covers them",
    );
    let sinkholed: Vec<&DomainName> = ctx
        .entries
        .iter()
        .filter(|e| matches!(e.action, Action::Sinkhole(_)))
        .map(|e| &e.name)
        .collect();
    ctx.note_of(
        &sinkholed,
        "sinkhole entries are denied: a proxy refuses the request, it has no address to send it to",
    );
    let acl = ctx.opts.name.replace('-', "_");
    let mut s = ctx.header();
    s.push_str(&format!(
        "# In squid.conf, before the http_access lines that allow:\n\
         #     acl {acl} dstdomain \"/etc/squid/{file}\"\n\
         #     http_access deny {acl}\n",
        file = super::DomainFormat::Squid.default_name()
    ));
    for e in &ctx.entries {
        s.push_str(&ctx.entry_comment(e));
        let dot = if e.subdomains { "." } else { "" };
        s.push_str(&format!("{dot}{}\n", e.name));
    }
    s
}

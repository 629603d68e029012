//! Resolver configurations: Unbound `local-zone:` lines in a `server:` clause, and dnsmasq
//! `address=` lines. Both block a name with all its subdomains, whatever the entry says.

use super::{Ctx, DomainName};
use crate::domains::entry::Action;

/// A note on the entries that asked for the name alone, which `what` blocks with its
/// subdomains all the same.
fn subdomains_note(ctx: &mut Ctx, what: &str) {
    let alone: Vec<&DomainName> = ctx
        .entries
        .iter()
        .filter(|e| !e.subdomains)
        .map(|e| &e.name)
        .collect();
    ctx.note_of(
        &alone,
        &format!("entries that left out their subdomains block them too: {what} always does"),
    );
}

/// `local-zone: "name." always_nxdomain`, or for a sinkhole a `redirect` zone whose
/// `local-data` answers every name under it with the sinkhole's address.
pub(super) fn unbound(ctx: &mut Ctx) -> String {
    subdomains_note(ctx, "an Unbound local zone");
    let mut s = ctx.header();
    s.push_str(&format!(
        "# Include from unbound.conf:\n#     include: \"/etc/unbound/unbound.conf.d/{}\"\nserver:\n",
        super::DomainFormat::Unbound.default_name()
    ));
    for e in &ctx.entries {
        s.push_str(&ctx.entry_comment(e));
        match e.action {
            Action::Nxdomain => {
                s.push_str(&format!(
                    "    local-zone: \"{}.\" always_nxdomain\n",
                    e.name
                ));
            }
            Action::Sinkhole(ip) => {
                let kind = if ip.is_ipv4() { "A" } else { "AAAA" };
                s.push_str(&format!(
                    "    local-zone: \"{n}.\" redirect\n    local-data: \"{n}. {kind} {ip}\"\n",
                    n = e.name
                ));
            }
        }
    }
    s
}

/// `address=/name/` (NXDOMAIN), or for a sinkhole `address=/name/ADDRESS` with `local=/name/`
/// so that the other address family is answered empty instead of sent upstream (dnsmasq
/// 2.86 and later forward it).
pub(super) fn dnsmasq(ctx: &mut Ctx) -> String {
    subdomains_note(ctx, "dnsmasq");
    let mut s = ctx.header();
    s.push_str(&format!(
        "# Put in /etc/dnsmasq.d/ or load with conf-file=/etc/dnsmasq.d/{}\n",
        super::DomainFormat::Dnsmasq.default_name()
    ));
    for e in &ctx.entries {
        s.push_str(&ctx.entry_comment(e));
        match e.action {
            Action::Nxdomain => s.push_str(&format!("address=/{}/\n", e.name)),
            Action::Sinkhole(ip) => {
                s.push_str(&format!("address=/{n}/{ip}\nlocal=/{n}/\n", n = e.name));
            }
        }
    }
    s
}

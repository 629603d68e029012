//! Host firewalls: `ipset restore` input with iptables and ip6tables rules, and an nftables
//! table with interval sets (overlapping entries merged first, as nft refuses them).

use ipnet::IpNet;

use super::limits::{IPSET_COMMENT_CHARS, IPSET_NAME_CHARS, NFT_COMMENT_CHARS};
use super::sanitize::plain_quoted;
use super::{addr, why, Ctx, Format, OutFile};
use crate::blocklist::{Action, Entry};

fn set_base(ctx: &Ctx) -> Result<String, String> {
    let base: String = ctx
        .opts
        .name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "-_".contains(*c))
        .collect();
    if base.is_empty() {
        return Err(format!("name '{}' has no letter or digit", ctx.opts.name));
    }
    Ok(base
        .chars()
        .take(IPSET_NAME_CHARS - "-out-v4-tmp".len())
        .collect())
}

fn drop_only(ctx: &Ctx, format: Format) -> Result<(), String> {
    if ctx.opts.action == Action::Block {
        Ok(())
    } else {
        Err(format!("{} drops; export block entries", format.title()))
    }
}

/// `netsleuth.ipset`, `netsleuth.rules.v4` and `netsleuth.rules.v6`.
pub(super) fn ipset(ctx: &mut Ctx) -> Result<Vec<OutFile>, String> {
    drop_only(ctx, Format::Ipset)?;
    let base = set_base(ctx)?;
    let mut sets = ctx.hash_header(Format::Ipset);
    sets.push_str(
        "# Load with: ipset restore -exist < netsleuth.ipset\n# Each set is filled under a temporary name and swapped in at once, so reloading an updated\n# list never leaves the firewall with a half-filled set. Load the rules files once: the rules\n# keep matching the set across reloads (loading them again adds the rules a second time).\n# A list that outgrows a set's maxelem needs the set destroyed first (ipset destroy NAME).\n",
    );
    let mut files = Vec::new();
    for (family, ipt, suffix, list) in [
        ("inet", "iptables", "v4", &ctx.v4),
        ("inet6", "ip6tables", "v6", &ctx.v6),
    ] {
        let (inbound, outbound) = by_direction(list);
        let mut rules = ctx.hash_header(Format::Ipset);
        rules.push_str(&format!(
            "# After the sets: {ipt}-restore --noflush < netsleuth.rules.{suffix}\n*filter\n"
        ));
        let name = format!("{base}-{suffix}");
        ipset_set(&mut sets, &name, family, &inbound);
        rules.push_str(&format!(
            "-I INPUT -m set --match-set {name} src -j DROP\n-I FORWARD -m set --match-set {name} src -j DROP\n"
        ));
        if !outbound.is_empty() {
            let name = format!("{base}-out-{suffix}");
            ipset_set(&mut sets, &name, family, &outbound);
            rules.push_str(&format!(
                "-I OUTPUT -m set --match-set {name} dst -j DROP\n-I FORWARD -m set --match-set {name} dst -j DROP\n"
            ));
        }
        rules.push_str("COMMIT\n");
        files.push(OutFile {
            name: format!("netsleuth.rules.{suffix}"),
            bytes: rules.into_bytes(),
        });
    }
    files.insert(
        0,
        OutFile {
            name: "netsleuth.ipset".into(),
            bytes: sets.into_bytes(),
        },
    );
    Ok(files)
}

/// Fills set `name` of `family` with `list` under a temporary name and swaps it in.
/// The entries that block traffic from their address, and those that block traffic to it (an
/// entry of both directions is in both).
fn by_direction<'a>(list: &[&'a Entry]) -> (Vec<&'a Entry>, Vec<&'a Entry>) {
    let inbound = list
        .iter()
        .copied()
        .filter(|e| e.direction.inbound())
        .collect();
    let outbound = list
        .iter()
        .copied()
        .filter(|e| e.direction.outbound())
        .collect();
    (inbound, outbound)
}

fn ipset_set(sets: &mut String, name: &str, family: &str, list: &[&Entry]) {
    let tmp = format!("{name}-tmp");
    let maxelem = (list.len() * 2).next_power_of_two().max(65_536);
    let options = format!("hash:net family {family} hashsize 1024 maxelem {maxelem} comment");
    sets.push_str(&format!(
        "create {name} {options} -exist\ncreate {tmp} {options} -exist\nflush {tmp}\n"
    ));
    for e in list {
        let c = plain_quoted(&why(e), IPSET_COMMENT_CHARS);
        if c.is_empty() {
            sets.push_str(&format!("add {tmp} {}\n", e.net));
        } else {
            sets.push_str(&format!("add {tmp} {} comment \"{c}\"\n", e.net));
        }
    }
    sets.push_str(&format!("swap {tmp} {name}\ndestroy {tmp}\n"));
}

/// The entries of one family merged into non-overlapping networks, each with the comment of
/// the entry it came from when it is unchanged.
fn intervals<'a>(list: &[&'a Entry]) -> (Vec<(IpNet, Option<&'a Entry>)>, usize) {
    let nets: Vec<IpNet> = list.iter().map(|e| e.net).collect();
    let by_net: std::collections::HashMap<IpNet, &'a Entry> =
        list.iter().map(|e| (e.net, *e)).collect();
    let merged = IpNet::aggregate(&nets);
    let changed = list.len() - merged.iter().filter(|m| by_net.contains_key(m)).count();
    let out = merged
        .into_iter()
        .map(|m| (m, by_net.get(&m).copied()))
        .collect();
    (out, changed)
}

/// Writes interval set `set` of `kind` holding `list`, merged; returns how many entries the
/// merge changed.
fn nft_set(s: &mut String, set: &str, kind: &str, list: &[&Entry]) -> usize {
    s.push_str(&format!(
        "    set {set} {{\n        type {kind}\n        flags interval\n"
    ));
    let (nets, changed) = intervals(list);
    if !nets.is_empty() {
        s.push_str("        elements = {\n");
        let n = nets.len();
        for (i, (net, entry)) in nets.into_iter().enumerate() {
            let comment = entry
                .map(|e| plain_quoted(&why(e), NFT_COMMENT_CHARS))
                .filter(|c| !c.is_empty())
                .map(|c| format!(" comment \"{c}\""))
                .unwrap_or_default();
            let sep = if i + 1 < n { "," } else { "" };
            s.push_str(&format!("            {}{comment}{sep}\n", addr(&net)));
        }
        s.push_str("        }\n");
    }
    s.push_str("    }\n");
    changed
}

/// A table `inet NAME` with `blocked_v4` and `blocked_v6` interval sets dropping traffic from
/// their addresses and, for outbound entries, `blocked_out_v4` and `blocked_out_v6` dropping
/// traffic to them, replacing an earlier table in the same transaction.
pub(super) fn nftables(ctx: &mut Ctx) -> Result<Vec<OutFile>, String> {
    drop_only(ctx, Format::Nftables)?;
    let table = set_base(ctx)?.replace('-', "_");
    let mut s = ctx.hash_header(Format::Nftables);
    s.push_str(&format!(
        "# Load with: nft -f netsleuth.nft (replaces the table {table} in one transaction)\ntable inet {table}\ndelete table inet {table}\ntable inet {table} {{\n"
    ));
    let mut merged = 0;
    let (mut from, mut to) = (Vec::new(), Vec::new());
    for (set, kind, proto, list) in [
        ("blocked_v4", "ipv4_addr", "ip", &ctx.v4),
        ("blocked_v6", "ipv6_addr", "ip6", &ctx.v6),
    ] {
        let (inbound, outbound) = by_direction(list);
        merged += nft_set(&mut s, set, kind, &inbound);
        if !inbound.is_empty() {
            from.push(format!("        {proto} saddr @{set} drop\n"));
        }
        if !outbound.is_empty() {
            let set = set.replace("blocked", "blocked_out");
            merged += nft_set(&mut s, &set, kind, &outbound);
            to.push(format!("        {proto} daddr @{set} drop\n"));
        }
    }
    let chain = |s: &mut String, name: &str, hook: &str, rules: &[&Vec<String>]| {
        s.push_str(&format!(
            "    chain {name} {{\n        type filter hook {hook} priority filter - 10; policy accept;\n"
        ));
        for r in rules.iter().copied().flatten() {
            s.push_str(r);
        }
        s.push_str("    }\n");
    };
    chain(&mut s, "input", "input", &[&from]);
    chain(&mut s, "forward", "forward", &[&from, &to]);
    if !to.is_empty() {
        chain(&mut s, "output", "output", &[&to]);
    }
    s.push_str("}\n");
    if merged > 0 {
        ctx.notes.push(format!(
            "{merged} overlapping or adjacent entries merged: nft refuses overlapping intervals"
        ));
    }
    Ok(vec![OutFile {
        name: Format::Nftables.default_name(super::Syntax::Native).into(),
        bytes: s.into_bytes(),
    }])
}

//! Merging entries into fewer networks: covered entries into the one that covers them,
//! adjacent ones into their common network, never wider than a limit, and optionally widened
//! within that limit into networks the listed addresses fill densely enough (two addresses of
//! a /28 become the /28, two at either end of a /24 stay apart), saying how many extra
//! addresses that blocks. Only entries with the same action, expiry and direction merge, an
//! entry already wider than the limit is never widened further, and widening never reaches
//! an allowlisted or reserved address.

use std::collections::BTreeMap;

use ipnet::IpNet;

use super::address::{common_supernet, overlaps, size};
use super::entry::{now, Action, Direction, Entry};
use super::list::{Blocklist, Edit};
use super::reserved::reserved_overlap;

/// Default limits: never merge into a network wider than these.
pub const DEFAULT_MAX_V4: u8 = 24;
/// See [`DEFAULT_MAX_V4`].
pub const DEFAULT_MAX_V6: u8 = 48;
/// Default density bound for widening: at most this many addresses per listed one.
pub const DEFAULT_PER_LISTED: u64 = 8;

/// How far merging may go.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Shortest IPv4 prefix a merge may produce.
    pub v4: u8,
    /// Shortest IPv6 prefix a merge may produce.
    pub v6: u8,
    /// Also merge entries that are not adjacent into their common network (within the limit),
    /// which blocks addresses that were not on the list.
    pub widen: bool,
    /// When widening, a network may hold at most this many addresses per listed address;
    /// sparser groups are split until each part is dense enough.
    pub per_listed: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            v4: DEFAULT_MAX_V4,
            v6: DEFAULT_MAX_V6,
            widen: false,
            per_listed: DEFAULT_PER_LISTED,
        }
    }
}

/// One merge: the networks it replaces and the network it puts in their place.
#[derive(Debug, Clone, PartialEq)]
pub struct Merge {
    /// The network put in their place.
    pub into: IpNet,
    /// The entries' networks it replaces.
    pub from: Vec<IpNet>,
    /// Addresses `into` covers that none of `from` did.
    pub extra: u128,
}

/// The merges that would shrink a list of networks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// Each merge.
    pub merges: Vec<Merge>,
    /// Networks before.
    pub before: usize,
    /// Networks after.
    pub after: usize,
}

impl Plan {
    /// Extra addresses all merges block together.
    pub fn extra(&self) -> u128 {
        self.merges.iter().map(|m| m.extra).sum()
    }
}

fn union_size(nets: &[IpNet]) -> u128 {
    IpNet::aggregate(&nets.to_vec()).iter().map(size).sum()
}

/// Widens `exact` (disjoint networks of one family, sorted, at least one) into networks that
/// hold at most `per_listed` addresses per listed one, overlap none of `keep_out` and reach
/// into no reserved range none of their members is in: the common network of all when it
/// qualifies, else each half's.
fn widen(exact: &[IpNet], per_listed: u64, keep_out: &[IpNet], out: &mut Vec<IpNet>) {
    if exact.len() == 1 {
        out.push(exact[0]);
        return;
    }
    let joined = exact[1..]
        .iter()
        .try_fold(exact[0], |acc, n| common_supernet(&acc, n))
        .expect("one family per block");
    let listed: u128 = exact.iter().map(size).sum();
    let dense = listed
        .checked_mul(u128::from(per_listed))
        .is_none_or(|most| size(&joined) <= most);
    let reserved =
        reserved_overlap(&joined).is_some() && exact.iter().all(|n| reserved_overlap(n).is_none());
    let kept_out = keep_out.iter().any(|k| overlaps(k, &joined));
    if dense && !reserved && !kept_out {
        out.push(joined);
        return;
    }
    // The common network of two or more disjoint networks has members in both halves.
    let upper = exact.partition_point(|n| {
        joined
            .subnets(joined.prefix_len() + 1)
            .ok()
            .and_then(|mut halves| halves.next())
            .is_some_and(|lower| lower.contains(n))
    });
    widen(&exact[..upper], per_listed, keep_out, out);
    widen(&exact[upper..], per_listed, keep_out, out);
}

/// Of networks sorted by address, then widest first, those no other one covers.
fn uncovered(sorted: impl IntoIterator<Item = IpNet>) -> Vec<IpNet> {
    let mut kept: Vec<IpNet> = Vec::new();
    for net in sorted {
        // Networks nest or are disjoint, so a covering one is the last kept.
        if !kept.last().is_some_and(|k| k.contains(&net)) {
            kept.push(net);
        }
    }
    kept
}

/// The fewest networks covering `nets` within `limits` (see [`Limits`]); widening never
/// reaches into `keep_out` (the allowlist). Networks already wider than the limit stay as
/// they are, those they cover merged into them.
pub fn plan(nets: &[IpNet], limits: Limits, keep_out: &[IpNet]) -> Plan {
    let mut groups: BTreeMap<IpNet, Vec<IpNet>> = BTreeMap::new();
    let mut wide: Vec<IpNet> = Vec::new();
    let mut sorted = nets.to_vec();
    sorted.sort_by_key(|n| (n.prefix_len(), *n));
    sorted.dedup();
    for net in &sorted {
        let limit = if net.addr().is_ipv4() {
            limits.v4
        } else {
            limits.v6
        };
        if net.prefix_len() < limit {
            wide.push(*net);
        } else {
            let block = IpNet::new(net.addr(), limit).expect("limit fits").trunc();
            groups.entry(block).or_default().push(*net);
        }
    }
    let mut outputs: Vec<IpNet> = Vec::new();
    for (_, group) in groups {
        if wide.iter().any(|w| w.contains(&group[0])) {
            continue;
        }
        let exact = IpNet::aggregate(&group);
        if limits.widen {
            widen(&exact, limits.per_listed, keep_out, &mut outputs);
        } else {
            outputs.extend(exact);
        }
    }
    wide.sort_by_key(|n| (n.network(), n.prefix_len()));
    outputs.extend(uncovered(wide));
    outputs.sort();
    let mut by_addr = sorted.clone();
    by_addr.sort();
    let mut merges = Vec::new();
    for into in &outputs {
        // Members are contiguous in address order, from the output's own network on.
        let start = by_addr.partition_point(|n| n < into);
        let from: Vec<IpNet> = by_addr[start..]
            .iter()
            .take_while(|n| {
                n.addr().is_ipv4() == into.addr().is_ipv4() && n.network() <= into.broadcast()
            })
            .filter(|n| into.contains(*n))
            .copied()
            .collect();
        if from.len() == 1 && from[0] == *into {
            continue;
        }
        let extra = size(into) - union_size(&from);
        merges.push(Merge {
            into: *into,
            from,
            extra,
        });
    }
    Plan {
        merges,
        before: sorted.len(),
        after: outputs.len(),
    }
}

/// The plan for `list`'s entries: entries merge only with entries of the same action, expiry
/// and direction, widening keeps clear of the list's allowlist, and no merge takes a network
/// another entry holds (the list keeps one entry per network).
pub fn plan_list(list: &Blocklist, limits: Limits) -> Plan {
    let mut by_kind: BTreeMap<(Action, Option<i64>, Direction), Vec<IpNet>> = BTreeMap::new();
    for e in &list.entries {
        by_kind
            .entry((e.action, e.expires_at, e.direction))
            .or_default()
            .push(e.net);
    }
    let keep_out: Vec<IpNet> = list.allowlist.iter().map(|a| a.net).collect();
    let mut held: std::collections::HashSet<IpNet> = list.entries.iter().map(|e| e.net).collect();
    let mut out = Plan::default();
    for nets in by_kind.values() {
        let p = plan(nets, limits, &keep_out);
        out.before += p.before;
        out.after += p.after;
        for m in p.merges {
            // A network another entry holds, or another kind's merge made, stays theirs.
            if m.from.contains(&m.into) || held.insert(m.into) {
                out.merges.push(m);
            } else {
                out.after += m.from.len() - 1;
            }
        }
    }
    out
}

/// The edit that carries out `plan` on `list`: each merge's entries are replaced by one whose
/// reason and note say what it holds.
pub fn merge_edit(list: &Blocklist, plan: &Plan) -> Edit {
    let mut edit = Edit::default();
    let by_net: std::collections::HashMap<IpNet, &Entry> =
        list.entries.iter().map(|e| (e.net, e)).collect();
    for m in &plan.merges {
        let members: Vec<&Entry> = m
            .from
            .iter()
            .filter_map(|n| by_net.get(n).copied())
            .collect();
        let Some(first) = members.first() else {
            continue;
        };
        let mut reasons: Vec<&str> = Vec::new();
        for e in &members {
            if !e.reason.is_empty() && !reasons.contains(&e.reason.as_str()) {
                reasons.push(&e.reason);
            }
        }
        let reason = match reasons.len() {
            0 => String::new(),
            1..=3 => reasons.join("; "),
            n => format!("{}; and {} more", reasons[..3].join("; "), n - 3),
        };
        let names: Vec<String> = m.from.iter().map(ToString::to_string).collect();
        let merged = Entry {
            net: m.into,
            action: first.action,
            reason,
            confidence: members.iter().filter_map(|e| e.confidence).reduce(f64::max),
            origin: first.origin,
            added_at: now(),
            note: format!("merged from {}", names.join(", ")),
            expires_at: first.expires_at,
            direction: first.direction,
            files: {
                let mut files: Vec<String> = members
                    .iter()
                    .flat_map(|e| e.files.iter().cloned())
                    .collect();
                files.sort();
                files.dedup();
                files
            },
        };
        edit.remove.extend(m.from.iter().filter(|n| **n != m.into));
        edit.put.push(merged);
    }
    edit
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    fn plan(nets: &[IpNet], limits: Limits) -> Plan {
        super::plan(nets, limits, &[])
    }

    fn widened() -> Limits {
        Limits {
            widen: true,
            ..Limits::default()
        }
    }

    #[test]
    fn widening_never_reaches_an_allowlisted_address() {
        let listed = nets(&["91.1.1.1/32", "91.1.1.6/32"]);
        let p = super::plan(&listed, widened(), &nets(&["91.1.1.3/32"]));
        assert!(p.merges.is_empty(), "{:?}", p.merges);
        let p = super::plan(&listed, widened(), &nets(&["91.1.1.9/32"]));
        assert_eq!(p.merges[0].into.to_string(), "91.1.1.0/29");
    }

    #[test]
    fn networks_wider_than_the_limit_are_never_widened() {
        let p = plan(
            &nets(&["94.0.0.0/16", "94.1.0.0/16", "95.0.0.0/8", "95.1.0.0/16"]),
            Limits::default(),
        );
        let into: Vec<String> = p.merges.iter().map(|m| m.into.to_string()).collect();
        assert_eq!(
            into,
            ["95.0.0.0/8"],
            "the /16 inside the /8 goes, 94/15 is not made"
        );
        assert_eq!((p.before, p.after), (4, 3));
    }

    fn entry(net: &str, action: Action, expires_at: Option<i64>) -> Entry {
        Entry {
            action,
            expires_at,
            ..Entry::new(net.parse().unwrap(), super::super::Origin::Manual, "")
        }
    }

    #[test]
    fn entries_merge_only_with_their_own_action_and_expiry() {
        let mut list = Blocklist {
            entries: vec![
                entry("92.1.1.0/25", Action::Block, Some(100)),
                entry("92.1.1.128/25", Action::Block, None),
                entry("93.1.1.0/24", Action::Monitor, None),
                entry("93.1.1.0/25", Action::Block, None),
                entry("93.1.1.128/25", Action::Block, None),
                entry("96.1.1.0/25", Action::Block, None),
                entry("96.1.1.128/25", Action::Block, None),
            ],
            ..Blocklist::default()
        };
        let p = plan_list(&list, Limits::default());
        let into: Vec<String> = p.merges.iter().map(|m| m.into.to_string()).collect();
        assert_eq!(into, ["96.1.1.0/24"]);
        assert_eq!((p.before, p.after), (7, 6));
        list.apply(merge_edit(&list, &p));
        let mut kept: Vec<(String, Action, Option<i64>)> = list
            .entries
            .iter()
            .map(|e| (e.net.to_string(), e.action, e.expires_at))
            .collect();
        kept.sort();
        assert_eq!(kept.len(), 6);
        assert!(kept.contains(&("93.1.1.0/24".into(), Action::Monitor, None)));
        assert!(kept.contains(&("92.1.1.0/25".into(), Action::Block, Some(100))));
    }

    #[test]
    fn adjacent_and_covered_networks_merge_exactly() {
        let p = plan(
            &nets(&["1.2.3.0/25", "1.2.3.128/25", "1.2.3.7/32", "9.9.9.9/32"]),
            Limits::default(),
        );
        assert_eq!(p.before, 4);
        assert_eq!(p.after, 2);
        assert_eq!(p.merges.len(), 1);
        assert_eq!(p.merges[0].into.to_string(), "1.2.3.0/24");
        assert_eq!(p.merges[0].from.len(), 3);
        assert_eq!(p.extra(), 0);
    }

    #[test]
    fn never_wider_than_the_limit() {
        let p = plan(&nets(&["1.2.2.0/24", "1.2.3.0/24"]), Limits::default());
        assert!(p.merges.is_empty());
        let p = plan(
            &nets(&["1.2.2.0/24", "1.2.3.0/24"]),
            Limits {
                v4: 23,
                ..Limits::default()
            },
        );
        assert_eq!(p.merges[0].into.to_string(), "1.2.2.0/23");
    }

    #[test]
    fn widening_never_reaches_into_reserved_ranges() {
        let p = plan(
            &nets(&["9.0.0.1/32", "11.0.0.1/32"]),
            Limits {
                v4: 4,
                widen: true,
                per_listed: u64::MAX,
                ..Limits::default()
            },
        );
        assert!(p.merges.is_empty(), "{:?}", p.merges);
    }

    #[test]
    fn widening_counts_the_extra_addresses() {
        let p = plan(
            &nets(&[
                "1.2.3.4/32",
                "1.2.3.9/32",
                "2001:db8::1/128",
                "2001:db8::2/128",
            ]),
            Limits {
                widen: true,
                ..Limits::default()
            },
        );
        let into: Vec<String> = p.merges.iter().map(|m| m.into.to_string()).collect();
        assert_eq!(into, ["1.2.3.0/28", "2001:db8::/126"]);
        assert_eq!(p.merges[0].extra, 14);
        assert_eq!(p.merges[1].extra, 2);
    }

    #[test]
    fn widening_keeps_to_the_density_bound() {
        let limits = |per_listed| Limits {
            widen: true,
            per_listed,
            ..Limits::default()
        };
        // Two addresses at either end of a /24: 128 addresses per listed one.
        let far = nets(&["1.2.3.1/32", "1.2.3.200/32"]);
        assert!(plan(&far, limits(8)).merges.is_empty());
        assert!(plan(&far, limits(64)).merges.is_empty());
        assert_eq!(
            plan(&far, limits(128)).merges[0].into.to_string(),
            "1.2.3.0/24"
        );
        // Two close pairs far apart: each pair widens, the whole does not.
        let pairs = nets(&["1.2.3.1/32", "1.2.3.6/32", "1.2.3.200/32", "1.2.3.203/32"]);
        let p = plan(&pairs, limits(8));
        let into: Vec<String> = p.merges.iter().map(|m| m.into.to_string()).collect();
        assert_eq!(into, ["1.2.3.0/29", "1.2.3.200/30"]);
        assert_eq!(p.extra(), 6 + 2);
        assert_eq!(p.after, 2);
        // A dense half widens while a lone address in the other half stays as it is.
        let lopsided = nets(&["1.2.3.0/26", "1.2.3.64/27", "1.2.3.250/32"]);
        let p = plan(&lopsided, limits(2));
        let into: Vec<String> = p.merges.iter().map(|m| m.into.to_string()).collect();
        assert_eq!(into, ["1.2.3.0/25"]);
        assert_eq!(p.after, 2);
    }
}

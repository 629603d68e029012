//! Who reached whom, for the map's arcs: for each source, the destinations its events went to
//! with their event counts, the busiest first.

use std::net::IpAddr;

use rustc_hash::FxHashMap;

use crate::events::EventTable;

/// Events from one source to one destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link {
    /// The source, as its position among the sources given.
    pub source: u32,
    /// Where its events went.
    pub destination: IpAddr,
    /// How many went there.
    pub events: u64,
}

/// The links of each source (its address and its events' rows in `table`): its `per_source`
/// busiest destinations, ties in address order. Events without a destination, or to the
/// source's own address, make no link.
pub fn links<'a>(
    table: &EventTable,
    sources: impl IntoIterator<Item = (IpAddr, &'a [u32])>,
    per_source: usize,
) -> Vec<Link> {
    let ips = table.ips();
    let mut out = Vec::new();
    let mut counts: FxHashMap<u32, u64> = FxHashMap::default();
    for (k, (ip, rows)) in sources.into_iter().enumerate() {
        counts.clear();
        for &r in rows {
            if let Some(d) = table.destination_ip_id(r as usize) {
                *counts.entry(d).or_default() += 1;
            }
        }
        let mut busiest: Vec<(IpAddr, u64)> = counts
            .iter()
            .map(|(&id, &n)| (ips.resolve(id), n))
            .filter(|&(d, _)| d != ip)
            .collect();
        busiest.sort_by(|p, q| q.1.cmp(&p.1).then(p.0.cmp(&q.0)));
        out.extend(busiest.into_iter().take(per_source).map(|(d, n)| Link {
            source: k as u32,
            destination: d,
            events: n,
        }));
    }
    out
}

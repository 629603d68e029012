//! Connection logs (Zeek, VPC, CIC/ISCX, Suricata flows): port scans, beaconing, floods, large
//! uploads and long connections.
//!
//! Beaconing is scored per source-destination pair the way RITA does in spirit: how regular
//! the gaps between connections are (their dispersion and skew), how regular their sizes are,
//! and how persistently the pair talks over the file's span. The byte counts of a pair tell
//! the rest: one-way traffic at megabytes a second is a flood; an internal host sending an
//! external one ten times what came back, a megabyte or more, is data leaving the network.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::IpAddr;

use crate::detection::{human_bytes, human_count, human_span, is_unroutable};
use crate::events::EventTable;
use crate::features::{is_failure, is_private, median, quantile_sorted};

use super::{Finding, FindingKind};

/// Distinct ports of one host, or hosts on one port, that make a scan.
const SCAN_MIN: usize = 25;

/// Connections of a pair before its timing can be judged.
const BEACON_MIN: usize = 10;

/// Beacon score (0 to 1) from which a pair is reported.
const BEACON_SCORE: f64 = 0.8;

/// Bytes an internal host sends one external host, ten times what came back, from which the
/// upload is reported.
const UPLOAD_BYTES: f64 = 1e6;

/// How many times what came back an upload must be.
const UPLOAD_RATIO: f64 = 10.0;

/// Bytes a second of connection time from which one-way traffic (under 1% answered, 10 MB or
/// more) is a flood rather than an upload.
const FLOOD_RATE: f64 = 1e6;

/// Bytes from which one-way traffic can be a flood.
const FLOOD_BYTES: f64 = 1e7;

/// Seconds a connection must stay open to be reported as long.
const LONG_CONNECTION_S: f64 = 3600.0;

/// Ports whose clients poll by design (DNS, DHCP, NTP, NetBIOS, SSDP, mDNS, LLMNR): regular
/// traffic to them is housekeeping, not a beacon.
const POLLED_PORTS: [u16; 9] = [53, 67, 68, 123, 137, 138, 1900, 5353, 5355];

/// What the flows of a whole table say about where beacons go: destination address to the
/// internal sources beaconing to it, with their findings' summaries.
pub type BeaconTargets = HashMap<IpAddr, Vec<(IpAddr, String)>>;

/// A pair's beacon figures.
struct Beacon {
    score: f64,
    connections: usize,
    interval_us: f64,
    span_us: i64,
    port: Option<u16>,
}

/// The beacon score of connection `times` (sorted) and sizes, for a source active over
/// `active_us`: the mean of interval regularity (1 − MAD/median of the gaps), interval
/// symmetry (1 − |Bowley skew|), size regularity (1 − MAD/median of the sizes, when known) and
/// persistence (the share of the source's active time the pair covers).
fn beacon(times: &[i64], sizes: &[f64], active_us: i64) -> Option<(f64, f64)> {
    if times.len() < BEACON_MIN {
        return None;
    }
    let mut gaps: Vec<f64> = times.windows(2).map(|w| (w[1] - w[0]) as f64).collect();
    gaps.sort_by(f64::total_cmp);
    let med = quantile_sorted(&gaps, 0.5);
    if med <= 0.0 {
        return None;
    }
    let dispersion = |v: &[f64], m: f64| {
        let dev: Vec<f64> = v.iter().map(|x| (x - m).abs()).collect();
        1.0 - (median(&dev) / m).min(1.0)
    };
    let (q1, q3) = (quantile_sorted(&gaps, 0.25), quantile_sorted(&gaps, 0.75));
    // With the middle half of the gaps within 5% of the median, the skew is noise.
    let skew = if q3 - q1 > 0.05 * med {
        1.0 - ((q1 + q3 - 2.0 * med) / (q3 - q1)).abs().min(1.0)
    } else {
        1.0
    };
    let mut parts = vec![dispersion(&gaps, med), skew];
    let size_med = median(sizes);
    if !sizes.is_empty() && size_med > 0.0 {
        parts.push(dispersion(sizes, size_med));
    }
    let span = times[times.len() - 1] - times[0];
    parts.push((span as f64 / active_us.max(1) as f64).min(1.0));
    Some((parts.iter().sum::<f64>() / parts.len() as f64, med))
}

/// Flow findings over the rows of one source, active over `active_us`.
pub fn findings(t: &EventTable, rows: &[u32], active_us: i64) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut ports_by_host: HashMap<u32, (HashSet<u16>, Vec<u32>)> = HashMap::new();
    let mut hosts_by_port: HashMap<u16, (HashSet<u32>, Vec<u32>)> = HashMap::new();
    let mut pairs: HashMap<u32, Vec<u32>> = HashMap::new();
    // Connections with a duration, whatever their protocol: what each pair exchanged.
    let mut connections: HashMap<u32, Vec<u32>> = HashMap::new();
    // Connections to a port of the log's own host: logs such as Dionaea's MHN export name
    // the port and leave the address out.
    let mut own_ports: (HashSet<u16>, Vec<u32>) = (HashSet::new(), Vec::new());
    for &r in rows {
        let row = r as usize;
        let Some(port) = t.destination_port(row) else {
            continue;
        };
        let Some(dst) = t.destination_ip_id(row) else {
            own_ports.0.insert(port);
            own_ports.1.push(r);
            continue;
        };
        if t.transport(row).is_none() {
            continue;
        }
        if t.duration_s(row).is_some() {
            connections.entry(dst).or_default().push(r);
        }
        if t.app_protocol(row) == Some("http") {
            continue;
        }
        let e = ports_by_host.entry(dst).or_default();
        e.0.insert(port);
        e.1.push(r);
        let e = hosts_by_port.entry(port).or_default();
        e.0.insert(dst);
        e.1.push(r);
        pairs.entry(dst).or_default().push(r);
    }
    if let Some((dst, (ports, scan_rows))) = ports_by_host
        .iter()
        .filter(|(_, (p, _))| p.len() >= SCAN_MIN)
        .max_by_key(|(_, (p, _))| p.len())
    {
        let host = t.ips().resolve(*dst);
        out.push(scan(
            t,
            FindingKind::PortScan,
            format!("probed {} ports of {host}", ports.len()),
            scan_rows,
        ));
    } else if own_ports.0.len() >= SCAN_MIN {
        out.push(scan(
            t,
            FindingKind::PortScan,
            format!(
                "probed {} ports of the host that wrote this log",
                own_ports.0.len()
            ),
            &own_ports.1,
        ));
    }
    if let Some((port, (hosts, scan_rows))) = hosts_by_port
        .iter()
        .filter(|(_, (h, rows))| h.len() >= SCAN_MIN && probing(t, rows))
        .max_by_key(|(_, (h, _))| h.len())
    {
        out.push(scan(
            t,
            FindingKind::HostScan,
            format!("probed port {port} on {} hosts", hosts.len()),
            scan_rows,
        ));
    }
    let source_private = rows
        .first()
        .and_then(|&r| t.source_ip(r as usize))
        .is_some_and(is_private);
    if source_private {
        if let Some(f) = beacons(t, &pairs, active_us) {
            out.push(f);
        }
    }
    out.extend(transfers(t, &connections, source_private));
    out
}

/// What one source exchanged with one destination.
#[derive(Default)]
struct Exchange {
    sent: f64,
    received: f64,
    seconds: f64,
    connections: usize,
    ports: BTreeSet<u16>,
    long: Vec<(f64, u32)>,
}

impl Exchange {
    fn of(t: &EventTable, rows: &[u32]) -> Exchange {
        let mut x = Exchange::default();
        for &r in rows {
            let row = r as usize;
            x.sent += t.bytes_sent(row).unwrap_or(0.0);
            x.received += t.bytes_received(row).unwrap_or(0.0);
            let d = t.duration_s(row).unwrap_or(0.0);
            x.seconds += d;
            x.connections += 1;
            x.ports.extend(t.destination_port(row));
            if d >= LONG_CONNECTION_S {
                x.long.push((d, r));
            }
        }
        x
    }

    fn ports(&self) -> String {
        let shown: Vec<String> = self.ports.iter().take(5).map(u16::to_string).collect();
        let more = match self.ports.len() {
            n if n > 5 => format!(" and {} more", n - 5),
            _ => String::new(),
        };
        let word = if self.ports.len() == 1 {
            "port"
        } else {
            "ports"
        };
        format!("{word} {}{more}", shown.join(", "))
    }

    fn connections(&self) -> String {
        match self.connections {
            1 => "1 connection".to_string(),
            n => format!("{} connections", human_count(n as u64)),
        }
    }

    fn flood(&self) -> bool {
        self.sent >= FLOOD_BYTES
            && self.received <= 0.01 * self.sent
            && self.seconds > 0.0
            && self.sent / self.seconds >= FLOOD_RATE
    }

    fn upload(&self) -> bool {
        self.sent >= UPLOAD_BYTES && self.sent >= UPLOAD_RATIO * self.received
    }
}

/// Floods, uploads and long connections over a source's pairs: one finding of each kind,
/// naming its largest destinations. Uploads and long connections count only from an internal
/// source to an external destination; a flood from anyone to anything routable.
fn transfers(t: &EventTable, pairs: &HashMap<u32, Vec<u32>>, internal: bool) -> Vec<Finding> {
    let mut floods = Vec::new();
    let mut uploads = Vec::new();
    let mut long = Vec::new();
    for (&dst, rows) in pairs {
        let ip = t.ips().resolve(dst);
        if is_unroutable(ip) {
            continue;
        }
        let x = Exchange::of(t, rows);
        let outward = internal && !is_private(ip);
        if x.flood() {
            floods.push((ip, x, rows));
        } else if outward && x.upload() {
            uploads.push((ip, x, rows));
        } else if outward && !x.long.is_empty() {
            long.push((ip, x, rows));
        }
    }
    let mut out = Vec::new();
    let by_sent = |v: &mut Vec<(IpAddr, Exchange, &Vec<u32>)>| {
        v.sort_by(|a, b| b.1.sent.total_cmp(&a.1.sent).then(a.0.cmp(&b.0)))
    };
    by_sent(&mut floods);
    by_sent(&mut uploads);
    if let Some((ip, x, _)) = floods.first() {
        let what = format!(
            "sent {} to {ip} ({}) in {} at {}/s, with {} back",
            human_bytes(x.sent),
            x.ports(),
            x.connections(),
            human_bytes(x.sent / x.seconds),
            human_bytes(x.received)
        );
        out.push(pair_finding(FindingKind::Flood, what, &rows_of(&floods)));
    }
    if let Some((ip, x, _)) = uploads.first() {
        let what = format!(
            "sent {} to external host {ip} ({}) in {} and received {}: verify what left the \
             network",
            human_bytes(x.sent),
            x.ports(),
            x.connections(),
            human_bytes(x.received)
        );
        out.push(pair_finding(
            FindingKind::Exfiltration,
            what,
            &rows_of(&uploads),
        ));
    }
    long.sort_by(|a, b| {
        let longest = |x: &Exchange| x.long.iter().map(|l| l.0).fold(0.0, f64::max);
        longest(&b.1).total_cmp(&longest(&a.1)).then(a.0.cmp(&b.0))
    });
    if let Some((ip, x, _)) = long.first() {
        let longest = x.long.iter().map(|l| l.0).fold(0.0, f64::max);
        let held = match x.long.len() {
            1 => "a connection".to_string(),
            n => format!("{n} connections"),
        };
        let held_rows: Vec<u32> = x.long.iter().map(|l| l.1).collect();
        let on = Exchange::of(t, &held_rows);
        let what = format!(
            "held {held} to {ip} ({}) open for up to {}, carrying {} out and {} in",
            on.ports(),
            human_span((longest * 1e6) as i64),
            human_bytes(on.sent),
            human_bytes(on.received)
        );
        let held: Vec<(IpAddr, Vec<u32>)> = long
            .iter()
            .map(|(ip, x, _)| (*ip, x.long.iter().map(|l| l.1).collect()))
            .collect();
        out.push(pair_finding(FindingKind::LongConnection, what, &held));
    }
    out
}

/// The destinations of `pairs` with their rows.
fn rows_of(pairs: &[(IpAddr, Exchange, &Vec<u32>)]) -> Vec<(IpAddr, Vec<u32>)> {
    pairs.iter().map(|p| (p.0, p.2.clone())).collect()
}

/// A finding over several destinations: the first described in `what`, the others counted;
/// the evidence names each destination.
fn pair_finding(kind: FindingKind, what: String, pairs: &[(IpAddr, Vec<u32>)]) -> Finding {
    let more = match pairs.len() {
        1 => String::new(),
        2 => " and 1 other host".to_string(),
        n => format!(" and {} other hosts", n - 1),
    };
    let evidence = pairs
        .iter()
        .take(super::EVIDENCE)
        .map(|p| p.0.to_string())
        .collect();
    let mut rows: Vec<u32> = pairs.iter().flat_map(|p| p.1.iter().copied()).collect();
    rows.sort_unstable();
    Finding::new(kind, format!("{what}{more}"), evidence, rows)
}

/// Whether connections look like probes rather than use: most failed or were refused, or
/// most carried at most three packets from the source. Browsing reaches many hosts on one
/// port too, but its connections succeed and carry data.
fn probing(t: &EventTable, rows: &[u32]) -> bool {
    let (mut known, mut failed, mut packets) = (0usize, 0usize, Vec::new());
    for &r in rows {
        let row = r as usize;
        if let Some(o) = t.outcome(row) {
            known += 1;
            failed += usize::from(is_failure(o));
        }
        if let Some(p) = t.packets_sent(row) {
            packets.push(p);
        }
    }
    (known > 0 && failed * 2 >= known) || (!packets.is_empty() && median(&packets) <= 3.0)
}

fn scan(t: &EventTable, kind: FindingKind, what: String, rows: &[u32]) -> Finding {
    let failed = rows
        .iter()
        .filter(|&&r| t.outcome(r as usize).is_some_and(is_failure))
        .count();
    let answered = if failed > 0 {
        format!(
            ", {} of {} connections failed or refused",
            failed,
            rows.len()
        )
    } else {
        String::new()
    };
    let mut ports: BTreeMap<u16, usize> = BTreeMap::new();
    for &r in rows {
        if let Some(p) = t.destination_port(r as usize) {
            *ports.entry(p).or_default() += 1;
        }
    }
    let evidence = ports.keys().take(20).map(u16::to_string).collect();
    Finding::new(kind, format!("{what}{answered}"), evidence, rows.to_vec())
}

/// The pairs of an internal source that beacon, as one finding naming each destination.
fn beacons(t: &EventTable, pairs: &HashMap<u32, Vec<u32>>, active_us: i64) -> Option<Finding> {
    let mut found: Vec<(IpAddr, Beacon, Vec<u32>)> = Vec::new();
    for (&dst, rows) in pairs {
        let ip = t.ips().resolve(dst);
        if is_private(ip) || is_unroutable(ip) || rows.len() < BEACON_MIN {
            continue;
        }
        let mut timed: Vec<(i64, f64, u32)> = rows
            .iter()
            .filter_map(|&r| {
                let row = r as usize;
                let size = t.bytes_sent(row).unwrap_or(0.0) + t.bytes_received(row).unwrap_or(0.0);
                t.time_us(row).map(|us| (us, size, r))
            })
            .collect();
        timed.sort_by_key(|x| x.0);
        let times: Vec<i64> = timed.iter().map(|x| x.0).collect();
        let sizes: Vec<f64> = timed.iter().map(|x| x.1).filter(|&s| s > 0.0).collect();
        let Some((score, interval)) = beacon(&times, &sizes, active_us) else {
            continue;
        };
        if score < BEACON_SCORE {
            continue;
        }
        let mut ports: HashMap<u16, usize> = HashMap::new();
        for &r in rows {
            if let Some(p) = t.destination_port(r as usize) {
                *ports.entry(p).or_default() += 1;
            }
        }
        let port = ports
            .into_iter()
            .max_by_key(|&(p, n)| (n, std::cmp::Reverse(p)))
            .map(|x| x.0);
        if port.is_some_and(|p| POLLED_PORTS.contains(&p)) {
            continue;
        }
        found.push((
            ip,
            Beacon {
                score,
                connections: rows.len(),
                interval_us: interval,
                span_us: times[times.len() - 1] - times[0],
                port,
            },
            rows.clone(),
        ));
    }
    if found.is_empty() {
        return None;
    }
    found.sort_by(|a, b| {
        b.1.score
            .total_cmp(&a.1.score)
            .then(b.1.connections.cmp(&a.1.connections))
    });
    let describe = |ip: &IpAddr, b: &Beacon| {
        let port = b.port.map(|p| format!(":{p}")).unwrap_or_default();
        format!(
            "{ip}{port}: {} connections every {} over {} (score {:.2})",
            b.connections,
            human_span(b.interval_us as i64),
            human_span(b.span_us),
            b.score
        )
    };
    let shown: Vec<String> = found
        .iter()
        .take(3)
        .map(|(ip, b, _)| describe(ip, b))
        .collect();
    let more = match found.len() {
        n if n > 3 => format!(" and {} more", n - 3),
        _ => String::new(),
    };
    let hosts = if found.len() == 1 { "host" } else { "hosts" };
    let summary = format!(
        "regular connections to {} external {hosts}, as malware calls home: {}{more}",
        found.len(),
        shown.join("; ")
    );
    let evidence = found
        .iter()
        .take(20)
        .map(|(ip, b, _)| describe(ip, b))
        .collect();
    let mut rows: Vec<u32> = found.iter().flat_map(|x| x.2.iter().copied()).collect();
    rows.sort_unstable();
    Some(Finding::new(
        FindingKind::Beaconing,
        summary,
        evidence,
        rows,
    ))
}

/// The external destinations that internal sources beacon to, from their findings.
pub fn beacon_targets(t: &EventTable, sources: &[(IpAddr, &[Finding])]) -> BeaconTargets {
    let mut out: BeaconTargets = HashMap::new();
    for (src, findings) in sources {
        for f in findings.iter().filter(|f| f.kind == FindingKind::Beaconing) {
            let mut seen = HashSet::new();
            for &r in &f.rows {
                if let Some(dst) = t.destination_ip(r as usize) {
                    if seen.insert(dst) {
                        let line = f
                            .evidence
                            .iter()
                            .find(|e| {
                                e.starts_with(&format!("{dst}:"))
                                    || e.starts_with(&format!("{dst} "))
                            })
                            .cloned()
                            .unwrap_or_default();
                        out.entry(dst).or_default().push((*src, line));
                    }
                }
            }
        }
    }
    out
}

/// One internal source's large upload to one destination: the rows that carried it and what
/// their conversation held.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct UploadClaim {
    /// Where it went.
    pub destination: IpAddr,
    /// Who sent it.
    pub sender: IpAddr,
    /// The rows of the sender's exfiltration finding that went there.
    pub rows: Vec<u32>,
    /// The conversation's line ("10.0.0.5 → 1.2.3.4:443: 12 connections, ..."), when known.
    pub line: Option<String>,
}

/// The internal sources' large uploads, one claim per sender and destination, in the order of
/// `sources` and of their findings' evidence.
pub fn upload_claims(t: &EventTable, sources: &[(IpAddr, &[Finding])]) -> Vec<UploadClaim> {
    let id = |ip: IpAddr| t.ips().id_of(ip);
    let mut claims = Vec::new();
    for (src, findings) in sources {
        for f in findings
            .iter()
            .filter(|f| f.kind == FindingKind::Exfiltration)
        {
            for e in &f.evidence {
                let Ok(dst) = e.parse::<IpAddr>() else {
                    continue;
                };
                let rows = f
                    .rows
                    .iter()
                    .copied()
                    .filter(|&r| t.destination_ip(r as usize) == Some(dst))
                    .collect();
                claims.push(UploadClaim {
                    destination: dst,
                    sender: *src,
                    rows,
                    line: None,
                });
            }
        }
    }
    let pairs: HashSet<(u32, u32)> = claims
        .iter()
        .filter_map(|c| Some((id(c.sender)?, id(c.destination)?)))
        .collect();
    let talks = super::conversations(t, &pairs);
    for c in &mut claims {
        c.line = (|| {
            let x = talks.get(&(id(c.sender)?, id(c.destination)?))?;
            Some(x.line(c.sender, c.destination))
        })();
    }
    claims
}

/// Where the internal sources' large uploads went: each destination with a finding that
/// names who sent it what, and what the conversation held, from `claims` in the sources'
/// order.
pub fn upload_destinations(claims: Vec<UploadClaim>) -> Vec<(IpAddr, Finding)> {
    let mut senders: BTreeMap<IpAddr, Vec<UploadClaim>> = BTreeMap::new();
    for c in claims {
        senders.entry(c.destination).or_default().push(c);
    }
    senders
        .into_iter()
        .map(|(dst, from)| {
            let lines: Vec<String> = from.iter().filter_map(|c| c.line.clone()).collect();
            let names: Vec<String> = from.iter().map(|c| c.sender.to_string()).collect();
            let what = format!(
                "{} sent it far more than it answered{}",
                names.join(", "),
                lines.first().map(|l| format!("; {l}")).unwrap_or_default()
            );
            // Each further internal host sending it megabytes makes chance less likely.
            let weight = (0.5 + 0.1 * from.len() as f64).min(0.8);
            let mut rows: Vec<u32> = from.into_iter().flat_map(|c| c.rows).collect();
            rows.sort_unstable();
            let mut f = Finding::new(FindingKind::ReceivedUpload, what, lines, rows);
            f.weight = weight;
            (dst, f)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_connections_score_high_and_random_ones_low() {
        let hour = 3_600_000_000i64;
        // Every 60 s for 10 hours, same size: a beacon.
        let times: Vec<i64> = (0..600).map(|i| i * 60_000_000).collect();
        let (score, gap) = beacon(&times, &[300.0; 600], 10 * hour).unwrap();
        assert!(score > 0.95, "{score}");
        assert_eq!(gap, 60_000_000.0);
        // Gaps doubling each time, sizes all over the place, over a tenth of the span.
        let mut t = 0i64;
        let times: Vec<i64> = (0..12)
            .map(|i| {
                t += 1_000_000 * (1 << i);
                t
            })
            .collect();
        let sizes: Vec<f64> = (0..12).map(|i| (i * i * 97 % 1000) as f64 + 1.0).collect();
        let (score, _) = beacon(&times, &sizes, 100 * hour).unwrap();
        assert!(score < 0.6, "{score}");
        assert!(beacon(&times[..5], &[], hour).is_none(), "too few to judge");
    }
}

//! Shared infrastructure: the AS numbers whose addresses are shared by many unrelated sites,
//! customers or users (CDNs, reverse proxies, clouds, large platforms, web hosts), so that an
//! address there says little about who is behind it.
//!
//! The list is `assets/asn/shared-infrastructure.csv`, compiled in and read on first use. It
//! was compiled by hand: for each owner, the AS numbers the bundled AS table gives its
//! organisation name, keeping those that carry the owner's public services or customers (an
//! owner's access ISP or corporate network, such as Google Fiber or OVH Telecom, is left out),
//! and checking well-known addresses of its services against the table. To maintain it, add or
//! change a line there (the file's header says what each column holds); a test checks that
//! every number is in the bundled AS table under a name that matches the owner, so re-run
//! `cargo test` after refreshing the AS table too. `assets/README.md` says more.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::OnceLock;

use super::asn;
use super::locate::is_internal;

/// The list, as shipped.
static LIST: &str = include_str!("../../assets/asn/shared-infrastructure.csv");

/// Why an owner's addresses are shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SharedKind {
    /// CDNs, reverse proxies, clouds and large platforms: an address fronts many customers or
    /// is reassigned between them.
    Platform,
    /// Hosting providers: web-hosting addresses often serve many sites, but dedicated servers
    /// and VPSs are rented to single tenants.
    Hosting,
}

impl SharedKind {
    /// The word the list uses: `platform` or `hosting`.
    pub fn name(self) -> &'static str {
        match self {
            SharedKind::Platform => "platform",
            SharedKind::Hosting => "hosting",
        }
    }
}

/// The owner of a shared AS, as the list describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedOwner {
    /// Why its addresses are shared.
    pub kind: SharedKind,
    /// The owner's short name ("Cloudflare").
    pub owner: String,
    /// One line for the analyst.
    pub reason: String,
    /// Other names the AS table's organisation may carry instead of the owner's.
    pub org_names: Vec<String>,
}

impl SharedOwner {
    /// Whether an AS organisation name plausibly belongs to this owner: the owner's name or one
    /// of its other names appears in it, ignoring case.
    pub fn matches_org(&self, org: &str) -> bool {
        let org = org.to_lowercase();
        std::iter::once(&self.owner)
            .chain(&self.org_names)
            .any(|n| org.contains(&n.to_lowercase()))
    }
}

/// Reads the list's text: CSV with `#` comments and the header
/// `asn,owner,kind,reason,org_names`. The error names the first bad line.
pub fn parse(text: &str) -> Result<Vec<(u32, SharedOwner)>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| e.to_string())?;
    if header != vec!["asn", "owner", "kind", "reason", "org_names"] {
        return Err(format!("unexpected header: {header:?}"));
    }
    let mut out: Vec<(u32, SharedOwner)> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| e.to_string())?;
        let line = record.position().map_or(0, |p| p.line());
        let at = |what: &str| format!("line {line}: {what}: {record:?}");
        let asn: u32 = record[0]
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| at("bad AS number"))?;
        let kind = match &record[2] {
            "platform" => SharedKind::Platform,
            "hosting" => SharedKind::Hosting,
            _ => return Err(at("kind is neither platform nor hosting")),
        };
        if record[1].is_empty() || record[3].is_empty() {
            return Err(at("no owner or no reason"));
        }
        if out.iter().any(|(n, _)| *n == asn) {
            return Err(at("AS number listed twice"));
        }
        out.push((
            asn,
            SharedOwner {
                kind,
                owner: record[1].to_string(),
                reason: record[3].to_string(),
                org_names: record[4]
                    .split('|')
                    .filter(|n| !n.is_empty())
                    .map(str::to_string)
                    .collect(),
            },
        ));
    }
    Ok(out)
}

/// The shipped list by AS number, read on first use.
fn list() -> &'static HashMap<u32, SharedOwner> {
    static MAP: OnceLock<HashMap<u32, SharedOwner>> = OnceLock::new();
    MAP.get_or_init(|| {
        // The shipped list parses: a test reads it with the same function.
        parse(LIST).map(HashMap::from_iter).unwrap_or_default()
    })
}

/// Every listed AS number with its owner, in no particular order.
pub fn shared_owners() -> impl Iterator<Item = (u32, &'static SharedOwner)> {
    list().iter().map(|(&n, o)| (n, o))
}

/// The owner of AS `asn` when the list names it as shared infrastructure.
pub fn shared_owner(asn: u32) -> Option<&'static SharedOwner> {
    list().get(&asn)
}

/// The shared-infrastructure owner of the AS that announces `ip` (from the bundled AS table),
/// with that AS; `None` for internal addresses, unknown ones and ASes not on the list.
pub fn shared_owner_of(ip: IpAddr) -> Option<(asn::AsInfo, &'static SharedOwner)> {
    if is_internal(ip) {
        return None;
    }
    let info = asn::lookup(ip)?;
    Some((info, shared_owner(info.number)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_list_parses() {
        let list = parse(LIST).unwrap();
        assert!(list.len() > 50, "{}", list.len());
        assert_eq!(list.len(), shared_owners().count());
        for kind in [SharedKind::Platform, SharedKind::Hosting] {
            assert!(list.iter().any(|(_, o)| o.kind == kind), "{kind:?}");
        }
    }

    #[test]
    fn lookups_by_number_and_by_address() {
        let cf = shared_owner(13335).unwrap();
        assert_eq!(
            (cf.owner.as_str(), cf.kind),
            ("Cloudflare", SharedKind::Platform)
        );
        assert!(cf.reason.contains("reverse proxy"), "{}", cf.reason);
        assert_eq!(shared_owner(16276).unwrap().kind, SharedKind::Hosting);
        // Deutsche Telekom's access network is nobody's shared platform.
        assert_eq!(shared_owner(3320), None);
        let (info, owner) = shared_owner_of("104.16.12.194".parse().unwrap()).unwrap();
        assert_eq!((info.number, owner.owner.as_str()), (13335, "Cloudflare"));
        let mapped = shared_owner_of("::ffff:104.16.12.194".parse().unwrap());
        assert_eq!(mapped.map(|(i, _)| i.number), Some(13335));
        assert_eq!(shared_owner_of("10.0.0.1".parse().unwrap()), None);
        assert_eq!(shared_owner_of("192.0.2.1".parse().unwrap()), None);
    }

    /// Every listed number is in the bundled AS table under a name that matches its owner, so
    /// a mistyped number (or an AS that changed hands) fails here.
    #[test]
    fn every_listed_number_belongs_to_its_owner_in_the_as_table() {
        let mut wrong = Vec::new();
        for (number, owner) in shared_owners() {
            match asn::organisation(number) {
                Some(org) if owner.matches_org(org) => {}
                other => wrong.push(format!("AS{number} {}: {other:?}", owner.owner)),
            }
        }
        wrong.sort();
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn organisation_names_match_owners_and_their_other_names() {
        let linode = shared_owner(63949).unwrap();
        assert!(linode.matches_org("Akamai Technologies, Inc."));
        assert!(linode.matches_org("LINODE, LLC"));
        assert!(!linode.matches_org("Amazon.com, Inc."));
    }

    #[test]
    fn bad_lists_are_refused_by_line() {
        let header = "asn,owner,kind,reason,org_names\n";
        for (body, want) in [
            ("1,A,cdn,\"r\",\n", "neither platform nor hosting"),
            ("x,A,platform,r,\n", "bad AS number"),
            ("0,A,platform,r,\n", "bad AS number"),
            ("1,A,platform,r\n", "found record with 4 fields"),
            ("1,,platform,r,\n", "no owner"),
            ("1,A,platform,r,\n1,B,hosting,r,\n", "listed twice"),
        ] {
            let e = parse(&format!("{header}{body}")).unwrap_err();
            assert!(e.contains(want), "{body}: {e}");
        }
        assert!(parse("asn,owner\n1,A\n").unwrap_err().contains("header"));
        let ok = parse("# c\nasn,owner,kind,reason,org_names\n7,A,hosting,\"r, s\",B|C\n").unwrap();
        assert_eq!(ok[0].1.org_names, ["B", "C"]);
        assert_eq!(ok[0].1.reason, "r, s");
    }
}

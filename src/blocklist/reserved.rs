//! The networks on every allowlist: private, loopback, link-local, CGNAT, documentation,
//! multicast and reserved ranges (IANA's IPv4 and IPv6 Special-Purpose Address Registries,
//! RFC 6890 and its updates). Blocking them never stops an attacker and can cut off your own.

use std::sync::OnceLock;

use ipnet::IpNet;

/// Each reserved network and what it is.
const RESERVED: [(&str, &str); 26] = [
    ("0.0.0.0/8", "\"this network\" (RFC 791)"),
    ("10.0.0.0/8", "private network (RFC 1918)"),
    ("100.64.0.0/10", "carrier-grade NAT (RFC 6598)"),
    ("127.0.0.0/8", "loopback (RFC 1122)"),
    ("169.254.0.0/16", "link-local (RFC 3927)"),
    ("172.16.0.0/12", "private network (RFC 1918)"),
    ("192.0.0.0/24", "IETF protocol assignments (RFC 6890)"),
    ("192.0.2.0/24", "documentation TEST-NET-1 (RFC 5737)"),
    ("192.88.99.0/24", "deprecated 6to4 relay anycast (RFC 7526)"),
    ("192.168.0.0/16", "private network (RFC 1918)"),
    ("198.18.0.0/15", "benchmarking (RFC 2544)"),
    ("198.51.100.0/24", "documentation TEST-NET-2 (RFC 5737)"),
    ("203.0.113.0/24", "documentation TEST-NET-3 (RFC 5737)"),
    ("224.0.0.0/4", "multicast (RFC 5771)"),
    (
        "240.0.0.0/4",
        "reserved, and the broadcast address (RFC 1112)",
    ),
    ("::/128", "unspecified address (RFC 4291)"),
    ("::1/128", "loopback (RFC 4291)"),
    ("::ffff:0:0/96", "IPv4-mapped addresses (RFC 4291)"),
    ("100::/64", "discard-only (RFC 6666)"),
    (
        "2001::/23",
        "IETF protocol assignments, Teredo 2001::/32 among them (RFC 2928, RFC 4380)",
    ),
    ("2002::/16", "6to4 (RFC 3056)"),
    ("2001:db8::/32", "documentation (RFC 3849)"),
    ("3fff::/20", "documentation (RFC 9637)"),
    ("fc00::/7", "unique local addresses (RFC 4193)"),
    ("fe80::/10", "link-local (RFC 4291)"),
    ("ff00::/8", "multicast (RFC 4291)"),
];

/// The reserved networks with what each is.
pub fn reserved() -> &'static [(IpNet, &'static str)] {
    static NETS: OnceLock<Vec<(IpNet, &'static str)>> = OnceLock::new();
    NETS.get_or_init(|| {
        RESERVED
            .iter()
            .map(|(net, what)| (net.parse().expect("reserved networks parse"), *what))
            .collect()
    })
}

/// The reserved network that overlaps `net`, with what it is.
pub fn reserved_overlap(net: &IpNet) -> Option<(IpNet, &'static str)> {
    reserved()
        .iter()
        .find(|(r, _)| super::address::overlaps(r, net))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_documentation_ranges_are_reserved() {
        let hit = |s: &str| reserved_overlap(&s.parse().unwrap()).map(|(_, w)| w);
        assert_eq!(hit("10.1.2.3/32"), Some("private network (RFC 1918)"));
        assert_eq!(hit("100.100.0.1/32"), Some("carrier-grade NAT (RFC 6598)"));
        assert_eq!(hit("fe80::1/128"), Some("link-local (RFC 4291)"));
        assert!(hit("0.0.0.0/1").is_some());
        assert_eq!(hit("111.73.46.18/32"), None);
        assert_eq!(hit("2a01:4f8::/32"), None);
        assert!(
            hit("2001:0:4136:e378:8000:63bf:3fff:fdd2/128").is_some_and(|w| w.contains("Teredo"))
        );
        assert_eq!(hit("2002:c000:204::1/128"), Some("6to4 (RFC 3056)"));
        assert_eq!(hit("2001:4860::/32"), None);
    }
}

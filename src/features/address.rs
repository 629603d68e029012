//! Address classes used as features.

use std::net::IpAddr;

/// Whether `ip` is not publicly routable: RFC 1918, loopback, link-local, CGNAT (100.64/10),
/// IPv6 unique-local (fc00::/7) or unspecified.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| is_private(IpAddr::V4(v4)))
        }
    }
}

/// Well-known service ports: traffic to anything else is unusual for most networks.
const COMMON_PORTS: [u16; 24] = [
    20, 21, 22, 23, 25, 53, 67, 68, 80, 110, 123, 137, 138, 139, 143, 161, 389, 443, 445, 465, 587,
    993, 995, 3389,
];

/// Whether `port` is a common service port (or 8080/8443).
pub fn is_common_port(port: u16) -> bool {
    COMMON_PORTS.contains(&port) || port == 8080 || port == 8443
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn private_ranges() {
        for p in [
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.1.1",
            "100.64.0.1",
            "100.127.255.255",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_private(ip(p)), "{p}");
        }
        for p in [
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2001:db8::1",
            "147.161.161.82",
        ] {
            assert!(!is_private(ip(p)), "{p}");
        }
    }

    #[test]
    fn common_ports() {
        assert!(is_common_port(443));
        assert!(is_common_port(8080));
        assert!(!is_common_port(4444));
    }
}

//! Reading an address or network as the analyst types it, with messages that say how to fix
//! it ("host bits set: did you mean 195.178.188.64/29?").

use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Net, Ipv4Subnets, Ipv6Net, Ipv6Subnets};

/// The most networks one range (`a-b`) may expand to.
const MOST_RANGE_PARTS: usize = 256;

/// `ip` with an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) written as the IPv4 it is.
pub fn canonical_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// `s` as shown in a message: control characters escaped, at most 60 characters.
pub fn shown(s: &str) -> String {
    let escaped: String = s.chars().flat_map(char::escape_debug).collect();
    match escaped.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &escaped[..i]),
        None => escaped,
    }
}

fn parse_ip(s: &str) -> Option<IpAddr> {
    let s = s.trim().trim_start_matches('[').trim_end_matches(']');
    s.parse::<IpAddr>().ok().map(canonical_ip)
}

/// Reads one address or CIDR network. Hosts become /32 or /128; IPv4-mapped IPv6 becomes
/// IPv4. Host bits set, `/0`, a port or anything else that is not a network is an error
/// saying what is wrong.
pub fn parse_net(text: &str) -> Result<IpNet, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("empty: type an address or a CIDR network".into());
    }
    let Some((addr, prefix)) = s.split_once('/') else {
        if let Some(ip) = parse_ip(s) {
            return Ok(IpNet::from(ip));
        }
        if let Some((host, port)) = s.rsplit_once(':') {
            if parse_ip(host).is_some() && port.parse::<u16>().is_ok() {
                return Err(format!(
                    "'{}' has a port: write the address {} alone",
                    shown(s),
                    shown(host)
                ));
            }
        }
        if s.contains('%') {
            return Err(format!(
                "'{}' has a zone id (%...): firewalls and WAFs take the address without it",
                shown(s)
            ));
        }
        return Err(format!(
            "'{}' is not an IP address or CIDR network",
            shown(s)
        ));
    };
    let ip = parse_ip(addr).ok_or_else(|| format!("'{}' is not an IP address", shown(addr)))?;
    let prefix: u8 = prefix
        .trim()
        .parse()
        .map_err(|_| format!("'/{}' is not a prefix length", shown(prefix)))?;
    let mapped = matches!(addr.trim().parse::<IpAddr>(), Ok(IpAddr::V6(_))) && ip.is_ipv4();
    let prefix = if mapped {
        prefix.checked_sub(96).filter(|&p| p > 0).ok_or_else(|| {
            format!("/{prefix} is not inside the IPv4-mapped range ::ffff:0:0/96 (write IPv4)")
        })?
    } else {
        prefix
    };
    let net = IpNet::new(ip, prefix).map_err(|_| {
        let most = if ip.is_ipv4() { 32 } else { 128 };
        format!(
            "/{prefix} is longer than an {} address (/{most})",
            family(ip)
        )
    })?;
    if prefix == 0 {
        return Err("/0 covers every address: no firewall or WAF accepts it".into());
    }
    if net.trunc() != net {
        return Err(format!("host bits set: did you mean {}?", net.trunc()));
    }
    Ok(net)
}

fn family(ip: IpAddr) -> &'static str {
    if ip.is_ipv4() {
        "IPv4"
    } else {
        "IPv6"
    }
}

/// Reads an address, a CIDR network, or a range `first-last` (as the fewest networks that
/// cover it exactly, at most 256).
pub fn parse_nets(text: &str) -> Result<Vec<IpNet>, String> {
    let s = text.trim();
    let Some((a, b)) = s.split_once('-').filter(|_| !s.contains('/')) else {
        return parse_net(s).map(|n| vec![n]);
    };
    let (Some(a), Some(b)) = (parse_ip(a), parse_ip(b)) else {
        return parse_net(s).map(|n| vec![n]);
    };
    let nets: Vec<IpNet> = match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) if a <= b => Ipv4Subnets::new(a, b, 0)
            .take(MOST_RANGE_PARTS + 1)
            .map(IpNet::V4)
            .collect(),
        (IpAddr::V6(a), IpAddr::V6(b)) if a <= b => Ipv6Subnets::new(a, b, 0)
            .take(MOST_RANGE_PARTS + 1)
            .map(IpNet::V6)
            .collect(),
        _ => {
            return Err(format!(
                "'{}': the range must run from low to high in one family",
                shown(s)
            ))
        }
    };
    if nets.len() > MOST_RANGE_PARTS {
        return Err(format!(
            "'{}' needs more than {MOST_RANGE_PARTS} networks: write it as CIDRs",
            shown(s)
        ));
    }
    if nets.iter().any(|n| n.prefix_len() == 0) {
        return Err("the range covers every address".into());
    }
    Ok(nets)
}

/// How many addresses `net` holds (saturating at `u128::MAX` for ::/0).
pub fn size(net: &IpNet) -> u128 {
    let bits = net.max_prefix_len() - net.prefix_len();
    1u128.checked_shl(u32::from(bits)).unwrap_or(u128::MAX)
}

/// Whether `a` and `b` share any address.
pub fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    a.contains(b) || b.contains(a)
}

/// The smallest network that holds both `a` and `b` (same family), if any.
pub fn common_supernet(a: &IpNet, b: &IpNet) -> Option<IpNet> {
    match (a, b) {
        (IpNet::V4(x), IpNet::V4(y)) => {
            let diff = u32::from(x.network()) ^ u32::from(y.network());
            let len = (diff.leading_zeros() as u8)
                .min(x.prefix_len())
                .min(y.prefix_len());
            Ipv4Net::new(x.network(), len)
                .ok()
                .map(|n| IpNet::V4(n.trunc()))
        }
        (IpNet::V6(x), IpNet::V6(y)) => {
            let diff = u128::from(x.network()) ^ u128::from(y.network());
            let len = (diff.leading_zeros() as u8)
                .min(x.prefix_len())
                .min(y.prefix_len());
            Ipv6Net::new(x.network(), len)
                .ok()
                .map(|n| IpNet::V6(n.trunc()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_networks_and_their_mistakes() {
        assert_eq!(parse_net(" 1.2.3.4 ").unwrap().to_string(), "1.2.3.4/32");
        assert_eq!(
            parse_net("2001:db8::1").unwrap().to_string(),
            "2001:db8::1/128"
        );
        assert_eq!(
            parse_net("::ffff:1.2.3.4").unwrap().to_string(),
            "1.2.3.4/32"
        );
        assert_eq!(
            parse_net("::ffff:1.2.3.0/120").unwrap().to_string(),
            "1.2.3.0/24"
        );
        assert_eq!(
            parse_net("195.178.188.70/29").unwrap_err(),
            "host bits set: did you mean 195.178.188.64/29?"
        );
        assert!(parse_net("0.0.0.0/0")
            .unwrap_err()
            .contains("every address"));
        assert!(parse_net("1.2.3.4/33")
            .unwrap_err()
            .contains("longer than an IPv4"));
        assert!(parse_net("1.2.3.4:80").unwrap_err().contains("has a port"));
        assert!(parse_net("1.2.3")
            .unwrap_err()
            .contains("not an IP address"));
        assert!(parse_net("").is_err());
    }

    #[test]
    fn ranges_become_the_fewest_networks() {
        let nets = parse_nets("10.0.0.0-10.0.0.9").unwrap();
        let text: Vec<String> = nets.iter().map(ToString::to_string).collect();
        assert_eq!(text, ["10.0.0.0/29", "10.0.0.8/31"]);
        assert!(parse_nets("10.0.0.9-10.0.0.1").is_err());
        assert!(parse_nets("0.0.0.0-255.255.255.255").is_err());
    }

    #[test]
    fn supernets_and_sizes() {
        let a = parse_net("1.2.3.4").unwrap();
        let b = parse_net("1.2.3.9").unwrap();
        assert_eq!(common_supernet(&a, &b).unwrap().to_string(), "1.2.3.0/28");
        assert_eq!(size(&parse_net("1.2.3.0/24").unwrap()), 256);
        assert!(overlaps(&parse_net("1.2.0.0/16").unwrap(), &a));
    }
}

//! The names each address was reached by: HTTP Host headers and TLS server names its clients
//! asked for, and DNS answers that resolved to it. A server reached under several unrelated
//! names serves many sites: blocking its address would break them all, and the names are
//! what to block instead.

use std::collections::{BTreeSet, HashMap};

use crate::events::EventTable;

use super::behaviour::client_server;

/// Most names kept per address.
pub const NAMES_KEPT: usize = 32;

/// The detail parts that name the server of a request or handshake: an access log's or
/// Suricata's Host header and TLS server name, Zeek's and a capture's (`http.host`,
/// `ssl.server_name`).
pub const SERVER_NAME_KEYS: [&str; 4] = ["host", "sni", "http.host", "ssl.server_name"];

/// The names of every address that was reached by one, by address id, each set sorted.
pub fn names_by_address(t: &EventTable) -> HashMap<u32, BTreeSet<String>> {
    let mut out: HashMap<u32, BTreeSet<String>> = HashMap::new();
    let mut add = |id: u32, name: &str| {
        let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
        let set = out.entry(id).or_default();
        if !name.is_empty() && name.parse::<std::net::IpAddr>().is_err() && set.len() < NAMES_KEPT {
            set.insert(name);
        }
    };
    for row in 0..t.len() {
        for key in SERVER_NAME_KEYS {
            if let Some(name) = t.detail_value(row, key) {
                if let Some((_, server)) = client_server(t, row) {
                    // A Host header may carry a port.
                    let host = name.rsplit_once(':').map_or(name, |(h, p)| {
                        if p.bytes().all(|b| b.is_ascii_digit()) {
                            h
                        } else {
                            name
                        }
                    });
                    add(server, host);
                }
            }
        }
        if let (Some(answers), Some(name)) = (
            t.detail_value(row, "answers"),
            t.detail_value(row, "rrname")
                .or_else(|| t.detail_value(row, "dns.query")),
        ) {
            for a in answers.split(' ') {
                if let Some(id) = a.parse().ok().and_then(|ip| t.ips().id_of(ip)) {
                    add(id, name);
                }
            }
        }
    }
    out.retain(|_, s| !s.is_empty());
    out
}

/// The site a name belongs to, for telling unrelated names apart: its last two labels, or
/// three under a two-letter country code's second level (`www.example.co.uk` →
/// `example.co.uk`).
pub fn site_of(name: &str) -> &str {
    let labels: Vec<&str> = name.split('.').collect();
    let n = labels.len();
    let keep = if n >= 3 && labels[n - 1].len() == 2 && labels[n - 2].len() <= 3 {
        3
    } else {
        2
    };
    if n <= keep {
        return name;
    }
    let cut: usize = labels[..n - keep].iter().map(|l| l.len() + 1).sum();
    &name[cut..]
}

/// The distinct sites among `names`.
pub fn sites(names: &BTreeSet<String>) -> BTreeSet<&str> {
    names.iter().map(|n| site_of(n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sites_are_the_registered_part_of_a_name() {
        assert_eq!(site_of("www.hydrocheats.com"), "hydrocheats.com");
        assert_eq!(site_of("hydrocheats.com"), "hydrocheats.com");
        assert_eq!(site_of("a.b.example.co.uk"), "example.co.uk");
        assert_eq!(site_of("ghs.googlehosted.com"), "googlehosted.com");
        assert_eq!(site_of("localhost"), "localhost");
    }
}

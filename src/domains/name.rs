//! Domain names as the analyst types them, lists hold them and detection proposes them, read
//! so that no accepted name can change what an export file means: letters, digits and
//! hyphens in dot-separated labels, international names as their A-labels (punycode, by the
//! `idna` crate's UTS 46 mapping, which also folds case), at most one trailing dot. Everything
//! else is refused with a message that says what is wrong: control characters, spaces,
//! quotes, `;`, `*` (only a leading `*.` is read, by [`parse_pattern`], as "with
//! subdomains"), underscores (a sinkhole's `A` record and a hosts file refuse them), empty
//! labels, labels over 63 octets, names over 253, hyphens at a label's ends, IP addresses,
//! URLs and ports.

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// The longest name, in octets of its text form without the trailing dot (RFC 1035's 255
/// octets on the wire).
pub const MAX_NAME: usize = 253;
/// The longest label, in octets.
pub const MAX_LABEL: usize = 63;
/// Input longer than this is refused before any work is done on it.
const MAX_INPUT: usize = 1024;

/// A valid domain name: lowercase ASCII A-labels of letters, digits and inner hyphens, joined
/// by single dots, without the trailing dot. Only [`DomainName::parse`] makes one (a saved
/// file is read through it too).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DomainName(String);

impl DomainName {
    /// Reads a name as typed: see the module docs for what is accepted.
    pub fn parse(text: &str) -> Result<DomainName, String> {
        refuse_controls(text)?;
        let s = text.trim();
        if s.is_empty() {
            return Err("empty: type a domain name such as www.example.com".into());
        }
        if s.len() > MAX_INPUT {
            return Err(format!(
                "'{}' is longer than a domain name can be ({MAX_NAME} characters)",
                shown(s)
            ));
        }
        if s == "." {
            return Err("'.' is the root of the DNS: blocking it would block every name".into());
        }
        refuse_address(s)?;
        refuse_characters(s)?;
        let s = s.strip_suffix('.').unwrap_or(s);
        let ascii = idna::uts46::Uts46::new()
            .to_ascii(
                s.as_bytes(),
                idna::uts46::AsciiDenyList::STD3,
                idna::uts46::Hyphens::Allow,
                idna::uts46::DnsLength::Ignore,
            )
            .map_err(|_| {
                format!(
                    "'{}' is not a valid international domain name (IDNA): a label is broken punycode (xn--...) or holds a character names may not",
                    shown(s)
                )
            })?;
        check_ldh(&ascii)?;
        Ok(DomainName(ascii.into_owned()))
    }

    /// The name as written in files: ASCII, lowercase, no trailing dot.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name for reading: international labels decoded (`www.bücher.example`); the ASCII
    /// form itself when a label does not decode.
    pub fn unicode(&self) -> String {
        let (text, ok) = idna::domain_to_unicode(&self.0);
        if ok.is_ok() {
            text
        } else {
            self.0.clone()
        }
    }

    /// Whether this name is `other` or one of its subdomains.
    pub fn is_within(&self, other: &DomainName) -> bool {
        self.0 == other.0
            || (self.0.len() > other.0.len()
                && self.0.ends_with(&other.0)
                && self.0.as_bytes()[self.0.len() - other.0.len() - 1] == b'.')
    }

    /// How many labels the name has.
    pub fn labels(&self) -> usize {
        self.0.split('.').count()
    }
}

impl fmt::Display for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for DomainName {
    type Error = String;

    fn try_from(s: String) -> Result<DomainName, String> {
        DomainName::parse(&s)
    }
}

impl From<DomainName> for String {
    fn from(n: DomainName) -> String {
        n.0
    }
}

impl std::str::FromStr for DomainName {
    type Err = String;

    fn from_str(s: &str) -> Result<DomainName, String> {
        DomainName::parse(s)
    }
}

/// `text` as a message quotes it: control characters, line separators and bidirectional
/// controls escaped (`\n`, `\u{202e}`), at most 60 characters; quotes are shown as typed.
pub fn shown(text: &str) -> String {
    let mut out = String::new();
    for (n, c) in text.chars().enumerate() {
        if n == 60 {
            out.push('…');
            break;
        }
        if is_control(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

fn is_control(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}')
        || crate::detection::behaviour::is_bidi_control(c)
}

/// Reads a name that may start with `*.`, meaning the name with all its subdomains: the name
/// and whether its subdomains are included.
pub fn parse_pattern(text: &str) -> Result<(DomainName, bool), String> {
    refuse_controls(text)?;
    match text.trim().strip_prefix("*.") {
        Some(rest) => DomainName::parse(rest).map(|n| (n, true)),
        None => DomainName::parse(text).map(|n| (n, false)),
    }
}

fn refuse_controls(text: &str) -> Result<(), String> {
    if text.chars().any(is_control) {
        return Err(format!(
            "'{}' holds a control character (a newline, tab or the like): a domain name never does",
            shown(text)
        ));
    }
    Ok(())
}

fn refuse_address(s: &str) -> Result<(), String> {
    let bare = s.trim_start_matches('[').trim_end_matches(']');
    let host = s
        .rsplit_once(':')
        .filter(|(_, port)| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()))
        .map(|(h, _)| h.trim_start_matches('[').trim_end_matches(']'));
    let is_ip = |t: &str| t.trim_end_matches('.').parse::<IpAddr>().is_ok();
    if is_ip(bare) || crate::blocklist::parse_net(s).is_ok() || host.is_some_and(is_ip) {
        return Err(format!(
            "'{}' is an IP address: use the IP blocklist",
            shown(s)
        ));
    }
    Ok(())
}

fn refuse_characters(s: &str) -> Result<(), String> {
    if let Some((_, rest)) = s.split_once("://") {
        let host = rest.split(['/', ':', '?', '#']).next().unwrap_or("");
        return Err(format!(
            "'{}' is a URL: write its host name alone ({})",
            shown(s),
            shown(host)
        ));
    }
    for c in s.chars() {
        let why = match c {
            c if c.is_whitespace() => "a space: a domain name never holds one".to_string(),
            '"' | '\'' | '`' | '\u{2018}' | '\u{2019}' | '\u{201c}' | '\u{201d}' => {
                "a quote: a domain name never holds one".to_string()
            }
            ';' => "';': a domain name never holds one".to_string(),
            '*' => "'*': wildcards are not names; start the name with '*.' or tick \
                    'with subdomains' to include every subdomain"
                .to_string(),
            '_' => "an underscore: host names may not hold one (RPZ sinkhole records and \
                    hosts files refuse it)"
                .to_string(),
            '/' => "a '/': write the host name alone, without a path".to_string(),
            ':' => "a ':': write the host name alone, without a port".to_string(),
            '@' => "an '@': write the host name alone, without a user".to_string(),
            c if c.is_ascii() && !(c.is_ascii_alphanumeric() || c == '-' || c == '.') => {
                format!("'{c}': a domain name holds only letters, digits, hyphens and dots")
            }
            _ => continue,
        };
        return Err(format!("'{}' holds {why}", shown(s)));
    }
    Ok(())
}

/// Checks the ASCII form: labels of letters, digits and inner hyphens, within the lengths,
/// and a last label that is not all digits.
fn check_ldh(ascii: &str) -> Result<(), String> {
    if ascii.len() > MAX_NAME {
        return Err(format!(
            "'{}' is {} characters long: a domain name has at most {MAX_NAME}",
            shown(ascii),
            ascii.len()
        ));
    }
    let labels: Vec<&str> = ascii.split('.').collect();
    for label in &labels {
        if label.is_empty() {
            return Err(format!(
                "'{}' has an empty label (two dots in a row, or a dot first)",
                shown(ascii)
            ));
        }
        if label.len() > MAX_LABEL {
            return Err(format!(
                "label '{}' is {} characters long: a label has at most {MAX_LABEL}",
                shown(label),
                label.len()
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!(
                "label '{}' starts or ends with a hyphen",
                shown(label)
            ));
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(format!(
                "label '{}' holds a character a host name may not",
                shown(label)
            ));
        }
    }
    let last = labels.last().copied().unwrap_or_default();
    if last.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "'{}' ends in the all-digit label '{last}': no top-level domain is one (for an address, use the IP blocklist)",
            shown(ascii)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> String {
        DomainName::parse(s)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
            .to_string()
    }

    fn err(s: &str) -> String {
        DomainName::parse(s).unwrap_err()
    }

    #[test]
    fn names_are_folded_to_a_labels() {
        assert_eq!(ok("WWW.HydroCheats.com."), "www.hydrocheats.com");
        assert_eq!(ok("  www.example.org "), "www.example.org");
        assert_eq!(ok("bücher.example"), "xn--bcher-kva.example");
        assert_eq!(
            ok("www.xn--pckwb0cye6947ajzku8opzi.com"),
            "www.xn--pckwb0cye6947ajzku8opzi.com"
        );
        assert_eq!(
            DomainName::parse("xn--bcher-kva.example")
                .unwrap()
                .unicode(),
            "bücher.example"
        );
        assert_eq!(
            ok("r3---sn-abc.googlevideo.com"),
            "r3---sn-abc.googlevideo.com"
        );
    }

    #[test]
    fn hostile_names_are_refused_with_why() {
        assert!(err("evil.com\nfoo").contains("control character"));
        assert!(err("evil.com\r").contains("control character"));
        assert!(err("evil\u{202e}.com").contains("control character"));
        assert!(err("evil\".com").contains("a quote"));
        assert!(err("evil.com;rm").contains("';'"));
        assert!(err("evil .com").contains("a space"));
        assert!(err("ev*il.com").contains("wildcards"));
        assert!(err("*.evil.com").contains("wildcards"));
        assert!(err("_dmarc.evil.com").contains("underscore"));
        assert!(err("a..com").contains("empty label"));
        assert!(err(".a.com").contains("empty label"));
        assert!(err("-a.com").contains("hyphen"));
        assert!(err(&format!("{}.com", "a".repeat(64))).contains("at most 63"));
        let long = vec!["a".repeat(63); 4].join(".");
        assert!(err(&long).contains("at most 253"), "{}", err(&long));
        assert!(
            err("xn--zz-.com").contains("IDNA"),
            "{}",
            err("xn--zz-.com")
        );
        assert_eq!(
            err("1.2.3.4"),
            "'1.2.3.4' is an IP address: use the IP blocklist"
        );
        assert!(err("[2001:db8::1]").contains("IP blocklist"));
        assert!(err("1.2.3.4:80").contains("IP blocklist"));
        assert!(err("10.0.0.0/8").contains("IP blocklist"));
        assert!(err("1.2.3").contains("all-digit"));
        assert!(err("http://evil.com/x").contains("write its host name alone (evil.com)"));
        assert!(err("evil.com:8080").contains("port"));
        assert!(err(".").contains("root"));
        assert!(err("").starts_with("empty"));
    }

    #[test]
    fn messages_escape_controls_and_keep_quotes() {
        assert_eq!(shown("a\"b\n\u{202e}"), "a\"b\\n\\u{202e}");
        assert_eq!(shown(&"x".repeat(70)).chars().count(), 61);
    }

    #[test]
    fn a_leading_star_means_subdomains() {
        let (n, sub) = parse_pattern("*.Evil.com").unwrap();
        assert_eq!((n.as_str(), sub), ("evil.com", true));
        let (n, sub) = parse_pattern("evil.com").unwrap();
        assert_eq!((n.as_str(), sub), ("evil.com", false));
        assert!(parse_pattern("*.*.evil.com").is_err());
        assert!(parse_pattern("\n*.evil.com").is_err());
    }

    #[test]
    fn within_compares_whole_labels() {
        let n = |s: &str| DomainName::parse(s).unwrap();
        assert!(n("a.evil.com").is_within(&n("evil.com")));
        assert!(n("evil.com").is_within(&n("evil.com")));
        assert!(!n("notevil.com").is_within(&n("evil.com")));
        assert!(!n("evil.com").is_within(&n("a.evil.com")));
    }

    #[test]
    fn a_saved_name_is_read_through_the_same_checks() {
        let bad: Result<DomainName, _> = serde_json::from_str("\"evil.com\\nfoo\"");
        assert!(bad.is_err());
        let good: DomainName = serde_json::from_str("\"EVIL.com\"").unwrap();
        assert_eq!(good.as_str(), "evil.com");
    }
}

//! What must never be blocked, and what needs the analyst's confirmation, said before the
//! change is made. Refused outright: top-level domains and every public suffix of Mozilla's
//! Public Suffix List (`com`, `co.uk`, `github.io`), under which unrelated parties register
//! their names, and the analyst's allowlist. To confirm: a short list of domains whose
//! blocking breaks updates, sign-in or half the web, and names under them.

use super::entry::AllowedDomain;
use super::name::DomainName;

/// Domains whose blocking breaks operating system updates, certificate checks, sign-in, or the
/// many sites they host: blocking one of them, or a name under one, asks for confirmation.
pub const CRITICAL: [&str; 20] = [
    "akamai.net",
    "akamaiedge.net",
    "amazon.com",
    "amazonaws.com",
    "apple.com",
    "azure.com",
    "cloudflare.com",
    "digicert.com",
    "github.com",
    "google.com",
    "googleapis.com",
    "gstatic.com",
    "icloud.com",
    "letsencrypt.org",
    "live.com",
    "microsoft.com",
    "microsoftonline.com",
    "office.com",
    "windows.com",
    "windowsupdate.com",
];

/// Why a name can never be blocked.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// A top-level domain.
    TopLevel(DomainName),
    /// A public suffix: names are registered under it by unrelated parties.
    PublicSuffix {
        /// The suffix.
        name: DomainName,
        /// Whether a registry (ICANN section) or a company for its users (private section)
        /// runs it.
        private: bool,
    },
    /// On the analyst's allowlist (the entry itself, or one under it or over it).
    Allowed {
        /// The allowlisted name.
        name: DomainName,
        /// Its note.
        note: String,
    },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::TopLevel(n) => write!(
                f,
                "'{n}' is a top-level domain: blocking it would block every name under it"
            ),
            Refusal::PublicSuffix {
                name,
                private: false,
            } => write!(
                f,
                "'{name}' is a public suffix: anyone registers names under it, so blocking it would block unrelated sites"
            ),
            Refusal::PublicSuffix {
                name,
                private: true,
            } => write!(
                f,
                "'{name}' is a public suffix run for its users' own sites: blocking it would block every one of them"
            ),
            Refusal::Allowed { name, note } if note.is_empty() => {
                write!(f, "{name} is on your allowlist")
            }
            Refusal::Allowed { name, note } => write!(f, "{name} is on your allowlist ({note})"),
        }
    }
}

/// Why the name can never be blocked, apart from the allowlist: a top-level domain or a
/// public suffix.
pub fn refusal(name: &DomainName) -> Option<Refusal> {
    if name.labels() == 1 {
        return Some(Refusal::TopLevel(name.clone()));
    }
    let suffix = psl::suffix(name.as_str().as_bytes())?;
    (suffix.as_bytes() == name.as_str().as_bytes()).then(|| Refusal::PublicSuffix {
        name: name.clone(),
        private: suffix.typ() == Some(psl::Type::Private),
    })
}

/// Why blocking `name` (with its subdomains when `subdomains`) is refused: [`refusal`], or an
/// allowlisted name that it is, lies under, or (with subdomains) lies over.
pub fn refused(
    allowlist: &[AllowedDomain],
    name: &DomainName,
    subdomains: bool,
) -> Option<Refusal> {
    refusal(name).or_else(|| {
        allowlist
            .iter()
            .find(|a| name.is_within(&a.name) || (subdomains && a.name.is_within(name)))
            .map(|a| Refusal::Allowed {
                name: a.name.clone(),
                note: a.note.clone(),
            })
    })
}

/// The critical domain `name` is or lies under, which blocking it needs confirmed.
pub fn critical(name: &DomainName) -> Option<&'static str> {
    CRITICAL.into_iter().find(|c| {
        DomainName::parse(c)
            .map(|c| name.is_within(&c))
            .unwrap_or(false)
    })
}

/// The warning to confirm before blocking `name`, if any.
pub fn confirmation(name: &DomainName) -> Option<String> {
    critical(name).map(|c| {
        if c == name.as_str() {
            format!("{c} is a critical domain: blocking it breaks updates, sign-in or many sites")
        } else {
            format!(
                "{name} is under {c}, a critical domain: check it is not a service your hosts need"
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> DomainName {
        DomainName::parse(s).unwrap()
    }

    #[test]
    fn suffixes_and_top_level_domains_are_refused() {
        for s in ["com", "co.uk", "github.io", "localhost", "s3.amazonaws.com"] {
            assert!(refusal(&n(s)).is_some(), "{s}");
        }
        assert!(refusal(&n("github.io"))
            .unwrap()
            .to_string()
            .contains("users' own sites"));
        assert!(refusal(&n("co.uk"))
            .unwrap()
            .to_string()
            .contains("public suffix"));
        for s in [
            "www.hydrocheats.com",
            "example.co.uk",
            "evil.github.io",
            "google.com",
        ] {
            assert_eq!(refusal(&n(s)), None, "{s}");
        }
    }

    #[test]
    fn critical_domains_and_names_under_them_ask_first() {
        assert!(confirmation(&n("google.com"))
            .unwrap()
            .contains("critical domain"));
        assert!(confirmation(&n("download.windowsupdate.com"))
            .unwrap()
            .contains("under windowsupdate.com"));
        assert_eq!(confirmation(&n("notgoogle.com")), None);
        assert!(CRITICAL.iter().all(|c| DomainName::parse(c).is_ok()));
    }

    #[test]
    fn the_allowlist_protects_its_names_both_ways() {
        let allow = [AllowedDomain {
            name: n("corp.example.org"),
            note: "ours".into(),
            added_at: 0,
        }];
        assert!(refused(&allow, &n("mail.corp.example.org"), false).is_some());
        assert!(refused(&allow, &n("example.org"), true).is_some());
        assert_eq!(refused(&allow, &n("example.org"), false), None);
        assert_eq!(
            refused(&allow, &n("corp.example.org"), false)
                .unwrap()
                .to_string(),
            "corp.example.org is on your allowlist (ours)"
        );
    }
}

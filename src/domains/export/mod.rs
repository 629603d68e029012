//! Domain blocklist exports for resolvers (an RPZ zone for BIND, Knot and PowerDNS, Unbound,
//! dnsmasq), hosts files and Squid, each rendered to the exact bytes written with notes on
//! what the target cannot express. Names are [`DomainName`]s, which hold only letters,
//! digits, hyphens and dots; reasons and notes from logs go only into whole-line comments,
//! flattened to one line, so no log text can leave its comment. No GUI here: the Domains view
//! and `netsleuth export-domains` call [`render`] and [`write`].

mod hosts;
mod resolvers;
mod squid;
mod zone;

use std::io;
use std::path::{Path, PathBuf};

use super::entry::{Action, DomainEntry};
use super::list::DomainList;
use super::name::DomainName;
use crate::blocklist::format_time;
use crate::export::sanitize::{hash_comment, one_line};
use crate::export::{OutFile, Output};

/// A domain export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DomainFormat {
    /// A DNS response policy zone (BIND, Knot Resolver, PowerDNS Recursor, Unbound's rpz).
    Rpz,
    /// Unbound `local-zone:` lines in a `server:` clause.
    Unbound,
    /// dnsmasq `address=` lines.
    Dnsmasq,
    /// A hosts file.
    Hosts,
    /// A Squid `dstdomain` ACL file.
    Squid,
}

impl DomainFormat {
    /// Every format, in menu order.
    pub const ALL: [DomainFormat; 5] = [
        DomainFormat::Rpz,
        DomainFormat::Unbound,
        DomainFormat::Dnsmasq,
        DomainFormat::Hosts,
        DomainFormat::Squid,
    ];

    /// The format's name on the command line.
    pub fn id(self) -> &'static str {
        match self {
            DomainFormat::Rpz => "rpz",
            DomainFormat::Unbound => "unbound",
            DomainFormat::Dnsmasq => "dnsmasq",
            DomainFormat::Hosts => "hosts",
            DomainFormat::Squid => "squid",
        }
    }

    /// The format named `s`.
    pub fn from_id(s: &str) -> Option<DomainFormat> {
        DomainFormat::ALL.into_iter().find(|f| f.id() == s.trim())
    }

    /// What the format is for, in a few words.
    pub fn title(self) -> &'static str {
        match self {
            DomainFormat::Rpz => "DNS RPZ zone (BIND, Knot, PowerDNS)",
            DomainFormat::Unbound => "Unbound local-zone",
            DomainFormat::Dnsmasq => "dnsmasq address lines",
            DomainFormat::Hosts => "hosts file",
            DomainFormat::Squid => "Squid dstdomain ACL",
        }
    }

    /// The file name to suggest.
    pub fn default_name(self) -> &'static str {
        match self {
            DomainFormat::Rpz => "netsleuth-domains.rpz.zone",
            DomainFormat::Unbound => "netsleuth-domains.unbound.conf",
            DomainFormat::Dnsmasq => "netsleuth-domains.dnsmasq.conf",
            DomainFormat::Hosts => "netsleuth-domains.hosts",
            DomainFormat::Squid => "netsleuth-domains.squid.acl",
        }
    }

    /// How the format's comments start.
    fn comment(self) -> &'static str {
        match self {
            DomainFormat::Rpz => ";",
            _ => "#",
        }
    }
}

/// How a domain export is written.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainOptions {
    /// The name of the policy zone (`NAME.rpz.`) or Squid ACL: letters, digits and inner
    /// hyphens.
    pub name: String,
    /// What the investigation was (file names), for the header.
    pub investigation: String,
    /// When the export was made, seconds since 1970.
    pub generated_at: i64,
}

impl Default for DomainOptions {
    fn default() -> Self {
        DomainOptions {
            name: "netsleuth-domains".into(),
            investigation: String::new(),
            generated_at: crate::blocklist::now(),
        }
    }
}

/// The longest export name: it is a label of the policy zone's name.
const MAX_EXPORT_NAME: usize = 40;

/// The entries an export writes, sorted by name, with what the exporters need.
struct Ctx<'a> {
    entries: Vec<&'a DomainEntry>,
    format: DomainFormat,
    opts: &'a DomainOptions,
    notes: Vec<String>,
}

impl Ctx<'_> {
    /// The header comment: what, by what, from where, when, how many.
    fn header(&self) -> String {
        let c = self.format.comment();
        let sinkholed = self
            .entries
            .iter()
            .filter(|e| matches!(e.action, Action::Sinkhole(_)))
            .count();
        let with_subdomains = self.entries.iter().filter(|e| e.subdomains).count();
        let mut s = format!(
            "{c} Domain blocklist as {}, written by netsleuth {}\n",
            self.format.title(),
            env!("CARGO_PKG_VERSION")
        );
        if !self.opts.investigation.is_empty() {
            s.push_str(&format!(
                "{c} Investigation: {}\n",
                hash_comment(&self.opts.investigation, 200)
            ));
        }
        s.push_str(&format!(
            "{c} Generated: {}\n",
            format_time(self.opts.generated_at)
        ));
        s.push_str(&format!(
            "{c} Names: {} ({} NXDOMAIN, {sinkholed} to a sinkhole), {with_subdomains} with their subdomains\n",
            self.entries.len(),
            self.entries.len() - sinkholed,
        ));
        s
    }

    /// The comment line before an entry: its name, reason and note, on one line.
    fn entry_comment(&self, e: &DomainEntry) -> String {
        let why = match (e.reason.trim(), e.note.trim()) {
            (r, "") => r.to_string(),
            ("", n) => n.to_string(),
            (r, n) => format!("{r} (note: {n})"),
        };
        let shown = e.name.unicode();
        let name = if shown == e.name.as_str() {
            e.pattern()
        } else {
            format!("{} ({})", e.pattern(), one_line(&shown, 260))
        };
        if why.is_empty() {
            format!("{} {name}\n", self.format.comment())
        } else {
            format!(
                "{} {name}: {}\n",
                self.format.comment(),
                hash_comment(&why, 200)
            )
        }
    }

    /// A note naming how many entries `what`, with up to three of them.
    fn note_of(&mut self, names: &[&DomainName], what: &str) {
        if names.is_empty() {
            return;
        }
        let some: Vec<String> = names.iter().take(3).map(ToString::to_string).collect();
        let more = if names.len() > 3 { ", ..." } else { "" };
        self.notes.push(format!(
            "{} {what} ({}{more})",
            names.len(),
            some.join(", ")
        ));
    }
}

/// Checks that the export's name is 1 to 40 letters, digits and inner hyphens.
fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= MAX_EXPORT_NAME
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "name '{}' must be 1 to {MAX_EXPORT_NAME} letters, digits or inner hyphens",
            super::name::shown(name)
        ))
    }
}

/// Renders the entries of `list` that have not expired and that nothing protects (public
/// suffixes, the allowlist) as `format`.
pub fn render(
    format: DomainFormat,
    list: &DomainList,
    opts: &DomainOptions,
) -> Result<Output, String> {
    check_name(&opts.name)?;
    let now = opts.generated_at;
    let mut ctx = Ctx {
        entries: Vec::new(),
        format,
        opts,
        notes: Vec::new(),
    };
    let expired: Vec<&DomainName> = list
        .entries
        .iter()
        .filter(|e| e.expired(now))
        .map(|e| &e.name)
        .collect();
    ctx.note_of(&expired, "expired entries left out");
    let mut refused = Vec::new();
    for e in list.entries.iter().filter(|e| !e.expired(now)) {
        match list.refused(&e.name, e.subdomains) {
            Some(r) => refused.push((&e.name, r.to_string())),
            None => ctx.entries.push(e),
        }
    }
    for (name, why) in refused.iter().take(3) {
        ctx.notes
            .push(format!("{name} left out: never blocked: {why}"));
    }
    if refused.len() > 3 {
        ctx.notes.push(format!(
            "{} more entries left out as never blocked",
            refused.len() - 3
        ));
    }
    ctx.entries.sort_by(|a, b| a.name.cmp(&b.name));
    if ctx.entries.is_empty() {
        return Err("nothing to export: no entry that has not expired and may be blocked".into());
    }
    let text = match format {
        DomainFormat::Rpz => zone::rpz(&mut ctx),
        DomainFormat::Unbound => resolvers::unbound(&mut ctx),
        DomainFormat::Dnsmasq => resolvers::dnsmasq(&mut ctx),
        DomainFormat::Hosts => hosts::hosts(&mut ctx),
        DomainFormat::Squid => squid::squid(&mut ctx),
    };
    if ctx.entries.is_empty() {
        return Err(format!("nothing to export: {}", ctx.notes.join("; ")));
    }
    let count = ctx.entries.len();
    Ok(Output {
        files: vec![OutFile {
            name: format.default_name().into(),
            bytes: text.into_bytes(),
        }],
        notes: ctx.notes,
        count,
    })
}

/// Writes a rendered export to `path` atomically; the path written.
pub fn write(output: &Output, path: &Path) -> io::Result<PathBuf> {
    let file = output
        .files
        .first()
        .ok_or_else(|| io::Error::other("the export holds no file"))?;
    crate::session::write_atomic(path, &file.bytes)?;
    Ok(path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::super::entry::{AllowedDomain, Origin};
    use super::*;

    fn list(names: &[&str]) -> DomainList {
        let mut l = DomainList::default();
        for s in names {
            let (name, subdomains) = super::super::name::parse_pattern(s).unwrap();
            let mut e = DomainEntry::new(name, Origin::Manual, "FormBook\n}\"; check-in");
            e.subdomains = subdomains;
            l.entries.push(e);
        }
        l
    }

    #[test]
    fn expired_and_allowlisted_entries_are_left_out_with_a_note() {
        let mut l = list(&[
            "www.hydrocheats.com",
            "old.example.com",
            "mail.corp.example.org",
        ]);
        l.entries[1].expires_at = Some(1);
        l.allowlist.push(AllowedDomain {
            name: DomainName::parse("corp.example.org").unwrap(),
            note: String::new(),
            added_at: 0,
        });
        let out = render(DomainFormat::Hosts, &l, &DomainOptions::default()).unwrap();
        assert_eq!(out.count, 1);
        assert!(out.notes[0].starts_with("1 expired entries left out (old.example.com)"));
        assert!(out.notes[1].contains("allowlist"), "{:?}", out.notes);
        assert!(render(DomainFormat::Hosts, &list(&[]), &DomainOptions::default()).is_err());
        let bad = DomainOptions {
            name: "a b".into(),
            ..DomainOptions::default()
        };
        assert!(render(DomainFormat::Rpz, &l, &bad)
            .unwrap_err()
            .contains("name 'a b'"));
    }

    #[test]
    fn reasons_stay_in_their_comment_line() {
        let l = list(&["www.hydrocheats.com"]);
        for f in DomainFormat::ALL {
            let out = render(f, &l, &DomainOptions::default()).unwrap();
            let text = String::from_utf8(out.files[0].bytes.clone()).unwrap();
            let line = text
                .lines()
                .find(|l| l.contains("FormBook"))
                .unwrap_or_else(|| panic!("{}: no reason in {text}", f.id()));
            assert!(line.starts_with(f.comment()), "{}: {line}", f.id());
            assert!(
                line.ends_with("FormBook }\"; check-in"),
                "{}: {line}",
                f.id()
            );
        }
    }
}

//! Blocklist exports to the formats WAFs and firewalls take, each checked against what the
//! vendor documents ([`limits`]), with log-derived text made safe for the target
//! ([`sanitize`]). No GUI here: the Blocklist view and `netsleuth export-blocklist` call
//! [`render`] and [`write`].

mod aws;
mod azure;
mod cloud_armor;
mod cloudflare;
mod firewalls;
mod json_text;
pub mod limits;
mod plain;
pub mod sanitize;
mod servers;

pub use plain::check_duration;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use ipnet::IpNet;

use crate::blocklist::{format_time, Action, Entry};

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// AWS WAFv2 `create-ip-set --cli-input-json` files and the web ACL rules.
    AwsWafCli,
    /// AWS CloudFormation `AWS::WAFv2::IPSet` and a rule group (YAML, or JSON for `.json`).
    AwsWafCloudFormation,
    /// Terraform `aws_wafv2_ip_set` and a rule group.
    AwsWafTerraform,
    /// Cloudflare Lists API items (JSON).
    CloudflareList,
    /// Cloudflare list CSV upload.
    CloudflareCsv,
    /// Cloudflare custom rule expressions.
    CloudflareExpression,
    /// Azure Application Gateway WAF policy custom rules.
    AzureWafAppGw,
    /// Azure Front Door WAF policy custom rules.
    AzureWafFrontDoor,
    /// Google Cloud Armor security policy (JSON, YAML for `.yaml`, gcloud commands for `.sh`).
    CloudArmor,
    /// nginx `deny` lines for a server or location block.
    Nginx,
    /// nginx `geo` map for the http block.
    NginxGeo,
    /// Apache 2.4 `<RequireAll>` block.
    Apache,
    /// `ipset restore` input with iptables and ip6tables rules.
    Ipset,
    /// nftables table with interval sets and drop rules.
    Nftables,
    /// ModSecurity `@ipMatch` rules.
    ModSecurity,
    /// ModSecurity `@ipMatchFromFile` rule with its address file.
    ModSecurityFile,
    /// HAProxy ACL pattern file.
    Haproxy,
    /// CrowdSec `cscli decisions import` JSON.
    Crowdsec,
    /// One address or network per line.
    Txt,
    /// CSV with every field.
    Csv,
}

impl Format {
    /// Every format, in menu order.
    pub const ALL: [Format; 20] = [
        Format::AwsWafCli,
        Format::AwsWafCloudFormation,
        Format::AwsWafTerraform,
        Format::CloudflareList,
        Format::CloudflareCsv,
        Format::CloudflareExpression,
        Format::AzureWafAppGw,
        Format::AzureWafFrontDoor,
        Format::CloudArmor,
        Format::Nginx,
        Format::NginxGeo,
        Format::Apache,
        Format::Ipset,
        Format::Nftables,
        Format::ModSecurity,
        Format::ModSecurityFile,
        Format::Haproxy,
        Format::Crowdsec,
        Format::Txt,
        Format::Csv,
    ];

    /// The format's name on the command line.
    pub fn id(self) -> &'static str {
        match self {
            Format::AwsWafCli => "aws-waf-cli",
            Format::AwsWafCloudFormation => "aws-waf-cloudformation",
            Format::AwsWafTerraform => "aws-waf-terraform",
            Format::CloudflareList => "cloudflare-list",
            Format::CloudflareCsv => "cloudflare-csv",
            Format::CloudflareExpression => "cloudflare-expression",
            Format::AzureWafAppGw => "azure-waf-appgw",
            Format::AzureWafFrontDoor => "azure-waf-frontdoor",
            Format::CloudArmor => "cloud-armor",
            Format::Nginx => "nginx",
            Format::NginxGeo => "nginx-geo",
            Format::Apache => "apache",
            Format::Ipset => "ipset",
            Format::Nftables => "nftables",
            Format::ModSecurity => "modsecurity",
            Format::ModSecurityFile => "modsecurity-file",
            Format::Haproxy => "haproxy",
            Format::Crowdsec => "crowdsec",
            Format::Txt => "txt",
            Format::Csv => "csv",
        }
    }

    /// The format named `s`.
    pub fn from_id(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.id() == s.trim())
    }

    /// What the format is for, in a few words.
    pub fn title(self) -> &'static str {
        match self {
            Format::AwsWafCli => "AWS WAF IP sets (aws wafv2 CLI JSON)",
            Format::AwsWafCloudFormation => "AWS WAF IP sets (CloudFormation)",
            Format::AwsWafTerraform => "AWS WAF IP sets (Terraform)",
            Format::CloudflareList => "Cloudflare list items (API JSON)",
            Format::CloudflareCsv => "Cloudflare list (CSV upload)",
            Format::CloudflareExpression => "Cloudflare custom rule expression",
            Format::AzureWafAppGw => "Azure Application Gateway WAF custom rules",
            Format::AzureWafFrontDoor => "Azure Front Door WAF custom rules",
            Format::CloudArmor => "Google Cloud Armor security policy",
            Format::Nginx => "nginx deny list",
            Format::NginxGeo => "nginx geo map",
            Format::Apache => "Apache 2.4 Require rules",
            Format::Ipset => "ipset + iptables",
            Format::Nftables => "nftables",
            Format::ModSecurity => "ModSecurity @ipMatch rules",
            Format::ModSecurityFile => "ModSecurity @ipMatchFromFile rule",
            Format::Haproxy => "HAProxy ACL file",
            Format::Crowdsec => "CrowdSec decisions",
            Format::Txt => "Plain list (EDL, threat feed, URL table)",
            Format::Csv => "CSV with every field",
        }
    }

    /// Whether the format can stop traffic going out to an address: host firewalls can, and
    /// plain lists go wherever the analyst applies them; WAFs, web servers and CrowdSec
    /// only see requests coming in.
    pub fn blocks_outbound(self) -> bool {
        matches!(
            self,
            Format::Ipset | Format::Nftables | Format::Txt | Format::Csv
        )
    }

    /// Whether the export is a folder of files rather than one file.
    pub fn is_folder(self) -> bool {
        matches!(
            self,
            Format::AwsWafCli | Format::Ipset | Format::ModSecurityFile
        )
    }

    /// The file name to suggest, for the given syntax.
    pub fn default_name(self, syntax: Syntax) -> &'static str {
        match (self, syntax) {
            (Format::AwsWafCli, _) => "netsleuth-aws-waf",
            (Format::AwsWafCloudFormation, Syntax::Json) => "netsleuth-waf.template.json",
            (Format::AwsWafCloudFormation, _) => "netsleuth-waf.template.yaml",
            (Format::AwsWafTerraform, _) => "netsleuth-waf.tf",
            (Format::CloudflareList, _) => "netsleuth-cloudflare-items.json",
            (Format::CloudflareCsv, _) => "netsleuth-cloudflare.csv",
            (Format::CloudflareExpression, _) => "netsleuth-cloudflare-expressions.txt",
            (Format::AzureWafAppGw, _) => "netsleuth-appgw-custom-rules.json",
            (Format::AzureWafFrontDoor, _) => "netsleuth-frontdoor-custom-rules.json",
            (Format::CloudArmor, Syntax::Yaml) => "netsleuth-cloud-armor.yaml",
            (Format::CloudArmor, Syntax::Shell) => "netsleuth-cloud-armor.sh",
            (Format::CloudArmor, _) => "netsleuth-cloud-armor.json",
            (Format::Nginx, _) => "netsleuth-deny.conf",
            (Format::NginxGeo, _) => "netsleuth-geo.conf",
            (Format::Apache, _) => "netsleuth-require.conf",
            (Format::Ipset, _) => "netsleuth-ipset",
            (Format::Nftables, _) => "netsleuth.nft",
            (Format::ModSecurity, _) => "netsleuth-modsecurity.conf",
            (Format::ModSecurityFile, _) => "netsleuth-modsecurity",
            (Format::Haproxy, _) => "netsleuth-blocked.lst",
            (Format::Crowdsec, _) => "netsleuth-crowdsec.json",
            (Format::Txt, _) => "netsleuth-blocklist.txt",
            (Format::Csv, _) => "netsleuth-blocklist.csv",
        }
    }

    /// The syntaxes the format can be written in, the first the default.
    pub fn syntaxes(self) -> &'static [Syntax] {
        match self {
            Format::AwsWafCloudFormation => &[Syntax::Yaml, Syntax::Json],
            Format::CloudArmor => &[Syntax::Json, Syntax::Yaml, Syntax::Shell],
            _ => &[Syntax::Native],
        }
    }
}

/// The syntax of formats written more than one way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Syntax {
    /// The format's only syntax.
    Native,
    /// JSON.
    Json,
    /// YAML.
    Yaml,
    /// Shell commands.
    Shell,
}

impl Syntax {
    /// The syntax a path's extension asks for among `format`'s, else its default.
    pub fn for_path(format: Format, path: &Path) -> Syntax {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        let wanted = match ext.as_deref() {
            Some("json") => Syntax::Json,
            Some("yaml" | "yml") => Syntax::Yaml,
            Some("sh") => Syntax::Shell,
            _ => Syntax::Native,
        };
        let options = format.syntaxes();
        if options.contains(&wanted) {
            wanted
        } else {
            options[0]
        }
    }

    /// The syntax's name.
    pub fn name(self) -> &'static str {
        match self {
            Syntax::Native => "native",
            Syntax::Json => "JSON",
            Syntax::Yaml => "YAML",
            Syntax::Shell => "shell",
        }
    }
}

/// AWS WAF scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Application Load Balancer, API Gateway, AppSync, Cognito, App Runner, Verified Access.
    Regional,
    /// CloudFront distributions (created in us-east-1).
    Cloudfront,
}

impl Scope {
    /// The scope as AWS spells it.
    pub fn name(self) -> &'static str {
        match self {
            Scope::Regional => "REGIONAL",
            Scope::Cloudfront => "CLOUDFRONT",
        }
    }

    /// The scope spelled `s` (either case).
    pub fn from_name(s: &str) -> Option<Scope> {
        match s.trim().to_ascii_uppercase().as_str() {
            "REGIONAL" => Some(Scope::Regional),
            "CLOUDFRONT" => Some(Scope::Cloudfront),
            _ => None,
        }
    }
}

/// How an export is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// The name of the sets, rules, table or policy (letters, digits, `-`, `_`).
    pub name: String,
    /// AWS WAF scope.
    pub scope: Scope,
    /// The syntax, for formats with more than one.
    pub syntax: Syntax,
    /// What the investigation was (file names), for the header.
    pub investigation: String,
    /// When the export was made, seconds since 1970.
    pub generated_at: i64,
    /// The action the rules take; entries of other actions are left out.
    pub action: Action,
    /// How long CrowdSec decisions last when the entry has no expiry (a Go duration).
    pub duration: String,
    /// The first rule's priority for Azure WAF (default 1) and Cloud Armor (default 1000),
    /// chosen clear of the rules a policy already holds.
    pub first_priority: Option<u32>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            name: "netsleuth-blocklist".into(),
            scope: Scope::Regional,
            syntax: Syntax::Native,
            investigation: String::new(),
            generated_at: crate::blocklist::now(),
            action: Action::Block,
            duration: "168h".into(),
            first_priority: None,
        }
    }
}

/// One file of an export.
#[derive(Debug, Clone, PartialEq)]
pub struct OutFile {
    /// Its name (inside the export's folder, for folder formats).
    pub name: String,
    /// Exactly the bytes written.
    pub bytes: Vec<u8>,
}

/// A rendered export.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// The files.
    pub files: Vec<OutFile>,
    /// What was split, merged, left out or needs doing by hand.
    pub notes: Vec<String>,
    /// Addresses and networks exported.
    pub count: usize,
}

/// The entries an export writes, sorted, with what the exporters need.
struct Ctx<'a> {
    v4: Vec<&'a Entry>,
    v6: Vec<&'a Entry>,
    opts: &'a Options,
    notes: Vec<String>,
}

impl Ctx<'_> {
    fn all(&self) -> impl Iterator<Item = &&Entry> {
        self.v4.iter().chain(self.v6.iter())
    }

    fn count(&self) -> usize {
        self.v4.len() + self.v6.len()
    }

    /// The header lines: what, from where, when, how many.
    fn header(&self, format: Format) -> Vec<String> {
        let mut lines = vec![format!(
            "{} written by netsleuth {}",
            format.title(),
            env!("CARGO_PKG_VERSION")
        )];
        if !self.opts.investigation.is_empty() {
            lines.push(format!(
                "Investigation: {}",
                sanitize::one_line(&self.opts.investigation, 200)
            ));
        }
        lines.push(format!(
            "Generated: {}",
            format_time(self.opts.generated_at)
        ));
        lines.push(format!(
            "Entries: {} ({} IPv4, {} IPv6), action {}",
            self.count(),
            self.v4.len(),
            self.v6.len(),
            self.opts.action.name()
        ));
        let outbound = self.all().filter(|e| e.direction.outbound()).count();
        if outbound > 0 && format.blocks_outbound() {
            lines.push(format!(
                "Outbound: {outbound} of them are servers that infected hosts call; traffic to \
                 them is blocked too"
            ));
        }
        lines
    }

    fn hash_header(&self, format: Format) -> String {
        self.header(format)
            .iter()
            .map(|l| format!("# {}\n", sanitize::hash_comment(l, 400)))
            .collect()
    }
}

/// A host's address alone, a network in CIDR form.
fn addr(net: &IpNet) -> String {
    if net.prefix_len() == net.max_prefix_len() {
        net.addr().to_string()
    } else {
        net.to_string()
    }
}

/// Who holds the address (the bundled AS table's AS of its first address; none for internal,
/// unknown or very broad networks), then the entry's reason and note, for a comment: the owner
/// comes first so that short comments (nftables' 128 bytes) keep it.
fn why(e: &Entry) -> String {
    let text = match (e.reason.trim(), e.note.trim()) {
        (r, "") => r.to_string(),
        ("", n) => n.to_string(),
        (r, n) => format!("{r} (note: {n})"),
    };
    let broad = match e.net {
        IpNet::V4(n) => n.prefix_len() < crate::blocklist::BROAD_V4,
        IpNet::V6(n) => n.prefix_len() < crate::blocklist::BROAD_V6,
    };
    let owner = (!broad && !crate::geo::is_internal(e.net.addr()))
        .then(|| crate::geo::asn::lookup(e.net.addr()))
        .flatten();
    match owner {
        None => text,
        Some(a) if text.is_empty() => format!("AS{} {}", a.number, a.org),
        Some(a) => format!("[AS{} {}] {text}", a.number, a.org),
    }
}

/// The longest export name: what an AWS IP set's name holds.
const NAME_CHARS: usize = limits::AWS_NAME_CHARS;

/// Checks an export's name (`--name`) for every format that uses it: an ASCII letter, then
/// letters, digits, `-` and `_`, at most 128 in all, and no word nftables reads as a keyword
/// (its table is the name with `-` as `_`). Terraform resources, nginx variables, ipset and
/// AWS names all take such a name.
pub fn check_export_name(name: &str) -> Result<(), String> {
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err(format!("name '{name}' must start with a letter"));
    }
    if name.len() > NAME_CHARS
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!(
            "name '{name}' must be letters, digits, '-' and '_', at most {NAME_CHARS}"
        ));
    }
    let table = name.replace('-', "_");
    if limits::NFT_KEYWORDS.contains(&table.as_str()) {
        return Err(format!(
            "name '{name}' is an nftables keyword, which nft cannot take as a table name"
        ));
    }
    Ok(())
}

/// Checks that `name` is letters, digits, `-` and `_`, 1 to `max` characters.
fn check_name(name: &str, max: usize) -> Result<(), String> {
    if name.is_empty()
        || name.chars().count() > max
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!(
            "name '{name}' must be 1 to {max} letters, digits, '-' or '_'"
        ));
    }
    Ok(())
}

/// Renders `entries` (those with `opts.action`, not expired) as `format`.
pub fn render(format: Format, entries: &[Entry], opts: &Options) -> Result<Output, String> {
    check_export_name(&opts.name)?;
    let now = opts.generated_at;
    let mut notes = Vec::new();
    let expired = entries.iter().filter(|e| e.expired(now)).count();
    if expired > 0 {
        notes.push(format!("{expired} expired entries left out"));
    }
    let other = entries
        .iter()
        .filter(|e| !e.expired(now) && e.action != opts.action)
        .count();
    if other > 0 {
        notes.push(format!(
            "{other} entries with another action than {} left out",
            opts.action.name()
        ));
    }
    let mut chosen: Vec<&Entry> = entries
        .iter()
        .filter(|e| !e.expired(now) && e.action == opts.action)
        .collect();
    if !format.blocks_outbound() {
        let before = chosen.len();
        chosen.retain(|e| e.direction.inbound());
        let outbound = before - chosen.len();
        if outbound > 0 {
            notes.push(format!(
                "{outbound} outbound-only {} left out: {} sees requests coming in, not \
                 connections going out to a server; export {} to a host firewall (nftables, \
                 ipset) or block {} names in the domain blocklist",
                if outbound == 1 { "entry" } else { "entries" },
                format.title(),
                if outbound == 1 { "it" } else { "them" },
                if outbound == 1 { "its" } else { "their" },
            ));
        }
    }
    chosen.sort_by_key(|e| e.net);
    chosen.dedup_by_key(|e| e.net);
    let (v4, v6): (Vec<&Entry>, Vec<&Entry>) =
        chosen.into_iter().partition(|e| e.net.addr().is_ipv4());
    if v4.is_empty() && v6.is_empty() {
        return Err(if notes.iter().any(|n| n.contains("outbound-only")) {
            format!(
                "nothing to export: every entry blocks outbound traffic only, which {} cannot \
                 stop; export to nftables or ipset",
                format.title()
            )
        } else {
            format!(
                "nothing to export: no entry with action {} that has not expired",
                opts.action.name()
            )
        });
    }
    let mut ctx = Ctx {
        v4,
        v6,
        opts,
        notes,
    };
    let count = ctx.count();
    let files = match format {
        Format::AwsWafCli => aws::cli(&mut ctx)?,
        Format::AwsWafCloudFormation => aws::cloudformation(&mut ctx)?,
        Format::AwsWafTerraform => aws::terraform(&mut ctx)?,
        Format::CloudflareList => cloudflare::list(&mut ctx)?,
        Format::CloudflareCsv => cloudflare::csv(&mut ctx)?,
        Format::CloudflareExpression => cloudflare::expression(&mut ctx)?,
        Format::AzureWafAppGw => azure::app_gateway(&mut ctx)?,
        Format::AzureWafFrontDoor => azure::front_door(&mut ctx)?,
        Format::CloudArmor => cloud_armor::policy(&mut ctx)?,
        Format::Nginx => servers::nginx(&mut ctx)?,
        Format::NginxGeo => servers::nginx_geo(&mut ctx)?,
        Format::Apache => servers::apache(&mut ctx)?,
        Format::ModSecurity => servers::modsecurity(&mut ctx)?,
        Format::ModSecurityFile => servers::modsecurity_file(&mut ctx)?,
        Format::Haproxy => servers::haproxy(&mut ctx)?,
        Format::Ipset => firewalls::ipset(&mut ctx)?,
        Format::Nftables => firewalls::nftables(&mut ctx)?,
        Format::Crowdsec => plain::crowdsec(&mut ctx)?,
        Format::Txt => plain::txt(&mut ctx)?,
        Format::Csv => plain::csv(&mut ctx)?,
    };
    Ok(Output {
        files,
        notes: ctx.notes,
        count,
    })
}

/// The file that marks a folder as a netsleuth export, so that writing again may replace it;
/// it lists the files the export wrote, one per line after its first.
const MARKER: &str = ".netsleuth-export";

/// Entries of the earlier export at `path` that no export wrote (an analyst's notes), sorted.
fn foreign_entries(path: &Path, output: &Output) -> io::Result<Vec<String>> {
    let listed = fs::read_to_string(path.join(MARKER))?;
    let ours = |n: &str| {
        n == MARKER
            || listed.lines().skip(1).any(|l| l == n)
            || output.files.iter().any(|f| f.name == n)
    };
    let mut foreign: Vec<String> = fs::read_dir(path)?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !ours(n))
        .collect();
    foreign.sort();
    Ok(foreign)
}

/// Whether the folder export at `path` may be replaced: it is missing, empty, or an earlier
/// export holding only files exports wrote.
fn replaceable(path: &Path, output: &Output) -> io::Result<()> {
    if fs::symlink_metadata(path).is_ok() {
        let ours = path.is_dir() && path.join(MARKER).is_file();
        let empty = path.is_dir() && fs::read_dir(path)?.next().is_none();
        if !ours && !empty {
            return Err(io::Error::other(format!(
                "{} exists and is not an earlier netsleuth export: choose another folder",
                path.display()
            )));
        }
        let foreign = if ours {
            foreign_entries(path, output)?
        } else {
            Vec::new()
        };
        if !foreign.is_empty() {
            let (named, pronoun) = crate::session::foreign_named(&foreign);
            return Err(io::Error::other(format!(
                "{} holds {named} no export wrote: move {pronoun} out or choose another \
                 folder, an export replaces its folder as a whole",
                path.display(),
            )));
        }
    }
    Ok(())
}

/// Writes `output` to `path`: the file itself, or for folder formats a folder holding the
/// files, replaced as a whole in one step under the same lock `detect` takes on its output (a
/// folder that is not an earlier export, or one holding files an export did not write, is
/// never touched). Returns the paths written.
pub fn write(format: Format, output: &Output, path: &Path) -> io::Result<Vec<PathBuf>> {
    if !format.is_folder() {
        let file = output
            .files
            .first()
            .ok_or_else(|| io::Error::other("the export holds no file"))?;
        crate::session::write_atomic(path, &file.bytes)?;
        return Ok(vec![path.to_path_buf()]);
    }
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::other(format!("{} names no folder", path.display())))?;
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent)?;
    // Judged before the lock (a refusal leaves nothing beside the folder) and again under it.
    replaceable(path, output)?;
    let _lock = crate::session::OutputLock::take(path, |_| {})?;
    replaceable(path, output)?;
    let fresh = crate::session::temporary_name(parent, name, "partial");
    let result = (|| {
        fs::create_dir(&fresh)?;
        let mut marker = String::from("netsleuth export\n");
        for f in &output.files {
            crate::session::write_atomic(&fresh.join(&f.name), &f.bytes)?;
            marker.push_str(&f.name);
            marker.push('\n');
        }
        crate::session::write_atomic(&fresh.join(MARKER), marker.as_bytes())?;
        if !path.exists() {
            return fs::rename(&fresh, path);
        }
        if !crate::session::exchange(&fresh, path)? {
            // No one-step swap here: the lock keeps other exports out between the renames.
            let old = crate::session::temporary_name(parent, name, "old");
            fs::rename(path, &old)?;
            if let Err(e) = fs::rename(&fresh, path) {
                let _ = fs::rename(&old, path);
                return Err(e);
            }
            fs::rename(&old, &fresh)?;
        }
        Ok(())
    })();
    let _ = fs::remove_dir_all(&fresh);
    result?;
    Ok(output.files.iter().map(|f| path.join(&f.name)).collect())
}

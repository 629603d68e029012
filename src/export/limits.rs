//! What the vendors accept, in one table, each fact with where it is documented. The
//! exporters read these constants; `netsleuth export-blocklist --limits` prints the table.

/// Addresses in one AWS WAFv2 IP set.
pub const AWS_IPSET_ADDRESSES: usize = 10_000;
/// Characters in an AWS WAFv2 IP set's name (`^[\w\-]+$`).
pub const AWS_NAME_CHARS: usize = 128;
/// Characters in an AWS WAFv2 IP set's description.
pub const AWS_DESCRIPTION_CHARS: usize = 256;
/// Characters in a Cloudflare list item's comment.
pub const CLOUDFLARE_COMMENT_CHARS: usize = 500;
/// Items across an account's lists on the common plans.
pub const CLOUDFLARE_ACCOUNT_ITEMS: usize = 10_000;
/// Shortest IPv4 prefix a Cloudflare list accepts.
pub const CLOUDFLARE_V4_PREFIX: u8 = 8;
/// Shortest IPv6 prefix a Cloudflare list accepts.
pub const CLOUDFLARE_V6_PREFIX: u8 = 12;
/// Characters in one Cloudflare rule expression.
pub const CLOUDFLARE_EXPRESSION_CHARS: usize = 4_096;
/// Values in one Application Gateway WAF match condition.
pub const AZURE_APPGW_VALUES: usize = 540;
/// Values in one Front Door WAF custom rule.
pub const AZURE_FRONTDOOR_VALUES: usize = 600;
/// Custom rules in one Azure WAF policy.
pub const AZURE_RULES: usize = 100;
/// The highest priority an Azure WAF custom rule may have (the models' 32-bit integer).
pub const AZURE_LAST_PRIORITY: u32 = i32::MAX as u32;
/// Source ranges in one Cloud Armor rule with `SRC_IPS_V1`.
pub const CLOUD_ARMOR_RANGES: usize = 10;
/// The highest priority a Cloud Armor rule other than the default may have.
pub const CLOUD_ARMOR_LAST_PRIORITY: u32 = 2_147_483_646;
/// Rules a project's global security policies hold together by default (a quota Google
/// raises on request), the default rules included.
pub const CLOUD_ARMOR_RULES_QUOTA: usize = 200;
/// Characters in an ipset set name.
pub const IPSET_NAME_CHARS: usize = 31;
/// Characters in an ipset entry comment.
pub const IPSET_COMMENT_CHARS: usize = 255;
/// Characters in an nftables element comment.
pub const NFT_COMMENT_CHARS: usize = 128;
/// Words nft's scanner reads as keywords wherever they appear, so that a table of that name
/// is a syntax error (nftables `src/scanner.l`, rules outside any start condition).
#[rustfmt::skip]
pub const NFT_KEYWORDS: &[&str] = &[
    "accept", "add", "ah", "all", "and", "arp", "auto-merge", "bridge", "cgroup", "chain",
    "comment", "comp", "constant", "continue", "counter", "cpu", "create", "ct", "day", "dccp",
    "define", "delete", "describe", "destroy", "device", "devices", "dnat", "drop", "dst", "dup",
    "dynamic", "ecn", "element", "elements", "eq", "esp", "ether", "exists", "expires", "export",
    "exthdr", "fib", "flags", "flow", "flowtable", "flush", "frag", "fwd", "gc-interval", "ge",
    "geneve", "get", "goto", "gre", "gretap", "gt", "handle", "hbh", "hook", "hour", "ibriport",
    "ibrname", "icmp", "icmpv6", "igmp", "iif", "iifgroup", "iifname", "iiftype", "import",
    "include", "index", "inet", "insert", "interval", "ip", "ip6", "ipsec", "jhash", "jump",
    "last", "le", "limit", "list", "log", "lshift", "lt", "map", "mark", "masquerade", "meta",
    "meter", "mh", "missing", "monitor", "ne", "netdev", "nftrace", "not", "notrack", "numgen",
    "obriport", "obrname", "offload", "oif", "oifgroup", "oifname", "oiftype", "or", "osf",
    "pkttype", "policy", "position", "priority", "queue", "quota", "random", "redefine",
    "redirect", "reject", "rename", "replace", "reset", "return", "rshift", "rt", "rt0", "rt2",
    "rtclassid", "rule", "ruleset", "sctp", "secmark", "set", "size", "skgid", "skuid", "snat",
    "socket", "srh", "symhash", "synproxy", "table", "tcp", "th", "time", "timeout", "tproxy",
    "tunnel", "type", "typeof", "udp", "udplite", "undefine", "update", "vlan", "vmap", "vni",
    "vxlan", "xor", "xt",
];
/// The last rule id of ModSecurity's range for local use.
pub const MODSECURITY_LAST_LOCAL_ID: u32 = 99_999;

/// One fact: the format, what is limited, the limit, and where it is documented.
pub struct Limit {
    /// The export formats it applies to.
    pub formats: &'static str,
    /// What it limits.
    pub what: &'static str,
    /// The limit.
    pub value: String,
    /// Where it is documented.
    pub source: &'static str,
}

/// Every fact the exporters rely on.
pub fn table() -> Vec<Limit> {
    let l = |formats, what, value: String, source| Limit {
        formats,
        what,
        value,
        source,
    };
    vec![
        l("aws-waf-*", "addresses per IP set (larger lists are split into numbered sets)", AWS_IPSET_ADDRESSES.to_string(),
          "AWS WAF Developer Guide, Quotas: \"Maximum number of IP addresses in CIDR notation per IP set\""),
        l("aws-waf-*", "IP set name, pattern ^[\\w\\-]+$", AWS_NAME_CHARS.to_string(),
          "AWS WAFv2 API Reference, CreateIPSet: Name"),
        l("aws-waf-*", "IP set description", AWS_DESCRIPTION_CHARS.to_string(),
          "AWS WAFv2 API Reference, CreateIPSet: Description"),
        l("aws-waf-*", "addresses are CIDRs with no host bits set; /0 is refused; IPv4 and IPv6 in separate sets", "all prefixes /1 to /32 and /1 to /128".into(),
          "AWS WAFv2 API Reference, IPSet: Addresses"),
        l("aws-waf-*", "CLOUDFRONT scope sets are created in us-east-1", "us-east-1".into(),
          "AWS WAFv2 API Reference, CreateIPSet: Scope"),
        l("cloudflare-*", "comment per list item", CLOUDFLARE_COMMENT_CHARS.to_string(),
          "Cloudflare API, Lists: create list items (comment)"),
        l("cloudflare-*", "list items per account on the common plans (a warning beyond)", CLOUDFLARE_ACCOUNT_ITEMS.to_string(),
          "Cloudflare docs, Lists: availability"),
        l("cloudflare-*", "IPv4 prefixes accepted (broader entries are split)", format!("/{CLOUDFLARE_V4_PREFIX} to /32"),
          "Cloudflare docs, Lists: IP lists"),
        l("cloudflare-*", "IPv6 prefixes accepted (broader entries are split)", format!("/{CLOUDFLARE_V6_PREFIX} to /128"),
          "Cloudflare docs, Lists: IP lists"),
        l("cloudflare-expression", "characters per rule expression (longer lists become several rules)", CLOUDFLARE_EXPRESSION_CHARS.to_string(),
          "Cloudflare docs, Rules language: expression length"),
        l("azure-waf-appgw", "match values per match condition", AZURE_APPGW_VALUES.to_string(),
          "Azure docs, Application Gateway WAF custom rules: IPMatch"),
        l("azure-waf-frontdoor", "match values per custom rule", AZURE_FRONTDOOR_VALUES.to_string(),
          "Azure docs, Front Door WAF custom rules: IP address lists"),
        l("azure-waf-*", "custom rules per policy (refused beyond)", AZURE_RULES.to_string(),
          "Azure docs, Azure subscription and service limits: WAF"),
        l("azure-waf-*", "priorities unique among the policy's custom rules (--first-priority moves them clear of existing ones)", format!("1 to {AZURE_LAST_PRIORITY}"),
          "Azure docs, Front Door WAF custom rules: priority; the azure-mgmt-network model's int32 priority"),
        l("cloud-armor", "rules across a project's global policies, default rules included (a warning beyond)", CLOUD_ARMOR_RULES_QUOTA.to_string(),
          "Google Cloud Armor docs, Quotas and limits: SECURITY_POLICY_RULES"),
        l("cloud-armor", "source ranges per rule (SRC_IPS_V1)", CLOUD_ARMOR_RANGES.to_string(),
          "Google Cloud Armor docs, security policy overview: IP address allowlists and denylists"),
        l("cloud-armor", "rule priorities (the default rule holds 2147483647)", format!("0 to {CLOUD_ARMOR_LAST_PRIORITY}"),
          "Google Cloud Armor docs, security policy rules: priority"),
        l("ipset", "set name", IPSET_NAME_CHARS.to_string(), "ipset(8): SET NAME, IPSET_MAXNAMELEN 32 with the NUL"),
        l("ipset", "entry comment", IPSET_COMMENT_CHARS.to_string(), "ipset(8): comment extension"),
        l("nftables", "element comment", NFT_COMMENT_CHARS.to_string(), "nft(8): NFT_USERDATA_MAXLEN"),
        l("nftables", "overlapping intervals in one set are refused, so entries are merged first", "-".into(), "nft(8): sets, flags interval"),
        l("modsecurity", "rule ids for local use", format!("1 to {MODSECURITY_LAST_LOCAL_ID}"),
          "ModSecurity Reference Manual, id action: reserved ranges"),
    ]
}

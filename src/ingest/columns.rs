//! Column plans: how the named columns of a delimited file map onto the unified schema, per
//! format, plus the guessed or user-given mapping for any other CSV.

use std::collections::HashMap;

use crate::events::{EventDraft, EventTable, Field, TcpFlags, Verdict};

use super::values::{
    decode_text, parse_ip, parse_number, parse_port, parse_time_bytes, transport_name, zone_of,
};
use super::Format;

/// Where one column's value goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    /// Event start time.
    Time,
    /// Event end time.
    EndTime,
    /// Duration, multiplied by `scale` to get seconds.
    Duration {
        /// Seconds per unit of the column.
        scale: f64,
    },
    /// Source address.
    SourceIp,
    /// Source port.
    SourcePort,
    /// Destination address.
    DestinationIp,
    /// Destination port.
    DestinationPort,
    /// Transport protocol, by name or IANA number.
    Transport,
    /// Application protocol.
    AppProtocol,
    /// Bytes sent by the source.
    BytesSent,
    /// Bytes received by the source.
    BytesReceived,
    /// Packets sent by the source.
    PacketsSent,
    /// Packets received by the source.
    PacketsReceived,
    /// Direction text.
    Direction,
    /// Outcome text.
    Outcome,
    /// Source country code.
    Country,
    /// Appended to the detail text as `name=value`.
    Detail,
    /// Ground-truth class; normalised to benign/malicious.
    Label,
    /// A finer class name that replaces the label's class when present (IoT-23 detailed-label).
    LabelClass,
    /// A per-flag count column (CIC): the flag is set when the count is positive.
    FlagCount(u8),
    /// TCP flags as letters (Zeek history) or a number.
    Flags,
    /// Zeek `local_orig` (T/F), used to derive the direction.
    LocalOrig,
    /// Zeek `local_resp` (T/F), used to derive the direction.
    LocalResp,
    /// An extra numeric column with this table index.
    Extra(usize),
    /// Not decided yet: becomes `Extra` if its first value is numeric, else `Ignore`.
    Auto,
    /// Not used.
    Ignore,
}

/// Why a row could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Short reason kind, counted per file.
    pub kind: &'static str,
    /// The column and value at fault.
    pub detail: String,
}

impl RowError {
    /// A row error of `kind` with `detail`.
    pub fn new(kind: &'static str, detail: impl Into<String>) -> RowError {
        RowError {
            kind,
            detail: detail.into(),
        }
    }

    /// A bad value in `column`.
    pub fn bad(kind: &'static str, column: &str, raw: &[u8]) -> RowError {
        RowError {
            kind,
            detail: format!("column '{column}' = '{}'", super::skips::snippet(raw)),
        }
    }
}

/// A resolved plan for one file: a target per column.
#[derive(Debug, Clone)]
pub struct ColumnPlan {
    names: Vec<String>,
    targets: Vec<Target>,
    null_tokens: &'static [&'static str],
    label_column: Option<String>,
    warnings: Vec<String>,
}

/// Normalises a header name for matching: trimmed, lower case, without quotes.
fn norm(name: &str) -> String {
    name.trim()
        .trim_matches('\'')
        .trim_matches('"')
        .trim()
        .to_ascii_lowercase()
}

/// A Zeek field under the name Zeek gives it by default: a log written with another scope
/// separator (`id_orig_h`, `id-orig_h`, `id:orig_h`) or through a field name map
/// (`src`, `src_port`, `dst`, `dst_port`, Elastic's `source.ip`...) names the endpoints
/// otherwise.
fn zeek_name(name: &str) -> String {
    let endpoint = |rest: &str| {
        ["orig_h", "orig_p", "resp_h", "resp_p"]
            .into_iter()
            .find(|e| rest == *e)
            .map(|e| format!("id.{e}"))
    };
    if let Some(rest) = name.strip_prefix("id") {
        let mut chars = rest.chars();
        if let Some(sep) = chars.next().filter(|c| !c.is_alphanumeric()) {
            if let Some(n) = endpoint(&rest[sep.len_utf8()..]) {
                return n;
            }
        }
    }
    let alias = match name {
        "src" | "src_ip" | "src_h" | "orig_h" | "source.ip" => "id.orig_h",
        "src_port" | "src_p" | "sport" | "orig_p" | "source.port" => "id.orig_p",
        "dst" | "dst_ip" | "dst_h" | "resp_h" | "destination.ip" => "id.resp_h",
        "dst_port" | "dst_p" | "dport" | "resp_p" | "destination.port" => "id.resp_p",
        _ => return name.to_owned(),
    };
    alias.to_owned()
}

/// Normalises harder for guessing: also drops spaces, dots, dashes and underscores.
fn squash(name: &str) -> String {
    norm(name)
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '_'))
        .collect()
}

/// The fixed column names of KDD Cup 99 and NSL-KDD files, which have no header.
pub const KDD_COLUMNS: [&str; 43] = [
    "duration",
    "protocol_type",
    "service",
    "flag",
    "src_bytes",
    "dst_bytes",
    "land",
    "wrong_fragment",
    "urgent",
    "hot",
    "num_failed_logins",
    "logged_in",
    "num_compromised",
    "root_shell",
    "su_attempted",
    "num_root",
    "num_file_creations",
    "num_shells",
    "num_access_files",
    "num_outbound_cmds",
    "is_host_login",
    "is_guest_login",
    "count",
    "srv_count",
    "serror_rate",
    "srv_serror_rate",
    "rerror_rate",
    "srv_rerror_rate",
    "same_srv_rate",
    "diff_srv_rate",
    "srv_diff_host_rate",
    "dst_host_count",
    "dst_host_srv_count",
    "dst_host_same_srv_rate",
    "dst_host_diff_srv_rate",
    "dst_host_same_src_port_rate",
    "dst_host_srv_diff_host_rate",
    "dst_host_serror_rate",
    "dst_host_srv_serror_rate",
    "dst_host_rerror_rate",
    "dst_host_srv_rerror_rate",
    "label",
    "difficulty",
];

/// Known column names per format (normalised with [`norm`]) and where they go.
/// Columns not listed are kept as extra numeric columns when numeric.
fn known_columns(format: Format) -> &'static [(&'static str, Target)] {
    use Target::*;
    match format {
        Format::CloudWatch => &[
            ("bytes_in", BytesSent),
            ("bytes_out", BytesReceived),
            ("creation_time", Time),
            ("end_time", EndTime),
            ("src_ip", SourceIp),
            ("src_ip_country_code", Country),
            ("protocol", AppProtocol),
            ("response.code", Outcome),
            ("dst_port", DestinationPort),
            ("dst_ip", DestinationIp),
            ("rule_names", Detail),
            ("observation_name", Detail),
            ("source.meta", Ignore),
            ("source.name", Ignore),
            ("time", Ignore),
            ("detection_types", Ignore),
        ],
        Format::CicFlow => &[
            ("id", Ignore),
            ("flow id", Ignore),
            ("src ip", SourceIp),
            ("source ip", SourceIp),
            ("src port", SourcePort),
            ("source port", SourcePort),
            ("dst ip", DestinationIp),
            ("destination ip", DestinationIp),
            ("dst port", DestinationPort),
            ("destination port", DestinationPort),
            ("protocol", Transport),
            ("timestamp", Time),
            ("flow duration", Duration { scale: 1e-6 }),
            ("total fwd packet", PacketsSent),
            ("total fwd packets", PacketsSent),
            ("total bwd packets", PacketsReceived),
            ("total backward packets", PacketsReceived),
            ("total length of fwd packet", BytesSent),
            ("total length of fwd packets", BytesSent),
            ("total length of bwd packet", BytesReceived),
            ("total length of bwd packets", BytesReceived),
            ("fin flag count", FlagCount(TcpFlags::FIN)),
            ("syn flag count", FlagCount(TcpFlags::SYN)),
            ("rst flag count", FlagCount(TcpFlags::RST)),
            ("psh flag count", FlagCount(TcpFlags::PSH)),
            ("ack flag count", FlagCount(TcpFlags::ACK)),
            ("urg flag count", FlagCount(TcpFlags::URG)),
            ("ece flag count", FlagCount(TcpFlags::ECE)),
            ("cwe flag count", FlagCount(TcpFlags::CWR)),
            ("cwr flag count", FlagCount(TcpFlags::CWR)),
            ("label", Label),
            ("attempted category", Ignore),
        ],
        Format::Iscx2012 => &[
            ("appname", AppProtocol),
            ("totalsourcebytes", BytesSent),
            ("totaldestinationbytes", BytesReceived),
            ("totalsourcepackets", PacketsSent),
            ("totaldestinationpackets", PacketsReceived),
            ("source", SourceIp),
            ("destination", DestinationIp),
            ("sourceport", SourcePort),
            ("destinationport", DestinationPort),
            ("protocolname", Transport),
            ("direction", Direction),
            ("startdatetime", Time),
            ("stopdatetime", EndTime),
            ("sourcetcpflagsdescription", Ignore),
            ("destinationtcpflagsdescription", Ignore),
            ("sourcepayloadasbase64", Ignore),
            ("sourcepayloadasutf", Ignore),
            ("destinationpayloadasbase64", Ignore),
            ("destinationpayloadasutf", Ignore),
            ("tag", Label),
            ("label", Label),
        ],
        Format::ZeekTsv | Format::ZeekJson | Format::ZeekCsv => &[
            ("ts", Time),
            ("uid", Ignore),
            ("id.orig_h", SourceIp),
            ("id.orig_p", SourcePort),
            ("id.resp_h", DestinationIp),
            ("id.resp_p", DestinationPort),
            ("proto", Transport),
            ("service", AppProtocol),
            ("duration", Duration { scale: 1.0 }),
            ("orig_bytes", BytesSent),
            ("resp_bytes", BytesReceived),
            ("conn_state", Outcome),
            ("local_orig", LocalOrig),
            ("local_resp", LocalResp),
            ("history", Flags),
            ("orig_pkts", PacketsSent),
            ("resp_pkts", PacketsReceived),
            ("tunnel_parents", Ignore),
            ("ip_proto", Ignore),
            ("label", Label),
            ("detailed-label", LabelClass),
            // Zeek's protocol logs: what each record says, in the detail under Zeek's names.
            ("conn_uid", Detail),
            ("conn_uids", Detail),
            ("query", Detail),
            ("qtype_name", Detail),
            ("rcode_name", Outcome),
            ("answers", Detail),
            ("method", Detail),
            ("host", Detail),
            ("uri", Detail),
            ("referrer", Detail),
            ("user_agent", Detail),
            ("username", Detail),
            ("status_code", Outcome),
            ("resp_mime_types", Detail),
            ("server_name", Detail),
            ("ja3", Detail),
            ("version", Detail),
            ("validation_status", Detail),
            ("last_alert", Detail),
            ("subject", Detail),
            ("issuer", Detail),
            ("name", Detail),
            ("addl", Detail),
            ("note", Detail),
            ("file_mime_type", Detail),
            ("msg", Detail),
            ("sub", Detail),
            ("certificate.subject", Detail),
            ("certificate.issuer", Detail),
            ("certificate.not_valid_after", Detail),
            ("san.dns", Detail),
            ("mime_type", Detail),
            ("filename", Detail),
            ("tx_hosts", Detail),
            ("rx_hosts", Detail),
            ("md5", Detail),
            ("sha1", Detail),
        ],
        Format::VpcFlow => &[
            ("version", Ignore),
            ("account-id", Ignore),
            ("interface-id", Ignore),
            ("srcaddr", SourceIp),
            ("dstaddr", DestinationIp),
            ("srcport", SourcePort),
            ("dstport", DestinationPort),
            ("protocol", Transport),
            ("packets", PacketsSent),
            ("bytes", BytesSent),
            ("start", Time),
            ("end", EndTime),
            ("action", Outcome),
            ("log-status", Ignore),
            ("tcp-flags", Flags),
            ("flow-direction", Direction),
            ("vpc-id", Detail),
            ("subnet-id", Detail),
            ("instance-id", Detail),
            ("pkt-srcaddr", Detail),
            ("pkt-dstaddr", Detail),
            ("region", Detail),
            ("az-id", Detail),
            ("pkt-src-aws-service", Detail),
            ("pkt-dst-aws-service", Detail),
            ("traffic-path", Detail),
            ("reject-reason", Detail),
            ("ecs-service-name", Detail),
            ("ecs-cluster-name", Detail),
            ("tgw-id", Detail),
            ("tgw-attachment-id", Detail),
            ("tgw-src-vpc-id", Detail),
            ("tgw-dst-vpc-id", Detail),
            ("type", Ignore),
            ("resource-type", Ignore),
            ("sublocation-type", Ignore),
            ("sublocation-id", Ignore),
            ("tgw-src-vpc-account-id", Ignore),
            ("tgw-dst-vpc-account-id", Ignore),
            ("tgw-src-subnet-id", Ignore),
            ("tgw-dst-subnet-id", Ignore),
            ("tgw-src-eni", Ignore),
            ("tgw-dst-eni", Ignore),
            ("tgw-src-az-id", Ignore),
            ("tgw-dst-az-id", Ignore),
            ("tgw-pair-attachment-id", Ignore),
            ("packets-lost-no-route", Ignore),
            ("packets-lost-blackhole", Ignore),
            ("packets-lost-mtu-exceeded", Ignore),
            ("packets-lost-ttl-expired", Ignore),
            ("ecs-cluster-arn", Ignore),
            ("ecs-container-instance-arn", Ignore),
            ("ecs-container-instance-id", Ignore),
            ("ecs-container-id", Ignore),
            ("ecs-second-container-id", Ignore),
            ("ecs-task-definition-arn", Ignore),
            ("ecs-task-arn", Ignore),
            ("ecs-task-id", Ignore),
        ],
        Format::NslKdd | Format::Kdd99 => &[
            ("duration", Duration { scale: 1.0 }),
            ("protocol_type", Transport),
            ("service", AppProtocol),
            ("flag", Outcome),
            ("src_bytes", BytesSent),
            ("dst_bytes", BytesReceived),
            ("label", Label),
            ("difficulty", Ignore),
        ],
        Format::UnswNb15 => &[
            ("srcip", SourceIp),
            ("sport", SourcePort),
            ("dstip", DestinationIp),
            ("dsport", DestinationPort),
            ("proto", Transport),
            ("state", Outcome),
            ("dur", Duration { scale: 1.0 }),
            ("sbytes", BytesSent),
            ("dbytes", BytesReceived),
            ("service", AppProtocol),
            ("spkts", PacketsSent),
            ("dpkts", PacketsReceived),
            ("stime", Time),
            ("ltime", EndTime),
            ("stcpb", Ignore),
            ("dtcpb", Ignore),
            ("attack_cat", LabelClass),
            ("label", Label),
        ],
        _ => &[],
    }
}

/// Header-name spellings that suggest each schema field in an arbitrary CSV (after [`squash`]).
/// `bytes_in`/`bytes_out` follow the CloudWatch convention: "in" is what the source sent.
const GUESSES: &[(&str, Target)] = &[
    ("timestamp", Target::Time),
    ("time", Target::Time),
    ("ts", Target::Time),
    ("datetime", Target::Time),
    ("eventtime", Target::Time),
    ("starttime", Target::Time),
    ("date", Target::Time),
    ("endtime", Target::EndTime),
    ("duration", Target::Duration { scale: 1.0 }),
    ("durations", Target::Duration { scale: 1.0 }),
    ("srcip", Target::SourceIp),
    ("sourceip", Target::SourceIp),
    ("srcaddr", Target::SourceIp),
    ("sourceaddress", Target::SourceIp),
    ("clientip", Target::SourceIp),
    ("cip", Target::SourceIp),
    ("remoteaddr", Target::SourceIp),
    ("idorigh", Target::SourceIp),
    ("srcport", Target::SourcePort),
    ("sourceport", Target::SourcePort),
    ("sport", Target::SourcePort),
    ("dstip", Target::DestinationIp),
    ("destip", Target::DestinationIp),
    ("destinationip", Target::DestinationIp),
    ("dstaddr", Target::DestinationIp),
    ("serverip", Target::DestinationIp),
    ("idresph", Target::DestinationIp),
    ("dstport", Target::DestinationPort),
    ("destport", Target::DestinationPort),
    ("destinationport", Target::DestinationPort),
    ("dport", Target::DestinationPort),
    ("dsport", Target::DestinationPort),
    ("transport", Target::Transport),
    ("proto", Target::Transport),
    ("protocol", Target::Transport),
    ("ipprotocol", Target::Transport),
    ("service", Target::AppProtocol),
    ("appprotocol", Target::AppProtocol),
    ("application", Target::AppProtocol),
    ("bytessent", Target::BytesSent),
    ("bytesout", Target::BytesReceived),
    ("sentbytes", Target::BytesSent),
    ("srcbytes", Target::BytesSent),
    ("origbytes", Target::BytesSent),
    ("bytesreceived", Target::BytesReceived),
    ("bytesin", Target::BytesSent),
    ("receivedbytes", Target::BytesReceived),
    ("dstbytes", Target::BytesReceived),
    ("respbytes", Target::BytesReceived),
    ("packetssent", Target::PacketsSent),
    ("srcpkts", Target::PacketsSent),
    ("origpkts", Target::PacketsSent),
    ("packetsreceived", Target::PacketsReceived),
    ("dstpkts", Target::PacketsReceived),
    ("resppkts", Target::PacketsReceived),
    ("direction", Target::Direction),
    ("tcpflags", Target::Flags),
    ("flags", Target::Flags),
    ("outcome", Target::Outcome),
    ("action", Target::Outcome),
    ("status", Target::Outcome),
    ("statuscode", Target::Outcome),
    ("responsecode", Target::Outcome),
    ("connstate", Target::Outcome),
    ("country", Target::Country),
    ("countrycode", Target::Country),
    ("srcipcountrycode", Target::Country),
    ("detail", Target::Detail),
    ("message", Target::Detail),
    ("signature", Target::Detail),
    ("url", Target::Detail),
    ("useragent", Target::Detail),
    ("label", Target::Label),
    ("class", Target::Label),
    ("attack", Target::Label),
    ("isattack", Target::Label),
    ("attackcat", Target::LabelClass),
    // OCSF's paths, flattened (JSON lines and Parquet, as AWS Security Lake writes them).
    ("srcendpointip", Target::SourceIp),
    ("srcendpointport", Target::SourcePort),
    ("srcendpointlocationcountry", Target::Country),
    ("dstendpointip", Target::DestinationIp),
    ("dstendpointport", Target::DestinationPort),
    ("connectioninfoprotocolnum", Target::Transport),
    ("connectioninfoprotocolname", Target::Transport),
    ("connectioninfodirection", Target::Direction),
    ("connectioninfotcpflags", Target::Flags),
    ("trafficbytesout", Target::BytesSent),
    ("trafficbytesin", Target::BytesReceived),
    ("trafficpacketsout", Target::PacketsSent),
    ("trafficpacketsin", Target::PacketsReceived),
    ("disposition", Target::Outcome),
    ("typename", Target::Detail),
    ("httprequesthttpmethod", Target::Detail),
    ("httprequesturlhostname", Target::Detail),
    ("httprequesturlurlstring", Target::Detail),
    ("httprequestuseragent", Target::Detail),
    ("httpresponsecode", Target::Outcome),
    ("queryhostname", Target::Detail),
    ("rcode", Target::Detail),
    ("answers", Target::Detail),
    ("httprequesturlpath", Target::Detail),
    ("httpresponsecontenttype", Target::Detail),
    ("tlssni", Target::Detail),
];

/// An OCSF record's total bytes and packets count as sent when it has no direction of its
/// own (a VPC flow record is one direction), its durations are milliseconds, and its enum ids
/// and uids (`class_uid`, `severity_id`: the same as the names beside them, or account and
/// instance ids) are not features.
fn ocsf_targets(header: &[String], targets: &mut [Target]) {
    if !is_ocsf(header) {
        return;
    }
    for (h, t) in header.iter().zip(targets.iter_mut()) {
        let n = norm(h);
        if *t == Target::Auto && (n.ends_with("_id") || n.ends_with("_uid")) {
            *t = Target::Ignore;
        }
    }
    for (total, sent) in [
        ("trafficbytes", Target::BytesSent),
        ("trafficpackets", Target::PacketsSent),
    ] {
        if !targets.contains(&sent) {
            if let Some(i) = header.iter().position(|h| squash(h) == total) {
                targets[i] = sent;
            }
        }
    }
    for t in targets.iter_mut() {
        if let Target::Duration { scale } = t {
            *scale = 0.001;
        }
    }
}

/// Whether a header is OCSF's: it names the record's class.
fn is_ocsf(header: &[String]) -> bool {
    header.iter().any(|h| squash(h) == "classuid")
}

/// The name the findings read an OCSF detail under, where Zeek's logs gave them one first:
/// DNS Activity's query, response code and answers, HTTP Activity's host, path, user agent and
/// content type, the TLS server name of Network Activity.
fn ocsf_detail_name(path: &str) -> Option<&'static str> {
    Some(match path {
        "query.hostname" => "dns.query",
        "rcode" => "dns.rcode_name",
        "answers" => "answers",
        "http_request.url.hostname" => "http.host",
        "http_request.url.path" => "http.uri",
        "http_request.user_agent" => "http.user_agent",
        "http_response.content_type" => "http.resp_mime_types",
        "tls.sni" => "ssl.server_name",
        _ => return None,
    })
}

/// An OCSF list of DNS answers (`[{"rdata":"1.2.3.4","type":"A"}]`, JSON text) as the
/// addresses and names it holds, separated by spaces as Suricata's answers are; other text
/// unchanged.
fn answer_data(text: &str) -> String {
    let Ok(serde_json::Value::Array(items)) = serde_json::from_str(text) else {
        return text.to_owned();
    };
    items
        .iter()
        .filter_map(|a| match a {
            serde_json::Value::String(s) => Some(s.as_str()),
            other => other.get("rdata").and_then(serde_json::Value::as_str),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Target for a schema field named in `--map`.
fn field_target(field: Field) -> Target {
    match field {
        Field::EventTime => Target::Time,
        Field::DurationS => Target::Duration { scale: 1.0 },
        Field::SourceIp => Target::SourceIp,
        Field::SourcePort => Target::SourcePort,
        Field::DestinationIp => Target::DestinationIp,
        Field::DestinationPort => Target::DestinationPort,
        Field::Transport => Target::Transport,
        Field::AppProtocol => Target::AppProtocol,
        Field::BytesSent => Target::BytesSent,
        Field::BytesReceived => Target::BytesReceived,
        Field::PacketsSent => Target::PacketsSent,
        Field::PacketsReceived => Target::PacketsReceived,
        Field::Direction => Target::Direction,
        Field::TcpFlags => Target::Flags,
        Field::Outcome => Target::Outcome,
        Field::CountryCode => Target::Country,
        Field::Detail => Target::Detail,
        Field::Label => Target::Label,
    }
}

/// A user's column mapping: schema field name to column name, as given to `--map`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMapping {
    /// (target name, column name) pairs; target names are schema field names or `end_time`.
    pub pairs: Vec<(String, String)>,
}

impl ColumnMapping {
    /// Parses `field=column,field=column`. Field names are checked; column names are matched
    /// against the header later.
    pub fn parse(spec: &str) -> Result<ColumnMapping, String> {
        let mut pairs = Vec::new();
        for part in spec.split(',').filter(|p| !p.trim().is_empty()) {
            let (field, column) = part
                .split_once('=')
                .ok_or_else(|| format!("'{part}' is not field=column"))?;
            let field = field.trim();
            if field != "end_time" && Field::from_name(field).is_none() {
                let known: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
                return Err(format!(
                    "unknown field '{field}'; fields are {} and end_time",
                    known.join(", ")
                ));
            }
            pairs.push((field.to_string(), column.trim().to_string()));
        }
        Ok(ColumnMapping { pairs })
    }

    fn target(name: &str) -> Target {
        if name == "end_time" {
            Target::EndTime
        } else {
            Field::from_name(name).map_or(Target::Ignore, field_target)
        }
    }
}

impl ColumnPlan {
    /// Builds the plan for a file of `format` with these column names. For
    /// [`Format::MappedCsv`] columns are guessed from their names, then `mapping` overrides.
    pub fn new(
        format: Format,
        header: &[String],
        mapping: Option<&ColumnMapping>,
        null_tokens: &'static [&'static str],
    ) -> Result<ColumnPlan, String> {
        let known = known_columns(format);
        // Renamed endpoints are looked for only when Zeek's own names are absent: notice.log
        // has both `id.orig_h` and a `src` of its own.
        let zeek = matches!(format, Format::ZeekTsv | Format::ZeekJson | Format::ZeekCsv)
            && !header.iter().any(|h| norm(h) == "id.orig_h");
        let mut targets: Vec<Target> = header
            .iter()
            .map(|h| {
                let n = if zeek { zeek_name(&norm(h)) } else { norm(h) };
                if let Some((_, t)) = known.iter().find(|(k, _)| *k == n) {
                    return *t;
                }
                if format == Format::MappedCsv {
                    let s = squash(h);
                    if let Some((_, t)) = GUESSES.iter().find(|(k, _)| *k == s) {
                        return *t;
                    }
                }
                Target::Auto
            })
            .collect();
        if format == Format::MappedCsv {
            // A guessed field taken by an earlier column stays with that column.
            let mut seen = Vec::new();
            for t in &mut targets {
                if !matches!(t, Target::Auto | Target::Detail | Target::Ignore) {
                    if seen.contains(t) {
                        *t = Target::Auto;
                    } else {
                        seen.push(*t);
                    }
                }
            }
            ocsf_targets(header, &mut targets);
        }
        if let Some(mapping) = mapping {
            for (field, column) in &mapping.pairs {
                let target = ColumnMapping::target(field);
                let idx = header
                    .iter()
                    .position(|h| h.trim() == column)
                    .or_else(|| header.iter().position(|h| norm(h) == norm(column)))
                    .ok_or_else(|| {
                        format!(
                            "--map {field}={column}: no column named '{column}' (columns: {})",
                            header.join(", ")
                        )
                    })?;
                for t in &mut targets {
                    if *t == target {
                        *t = Target::Auto;
                    }
                }
                targets[idx] = target;
            }
        }
        let mut names = dedupe(header);
        if format == Format::MappedCsv && is_ocsf(header) {
            for (name, target) in names.iter_mut().zip(&targets) {
                if let (Target::Detail, Some(n)) = (target, ocsf_detail_name(name)) {
                    *name = n.to_owned();
                }
            }
        }
        // A repeated name: the first column is read as named, the repeat is kept apart under
        // its suffixed name instead of silently overwriting the first.
        let mut warnings = Vec::new();
        for (j, h) in header.iter().enumerate() {
            let Some(i) = header[..j].iter().position(|e| norm(e) == norm(h)) else {
                continue;
            };
            if !matches!(targets[j], Target::Auto | Target::Detail | Target::Ignore) {
                targets[j] = Target::Auto;
            }
            warnings.push(format!(
                "the header names '{}' twice (columns {} and {}): the first is read as named, \
                 the second is kept as '{}'",
                h.trim(),
                i + 1,
                j + 1,
                names[j]
            ));
        }
        let label_column = targets
            .iter()
            .position(|t| *t == Target::Label)
            .map(|i| names[i].clone());
        Ok(ColumnPlan {
            names,
            targets,
            null_tokens,
            label_column,
            warnings,
        })
    }

    /// Names the parts a Zeek protocol log puts in the detail after the log (`dns.query`,
    /// `http.user_agent`), as they read once joined to their connection's row; the uids that
    /// name the connection keep their names.
    pub fn prefix_detail_keys(&mut self, log: &str) {
        for (name, target) in self.names.iter_mut().zip(&self.targets) {
            if *target == Target::Detail && !matches!(name.as_str(), "conn_uid" | "conn_uids") {
                *name = format!("{log}.{name}");
            }
        }
    }

    /// What the header did that the analyst should know (a repeated column name).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The name of the label column, if the file has one.
    pub fn label_column(&self) -> Option<&str> {
        self.label_column.as_deref()
    }

    /// Whether any column maps to a schema field (not just extras).
    pub fn maps_any_field(&self) -> bool {
        self.targets
            .iter()
            .any(|t| !matches!(t, Target::Auto | Target::Ignore | Target::Extra(_)))
    }

    /// Whether some column goes to `target`.
    pub fn maps(&self, target: Target) -> bool {
        self.targets.contains(&target)
    }

    /// Number of columns.
    pub fn width(&self) -> usize {
        self.targets.len()
    }

    /// Fills `d` from one row's raw fields.
    pub fn apply<'r>(
        &mut self,
        fields: impl IntoIterator<Item = &'r [u8]>,
        d: &mut EventDraft,
        table: &mut EventTable,
    ) -> Result<(), RowError> {
        let mut local = (None, None);
        let mut class_override = false;
        for (i, raw) in fields.into_iter().enumerate() {
            let Some(target) = self.targets.get(i).copied() else {
                break;
            };
            let raw = raw.trim_ascii();
            if raw.is_empty() || self.null_tokens.iter().any(|t| t.as_bytes() == raw) {
                continue;
            }
            let name = &self.names[i];
            let number = || parse_number(raw).ok_or_else(|| RowError::bad("bad number", name, raw));
            match target {
                Target::Time => {
                    d.time_us = Some(
                        parse_time_bytes(raw)
                            .ok_or_else(|| RowError::bad("bad timestamp", name, raw))?,
                    );
                }
                Target::EndTime => {
                    d.end_time_us = Some(
                        parse_time_bytes(raw)
                            .ok_or_else(|| RowError::bad("bad timestamp", name, raw))?,
                    );
                }
                Target::Duration { scale } => d.duration_s = Some(number()? * scale),
                Target::SourceIp => {
                    d.source_ip = Some(
                        parse_ip(raw).ok_or_else(|| RowError::bad("bad IP address", name, raw))?,
                    );
                    if let Some(zone) = zone_of(raw) {
                        d.add_detail_kv("source_zone", &zone);
                    }
                }
                Target::DestinationIp => {
                    d.destination_ip = Some(
                        parse_ip(raw).ok_or_else(|| RowError::bad("bad IP address", name, raw))?,
                    );
                    if let Some(zone) = zone_of(raw) {
                        d.add_detail_kv("destination_zone", &zone);
                    }
                }
                Target::SourcePort => {
                    d.source_port =
                        Some(parse_port(raw).ok_or_else(|| RowError::bad("bad port", name, raw))?)
                }
                Target::DestinationPort => {
                    d.destination_port =
                        Some(parse_port(raw).ok_or_else(|| RowError::bad("bad port", name, raw))?)
                }
                Target::Transport => d.transport = transport_name(&decode_text(raw)),
                Target::AppProtocol => {
                    d.app_protocol.clear();
                    d.app_protocol
                        .push_str(&decode_text(raw).to_ascii_lowercase());
                }
                Target::BytesSent => d.bytes_sent = Some(number()?),
                Target::BytesReceived => d.bytes_received = Some(number()?),
                Target::PacketsSent => d.packets_sent = Some(number()?),
                Target::PacketsReceived => d.packets_received = Some(number()?),
                Target::Direction => set_text(&mut d.direction, raw),
                Target::Outcome => set_text(&mut d.outcome, raw),
                Target::Country => set_text(&mut d.country_code, raw),
                Target::Detail if name == "answers" => {
                    d.add_detail_kv(name, &answer_data(&decode_text(raw)))
                }
                Target::Detail => d.add_detail_kv(name, &decode_text(raw)),
                Target::Label => {
                    let text = decode_text(raw);
                    d.label = Verdict::from_class(&text);
                    if !class_override {
                        set_text(
                            &mut d.label_class,
                            text.trim().trim_end_matches('.').as_bytes(),
                        );
                    }
                }
                Target::LabelClass => {
                    set_text(&mut d.label_class, raw);
                    class_override = true;
                }
                Target::FlagCount(bit) => {
                    if number()? > 0.0 {
                        d.tcp_flags = Some(d.tcp_flags.unwrap_or(0) | bit);
                    }
                }
                Target::Flags => {
                    let text = decode_text(raw);
                    let bits = match text.strip_prefix("0x") {
                        Some(hex) => u8::from_str_radix(hex, 16).ok(),
                        None => text.parse::<u8>().ok(),
                    };
                    d.tcp_flags =
                        Some(bits.unwrap_or_else(|| TcpFlags::from_zeek_history(&text).0));
                }
                Target::LocalOrig => local.0 = Some(is_true(raw)),
                Target::LocalResp => local.1 = Some(is_true(raw)),
                Target::Extra(x) => {
                    if let Some(v) = parse_number(raw) {
                        d.extras.push((x, v as f32));
                    }
                }
                Target::Auto => {
                    self.targets[i] = if parse_number(raw).is_some() {
                        let x = table.extra_index(name);
                        d.extras
                            .push((x, parse_number(raw).unwrap_or(f64::NAN) as f32));
                        Target::Extra(x)
                    } else {
                        Target::Ignore
                    };
                }
                Target::Ignore => {}
            }
        }
        if d.label.is_none() {
            d.label_class.clear();
        }
        if let (Some(orig), Some(resp)) = local {
            d.direction.push_str(match (orig, resp) {
                (true, false) => "outbound",
                (false, true) => "inbound",
                (true, true) => "internal",
                (false, false) => "external",
            });
        }
        Ok(())
    }
}

fn set_text(dst: &mut String, raw: &[u8]) {
    dst.clear();
    dst.push_str(&decode_text(raw));
}

fn is_true(raw: &[u8]) -> bool {
    matches!(raw, b"T" | b"t" | b"true" | b"True" | b"1")
}

/// Trims names and suffixes repeats so that every column name is unique.
fn dedupe(header: &[String]) -> Vec<String> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    header
        .iter()
        .map(|h| {
            let base = h.trim().to_string();
            let n = counts.entry(base.clone()).or_default();
            *n += 1;
            if *n == 1 {
                base
            } else {
                format!("{base}.{}", *n - 1)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn mapping_parses_and_checks_fields() {
        let m = ColumnMapping::parse("source_ip=src, bytes_sent=out_bytes").unwrap();
        assert_eq!(m.pairs[1], ("bytes_sent".into(), "out_bytes".into()));
        assert!(ColumnMapping::parse("sauce_ip=src")
            .unwrap_err()
            .contains("unknown field"));
        assert!(ColumnMapping::parse("source_ip").is_err());
    }

    #[test]
    fn guessed_plan_with_override() {
        let h = header(&["when", "client", "SrcIP", "out_bytes", "weird"]);
        let m =
            ColumnMapping::parse("event_time=when,bytes_sent=out_bytes,source_ip=client").unwrap();
        let mut plan = ColumnPlan::new(Format::MappedCsv, &h, Some(&m), &[]).unwrap();
        let mut t = EventTable::default();
        let mut d = EventDraft::default();
        let row: Vec<&[u8]> = vec![
            b"2024-01-01T00:00:00Z",
            b"10.0.0.1",
            b"10.9.9.9",
            b"42",
            b"7",
        ];
        plan.apply(row.iter().copied(), &mut d, &mut t).unwrap();
        assert_eq!(d.source_ip.unwrap().to_string(), "10.0.0.1");
        assert_eq!(d.bytes_sent, Some(42.0));
        assert_eq!(d.extras.len(), 1);
        let bad = ColumnMapping::parse("source_ip=nope").unwrap();
        assert!(ColumnPlan::new(Format::MappedCsv, &h, Some(&bad), &[])
            .unwrap_err()
            .contains("no column named 'nope'"));
    }

    #[test]
    fn bad_values_name_column() {
        let h = header(&["src_ip", "bytes_in"]);
        let mut plan = ColumnPlan::new(Format::CloudWatch, &h, None, &[]).unwrap();
        let mut t = EventTable::default();
        let mut d = EventDraft::default();
        let err = plan
            .apply([&b"1.2.3"[..], b"5"], &mut d, &mut t)
            .unwrap_err();
        assert_eq!(err.kind, "bad IP address");
        assert_eq!(err.detail, "column 'src_ip' = '1.2.3'");
        let err = plan
            .apply([&b"1.2.3.4"[..], b"five"], &mut d, &mut t)
            .unwrap_err();
        assert_eq!(err.kind, "bad number");
    }

    #[test]
    fn duplicate_names_are_suffixed() {
        assert_eq!(
            dedupe(&header(&[" a", "b", "a "])),
            vec!["a".to_string(), "b".into(), "a.1".into()]
        );
    }
}

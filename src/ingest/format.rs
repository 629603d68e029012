//! The log formats netsleuth reads.

use serde::{Deserialize, Serialize};

/// A log format, detected from content or chosen by the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Format {
    /// AWS CloudWatch web-attack CSV export.
    CloudWatch,
    /// CIC-IDS2017 / CICFlowMeter flow CSV (original and improved layouts).
    CicFlow,
    /// ISCX IDS 2012 flow CSV.
    Iscx2012,
    /// Suricata eve.json.
    SuricataEve,
    /// Cowrie SSH/Telnet honeypot JSON lines.
    Cowrie,
    /// Dionaea honeypot native JSON (as T-Pot writes it).
    Dionaea,
    /// Dionaea events exported from Modern Honey Network (mongoexport JSON).
    DionaeaMhn,
    /// Zeek conn.log, tab-separated with `#fields` header.
    ZeekTsv,
    /// Zeek conn.log as JSON lines.
    ZeekJson,
    /// Zeek conn.log converted to CSV (IoT-23 labeled form).
    ZeekCsv,
    /// AWS VPC flow logs, version 2 default format.
    VpcFlow,
    /// Apache/nginx common or combined access log.
    AccessLog,
    /// NSL-KDD (41 features, label, difficulty; no header).
    NslKdd,
    /// KDD Cup 1999 (41 features, label; no header).
    Kdd99,
    /// UNSW-NB15 CSV.
    UnswNb15,
    /// Any other CSV/TSV, read through a column mapping.
    MappedCsv,
    /// A packet capture (pcap or pcapng), read as flows.
    Capture,
}

impl Format {
    /// Every format, in the order the sniffer reports them.
    pub const ALL: [Format; 17] = [
        Format::CloudWatch,
        Format::CicFlow,
        Format::Iscx2012,
        Format::SuricataEve,
        Format::Cowrie,
        Format::Dionaea,
        Format::DionaeaMhn,
        Format::ZeekTsv,
        Format::ZeekJson,
        Format::ZeekCsv,
        Format::VpcFlow,
        Format::AccessLog,
        Format::NslKdd,
        Format::Kdd99,
        Format::UnswNb15,
        Format::MappedCsv,
        Format::Capture,
    ];

    /// Whether business hours say something about these logs: not for honeypots (only
    /// attackers write them) nor public web servers' access logs (the whole Internet does).
    pub fn has_business_hours(self) -> bool {
        !matches!(
            self,
            Format::Cowrie | Format::Dionaea | Format::DionaeaMhn | Format::AccessLog
        )
    }

    /// Whether only attackers write these logs (a honeypot's): every source is hostile, and
    /// what it did matters, not when.
    pub fn is_honeypot(self) -> bool {
        matches!(self, Format::Cowrie | Format::Dionaea | Format::DionaeaMhn)
    }

    /// Short machine name, used by `--format` and in reports.
    pub fn id(self) -> &'static str {
        match self {
            Format::CloudWatch => "cloudwatch",
            Format::CicFlow => "cic-flow",
            Format::Iscx2012 => "iscx2012",
            Format::SuricataEve => "suricata-eve",
            Format::Cowrie => "cowrie",
            Format::Dionaea => "dionaea",
            Format::DionaeaMhn => "dionaea-mhn",
            Format::ZeekTsv => "zeek-tsv",
            Format::ZeekJson => "zeek-json",
            Format::ZeekCsv => "zeek-csv",
            Format::VpcFlow => "aws-vpc-flow",
            Format::AccessLog => "access-log",
            Format::NslKdd => "nsl-kdd",
            Format::Kdd99 => "kdd99",
            Format::UnswNb15 => "unsw-nb15",
            Format::MappedCsv => "csv",
            Format::Capture => "pcap",
        }
    }

    /// Human-readable name.
    pub fn title(self) -> &'static str {
        match self {
            Format::CloudWatch => "AWS CloudWatch web-attack CSV",
            Format::CicFlow => "CIC-IDS2017 flow CSV",
            Format::Iscx2012 => "ISCX IDS 2012 flow CSV",
            Format::SuricataEve => "Suricata eve.json",
            Format::Cowrie => "Cowrie honeypot JSON",
            Format::Dionaea => "Dionaea honeypot JSON",
            Format::DionaeaMhn => "Dionaea MHN export JSON",
            Format::ZeekTsv => "Zeek conn.log (TSV)",
            Format::ZeekJson => "Zeek conn.log (JSON)",
            Format::ZeekCsv => "Zeek conn.log (CSV, IoT-23)",
            Format::VpcFlow => "AWS VPC flow log",
            Format::AccessLog => "Apache/nginx access log",
            Format::NslKdd => "NSL-KDD",
            Format::Kdd99 => "KDD Cup 1999",
            Format::UnswNb15 => "UNSW-NB15 CSV",
            Format::MappedCsv => "CSV (column mapping)",
            Format::Capture => "Packet capture (pcap/pcapng), as flows",
        }
    }

    /// Parses a machine name as given to `--format`.
    pub fn from_id(id: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.id() == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_are_unique() {
        for f in Format::ALL {
            assert_eq!(Format::from_id(f.id()), Some(f));
        }
        let mut ids: Vec<_> = Format::ALL.iter().map(|f| f.id()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), Format::ALL.len());
    }
}

//! The named fields of the unified event schema and sets of them.

use serde::{Deserialize, Serialize};

/// One field of the unified event schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// When the event started, UTC.
    EventTime,
    /// How long it lasted, in seconds (given directly or as an end time).
    DurationS,
    /// The initiating address.
    SourceIp,
    /// The initiating port.
    SourcePort,
    /// The responding address.
    DestinationIp,
    /// The responding port.
    DestinationPort,
    /// Transport protocol: tcp, udp, icmp...
    Transport,
    /// Application protocol: http, ssh, smb...
    AppProtocol,
    /// Bytes sent by the source.
    BytesSent,
    /// Bytes received by the source.
    BytesReceived,
    /// Packets sent by the source.
    PacketsSent,
    /// Packets received by the source.
    PacketsReceived,
    /// inbound, outbound, internal or external.
    Direction,
    /// TCP flags seen on the connection.
    TcpFlags,
    /// The result: HTTP status, ACCEPT/REJECT, Zeek conn_state, Cowrie eventid...
    Outcome,
    /// Source country code carried by the file.
    CountryCode,
    /// Free text: signature, credentials, command, HTTP request line and agent.
    Detail,
    /// Ground-truth label.
    Label,
}

impl Field {
    /// Every field, in schema order.
    pub const ALL: [Field; 18] = [
        Field::EventTime,
        Field::DurationS,
        Field::SourceIp,
        Field::SourcePort,
        Field::DestinationIp,
        Field::DestinationPort,
        Field::Transport,
        Field::AppProtocol,
        Field::BytesSent,
        Field::BytesReceived,
        Field::PacketsSent,
        Field::PacketsReceived,
        Field::Direction,
        Field::TcpFlags,
        Field::Outcome,
        Field::CountryCode,
        Field::Detail,
        Field::Label,
    ];

    /// The snake_case name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Field::EventTime => "event_time",
            Field::DurationS => "duration_s",
            Field::SourceIp => "source_ip",
            Field::SourcePort => "source_port",
            Field::DestinationIp => "destination_ip",
            Field::DestinationPort => "destination_port",
            Field::Transport => "transport",
            Field::AppProtocol => "app_protocol",
            Field::BytesSent => "bytes_sent",
            Field::BytesReceived => "bytes_received",
            Field::PacketsSent => "packets_sent",
            Field::PacketsReceived => "packets_received",
            Field::Direction => "direction",
            Field::TcpFlags => "tcp_flags",
            Field::Outcome => "outcome",
            Field::CountryCode => "country_code",
            Field::Detail => "detail",
            Field::Label => "label",
        }
    }

    /// Parses a snake_case field name.
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name)
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// A set of schema fields, e.g. those a file provided.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldSet(u32);

impl FieldSet {
    /// Adds `f`.
    pub fn insert(&mut self, f: Field) {
        self.0 |= f.bit();
    }

    /// Whether `f` is in the set.
    pub fn contains(self, f: Field) -> bool {
        self.0 & f.bit() != 0
    }

    /// The members, in schema order.
    pub fn iter(self) -> impl Iterator<Item = Field> {
        Field::ALL.into_iter().filter(move |f| self.contains(*f))
    }

    /// Union of two sets.
    pub fn union(self, other: FieldSet) -> FieldSet {
        FieldSet(self.0 | other.0)
    }
}

/// TCP flags as a bit set, in wire order (FIN = bit 0 ... CWR = bit 7).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TcpFlags(pub u8);

impl TcpFlags {
    /// FIN.
    pub const FIN: u8 = 0x01;
    /// SYN.
    pub const SYN: u8 = 0x02;
    /// RST.
    pub const RST: u8 = 0x04;
    /// PSH.
    pub const PSH: u8 = 0x08;
    /// ACK.
    pub const ACK: u8 = 0x10;
    /// URG.
    pub const URG: u8 = 0x20;
    /// ECE.
    pub const ECE: u8 = 0x40;
    /// CWR.
    pub const CWR: u8 = 0x80;

    /// Flag names in wire order.
    pub const NAMES: [&'static str; 8] = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"];

    /// Derives the flags a Zeek `history` string implies (S, H, A, D, F, R in either case).
    pub fn from_zeek_history(history: &str) -> TcpFlags {
        let mut f = 0;
        for c in history.chars() {
            f |= match c.to_ascii_lowercase() {
                's' => Self::SYN,
                'h' => Self::SYN | Self::ACK,
                'a' => Self::ACK,
                'd' => Self::PSH,
                'f' => Self::FIN,
                'r' => Self::RST,
                _ => 0,
            };
        }
        TcpFlags(f)
    }

    /// Names of the set flags joined by `|`, e.g. `SYN|ACK`.
    pub fn describe(self) -> String {
        let names: Vec<&str> = (0..8)
            .filter(|i| self.0 & (1 << i) != 0)
            .map(|i| Self::NAMES[i])
            .collect();
        names.join("|")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_round_trip() {
        for f in Field::ALL {
            assert_eq!(Field::from_name(f.name()), Some(f));
        }
        assert_eq!(Field::from_name("nope"), None);
    }

    #[test]
    fn field_set_membership() {
        let mut s = FieldSet::default();
        s.insert(Field::Label);
        s.insert(Field::EventTime);
        assert!(s.contains(Field::Label));
        assert!(!s.contains(Field::Detail));
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            vec![Field::EventTime, Field::Label]
        );
    }

    #[test]
    fn zeek_history_flags() {
        assert_eq!(
            TcpFlags::from_zeek_history("ShADdFar").describe(),
            "FIN|SYN|RST|PSH|ACK"
        );
        assert_eq!(TcpFlags::from_zeek_history("S").describe(), "SYN");
        assert_eq!(TcpFlags::from_zeek_history("").0, 0);
    }
}

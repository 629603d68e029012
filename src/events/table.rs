//! The columnar event table and the reusable draft that readers fill row by row.

use std::collections::HashMap;
use std::net::IpAddr;

use super::origins::Origins;
use super::{
    Column, Field, FieldSet, IpInterner, Label, Nullable, Symbol, SymbolColumn, SymbolTable,
    Verdict,
};

/// Separates the parts of an event's detail text (the ASCII unit separator, which log text
/// never keeps: readers turn it into a space).
pub const DETAIL_SEPARATOR: char = '\u{1f}';

/// One part of an event's detail: a `key=value` pair, or plain text (key `None`), such as an
/// access log's request line.
pub fn detail_parts(detail: &str) -> impl Iterator<Item = (Option<&str>, &str)> {
    detail
        .split(DETAIL_SEPARATOR)
        .map(|part| match part.split_once('=') {
            Some((k, v))
                if !k.is_empty()
                    && k.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')) =>
            {
                (Some(k), v)
            }
            _ => (None, part),
        })
}

/// Index of an input file within an investigation.
pub type FileId = u16;

/// One row under construction. Readers clear it, fill what their format provides and push it.
///
/// Text fields are reusable buffers: empty means absent.
#[derive(Debug, Default, Clone)]
pub struct EventDraft {
    /// Start time, microseconds since the Unix epoch, UTC.
    pub time_us: Option<i64>,
    /// End time, microseconds since the Unix epoch; turned into a duration on push.
    pub end_time_us: Option<i64>,
    /// Duration in seconds.
    pub duration_s: Option<f64>,
    /// Source address.
    pub source_ip: Option<IpAddr>,
    /// Source port.
    pub source_port: Option<u16>,
    /// Destination address.
    pub destination_ip: Option<IpAddr>,
    /// Destination port.
    pub destination_port: Option<u16>,
    /// Transport protocol name, lower case.
    pub transport: String,
    /// Application protocol name, lower case.
    pub app_protocol: String,
    /// Bytes sent by the source.
    pub bytes_sent: Option<f64>,
    /// Bytes received by the source.
    pub bytes_received: Option<f64>,
    /// Packets sent by the source.
    pub packets_sent: Option<f64>,
    /// Packets received by the source.
    pub packets_received: Option<f64>,
    /// Direction relative to the monitored network.
    pub direction: String,
    /// TCP flags bit set.
    pub tcp_flags: Option<u8>,
    /// Outcome text.
    pub outcome: String,
    /// Country code of the source.
    pub country_code: String,
    /// Free text detail: parts (`key=value` or plain text) separated by [`DETAIL_SEPARATOR`].
    pub detail: String,
    /// Ground-truth verdict.
    pub label: Option<Verdict>,
    /// Ground-truth class name as spelled in the file.
    pub label_class: String,
    /// Extra numeric columns: (table extra index, value).
    pub extras: Vec<(usize, f32)>,
}

impl EventDraft {
    /// Resets every field to absent, keeping buffer capacity.
    pub fn clear(&mut self) {
        self.time_us = None;
        self.end_time_us = None;
        self.duration_s = None;
        self.source_ip = None;
        self.source_port = None;
        self.destination_ip = None;
        self.destination_port = None;
        self.transport.clear();
        self.app_protocol.clear();
        self.bytes_sent = None;
        self.bytes_received = None;
        self.packets_sent = None;
        self.packets_received = None;
        self.direction.clear();
        self.tcp_flags = None;
        self.outcome.clear();
        self.country_code.clear();
        self.detail.clear();
        self.label = None;
        self.label_class.clear();
        self.extras.clear();
    }

    /// Appends `part` to the detail text as a part of its own.
    pub fn add_detail(&mut self, part: &str) {
        let part = part.trim();
        if part.is_empty() {
            return;
        }
        self.start_detail_part();
        self.push_detail_value(part);
    }

    /// Appends `key=value` to the detail text as a part of its own.
    pub fn add_detail_kv(&mut self, key: &str, value: &str) {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        self.start_detail_part();
        self.push_detail_value(key);
        self.detail.push('=');
        self.push_detail_value(value);
    }

    fn start_detail_part(&mut self) {
        if !self.detail.is_empty() {
            self.detail.push(DETAIL_SEPARATOR);
        }
    }

    /// Appends text from the log, with any separator in it turned into a space.
    fn push_detail_value(&mut self, text: &str) {
        self.detail.extend(
            text.chars()
                .map(|c| if c == DETAIL_SEPARATOR { ' ' } else { c }),
        );
    }

    /// The schema fields this draft holds.
    pub fn fields(&self) -> FieldSet {
        let mut s = FieldSet::default();
        let checks = [
            (Field::EventTime, self.time_us.is_some()),
            (
                Field::DurationS,
                self.duration_s.is_some() || (self.end_time_us.is_some() && self.time_us.is_some()),
            ),
            (Field::SourceIp, self.source_ip.is_some()),
            (Field::SourcePort, self.source_port.is_some()),
            (Field::DestinationIp, self.destination_ip.is_some()),
            (Field::DestinationPort, self.destination_port.is_some()),
            (Field::Transport, !self.transport.is_empty()),
            (Field::AppProtocol, !self.app_protocol.is_empty()),
            (Field::BytesSent, self.bytes_sent.is_some()),
            (Field::BytesReceived, self.bytes_received.is_some()),
            (Field::PacketsSent, self.packets_sent.is_some()),
            (Field::PacketsReceived, self.packets_received.is_some()),
            (Field::Direction, !self.direction.is_empty()),
            (Field::TcpFlags, self.tcp_flags.is_some()),
            (Field::Outcome, !self.outcome.is_empty()),
            (Field::CountryCode, !self.country_code.is_empty()),
            (Field::Detail, !self.detail.is_empty()),
            (Field::Label, self.label.is_some()),
        ];
        for (f, present) in checks {
            if present {
                s.insert(f);
            }
        }
        s
    }
}

/// A named numeric column beyond the unified schema (KDD features, CIC flow statistics...).
#[derive(Debug, Clone, Default)]
pub struct ExtraColumn {
    /// The column name as the file spells it, trimmed.
    pub name: String,
    /// Values, single precision to keep wide datasets lean.
    pub values: Column<f32>,
}

/// Every event of an investigation, stored column by column.
///
/// Absent values cost nothing for columns no file fills. Repeated strings and IPs are interned.
#[derive(Debug, Default, Clone)]
pub struct EventTable {
    len: usize,
    origins: Origins,
    time_us: Column<i64>,
    duration_s: Column<f64>,
    source_ip: Column<u32>,
    source_port: Column<u32>,
    destination_ip: Column<u32>,
    destination_port: Column<u32>,
    transport: SymbolColumn,
    app_protocol: SymbolColumn,
    bytes_sent: Column<f64>,
    bytes_received: Column<f64>,
    packets_sent: Column<f64>,
    packets_received: Column<f64>,
    direction: SymbolColumn,
    tcp_flags: Column<u8>,
    outcome: SymbolColumn,
    country_code: SymbolColumn,
    detail: SymbolColumn,
    label: Column<u8>,
    label_class: SymbolColumn,
    extras: Vec<ExtraColumn>,
    extra_ids: HashMap<String, usize>,
    symbols: SymbolTable,
    ips: IpInterner,
}

fn opt<T: Nullable>(v: Option<T>) -> T {
    v.unwrap_or(T::NULL)
}

impl EventTable {
    /// Number of events.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the table holds no event.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The index of the extra numeric column `name`, creating it if new.
    pub fn extra_index(&mut self, name: &str) -> usize {
        if let Some(&i) = self.extra_ids.get(name) {
            return i;
        }
        self.extras.push(ExtraColumn {
            name: name.to_string(),
            values: Column::default(),
        });
        self.extra_ids
            .insert(name.to_string(), self.extras.len() - 1);
        self.extras.len() - 1
    }

    /// Appends `d` as an event of `file` read from `line`, returning the fields it held.
    pub fn push(&mut self, file: FileId, line: u64, d: &EventDraft) -> FieldSet {
        let row = self.len;
        self.origins
            .push(file, u32::try_from(line).unwrap_or(u32::MAX));
        self.time_us.set(row, opt(d.time_us));
        let duration = d.duration_s.or(match (d.time_us, d.end_time_us) {
            (Some(s), Some(e)) => e.checked_sub(s).map(|us| us as f64 / 1e6),
            _ => None,
        });
        self.duration_s.set(row, opt(duration));
        let src = d.source_ip.map(|ip| self.ips.intern(ip));
        self.source_ip.set(row, opt(src));
        self.source_port.set(row, opt(d.source_port.map(u32::from)));
        let dst = d.destination_ip.map(|ip| self.ips.intern(ip));
        self.destination_ip.set(row, opt(dst));
        self.destination_port
            .set(row, opt(d.destination_port.map(u32::from)));
        let transport = self.sym(&d.transport);
        self.transport.set(row, transport);
        let app = self.sym(&d.app_protocol);
        self.app_protocol.set(row, app);
        self.bytes_sent.set(row, opt(d.bytes_sent));
        self.bytes_received.set(row, opt(d.bytes_received));
        self.packets_sent.set(row, opt(d.packets_sent));
        self.packets_received.set(row, opt(d.packets_received));
        let direction = self.sym(&d.direction);
        self.direction.set(row, direction);
        self.tcp_flags.set(row, opt(d.tcp_flags));
        let outcome = self.sym(&d.outcome);
        self.outcome.set(row, outcome);
        let country = self.sym(&d.country_code);
        self.country_code.set(row, country);
        let detail = self.sym(&d.detail);
        self.detail.set(row, detail);
        self.label.set(row, opt(d.label.map(|v| v as u8)));
        let class = self.sym(&d.label_class);
        self.label_class.set(row, class);
        for &(i, v) in &d.extras {
            self.extras[i].values.set(row, v);
        }
        self.len += 1;
        let mut fields = d.fields();
        if duration.is_some() {
            fields.insert(Field::DurationS);
        }
        fields
    }

    fn sym(&mut self, s: &str) -> u32 {
        if s.is_empty() {
            u32::NULL
        } else {
            self.symbols.intern(s).0
        }
    }

    fn text(&self, col: &SymbolColumn, row: usize) -> Option<&str> {
        col.get(row).map(|id| self.symbols.resolve(Symbol(id)))
    }

    /// The file event `row` came from.
    pub fn file(&self, row: usize) -> FileId {
        self.origins.get(row).0
    }

    /// The line of its file where event `row` was read (1-based).
    pub fn line(&self, row: usize) -> u32 {
        self.origins.get(row).1
    }

    /// Start time in microseconds since the epoch, UTC.
    pub fn time_us(&self, row: usize) -> Option<i64> {
        self.time_us.get(row)
    }

    /// Duration in seconds.
    pub fn duration_s(&self, row: usize) -> Option<f64> {
        self.duration_s.get(row)
    }

    /// Source address.
    pub fn source_ip(&self, row: usize) -> Option<IpAddr> {
        self.source_ip.get(row).map(|id| self.ips.resolve(id))
    }

    /// Interned id of the source address (dense, for grouping by source).
    pub fn source_ip_id(&self, row: usize) -> Option<u32> {
        self.source_ip.get(row)
    }

    /// Source port.
    pub fn source_port(&self, row: usize) -> Option<u16> {
        self.source_port.get(row).map(|p| p as u16)
    }

    /// Destination address.
    pub fn destination_ip(&self, row: usize) -> Option<IpAddr> {
        self.destination_ip.get(row).map(|id| self.ips.resolve(id))
    }

    /// Interned id of the destination address.
    pub fn destination_ip_id(&self, row: usize) -> Option<u32> {
        self.destination_ip.get(row)
    }

    /// Destination port.
    pub fn destination_port(&self, row: usize) -> Option<u16> {
        self.destination_port.get(row).map(|p| p as u16)
    }

    /// Transport protocol.
    pub fn transport(&self, row: usize) -> Option<&str> {
        self.text(&self.transport, row)
    }

    /// Application protocol.
    pub fn app_protocol(&self, row: usize) -> Option<&str> {
        self.text(&self.app_protocol, row)
    }

    /// Bytes sent by the source.
    pub fn bytes_sent(&self, row: usize) -> Option<f64> {
        self.bytes_sent.get(row)
    }

    /// Bytes received by the source.
    pub fn bytes_received(&self, row: usize) -> Option<f64> {
        self.bytes_received.get(row)
    }

    /// Packets sent by the source.
    pub fn packets_sent(&self, row: usize) -> Option<f64> {
        self.packets_sent.get(row)
    }

    /// Packets received by the source.
    pub fn packets_received(&self, row: usize) -> Option<f64> {
        self.packets_received.get(row)
    }

    /// Direction.
    pub fn direction(&self, row: usize) -> Option<&str> {
        self.text(&self.direction, row)
    }

    /// TCP flags.
    pub fn tcp_flags(&self, row: usize) -> Option<super::TcpFlags> {
        self.tcp_flags.get(row).map(super::TcpFlags)
    }

    /// Outcome.
    pub fn outcome(&self, row: usize) -> Option<&str> {
        self.text(&self.outcome, row)
    }

    /// Country code of the source, as the file gave it.
    pub fn country_code(&self, row: usize) -> Option<&str> {
        self.text(&self.country_code, row)
    }

    /// The interned ids of the outcome and the country code of `row` (see [`Self::symbols`]):
    /// counting ids and resolving each once is cheaper than resolving every row.
    pub fn outcome_and_country_ids(&self, row: usize) -> (Option<u32>, Option<u32>) {
        (self.outcome.get(row), self.country_code.get(row))
    }

    /// Detail text, its parts separated by [`DETAIL_SEPARATOR`] (see [`detail_parts`]).
    pub fn detail(&self, row: usize) -> Option<&str> {
        self.text(&self.detail, row)
    }

    /// The interned id of the detail of `row`: rows with the same id have the same detail.
    pub fn detail_id(&self, row: usize) -> Option<u32> {
        self.detail.get(row)
    }

    /// The interned id (see [`Self::symbols`]) of text field `field` at `row`: transport,
    /// app_protocol, direction, outcome, country_code, detail, and label (its class); `None`
    /// for other fields and absent values.
    pub fn text_id(&self, field: Field, row: usize) -> Option<u32> {
        match field {
            Field::Transport => self.transport.get(row),
            Field::AppProtocol => self.app_protocol.get(row),
            Field::Direction => self.direction.get(row),
            Field::Outcome => self.outcome.get(row),
            Field::CountryCode => self.country_code.get(row),
            Field::Detail => self.detail.get(row),
            Field::Label => self.label_class.get(row),
            _ => None,
        }
    }

    /// The value of the detail part `key` of `row`.
    pub fn detail_value(&self, row: usize, key: &str) -> Option<&str> {
        detail_parts(self.detail(row)?).find_map(|(k, v)| (k == Some(key)).then_some(v))
    }

    /// The first plain-text part of the detail of `row` (one without a key), such as an
    /// access log's request line.
    pub fn detail_plain(&self, row: usize) -> Option<&str> {
        detail_parts(self.detail(row)?).find_map(|(k, v)| k.is_none().then_some(v))
    }

    /// The detail of `row` for reading: its parts separated by two spaces.
    pub fn detail_text(&self, row: usize) -> Option<String> {
        self.detail(row).map(|d| d.replace(DETAIL_SEPARATOR, "  "))
    }

    /// Ground-truth label.
    pub fn label(&self, row: usize) -> Option<Label> {
        let verdict = match self.label.get(row)? {
            0 => Verdict::Benign,
            _ => Verdict::Malicious,
        };
        let class = Symbol(self.label_class.get(row)?);
        Some(Label { verdict, class })
    }

    /// The class name of a label.
    pub fn label_class_name(&self, label: Label) -> &str {
        self.symbols.resolve(label.class)
    }

    /// The extra numeric columns.
    pub fn extras(&self) -> &[ExtraColumn] {
        &self.extras
    }

    /// The value of extra column `name` at `row`.
    pub fn extra(&self, name: &str, row: usize) -> Option<f32> {
        self.extras[*self.extra_ids.get(name)?].values.get(row)
    }

    /// The interned strings.
    pub fn symbols(&self) -> &SymbolTable {
        &self.symbols
    }

    /// The interned addresses.
    pub fn ips(&self) -> &IpInterner {
        &self.ips
    }

    /// Appends event `row` of `other` as it was read there (its file and line kept),
    /// re-interning its strings and addresses and matching its extra columns by name: how a
    /// live window takes the events of a replayed table.
    pub fn append_row(&mut self, other: &EventTable, row: usize) {
        self.append_row_with_detail(other, row, other.detail(row).unwrap_or_default());
    }

    /// Appends event `row` of `other` as [`EventTable::append_row`] does, with `detail` for
    /// its detail text (a connection's row with what its protocol logs say added).
    pub fn append_row_with_detail(&mut self, other: &EventTable, row: usize, detail: &str) {
        let mut d = other.draft(row);
        d.detail.clear();
        d.detail.push_str(detail);
        for (i, _) in &mut d.extras {
            *i = self.extra_index(&other.extras[*i].name);
        }
        let (file, line) = other.origins.get(row);
        self.push(file, u64::from(line), &d);
    }

    /// Event `row` as the draft it was pushed from (its duration given, not its end time;
    /// its extra values under this table's extra column indices).
    pub fn draft(&self, row: usize) -> EventDraft {
        let text = |s: Option<&str>| s.unwrap_or_default().to_owned();
        let mut d = EventDraft {
            time_us: self.time_us(row),
            duration_s: self.duration_s(row),
            source_ip: self.source_ip(row),
            source_port: self.source_port(row),
            destination_ip: self.destination_ip(row),
            destination_port: self.destination_port(row),
            transport: text(self.transport(row)),
            app_protocol: text(self.app_protocol(row)),
            bytes_sent: self.bytes_sent(row),
            bytes_received: self.bytes_received(row),
            packets_sent: self.packets_sent(row),
            packets_received: self.packets_received(row),
            direction: text(self.direction(row)),
            tcp_flags: self.tcp_flags.get(row),
            outcome: text(self.outcome(row)),
            country_code: text(self.country_code(row)),
            detail: text(self.detail(row)),
            ..EventDraft::default()
        };
        d.label = self.label.get(row).map(|v| match v {
            0 => Verdict::Benign,
            _ => Verdict::Malicious,
        });
        d.label_class = text(self.text(&self.label_class, row));
        for (i, e) in self.extras.iter().enumerate() {
            if let Some(v) = e.values.get(row) {
                d.extras.push((i, v));
            }
        }
        d
    }

    /// Drops every event, string and address, keeping the extra columns' names and indices:
    /// a reader's table emptied as its rows are spilled elsewhere.
    pub fn clear_rows(&mut self) {
        let extras: Vec<ExtraColumn> = self
            .extras
            .iter()
            .map(|e| ExtraColumn {
                name: e.name.clone(),
                values: Column::default(),
            })
            .collect();
        let extra_ids = std::mem::take(&mut self.extra_ids);
        *self = EventTable {
            extras,
            extra_ids,
            ..EventTable::default()
        };
    }

    /// Appends every event of `other` (read in parallel into its own table), re-interning its
    /// strings and addresses and matching its extra columns by name.
    pub fn append(&mut self, other: &EventTable) {
        let at = self.len;
        let syms: Vec<u32> = other
            .symbols
            .iter()
            .map(|s| self.symbols.intern(s).0)
            .collect();
        let ips: Vec<u32> = other.ips.iter().map(|ip| self.ips.intern(ip)).collect();
        let sym = |v: u32| syms[v as usize];
        let ip = |v: u32| ips[v as usize];
        self.origins.extend(&other.origins);
        self.time_us
            .extend_from(at, &other.time_us, std::convert::identity);
        self.duration_s
            .extend_from(at, &other.duration_s, std::convert::identity);
        self.source_ip.extend_from(at, &other.source_ip, ip);
        self.source_port
            .extend_from(at, &other.source_port, std::convert::identity);
        self.destination_ip
            .extend_from(at, &other.destination_ip, ip);
        self.destination_port
            .extend_from(at, &other.destination_port, std::convert::identity);
        self.transport.extend_from(at, &other.transport, sym);
        self.app_protocol.extend_from(at, &other.app_protocol, sym);
        self.bytes_sent
            .extend_from(at, &other.bytes_sent, std::convert::identity);
        self.bytes_received
            .extend_from(at, &other.bytes_received, std::convert::identity);
        self.packets_sent
            .extend_from(at, &other.packets_sent, std::convert::identity);
        self.packets_received
            .extend_from(at, &other.packets_received, std::convert::identity);
        self.direction.extend_from(at, &other.direction, sym);
        self.tcp_flags
            .extend_from(at, &other.tcp_flags, std::convert::identity);
        self.outcome.extend_from(at, &other.outcome, sym);
        self.country_code.extend_from(at, &other.country_code, sym);
        self.detail.extend_from(at, &other.detail, sym);
        self.label
            .extend_from(at, &other.label, std::convert::identity);
        self.label_class.extend_from(at, &other.label_class, sym);
        for extra in &other.extras {
            let i = self.extra_index(&extra.name);
            self.extras[i]
                .values
                .extend_from(at, &extra.values, std::convert::identity);
        }
        self.len += other.len;
    }

    /// Releases spare capacity once reading is finished.
    pub fn shrink_to_fit(&mut self) {
        self.origins.shrink_to_fit();
        self.time_us.shrink_to_fit();
        self.duration_s.shrink_to_fit();
        self.source_ip.shrink_to_fit();
        self.source_port.shrink_to_fit();
        self.destination_ip.shrink_to_fit();
        self.destination_port.shrink_to_fit();
        self.transport.shrink_to_fit();
        self.app_protocol.shrink_to_fit();
        self.bytes_sent.shrink_to_fit();
        self.bytes_received.shrink_to_fit();
        self.packets_sent.shrink_to_fit();
        self.packets_received.shrink_to_fit();
        self.direction.shrink_to_fit();
        self.tcp_flags.shrink_to_fit();
        self.outcome.shrink_to_fit();
        self.country_code.shrink_to_fit();
        self.detail.shrink_to_fit();
        self.label.shrink_to_fit();
        self.label_class.shrink_to_fit();
        for e in &mut self.extras {
            e.values.shrink_to_fit();
        }
    }

    /// Approximate heap bytes held by the table.
    pub fn heap_bytes(&self) -> usize {
        let cols = self.time_us.heap_bytes()
            + self.duration_s.heap_bytes()
            + self.source_ip.heap_bytes()
            + self.source_port.heap_bytes()
            + self.destination_ip.heap_bytes()
            + self.destination_port.heap_bytes()
            + self.transport.heap_bytes()
            + self.app_protocol.heap_bytes()
            + self.bytes_sent.heap_bytes()
            + self.bytes_received.heap_bytes()
            + self.packets_sent.heap_bytes()
            + self.packets_received.heap_bytes()
            + self.direction.heap_bytes()
            + self.tcp_flags.heap_bytes()
            + self.outcome.heap_bytes()
            + self.country_code.heap_bytes()
            + self.detail.heap_bytes()
            + self.label.heap_bytes()
            + self.label_class.heap_bytes();
        let extras: usize = self.extras.iter().map(|e| e.values.heap_bytes()).sum();
        cols + extras
            + self.origins.heap_bytes()
            + self.symbols.heap_bytes()
            + self.ips.heap_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_and_read_back() {
        let mut t = EventTable::default();
        let mut d = EventDraft {
            time_us: Some(1_000_000),
            end_time_us: Some(3_500_000),
            source_ip: Some("1.2.3.4".parse().unwrap()),
            ..Default::default()
        };
        d.transport.push_str("tcp");
        d.label = Some(Verdict::Malicious);
        d.label_class.push_str("neptune");
        let x = t.extra_index("count");
        d.extras.push((x, 7.0));
        let fields = t.push(0, 2, &d);
        assert!(fields.contains(Field::DurationS));
        assert!(fields.contains(Field::Label));
        assert!(!fields.contains(Field::BytesSent));
        d.clear();
        d.bytes_sent = Some(10.0);
        t.push(1, 3, &d);
        assert_eq!(t.len(), 2);
        assert_eq!(t.duration_s(0), Some(2.5));
        assert_eq!(t.source_ip(0).unwrap().to_string(), "1.2.3.4");
        assert_eq!(t.source_ip(1), None);
        assert_eq!(t.transport(0), Some("tcp"));
        assert_eq!(t.transport(1), None);
        let label = t.label(0).unwrap();
        assert_eq!(label.verdict, Verdict::Malicious);
        assert_eq!(t.label_class_name(label), "neptune");
        assert_eq!(t.label(1), None);
        assert_eq!(t.extra("count", 0), Some(7.0));
        assert_eq!(t.extra("count", 1), None);
        assert_eq!(t.bytes_sent(1), Some(10.0));
        assert_eq!((t.file(1), t.line(1)), (1, 3));

        // Appending a table read elsewhere re-interns its values.
        let mut other = EventTable::default();
        let mut d = EventDraft {
            source_ip: Some("5.6.7.8".parse().unwrap()),
            ..Default::default()
        };
        d.transport.push_str("udp");
        other.push(0, 9, &d);
        d.source_ip = Some("1.2.3.4".parse().unwrap());
        d.transport = "tcp".into();
        let y = other.extra_index("count");
        d.extras.push((y, 3.0));
        other.push(0, 10, &d);
        t.append(&other);
        assert_eq!(t.len(), 4);
        assert_eq!(t.source_ip(2).unwrap().to_string(), "5.6.7.8");
        assert_eq!(t.source_ip_id(3), t.source_ip_id(0));
        assert_eq!((t.transport(2), t.transport(3)), (Some("udp"), Some("tcp")));
        assert_eq!(
            (t.extra("count", 2), t.extra("count", 3)),
            (None, Some(3.0))
        );
        assert_eq!(t.line(3), 10);
        assert_eq!(t.label(3), None);
    }
}

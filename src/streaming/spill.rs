//! The shards of a streaming run: every event written once, as it is read, to the shard of
//! its source address (a hash), so that each shard holds every event of its sources in the
//! order of the whole read; a shard is then read back into a table of its own, the same events
//! pushed the same way, small enough for memory.
//!
//! A record is the event's draft in a compact binary form: its position in the whole read,
//! file and line, a presence mask, the values present (little-endian), the texts as
//! length-prefixed bytes and the extra numeric columns by index.

use std::collections::HashSet;
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use crate::detection::behaviour::SourceCounts;
use crate::detection::EventWork;
use rayon::prelude::*;

use crate::events::{EventDraft, EventTable, FileId, Verdict};
use crate::ingest::Spill;

/// Rows encoded by one task of [`Spill::take`].
const ENCODE_PART: usize = 8_192;

/// The shard files of one run, in a folder of their own that is removed with them.
pub struct Shards {
    dir: PathBuf,
    writers: Vec<BufWriter<File>>,
    /// Events written, the position of the next in the whole read.
    written: u64,
    /// Events per shard.
    counts: Vec<u64>,
    file_sources: HashSet<IpAddr>,
    file_first: Option<i64>,
    file_last: Option<i64>,
    /// The first and last times of every event written.
    span: Option<(i64, i64)>,
    web: bool,
    /// The events' survey for their scoring, fed every event as it is written.
    events: Option<EventWork>,
}

/// The shard of a source address: a fixed hash, the same on every run and machine.
pub fn shard_of(ip: Option<IpAddr>, shards: usize) -> usize {
    let Some(ip) = ip else {
        return 0;
    };
    let mut h = rustc_hash::FxHasher::default();
    ip.hash(&mut h);
    // FxHash's low bits are weak for addresses that differ in their last byte only.
    let x = h.finish().wrapping_mul(0x9e37_79b9_7f4a_7c15);
    ((x >> 32) % shards as u64) as usize
}

impl Shards {
    /// `count` empty shards in a new folder under `parent`.
    pub fn create(parent: &Path, count: usize) -> io::Result<Shards> {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir = parent.join(format!("netsleuth-shards-{}-{stamp}", std::process::id()));
        let named = |e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", dir.display()));
        std::fs::create_dir_all(&dir).map_err(named)?;
        let writers = (0..count.max(1))
            .map(|k| File::create(dir.join(format!("shard-{k}.bin"))).map(BufWriter::new))
            .collect::<io::Result<Vec<_>>>()
            .map_err(named)?;
        Ok(Shards {
            dir,
            counts: vec![0; writers.len()],
            writers,
            written: 0,
            file_sources: HashSet::new(),
            file_first: None,
            file_last: None,
            span: None,
            web: false,
            events: None,
        })
    }

    /// Surveys every event written from now on for `work` ([`EventWork::read`]).
    pub fn survey_events(&mut self, work: EventWork) {
        self.events = Some(work);
    }

    /// The events' survey, once every file is written.
    pub fn take_events(&mut self) -> Option<EventWork> {
        self.events.take()
    }

    /// Number of shards.
    pub fn len(&self) -> usize {
        self.writers.len()
    }

    /// Whether there are none (never: at least one is made).
    pub fn is_empty(&self) -> bool {
        self.writers.is_empty()
    }

    /// Events written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Events in each shard.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Whether any event written is a web request or has protocol parts the findings read
    /// (see [`SourceCounts::needed`]).
    pub fn web(&self) -> bool {
        self.web
    }

    /// The first and last times of the events written, when they have times.
    pub fn span(&self) -> Option<(i64, i64)> {
        self.span
    }

    /// A path for a scratch file named `name` in the shards' folder, removed with them.
    pub fn scratch(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Flushes every shard to disk.
    pub fn finish(&mut self) -> io::Result<()> {
        self.writers.iter_mut().try_for_each(Write::flush)
    }

    /// Reads shard `k` back: its events pushed into a new table whose extra columns are
    /// `extras` (the reading table's, in order), with each row's position in the whole read.
    pub fn load(&self, k: usize, extras: &[String]) -> io::Result<(EventTable, Vec<u64>)> {
        let mut table = EventTable::default();
        for name in extras {
            table.extra_index(name);
        }
        let mut positions = Vec::with_capacity(self.counts[k] as usize);
        let mut input = BufReader::with_capacity(
            1 << 20,
            File::open(self.dir.join(format!("shard-{k}.bin")))?,
        );
        let mut d = EventDraft::default();
        let mut record = Vec::new();
        while let Some(len) = read_len(&mut input)? {
            record.resize(len, 0);
            input.read_exact(&mut record)?;
            let (seq, file, line) = decode(&record, &mut d)?;
            table.push(file, u64::from(line), &d);
            positions.push(seq);
        }
        Ok((table, positions))
    }
}

impl Drop for Shards {
    fn drop(&mut self) {
        self.writers.clear();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Spill for Shards {
    fn take(&mut self, table: &EventTable) -> io::Result<()> {
        let k = self.writers.len();
        self.web = self.web || SourceCounts::needed(table);
        for row in 0..table.len() {
            if let Some(ip) = table.source_ip(row) {
                self.file_sources.insert(ip);
            }
            if let Some(t) = table.time_us(row) {
                self.file_first = Some(self.file_first.map_or(t, |f| f.min(t)));
                self.file_last = Some(self.file_last.map_or(t, |l| l.max(t)));
                self.span = Some(self.span.map_or((t, t), |(a, b)| (a.min(t), b.max(t))));
            }
        }
        if let Some(work) = &mut self.events {
            work.read(table, self.written);
        }
        // Encoded in parallel parts, each part's records per shard; written in the parts'
        // order, so that every shard keeps the order of the read.
        let base = self.written;
        let parts: Vec<Vec<Vec<u8>>> = (0..table.len())
            .step_by(ENCODE_PART)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|start| {
                let mut out = vec![Vec::new(); k];
                let mut record = Vec::new();
                for row in start..(start + ENCODE_PART).min(table.len()) {
                    let d = table.draft(row);
                    record.clear();
                    encode(
                        base + row as u64,
                        table.file(row),
                        table.line(row),
                        &d,
                        &mut record,
                    );
                    let shard = &mut out[shard_of(d.source_ip, k)];
                    shard.extend_from_slice(&(record.len() as u32).to_le_bytes());
                    shard.extend_from_slice(&record);
                }
                out
            })
            .collect();
        for row in 0..table.len() {
            self.counts[shard_of(table.source_ip(row), k)] += 1;
        }
        for part in parts {
            for (w, bytes) in self.writers.iter_mut().zip(part) {
                w.write_all(&bytes)?;
            }
        }
        self.written += table.len() as u64;
        Ok(())
    }

    fn file_summary(&mut self) -> (usize, Option<i64>, Option<i64>) {
        let n = std::mem::take(&mut self.file_sources).len();
        (n, self.file_first.take(), self.file_last.take())
    }
}

fn read_len(input: &mut impl Read) -> io::Result<Option<usize>> {
    let mut len = [0u8; 4];
    match input.read_exact(&mut len) {
        Ok(()) => Ok(Some(u32::from_le_bytes(len) as usize)),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(None),
        Err(e) => Err(e),
    }
}

// Presence bits of a record's optional values.
const TIME: u32 = 1;
const DURATION: u32 = 1 << 1;
const SOURCE: u32 = 1 << 2;
const SOURCE_PORT: u32 = 1 << 3;
const DESTINATION: u32 = 1 << 4;
const DESTINATION_PORT: u32 = 1 << 5;
const BYTES_SENT: u32 = 1 << 6;
const BYTES_RECEIVED: u32 = 1 << 7;
const PACKETS_SENT: u32 = 1 << 8;
const PACKETS_RECEIVED: u32 = 1 << 9;
const FLAGS: u32 = 1 << 10;
const BENIGN: u32 = 1 << 11;
const MALICIOUS: u32 = 1 << 12;

fn put_ip(ip: IpAddr, out: &mut Vec<u8>) {
    match ip {
        IpAddr::V4(v4) => {
            out.push(4);
            out.extend_from_slice(&v4.octets());
        }
        IpAddr::V6(v6) => {
            out.push(6);
            out.extend_from_slice(&v6.octets());
        }
    }
}

fn put_text(s: &str, out: &mut Vec<u8>) {
    put_varint(s.len() as u64, out);
    out.extend_from_slice(s.as_bytes());
}

fn put_varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Writes event `d`, at position `seq` of the read, from `file` and `line`, as a record.
pub(crate) fn encode(seq: u64, file: FileId, line: u32, d: &EventDraft, out: &mut Vec<u8>) {
    put_varint(seq, out);
    put_varint(u64::from(file), out);
    put_varint(u64::from(line), out);
    let bits = [
        (TIME, d.time_us.is_some()),
        (DURATION, d.duration_s.is_some()),
        (SOURCE, d.source_ip.is_some()),
        (SOURCE_PORT, d.source_port.is_some()),
        (DESTINATION, d.destination_ip.is_some()),
        (DESTINATION_PORT, d.destination_port.is_some()),
        (BYTES_SENT, d.bytes_sent.is_some()),
        (BYTES_RECEIVED, d.bytes_received.is_some()),
        (PACKETS_SENT, d.packets_sent.is_some()),
        (PACKETS_RECEIVED, d.packets_received.is_some()),
        (FLAGS, d.tcp_flags.is_some()),
        (BENIGN, d.label == Some(Verdict::Benign)),
        (MALICIOUS, d.label == Some(Verdict::Malicious)),
    ];
    let mask = bits
        .iter()
        .filter(|(_, present)| *present)
        .fold(0, |m, (b, _)| m | b);
    put_varint(u64::from(mask), out);
    if let Some(t) = d.time_us {
        out.extend_from_slice(&t.to_le_bytes());
    }
    for v in [d.duration_s].into_iter().flatten() {
        out.extend_from_slice(&v.to_le_bytes());
    }
    if let Some(ip) = d.source_ip {
        put_ip(ip, out);
    }
    if let Some(p) = d.source_port {
        out.extend_from_slice(&p.to_le_bytes());
    }
    if let Some(ip) = d.destination_ip {
        put_ip(ip, out);
    }
    if let Some(p) = d.destination_port {
        out.extend_from_slice(&p.to_le_bytes());
    }
    for v in [
        d.bytes_sent,
        d.bytes_received,
        d.packets_sent,
        d.packets_received,
    ]
    .into_iter()
    .flatten()
    {
        out.extend_from_slice(&v.to_le_bytes());
    }
    if let Some(f) = d.tcp_flags {
        out.push(f);
    }
    for text in [
        &d.transport,
        &d.app_protocol,
        &d.direction,
        &d.outcome,
        &d.country_code,
        &d.detail,
        &d.label_class,
    ] {
        put_text(text, out);
    }
    put_varint(d.extras.len() as u64, out);
    for &(i, v) in &d.extras {
        put_varint(i as u64, out);
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// Reads a record written by [`encode`].
struct Cursor<'a> {
    bytes: &'a [u8],
}

fn damaged() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "a damaged shard record")
}

impl Cursor<'_> {
    fn take<const N: usize>(&mut self) -> io::Result<[u8; N]> {
        let (head, rest) = self.bytes.split_first_chunk::<N>().ok_or_else(damaged)?;
        self.bytes = rest;
        Ok(*head)
    }

    fn varint(&mut self) -> io::Result<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let [b] = self.take::<1>()?;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(damaged())
    }

    fn f64(&mut self) -> io::Result<f64> {
        Ok(f64::from_le_bytes(self.take()?))
    }

    fn ip(&mut self) -> io::Result<IpAddr> {
        match self.take::<1>()? {
            [4] => Ok(IpAddr::from(self.take::<4>()?)),
            [6] => Ok(IpAddr::from(self.take::<16>()?)),
            _ => Err(damaged()),
        }
    }

    fn text(&mut self, into: &mut String) -> io::Result<()> {
        let n = self.varint()? as usize;
        if n > self.bytes.len() {
            return Err(damaged());
        }
        let (s, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        into.clear();
        into.push_str(std::str::from_utf8(s).map_err(|_| damaged())?);
        Ok(())
    }
}

/// Fills `d` from `record`, returning its position, file and line.
pub(crate) fn decode(record: &[u8], d: &mut EventDraft) -> io::Result<(u64, FileId, u32)> {
    let mut c = Cursor { bytes: record };
    let seq = c.varint()?;
    let file = FileId::try_from(c.varint()?).map_err(|_| damaged())?;
    let line = u32::try_from(c.varint()?).map_err(|_| damaged())?;
    let mask = c.varint()? as u32;
    let has = |bit: u32| mask & bit != 0;
    d.clear();
    d.time_us = if has(TIME) {
        Some(i64::from_le_bytes(c.take()?))
    } else {
        None
    };
    d.duration_s = if has(DURATION) { Some(c.f64()?) } else { None };
    d.source_ip = if has(SOURCE) { Some(c.ip()?) } else { None };
    d.source_port = if has(SOURCE_PORT) {
        Some(u16::from_le_bytes(c.take()?))
    } else {
        None
    };
    d.destination_ip = if has(DESTINATION) {
        Some(c.ip()?)
    } else {
        None
    };
    d.destination_port = if has(DESTINATION_PORT) {
        Some(u16::from_le_bytes(c.take()?))
    } else {
        None
    };
    d.bytes_sent = if has(BYTES_SENT) {
        Some(c.f64()?)
    } else {
        None
    };
    d.bytes_received = if has(BYTES_RECEIVED) {
        Some(c.f64()?)
    } else {
        None
    };
    d.packets_sent = if has(PACKETS_SENT) {
        Some(c.f64()?)
    } else {
        None
    };
    d.packets_received = if has(PACKETS_RECEIVED) {
        Some(c.f64()?)
    } else {
        None
    };
    d.tcp_flags = if has(FLAGS) {
        Some(c.take::<1>()?[0])
    } else {
        None
    };
    d.label = if has(BENIGN) {
        Some(Verdict::Benign)
    } else if has(MALICIOUS) {
        Some(Verdict::Malicious)
    } else {
        None
    };
    for text in [
        &mut d.transport,
        &mut d.app_protocol,
        &mut d.direction,
        &mut d.outcome,
        &mut d.country_code,
        &mut d.detail,
        &mut d.label_class,
    ] {
        c.text(text)?;
    }
    let extras = c.varint()?;
    for _ in 0..extras {
        let i = c.varint()? as usize;
        let v = f32::from_le_bytes(c.take()?);
        d.extras.push((i, v));
    }
    Ok((seq, file, line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_reads_back_as_the_event_written() {
        let d = EventDraft {
            time_us: Some(1_700_000_000_123_456),
            duration_s: Some(0.25),
            source_ip: Some("2001:db8::1".parse().unwrap()),
            source_port: Some(51_234),
            destination_ip: Some("192.0.2.7".parse().unwrap()),
            destination_port: None,
            transport: "tcp".into(),
            detail: "GET /é?x=1".into(),
            bytes_sent: Some(1e12),
            tcp_flags: Some(0x12),
            label: Some(Verdict::Malicious),
            label_class: "DoS".into(),
            extras: vec![(0, 1.5), (3, -2.0)],
            ..EventDraft::default()
        };
        let mut buf = Vec::new();
        encode(u64::MAX - 1, 7, 123_456, &d, &mut buf);
        let mut back = EventDraft::default();
        assert_eq!(decode(&buf, &mut back).unwrap(), (u64::MAX - 1, 7, 123_456));
        assert_eq!(format!("{back:?}"), format!("{d:?}"));
        assert!(decode(&buf[..buf.len() - 1], &mut back).is_err());
    }

    #[test]
    fn sources_spread_over_every_shard() {
        let mut counts = [0usize; 8];
        for i in 0..4096u32 {
            counts[shard_of(Some(IpAddr::from((0x0a00_0000 + i).to_be_bytes())), 8)] += 1;
        }
        assert!(
            counts.iter().all(|&c| (384..640).contains(&c)),
            "{counts:?}"
        );
    }
}

//! `events_scored.csv`: one row per event, rendered straight to bytes in parallel chunks.
//!
//! A million-event file gives a million rows, so the rows are not built from `String`s: each
//! chunk of rows is rendered into one byte buffer by several threads at once, addresses are
//! formatted once per distinct address, times once per distinct second, and numbers without the
//! formatting machinery. Quoting follows RFC 4180 as the `csv` crate does, and every text from a
//! log passes through [`spreadsheet_safe`].

use std::io::{self, Write};
use std::path::Path;

use rayon::prelude::*;

use crate::detection::{Detection, DetectorKind};
use crate::events::{format_utc, EventTable};

use super::spreadsheet_safe;
use crate::session::write_atomic_with;

/// Rows rendered by one task: small enough that the groups in flight stay a few megabytes
/// (16,384 held 14 MB more at the 1M-row file's peak and wrote no faster).
const CHUNK: usize = 4_096;

/// What the rows of an event table are written with: each row's combined score, verdict,
/// each detector's raw score and, for anomalous rows, the reason.
pub struct RowScores<'a> {
    /// Each row's combined score.
    pub score: &'a [f64],
    /// Whether each row is flagged.
    pub flagged: &'a [bool],
    /// Each detector's raw scores, in the columns' order.
    pub raw: Vec<(DetectorKind, &'a [f64])>,
    /// Why row `r` is anomalous, when it is.
    pub reason: &'a (dyn Fn(usize) -> Option<String> + Sync),
}

/// The header line of `events_scored.csv` with the raw scores of `detectors`.
pub fn events_header(detectors: &[DetectorKind]) -> String {
    let mut header = String::from(
        "file,line,event_time,source_ip,source_port,destination_ip,destination_port,\
         transport,app_protocol,bytes_sent,bytes_received,outcome,label,label_class,score,\
         flagged",
    );
    for k in detectors {
        header.push(',');
        header.push_str(k.name());
    }
    header.push_str(",reason\n");
    header
}

/// Writes one row per event (every event, or the rows of `only` in its order) with its
/// fields, label, combined score, verdict, each detector's raw score and, for anomalous
/// events, the reason. Scores are rounded to four decimal places.
pub fn write_events(
    path: &Path,
    t: &EventTable,
    d: &Detection,
    file_names: &[String],
    only: Option<&[u32]>,
) -> io::Result<()> {
    let reason = |r: usize| d.event_reason(t, r);
    let scores = RowScores {
        score: &d.event_score,
        flagged: &d.event_flagged,
        raw: d
            .events
            .raw
            .iter()
            .map(|(k, v)| (*k, v.as_slice()))
            .collect(),
        reason: &reason,
    };
    let files = file_texts(file_names);
    let rows = Rows::new(t, &scores, &files, only);
    let n = only.map_or(t.len(), <[u32]>::len);
    write_atomic_with(path, |w| {
        let kinds: Vec<DetectorKind> = scores.raw.iter().map(|r| r.0).collect();
        w.write_all(events_header(&kinds).as_bytes())?;
        let group = CHUNK * 2 * rayon::current_num_threads();
        let render = |start: usize| -> Vec<Vec<u8>> {
            let end = (start + group).min(n);
            (start..end)
                .step_by(CHUNK)
                .collect::<Vec<_>>()
                .into_par_iter()
                .map(|s| rows.render(s..(s + CHUNK).min(end), &mut Vec::new()))
                .collect()
        };
        // Each group is written while the next one is being rendered.
        let mut parts = render(0);
        for next in (group..n.max(group)).step_by(group) {
            let (written, rendered) = rayon::join(
                || parts.iter().try_for_each(|p| w.write_all(p)),
                || render(next),
            );
            written?;
            parts = rendered;
        }
        parts.iter().try_for_each(|p| w.write_all(p))
    })
}

/// Renders the rows `rows` of `t` as lines of `events_scored.csv`, in parallel chunks: each
/// chunk's bytes with the end of each of its lines (a streaming run orders the lines of its
/// shards by position before writing them).
pub fn render_event_lines(
    t: &EventTable,
    scores: &RowScores<'_>,
    file_names: &[String],
    rows: std::ops::Range<usize>,
) -> Vec<(Vec<u8>, Vec<usize>)> {
    let files = file_texts(file_names);
    let renderer = Rows::new(t, scores, &files, None);
    let end = rows.end.min(t.len());
    (rows.start..end)
        .step_by(CHUNK)
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|s| {
            let mut ends = Vec::with_capacity(CHUNK);
            let b = renderer.render(s..(s + CHUNK).min(end), &mut ends);
            (b, ends)
        })
        .collect()
}

/// Each file name as a CSV field.
fn file_texts(file_names: &[String]) -> Vec<Vec<u8>> {
    file_names
        .iter()
        .map(|f| {
            let mut b = Vec::new();
            text(&mut b, f);
            b
        })
        .collect()
}

/// What every row needs, shared by the rendering threads.
struct Rows<'a> {
    t: &'a EventTable,
    scores: &'a RowScores<'a>,
    ips: Vec<String>,
    files: &'a [Vec<u8>],
    /// The rows written, when not every one.
    only: Option<&'a [u32]>,
}

impl<'a> Rows<'a> {
    fn new(
        t: &'a EventTable,
        scores: &'a RowScores<'a>,
        files: &'a [Vec<u8>],
        only: Option<&'a [u32]>,
    ) -> Rows<'a> {
        Rows {
            t,
            scores,
            ips: t.ips().iter().map(|ip| ip.to_string()).collect(),
            files,
            only,
        }
    }

    /// Renders the rows at positions `range` of those written, pushing the end of each line
    /// to `ends`.
    fn render(&self, range: std::ops::Range<usize>, ends: &mut Vec<usize>) -> Vec<u8> {
        let (t, scores) = (self.t, self.scores);
        let mut b = Vec::with_capacity(range.len() * 160);
        let mut clock = Clock::default();
        for k in range {
            let r = self.only.map_or(k, |rows| rows[k] as usize);
            if let Some(f) = self.files.get(t.file(r) as usize) {
                b.extend_from_slice(f);
            }
            b.push(b',');
            uint(&mut b, u64::from(t.line(r)));
            b.push(b',');
            if let Some(us) = t.time_us(r) {
                clock.write(&mut b, us);
            }
            b.push(b',');
            if let Some(id) = t.source_ip_id(r) {
                b.extend_from_slice(self.ips[id as usize].as_bytes());
            }
            b.push(b',');
            if let Some(p) = t.source_port(r) {
                uint(&mut b, u64::from(p));
            }
            b.push(b',');
            if let Some(id) = t.destination_ip_id(r) {
                b.extend_from_slice(self.ips[id as usize].as_bytes());
            }
            b.push(b',');
            if let Some(p) = t.destination_port(r) {
                uint(&mut b, u64::from(p));
            }
            b.push(b',');
            opt_text(&mut b, t.transport(r));
            b.push(b',');
            opt_text(&mut b, t.app_protocol(r));
            b.push(b',');
            if let Some(v) = t.bytes_sent(r) {
                number(&mut b, v);
            }
            b.push(b',');
            if let Some(v) = t.bytes_received(r) {
                number(&mut b, v);
            }
            b.push(b',');
            opt_text(&mut b, t.outcome(r));
            b.push(b',');
            let label = t.label(r);
            if let Some(l) = label {
                b.extend_from_slice(l.verdict.as_str().as_bytes());
            }
            b.push(b',');
            opt_text(&mut b, label.map(|l| t.label_class_name(l)));
            b.push(b',');
            fixed4(&mut b, scores.score[r]);
            b.push(b',');
            b.push(if scores.flagged[r] { b'1' } else { b'0' });
            for (_, raw) in &scores.raw {
                b.push(b',');
                fixed4(&mut b, raw[r]);
            }
            b.push(b',');
            if let Some(why) = (scores.reason)(r) {
                text(&mut b, &why);
            }
            b.push(b'\n');
            ends.push(b.len());
        }
        b
    }
}

/// Formats times, reusing the text of the last whole second.
#[derive(Default)]
struct Clock {
    second: Option<i64>,
    prefix: String,
}

impl Clock {
    /// Writes `us` as RFC 3339 UTC exactly as [`format_utc`] does.
    fn write(&mut self, b: &mut Vec<u8>, us: i64) {
        let second = us.div_euclid(1_000_000);
        if self.second != Some(second) {
            self.second = Some(second);
            self.prefix = format_utc(second * 1_000_000);
            if self.prefix.ends_with('Z') {
                self.prefix.pop();
            } else {
                // Out of the calendar's range: the raw number, as format_utc gives it.
                self.second = None;
                b.extend_from_slice(format_utc(us).as_bytes());
                return;
            }
        }
        b.extend_from_slice(self.prefix.as_bytes());
        let micros = us.rem_euclid(1_000_000) as u64;
        if micros.is_multiple_of(1000) && micros > 0 {
            b.push(b'.');
            padded(b, micros / 1000, 3);
        } else if micros > 0 {
            b.push(b'.');
            padded(b, micros, 6);
        }
        b.push(b'Z');
    }
}

/// Writes a text field: formula-safe, quoted when it holds a comma, quote or line break.
fn text(b: &mut Vec<u8>, s: &str) {
    let s = spreadsheet_safe(s);
    if s.bytes().any(|c| matches!(c, b',' | b'"' | b'\n' | b'\r')) {
        b.push(b'"');
        for c in s.bytes() {
            if c == b'"' {
                b.push(b'"');
            }
            b.push(c);
        }
        b.push(b'"');
    } else {
        b.extend_from_slice(s.as_bytes());
    }
}

fn opt_text(b: &mut Vec<u8>, s: Option<&str>) {
    if let Some(s) = s {
        text(b, s);
    }
}

fn uint(b: &mut Vec<u8>, mut v: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    b.extend_from_slice(&digits[i..]);
}

/// `v` zero-padded to `width` digits.
fn padded(b: &mut Vec<u8>, v: u64, width: usize) {
    let start = b.len();
    uint(b, v);
    let len = b.len() - start;
    if len < width {
        b.splice(start..start, std::iter::repeat_n(b'0', width - len));
    }
}

/// Writes `v` as `Display` does (`4031`, `0.5`), with a fast path for whole numbers.
fn number(b: &mut Vec<u8>, v: f64) {
    if v.fract() == 0.0 && v.abs() < 1e15 && !(v == 0.0 && v.is_sign_negative()) {
        if v < 0.0 {
            b.push(b'-');
        }
        uint(b, v.abs() as u64);
    } else {
        write!(b, "{v}").expect("writing to a Vec cannot fail");
    }
}

/// Writes `v` with four decimal places, as `{:.4}` does (ties may round the other way).
fn fixed4(b: &mut Vec<u8>, v: f64) {
    if !v.is_finite() || v.abs() >= 1e12 {
        write!(b, "{v:.4}").expect("writing to a Vec cannot fail");
        return;
    }
    if v.is_sign_negative() {
        b.push(b'-');
    }
    let n = (v.abs() * 1e4).round() as u64;
    uint(b, n / 10_000);
    b.push(b'.');
    padded(b, n % 10_000, 4);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut b = Vec::new();
        f(&mut b);
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn numbers_match_the_standard_formatting() {
        for v in [
            0.0, -0.0, 1.0, 4031.0, -7.0, 0.5, 1e20, 123.456, 1e-7, -2.5e-3,
        ] {
            assert_eq!(s(|b| number(b, v)), v.to_string(), "{v}");
        }
        for v in [
            0.0,
            -0.0,
            0.49051,
            1.34904,
            12.0,
            -3.99996,
            0.00004,
            1e13,
            f64::NAN,
        ] {
            assert_eq!(s(|b| fixed4(b, v)), format!("{v:.4}"), "{v}");
        }
        assert_eq!(s(|b| uint(b, u64::MAX)), u64::MAX.to_string());
    }

    #[test]
    fn times_match_format_utc() {
        let mut clock = Clock::default();
        for us in [
            1_714_086_000_000_000,
            1_714_086_000_500_000,
            1_714_086_000_000_123,
            1_714_086_001_000_000,
            -1_500_000,
            0,
            i64::MAX,
        ] {
            assert_eq!(s(|b| clock.write(b, us)), format_utc(us), "{us}");
        }
    }

    #[test]
    fn text_is_quoted_and_formula_safe() {
        assert_eq!(s(|b| text(b, "GET /")), "GET /");
        assert_eq!(s(|b| text(b, "a,b")), "\"a,b\"");
        assert_eq!(
            s(|b| text(b, "=HYPERLINK(\"x\")")),
            "\"'=HYPERLINK(\"\"x\"\")\""
        );
        assert_eq!(s(|b| text(b, "-1+2")), "'-1+2");
        assert_eq!(s(|b| text(b, "two\nlines")), "\"two\nlines\"");
    }
}

//! CSV-family formats (CloudWatch, CIC, ISCX, IoT-23 Zeek CSV, UNSW-NB15, KDD, any CSV).
//!
//! The header and the first rows are read in order (they settle which columns are numeric);
//! the rest of the file is cut into batches that are parsed in parallel into tables of their
//! own and appended in file order, while the next batches are being read. `csv-core` splits
//! each record; a quoted field may span lines.

use std::io::BufRead;

use csv_core::{ReadRecordResult, Reader, ReaderBuilder, Terminator};
use rayon::prelude::*;

use super::super::columns::{ColumnMapping, ColumnPlan, RowError, KDD_COLUMNS};
use super::super::values::decode_text;
use super::super::{Format, Sink};
use super::batches::{Batch, Batcher, Rec, BATCH_BYTES};
use super::FormatError;

/// Splits one record into fields.
struct Splitter {
    reader: Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
    fields: usize,
}

impl Splitter {
    fn new(delimiter: u8) -> Self {
        Splitter {
            reader: ReaderBuilder::new()
                .delimiter(delimiter)
                .terminator(Terminator::Any(b'\n'))
                .build(),
            out: vec![0; 4096],
            ends: vec![0; 64],
            fields: 0,
        }
    }

    /// Splits the first record of `text`. Returns the bytes it used, or `None` when the
    /// text ends inside a quoted field.
    fn split(&mut self, text: &[u8]) -> Option<usize> {
        self.reader.reset();
        let (mut nin, mut nout, mut nend) = (0, 0, 0);
        let mut at_end = false;
        loop {
            let input = if at_end { &b"\n"[..] } else { &text[nin..] };
            let (res, i, o, e) =
                self.reader
                    .read_record(input, &mut self.out[nout..], &mut self.ends[nend..]);
            if !at_end {
                nin += i;
            }
            nout += o;
            nend += e;
            match res {
                ReadRecordResult::OutputFull => self.out.resize(self.out.len() * 2, 0),
                ReadRecordResult::OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                ReadRecordResult::Record | ReadRecordResult::End => {
                    self.fields = nend;
                    return Some(nin);
                }
                ReadRecordResult::InputEmpty if at_end => return None,
                ReadRecordResult::InputEmpty => at_end = true,
            }
        }
    }

    fn fields(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.fields).map(|i| {
            let start = if i == 0 { 0 } else { self.ends[i - 1] };
            &self.out[start..self.ends[i]]
        })
    }
}

/// What every batch parser needs to know.
struct Ctx<'a> {
    format: Format,
    mapping: Option<&'a ColumnMapping>,
    max_len: usize,
}

/// Reads a delimited file of `format`.
pub fn read(
    format: Format,
    delimiter: u8,
    reader: Box<dyn BufRead + Send>,
    sink: &mut Sink<'_>,
    mapping: Option<&ColumnMapping>,
    max_len: usize,
) -> Result<(), FormatError> {
    let ctx = Ctx {
        format,
        mapping: mapping.filter(|_| format == Format::MappedCsv),
        max_len,
    };
    let mut plan = match format {
        Format::NslKdd => Some(KDD_COLUMNS.to_vec()),
        Format::Kdd99 => Some(KDD_COLUMNS[..42].to_vec()),
        _ => None,
    }
    .map(|h| {
        let h: Vec<String> = h.iter().map(|s| s.to_string()).collect();
        ColumnPlan::new(format, &h, None, &["-"]).map_err(FormatError::Mapping)
    })
    .transpose()?;
    if let Some(p) = &plan {
        sink.adopt(p);
    }
    let mut batcher = Batcher::new(reader, max_len);
    let Some(first) = batcher.next_batch(64 * 1024) else {
        return Ok(());
    };
    let mut splitter = Splitter::new(delimiter);
    parse_batch(&first, &mut plan, &mut splitter, sink, &ctx, &mut 0)?;
    let Some(mut plan) = plan else {
        return Ok(());
    };
    let (file, cancel) = (sink.file(), sink.cancel_flag());
    let extras: Vec<String> = sink
        .parts()
        .0
        .extras()
        .iter()
        .map(|e| e.name.clone())
        .collect();
    let group_size = 2 * rayon::current_num_threads().max(1);
    let read_group = |b: &mut Batcher<_>| -> Vec<Batch> {
        std::iter::from_fn(|| b.next_batch(BATCH_BYTES))
            .take(group_size)
            .collect()
    };
    // Each batch parses with the plan in force where it starts. A header met inside a batch
    // (zeek-cut -M output of logs whose columns differ) changes the plan from there on: the
    // batches after it in the group, parsed with the old plan, are parsed again.
    let parse = |b: &Batch, plan: &ColumnPlan| {
        let mut own = Some(plan.clone());
        let mut headers = 0;
        let part = Sink::detached(file, cancel, &extras, |s| {
            parse_batch(
                b,
                &mut own,
                &mut Splitter::new(delimiter),
                s,
                &ctx,
                &mut headers,
            )
        });
        (part, own, headers > 0)
    };
    let mut group = read_group(&mut batcher);
    while !group.is_empty() {
        let (next, parts) = rayon::join(
            || read_group(&mut batcher),
            || {
                group
                    .par_iter()
                    .map(|b| parse(b, &plan))
                    .collect::<Vec<_>>()
            },
        );
        let mut stale = false;
        for (b, parsed) in group.iter().zip(parts) {
            let (part, own, changed) = if stale { parse(b, &plan) } else { parsed };
            sink.absorb(part?)?;
            if let (true, Some(own)) = (changed, own) {
                plan = own;
                stale = true;
            }
        }
        group = next;
    }
    Ok(())
}

/// Parses one batch into `sink`; the first record becomes the header when there is no plan.
fn parse_batch(
    b: &Batch,
    plan: &mut Option<ColumnPlan>,
    splitter: &mut Splitter,
    sink: &mut Sink<'_>,
    ctx: &Ctx<'_>,
    headers: &mut u32,
) -> Result<(), FormatError> {
    for rec in &b.recs {
        match rec {
            Rec::TooLong { line, len } => {
                let max = ctx.max_len;
                sink.skip(*line, "line too long", || {
                    format!("{len} bytes, limit {max}")
                })?;
            }
            Rec::Unterminated { line, detail } => {
                sink.skip(*line, "unterminated quoted field", || detail.clone())?;
            }
            Rec::Broken { line, error } => sink.stream_error(*line, error),
            Rec::Text { line, start, end } => {
                let mut text = &b.buf[*start..*end];
                let mut line = *line;
                while !text.trim_ascii().is_empty() {
                    let Some(used) = splitter.split(text) else {
                        sink.skip(line, "unterminated quoted field", || {
                            "a quoted field never closes".into()
                        })?;
                        break;
                    };
                    record(plan, splitter, sink, ctx, line, headers)?;
                    line += memchr::memchr_iter(b'\n', &text[..used]).count() as u64;
                    text = &text[used..];
                }
            }
        }
    }
    Ok(())
}

/// Whether a record of a Zeek log without `#` directives is a header line of its own, as
/// `zeek-cut -M` writes one where the columns of the logs it joins change.
fn zeek_header(format: Format, splitter: &Splitter) -> bool {
    format == Format::ZeekCsv
        && splitter
            .fields()
            .any(|f| matches!(f, b"ts" | b"uid" | b"id.orig_h"))
        && splitter.fields().all(|f| {
            !f.is_empty()
                && f.iter()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(b))
        })
}

/// Handles one split record: the header, or a row checked and mapped through the plan. A
/// Zeek header met among the rows replaces the plan (counted in `headers`).
fn record(
    plan: &mut Option<ColumnPlan>,
    splitter: &Splitter,
    sink: &mut Sink<'_>,
    ctx: &Ctx<'_>,
    line: u64,
    headers: &mut u32,
) -> Result<(), FormatError> {
    let again = plan.is_some() && zeek_header(ctx.format, splitter);
    if plan.is_none() || again {
        let header: Vec<String> = splitter
            .fields()
            .map(|f| decode_text(f).into_owned())
            .collect();
        let p = match header_plan(ctx.format, &header, ctx.mapping) {
            Ok(p) => p,
            // A later header naming no field we read: the line is skipped, the plan kept.
            Err(FormatError::Unrecognised(why)) if again => {
                sink.skip(line, "header naming no known field", || why)?;
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        sink.adopt(&p);
        *plan = Some(p);
        *headers += u32::from(again);
        return Ok(());
    }
    let Some(p) = plan.as_mut() else {
        return Ok(());
    };
    let result = if splitter.fields != p.width() {
        Err(RowError::new(
            "wrong field count",
            format!("expected {} fields, found {}", p.width(), splitter.fields),
        ))
    } else {
        let (table, draft) = sink.parts();
        p.apply(splitter.fields(), draft, table)
    };
    match result {
        Ok(()) => sink.emit(line)?,
        Err(e) => sink.skip(line, e.kind, || e.detail)?,
    }
    Ok(())
}

/// The plan for a header row; a layout none of whose columns are present is refused.
fn header_plan(
    format: Format,
    header: &[String],
    mapping: Option<&ColumnMapping>,
) -> Result<ColumnPlan, FormatError> {
    let plan = ColumnPlan::new(format, header, mapping, &["-"]).map_err(FormatError::Mapping)?;
    if plan.maps_any_field() {
        return Ok(plan);
    }
    let columns = header.join(", ");
    Err(FormatError::Unrecognised(if format == Format::MappedCsv {
        format!("a CSV whose columns [{columns}] match no known field; map them with --map field=column")
    } else {
        format!(
            "none of the {} columns is in the header [{columns}]",
            format.title()
        )
    }))
}

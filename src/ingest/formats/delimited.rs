//! CSV-family formats (CloudWatch, CIC, ISCX, IoT-23 Zeek CSV, UNSW-NB15, KDD, any CSV).
//! Lines come from the shared line loop, so line numbers, caps and blank lines behave as in
//! every other format; `csv-core` splits each record, joining lines inside quoted fields.

use std::io::BufRead;

use csv_core::{ReadRecordResult, Reader, ReaderBuilder, Terminator};

use super::super::columns::{ColumnMapping, ColumnPlan, RowError, KDD_COLUMNS};
use super::super::values::decode_text;
use super::super::{Format, Sink};
use super::lines::{for_each_line, Row};
use super::FormatError;

/// Splits delimited records, possibly spanning lines, into fields.
struct Splitter {
    reader: Reader,
    pending: Vec<u8>,
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
            pending: Vec::new(),
            out: vec![0; 4096],
            ends: vec![0; 64],
            fields: 0,
        }
    }

    /// Adds a line. Returns true when it completes a record, false when a quoted field
    /// continues on the next line.
    fn push_line(&mut self, line: &[u8]) -> bool {
        if !self.pending.is_empty() {
            self.pending.push(b'\n');
        }
        self.pending.extend_from_slice(line);
        self.pending.push(b'\n');
        self.reader.reset();
        let (mut nin, mut nout, mut nend) = (0, 0, 0);
        loop {
            let (res, i, o, e) = self.reader.read_record(
                &self.pending[nin..],
                &mut self.out[nout..],
                &mut self.ends[nend..],
            );
            nin += i;
            nout += o;
            nend += e;
            match res {
                ReadRecordResult::OutputFull => self.out.resize(self.out.len() * 2, 0),
                ReadRecordResult::OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                ReadRecordResult::Record | ReadRecordResult::End => {
                    self.fields = nend;
                    self.pending.clear();
                    return true;
                }
                ReadRecordResult::InputEmpty => {
                    // A newline outside quotes always ends a record: we are inside one.
                    self.pending.pop();
                    return false;
                }
            }
        }
    }

    fn pending_len(&self) -> usize {
        self.pending.len()
    }

    fn abandon(&mut self) {
        self.pending.clear();
    }

    fn fields(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.fields).map(|i| {
            let start = if i == 0 { 0 } else { self.ends[i - 1] };
            &self.out[start..self.ends[i]]
        })
    }
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
    let mapping = mapping.filter(|_| format == Format::MappedCsv);
    let fixed_header: Option<Vec<String>> = match format {
        Format::NslKdd => Some(KDD_COLUMNS.iter().map(|s| s.to_string()).collect()),
        Format::Kdd99 => Some(KDD_COLUMNS[..42].iter().map(|s| s.to_string()).collect()),
        _ => None,
    };
    let mut plan = match &fixed_header {
        Some(h) => Some(ColumnPlan::new(format, h, None, &["-"]).map_err(FormatError::Mapping)?),
        None => None,
    };
    if let Some(p) = &plan {
        sink.set_label_column(p.label_column());
    }
    let mut splitter = Splitter::new(delimiter);
    let mut fatal = None;
    for_each_line(reader, sink, max_len, |line, sink| {
        if !splitter.push_line(line) {
            if splitter.pending_len() > max_len {
                splitter.abandon();
                return Err(RowError::new(
                    "unterminated quoted field",
                    format!("a quoted field runs past {max_len} bytes"),
                ));
            }
            return Ok(Row::Continues);
        }
        let Some(plan) = plan.as_mut() else {
            let header: Vec<String> = splitter
                .fields()
                .map(|f| decode_text(f).into_owned())
                .collect();
            match header_plan(format, &header, mapping) {
                Ok(p) => {
                    sink.set_label_column(p.label_column());
                    plan = Some(p);
                    return Ok(Row::NotARecord);
                }
                Err(e) => {
                    fatal = Some(e);
                    return Ok(Row::Stop);
                }
            }
        };
        if splitter.fields != plan.width() {
            return Err(RowError::new(
                "wrong field count",
                format!(
                    "expected {} fields, found {}",
                    plan.width(),
                    splitter.fields
                ),
            ));
        }
        let (table, draft) = sink.parts();
        plan.apply(splitter.fields(), draft, table)?;
        Ok(Row::Event)
    })?;
    match fatal {
        Some(e) => Err(e),
        None => Ok(()),
    }
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

//! CSV-family formats (CloudWatch, CIC, ISCX, IoT-23 Zeek CSV, UNSW-NB15, KDD, any CSV),
//! parsed with the `csv` crate and mapped through a [`ColumnPlan`].

use std::io::BufRead;

use super::super::columns::{ColumnMapping, ColumnPlan, KDD_COLUMNS};
use super::super::input::CappedLines;
use super::super::values::decode_text;
use super::super::{Format, Sink};
use super::FormatError;

/// Reads a delimited file of `format`.
pub fn read(
    format: Format,
    delimiter: u8,
    reader: Box<dyn BufRead + Send>,
    sink: &mut Sink<'_>,
    mapping: Option<&ColumnMapping>,
    max_len: usize,
) -> Result<(), FormatError> {
    let capped = CappedLines::new(reader, max_len);
    let cut_lines = capped.cut_lines.clone();
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(capped);
    let mut record = csv::ByteRecord::new();
    let header: Vec<String> = match format {
        Format::NslKdd => KDD_COLUMNS.iter().map(|s| s.to_string()).collect(),
        Format::Kdd99 => KDD_COLUMNS[..42].iter().map(|s| s.to_string()).collect(),
        _ => {
            if !csv
                .read_byte_record(&mut record)
                .map_err(|e| FormatError::Io(std::io::Error::other(e)))?
            {
                return Err(FormatError::Unrecognised("no header row".into()));
            }
            record
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let f = if i == 0 {
                        f.strip_prefix(b"\xef\xbb\xbf").unwrap_or(f)
                    } else {
                        f
                    };
                    decode_text(f).into_owned()
                })
                .collect()
        }
    };
    let mapping = if format == Format::MappedCsv {
        mapping
    } else {
        None
    };
    let mut plan =
        ColumnPlan::new(format, &header, mapping, &["-"]).map_err(FormatError::Mapping)?;
    if format == Format::MappedCsv && !plan.maps_any_field() {
        return Err(FormatError::Unrecognised(format!(
            "a CSV whose columns [{}] match no known field; map them with --map field=column",
            header.join(", ")
        )));
    }
    sink.set_label_column(plan.label_column());
    let width = plan.width();
    let mut next_cut = 0;
    loop {
        let line = csv.position().line();
        match csv.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(e) => {
                sink.stream_error(line, &std::io::Error::other(e));
                return Ok(());
            }
        }
        let line = record.position().map_or(line, |p| p.line());
        let cut = cut_lines.lock().expect("cut line list poisoned");
        while next_cut < cut.len() && cut[next_cut] < line {
            next_cut += 1;
        }
        let too_long = cut.get(next_cut) == Some(&line);
        drop(cut);
        if too_long {
            sink.skip(line, "line too long", || format!("limit {max_len} bytes"))?;
            continue;
        }
        if record.len() != width {
            let found = record.len();
            sink.skip(line, "wrong field count", || {
                format!("expected {width} fields, found {found}")
            })?;
            continue;
        }
        let (table, draft) = sink.parts();
        match plan.apply(record.iter(), draft, table) {
            Ok(()) => sink.emit(line)?,
            Err(e) => sink.skip(line, e.kind, || e.detail)?,
        }
    }
}

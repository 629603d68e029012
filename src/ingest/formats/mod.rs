//! One reader per family of formats, all feeding the same [`Sink`].

pub(super) mod access_log;
mod batches;
mod capture;
mod delimited;
mod honeypot;
mod lines;
pub mod log_format;
mod suricata;
mod vpc;
mod zeek;

use std::io::BufRead;

use super::{Format, ReadError, ReadOptions, Sink, Sniffed};

/// Why a reader stopped before the end of its file.
#[derive(Debug)]
pub enum FormatError {
    /// The user cancelled.
    Cancelled,
    /// The column mapping does not fit.
    Mapping(String),
    /// The content turned out not to be the format.
    Unrecognised(String),
}

impl From<ReadError> for FormatError {
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::Cancelled => FormatError::Cancelled,
            other => FormatError::Unrecognised(other.to_string()),
        }
    }
}

/// The delimiter to use when the user forces `format` on content sniffed with `sniffed`.
pub fn default_delimiter(format: Format, sniffed: u8) -> u8 {
    match format {
        Format::ZeekTsv => b'\t',
        Format::VpcFlow => b' ',
        _ => sniffed,
    }
}

/// Reads the whole stream as `sniffed.format`.
pub fn read(
    sniffed: Sniffed,
    reader: Box<dyn BufRead + Send>,
    sink: &mut Sink<'_>,
    options: &ReadOptions,
) -> Result<(), FormatError> {
    let max = options.max_line_bytes;
    match sniffed.format {
        Format::CloudWatch
        | Format::CicFlow
        | Format::Iscx2012
        | Format::ZeekCsv
        | Format::UnswNb15
        | Format::NslKdd
        | Format::Kdd99
        | Format::MappedCsv => delimited::read(
            sniffed.format,
            sniffed.delimiter,
            reader,
            sink,
            options.mapping.as_ref(),
            max,
        ),
        Format::ZeekTsv => zeek::read_tsv(reader, sink, max),
        Format::ZeekJson => zeek::read_json(reader, sink, max),
        Format::VpcFlow => vpc::read(reader, sink, max),
        Format::SuricataEve => suricata::read(reader, sink, max),
        Format::Cowrie => honeypot::read_cowrie(reader, sink, max),
        Format::Dionaea => honeypot::read_dionaea(reader, sink, max),
        Format::DionaeaMhn => honeypot::read_mhn(reader, sink, max),
        Format::AccessLog => access_log::read(reader, sink, max, options.log_format.as_deref()),
        Format::Capture => capture::read(reader, sink),
    }
}

//! What a detection run writes: scored events, sources with verdicts and reasons, and the
//! proposed blocklist, as spreadsheet-safe CSV; and the incident report for the review
//! meeting, as one self-contained HTML file or Markdown with its charts beside it.

mod charts;
mod contents;
mod csv_out;
mod events_csv;
mod html;
mod markdown;
mod output_set;
mod publish;

use std::path::{Path, PathBuf};

pub use contents::{Report, ReportFile, ReportInput, ReportSource};
pub use markdown::esc as markdown_escape;
pub use publish::{publish, Credentials, PUBLISH_PASSWORD_ENV, PUBLISH_USER_ENV};

pub use csv_out::{
    spreadsheet_safe, write_blocklist, write_evaluation, write_sources, write_verdicts, written_at,
    Verdicts,
};
pub use events_csv::{events_header, render_event_lines, write_events, RowScores};
pub use output_set::{OutputSet, MANIFEST, OUTPUT_FILES};

/// Writes the report to `path`: Markdown with its charts as SVG files beside it when the name
/// ends in `.md`, else one HTML file. Each file is replaced atomically. Returns the files
/// written.
pub fn write_report(path: &Path, r: &Report) -> std::io::Result<Vec<PathBuf>> {
    let markdown = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("md"));
    if !markdown {
        crate::session::write_atomic(path, html::render(r).as_bytes())?;
        return Ok(vec![path.to_path_buf()]);
    }
    let stem = path
        .file_stem()
        .map_or_else(|| "report".into(), |s| s.to_string_lossy().into_owned());
    let (md, images) = markdown::render(r, &stem);
    let mut written = Vec::new();
    for (name, svg) in images {
        let p = path.with_file_name(name);
        crate::session::write_atomic(&p, svg.as_bytes())?;
        written.push(p);
    }
    crate::session::write_atomic(path, md.as_bytes())?;
    written.push(path.to_path_buf());
    Ok(written)
}

/// The report as HTML text.
pub fn render_html(r: &Report) -> String {
    html::render(r)
}

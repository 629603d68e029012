//! What a detection run writes: scored events, sources with verdicts and reasons, and the
//! proposed blocklist, as spreadsheet-safe CSV.

mod csv_out;
mod events_csv;
mod output_set;

pub use csv_out::{spreadsheet_safe, write_blocklist, write_sources};
pub use events_csv::write_events;
pub use output_set::{OutputSet, MANIFEST, OUTPUT_FILES};

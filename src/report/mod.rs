//! What a detection run writes: scored events, sources with verdicts and reasons, and the
//! proposed blocklist, as spreadsheet-safe CSV.

mod csv_out;
mod events_csv;

pub use csv_out::{spreadsheet_safe, write_blocklist, write_sources};
pub use events_csv::write_events;

//! The unified event model: one columnar table of network events from any log format.

mod column;
mod field;
mod intern;
mod label;
mod origins;
mod profile;
mod shown;
mod table;
mod time;

pub use column::{Column, Nullable, SymbolColumn};
pub use field::{Field, FieldSet, TcpFlags};
pub use intern::{static_text, IpInterner, StaticText, Symbol, SymbolTable};
pub use label::{Label, Verdict};
pub use profile::{profile, value_matcher, FieldProfile, Numbers, HISTOGRAM_BINS, TOP_VALUES};
pub use shown::{address, event_columns, event_json, EVENT_COLUMNS};
pub use table::{detail_parts, EventDraft, EventTable, ExtraColumn, FileId, DETAIL_SEPARATOR};
pub use time::{format_utc, Zone};

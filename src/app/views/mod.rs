//! What the window shows of an investigation, one module per view; the shell around them
//! (state, commands, chrome, workers) is the parent module.

pub mod alerts;
pub mod blocklist;
pub mod breakdown;
pub mod domain_export;
pub mod domains;
pub mod evaluation;
pub mod event_alerts;
pub mod events_table;
pub mod export_panel;
pub mod files;
#[cfg(feature = "engine")]
pub mod judging;
pub mod live;
pub mod map;
pub mod overview;
pub mod profile;
pub mod query_bar;
pub mod relocate;
pub mod save_case;
pub mod scatter;
pub mod settings;
pub mod source_detail;
pub mod start;
pub mod summary;
pub mod timeline;
pub mod web;

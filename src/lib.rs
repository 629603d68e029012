//! netsleuth: investigate network and web traffic logs, find anomalous sources, export
//! blocklists.
//!
//! The library holds the domain code; the desktop GUI lives in [`app`] and only renders state
//! and sends commands.

pub mod app;
pub mod blocklist;
pub mod capture;
pub mod cli;
pub mod detection;
pub mod domains;
#[cfg(feature = "engine")]
pub mod engine;
pub mod evaluation;
pub mod events;
pub mod export;
pub mod features;
pub mod geo;
pub mod ingest;
pub mod investigation;
pub mod live;
pub mod query;
pub mod report;
pub mod session;
pub mod streaming;
pub mod web;

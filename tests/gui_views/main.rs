//! The window's views driven headless through egui_kittest, one module per view, in one test
//! binary (each binary links the whole window: one instead of six keeps a clean build's disk
//! and link time down). The time zone is the process's, so its test keeps a binary of its own
//! (tests/gui_zone.rs).

#[path = "../window/mod.rs"]
mod window;

#[cfg(feature = "engine")]
mod engine;
mod events;
mod live;
mod log_format;
mod query;
mod rough_edges;
mod web;

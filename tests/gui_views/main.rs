//! The window's views driven headless through egui_kittest, one module per view, in one test
//! binary (each binary links the whole window: one instead of seven keeps a clean build's
//! disk and link time down).

#[path = "../window/mod.rs"]
mod window;

mod events;
mod live;
mod log_format;
mod query;
mod rough_edges;
mod web;
mod zone;

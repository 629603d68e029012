//! Live sources: logs read as they are written. Each source is a file of its own and hands
//! out complete lines with the position to commit once they are processed, so that a restart
//! resumes without loss or repetition.

pub mod follow;

pub use follow::{FolderWatch, Follower, Line, Position};

//! Live sources: logs read as they are written. Each source is a file of its own: followed
//! files hand out complete lines with the position to commit once they are processed, so that
//! a restart resumes without loss or repetition; the syslog receiver hands out messages with
//! their sender and header kept; a Kafka topic's partitions are read from stored offsets that
//! a consumer commits the same way; a replay gives a finished log's events at their recorded
//! pace; a stream keeps a bounded window of lines, runs detection over it and raises alerts;
//! a watch ties sources, stream, alert destinations and the automated response together.

pub mod alerts;
pub mod follow;
pub mod kafka;
pub mod replay;
pub mod respond;
pub mod source;
pub mod stream;
pub mod syslog;
pub mod watch;

pub use follow::{FolderWatch, Follower, Line, Position};

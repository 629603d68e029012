//! Packet captures into events: one event per flow (see [`crate::capture`]), numbered by its
//! first packet.

use std::io::BufRead;

use super::super::Sink;
use super::FormatError;
use crate::capture::{AppInfo, Flow};

/// The transport's name for an IP protocol number.
fn transport(proto: u8) -> String {
    match proto {
        6 => "tcp".into(),
        17 => "udp".into(),
        1 => "icmp".into(),
        58 => "icmpv6".into(),
        132 => "sctp".into(),
        n => format!("ip-proto-{n}"),
    }
}

fn fill(sink: &mut Sink<'_>, f: &Flow, info: &AppInfo) {
    let d = &mut sink.draft;
    d.time_us = Some(f.first_us);
    d.end_time_us = Some(f.last_us);
    d.duration_s = Some((f.last_us - f.first_us) as f64 / 1e6);
    d.source_ip = Some(f.orig.0);
    d.destination_ip = Some(f.resp.0);
    if matches!(f.proto, 6 | 17 | 132) {
        d.source_port = Some(f.orig.1);
        d.destination_port = Some(f.resp.1);
    }
    d.transport = transport(f.proto);
    if let Some(p) = info.protocol {
        d.app_protocol.push_str(p);
    }
    d.bytes_sent = Some(f.bytes[0] as f64);
    d.bytes_received = Some(f.bytes[1] as f64);
    d.packets_sent = Some(f.packets[0] as f64);
    d.packets_received = Some(f.packets[1] as f64);
    if f.proto == 6 {
        d.tcp_flags = Some(f.flags[0] | f.flags[1]);
    }
    d.outcome.push_str(f.state());
    for (key, value) in &info.parts {
        d.add_detail_kv(key, value);
    }
}

/// Reads a capture's flows as events.
pub fn read(reader: Box<dyn BufRead + Send>, sink: &mut Sink<'_>) -> Result<(), FormatError> {
    let cancel = sink.cancel_flag();
    let counts = crate::capture::read_flows(reader, cancel, |f, info| {
        fill(sink, &f, &info);
        sink.emit(f.first_packet).map_err(|e| e.to_string())
    })
    .map_err(|e| {
        if cancel.load(std::sync::atomic::Ordering::Relaxed) {
            FormatError::Cancelled
        } else {
            FormatError::Unrecognised(e)
        }
    })?;
    if let Some(why) = &counts.cut_short {
        let error = std::io::Error::other(format!(
            "after packet {}: {why}; the flows up to there are read",
            counts.packets
        ));
        sink.stream_error(counts.packets + 1, &error);
    }
    if counts.not_ip > 0 {
        sink.warn(format!(
            "{} of {} frames held no IP packet (ARP, spanning tree...) or one too short to \
             read: not in any flow",
            counts.not_ip, counts.packets
        ));
    }
    if let Some((link, n)) = counts.other_link {
        sink.warn(format!(
            "{n} frames of link type {link} are not read (Ethernet, Linux cooked, raw IP and \
             loopback are)"
        ));
    }
    Ok(())
}

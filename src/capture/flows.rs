//! Packets gathered into bidirectional flows by their 5-tuple, the first packet's sender the
//! originator, with inactivity timeouts like Zeek's (TCP 5 minutes, UDP and ICMP 1 minute):
//! start and end, packets and bytes each way (frame bytes, as on the wire), TCP flags, a
//! Zeek-like connection state, and the first payload each way for the dissectors.

use std::collections::HashMap;
use std::net::IpAddr;

/// TCP flag bits, as in the header.
pub const FIN: u8 = 0x01;
/// SYN.
pub const SYN: u8 = 0x02;
/// RST.
pub const RST: u8 = 0x04;
/// ACK.
pub const ACK: u8 = 0x10;

/// Bytes of a first payload kept for the dissectors.
const KEPT: usize = 2048;

/// One packet as the flow table takes it.
#[derive(Debug, Clone, Copy)]
pub struct Packet<'a> {
    /// Capture time, microseconds since the epoch.
    pub time_us: i64,
    /// IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6...).
    pub proto: u8,
    /// Sender and its port (0 without ports).
    pub src: (IpAddr, u16),
    /// Receiver and its port.
    pub dst: (IpAddr, u16),
    /// The frame's length on the wire.
    pub frame_len: u64,
    /// TCP flags, 0 otherwise.
    pub flags: u8,
    /// The transport payload captured.
    pub payload: &'a [u8],
    /// The packet's number in the capture, from 1.
    pub number: u64,
}

/// A flow being gathered or done.
#[derive(Debug, Clone)]
pub struct Flow {
    /// IP protocol number.
    pub proto: u8,
    /// The first packet's sender.
    pub orig: (IpAddr, u16),
    /// The other end.
    pub resp: (IpAddr, u16),
    /// First and last packet times.
    pub first_us: i64,
    /// Last packet time.
    pub last_us: i64,
    /// Packets from the originator, and from the responder.
    pub packets: [u64; 2],
    /// Frame bytes from the originator, and from the responder.
    pub bytes: [u64; 2],
    /// TCP flags seen from the originator, and from the responder.
    pub flags: [u8; 2],
    /// The first payload each way (up to 2 KiB).
    pub payload: [Vec<u8>; 2],
    /// The number of its first packet.
    pub first_packet: u64,
}

impl Flow {
    /// A Zeek-like connection state: `S0` (a SYN, no answer), `REJ` (answered by a reset),
    /// `S1` (established, not closed), `SF` (closed by FINs), `RSTO`/`RSTR` (reset by the
    /// originator/responder after it was established), `OTH` (no SYN seen); empty for UDP and
    /// ICMP.
    pub fn state(&self) -> &'static str {
        if self.proto != 6 {
            return "";
        }
        let [o, r] = self.flags;
        if o & SYN == 0 {
            return "OTH";
        }
        if self.packets[1] == 0 {
            return "S0";
        }
        let established = r & SYN != 0 && r & ACK != 0;
        if !established {
            return if r & RST != 0 { "REJ" } else { "OTH" };
        }
        if o & RST != 0 {
            "RSTO"
        } else if r & RST != 0 {
            "RSTR"
        } else if o & FIN != 0 && r & FIN != 0 {
            "SF"
        } else {
            "S1"
        }
    }
}

/// A flow's key: protocol and its two ends, the lower first.
type FlowKey = (u8, (IpAddr, u16), (IpAddr, u16));

/// The flow table.
#[derive(Debug, Default)]
pub struct Flows {
    open: HashMap<FlowKey, Flow>,
    /// The latest packet time seen.
    now_us: i64,
}

/// Seconds of silence after which a flow is done.
fn timeout_us(proto: u8) -> i64 {
    match proto {
        6 => 300_000_000,
        _ => 60_000_000,
    }
}

impl Flows {
    /// Takes a packet in; returns the flow it ended by timing out, if any (its 5-tuple came
    /// back after the timeout).
    pub fn add(&mut self, p: &Packet<'_>) -> Option<Flow> {
        self.now_us = self.now_us.max(p.time_us);
        let key = if p.src <= p.dst {
            (p.proto, p.src, p.dst)
        } else {
            (p.proto, p.dst, p.src)
        };
        let mut ended = None;
        if let Some(f) = self.open.get(&key) {
            if p.time_us - f.last_us > timeout_us(p.proto) {
                ended = self.open.remove(&key);
            }
        }
        let f = self.open.entry(key).or_insert_with(|| Flow {
            proto: p.proto,
            orig: p.src,
            resp: p.dst,
            first_us: p.time_us,
            last_us: p.time_us,
            packets: [0; 2],
            bytes: [0; 2],
            flags: [0; 2],
            payload: [Vec::new(), Vec::new()],
            first_packet: p.number,
        });
        let side = usize::from(p.src != f.orig);
        f.last_us = f.last_us.max(p.time_us);
        f.packets[side] += 1;
        f.bytes[side] += p.frame_len;
        f.flags[side] |= p.flags;
        if f.payload[side].is_empty() && !p.payload.is_empty() {
            f.payload[side] = p.payload[..p.payload.len().min(KEPT)].to_vec();
        }
        ended
    }

    /// The flows silent past their timeout, done, by first packet.
    pub fn expired(&mut self) -> Vec<Flow> {
        let now = self.now_us;
        let done: Vec<_> = self
            .open
            .iter()
            .filter(|(_, f)| now - f.last_us > timeout_us(f.proto))
            .map(|(k, _)| *k)
            .collect();
        let mut flows: Vec<Flow> = done.iter().filter_map(|k| self.open.remove(k)).collect();
        flows.sort_by_key(|f| f.first_packet);
        flows
    }

    /// Every flow still open, by first packet.
    pub fn finish(self) -> Vec<Flow> {
        let mut flows: Vec<Flow> = self.open.into_values().collect();
        flows.sort_by_key(|f| f.first_packet);
        flows
    }
}

//! Packet captures (pcap and pcapng, from tcpdump, Wireshark, dumpcap...) read as flows:
//! each frame taken apart down to its transport (`etherparse`), gathered into bidirectional
//! flows with Zeek's timeouts (`flows`), and what the first payloads say (`dissect`). Streamed
//! through a fixed buffer: memory grows with the flows open, never with the file.

pub mod dissect;
pub mod flows;

use std::io::Read;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};

use etherparse::{NetSlice, SlicedPacket, TransportSlice};
use pcap_parser::pcapng::Block;
use pcap_parser::{Linktype, PcapBlockOwned, PcapError};

pub use dissect::AppInfo;
pub use flows::Flow;

/// The first bytes of a pcap (either byte order, micro- or nanosecond stamps) or a pcapng.
pub fn is_capture(head: &[u8]) -> bool {
    const MAGICS: [[u8; 4]; 5] = [
        [0xd4, 0xc3, 0xb2, 0xa1],
        [0xa1, 0xb2, 0xc3, 0xd4],
        [0x4d, 0x3c, 0xb2, 0xa1],
        [0xa1, 0xb2, 0x3c, 0x4d],
        [0x0a, 0x0d, 0x0d, 0x0a],
    ];
    head.len() >= 4 && MAGICS.iter().any(|m| head[..4] == m[..])
}

/// What reading a capture met besides flows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaptureCounts {
    /// Frames read.
    pub packets: u64,
    /// Frames that held no IP packet (ARP, spanning tree...) or one too short to take apart.
    pub not_ip: u64,
    /// Frames of a link type not read (holds the type's number of the first).
    pub other_link: Option<(i32, u64)>,
    /// Why the capture ended before its end (cut short mid-packet, damaged), if it did: the
    /// flows up to there are read.
    pub cut_short: Option<String>,
}

/// An interface's link type and time resolution (units per second) and offset.
#[derive(Debug, Clone, Copy)]
struct Interface {
    link: Linktype,
    resolution: u64,
    offset: u64,
}

/// One frame taken apart: its packet, if it holds IP.
fn packet<'a>(
    link: Linktype,
    data: &'a [u8],
    time_us: i64,
    frame_len: u64,
    number: u64,
) -> Option<flows::Packet<'a>> {
    let sliced = match link {
        Linktype::ETHERNET => SlicedPacket::from_ethernet(data),
        Linktype::LINUX_SLL => SlicedPacket::from_linux_sll(data),
        Linktype::RAW | Linktype::IPV4 | Linktype::IPV6 => SlicedPacket::from_ip(data),
        Linktype(12) | Linktype(14) => SlicedPacket::from_ip(data),
        Linktype::NULL | Linktype::LOOP => SlicedPacket::from_ip(data.get(4..)?),
        _ => return None,
    }
    .ok()?;
    let (src, dst, proto): (IpAddr, IpAddr, u8) = match sliced.net.as_ref()? {
        NetSlice::Ipv4(v4) => {
            let h = v4.header();
            (
                h.source_addr().into(),
                h.destination_addr().into(),
                h.protocol().0,
            )
        }
        NetSlice::Ipv6(v6) => {
            let h = v6.header();
            (
                h.source_addr().into(),
                h.destination_addr().into(),
                v6.payload().ip_number.0,
            )
        }
        _ => return None,
    };
    let (ports, flags, payload) = match &sliced.transport {
        Some(TransportSlice::Tcp(t)) => {
            let flags = u8::from(t.fin())
                | u8::from(t.syn()) << 1
                | u8::from(t.rst()) << 2
                | u8::from(t.psh()) << 3
                | u8::from(t.ack()) << 4
                | u8::from(t.urg()) << 5;
            ((t.source_port(), t.destination_port()), flags, t.payload())
        }
        Some(TransportSlice::Udp(u)) => ((u.source_port(), u.destination_port()), 0, u.payload()),
        _ => ((0, 0), 0, &[][..]),
    };
    Some(flows::Packet {
        time_us,
        proto,
        src: (src, ports.0),
        dst: (dst, ports.1),
        frame_len,
        flags,
        payload,
        number,
    })
}

/// Reads a capture and calls `done` with each flow, in the order flows end (by timeout as
/// the capture goes on, the rest at its end by first packet), and what its payloads said.
/// Stops early when `cancel` is set.
pub fn read_flows(
    reader: impl Read + Send,
    cancel: &AtomicBool,
    mut done: impl FnMut(Flow, AppInfo) -> Result<(), String>,
) -> Result<CaptureCounts, String> {
    let mut capture = pcap_parser::create_reader(1 << 20, reader)
        .map_err(|_| "the capture's file header is cut short or damaged".to_string())?;
    let mut counts = CaptureCounts::default();
    let mut table = flows::Flows::default();
    let mut interfaces: Vec<Interface> = Vec::new();
    let mut legacy = Interface {
        link: Linktype::ETHERNET,
        resolution: 1_000_000,
        offset: 0,
    };
    let finish = |f: Flow, done: &mut dyn FnMut(Flow, AppInfo) -> Result<(), String>| {
        let info = dissect::app_info(
            f.proto == 17,
            (f.orig.1, f.resp.1),
            &f.payload[0],
            &f.payload[1],
        );
        done(f, info)
    };
    loop {
        match capture.next() {
            Ok((offset, block)) => {
                let frame = match block {
                    PcapBlockOwned::LegacyHeader(h) => {
                        legacy = Interface {
                            link: h.network,
                            resolution: if h.is_nanosecond_precision() {
                                1_000_000_000
                            } else {
                                1_000_000
                            },
                            offset: 0,
                        };
                        None
                    }
                    PcapBlockOwned::Legacy(b) => Some((
                        legacy,
                        i64::from(b.ts_sec) * 1_000_000
                            + i64::from(b.ts_usec) * 1_000_000 / legacy.resolution as i64,
                        b.origlen,
                        b.data,
                    )),
                    PcapBlockOwned::NG(Block::SectionHeader(_)) => {
                        interfaces.clear();
                        None
                    }
                    PcapBlockOwned::NG(Block::InterfaceDescription(idb)) => {
                        interfaces.push(Interface {
                            link: idb.linktype,
                            resolution: idb.ts_resolution().unwrap_or(1_000_000),
                            offset: idb.if_tsoffset.max(0) as u64,
                        });
                        None
                    }
                    PcapBlockOwned::NG(Block::EnhancedPacket(epb)) => {
                        interfaces.get(epb.if_id as usize).map(|i| {
                            let (sec, frac) = epb.decode_ts(i.offset, i.resolution);
                            let us = i64::from(sec) * 1_000_000
                                + (u128::from(frac) * 1_000_000 / u128::from(i.resolution)) as i64;
                            (
                                *i,
                                us,
                                epb.origlen,
                                &epb.data[..(epb.caplen as usize).min(epb.data.len())],
                            )
                        })
                    }
                    PcapBlockOwned::NG(Block::SimplePacket(spb)) => {
                        interfaces.first().map(|i| (*i, 0, spb.origlen, spb.data))
                    }
                    PcapBlockOwned::NG(_) => None,
                };
                if let Some((iface, us, origlen, data)) = frame {
                    counts.packets += 1;
                    match packet(iface.link, data, us, u64::from(origlen), counts.packets) {
                        Some(p) => {
                            if let Some(f) = table.add(&p) {
                                finish(f, &mut done)?;
                            }
                        }
                        None if matches!(
                            iface.link,
                            Linktype::ETHERNET
                                | Linktype::LINUX_SLL
                                | Linktype::RAW
                                | Linktype::IPV4
                                | Linktype::IPV6
                                | Linktype::NULL
                                | Linktype::LOOP
                                | Linktype(12)
                                | Linktype(14)
                        ) =>
                        {
                            counts.not_ip += 1
                        }
                        None => {
                            let (_, n) = counts.other_link.get_or_insert((iface.link.0, 0));
                            *n += 1;
                        }
                    }
                    if counts.packets % 65_536 == 0 {
                        if cancel.load(Ordering::Relaxed) {
                            return Err("cancelled".into());
                        }
                        for f in table.expired() {
                            finish(f, &mut done)?;
                        }
                    }
                }
                capture.consume(offset);
            }
            Err(PcapError::Eof) => break,
            Err(PcapError::Incomplete(_)) => {
                if capture.reader_exhausted() {
                    counts.cut_short = Some("it ends in the middle of a packet (cut short)".into());
                    break;
                }
                if capture.refill().is_err() {
                    counts.cut_short = Some("it could not be read on".into());
                    break;
                }
            }
            Err(PcapError::UnexpectedEof) => {
                counts.cut_short = Some("it ends in the middle of a packet (cut short)".into());
                break;
            }
            Err(e) => {
                counts.cut_short = Some(format!("it is damaged there ({e:?})"));
                break;
            }
        }
    }
    for f in table.finish() {
        finish(f, &mut done)?;
    }
    Ok(counts)
}

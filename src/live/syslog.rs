//! A syslog receiver: RFC 3164 and RFC 5424 messages over UDP, and over TCP with either
//! framing of RFC 6587 (octet-counted, or one message per line). It binds where it is told,
//! loopback unless told otherwise, and hands out messages with their sender, priority,
//! timestamp, host and application kept, the body left for the format readers. A malformed
//! message is counted with its first bytes and never stops the stream.

use std::io::{self, BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveDateTime};

/// The longest message taken (RFC 5424 asks receivers for at least 2,048 bytes; a logged
/// request can be longer). Longer ones are cut to it.
pub const MAX_MESSAGE: usize = 64 * 1024;

/// Messages waiting for the consumer at most: beyond, a UDP sender's messages are dropped
/// and counted, a TCP sender waits.
const QUEUE: usize = 65_536;

/// One syslog message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Who sent it.
    pub sender: SocketAddr,
    /// Facility (0-23).
    pub facility: u8,
    /// Severity (0 emergency - 7 debug).
    pub severity: u8,
    /// Its timestamp, microseconds since the epoch in UTC (RFC 3164 carries no year or zone:
    /// the receiver's year, read as UTC).
    pub time_us: Option<i64>,
    /// The host it names.
    pub hostname: Option<String>,
    /// The application (RFC 5424 APP-NAME, RFC 3164 TAG without its `[pid]`).
    pub app: Option<String>,
    /// The message itself, for the format readers.
    pub body: Vec<u8>,
}

/// Parses one message (without its framing). `year` completes an RFC 3164 timestamp.
pub fn parse(raw: &[u8], sender: SocketAddr, year: i32) -> Result<Message, String> {
    let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    let rest = raw
        .strip_prefix(b"<")
        .ok_or("no <PRI> at the start of the message")?;
    let close = rest
        .iter()
        .take(4)
        .position(|&b| b == b'>')
        .ok_or("the <PRI> is not closed")?;
    let pri: u16 = std::str::from_utf8(&rest[..close])
        .ok()
        .and_then(|p| p.parse().ok())
        .filter(|&p| p <= 191)
        .ok_or("the <PRI> is not a number from 0 to 191")?;
    let rest = &rest[close + 1..];
    let (facility, severity) = ((pri / 8) as u8, (pri % 8) as u8);
    let mut m = match rest.strip_prefix(b"1 ") {
        Some(after) => rfc5424(after)?,
        None => rfc3164(rest, year),
    };
    m.sender = sender;
    m.facility = facility;
    m.severity = severity;
    Ok(m)
}

fn empty() -> Message {
    Message {
        sender: SocketAddr::from(([0, 0, 0, 0], 0)),
        facility: 0,
        severity: 0,
        time_us: None,
        hostname: None,
        app: None,
        body: Vec::new(),
    }
}

/// A field of a header: `-` is none.
fn field(b: &[u8]) -> Option<String> {
    (b != b"-" && !b.is_empty()).then(|| String::from_utf8_lossy(b).into_owned())
}

/// `TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]`.
fn rfc5424(rest: &[u8]) -> Result<Message, String> {
    let mut parts = rest.splitn(6, |&b| b == b' ');
    let mut next = || parts.next().ok_or("an RFC 5424 header is cut short");
    let (time, host, app, _proc, _msgid) = (next()?, next()?, next()?, next()?, next()?);
    let after = parts.next().unwrap_or_default();
    let body = skip_structured_data(after)?;
    let body = body.strip_prefix(b" ").unwrap_or(body);
    let body = body.strip_prefix("\u{feff}".as_bytes()).unwrap_or(body);
    let time_us = match time {
        b"-" => None,
        t => Some(
            std::str::from_utf8(t)
                .ok()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .ok_or("the RFC 5424 timestamp is not RFC 3339")?
                .timestamp_micros(),
        ),
    };
    Ok(Message {
        time_us,
        hostname: field(host),
        app: field(app),
        body: body.to_vec(),
        ..empty()
    })
}

/// The message after STRUCTURED-DATA: `-`, or one or more `[...]` elements whose values may
/// hold escaped `]`.
fn skip_structured_data(b: &[u8]) -> Result<&[u8], String> {
    if let Some(rest) = b.strip_prefix(b"-") {
        return Ok(rest);
    }
    let mut i = 0;
    while b.get(i) == Some(&b'[') {
        let mut escaped = false;
        let mut in_value = false;
        i += 1;
        loop {
            let c = *b.get(i).ok_or("a structured-data element is not closed")?;
            i += 1;
            match (c, escaped, in_value) {
                (_, true, _) => escaped = false,
                (b'\\', false, true) => escaped = true,
                (b'"', false, _) => in_value = !in_value,
                (b']', false, false) => break,
                _ => {}
            }
        }
    }
    if i == 0 {
        return Err("the RFC 5424 structured data is neither - nor [...]".into());
    }
    Ok(&b[i..])
}

/// `Mmm dd hh:mm:ss HOSTNAME TAG: MSG`; what does not fit is the message (RFC 3164 asks a
/// receiver to take any message it gets).
fn rfc3164(rest: &[u8], year: i32) -> Message {
    let text = String::from_utf8_lossy(rest);
    let stamp = text.get(..15).and_then(|s| {
        NaiveDateTime::parse_from_str(&format!("{year} {s}"), "%Y %b %e %H:%M:%S").ok()
    });
    let Some(t) = stamp else {
        return Message {
            body: rest.to_vec(),
            ..empty()
        };
    };
    let after = rest[15..].strip_prefix(b" ").unwrap_or(&rest[15..]);
    let (host, after) = match after.iter().position(|&b| b == b' ') {
        Some(sp) => (&after[..sp], &after[sp + 1..]),
        None => (after, &b""[..]),
    };
    // TAG: up to 32 alphanumerics (and what daemons use: - _ . /), then [pid] and ':'.
    let tag_end = after
        .iter()
        .take(48)
        .position(|&b| b == b':' || b == b'[' || b == b' ');
    let (app, body) = match tag_end {
        Some(e) if after[e] != b' ' => {
            let close = after[e..].iter().position(|&b| b == b':').map(|c| e + c);
            match close {
                Some(c) => (
                    Some(String::from_utf8_lossy(&after[..e]).into_owned()),
                    after[c + 1..].strip_prefix(b" ").unwrap_or(&after[c + 1..]),
                ),
                None => (None, after),
            }
        }
        _ => (None, after),
    };
    Message {
        time_us: Some(t.and_utc().timestamp_micros()),
        hostname: field(host),
        app,
        body: body.to_vec(),
        ..empty()
    }
}

/// Counts of what arrived.
#[derive(Debug, Default)]
pub struct Counts {
    /// Messages taken.
    pub received: AtomicU64,
    /// Messages that were not syslog (kept as bodies) or could not be framed.
    pub malformed: AtomicU64,
    /// UDP messages dropped because the consumer fell behind.
    pub dropped: AtomicU64,
    /// The first bytes (up to 64) of the last malformed message, and why.
    pub last_malformed: Mutex<Option<(Vec<u8>, String)>>,
}

/// A listening receiver: messages arrive on its queue from one thread per socket and per
/// TCP connection.
pub struct Receiver {
    queue: std::sync::mpsc::Receiver<Message>,
    /// What arrived so far.
    pub counts: Arc<Counts>,
    /// Where it listens, UDP then TCP.
    pub udp: Option<SocketAddr>,
    /// See [`Receiver::udp`].
    pub tcp: Option<SocketAddr>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Receiver {
    /// Listens on the UDP and TCP addresses given (port 0 picks one).
    pub fn bind(udp: Option<SocketAddr>, tcp: Option<SocketAddr>) -> io::Result<Receiver> {
        let (send, queue) = sync_channel(QUEUE);
        let counts = Arc::new(Counts::default());
        let stop = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::new();
        let mut bound = (None, None);
        if let Some(addr) = udp {
            let socket = UdpSocket::bind(addr)?;
            socket.set_read_timeout(Some(Duration::from_millis(200)))?;
            bound.0 = Some(socket.local_addr()?);
            let (send, counts, stop) = (send.clone(), counts.clone(), stop.clone());
            threads.push(std::thread::spawn(move || {
                read_udp(&socket, &send, &counts, &stop)
            }));
        }
        if let Some(addr) = tcp {
            let listener = TcpListener::bind(addr)?;
            listener.set_nonblocking(true)?;
            bound.1 = Some(listener.local_addr()?);
            let (send, counts, stop) = (send.clone(), counts.clone(), stop.clone());
            threads.push(std::thread::spawn(move || {
                accept_tcp(&listener, &send, &counts, &stop)
            }));
        }
        Ok(Receiver {
            queue,
            counts,
            udp: bound.0,
            tcp: bound.1,
            stop,
            threads,
        })
    }

    /// The messages that arrived, at most `max`, waiting up to `wait` for the first.
    pub fn batch(&self, max: usize, wait: Duration) -> Vec<Message> {
        let mut out = Vec::new();
        match self.queue.recv_timeout(wait) {
            Ok(m) => out.push(m),
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return out,
        }
        while out.len() < max {
            match self.queue.try_recv() {
                Ok(m) => out.push(m),
                Err(_) => break,
            }
        }
        out
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn this_year() -> i32 {
    chrono::DateTime::from_timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64),
        0,
    )
    .map_or(1970, |t| t.year())
}

/// Takes a message: parsed, or counted as malformed and kept as a bare body.
fn take(raw: &[u8], sender: SocketAddr, send: &SyncSender<Message>, counts: &Counts, wait: bool) {
    let raw = &raw[..raw.len().min(MAX_MESSAGE)];
    let message = parse(raw, sender, this_year()).unwrap_or_else(|why| {
        malformed(counts, raw, why);
        Message {
            sender,
            body: raw.to_vec(),
            ..empty()
        }
    });
    counts.received.fetch_add(1, Ordering::Relaxed);
    if wait {
        let _ = send.send(message);
    } else if send.try_send(message).is_err() {
        counts.dropped.fetch_add(1, Ordering::Relaxed);
    }
}

fn malformed(counts: &Counts, raw: &[u8], why: String) {
    counts.malformed.fetch_add(1, Ordering::Relaxed);
    if let Ok(mut last) = counts.last_malformed.lock() {
        *last = Some((raw[..raw.len().min(64)].to_vec(), why));
    }
}

fn read_udp(socket: &UdpSocket, send: &SyncSender<Message>, counts: &Counts, stop: &AtomicBool) {
    let mut buf = vec![0u8; MAX_MESSAGE];
    while !stop.load(Ordering::Relaxed) {
        match socket.recv_from(&mut buf) {
            Ok((n, from)) => take(&buf[..n], from, send, counts, false),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

fn accept_tcp(
    listener: &TcpListener,
    send: &SyncSender<Message>,
    counts: &Arc<Counts>,
    stop: &Arc<AtomicBool>,
) {
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, from)) => {
                let (send, counts, stop) = (send.clone(), counts.clone(), stop.clone());
                std::thread::spawn(move || read_tcp(stream, from, &send, &counts, &stop));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// One TCP connection: each frame octet-counted (`LEN SP MSG`, it starts with a digit) or
/// ended by a newline (it starts with `<`), as RFC 6587 tells them apart.
fn read_tcp(
    stream: TcpStream,
    from: SocketAddr,
    send: &SyncSender<Message>,
    counts: &Counts,
    stop: &AtomicBool,
) {
    if stream.set_nonblocking(false).is_err()
        || stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .is_err()
    {
        return;
    }
    let mut r = BufReader::new(stream);
    let mut frame = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let first = match r.fill_buf() {
            Ok([]) => return,
            Ok(b) => b[0],
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                continue
            }
            Err(_) => return,
        };
        frame.clear();
        if first.is_ascii_digit() {
            let mut len = Vec::new();
            if r.read_until(b' ', &mut len).is_err() {
                return;
            }
            let Some(n) = std::str::from_utf8(len.trim_ascii())
                .ok()
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|&n| n <= MAX_MESSAGE * 16)
            else {
                malformed(counts, &len, "an octet count that is not a number".into());
                return;
            };
            frame.resize(n, 0);
            if r.read_exact(&mut frame).is_err() {
                return;
            }
        } else {
            let mut limited = (&mut r).take(MAX_MESSAGE as u64 + 1);
            if limited.read_until(b'\n', &mut frame).is_err() {
                return;
            }
            if frame.last() != Some(&b'\n') && frame.len() > MAX_MESSAGE {
                // Cut: the rest of the line is skipped.
                let mut rest = Vec::new();
                let _ = r.read_until(b'\n', &mut rest);
            }
        }
        take(&frame, from, send, counts, true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from() -> SocketAddr {
        "127.0.0.1:514".parse().unwrap()
    }

    #[test]
    fn rfc5424_keeps_its_header_and_skips_structured_data() {
        let m = parse(
            b"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 \
              [exampleSDID@32473 iut=\"3\" eventSource=\"Appl\\]ication\"] \xef\xbb\xbfAn application event",
            from(),
            2026,
        )
        .unwrap();
        assert_eq!((m.facility, m.severity), (20, 5));
        assert_eq!(m.time_us, Some(1_065_910_455_003_000));
        assert_eq!(m.hostname.as_deref(), Some("mymachine.example.com"));
        assert_eq!(m.app.as_deref(), Some("evntslog"));
        assert_eq!(m.body, b"An application event");
    }

    #[test]
    fn rfc3164_takes_the_year_given_and_the_tag_without_its_pid() {
        let m = parse(
            b"<34>Oct  5 22:14:15 mymachine su[231]: 'su root' failed for lonvick on /dev/pts/8\n",
            from(),
            2025,
        )
        .unwrap();
        assert_eq!((m.facility, m.severity), (4, 2));
        assert_eq!(
            m.time_us,
            Some(
                chrono::NaiveDate::from_ymd_opt(2025, 10, 5)
                    .unwrap()
                    .and_hms_opt(22, 14, 15)
                    .unwrap()
                    .and_utc()
                    .timestamp_micros()
            )
        );
        assert_eq!(m.hostname.as_deref(), Some("mymachine"));
        assert_eq!(m.app.as_deref(), Some("su"));
        assert_eq!(m.body, b"'su root' failed for lonvick on /dev/pts/8");
    }

    #[test]
    fn what_is_not_syslog_is_refused_with_a_reason() {
        assert!(parse(b"GET / HTTP/1.1", from(), 2026).is_err());
        assert!(parse(b"<999>x", from(), 2026).is_err());
        assert!(parse(b"<13>1 not-a-time h a - - - x", from(), 2026).is_err());
    }
}

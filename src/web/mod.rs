//! Web-log analytics: what a web server's access log says as GoAccess shows it (requests and
//! visitors per day, requested URLs, static files, 404s, client addresses, browsers and
//! systems, referring sites, status codes, time of day) counted by GoAccess's own rules so
//! that the numbers can be checked against it, plus what it does not show: errors other than
//! 404, methods, protocols, raw user agents, status classes over time, and in every panel the
//! hits of the sources detection flagged.

pub mod agents;
pub mod request;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::events::{EventTable, Zone};
pub use agents::{classify, Agent, Client};
pub use request::Request;

/// A panel of the Web view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PanelKind {
    /// Requests and visitors per day.
    Days,
    /// Requested URLs (not 404, not static files), by method and protocol.
    Requests,
    /// Static files (`.css`, `.js`, images...).
    StaticFiles,
    /// URLs answered 404.
    NotFound,
    /// URLs answered another 4xx or 5xx, by status.
    Errors,
    /// Client addresses.
    Hosts,
    /// Browser families, crawlers and tools.
    Browsers,
    /// Operating systems.
    Systems,
    /// User agents as written.
    UserAgents,
    /// Referring sites.
    ReferringSites,
    /// Status codes.
    StatusCodes,
    /// HTTP methods.
    Methods,
    /// HTTP protocols.
    Protocols,
    /// Hours of the day.
    Hours,
}

impl PanelKind {
    /// Every panel, in the order the view shows them.
    pub const ALL: [PanelKind; 14] = [
        PanelKind::Days,
        PanelKind::Requests,
        PanelKind::NotFound,
        PanelKind::Errors,
        PanelKind::StaticFiles,
        PanelKind::Hosts,
        PanelKind::Browsers,
        PanelKind::Systems,
        PanelKind::UserAgents,
        PanelKind::ReferringSites,
        PanelKind::StatusCodes,
        PanelKind::Methods,
        PanelKind::Protocols,
        PanelKind::Hours,
    ];

    /// Its title.
    pub fn title(self) -> &'static str {
        match self {
            PanelKind::Days => "Requests and visitors per day",
            PanelKind::Requests => "Requested URLs",
            PanelKind::StaticFiles => "Static files",
            PanelKind::NotFound => "Not found (404)",
            PanelKind::Errors => "Other errors (4xx, 5xx)",
            PanelKind::Hosts => "Client addresses",
            PanelKind::Browsers => "Browsers, crawlers and tools",
            PanelKind::Systems => "Operating systems",
            PanelKind::UserAgents => "User agents",
            PanelKind::ReferringSites => "Referring sites",
            PanelKind::StatusCodes => "Status codes",
            PanelKind::Methods => "Methods",
            PanelKind::Protocols => "Protocols",
            PanelKind::Hours => "Time of day",
        }
    }

    /// Whether its items are in time order rather than by hits.
    pub fn in_time_order(self) -> bool {
        matches!(self, PanelKind::Days | PanelKind::Hours)
    }
}

/// What identifies an item of a panel.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    /// The item: a URL, an address, a day (`2015-10-25`), an hour (`09`), a status...
    pub text: String,
    /// The method, for URLs (`---` when the request named none).
    pub method: String,
    /// The protocol, for URLs.
    pub protocol: String,
    /// The status, for other errors.
    pub status: String,
}

/// One item of a panel and what it counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// What it is.
    pub key: Key,
    /// For browsers: the kind of client.
    pub client: Option<Client>,
    /// Requests.
    pub hits: u64,
    /// Distinct visitors (address, day and user agent) among requests not answered 4xx.
    pub visitors: u64,
    /// Bytes sent in answer.
    pub bytes: u64,
    /// Requests from sources detection flagged.
    pub flagged_hits: u64,
}

/// A panel's items: every item, or the first so many by hits and what the rest add up to.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// Which panel.
    pub kind: PanelKind,
    /// Its items, by hits (days and hours in time order).
    pub items: Vec<Item>,
    /// Items not listed.
    pub more: usize,
    /// Hits of the items not listed.
    pub more_hits: u64,
}

/// Requests per status class in one stretch of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusBucket {
    /// Its start, microseconds since the epoch.
    pub start_us: i64,
    /// Requests answered 1xx, 2xx, 3xx, 4xx, 5xx, and otherwise.
    pub by_class: [u64; 6],
}

/// The Web view's numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct WebStats {
    /// The zone days and hours are counted in.
    pub zone: Zone,
    /// Requests read.
    pub requests: u64,
    /// Distinct visitors: address, day and user agent, among requests not answered 4xx.
    pub visitors: u64,
    /// Bytes sent in answer.
    pub bytes: u64,
    /// Requests from sources detection flagged.
    pub flagged_hits: u64,
    /// The panels, in [`PanelKind::ALL`] order.
    pub panels: Vec<Panel>,
    /// Requests per status class over time.
    pub status_over_time: Vec<StatusBucket>,
    /// The length of each stretch of `status_over_time`, in seconds (an hour or a day).
    pub bucket_s: i64,
}

impl WebStats {
    /// One panel.
    pub fn panel(&self, kind: PanelKind) -> &Panel {
        self.panels
            .iter()
            .find(|p| p.kind == kind)
            .expect("every panel is made")
    }
}

/// Whether the web view applies to a table: some events came from an access log.
pub fn applies(files: &[crate::ingest::FileReport]) -> bool {
    files
        .iter()
        .any(|f| f.format == crate::ingest::Format::AccessLog && f.events > 0)
}

/// The zone to count days in: the log's own when every access log wrote its times with one
/// offset (as GoAccess counts them), else `shown`.
pub fn log_zone(files: &[crate::ingest::FileReport], shown: &Zone) -> Zone {
    let mut offsets = files
        .iter()
        .filter(|f| f.format == crate::ingest::Format::AccessLog && f.events > 0)
        .map(|f| f.written_offset);
    match offsets.next() {
        Some(Some(first)) if offsets.all(|o| o == Some(first)) => Zone::Fixed(first),
        _ => shown.clone(),
    }
}

/// What one event's detail says, worked out once per distinct detail.
#[derive(Debug, Clone, Copy)]
struct Facts {
    request: u32,
    method: u32,
    protocol: u32,
    is_static: bool,
    ua: u32,
    browser: u32,
    client: Client,
    os: u32,
    site: Option<u32>,
}

/// Strings and requests by number.
#[derive(Default)]
struct Interned {
    ids: HashMap<String, u32>,
    texts: Vec<String>,
    requests: HashMap<Request, u32>,
    request_list: Vec<Request>,
}

impl Interned {
    fn text(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.texts.len() as u32;
        self.texts.push(s.to_owned());
        self.ids.insert(s.to_owned(), id);
        id
    }

    fn request(&mut self, r: Request) -> u32 {
        if let Some(&id) = self.requests.get(&r) {
            return id;
        }
        let id = self.request_list.len() as u32;
        self.request_list.push(r.clone());
        self.requests.insert(r, id);
        id
    }
}

/// Where one row falls in one panel: two numbers whose meaning depends on the panel.
type Slot = (i64, u32);

/// Works out each row's facts and slots, shared by [`compute`] and [`rows_of`].
struct Reader<'a> {
    table: &'a EventTable,
    zone: &'a Zone,
    interned: Interned,
    facts: HashMap<u32, Facts>,
    visitors: HashMap<(u32, i64, u32), u32>,
    offsets: HashMap<i64, i32>,
    none: u32,
}

/// One row as the panels see it.
struct RowView {
    facts: Facts,
    status: Option<u32>,
    is_404: bool,
    error: bool,
    local_us: i64,
    visitor: Option<u32>,
}

impl<'a> Reader<'a> {
    fn new(table: &'a EventTable, zone: &'a Zone) -> Self {
        let mut interned = Interned::default();
        let none = interned.text("");
        Reader {
            table,
            zone,
            interned,
            facts: HashMap::new(),
            visitors: HashMap::new(),
            offsets: HashMap::new(),
            none,
        }
    }

    fn facts(&mut self, row: usize) -> Facts {
        let id = self.table.detail_id(row).unwrap_or(u32::MAX);
        if let Some(f) = self.facts.get(&id) {
            return *f;
        }
        let detail = self.table.detail(row).unwrap_or("");
        let mut parts = detail.split(crate::events::DETAIL_SEPARATOR);
        let first = parts.next().unwrap_or("");
        let keyed = ["user=", "referer=", "ua="]
            .iter()
            .any(|k| first.starts_with(k));
        let line = if keyed { "" } else { first };
        let (mut ua, mut referer) = (None, None);
        for (k, v) in crate::events::detail_parts(detail).skip(usize::from(!keyed)) {
            match k {
                Some("ua") => ua = Some(v),
                Some("referer") => referer = Some(v),
                _ => {}
            }
        }
        let request = Request::parse(line);
        let is_static = request.is_static();
        let agent = classify(ua);
        let i = &mut self.interned;
        let f = Facts {
            method: i.text(&request.method),
            protocol: i.text(&request.protocol),
            is_static,
            ua: ua.map_or(self.none, |u| i.text(u)),
            browser: i.text(&agent.name),
            client: agent.client,
            os: i.text(agent.os),
            site: referer.and_then(request::referring_site).map(|s| i.text(s)),
            request: i.request(request),
        };
        self.facts.insert(id, f);
        f
    }

    fn local_us(&mut self, us: i64) -> i64 {
        let zone = self.zone;
        let quarter = us.div_euclid(900_000_000);
        let off = *self
            .offsets
            .entry(quarter)
            .or_insert_with(|| zone.offset_s(quarter * 900_000_000));
        us + i64::from(off) * 1_000_000
    }

    fn view(&mut self, row: usize) -> RowView {
        let t = self.table;
        let facts = self.facts(row);
        let local_us = t.time_us(row).map_or(0, |us| self.local_us(us));
        let status_text = t.outcome(row).unwrap_or("");
        let status = t.outcome_and_country_ids(row).0;
        let status_4xx = !request::counts_visitor(status_text);
        let visitor = match t.source_ip_id(row) {
            Some(ip) if !status_4xx => {
                let next = self.visitors.len() as u32;
                let key = (ip, local_us.div_euclid(DAY_US), facts.ua);
                Some(*self.visitors.entry(key).or_insert(next))
            }
            _ => None,
        };
        RowView {
            facts,
            status,
            is_404: status_text == "404",
            error: (status_4xx || status_text.starts_with('5')) && status_text != "404",
            local_us,
            visitor,
        }
    }
}

const DAY_US: i64 = 86_400_000_000;
const HOUR_US: i64 = 3_600_000_000;

/// The slot a row takes in a panel, if it is in it.
fn slot(kind: PanelKind, t: &EventTable, row: usize, v: &RowView) -> Option<Slot> {
    let f = &v.facts;
    let req = i64::from(f.request);
    match kind {
        PanelKind::Days => Some((v.local_us.div_euclid(DAY_US), 0)),
        PanelKind::Hours => Some((v.local_us.div_euclid(HOUR_US).rem_euclid(24), 0)),
        PanelKind::NotFound => v.is_404.then_some((req, 0)),
        PanelKind::StaticFiles => (!v.is_404 && f.is_static).then_some((req, 0)),
        PanelKind::Requests => (!v.is_404 && !f.is_static).then_some((req, 0)),
        PanelKind::Errors => v.error.then(|| (req, v.status.unwrap_or(u32::MAX))),
        PanelKind::Hosts => t.source_ip_id(row).map(|ip| (i64::from(ip), 0)),
        PanelKind::Browsers => Some((i64::from(f.browser), f.client as u32)),
        PanelKind::Systems => Some((i64::from(f.os), 0)),
        PanelKind::UserAgents => Some((i64::from(f.ua), 0)),
        PanelKind::ReferringSites => f.site.map(|s| (i64::from(s), 0)),
        PanelKind::StatusCodes => v.status.map(|s| (i64::from(s), 0)),
        PanelKind::Methods => Some((i64::from(f.method), 0)),
        PanelKind::Protocols => Some((i64::from(f.protocol), 0)),
    }
}

/// Counts accumulated for one item.
#[derive(Default, Clone, Copy)]
struct Acc {
    hits: u64,
    visitors: u64,
    bytes: u64,
    flagged: u64,
    row: usize,
}

/// Computes the Web view's numbers over `rows` of `table`, days and hours counted in `zone`;
/// `flagged` tells the rows of sources detection flagged; each panel lists its first `limit`
/// items. `None` when `cancel` was set.
pub fn compute(
    table: &EventTable,
    rows: impl Iterator<Item = usize>,
    zone: &Zone,
    flagged: &dyn Fn(usize) -> bool,
    limit: usize,
    cancel: &AtomicBool,
) -> Option<WebStats> {
    let mut reader = Reader::new(table, zone);
    let mut accs: Vec<HashMap<Slot, Acc>> = vec![HashMap::new(); PanelKind::ALL.len()];
    let mut seen: HashSet<(u8, Slot, u32)> = HashSet::new();
    let (mut requests, mut bytes, mut flagged_hits) = (0u64, 0u64, 0u64);
    // Per local hour, folded into days below when the span is longer than three days.
    let mut hourly: HashMap<i64, [u64; 6]> = HashMap::new();
    let (mut first, mut last) = (i64::MAX, i64::MIN);
    for (n, row) in rows.enumerate() {
        if n % 65_536 == 0 && cancel.load(Ordering::Relaxed) {
            return None;
        }
        let v = reader.view(row);
        let b = table.bytes_received(row).unwrap_or(0.0).max(0.0) as u64;
        let fl = flagged(row);
        requests += 1;
        bytes += b;
        flagged_hits += u64::from(fl);
        first = first.min(v.local_us);
        last = last.max(v.local_us);
        hourly.entry(v.local_us.div_euclid(HOUR_US)).or_default()
            [status_class(table.outcome(row))] += 1;
        for (k, kind) in PanelKind::ALL.iter().enumerate() {
            let Some(s) = slot(*kind, table, row, &v) else {
                continue;
            };
            let acc = accs[k].entry(s).or_insert(Acc {
                row,
                ..Acc::default()
            });
            acc.hits += 1;
            acc.bytes += b;
            acc.flagged += u64::from(fl);
            if let Some(vis) = v.visitor {
                if seen.insert((k as u8, s, vis)) {
                    acc.visitors += 1;
                }
            }
        }
    }
    let bucket_us = if last.saturating_sub(first) <= 3 * DAY_US {
        HOUR_US
    } else {
        DAY_US
    };
    let mut over_time: HashMap<i64, [u64; 6]> = HashMap::new();
    for (hour, counts) in hourly {
        let bucket = (hour * HOUR_US).div_euclid(bucket_us);
        let into = over_time.entry(bucket).or_default();
        into.iter_mut().zip(counts).for_each(|(a, n)| *a += n);
    }
    let mut status_over_time: Vec<StatusBucket> = over_time
        .into_iter()
        .map(|(b, by_class)| {
            let local = b * bucket_us;
            StatusBucket {
                start_us: local - i64::from(zone.offset_s(local)) * 1_000_000,
                by_class,
            }
        })
        .collect();
    status_over_time.sort_by_key(|b| b.start_us);
    let panels = PanelKind::ALL
        .iter()
        .zip(accs)
        .map(|(kind, acc)| panel(*kind, acc, &reader, limit))
        .collect();
    Some(WebStats {
        zone: zone.clone(),
        requests,
        visitors: reader.visitors.len() as u64,
        bytes,
        flagged_hits,
        panels,
        status_over_time,
        bucket_s: bucket_us / 1_000_000,
    })
}

/// The rows among `rows` that fall in `key` of panel `kind`, days and hours counted in `zone`.
pub fn rows_of(
    table: &EventTable,
    rows: impl Iterator<Item = usize>,
    zone: &Zone,
    kind: PanelKind,
    key: &Key,
    cancel: &AtomicBool,
) -> Option<Vec<u32>> {
    let mut reader = Reader::new(table, zone);
    let mut matches: HashMap<Slot, bool> = HashMap::new();
    let mut out = Vec::new();
    for (n, row) in rows.enumerate() {
        if n % 65_536 == 0 && cancel.load(Ordering::Relaxed) {
            return None;
        }
        let v = reader.view(row);
        let Some(s) = slot(kind, table, row, &v) else {
            continue;
        };
        let hit = *matches
            .entry(s)
            .or_insert_with(|| key_of(kind, s, row, &reader) == *key);
        if hit {
            out.push(row as u32);
        }
    }
    Some(out)
}

/// 0 for 1xx ... 4 for 5xx, 5 otherwise.
fn status_class(status: Option<&str>) -> usize {
    match status.and_then(|s| s.bytes().next()) {
        Some(c @ b'1'..=b'5') if status.is_some_and(|s| s.len() == 3) => usize::from(c - b'1'),
        _ => 5,
    }
}

/// The key of slot `s` of panel `kind`, `row` being a row in it.
fn key_of(kind: PanelKind, s: Slot, row: usize, r: &Reader<'_>) -> Key {
    let t = r.table;
    let text = |id: i64| r.interned.texts[id as usize].clone();
    let mut key = Key {
        text: String::new(),
        method: String::new(),
        protocol: String::new(),
        status: String::new(),
    };
    match kind {
        PanelKind::Days => {
            key.text = Zone::Utc.strftime(s.0 * DAY_US, "%Y-%m-%d");
        }
        PanelKind::Hours => key.text = format!("{:02}", s.0),
        PanelKind::Requests | PanelKind::StaticFiles | PanelKind::NotFound | PanelKind::Errors => {
            let req = &r.interned.request_list[s.0 as usize];
            key.text = req.url.clone();
            key.method = req.method.clone();
            key.protocol = req.protocol.clone();
            if kind == PanelKind::Errors {
                key.status = t.outcome(row).unwrap_or("").to_owned();
            }
        }
        PanelKind::Hosts => {
            key.text = t
                .source_ip(row)
                .map(|ip| ip.to_string())
                .unwrap_or_default();
        }
        PanelKind::StatusCodes => key.text = t.outcome(row).unwrap_or("").to_owned(),
        PanelKind::UserAgents if s.0 == i64::from(r.none) => key.text = "-".into(),
        PanelKind::Browsers
        | PanelKind::Systems
        | PanelKind::UserAgents
        | PanelKind::ReferringSites
        | PanelKind::Methods
        | PanelKind::Protocols => key.text = text(s.0),
    }
    key
}

fn panel(kind: PanelKind, accs: HashMap<Slot, Acc>, r: &Reader<'_>, limit: usize) -> Panel {
    let mut items: Vec<(Slot, Item)> = accs
        .into_iter()
        .map(|(s, a)| {
            let client = (kind == PanelKind::Browsers).then(|| r.facts_client(a.row));
            let item = Item {
                key: key_of(kind, s, a.row, r),
                client,
                hits: a.hits,
                visitors: a.visitors,
                bytes: a.bytes,
                flagged_hits: a.flagged,
            };
            (s, item)
        })
        .collect();
    if kind.in_time_order() {
        items.sort_by_key(|(s, _)| s.0);
    } else {
        items.sort_by(|(_, a), (_, b)| b.hits.cmp(&a.hits).then_with(|| a.key.cmp(&b.key)));
    }
    let listed = items.len().min(limit);
    let rest = &items[listed..];
    let (more, more_hits) = (rest.len(), rest.iter().map(|(_, i)| i.hits).sum());
    items.truncate(listed);
    Panel {
        kind,
        items: items.into_iter().map(|(_, i)| i).collect(),
        more,
        more_hits,
    }
}

impl Reader<'_> {
    fn facts_client(&self, row: usize) -> Client {
        let id = self.table.detail_id(row).unwrap_or(u32::MAX);
        self.facts.get(&id).map_or(Client::Unknown, |f| f.client)
    }
}

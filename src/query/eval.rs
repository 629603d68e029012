//! Evaluating a [`Query`] over an [`EventTable`]: each condition scans its one column into a
//! bitmap, in parallel blocks of rows, testing each distinct string or address once per block
//! (or once in all); `and`, `or` and `not` then combine the bitmaps word by word.

use std::net::IpAddr;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::field::FieldRef;
use super::{Atoms, Bound, Comparison, Expr, Query, Test, TextPattern};
use crate::events::{detail_parts, EventTable, Field, Symbol, TcpFlags, Verdict};

/// Bitmap words scanned by one task (65,536 rows).
const BLOCK_WORDS: usize = 1_024;

/// The text fields free text is searched in (addresses and TCP flags are searched too).
const TEXT_FIELDS: [Field; 7] = [
    Field::Transport,
    Field::AppProtocol,
    Field::Direction,
    Field::Outcome,
    Field::CountryCode,
    Field::Detail,
    Field::Label,
];

/// The latest event time of `table`: the "now" of `last 2h` when none is given, so that a
/// log from 2018 is queried in its own time.
pub fn latest_time(table: &EventTable) -> Option<i64> {
    (0..table.len())
        .into_par_iter()
        .filter_map(|r| table.time_us(r))
        .max()
}

/// The rows of `table` that match `q` as a bitmap, one bit per row (row `r` is bit `r % 64` of
/// word `r / 64`), `last` counting back from `now_us`.
pub fn matching_bits(table: &EventTable, q: &Query, now_us: Option<i64>) -> Vec<u64> {
    Eval {
        t: table,
        now_us,
        places: None,
    }
    .expr(&q.expr)
}

/// [`matching_bits`] where `country` is, for an event that carries none, the country its
/// source was placed in: `places` by source address id (the window knows where GeoIP put
/// each source; a log such as Cowrie's carries no country).
pub fn matching_bits_placed(
    table: &EventTable,
    q: &Query,
    now_us: Option<i64>,
    places: &[Option<String>],
) -> Vec<u64> {
    Eval {
        t: table,
        now_us,
        places: Some(places),
    }
    .expr(&q.expr)
}

/// The rows of `table` that match `q`, in table order; `last` counts back from the table's
/// latest event time ([`latest_time`]).
pub fn matching(table: &EventTable, q: &Query) -> Vec<u32> {
    matching_at(table, q, latest_time(table))
}

/// The rows of `table` that match `q`, `last` counting back from `now_us` (microseconds since
/// the epoch; `None` and `last` matches nothing).
pub fn matching_at(table: &EventTable, q: &Query, now_us: Option<i64>) -> Vec<u32> {
    let bits = matching_bits(table, q, now_us);
    let mut rows = Vec::with_capacity(bits.iter().map(|w| w.count_ones() as usize).sum());
    for (w, &word) in bits.iter().enumerate() {
        let mut x = word;
        while x != 0 {
            rows.push((w * 64) as u32 + x.trailing_zeros());
            x &= x - 1;
        }
    }
    rows
}

impl Test {
    fn number(&self, x: f64) -> bool {
        match self {
            Test::AnyOf(Atoms::Numbers(v)) => v.contains(&x),
            Test::Order(o, Bound::Number(b)) => o.number(x, *b),
            _ => false,
        }
    }

    fn time(&self, us: i64) -> bool {
        match self {
            Test::AnyOf(Atoms::Times(spans)) => spans.iter().any(|(s, e)| (*s..*e).contains(&us)),
            Test::Order(o, Bound::Time(s, e)) => o.time(us, (*s, *e)),
            _ => false,
        }
    }

    fn ip(&self, ip: IpAddr) -> bool {
        match self {
            Test::AnyOf(Atoms::Nets(nets)) => nets.iter().any(|n| n.contains(&ip)),
            Test::Regex(re) => re.is_match(&ip.to_string()),
            _ => false,
        }
    }

    fn text(&self, s: &str) -> bool {
        match self {
            Test::AnyOf(Atoms::Texts(patterns)) => patterns.iter().any(|p| p.matches(s)),
            Test::Order(o, Bound::Number(b)) => s.trim().parse().is_ok_and(|x| o.number(x, *b)),
            Test::Regex(re) => re.is_match(s),
            _ => false,
        }
    }

    /// A label: `benign` and `malicious` name the verdict, other text the class.
    fn label(&self, verdict: Verdict, class: &str) -> bool {
        let word = match verdict {
            Verdict::Benign => "benign",
            Verdict::Malicious => "malicious",
        };
        if let Test::AnyOf(Atoms::Texts(patterns)) = self {
            if patterns
                .iter()
                .any(|p| matches!(p, TextPattern::Exact(v) if v.eq_ignore_ascii_case(word)))
            {
                return true;
            }
        }
        self.text(class)
    }
}

type Bits = Vec<u64>;

struct Eval<'t> {
    t: &'t EventTable,
    now_us: Option<i64>,
    /// The country each source address id was placed in.
    places: Option<&'t [Option<String>]>,
}

impl Eval<'_> {
    fn expr(&self, e: &Expr) -> Bits {
        match e {
            Expr::And(a, b) => combine(self.expr(a), &self.expr(b), |x, y| x & y),
            Expr::Or(a, b) => combine(self.expr(a), &self.expr(b), |x, y| x | y),
            Expr::Not(a) => {
                let mut bits = self.expr(a);
                bits.iter_mut().for_each(|w| *w = !*w);
                let tail = self.t.len() % 64;
                if let (Some(last), true) = (bits.last_mut(), tail != 0) {
                    *last &= (1u64 << tail) - 1;
                }
                bits
            }
            Expr::Cmp(c) => self.comparison(c),
            Expr::FreeText(re) => self.free_text(re),
            Expr::Last(span) => match self.now_us {
                Some(now) => {
                    let from = now.saturating_sub(*span);
                    self.scan(|| {
                        move |r| {
                            self.t
                                .time_us(r)
                                .is_some_and(|us| (from..=now).contains(&us))
                        }
                    })
                }
                None => self.scan(|| |_| false),
            },
        }
    }

    /// A bitmap of the rows where a predicate holds; `make` gives each parallel block its
    /// own predicate (with its own cache).
    fn scan<P: FnMut(usize) -> bool>(&self, make: impl Fn() -> P + Sync) -> Bits {
        let n = self.t.len();
        let mut words = vec![0u64; n.div_ceil(64)];
        words
            .par_chunks_mut(BLOCK_WORDS)
            .enumerate()
            .for_each(|(block, chunk)| {
                let mut p = make();
                for (w, word) in chunk.iter_mut().enumerate() {
                    let start = (block * BLOCK_WORDS + w) * 64;
                    let mut bits = 0u64;
                    for r in start..(start + 64).min(n) {
                        if p(r) {
                            bits |= 1 << (r - start);
                        }
                    }
                    *word = bits;
                }
            });
        words
    }

    /// Rows whose text field `field` passes `test`, tested once per distinct string and block.
    fn by_text(&self, field: Field, test: impl Fn(&str) -> bool + Sync) -> Bits {
        let (t, test) = (self.t, &test);
        self.scan(|| {
            let mut cache: FxHashMap<u32, bool> = FxHashMap::default();
            let mut last: Option<(u32, bool)> = None;
            move |r| {
                let Some(id) = t.text_id(field, r) else {
                    return false;
                };
                if let Some((l, hit)) = last {
                    if l == id {
                        return hit;
                    }
                }
                let hit = *cache
                    .entry(id)
                    .or_insert_with(|| test(t.symbols().resolve(Symbol(id))));
                last = Some((id, hit));
                hit
            }
        })
    }

    /// Whether each interned address passes `test`, by address id.
    fn by_address(&self, test: impl Fn(IpAddr) -> bool + Sync) -> Vec<bool> {
        let addrs: Vec<IpAddr> = self.t.ips().iter().collect();
        addrs.par_iter().map(|ip| test(*ip)).collect()
    }

    fn comparison(&self, c: &Comparison) -> Bits {
        let (t, test, neg) = (self.t, &c.test, c.negate);
        let field = match &c.field {
            FieldRef::Schema(f) => *f,
            FieldRef::DetailKey(key) => {
                return self.by_text(Field::Detail, |d| {
                    detail_parts(d)
                        .find(|(k, _)| *k == Some(key.as_str()))
                        .is_some_and(|(_, v)| test.text(v) != neg)
                })
            }
            FieldRef::Extra(name) => {
                let Some(col) = t.extras().iter().find(|e| &e.name == name) else {
                    return self.scan(|| |_| false);
                };
                return self.scan(|| {
                    move |r| {
                        col.values
                            .get(r)
                            .is_some_and(|v| test.number(f64::from(v)) != neg)
                    }
                });
            }
        };
        let number: fn(&EventTable, usize) -> Option<f64> = match field {
            Field::EventTime => {
                return self.scan(|| move |r| t.time_us(r).is_some_and(|us| test.time(us) != neg))
            }
            Field::SourceIp | Field::DestinationIp => {
                let ok = self.by_address(|ip| test.ip(ip) != neg);
                let ok = &ok;
                let source = field == Field::SourceIp;
                return self.scan(|| {
                    move |r| {
                        let id = if source {
                            t.source_ip_id(r)
                        } else {
                            t.destination_ip_id(r)
                        };
                        id.is_some_and(|id| ok[id as usize])
                    }
                });
            }
            Field::TcpFlags => {
                let ok: Vec<bool> = (0..=255u8)
                    .map(|b| test.text(&TcpFlags(b).describe()) != neg)
                    .collect();
                let ok = &ok;
                return self.scan(|| move |r| t.tcp_flags(r).is_some_and(|f| ok[usize::from(f.0)]));
            }
            Field::Label => {
                return self.scan(|| {
                    let mut cache: FxHashMap<(u32, bool), bool> = FxHashMap::default();
                    move |r| {
                        let Some(label) = t.label(r) else {
                            return false;
                        };
                        let key = (label.class.0, label.verdict == Verdict::Malicious);
                        *cache.entry(key).or_insert_with(|| {
                            test.label(label.verdict, t.label_class_name(label)) != neg
                        })
                    }
                });
            }
            Field::Detail => {
                return self.by_text(field, |d| detail_parts(d).any(|(_, v)| test.text(v)) != neg)
            }
            Field::CountryCode if self.places.is_some() => {
                let own = self.by_text(field, |s| test.text(s) != neg);
                let places = self.places.unwrap_or_default();
                let placed: Vec<bool> = places
                    .iter()
                    .map(|p| p.as_deref().is_some_and(|c| test.text(c) != neg))
                    .collect();
                let (own, placed) = (&own, &placed);
                return self.scan(|| {
                    move |r| {
                        if t.text_id(Field::CountryCode, r).is_some() {
                            own[r / 64] & (1 << (r % 64)) != 0
                        } else {
                            t.source_ip_id(r)
                                .is_some_and(|id| placed.get(id as usize) == Some(&true))
                        }
                    }
                });
            }
            Field::Transport
            | Field::AppProtocol
            | Field::Direction
            | Field::Outcome
            | Field::CountryCode => return self.by_text(field, |s| test.text(s) != neg),
            Field::DurationS => |t, r| t.duration_s(r),
            Field::SourcePort => |t, r| t.source_port(r).map(f64::from),
            Field::DestinationPort => |t, r| t.destination_port(r).map(f64::from),
            Field::BytesSent => |t, r| t.bytes_sent(r),
            Field::BytesReceived => |t, r| t.bytes_received(r),
            Field::PacketsSent => |t, r| t.packets_sent(r),
            Field::PacketsReceived => |t, r| t.packets_received(r),
        };
        self.scan(|| move |r| number(t, r).is_some_and(|x| test.number(x) != neg))
    }

    /// Rows with the text (case-insensitive, wildcards allowed) in any text field, address or
    /// TCP flags.
    fn free_text(&self, re: &regex::Regex) -> Bits {
        let t = self.t;
        let ips = self.by_address(|ip| re.is_match(&ip.to_string()));
        let flags: Vec<bool> = (0..=255u8)
            .map(|b| re.is_match(&TcpFlags(b).describe()))
            .collect();
        let (ips, flags) = (&ips, &flags);
        self.scan(|| {
            let mut cache: FxHashMap<u32, bool> = FxHashMap::default();
            move |r| {
                let ip = |id: Option<u32>| id.is_some_and(|id| ips[id as usize]);
                if ip(t.source_ip_id(r))
                    || ip(t.destination_ip_id(r))
                    || t.tcp_flags(r).is_some_and(|f| flags[usize::from(f.0)])
                {
                    return true;
                }
                TEXT_FIELDS.iter().any(|&f| {
                    t.text_id(f, r).is_some_and(|id| {
                        *cache
                            .entry(id)
                            .or_insert_with(|| re.is_match(t.symbols().resolve(Symbol(id))))
                    })
                })
            }
        })
    }
}

/// Combines two bitmaps of the same rows word by word.
fn combine(mut a: Bits, b: &[u64], op: impl Fn(u64, u64) -> u64) -> Bits {
    a.iter_mut().zip(b).for_each(|(x, y)| *x = op(*x, *y));
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::EventDraft;
    use crate::query::parse;

    fn table() -> EventTable {
        let mut t = EventTable::default();
        let rows = [
            (
                "10.1.2.3",
                22,
                "tcp",
                "cowrie.login.success",
                "username=root\u{1f}password=x",
                0,
            ),
            ("8.8.8.8", 53, "udp", "", "", 3_600),
            (
                "10.9.9.9",
                80,
                "tcp",
                "404",
                "GET /wget.sh HTTP/1.1\u{1f}ua=curl/7",
                7_200,
            ),
        ];
        for (i, (ip, port, transport, outcome, detail, secs)) in rows.into_iter().enumerate() {
            let mut d = EventDraft {
                source_ip: Some(ip.parse().unwrap()),
                destination_port: Some(port),
                time_us: Some(1_526_724_000_000_000 + secs * 1_000_000),
                ..Default::default()
            };
            d.transport.push_str(transport);
            d.outcome.push_str(outcome);
            d.detail.push_str(detail);
            t.push(0, i as u64 + 1, &d);
        }
        t
    }

    fn rows(q: &str) -> Vec<u32> {
        matching(&table(), &parse(q).unwrap())
    }

    #[test]
    fn conditions_combine() {
        assert_eq!(rows("source_ip in 10.0.0.0/8"), [0, 2]);
        assert_eq!(rows("source_ip not in 10.0.0.0/8"), [1]);
        assert_eq!(rows("destination_port in (22, 53)"), [0, 1]);
        assert_eq!(rows("destination_port >= 53 and transport = tcp"), [2]);
        assert_eq!(rows("not transport = tcp"), [1]);
        assert_eq!(rows("detail.username = root"), [0]);
        assert_eq!(rows("detail.username != root"), Vec::<u32>::new());
        assert_eq!(rows("detail ~ \"wget|curl\""), [2]);
        assert_eq!(rows("detail = \"*wget*\""), [2]);
        assert_eq!(rows("outcome >= 400"), [2]);
        assert_eq!(rows("WGET or 8.8.8"), [1, 2]);
        assert_eq!(
            rows("(transport = udp or outcome = 404) and not 8.8.8.8"),
            [2]
        );
        assert_eq!(rows("outcome = cowrie.login.*"), [0]);
    }

    #[test]
    fn times_and_last_are_relative_to_the_log() {
        // 2018-05-19T10:00:00Z, then 11:00 and 12:00.
        assert_eq!(rows("time > 2018-05-19T10:00"), [1, 2]);
        assert_eq!(rows("time = 2018-05-19T11:00"), [1]);
        assert_eq!(rows("time <= 2018-05-19T11:00"), [0, 1]);
        assert_eq!(rows("time = 2018-05-19"), [0, 1, 2]);
        assert_eq!(rows("last 1h"), [1, 2]);
        assert_eq!(rows("last 59m"), [2]);
        let t = table();
        let q = parse("last 2h").unwrap();
        assert_eq!(matching_at(&t, &q, Some(1_526_724_000_000_000)), [0]);
        assert_eq!(matching_at(&t, &q, None), Vec::<u32>::new());
    }
}

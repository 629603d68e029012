//! Locating addresses with several databases at once, and placing them on the map.

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use super::asn::{self, AsTable};
use super::database::{Database, DatabaseInfo, Record};
use super::world::world;

/// The bundled country database (ip-location-db geo-whois-asn-country, CC0; RIR data by the
/// NRO, CC BY 4.0).
static BUNDLED: &[u8] = include_bytes!("../../assets/geoip/geo-whois-asn-country.mmdb");

/// The name the bundled database goes by in messages and Settings.
pub const BUNDLED_NAME: &str = "bundled: geo-whois-asn-country.mmdb";

/// The attribution the bundled data asks for.
pub const BUNDLED_ATTRIBUTION: &str =
    "IP to country data: ip-location-db geo-whois-asn-country, from RIR data by the NRO, CC BY 4.0";

/// How precisely an address is placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Placement {
    /// At the coordinates a database gives (city or better).
    Located,
    /// At its country's point, spread so that sources do not stack.
    Country,
    /// Private, loopback, link-local, CGNAT, documentation, multicast or reserved.
    Internal,
    /// No database knows it.
    Unlocated,
}

impl Placement {
    /// A word for tables and `sources.csv`: `coordinates` (the database's), `country` (the
    /// country's point), `internal`, `unlocated`.
    pub fn name(self) -> &'static str {
        match self {
            Placement::Located => "coordinates",
            Placement::Country => "country",
            Placement::Internal => "internal",
            Placement::Unlocated => "unlocated",
        }
    }
}

/// Everything known about where an address is.
#[derive(Debug, Clone, PartialEq)]
pub struct GeoInfo {
    /// ISO country code.
    pub country: Option<String>,
    /// City.
    pub city: Option<String>,
    /// First subdivision (state, region).
    pub subdivision: Option<String>,
    /// Autonomous system number.
    pub asn: Option<u32>,
    /// Autonomous system organisation.
    pub as_org: Option<String>,
    /// Where the map draws it (latitude, longitude); `None` for internal and unlocated.
    pub position: Option<(f64, f64)>,
    /// Accuracy radius of a database location, km.
    pub accuracy_km: Option<u16>,
    /// How it was placed.
    pub placement: Placement,
    /// Which database placed it (its location, else its country), by position in
    /// [`Locator::databases`].
    pub placed_by: Option<usize>,
}

impl GeoInfo {
    fn empty(placement: Placement) -> GeoInfo {
        GeoInfo {
            country: None,
            city: None,
            subdivision: None,
            asn: None,
            as_org: None,
            position: None,
            accuracy_km: None,
            placement,
            placed_by: None,
        }
    }

    /// "AS14061 DigitalOcean, LLC", or just the number or the organisation.
    pub fn as_text(&self) -> Option<String> {
        match (self.asn, &self.as_org) {
            (Some(n), Some(o)) => Some(format!("AS{n} {o}")),
            (Some(n), None) => Some(format!("AS{n}")),
            (None, Some(o)) => Some(o.clone()),
            (None, None) => None,
        }
    }
}

/// Whether an address is internal: one of the reserved networks (private, loopback,
/// link-local, CGNAT, documentation, multicast, reserved). IPv4-mapped IPv6 addresses are
/// judged as the IPv4 address they carry.
pub fn is_internal(ip: IpAddr) -> bool {
    let ip = canonical(ip);
    crate::blocklist::reserved()
        .iter()
        .any(|(net, _)| net.contains(&ip))
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Several databases consulted in order: for each field, the first database that has it wins;
/// the bundled AS table, when in use, gives the AS where none of them does.
#[derive(Debug)]
pub struct Locator {
    databases: Vec<Database>,
    /// The bundled AS table and what Settings shows of it.
    asn: Option<(&'static AsTable, DatabaseInfo)>,
    problems: Vec<String>,
}

/// Two locators are equal when they consult the same files in the same order.
impl PartialEq for Locator {
    fn eq(&self, other: &Locator) -> bool {
        self.databases()
            .map(|d| &d.path)
            .eq(other.databases().map(|d| &d.path))
    }
}

/// Environment variable with extra database paths, separated as in `PATH`.
pub const GEOIP_ENV: &str = "NETSLEUTH_GEOIP";

/// Database files in `dir` worth using, city databases first, then ASN, then country ones.
fn mmdb_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("mmdb"))
        })
        .collect();
    let rank = |p: &PathBuf| {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let kind = if name.contains("city") {
            0
        } else if name.contains("asn") && !name.contains("country") {
            1
        } else {
            2
        };
        (kind, name)
    };
    files.sort_by_key(rank);
    files
}

/// The standard places to look for databases: `/usr/share/GeoIP`, `/var/lib/GeoIP` and the
/// user's data directory (`GeoIP` and netsleuth's own `geoip` folder).
pub fn standard_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![
        PathBuf::from("/usr/share/GeoIP"),
        PathBuf::from("/var/lib/GeoIP"),
    ];
    if let Some(base) = directories::BaseDirs::new() {
        dirs.push(base.data_dir().join("GeoIP"));
    }
    if let Some(p) = directories::ProjectDirs::from("", "", "netsleuth") {
        dirs.push(p.data_dir().join("geoip"));
    }
    dirs
}

impl Locator {
    /// The databases to use, in order: `chosen` (Settings), the paths in `NETSLEUTH_GEOIP`,
    /// the `.mmdb` files in the standard places, then the bundled country database and AS
    /// table. A folder
    /// stands for the `.mmdb` files in it; a file that cannot be opened is left out with one
    /// message naming it.
    pub fn discover(chosen: &[PathBuf]) -> Locator {
        let mut paths: Vec<PathBuf> = Vec::new();
        let mut add = |p: PathBuf| {
            if p.is_dir() {
                paths.extend(mmdb_files(&p));
            } else {
                paths.push(p);
            }
        };
        chosen.iter().cloned().for_each(&mut add);
        if let Some(v) = std::env::var_os(GEOIP_ENV) {
            // Separated as in PATH; commas are taken too, as --geoip takes them.
            for p in std::env::split_paths(&v) {
                let text = p.to_string_lossy().into_owned();
                text.split(',')
                    .filter(|s| !s.trim().is_empty())
                    .for_each(|s| add(PathBuf::from(s.trim())));
            }
        }
        for dir in standard_dirs() {
            paths.extend(mmdb_files(&dir));
        }
        Locator::with_paths(&paths, true)
    }

    /// [`Locator::discover`], opened once per process for each set of chosen files, so that
    /// re-running detection does not read the databases again.
    pub fn shared(chosen: &[PathBuf]) -> Arc<Locator> {
        static SHARED: Mutex<Option<(Vec<PathBuf>, Arc<Locator>)>> = Mutex::new(None);
        let mut slot = SHARED.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((paths, locator)) = slot.as_ref() {
            if paths == chosen {
                return locator.clone();
            }
        }
        let locator = Arc::new(Locator::discover(chosen));
        *slot = Some((chosen.to_vec(), locator.clone()));
        locator
    }

    /// Exactly these files, in this order, and the bundled country database and AS table last
    /// when `bundled`.
    pub fn with_paths(paths: &[PathBuf], bundled: bool) -> Locator {
        let mut databases = Vec::new();
        let mut problems = Vec::new();
        let mut seen = Vec::new();
        for p in paths {
            let key = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            match Database::open(p) {
                Ok(db) => databases.push(db),
                Err(e) => problems.push(e),
            }
        }
        let mut asn = None;
        if bundled {
            match Database::from_bytes(Cow::Borrowed(BUNDLED), PathBuf::from(BUNDLED_NAME)) {
                Ok(db) => databases.push(db),
                Err(e) => problems.push(e),
            }
            match asn::bundled() {
                Ok(table) => asn = Some((table, table.info())),
                Err(e) => problems.push(e.to_string()),
            }
        }
        Locator {
            databases,
            asn,
            problems,
        }
    }

    /// The databases in use, in the order they are consulted; the bundled AS table, when in
    /// use, last.
    pub fn databases(&self) -> impl Iterator<Item = &DatabaseInfo> {
        self.databases
            .iter()
            .map(Database::info)
            .chain(self.asn.as_ref().map(|(_, info)| info))
    }

    /// Files that could not be opened and databases whose lookups failed, one line each.
    pub fn problems(&self) -> Vec<String> {
        let mut out = self.problems.clone();
        out.extend(self.databases.iter().filter_map(Database::problem));
        out
    }

    /// What the databases say about `ip`, merged field by field. Placement is `Located`
    /// when a database gives coordinates, `Country` when only a country is known (the
    /// position is then the country's point, not yet spread), else `Unlocated`; internal
    /// addresses are never looked up. The AS number and organisation come from the bundled AS
    /// table when no database gives either.
    pub fn lookup(&self, ip: IpAddr) -> GeoInfo {
        let ip = canonical(ip);
        if is_internal(ip) {
            return GeoInfo::empty(Placement::Internal);
        }
        let mut merged = Record::default();
        let mut location_country = None;
        let (mut location_db, mut country_db) = (None, None);
        for (k, db) in self.databases.iter().enumerate() {
            let Some(r) = db.lookup(ip) else { continue };
            if merged.location.is_none() && r.location.is_some() {
                merged.location = r.location;
                merged.accuracy_km = r.accuracy_km;
                location_country = r.country.clone();
                location_db = Some(k);
            }
            if merged.country.is_none() && r.country.is_some() {
                country_db = Some(k);
            }
            merged.country = merged.country.or(r.country);
            merged.city = merged.city.or(r.city);
            merged.subdivision = merged.subdivision.or(r.subdivision);
            merged.asn = merged.asn.or(r.asn);
            merged.as_org = merged.as_org.or(r.as_org);
        }
        if merged.asn.is_none() && merged.as_org.is_none() {
            if let Some(a) = self.asn.as_ref().and_then(|(table, _)| table.lookup(ip)) {
                merged.asn = Some(a.number);
                merged.as_org = Some(a.org.to_string());
            }
        }
        // A location from a database that disagrees on the country would draw the source
        // in one country and list it in another: the country wins, placed at its point.
        if location_country.is_some() && location_country != merged.country {
            merged.location = None;
            merged.accuracy_km = None;
            location_db = None;
        }
        let (position, placement) = match (merged.location, &merged.country) {
            (Some(p), _) => (Some(p), Placement::Located),
            (None, Some(c)) => match world().country(c) {
                Some(country) => (Some(country.lat_lon()), Placement::Country),
                None => (None, Placement::Unlocated),
            },
            (None, None) => (None, Placement::Unlocated),
        };
        GeoInfo {
            country: merged.country,
            city: merged.city,
            subdivision: merged.subdivision,
            asn: merged.asn,
            as_org: merged.as_org,
            position,
            accuracy_km: merged.accuracy_km,
            placed_by: match placement {
                Placement::Located => location_db,
                Placement::Country => country_db,
                _ => None,
            },
            placement,
        }
    }

    /// Looks up every address once, in parallel; the result is in the order of `ips`.
    pub fn locate(&self, ips: &[IpAddr]) -> Vec<GeoInfo> {
        ips.par_iter().map(|&ip| self.lookup(ip)).collect()
    }
}

/// Where the map draws each place: database coordinates as they are; country-level places
/// moved apart so that they do not stack, the k-th of a country's n sources at radius
/// r·sqrt(k/n) and angle k·(golden angle) around the country's point, kept inside the
/// country's outline (a candidate outside is pulled in towards the point). These are drawing
/// positions only: exports keep the country point itself.
pub fn map_positions(places: &[Option<&GeoInfo>]) -> Vec<Option<(f64, f64)>> {
    let mut out: Vec<Option<(f64, f64)>> =
        places.iter().map(|g| g.and_then(|g| g.position)).collect();
    let mut per_country: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, g) in places.iter().enumerate() {
        if let Some(g) = g.filter(|g| g.placement == Placement::Country) {
            if let Some(c) = &g.country {
                per_country.entry(c.as_str()).or_default().push(i);
            }
        }
    }
    let moves: Vec<(usize, (f64, f64))> = per_country
        .into_par_iter()
        .flat_map_iter(|(iso, members)| {
            let country = world().country(iso);
            let radius = country.map_or(0.0, |c| c.spread_radius());
            let n = members.len() as f64;
            members.into_iter().enumerate().filter_map(move |(k, i)| {
                let c = country?;
                Some((i, spread_point(c, radius, k as f64, n)))
            })
        })
        .collect();
    for (i, p) in moves {
        out[i] = Some(p);
    }
    out
}

/// The k-th of n spread positions within `radius` of a country's point, inside the country.
fn spread_point(c: &super::world::Country, radius: f64, k: f64, n: f64) -> (f64, f64) {
    let (lat, lon) = c.lat_lon();
    let radius = radius * (k / n).sqrt();
    let angle = k * 2.399_963_229_728_653;
    let stretch = 1.0 / lat.to_radians().cos().max(0.2);
    let mut r = radius;
    for _ in 0..6 {
        let lat2 = (lat + r * angle.sin()).clamp(-85.0, 85.0);
        let lon2 = (lon + r * angle.cos() * stretch).clamp(-180.0, 180.0);
        if c.contains(lat2, lon2) {
            return (lat2, lon2);
        }
        r *= 0.55;
    }
    (lat, lon)
}

/// Counts of how sources were placed, for Settings and the map's legend.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlacementCounts {
    /// At database coordinates.
    pub located: usize,
    /// At their country's point.
    pub country: usize,
    /// Internal addresses.
    pub internal: usize,
    /// Public addresses no database knows.
    pub unlocated: usize,
}

impl PlacementCounts {
    /// Counts over `infos`.
    pub fn of<'a>(infos: impl IntoIterator<Item = &'a GeoInfo>) -> PlacementCounts {
        let mut c = PlacementCounts::default();
        for g in infos {
            c.add(g.placement);
        }
        c
    }

    /// Counts one more source placed so.
    pub fn add(&mut self, p: Placement) {
        match p {
            Placement::Located => self.located += 1,
            Placement::Country => self.country += 1,
            Placement::Internal => self.internal += 1,
            Placement::Unlocated => self.unlocated += 1,
        }
    }

    /// Public sources with a country, as a share of all public sources.
    pub fn public_share_placed(&self) -> f64 {
        let public = self.located + self.country + self.unlocated;
        if public == 0 {
            1.0
        } else {
            (self.located + self.country) as f64 / public as f64
        }
    }
}

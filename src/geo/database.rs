//! One MaxMind DB file: opening it, recognising its schema and decoding a record.
//!
//! Reads MaxMind's nested GeoIP2/GeoLite2 City and Country records, the GeoLite2 ASN record,
//! and the flat records of the ip-location-db project (`country_code`; `city`, `latitude`,
//! `longitude`; `autonomous_system_*`). Anything else in a record is ignored.

use std::borrow::Cow;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use maxminddb::{Reader, WithinOptions};
use serde::de::IgnoredAny;
use serde::Deserialize;

/// What a database's records hold, recognised from a record rather than from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// MaxMind's nested City record (country, city, subdivisions, location).
    NestedCity,
    /// MaxMind's nested Country record.
    NestedCountry,
    /// GeoLite2 ASN: `autonomous_system_number`, `autonomous_system_organization`.
    Asn,
    /// ip-location-db city: `country_code`, `city`, `latitude`, `longitude`.
    FlatCity,
    /// ip-location-db country: `country_code` only.
    FlatCountry,
    /// ip-location-db ASN: `autonomous_system_number`, `autonomous_system_organization`
    /// beside other flat fields.
    FlatAsn,
}

impl Schema {
    /// A short description for Settings.
    pub fn label(self) -> &'static str {
        match self {
            Schema::NestedCity => "city (MaxMind GeoIP2)",
            Schema::NestedCountry => "country (MaxMind GeoIP2)",
            Schema::Asn => "ASN (MaxMind GeoLite2)",
            Schema::FlatCity => "city (ip-location-db)",
            Schema::FlatCountry => "country (ip-location-db)",
            Schema::FlatAsn => "ASN (ip-location-db)",
        }
    }

    fn nested(self) -> bool {
        matches!(
            self,
            Schema::NestedCity | Schema::NestedCountry | Schema::Asn
        )
    }
}

/// What one database says about one address.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    /// ISO 3166-1 alpha-2 country code, upper case.
    pub country: Option<String>,
    /// City name (English).
    pub city: Option<String>,
    /// First subdivision (state, region) name.
    pub subdivision: Option<String>,
    /// Latitude and longitude in degrees.
    pub location: Option<(f64, f64)>,
    /// Accuracy radius of the location in km.
    pub accuracy_km: Option<u16>,
    /// Autonomous system number.
    pub asn: Option<u32>,
    /// Autonomous system organisation.
    pub as_org: Option<String>,
}

impl Record {
    fn is_empty(&self) -> bool {
        self == &Record::default()
    }
}

#[derive(Deserialize, Default)]
struct Names<'a> {
    #[serde(borrow, default)]
    en: Option<&'a str>,
}

#[derive(Deserialize, Default)]
struct NestedCountry<'a> {
    #[serde(borrow, default)]
    iso_code: Option<&'a str>,
}

#[derive(Deserialize, Default)]
struct NestedNamed<'a> {
    #[serde(borrow, default)]
    names: Names<'a>,
}

#[derive(Deserialize, Default)]
struct NestedLocation {
    #[serde(default)]
    latitude: Option<f64>,
    #[serde(default)]
    longitude: Option<f64>,
    #[serde(default)]
    accuracy_radius: Option<u16>,
}

#[derive(Deserialize, Default)]
struct Nested<'a> {
    #[serde(borrow, default)]
    country: Option<NestedCountry<'a>>,
    #[serde(borrow, default)]
    registered_country: Option<NestedCountry<'a>>,
    #[serde(borrow, default)]
    city: Option<NestedNamed<'a>>,
    #[serde(borrow, default)]
    subdivisions: Option<Vec<NestedNamed<'a>>>,
    #[serde(default)]
    location: Option<NestedLocation>,
    #[serde(default)]
    autonomous_system_number: Option<u32>,
    #[serde(borrow, default)]
    autonomous_system_organization: Option<&'a str>,
}

#[derive(Deserialize, Default)]
struct Flat<'a> {
    #[serde(borrow, default)]
    country_code: Option<&'a str>,
    #[serde(borrow, default)]
    city: Option<&'a str>,
    #[serde(borrow, default)]
    state1: Option<&'a str>,
    #[serde(default)]
    latitude: Option<f64>,
    #[serde(default)]
    longitude: Option<f64>,
    #[serde(default)]
    autonomous_system_number: Option<u32>,
    #[serde(borrow, default)]
    autonomous_system_organization: Option<&'a str>,
}

/// The top-level keys of a record, to recognise its schema.
#[derive(Deserialize, Default)]
struct Probe {
    #[serde(default)]
    country: Option<IgnoredAny>,
    #[serde(default)]
    registered_country: Option<IgnoredAny>,
    #[serde(default)]
    city: Option<IgnoredAny>,
    #[serde(default)]
    location: Option<IgnoredAny>,
    #[serde(default)]
    country_code: Option<IgnoredAny>,
    #[serde(default)]
    latitude: Option<IgnoredAny>,
    #[serde(default)]
    autonomous_system_number: Option<IgnoredAny>,
}

/// Which kinds of keys the probed records held.
#[derive(Default)]
struct Seen {
    nested: bool,
    nested_city: bool,
    flat: bool,
    flat_city: bool,
    asn: bool,
}

impl Seen {
    fn add(&mut self, p: &Probe) {
        let nested = p.country.is_some() || p.registered_country.is_some() || p.location.is_some();
        self.nested |= nested;
        self.nested_city |= nested && (p.city.is_some() || p.location.is_some());
        self.flat |= p.country_code.is_some();
        self.flat_city |= p.country_code.is_some() && (p.latitude.is_some() || p.city.is_some());
        self.asn |= p.autonomous_system_number.is_some();
    }

    fn schema(&self) -> Option<Schema> {
        Some(match self {
            Seen {
                nested: true,
                nested_city: true,
                ..
            } => Schema::NestedCity,
            Seen { nested: true, .. } => Schema::NestedCountry,
            Seen {
                flat_city: true, ..
            } => Schema::FlatCity,
            Seen {
                flat: true,
                asn: true,
                ..
            } => Schema::FlatAsn,
            Seen { flat: true, .. } => Schema::FlatCountry,
            Seen { asn: true, .. } => Schema::Asn,
            _ => return None,
        })
    }
}

fn text(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn country_code(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()))
        .map(str::to_ascii_uppercase)
}

fn coordinates(lat: Option<f64>, lon: Option<f64>) -> Option<(f64, f64)> {
    match (lat, lon) {
        (Some(lat), Some(lon))
            if lat.is_finite()
                && lon.is_finite()
                && (-90.0..=90.0).contains(&lat)
                && (-180.0..=180.0).contains(&lon) =>
        {
            Some((lat, lon))
        }
        _ => None,
    }
}

/// What Settings shows about a database in use.
#[derive(Debug, Clone, PartialEq)]
pub struct DatabaseInfo {
    /// Where it was read from (the bundled one has a descriptive name).
    pub path: PathBuf,
    /// Its schema.
    pub schema: Schema,
    /// `database_type` from its metadata.
    pub kind: String,
    /// Build time, seconds since the epoch.
    pub built: u64,
    /// 4 for an IPv4-only tree, 6 for one with IPv6.
    pub ip_version: u16,
}

/// An open database, safe to share between threads.
pub struct Database {
    reader: Reader<Cow<'static, [u8]>>,
    info: DatabaseInfo,
    errors: AtomicU64,
    first_error: Mutex<Option<String>>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("info", &self.info)
            .finish()
    }
}

/// Files larger than this are not GeoIP databases anyone ships (GeoIP2 City is ~130 MB).
const MAX_DATABASE_BYTES: u64 = 2 << 30;

impl Database {
    /// Opens a database file. The error names the file and says what is wrong.
    pub fn open(path: &Path) -> Result<Database, String> {
        let name = path.display();
        let meta = std::fs::metadata(path).map_err(|e| format!("{name}: {e}"))?;
        if !meta.is_file() {
            return Err(format!("{name}: not a regular file"));
        }
        if meta.len() > MAX_DATABASE_BYTES {
            return Err(format!(
                "{name}: {} bytes is too large for a GeoIP database",
                meta.len()
            ));
        }
        let bytes = std::fs::read(path).map_err(|e| format!("{name}: {e}"))?;
        Database::from_bytes(Cow::Owned(bytes), path.to_path_buf())
    }

    /// Opens a database held in memory, such as the bundled one; `path` names it in messages.
    pub fn from_bytes(bytes: Cow<'static, [u8]>, path: PathBuf) -> Result<Database, String> {
        let name = path.display().to_string();
        let reader = Reader::from_source(bytes)
            .map_err(|e| format!("{name}: not a readable MaxMind DB file: {e}"))?;
        let schema = probe(&reader)
            .map_err(|e| format!("{name}: damaged MaxMind DB file: {e}"))?
            .ok_or_else(|| format!("{name}: no country, city or AS fields in its records"))?;
        let m = reader.metadata();
        let info = DatabaseInfo {
            path,
            schema,
            kind: m.database_type.clone(),
            built: m.build_epoch,
            ip_version: m.ip_version,
        };
        Ok(Database {
            reader,
            info,
            errors: AtomicU64::new(0),
            first_error: Mutex::new(None),
        })
    }

    /// What the database is.
    pub fn info(&self) -> &DatabaseInfo {
        &self.info
    }

    /// What the database says about `ip`: `None` when it holds nothing for it (an IPv6 address
    /// in an IPv4-only database included). A damaged record counts as an error, kept for
    /// [`Database::problem`], and gives `None`.
    pub fn lookup(&self, ip: IpAddr) -> Option<Record> {
        if ip.is_ipv6() && self.info.ip_version == 4 {
            return None;
        }
        match self.decode(ip) {
            Ok(r) => r.filter(|r| !r.is_empty()),
            Err(e) => {
                if self.errors.fetch_add(1, Ordering::Relaxed) == 0 {
                    let mut first = self.first_error.lock().unwrap_or_else(|p| p.into_inner());
                    *first = Some(format!("{ip}: {e}"));
                }
                None
            }
        }
    }

    /// One line about failed lookups, naming the file, or `None` when every lookup worked.
    pub fn problem(&self) -> Option<String> {
        let n = self.errors.load(Ordering::Relaxed);
        (n > 0).then(|| {
            let first = self
                .first_error
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone()
                .unwrap_or_default();
            format!(
                "{}: damaged database: {n} lookup{} failed (first: {first})",
                self.info.path.display(),
                if n == 1 { "" } else { "s" }
            )
        })
    }

    fn decode(&self, ip: IpAddr) -> Result<Option<Record>, maxminddb::MaxMindDbError> {
        let found = self.reader.lookup(ip)?;
        if !found.has_data() {
            return Ok(None);
        }
        if self.info.schema.nested() {
            let Some(n) = found.decode::<Nested>()? else {
                return Ok(None);
            };
            let country = n
                .country
                .and_then(|c| country_code(c.iso_code))
                .or_else(|| n.registered_country.and_then(|c| country_code(c.iso_code)));
            let location = n.location.unwrap_or_default();
            Ok(Some(Record {
                country,
                city: n.city.and_then(|c| text(c.names.en)),
                subdivision: n
                    .subdivisions
                    .and_then(|s| s.into_iter().next())
                    .and_then(|s| text(s.names.en)),
                location: coordinates(location.latitude, location.longitude),
                accuracy_km: location.accuracy_radius,
                asn: n.autonomous_system_number.filter(|&a| a > 0),
                as_org: text(n.autonomous_system_organization),
            }))
        } else {
            let Some(f) = found.decode::<Flat>()? else {
                return Ok(None);
            };
            Ok(Some(Record {
                country: country_code(f.country_code),
                city: text(f.city),
                subdivision: text(f.state1),
                location: coordinates(f.latitude, f.longitude),
                accuracy_km: None,
                asn: f.autonomous_system_number.filter(|&a| a > 0),
                as_org: text(f.autonomous_system_organization),
            }))
        }
    }
}

/// The schema of the records, judged from the first few hundred networks of the tree.
fn probe(reader: &Reader<Cow<'static, [u8]>>) -> Result<Option<Schema>, maxminddb::MaxMindDbError> {
    let mut seen = Seen::default();
    for found in reader.networks(WithinOptions::default())?.take(512) {
        if let Some(p) = found?.decode::<Probe>()? {
            seen.add(&p);
        }
    }
    Ok(seen.schema())
}

//! Where sources are: GeoIP and ASN lookups in MaxMind DB files (several at once, a country
//! database bundled), who announces an address (a bundled AS table) and whether its owner's
//! addresses are shared infrastructure, internal addresses kept apart, country-level placement,
//! the world table the map draws, and who reached whom for its arcs.

pub mod asn;
mod database;
mod links;
mod locate;
pub mod shared;
mod world;

pub use asn::{AsInfo, AsTable, ASN_ATTRIBUTION, ASN_NAME};
pub use database::{Database, DatabaseInfo, Record, Schema};
pub use links::{links, Link};
pub use locate::{
    is_internal, map_positions, standard_dirs, GeoInfo, Locator, Placement, PlacementCounts,
    BUNDLED_ATTRIBUTION, BUNDLED_NAME, GEOIP_ENV,
};
pub use shared::{shared_owner, shared_owner_of, SharedKind, SharedOwner};
pub use world::{mercator_y, world, Country, Outline, World, MAX_LATITUDE};

/// The reason a source gets when the country its log carries (an ISO code the world table
/// knows) differs from GeoIP's:
/// "logged as NL, GeoIP says RU" (a spoofed or stale field, or a database out of date).
pub fn country_disagreement(logged: Option<&str>, geo: Option<&str>) -> Option<String> {
    let (logged, geo) = (logged?.trim(), geo?);
    // Placeholders ("--", "XX", "ZZ", "EU", "A1") are no country to disagree with.
    let known = logged.len() == 2 && world().country(logged).is_some();
    (known && !logged.eq_ignore_ascii_case(geo)).then(|| {
        format!(
            "logged as {}, GeoIP says {geo}",
            logged.to_ascii_uppercase()
        )
    })
}

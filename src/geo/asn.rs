//! Who announces an address: the bundled IP to AS table (ip-location-db asn, from RouteViews,
//! DB-IP and the RIRs; see `assets/README.md`), read in place from the bytes compiled into the
//! binary. `scripts/build-asn` makes the table and documents its format: sorted range
//! boundaries (IPv4 bucketed by /16, IPv6 by /64 with a few finer ones), each naming an AS by
//! its index in a table of numbers and deduplicated organisation names.

use std::net::IpAddr;
use std::sync::OnceLock;

use super::database::{DatabaseInfo, Schema};

/// The bundled table's bytes.
static BUNDLED: &[u8] = include_bytes!("../../assets/asn/ip-to-asn.bin");

/// The name the bundled AS table goes by in messages, Settings and `detect`'s summary.
pub const ASN_NAME: &str = "bundled: ip-location-db asn";

/// The attribution the bundled AS data asks for (CC BY 4.0: RouteViews, DB-IP, NRO).
pub const ASN_ATTRIBUTION: &str = "IP to AS data: ip-location-db asn, from RouteViews, DB-IP \
     (IP Geolocation by DB-IP, https://db-ip.com) and RIR data by the NRO, CC BY 4.0";

const MAGIC: &[u8; 8] = b"NSLASN01";
const HEADER: usize = 76;
/// A value meaning "no AS from this boundary on".
const NONE: u32 = 0xFF_FFFF;
/// An IPv6 value meaning "this /64 has boundaries inside it: look in the fine table".
const FINE: u32 = 0xFF_FFFE;

/// The autonomous system that announces an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AsInfo {
    /// The AS number.
    pub number: u32,
    /// The organisation that holds it, as the data names it ("Cloudflare, Inc.").
    pub org: &'static str,
}

/// `n` little-endian unsigned integers of `W` bytes each, read in place.
#[derive(Debug, Clone, Copy)]
struct Column<const W: usize>(&'static [u8]);

impl<const W: usize> Column<W> {
    fn len(self) -> usize {
        self.0.len() / W
    }

    /// The `i`-th integer; `i` must be below `len`.
    fn at(self, i: usize) -> u128 {
        let mut b = [0u8; 16];
        b[..W].copy_from_slice(&self.0[i * W..(i + 1) * W]);
        u128::from_le_bytes(b)
    }

    /// The `i`-th integer, or `None` past the end.
    fn get(self, i: usize) -> Option<u128> {
        (i < self.len()).then(|| self.at(i))
    }

    /// The position of the last integer at most `x` among positions `lo..hi` (clamped to the
    /// column), which must be ascending there.
    fn last_at_most(self, lo: usize, hi: usize, x: u128) -> Option<usize> {
        let hi = hi.min(self.len());
        let (start, mut lo, mut hi) = (lo.min(hi), lo.min(hi), hi);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.at(mid) <= x {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        (lo > start).then(|| lo - 1)
    }
}

/// An IP to AS table over bytes in the format `scripts/build-asn` writes.
#[derive(Debug)]
pub struct AsTable {
    built: u64,
    source: &'static str,
    tarball_sha256: [u8; 32],
    org_offsets: Column<4>,
    org_text: &'static str,
    as_numbers: Column<4>,
    as_orgs: Column<4>,
    v4_index: Column<4>,
    v4_keys: Column<2>,
    v4_values: Column<3>,
    v6_keys: Column<8>,
    v6_values: Column<3>,
    fine_keys: Column<16>,
    fine_values: Column<3>,
}

/// Cuts consecutive sections off a byte slice.
struct Sections {
    rest: &'static [u8],
}

impl Sections {
    fn take(&mut self, n: usize, what: &str) -> Result<&'static [u8], String> {
        if n > self.rest.len() {
            return Err(format!("cut short in its {what}"));
        }
        let (head, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(head)
    }

    fn column<const W: usize>(&mut self, n: usize, what: &str) -> Result<Column<W>, String> {
        let bytes = n
            .checked_mul(W)
            .ok_or_else(|| format!("impossible count of {what}"))?;
        self.take(bytes, what).map(Column)
    }
}

impl AsTable {
    /// Reads a table's header and cuts its sections, checking that their sizes add up to the
    /// bytes given and that the names are UTF-8. Lookups never read outside the sections: a
    /// damaged table gives wrong or no answers, never a panic.
    pub fn parse(bytes: &'static [u8]) -> Result<AsTable, String> {
        let header = bytes
            .get(..HEADER)
            .ok_or("too short for an AS table header")?;
        if &header[..8] != MAGIC {
            return Err("not an AS table (wrong magic)".into());
        }
        let u32_at = |at: usize| {
            let mut b = [0u8; 4];
            b.copy_from_slice(&header[at..at + 4]);
            u32::from_le_bytes(b) as usize
        };
        let mut built = [0u8; 8];
        built.copy_from_slice(&header[8..16]);
        let mut tarball_sha256 = [0u8; 32];
        tarball_sha256.copy_from_slice(&header[16..48]);
        let [n_orgs, org_bytes, n_as, n_v4, n_v6, n_fine, source_len] =
            [48, 52, 56, 60, 64, 68, 72].map(u32_at);
        let mut s = Sections {
            rest: &bytes[HEADER..],
        };
        let source = std::str::from_utf8(s.take(source_len, "source")?)
            .map_err(|_| "its source text is not UTF-8")?;
        let org_offsets = s.column(n_orgs + 1, "organisation offsets")?;
        let org_text = std::str::from_utf8(s.take(org_bytes, "organisation names")?)
            .map_err(|_| "its organisation names are not UTF-8")?;
        let table = AsTable {
            built: u64::from_le_bytes(built),
            source,
            tarball_sha256,
            org_offsets,
            org_text,
            as_numbers: s.column(n_as, "AS numbers")?,
            as_orgs: s.column(n_as, "AS organisations")?,
            v4_index: s.column(65_537, "IPv4 index")?,
            v4_keys: s.column(n_v4, "IPv4 keys")?,
            v4_values: s.column(n_v4, "IPv4 values")?,
            v6_keys: s.column(n_v6, "IPv6 keys")?,
            v6_values: s.column(n_v6, "IPv6 values")?,
            fine_keys: s.column(n_fine, "fine IPv6 keys")?,
            fine_values: s.column(n_fine, "fine IPv6 values")?,
        };
        if !s.rest.is_empty() {
            return Err(format!("{} bytes after its last section", s.rest.len()));
        }
        Ok(table)
    }

    /// The AS that announces `ip`, if the table knows one. IPv4-mapped IPv6 addresses are
    /// looked up as the IPv4 address they carry.
    pub fn lookup(&self, ip: IpAddr) -> Option<AsInfo> {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        let value = match ip {
            IpAddr::V4(v4) => {
                let a = u32::from(v4);
                let p = (a >> 16) as usize;
                let lo = self.v4_index.get(p)? as usize;
                let hi = self.v4_index.get(p + 1)? as usize;
                match self.v4_keys.last_at_most(lo, hi, u128::from(a & 0xFFFF)) {
                    Some(i) => self.v4_values.at(i),
                    // The value holding at the start of this /16 is the last one before it.
                    None => self.v4_values.get(lo.checked_sub(1)?)?,
                }
            }
            IpAddr::V6(v6) => {
                let a = u128::from(v6);
                let i = self.v6_keys.last_at_most(0, usize::MAX, a >> 64)?;
                match self.v6_values.at(i) as u32 {
                    FINE => {
                        let j = self.fine_keys.last_at_most(0, usize::MAX, a)?;
                        self.fine_values.at(j)
                    }
                    v => u128::from(v),
                }
            }
        };
        self.info_at(usize::try_from(value).ok()?)
    }

    /// The organisation that holds AS `number`, if the table knows the number.
    pub fn organisation(&self, number: u32) -> Option<&'static str> {
        let i = self
            .as_numbers
            .last_at_most(0, usize::MAX, u128::from(number))?;
        let info = self.info_at(i)?;
        (info.number == number).then_some(info.org)
    }

    /// Every AS number the table knows, ascending.
    pub fn numbers(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.as_numbers.len()).map(|i| self.as_numbers.at(i) as u32)
    }

    /// The AS at index `k` of the AS table; `None` for the "no AS" value.
    fn info_at(&self, k: usize) -> Option<AsInfo> {
        if k == NONE as usize {
            return None;
        }
        let number = self.as_numbers.get(k)? as u32;
        let org = self.as_orgs.get(k)? as usize;
        let (from, to) = (self.org_offsets.get(org)?, self.org_offsets.get(org + 1)?);
        let org = self.org_text.get(from as usize..to as usize)?;
        Some(AsInfo { number, org })
    }

    /// When the data was made, seconds since the epoch.
    pub fn built(&self) -> u64 {
        self.built
    }

    /// The package and version the table was made from.
    pub fn source(&self) -> &'static str {
        self.source
    }

    /// The sha256 of the npm tarball the table was made from, in lower-case hex.
    pub fn tarball_sha256(&self) -> String {
        self.tarball_sha256
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// What Settings and `detect` show about the table, as about a database.
    pub fn info(&self) -> DatabaseInfo {
        DatabaseInfo {
            path: ASN_NAME.into(),
            schema: Schema::FlatAsn,
            kind: self.source.to_string(),
            built: self.built,
            ip_version: 6,
        }
    }
}

/// The bundled table, read on first use; the error says what is wrong with it.
pub fn bundled() -> Result<&'static AsTable, &'static str> {
    static TABLE: OnceLock<Result<AsTable, String>> = OnceLock::new();
    TABLE
        .get_or_init(|| AsTable::parse(BUNDLED).map_err(|e| format!("{ASN_NAME}: {e}")))
        .as_ref()
        .map_err(String::as_str)
}

/// The AS that announces `ip`, from the bundled table. Every address is looked up as it is:
/// callers that keep internal addresses apart ([`super::Locator`]) do so first.
pub fn lookup(ip: IpAddr) -> Option<AsInfo> {
    bundled().ok()?.lookup(ip)
}

/// The organisation that holds AS `number`, from the bundled table.
pub fn organisation(number: u32) -> Option<&'static str> {
    bundled().ok()?.organisation(number)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ip: &str) -> Option<(u32, &'static str)> {
        lookup(ip.parse().unwrap()).map(|a| (a.number, a.org))
    }

    /// Rows of the package's CSVs, read with grep from `asn-ipv4.csv` and `asn-ipv6.csv`:
    /// both ends of a range, the address after a range that a gap follows, and the one
    /// IPv4 row that starts inside the row before it.
    #[test]
    fn known_rows_of_the_csvs() {
        // 1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc." then 1.0.4.0,1.0.7.255,38803,...
        assert_eq!(at("1.0.0.0"), Some((13335, "Cloudflare, Inc.")));
        assert_eq!(at("1.0.0.255"), Some((13335, "Cloudflare, Inc.")));
        assert_eq!(at("1.0.1.0"), None);
        assert_eq!(at("1.0.3.255"), None);
        assert_eq!(at("1.0.4.0"), Some((38803, "Gtelecom Pty Ltd")));
        assert_eq!(at("0.255.255.255"), None);
        // 214.95.0.0,215.0.255.255,749,... then 215.0.0.0,215.1.3.255,721,...
        assert_eq!(
            at("214.95.0.0"),
            Some((749, "United States Department of Defense (DoD)"))
        );
        assert_eq!(
            at("214.255.255.255"),
            Some((749, "United States Department of Defense (DoD)"))
        );
        assert_eq!(
            at("215.0.0.0"),
            Some((721, "DoD Network Information Center"))
        );
        // 2001::,2001::ffff:ffff:ffff:ffff:ffff:ffff,6939,Hurricane Electric LLC
        assert_eq!(at("2001::"), Some((6939, "Hurricane Electric LLC")));
        assert_eq!(
            at("2001::ffff:ffff:ffff:ffff:ffff:ffff"),
            Some((6939, "Hurricane Electric LLC"))
        );
        assert_eq!(at("2001:1::"), None);
        // Boundaries inside one /64: 2001:500:30ff::,2001:500:30ff::2f,396585 then
        // 2001:500:30ff::30,2001:500:30ff::30,396552 then ::31 onwards 396585 again.
        let verisign = "VeriSign Global Registry Services";
        assert_eq!(at("2001:500:30ff::2f"), Some((396585, verisign)));
        assert_eq!(at("2001:500:30ff::30"), Some((396552, verisign)));
        assert_eq!(at("2001:500:30ff::31"), Some((396585, verisign)));
        assert_eq!(
            at("2001:500:30ff:ffff:ffff:ffff:ffff:ffff"),
            Some((396585, verisign))
        );
        assert_eq!(at("::"), None);
        assert_eq!(at("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), None);
    }

    #[test]
    fn ipv4_mapped_addresses_are_looked_up_as_ipv4() {
        assert_eq!(at("::ffff:8.8.8.8"), at("8.8.8.8"));
        assert_eq!(at("8.8.8.8"), Some((15169, "Google LLC")));
    }

    #[test]
    fn organisations_by_number_and_the_table_header() {
        let t = bundled().unwrap();
        assert_eq!(organisation(13335), Some("Cloudflare, Inc."));
        assert_eq!(organisation(16276), Some("OVH SAS"));
        assert_eq!(organisation(0), None);
        // AS_TRANS and a private-use number belong to nobody.
        assert_eq!(organisation(23456), None);
        assert_eq!(organisation(4_200_000_000), None);
        assert_eq!(organisation(u32::MAX), None);
        assert_eq!(t.numbers().count(), 91_065);
        assert!(t.numbers().zip(t.numbers().skip(1)).all(|(a, b)| a < b));
        assert_eq!(
            t.source(),
            "ip-location-db asn 2.3.2026061719 (npm @ip-location-db/asn)"
        );
        // 2026-06-17 19:00 UTC, the version's date and hour.
        assert_eq!(t.built(), 1_781_722_800);
        assert_eq!(
            t.tarball_sha256(),
            "b9425daf2f011c28f8586685d4f89166e77627e2c15fd93c6262c3e2dead6153"
        );
    }

    /// Every cut of the bundled bytes is refused with a reason, and a table whose sections
    /// hold nonsense answers without panicking.
    #[test]
    fn damaged_tables_are_refused_or_harmless() {
        for len in [0, 7, 75, 76, 1000, BUNDLED.len() / 2, BUNDLED.len() - 1] {
            let e = AsTable::parse(&BUNDLED[..len]).unwrap_err();
            assert!(!e.is_empty());
        }
        let mut longer = BUNDLED.to_vec();
        longer.push(0);
        let longer: &'static [u8] = Box::leak(longer.into_boxed_slice());
        assert!(AsTable::parse(longer)
            .unwrap_err()
            .contains("after its last"));
        // Keep the header and the names, fill the other sections with 0xff and with noise:
        // indexes and values then point nowhere or anywhere.
        let count =
            |at: usize| u32::from_le_bytes(BUNDLED[at..at + 4].try_into().unwrap()) as usize;
        let names_end = HEADER + count(72) + 4 * (count(48) + 1) + count(52);
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut noise = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as u8
        };
        for fill in [0xff_u8, 0] {
            let mut junk = BUNDLED.to_vec();
            for b in &mut junk[names_end..] {
                *b = if fill == 0xff { 0xff } else { noise() };
            }
            let junk: &'static [u8] = Box::leak(junk.into_boxed_slice());
            let t = AsTable::parse(junk).unwrap();
            let mut answered = 0;
            for k in 0..20_000u32 {
                let v4 = IpAddr::from(k.wrapping_mul(2_654_435_761).to_be_bytes());
                let v6 = IpAddr::from(
                    u128::from(k)
                        .wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835)
                        .to_be_bytes(),
                );
                answered +=
                    usize::from(t.lookup(v4).is_some()) + usize::from(t.lookup(v6).is_some());
                let _ = t.organisation(k);
            }
            if fill == 0xff {
                assert_eq!(answered, 0);
                assert_eq!(t.organisation(13335), None);
            }
        }
    }
}

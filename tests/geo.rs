//! GeoIP and ASN lookups on the real databases in ../shared/data/geoip, checked against values
//! worked out without our reader: the JSON MaxMind built its test databases from (longest
//! matching network, computed here with ipnet) and, for the bundled database, what Python's
//! maxminddb package reads (tests/fixtures/geoip-bundled.csv).

mod real_data;

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use netsleuth::geo::{
    asn, country_disagreement, is_internal, world, Database, Locator, Placement, PlacementCounts,
    Schema, ASN_NAME,
};
use serde_json::Value;

fn geoip(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/geoip")
        .join(name)
}

/// The networks of a MaxMind source JSON with their records.
fn source_networks(name: &str) -> Vec<(IpNet, Value)> {
    let text = std::fs::read_to_string(geoip(name)).expect("source JSON is there");
    let doc: Vec<serde_json::Map<String, Value>> = serde_json::from_str(&text).unwrap();
    doc.into_iter()
        .flat_map(|m| m.into_iter())
        .map(|(net, rec)| (net.parse().expect("network parses"), rec))
        .collect()
}

/// The record of the longest network containing `ip`, as the database must answer.
fn expected(nets: &[(IpNet, Value)], ip: IpAddr) -> Option<&Value> {
    nets.iter()
        .filter(|(n, _)| n.contains(&ip))
        .max_by_key(|(n, _)| n.prefix_len())
        .map(|(_, v)| v)
}

fn only(path: PathBuf) -> Locator {
    Locator::with_paths(&[path], false)
}

/// Every network of the City test databases: the first address of each gives the country,
/// city and coordinates its (longest) source network holds, IPv4 and IPv6.
#[test]
fn city_databases_match_their_source() {
    for name in ["GeoIP2-City-Test", "GeoLite2-City-Test"] {
        let db = Database::open(&geoip(&format!("{name}.mmdb"))).unwrap();
        assert_eq!(db.info().schema, Schema::NestedCity, "{name}");
        let locator = only(geoip(&format!("{name}.mmdb")));
        let nets = source_networks(&format!("source-{name}.json"));
        let (mut checked, mut v6, mut cities) = (0, 0, 0);
        for (net, _) in &nets {
            let ip = net.network();
            if is_internal(ip) {
                continue;
            }
            let want = expected(&nets, ip).unwrap();
            let got = locator.lookup(ip);
            let country = want["country"]["iso_code"]
                .as_str()
                .or(want["registered_country"]["iso_code"].as_str());
            assert_eq!(got.country.as_deref(), country, "{name} {ip}");
            let city = want["city"]["names"]["en"].as_str();
            assert_eq!(got.city.as_deref(), city, "{name} {ip}");
            let lat = want["location"]["latitude"].as_f64();
            let lon = want["location"]["longitude"].as_f64();
            if let (Some(lat), Some(lon)) = (lat, lon) {
                assert_eq!(got.placement, Placement::Located, "{name} {ip}");
                assert_eq!(got.position, Some((lat, lon)), "{name} {ip}");
            }
            cities += usize::from(city.is_some());
            v6 += usize::from(ip.is_ipv6());
            checked += 1;
        }
        assert!(
            checked > 100 && v6 > 20 && cities >= 10,
            "{name}: {checked} {v6} {cities}"
        );
    }
    // The examples the data's README names.
    let city = only(geoip("GeoIP2-City-Test.mmdb"));
    let london = city.lookup("81.2.69.142".parse().unwrap());
    assert_eq!(
        (london.country.as_deref(), london.city.as_deref()),
        (Some("GB"), Some("London"))
    );
    assert_eq!(london.subdivision.as_deref(), Some("England"));
    let boxford = city.lookup("2.125.160.216".parse().unwrap());
    assert_eq!(boxford.city.as_deref(), Some("Boxford"));
    assert_eq!(boxford.position, Some((51.75, -1.25)));
    assert_eq!(boxford.accuracy_km, Some(100));
}

#[test]
fn asn_database_matches_its_source() {
    let path = geoip("GeoLite2-ASN-Test.mmdb");
    assert_eq!(Database::open(&path).unwrap().info().schema, Schema::Asn);
    let locator = only(path);
    let nets = source_networks("source-GeoLite2-ASN-Test.json");
    let mut checked = 0;
    for (net, _) in &nets {
        let ip = net.network();
        if is_internal(ip) {
            continue;
        }
        let want = expected(&nets, ip).unwrap();
        let got = locator.lookup(ip);
        assert_eq!(
            got.asn.map(u64::from),
            want["autonomous_system_number"].as_u64(),
            "{ip}"
        );
        assert_eq!(
            got.as_org.as_deref(),
            want["autonomous_system_organization"].as_str(),
            "{ip}"
        );
        // An ASN database knows no country: nothing to place.
        assert_eq!(got.placement, Placement::Unlocated);
        checked += 1;
    }
    assert!(checked > 500, "{checked}");
    let google = locator.lookup("1.0.0.1".parse().unwrap());
    assert_eq!(google.asn, Some(15169));
    assert_eq!(google.as_org.as_deref(), Some("Google Inc."));
    assert_eq!(google.as_text().as_deref(), Some("AS15169 Google Inc."));
}

/// A city database and an ASN database together: each field from the one that has it.
#[test]
fn several_databases_merge_field_by_field() {
    let locator = Locator::with_paths(
        &[
            geoip("GeoIP2-City-Test.mmdb"),
            geoip("GeoLite2-ASN-Test.mmdb"),
        ],
        true,
    );
    let names: Vec<String> = locator
        .databases()
        .map(|d| d.path.display().to_string())
        .collect();
    assert_eq!(names.len(), 4, "{names:?}");
    assert_eq!(names[3], ASN_NAME, "the bundled AS table comes last");
    assert!(locator.problems().is_empty());
    let city = source_networks("source-GeoIP2-City-Test.json");
    let asn = source_networks("source-GeoLite2-ASN-Test.json");
    let both = city
        .iter()
        .map(|(n, _)| n.network())
        .find(|&ip| {
            !is_internal(ip)
                && expected(&asn, ip).is_some()
                && expected(&city, ip).is_some_and(|r| r["city"]["names"]["en"].is_string())
        })
        .expect("an address in both test databases");
    let got = locator.lookup(both);
    let want_city = expected(&city, both).unwrap();
    let want_asn = expected(&asn, both).unwrap();
    assert_eq!(
        got.city.as_deref(),
        want_city["city"]["names"]["en"].as_str()
    );
    assert_eq!(
        got.asn.map(u64::from),
        want_asn["autonomous_system_number"].as_u64()
    );
    assert_eq!(got.placement, Placement::Located);
    assert_eq!(got.placed_by, Some(0), "the city database placed it");
}

#[test]
fn country_database_places_at_the_country_point() {
    let path = geoip("GeoLite2-Country-Test.mmdb");
    assert_eq!(
        Database::open(&path).unwrap().info().schema,
        Schema::NestedCountry
    );
    let locator = only(path);
    let nets = source_networks("source-GeoLite2-Country-Test.json");
    let (ip, want) = nets
        .iter()
        .map(|(n, _)| n.network())
        .filter(|&ip| !is_internal(ip))
        .find_map(|ip| {
            let c = expected(&nets, ip)?["country"]["iso_code"].as_str()?;
            world().country(c).is_some().then_some((ip, c))
        })
        .unwrap();
    let got = locator.lookup(ip);
    assert_eq!(got.country.as_deref(), Some(want));
    assert_eq!(got.placement, Placement::Country);
    let country = world().country(want).unwrap();
    assert_eq!(got.position, Some(country.lat_lon()));
}

/// The bundled database, read by our reader, gives what Python's maxminddb reads for the same
/// real addresses, IPv4 and IPv6; the one address it lacks is unlocated.
#[test]
fn bundled_database_matches_python() {
    let locator = Locator::with_paths(&[], true);
    let info: Vec<_> = locator.databases().collect();
    assert_eq!(info.len(), 2);
    assert_eq!(info[0].schema, Schema::FlatCountry);
    assert_eq!(info[0].ip_version, 6);
    assert_eq!(info[1].path.display().to_string(), ASN_NAME);
    assert_eq!(info[1].schema, Schema::FlatAsn);
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/geoip-bundled.csv"),
    )
    .unwrap();
    let (mut checked, mut v6, mut missing) = (0, 0, 0);
    for line in text.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let mut cells = line.split(',');
        let ip: IpAddr = cells.next().unwrap().parse().unwrap();
        let want = cells.next().unwrap();
        let got = locator.lookup(ip);
        if want.is_empty() {
            assert_eq!(got.country, None, "{ip}");
            assert_eq!(got.placement, Placement::Unlocated, "{ip}");
            assert_eq!(got.position, None, "{ip}");
            missing += 1;
        } else {
            assert_eq!(got.country.as_deref(), Some(want), "{ip}");
            assert_eq!(got.placement, Placement::Country, "{ip}");
            assert_eq!(got.placed_by, Some(0), "{ip}");
            let p = got.position.unwrap();
            assert!(p != (0.0, 0.0), "{ip}");
        }
        v6 += usize::from(ip.is_ipv6());
        checked += 1;
    }
    assert_eq!((checked, v6, missing), (244, 4, 1));
}

/// The bundled AS table names the AS wherever no database does; a MaxMind ASN database comes
/// first; internal addresses and locators without the bundled data get none.
#[test]
fn bundled_as_table_fills_the_as_where_no_database_does() {
    let bundled = Locator::with_paths(&[], true);
    let info = bundled.databases().last().unwrap().clone();
    assert_eq!(info.path.display().to_string(), ASN_NAME);
    assert_eq!(
        info.kind,
        "ip-location-db asn 2.3.2026061719 (npm @ip-location-db/asn)"
    );
    // 2026-06-17 19:00 UTC, the date and hour in the package's version.
    assert_eq!(info.built, 1_781_722_800);
    let google = bundled.lookup("8.8.8.8".parse().unwrap());
    assert_eq!(google.asn, Some(15169));
    assert_eq!(google.as_org.as_deref(), Some("Google LLC"));
    assert_eq!(google.country.as_deref(), Some("US"));
    assert_eq!(google.placed_by, Some(0), "the AS table places nothing");
    let v6 = bundled.lookup("2606:4700::1111".parse().unwrap());
    assert_eq!(v6.as_text().as_deref(), Some("AS13335 Cloudflare, Inc."));
    for ip in ["10.1.2.3", "192.0.2.7", "::ffff:10.0.0.1", "fd00::1"] {
        let g = bundled.lookup(ip.parse().unwrap());
        assert_eq!((g.asn, g.as_org), (None, None), "{ip}");
    }
    let without = Locator::with_paths(&[], false);
    assert_eq!(without.lookup("8.8.8.8".parse().unwrap()).asn, None);
    assert_eq!(without.databases().count(), 0);

    // MaxMind's test ASN database says 1.0.0.1 is AS15169 "Google Inc."; the bundled table
    // says AS13335: the chosen database wins. Where it knows nothing, the table answers.
    let both = Locator::with_paths(&[geoip("GeoLite2-ASN-Test.mmdb")], true);
    let first = both.lookup("1.0.0.1".parse().unwrap());
    assert_eq!(first.as_text().as_deref(), Some("AS15169 Google Inc."));
    assert_eq!(
        asn::lookup("1.0.0.1".parse().unwrap()).map(|a| a.number),
        Some(13335)
    );
    let asn_db = Database::open(&geoip("GeoLite2-ASN-Test.mmdb")).unwrap();
    let ip: IpAddr = "8.8.8.8".parse().unwrap();
    assert_eq!(asn_db.lookup(ip), None);
    assert_eq!(both.lookup(ip).asn, Some(15169));
}

/// Lookups keep the country point itself (what sources.csv exports); the map spreads a
/// country's sources around it, none stacked, none at 0,0, each on the country's land and
/// within its spread radius: China and the Netherlands, whose small mainland sits beside the sea.
#[test]
fn country_level_sources_are_spread_on_land() {
    let locator = Locator::with_paths(&[], true);
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/geoip-bundled.csv"),
    )
    .unwrap();
    for iso in ["CN", "NL"] {
        let ips: Vec<IpAddr> = text
            .lines()
            .filter(|l| l.contains(&format!(",{iso},")))
            .map(|l| l.split(',').next().unwrap().parse().unwrap())
            .collect();
        assert!(ips.len() >= 3, "{iso}: {}", ips.len());
        // As many sources as the shared Dionaea file has from China, from these addresses.
        let many: Vec<IpAddr> = ips.iter().cycle().take(177).copied().collect();
        let placed = locator.locate(&many);
        let country = world().country(iso).unwrap();
        for g in &placed {
            assert_eq!(
                g.position,
                Some(country.lat_lon()),
                "{iso}: exports keep the point"
            );
        }
        let refs: Vec<_> = placed.iter().map(Some).collect();
        let drawn = netsleuth::geo::map_positions(&refs);
        let (lat0, lon0) = country.lat_lon();
        let r = country.spread_radius();
        let mut seen = Vec::new();
        for p in &drawn {
            let (lat, lon) = p.unwrap();
            assert!(
                country.contains(lat, lon),
                "{iso}: {lat},{lon} is not on land"
            );
            assert!((lat - lat0).abs() <= r + 1e-9, "{lat} vs {lat0}");
            assert!(
                ((lon - lon0) * lat0.to_radians().cos().max(0.2)).abs() <= r + 1e-9,
                "{lon} vs {lon0}"
            );
            assert!(!seen.contains(&(lat, lon)), "{iso}: stacked at {lat},{lon}");
            seen.push((lat, lon));
        }
    }
    // A point in the North Sea is not Dutch land; Amsterdam is.
    let nl = world().country("NL").unwrap();
    assert!(!nl.contains(53.32, 4.0));
    assert!(nl.contains(52.37, 4.90));
    let counts = PlacementCounts::of(&locator.locate(&["8.8.8.8".parse().unwrap()]));
    assert_eq!(counts.country, 1);
}

#[test]
fn internal_addresses_are_never_looked_up_or_drawn() {
    let locator = Locator::with_paths(&[geoip("GeoIP2-City-Test.mmdb")], true);
    for ip in [
        "10.1.2.3",
        "172.16.9.5",
        "192.168.0.1",
        "127.0.0.1",
        "169.254.1.1",
        "100.64.0.1",
        "192.0.2.7",
        "224.0.0.251",
        "255.255.255.255",
        "fe80::1",
        "::1",
        "ff02::fb",
        "fd00::1",
        "2001:db8::1",
        "::ffff:10.0.0.1",
    ] {
        let g = locator.lookup(ip.parse().unwrap());
        assert_eq!(g.placement, Placement::Internal, "{ip}");
        assert_eq!(g.position, None, "{ip}");
    }
    // An IPv4-mapped public address is looked up as the IPv4 address.
    let mapped = locator.lookup("::ffff:81.2.69.142".parse().unwrap());
    assert_eq!(mapped.city.as_deref(), Some("London"));
}

/// MaxMind's IPv4-only test tree carries no country, city or AS field: it is refused by name,
/// once, and IPv6 lookups beside it are simply answered by the other databases, with no
/// error per lookup.
#[test]
fn an_ipv4_only_database_without_our_fields_is_refused_once() {
    let path = geoip("MaxMind-DB-test-ipv4-24.mmdb");
    let e = Database::open(&path).unwrap_err();
    assert!(e.contains("MaxMind-DB-test-ipv4-24.mmdb"), "{e}");
    assert!(e.contains("no country, city or AS fields"), "{e}");
    let locator = Locator::with_paths(&[path], true);
    let ips: Vec<IpAddr> = (1..=200u16)
        .map(|k| IpAddr::from([0x2001, 0x4860, k, 0, 0, 0, 0, 0x8888]))
        .collect();
    let placed = locator.locate(&ips);
    assert!(placed.iter().all(|g| g.country.as_deref() == Some("US")));
    assert_eq!(locator.problems().len(), 1, "{:?}", locator.problems());
}

/// A damaged database gives one clear message naming the file, never a panic, and the
/// other databases go on working.
#[test]
fn damaged_databases_are_named_not_fatal() {
    for name in [
        "MaxMind-DB-test-broken-pointers-24.mmdb",
        "MaxMind-DB-test-broken-search-tree-24.mmdb",
    ] {
        let locator = Locator::with_paths(&[geoip(name)], true);
        let ips: Vec<IpAddr> = (0..=255u8)
            .flat_map(|a| [a, a.wrapping_mul(7)].map(|b| IpAddr::from([1, a, b, 1])))
            .collect();
        let placed = locator.locate(&ips);
        assert_eq!(placed.len(), ips.len());
        let problems = locator.problems();
        assert_eq!(problems.len(), 1, "{name}: {problems:?}");
        assert!(problems[0].contains(name), "{}", problems[0]);
        assert!(problems[0].contains("damaged"), "{}", problems[0]);
        // The bundled database still answers.
        let g = locator.lookup("8.8.8.8".parse().unwrap());
        assert_eq!(g.country.as_deref(), Some("US"), "{name}");
    }
    let missing = Locator::with_paths(&[geoip("no-such.mmdb")], true);
    let problems = missing.problems();
    assert_eq!(problems.len(), 1);
    assert!(problems[0].contains("no-such.mmdb"));
    let not_a_db = Locator::with_paths(&[geoip("README.md")], true);
    assert!(not_a_db.problems()[0].contains("README.md"));
}

/// The spoofing check on a real CloudWatch row: every row of the shared file agrees with
/// GeoIP, so the test takes its first row and changes only the logged country.
#[test]
fn logged_country_disagreement_on_a_cloudwatch_row() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/cloudwatch/CloudWatch_Traffic_Web_Attack.csv");
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let row = lines.next().unwrap();
    assert!(row.contains(",147.161.161.82,AE,"), "{row}");
    let locator = Locator::with_paths(&[], true);
    let geo = locator.lookup("147.161.161.82".parse().unwrap());
    assert_eq!(geo.country.as_deref(), Some("AE"));
    assert_eq!(
        country_disagreement(Some("AE"), geo.country.as_deref()),
        None
    );
    assert_eq!(
        country_disagreement(Some("nl"), geo.country.as_deref()).as_deref(),
        Some("logged as NL, GeoIP says AE")
    );
    // Placeholders are no country to disagree with.
    for placeholder in ["--", "XX", "ZZ", "EU", "A1", ""] {
        assert_eq!(country_disagreement(Some(placeholder), Some("AE")), None);
    }

    // Through detection: the edited row's source carries the reason and both countries.
    let dir = tempfile::tempdir().unwrap();
    let edited = row.replace(",147.161.161.82,AE,", ",147.161.161.82,NL,");
    let file = dir.path().join("cloudwatch.csv");
    std::fs::write(&file, format!("{header}\n{edited}\n")).unwrap();
    let out = dir.path().join("out");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_netsleuth"))
        .args(["detect", "--out"])
        .arg(&out)
        .arg(&file)
        .env("NETSLEUTH_GEOIP", "")
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    let sources = std::fs::read_to_string(out.join("sources.csv")).unwrap();
    let mut rows = csv::Reader::from_reader(sources.as_bytes());
    let headers = rows.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rec = rows.records().next().unwrap().unwrap();
    assert_eq!(&rec[col("ip")], "147.161.161.82");
    assert_eq!(&rec[col("country")], "AE");
    assert_eq!(&rec[col("country_logged")], "NL");
    assert!(
        rec[col("reasons")].contains("logged as NL, GeoIP says AE"),
        "{}",
        &rec[col("reasons")]
    );
}

/// With no configuration, detect on the real honeypot files places at least 95% of the
/// public sources in a country and names the AS of at least 90%, and sources.csv carries the
/// place columns, the AS ones as the bundled table gives them.
#[test]
fn detect_places_honeypot_sources() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/honeypot");
    for file in [
        "cowrie/cowrie.json.2018-05-19",
        "dionaea/dionaea_mhn_export.json",
        "suricata/eve.json",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let run = std::process::Command::new(env!("CARGO_BIN_EXE_netsleuth"))
            .args(["detect", "--out"])
            .arg(&out)
            .arg(data.join(file))
            .env("NETSLEUTH_GEOIP", "")
            .output()
            .unwrap();
        assert!(run.status.success(), "{file}: {run:?}");
        let stdout = String::from_utf8_lossy(&run.stdout);
        assert!(stdout.contains("GeoIP: "), "{stdout}");
        let sources = std::fs::read_to_string(out.join("sources.csv")).unwrap();
        let mut rows = csv::Reader::from_reader(sources.as_bytes());
        let headers = rows.headers().unwrap().clone();
        for h in [
            "country",
            "city",
            "asn",
            "as_org",
            "latitude",
            "longitude",
            "country_logged",
        ] {
            assert!(headers.iter().any(|x| x == h), "{file}: no {h} column");
        }
        let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
        let (mut public, mut placed, mut with_as) = (0, 0, 0);
        for rec in rows.records() {
            let rec = rec.unwrap();
            let ip: IpAddr = rec[col("ip")].parse().unwrap();
            if is_internal(ip) {
                assert_eq!(&rec[col("placement")], "internal", "{file} {ip}");
                assert_eq!(&rec[col("latitude")], "", "{file} {ip}");
                continue;
            }
            public += 1;
            // The AS columns hold what the bundled table says, wherever it says something.
            let want = asn::lookup(ip);
            assert_eq!(
                rec[col("asn")].parse::<u32>().ok(),
                want.map(|a| a.number),
                "{file} {ip}"
            );
            assert_eq!(
                &rec[col("as_org")],
                want.map_or("", |a| a.org),
                "{file} {ip}"
            );
            with_as += usize::from(want.is_some());
            if !rec[col("country")].is_empty() {
                placed += 1;
                let lat: f64 = rec[col("latitude")].parse().unwrap();
                let lon: f64 = rec[col("longitude")].parse().unwrap();
                assert!(lat != 0.0 || lon != 0.0, "{file} {ip}");
            }
        }
        assert!(public > 10, "{file}: {public}");
        assert!(
            placed as f64 >= 0.95 * public as f64,
            "{file}: {placed} of {public}"
        );
        assert!(
            with_as as f64 >= 0.9 * public as f64,
            "{file}: AS for {with_as} of {public}"
        );
        assert!(stdout.contains(ASN_NAME), "{stdout}");
    }
}

/// The map's arcs: the busiest destinations of the source that used the Cowrie honeypot as a
/// proxy, counted with Python from the file (events per `dst_ip` of 195.3.147.49: 16 to
/// 2a02:6b8:a::a, 10 each to 216.58.207.206 and 2a00:1450:400f:80b::200e, 8 to the sensor
/// 172.17.0.3, and 24 lines without a `dst_ip`, all in sessions the sensor accepted, so 32 to
/// it; 23 other destinations).
#[test]
fn links_count_each_sources_busiest_destinations() {
    let (table, _) = real_data::read("honeypot/cowrie/cowrie.json.2018-05-19");
    let ip: IpAddr = "195.3.147.49".parse().unwrap();
    let rows: Vec<u32> = (0..table.len())
        .filter(|&r| table.source_ip(r) == Some(ip))
        .map(|r| r as u32)
        .collect();
    assert_eq!(rows.len(), 128);
    let links = netsleuth::geo::links(&table, [(ip, rows.as_slice())], 4);
    let got: Vec<(String, u64)> = links
        .iter()
        .map(|l| (l.destination.to_string(), l.events))
        .collect();
    assert_eq!(
        got,
        [
            ("172.17.0.3".to_string(), 32),
            ("2a02:6b8:a::a".to_string(), 16),
            ("216.58.207.206".to_string(), 10),
            ("2a00:1450:400f:80b::200e".to_string(), 10),
        ]
    );
    assert!(links.iter().all(|l| l.source == 0));
    let all = netsleuth::geo::links(&table, [(ip, rows.as_slice())], 100);
    assert_eq!(all.len(), 24, "the sensor and 23 other destinations");
    assert_eq!(all.iter().map(|l| l.events).sum::<u64>(), 128);
}

/// `detect --json` gives each top source its AS in `geo` (what the bundled table says) and
/// counts them in the `geoip` summary; `--no-geoip` turns the AS lookup off with the rest.
#[test]
fn detect_json_carries_the_as_and_no_geoip_turns_it_off() {
    let file =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/honeypot/suricata/eve.json");
    let run = |extra: &[&str]| {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_netsleuth"))
            .args(["detect", "--json"])
            .args(extra)
            .arg("--out")
            .arg(&out)
            .arg(&file)
            .env("NETSLEUTH_GEOIP", "")
            .env("NETSLEUTH_CACHE_DIR", dir.path().join("cache"))
            .output()
            .unwrap();
        assert!(o.status.code().is_some_and(|c| c == 0 || c == 2), "{o:?}");
        let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
        let sources = std::fs::read_to_string(out.join("sources.csv")).unwrap();
        (doc, sources)
    };
    let (doc, sources) = run(&[]);
    let (mut public, mut named) = (0, 0);
    for s in doc["top_sources"].as_array().unwrap() {
        let ip: IpAddr = s["ip"].as_str().unwrap().parse().unwrap();
        assert!(s["role"].is_string() && s.get("direction").is_some(), "{s}");
        assert!(
            s["shared"].is_null() || s["proposed_block"] == false,
            "a shared address is proposed: {s}"
        );
        let want = (!is_internal(ip)).then(|| asn::lookup(ip)).flatten();
        assert_eq!(
            s["geo"]["asn"].as_u64(),
            want.map(|a| u64::from(a.number)),
            "{ip}"
        );
        assert_eq!(s["geo"]["as_org"].as_str(), want.map(|a| a.org), "{ip}");
        public += usize::from(!is_internal(ip));
        named += usize::from(want.is_some());
    }
    assert!(named > 0 && named + 1 >= public, "{named} of {public}");
    assert_eq!(doc["geoip"]["with_asn"], 47);
    // Cloudflare's address that FormBook checked in to is a C2 to block outbound, but by its
    // name: sources.csv says who shares it.
    let row = csv::Reader::from_reader(sources.as_bytes())
        .deserialize::<HashMap<String, String>>()
        .map(Result::unwrap)
        .find(|r| r["ip"] == "104.21.89.147")
        .unwrap();
    assert_eq!(
        (
            row["role"].as_str(),
            row["direction"].as_str(),
            row["asn"].as_str()
        ),
        ("c2-server", "outbound", "13335")
    );
    assert!(
        row["shared"].starts_with("belongs to Cloudflare"),
        "{row:?}"
    );
    assert!(doc["geoip"]["databases"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d == ASN_NAME));

    let (off, sources) = run(&["--no-geoip"]);
    assert!(off["geoip"].is_null());
    assert!(off["top_sources"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["geo"].is_null()));
    let mut rows = csv::Reader::from_reader(sources.as_bytes());
    let col = rows
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "asn")
        .unwrap();
    assert!(rows.records().all(|r| r.unwrap()[col].is_empty()));
}

/// The servers malware reached in the real Suricata sample, with the AS the package's CSVs give
/// each (read with Python's ipaddress and bisect) and the kind the shared-infrastructure list
/// gives that AS. FormBook checks in with decoy requests to hijacked or ordinary sites: 17 of its
/// 19 are on CDNs, clouds and web hosts. Dridex's servers are rented VPSs (hosting, a single
/// tenant each) and home or business lines. Run with --nocapture to see the table.
#[test]
fn shared_owners_of_the_suricata_malware_servers() {
    use netsleuth::geo::{shared_owner_of, SharedKind::*};
    let expected = [
        (
            "ET MALWARE FormBook CnC Checkin (GET)",
            "216.58.193.147",
            15169,
            Some(Platform),
        ),
        (
            "ET MALWARE FormBook CnC Checkin (GET)",
            "104.16.12.194",
            13335,
            Some(Platform),
        ),
        (
            "ET MALWARE FormBook CnC Checkin (GET)",
            "104.21.89.147",
            13335,
            Some(Platform),
        ),
        (
            "ET MALWARE FormBook CnC Checkin (GET)",
            "23.227.38.74",
            13335,
            Some(Platform),
        ),
        (
            "ET MALWARE FormBook CnC Checkin (GET)",
            "198.185.159.144",
            53831,
            Some(Platform),
        ),
        (
            "ET MALWARE FormBook CnC Checkin (GET)",
            "213.186.33.5",
            16276,
            Some(Hosting),
        ),
        (
            "ET MALWARE FormBook CnC Checkin (GET)",
            "120.55.51.124",
            37963,
            Some(Platform),
        ),
        (
            "ET MALWARE FormBook CnC Checkin (GET)",
            "66.29.145.216",
            22612,
            Some(Hosting),
        ),
        (
            "ET MALWARE FormBook CnC Checkin (GET)",
            "66.235.200.112",
            13335,
            Some(Platform),
        ),
        (
            "ET MALWARE FormBook CnC Checkin (GET)",
            "184.168.99.26",
            26496,
            Some(Hosting),
        ),
        (
            "ET MALWARE FormBook CnC Checkin (GET)",
            "209.17.116.163",
            19871,
            Some(Hosting),
        ),
        (
            "ET MALWARE FormBook CnC Checkin (GET)",
            "194.9.94.85",
            39570,
            Some(Hosting),
        ),
        (
            "ET MALWARE FormBook CnC Checkin (GET)",
            "173.231.37.114",
            18450,
            None,
        ),
        (
            "ET MALWARE FormBook CnC Checkin (GET)",
            "216.172.184.77",
            19871,
            Some(Hosting),
        ),
        (
            "ET MALWARE FormBook CnC Checkin (GET)",
            "3.130.253.23",
            16509,
            Some(Platform),
        ),
        (
            "ET MALWARE FormBook CnC Checkin (GET)",
            "72.167.191.69",
            26496,
            Some(Hosting),
        ),
        (
            "ET MALWARE FormBook CnC Checkin (GET)",
            "198.54.117.215",
            22612,
            Some(Hosting),
        ),
        (
            "ET MALWARE FormBook CnC Checkin (GET)",
            "198.54.117.210",
            22612,
            Some(Hosting),
        ),
        (
            "ET MALWARE FormBook CnC Checkin (GET)",
            "154.206.65.249",
            138915,
            None,
        ),
        (
            "ET JA3 Hash - [Abuse.ch] Possible Dridex",
            "135.148.121.246",
            16276,
            Some(Hosting),
        ),
        (
            "ET JA3 Hash - [Abuse.ch] Possible Dridex",
            "144.217.88.125",
            16276,
            Some(Hosting),
        ),
        (
            "ET JA3 Hash - [Abuse.ch] Possible Dridex",
            "134.209.156.68",
            14061,
            Some(Hosting),
        ),
        (
            "ET JA3 Hash - [Abuse.ch] Possible Dridex",
            "59.148.253.194",
            9269,
            None,
        ),
        (
            "ET JA3 Hash - [Abuse.ch] Possible Dridex",
            "168.197.250.14",
            264776,
            None,
        ),
        (
            "ET JA3 Hash - [Abuse.ch] Possible Dridex",
            "27.254.174.84",
            9891,
            None,
        ),
        (
            "ET JA3 Hash - [Abuse.ch] Possible Dridex",
            "180.250.21.2",
            7713,
            None,
        ),
        (
            "ET JA3 Hash - [Abuse.ch] Possible Dridex",
            "139.196.72.155",
            37963,
            Some(Platform),
        ),
        (
            "ET INFO EXE - Served Attached HTTP",
            "64.34.171.228",
            13768,
            Some(Hosting),
        ),
    ];
    let eve = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/honeypot/suricata/eve.json"),
    )
    .unwrap();
    let mut alerted = std::collections::HashSet::new();
    for line in eve.lines() {
        let Ok(e) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if let Some(sig) = e["alert"]["signature"].as_str() {
            for end in ["src_ip", "dest_ip"] {
                if let Some(ip) = e[end].as_str() {
                    alerted.insert((sig.to_string(), ip.to_string()));
                }
            }
        }
    }
    for (sig, ip, number, kind) in expected {
        assert!(
            alerted.contains(&(sig.to_string(), ip.to_string())),
            "{ip} is not in a {sig} alert"
        );
        let addr: IpAddr = ip.parse().unwrap();
        let info = asn::lookup(addr).unwrap();
        let shared = shared_owner_of(addr);
        println!(
            "{ip:<16} AS{:<7} {:<40} {}",
            info.number,
            info.org,
            shared.map_or(String::new(), |(_, o)| format!(
                "{} ({})",
                o.kind.name(),
                o.owner
            ))
        );
        assert_eq!(info.number, number, "{ip}");
        assert_eq!(shared.map(|(_, o)| o.kind), kind, "{ip}");
    }
}

//! The bundled AS table against an independent reading of the CSVs it was built from:
//! tests/asn/reference.py fetches the npm tarball the table names (into target/asn-source,
//! kept there; its sha256 from the table's header) and answers 10,000 seeded random addresses,
//! IPv4 and IPv6, at range edges, inside ranges, between them and anywhere, with Python's
//! ipaddress and bisect. Every answer must agree with `geo::asn::lookup`, and every IPv4
//! address must give the same answer written as IPv4-mapped IPv6.

use std::net::IpAddr;
use std::path::Path;
use std::process::Command;

use netsleuth::geo::asn;

const PACKAGE: &str = "@ip-location-db/asn@2.3.2026061719";

#[test]
fn lookups_agree_with_python_on_10000_addresses() {
    let table = asn::bundled().unwrap();
    let version = PACKAGE.rsplit('@').next().unwrap();
    assert!(table.source().contains(version), "{}", table.source());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().unwrap();
    let csv_path = out.path().join("reference.csv");
    let run = Command::new("python3")
        .arg(root.join("tests/asn/reference.py"))
        .args(["--package", PACKAGE, "--sha256", &table.tarball_sha256()])
        .arg("--cache")
        .arg(root.join("target/asn-source"))
        .args(["--count", "10000", "--seed", "20260617", "--out"])
        .arg(&csv_path)
        .output()
        .expect("python3 runs");
    assert!(
        run.status.success(),
        "reference.py failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );

    let mut reader = csv::Reader::from_path(&csv_path).unwrap();
    let (mut checked, mut v6, mut none) = (0, 0, 0);
    let mut disagreements = Vec::new();
    for rec in reader.records() {
        let rec = rec.unwrap();
        let ip: IpAddr = rec[0].parse().unwrap();
        let want = (!rec[1].is_empty()).then(|| (rec[1].parse::<u32>().unwrap(), &rec[2]));
        let got = asn::lookup(ip);
        if got.map(|a| (a.number, a.org)) != want {
            disagreements.push(format!("{ip}: table {got:?}, CSV {want:?}"));
        }
        if let IpAddr::V4(v4) = ip {
            let mapped = IpAddr::V6(v4.to_ipv6_mapped());
            if asn::lookup(mapped) != got {
                disagreements.push(format!("{mapped}: differs from {ip}"));
            }
        }
        checked += 1;
        v6 += usize::from(ip.is_ipv6());
        none += usize::from(want.is_none());
    }
    assert!(
        disagreements.is_empty(),
        "{} of {checked} disagree, first: {:#?}",
        disagreements.len(),
        &disagreements[..disagreements.len().min(10)]
    );
    assert_eq!((checked, v6), (10_000, 5_000));
    // Both answers are well represented: addresses with an AS and addresses without.
    assert!(none > 1_000 && none < 9_000, "{none} without an AS");
}

//! Load and lookup times of the bundled AS table (`geo::asn`): `cargo bench --bench asn_lookup`.
//! Under `cargo test` it only checks that it runs, on a few addresses.
//!
//! Load: the first use of the bundled table in this process (reading its header, cutting its
//! sections, checking that its names are UTF-8), then the same parse repeated on a copy of the
//! asset. Lookups: one million random addresses per set, timed as a whole, best of five rounds;
//! the addresses are made before the clock starts.

use std::hint::black_box;
use std::net::IpAddr;
use std::time::Instant;

use netsleuth::geo::{asn, AsTable};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let n = if full { 1_000_000 } else { 1_000 };
    let rounds = if full { 5 } else { 1 };

    let t = Instant::now();
    let table = asn::bundled().expect("the bundled table parses");
    let first_use = t.elapsed();
    let bytes: &'static [u8] = Box::leak(
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/assets/asn/ip-to-asn.bin"
        ))
        .expect("the asset is there")
        .into_boxed_slice(),
    );
    let t = Instant::now();
    for _ in 0..rounds * 20 {
        black_box(AsTable::parse(black_box(bytes)).expect("the asset parses"));
    }
    let parse = t.elapsed() / (rounds * 20) as u32;
    println!(
        "load: first use {:.3} ms, parse {:.3} ms ({} bytes, {})",
        first_use.as_secs_f64() * 1e3,
        parse.as_secs_f64() * 1e3,
        bytes.len(),
        table.source()
    );

    let mut rng = StdRng::seed_from_u64(20_260_617);
    let sets: [(&str, Vec<IpAddr>); 3] = [
        (
            "IPv4, uniform over the whole space",
            (0..n)
                .map(|_| IpAddr::from(rng.gen::<u32>().to_be_bytes()))
                .collect(),
        ),
        (
            "IPv6, uniform within 2001::/16, 2400::/16, 2600::/16, 2800::/16, 2a00::/16",
            (0..n)
                .map(|_| {
                    let top = [0x2001u128, 0x2400, 0x2600, 0x2800, 0x2a00][rng.gen_range(0..5)];
                    IpAddr::from(((top << 112) | (rng.gen::<u128>() >> 16)).to_be_bytes())
                })
                .collect(),
        ),
        (
            "IPv4-mapped IPv6",
            (0..n)
                .map(|_| IpAddr::from(std::net::Ipv4Addr::from(rng.gen::<u32>()).to_ipv6_mapped()))
                .collect(),
        ),
    ];
    for (name, ips) in &sets {
        let mut best = f64::INFINITY;
        let mut found = 0;
        for _ in 0..rounds {
            let t = Instant::now();
            found = ips
                .iter()
                .filter(|&&ip| black_box(asn::lookup(black_box(ip))).is_some())
                .count();
            best = best.min(t.elapsed().as_secs_f64());
        }
        assert!(found > 0, "{name}: no address found");
        println!(
            "lookup, {name}: {:.0} ns per address (best of {rounds} rounds of {n}; {:.1}% have an AS)",
            best * 1e9 / n as f64,
            100.0 * found as f64 / n as f64
        );
    }
}

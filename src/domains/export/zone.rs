//! A DNS response policy zone (RPZ) as BIND, Knot Resolver and PowerDNS Recursor load it: an
//! SOA and NS record, then per name `name CNAME .` (answer NXDOMAIN) or the sinkhole's `A` /
//! `AAAA` record, and the same under `*.name` when subdomains are included. Owner names are
//! relative to the zone, so `www.example.com` is `www.example.com.NAME.rpz.`.

use std::net::IpAddr;

use super::{Ctx, DomainName};
use crate::domains::entry::Action;
use crate::domains::name::MAX_NAME;

/// The records' time to live, and the SOA's negative caching time, in seconds.
const TTL: u32 = 300;

pub(super) fn rpz(ctx: &mut Ctx) -> String {
    let origin = format!("{}.rpz", ctx.opts.name);
    // An owner is the name, a `*.` when subdomains are included, a dot and the zone's name,
    // within the 253 characters of a name.
    let room = MAX_NAME - origin.len() - 1;
    let (fit, long): (Vec<_>, Vec<_>) = std::mem::take(&mut ctx.entries)
        .into_iter()
        .partition(|e| e.name.as_str().len() + if e.subdomains { 2 } else { 0 } <= room);
    ctx.entries = fit;
    let long: Vec<&DomainName> = long.iter().map(|e| &e.name).collect();
    ctx.note_of(
        &long,
        &format!("names left out: too long to be written under the zone {origin}. (a name has at most {MAX_NAME} characters)"),
    );
    let serial = u32::try_from(ctx.opts.generated_at.max(1)).unwrap_or(u32::MAX);
    let mut s = ctx.header();
    s.push_str(&format!(
        "; Load as a response policy zone named {origin}, e.g. in BIND's named.conf:\n\
         ;     zone \"{origin}\" {{ type primary; file \"/etc/bind/{file}\"; }};\n\
         ;     options {{ response-policy {{ zone \"{origin}\"; }}; }};\n",
        file = super::DomainFormat::Rpz.default_name()
    ));
    s.push_str(&format!(
        "$TTL {TTL}\n$ORIGIN {origin}.\n@ IN SOA localhost. hostmaster.localhost. {serial} 3600 600 86400 {TTL}\n@ IN NS localhost.\n"
    ));
    for e in &ctx.entries {
        s.push_str(&ctx.entry_comment(e));
        let owners = [
            Some(e.name.to_string()),
            e.subdomains.then(|| format!("*.{}", e.name)),
        ];
        for owner in owners.into_iter().flatten() {
            let record = match e.action {
                Action::Nxdomain => "CNAME .".to_string(),
                Action::Sinkhole(IpAddr::V4(ip)) => format!("A {ip}"),
                Action::Sinkhole(IpAddr::V6(ip)) => format!("AAAA {ip}"),
            };
            s.push_str(&format!("{owner} {record}\n"));
        }
    }
    s
}

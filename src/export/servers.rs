//! Web servers and proxies: nginx `deny` lines and `geo` map, Apache 2.4 `Require not ip`,
//! ModSecurity rules, and an HAProxy ACL pattern file.

use super::limits::MODSECURITY_LAST_LOCAL_ID;
use super::sanitize::hash_comment;
use super::{addr, why, Ctx, Format, OutFile, Syntax};
use crate::blocklist::Action;

/// The comment lines before an entry: its reason, when it has one.
fn reason_line(out: &mut String, indent: &str, e: &crate::blocklist::Entry) {
    let r = hash_comment(&why(e), 300);
    if !r.is_empty() {
        out.push_str(&format!("{indent}# {r}\n"));
    }
}

fn block_only(ctx: &Ctx, format: Format) -> Result<(), String> {
    if ctx.opts.action == Action::Block {
        Ok(())
    } else {
        Err(format!(
            "{} blocks; the {} entries need another export",
            format.title(),
            ctx.opts.action.name()
        ))
    }
}

fn file(format: Format, text: String) -> Vec<OutFile> {
    vec![OutFile {
        name: format.default_name(Syntax::Native).into(),
        bytes: text.into_bytes(),
    }]
}

/// `deny` lines to include in a `server` or `location` block.
pub(super) fn nginx(ctx: &mut Ctx) -> Result<Vec<OutFile>, String> {
    block_only(ctx, Format::Nginx)?;
    let mut s = ctx.hash_header(Format::Nginx);
    s.push_str("# Include inside a server or location block: include netsleuth-deny.conf;\n");
    for e in ctx.all() {
        reason_line(&mut s, "", e);
        s.push_str(&format!("deny {};\n", addr(&e.net)));
    }
    Ok(file(Format::Nginx, s))
}

/// A `geo $netsleuth_blocked` map for the http block.
pub(super) fn nginx_geo(ctx: &mut Ctx) -> Result<Vec<OutFile>, String> {
    block_only(ctx, Format::NginxGeo)?;
    let mut s = ctx.hash_header(Format::NginxGeo);
    let var: String = ctx
        .opts
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    s.push_str(&format!(
        "# Include in the http block, then in each server or location to protect:\n#     if (${var}) {{ return 403; }}\n# The variable is named after the export (--name), so several lists can coexist.\n"
    ));
    s.push_str(&format!("geo ${var} {{\n    default 0;\n"));
    for e in ctx.all() {
        reason_line(&mut s, "    ", e);
        s.push_str(&format!("    {} 1;\n", e.net));
    }
    s.push_str("}\n");
    Ok(file(Format::NginxGeo, s))
}

/// A `<RequireAll>` block with `Require not ip` lines.
pub(super) fn apache(ctx: &mut Ctx) -> Result<Vec<OutFile>, String> {
    block_only(ctx, Format::Apache)?;
    let mut s = ctx.hash_header(Format::Apache);
    s.push_str(
        "# Include inside <Directory> or <Location> (mod_authz_host) in place of its Require lines:\n# a Require all granted beside this block would let everyone in.\n",
    );
    s.push_str("<RequireAll>\n    Require all granted\n");
    for e in ctx.all() {
        reason_line(&mut s, "    ", e);
        s.push_str(&format!("    Require not ip {}\n", addr(&e.net)));
    }
    s.push_str("</RequireAll>\n");
    Ok(file(Format::Apache, s))
}

/// The first ModSecurity rule id an export may use: ids from here to 99,999 are split into
/// 90 blocks of 100, one chosen by the export's name so that two lists do not clash.
const FIRST_ID: u32 = 90_000;

/// Rule ids per export name.
const ID_BLOCK: usize = 100;

/// The export's first rule id: the block of [`ID_BLOCK`] its name picks (FNV-1a of the name).
fn first_id(name: &str) -> u32 {
    let hash = name.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    FIRST_ID + (hash % 90) * ID_BLOCK as u32
}
/// Addresses per `@ipMatch` rule.
const PER_RULE: usize = 200;

fn modsec_rule(id: u32, operator: &str, i: usize, n: usize) -> String {
    format!(
        "SecRule REMOTE_ADDR \"{operator}\" \"id:{id},phase:1,deny,status:403,log,msg:'netsleuth blocklist {}/{n}'\"\n",
        i + 1
    )
}

/// `SecRule REMOTE_ADDR "@ipMatch ..."` rules with ids from 90000.
pub(super) fn modsecurity(ctx: &mut Ctx) -> Result<Vec<OutFile>, String> {
    block_only(ctx, Format::ModSecurity)?;
    let entries: Vec<_> = ctx.all().copied().collect();
    let chunks: Vec<_> = entries.chunks(PER_RULE).collect();
    let first = first_id(&ctx.opts.name);
    let last = first as usize + chunks.len() - 1;
    // Past its block of 100 ids the list would take another name's ids, and past 99,999 the
    // range for local rules: either way a reload would clash or override someone's rules.
    if chunks.len() > ID_BLOCK {
        return Err(format!(
            "{} addresses need {} rules of {PER_RULE}, more than the {ID_BLOCK} ids of this \
             list's block ({first} to {}): use modsecurity-file, one rule that reads the \
             addresses from a file",
            entries.len(),
            chunks.len(),
            first as usize + ID_BLOCK - 1
        ));
    }
    if last > MODSECURITY_LAST_LOCAL_ID as usize {
        return Err(format!(
            "{} rules would run past id {MODSECURITY_LAST_LOCAL_ID}: use modsecurity-file",
            chunks.len()
        ));
    }
    let mut s = ctx.hash_header(Format::ModSecurity);
    s.push_str(&format!(
        "# Rule ids {first} to {last} (the range for local rules, the block of 100 --name picks); SecRuleEngine On applies them.\n"
    ));
    for (i, chunk) in chunks.iter().enumerate() {
        for e in *chunk {
            let r = hash_comment(&why(e), 300);
            s.push_str(&format!(
                "# {}{}{r}\n",
                addr(&e.net),
                if r.is_empty() { "" } else { ": " }
            ));
        }
        let list: Vec<String> = chunk.iter().map(|e| addr(&e.net)).collect();
        s.push_str(&modsec_rule(
            first + i as u32,
            &format!("@ipMatch {}", list.join(",")),
            i,
            chunks.len(),
        ));
    }
    if chunks.len() > 1 {
        ctx.notes.push(format!(
            "{} rules of at most {PER_RULE} addresses, ids {first} to {last}",
            chunks.len()
        ));
    }
    Ok(file(Format::ModSecurity, s))
}

/// The address file's name inside the folder.
const ADDRESS_FILE: &str = "netsleuth-blocked.txt";

/// One `@ipMatchFromFile` rule and the address file it reads.
pub(super) fn modsecurity_file(ctx: &mut Ctx) -> Result<Vec<OutFile>, String> {
    block_only(ctx, Format::ModSecurityFile)?;
    let mut conf = ctx.hash_header(Format::ModSecurityFile);
    conf.push_str(&format!(
        "# {ADDRESS_FILE} is read from this file's folder: keep the two together.\n"
    ));
    conf.push_str(&modsec_rule(
        first_id(&ctx.opts.name),
        &format!("@ipMatchFromFile {ADDRESS_FILE}"),
        0,
        1,
    ));
    let mut list = String::new();
    for e in ctx.all() {
        list.push_str(&addr(&e.net));
        list.push('\n');
    }
    Ok(vec![
        OutFile {
            name: "netsleuth-modsecurity.conf".into(),
            bytes: conf.into_bytes(),
        },
        OutFile {
            name: ADDRESS_FILE.into(),
            bytes: list.into_bytes(),
        },
    ])
}

/// An ACL pattern file for `acl netsleuth_blocked src -f FILE`.
pub(super) fn haproxy(ctx: &mut Ctx) -> Result<Vec<OutFile>, String> {
    block_only(ctx, Format::Haproxy)?;
    let mut s = ctx.hash_header(Format::Haproxy);
    s.push_str(
        "# In a frontend:\n#     acl netsleuth_blocked src -f /etc/haproxy/netsleuth-blocked.lst\n#     http-request deny if netsleuth_blocked\n",
    );
    for e in ctx.all() {
        reason_line(&mut s, "", e);
        s.push_str(&addr(&e.net));
        s.push('\n');
    }
    Ok(file(Format::Haproxy, s))
}

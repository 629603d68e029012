//! Cloudflare: list items for the Lists API, the list CSV upload, and custom rule expressions
//! (`ip.src in {...}`) of at most 4,096 characters each.

use ipnet::IpNet;
use serde_json::json;

use super::limits::{
    CLOUDFLARE_ACCOUNT_ITEMS, CLOUDFLARE_COMMENT_CHARS, CLOUDFLARE_EXPRESSION_CHARS,
    CLOUDFLARE_V4_PREFIX, CLOUDFLARE_V6_PREFIX,
};
use super::sanitize::{csv_cell, one_line};
use super::{addr, why, Ctx, Format, OutFile, Syntax};

/// The items: entries broader than Cloudflare accepts become the networks it does, and a
/// network inside another item is left out (Cloudflare refuses a list holding one twice).
fn items(ctx: &mut Ctx) -> Vec<(IpNet, String)> {
    let mut out = Vec::new();
    let mut split = Vec::new();
    for e in ctx.all() {
        let shortest = if e.net.addr().is_ipv4() {
            CLOUDFLARE_V4_PREFIX
        } else {
            CLOUDFLARE_V6_PREFIX
        };
        let comment = one_line(&why(e), CLOUDFLARE_COMMENT_CHARS);
        if e.net.prefix_len() < shortest {
            let parts: Vec<IpNet> = e.net.subnets(shortest).expect("longer prefix").collect();
            split.push(format!("{} into {} /{shortest}", e.net, parts.len()));
            out.extend(parts.into_iter().map(|p| (p, comment.clone())));
        } else {
            out.push((e.net, comment));
        }
    }
    if !split.is_empty() {
        ctx.notes.push(format!(
            "Cloudflare lists take IPv4 /{CLOUDFLARE_V4_PREFIX} to /32 and IPv6 /{CLOUDFLARE_V6_PREFIX} to /128: split {}",
            split.join(", ")
        ));
    }
    out.sort_by_key(|(net, _)| (net.network(), net.prefix_len()));
    let before = out.len();
    // Networks nest or are disjoint: one inside another comes right after it in this order.
    let mut kept: Vec<(IpNet, String)> = Vec::with_capacity(out.len());
    for item in out {
        if !kept.last().is_some_and(|(k, _)| k.contains(&item.0)) {
            kept.push(item);
        }
    }
    if kept.len() < before {
        ctx.notes.push(format!(
            "networks inside another item left out: {}",
            before - kept.len()
        ));
    }
    kept
}

/// A warning when the items pass what an account's lists hold on the common plans.
fn account_note(ctx: &mut Ctx, items: usize) {
    if items > CLOUDFLARE_ACCOUNT_ITEMS {
        ctx.notes.push(format!(
            "{items} items: more than the {CLOUDFLARE_ACCOUNT_ITEMS} list items an account holds on the common plans"
        ));
    }
}

/// `[{"ip": ..., "comment": ...}]` for `POST .../rules/lists/{id}/items`.
pub(super) fn list(ctx: &mut Ctx) -> Result<Vec<OutFile>, String> {
    let all = items(ctx);
    account_note(ctx, all.len());
    let items = all.into_iter().map(|(net, comment)| {
        if comment.is_empty() {
            json!({"ip": addr(&net)})
        } else {
            json!({"ip": addr(&net), "comment": comment})
        }
    });
    let mut bytes = Vec::new();
    super::json_text::pretty_array(&mut bytes, 0, items);
    bytes.push(b'\n');
    Ok(vec![OutFile {
        name: Format::CloudflareList.default_name(Syntax::Native).into(),
        bytes,
    }])
}

/// `ip,description` lines for the dashboard's CSV upload.
pub(super) fn csv(ctx: &mut Ctx) -> Result<Vec<OutFile>, String> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    let all = items(ctx);
    account_note(ctx, all.len());
    for (net, comment) in all {
        let comment: String = comment
            .chars()
            .filter(|c| !matches!(c, ',' | '"'))
            .collect();
        w.write_record([addr(&net), csv_cell(&comment)])
            .map_err(|e| e.to_string())?;
    }
    let bytes = w.into_inner().map_err(|e| e.to_string())?;
    Ok(vec![OutFile {
        name: Format::CloudflareCsv.default_name(Syntax::Native).into(),
        bytes,
    }])
}

/// One `ip.src in {...}` expression per line, each at most 4,096 characters.
pub(super) fn expression(ctx: &mut Ctx) -> Result<Vec<OutFile>, String> {
    const OPEN: &str = "ip.src in {";
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::from(OPEN);
    for (net, _) in items(ctx) {
        let a = addr(&net);
        let sep = usize::from(current.len() > OPEN.len());
        if current.len() + sep + a.len() + 1 > CLOUDFLARE_EXPRESSION_CHARS {
            current.push('}');
            lines.push(std::mem::replace(&mut current, String::from(OPEN)));
        }
        if current.len() > OPEN.len() {
            current.push(' ');
        }
        current.push_str(&a);
    }
    current.push('}');
    lines.push(current);
    if lines.len() > 1 {
        ctx.notes.push(format!(
            "split into {} expressions of at most {CLOUDFLARE_EXPRESSION_CHARS} characters: one custom rule each",
            lines.len()
        ));
    }
    let mut text = lines.join("\n");
    text.push('\n');
    Ok(vec![OutFile {
        name: Format::CloudflareExpression
            .default_name(Syntax::Native)
            .into(),
        bytes: text.into_bytes(),
    }])
}

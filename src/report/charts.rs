//! The report's charts as SVG, drawn from the report's figures: the timeline of events and
//! anomalies, horizontal bars, and the world map of sources. Text in them goes through
//! maud, which escapes it.

use maud::{html, Markup};

use crate::geo::{mercator_y, world, MAX_LATITUDE};

/// Colours that print well on white.
const EVENTS: &str = "#9aa5b1";
const ANOMALIES: &str = "#d64545";
const FLAGGED: &str = "#d64545";
const QUIET: &str = "#7b8794";
const LAND: &str = "#e4e7eb";
const BORDER: &str = "#cbd2d9";

/// Events (grey) and anomalous events (red) per bin, as columns.
pub fn timeline(bins: &[(u64, u64)], first: &str, last: &str) -> Markup {
    let (w, h, pad) = (720.0, 180.0, 24.0);
    let max = bins.iter().map(|b| b.0).max().unwrap_or(0).max(1) as f64;
    let bw = (w - 2.0 * pad) / bins.len().max(1) as f64;
    let y = |v: u64| h - pad - (v as f64 / max) * (h - 2.0 * pad);
    html! {
        svg xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {w} {h}")) class="chart"
            role="img" aria-label="Events and anomalous events over time" {
            @for (i, (total, anomalous)) in bins.iter().enumerate() {
                @let x = pad + i as f64 * bw;
                rect x=(f(x)) y=(f(y(*total))) width=(f(bw * 0.9)) height=(f(h - pad - y(*total)))
                    fill=(EVENTS) {}
                rect x=(f(x)) y=(f(y(*anomalous))) width=(f(bw * 0.9))
                    height=(f(h - pad - y(*anomalous))) fill=(ANOMALIES) {}
            }
            line x1=(f(pad)) y1=(f(h - pad)) x2=(f(w - pad)) y2=(f(h - pad)) stroke="#52606d" {}
            text x=(f(pad)) y=(f(h - 6.0)) font-size="11" fill="#323f4b" { (first) }
            text x=(f(w - pad)) y=(f(h - 6.0)) font-size="11" fill="#323f4b" text-anchor="end" {
                (last)
            }
            text x=(f(pad)) y="14" font-size="11" fill="#323f4b" {
                "peak " (super::contents::thousands(max as u64)) " events per bar; red: anomalous"
            }
        }
    }
}

/// One horizontal bar per (label, count).
pub fn bars(rows: &[(String, u64)], label: &str) -> Markup {
    let (w, row, left) = (720.0, 22.0, 260.0);
    let h = row * rows.len() as f64 + 8.0;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1) as f64;
    html! {
        svg xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {w} {h}")) class="chart"
            role="img" aria-label=(label) {
            @for (i, (name, n)) in rows.iter().enumerate() {
                @let y = 4.0 + i as f64 * row;
                text x=(f(left - 8.0)) y=(f(y + 15.0)) font-size="12" fill="#323f4b"
                    text-anchor="end" { (short(name, 38)) }
                rect x=(f(left)) y=(f(y + 3.0)) width=(f((w - left - 70.0) * *n as f64 / max))
                    height="14" fill=(FLAGGED) {}
                text x=(f(left + (w - left - 70.0) * *n as f64 / max + 6.0)) y=(f(y + 15.0))
                    font-size="12" fill="#323f4b" { (super::contents::thousands(*n)) }
            }
        }
    }
}

/// The world's countries with the sources on them: flagged ones red, the rest grey.
pub fn map(points: &[(f64, f64, f64, bool)]) -> Markup {
    // From 60°S to 80°N: no source is placed on Antarctica, and the poles take half the
    // height of a full Mercator map.
    let (north, south) = (mercator_y(80.0_f64.min(MAX_LATITUDE)), mercator_y(-60.0));
    let view = format!("-180 {} 360 {}", f(-north), f(north - south));
    let mut paths = String::new();
    for c in &world().countries {
        let o = c.outline(true);
        for ring in &o.rings {
            let (a, b) = (ring[0] as usize, ring[1] as usize);
            for (k, i) in (a..b).enumerate() {
                let (x, y) = (o.vertices[2 * i], o.vertices[2 * i + 1]);
                paths.push(if k == 0 { 'M' } else { 'L' });
                paths.push_str(&format!("{:.1} {:.1}", x, -y));
            }
            paths.push('Z');
        }
    }
    let mut sorted: Vec<&(f64, f64, f64, bool)> = points.iter().collect();
    sorted.sort_by_key(|p| p.3);
    html! {
        svg xmlns="http://www.w3.org/2000/svg" viewBox=(view) class="chart map" role="img"
            aria-label="Sources on the world map" {
            path d=(paths) fill=(LAND) stroke=(BORDER) stroke-width="0.2" {}
            @for (lat, lon, _, flagged) in sorted {
                circle cx=(f(*lon)) cy=(f(-mercator_y(*lat))) r=(if *flagged { "1.6" } else { "1" })
                    fill=(if *flagged { FLAGGED } else { QUIET }) fill-opacity="0.8" {}
            }
        }
    }
}

fn f(v: f64) -> String {
    format!("{v:.1}")
}

fn short(s: &str, n: usize) -> String {
    crate::export::sanitize::one_line(s, n)
}

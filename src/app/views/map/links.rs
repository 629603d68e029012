//! Arcs from sources to their destinations: the links gathered per source (its busiest
//! destinations), their ends (a place, or the monitored network drawn at its country), and
//! their drawing.

use super::*;

/// Destinations per source the arcs show at most, its busiest.
pub(super) const LINKS_PER_SOURCE: usize = 8;
/// Arcs drawn at most, the busiest of the filtered sources'.
pub(super) const ARCS_DRAWN: usize = 2_000;

/// Where an arc ends: a place in Mercator degrees, or the monitored network, drawn at the
/// country the analyst says it is in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum End {
    At((f32, f32)),
    Internal,
}

impl End {
    pub(super) fn at(self, home: Option<(f32, f32)>) -> Option<(f32, f32)> {
        match self {
            End::At(p) => Some(p),
            End::Internal => home,
        }
    }
}

/// An arc from a source to one of its destinations.
#[derive(Debug, Clone, Copy)]
pub struct MapLink {
    pub(super) source: u32,
    pub(super) destination: std::net::IpAddr,
    pub(super) from: End,
    pub(super) to: End,
    pub(super) events: u64,
}

/// An arc resolved for drawing, in Mercator degrees.
#[derive(Debug, Clone, Copy)]
pub(super) struct Curve {
    pub(super) source: u32,
    pub(super) destination: std::net::IpAddr,
    pub(super) from: (f32, f32),
    pub(super) to: (f32, f32),
    pub(super) events: u64,
}

/// The arcs of an analysis, busiest first, and how many links cannot be drawn: an end
/// unlocated, or both inside the network.
#[derive(Debug, Clone, Default)]
pub struct MapLinks {
    pub(super) arcs: Vec<MapLink>,
    /// Links with an unlocated end, or with both ends internal.
    pub unplaced: usize,
    /// Arcs with an end inside the network, drawn once its country is named.
    pub(super) internal: usize,
}

/// The arcs from each source of `a` to its busiest destinations, built once per analysis on
/// the detection worker: a destination that is itself a source ends at its marker, others are
/// looked up in the analysis's databases.
pub fn map_links(a: &Analysis, table: &EventTable) -> MapLinks {
    let sources = &a.detection.sources;
    let links = crate::geo::links(
        table,
        sources
            .iter()
            .map(|s| (s.stats.ip, s.stats.rows.as_slice())),
        LINKS_PER_SOURCE,
    );
    let index: FxHashMap<std::net::IpAddr, u32> = sources
        .iter()
        .enumerate()
        .map(|(i, s)| (s.stats.ip, i as u32))
        .collect();
    let mut others: Vec<std::net::IpAddr> = links
        .iter()
        .map(|l| l.destination)
        .filter(|d| !index.contains_key(d))
        .collect();
    others.sort_unstable();
    others.dedup();
    let end = |ip: std::net::IpAddr, xy: Option<(f32, f32)>| match xy {
        Some(p) => Some(End::At(p)),
        None => crate::geo::is_internal(ip).then_some(End::Internal),
    };
    let placed: FxHashMap<std::net::IpAddr, (f32, f32)> = match &a.geo {
        Some(geo) => others
            .iter()
            .zip(geo.locate(&others))
            .filter_map(|(ip, g)| {
                let (lat, lon) = g.position?;
                Some((*ip, (lon as f32, mercator_y(lat) as f32)))
            })
            .collect(),
        None => FxHashMap::default(),
    };
    let mut out = MapLinks::default();
    for l in links {
        let from = end(
            sources[l.source as usize].stats.ip,
            a.map_points.get(l.source as usize).and_then(|p| p.xy),
        );
        let to = end(
            l.destination,
            match index.get(&l.destination) {
                Some(&j) => a.map_points.get(j as usize).and_then(|p| p.xy),
                None => placed.get(&l.destination).copied(),
            },
        );
        match (from, to) {
            (Some(End::Internal), Some(End::Internal)) => out.unplaced += 1,
            (Some(from), Some(to)) => out.arcs.push(MapLink {
                source: l.source,
                destination: l.destination,
                from,
                to,
                events: l.events,
            }),
            _ => out.unplaced += 1,
        }
    }
    out.arcs.sort_by_key(|l| std::cmp::Reverse(l.events));
    out.internal = out
        .arcs
        .iter()
        .filter(|l| l.from == End::Internal || l.to == End::Internal)
        .count();
    out
}

/// Draws the monitored network's internal hosts as one square at `center`, sized by their
/// events and coloured by the most confident, with their count.
pub(super) fn draw_home(
    painter: &egui::Painter,
    center: Pos2,
    internal: &[u32],
    a: &Analysis,
    scale: f32,
) -> Drawn {
    let points = &a.map_points;
    let events: u64 = internal.iter().map(|&i| points[i as usize].events).sum();
    let most = points.iter().map(|p| p.events).max().unwrap_or(1);
    let r = radius(events, most.max(events), internal.len(), scale).max(9.0 * scale);
    let confidence = internal
        .first()
        .map_or(0.0, |&i| points[i as usize].confidence);
    let color = severity_color(confidence, a.settings.auto_block);
    painter.rect(
        Rect::from_center_size(center, Vec2::splat(2.0 * r)),
        3.0,
        color.gamma_multiply(0.85),
        Stroke::new(1.5 * scale, Color32::WHITE),
        egui::StrokeKind::Inside,
    );
    painter.text(
        center,
        Align2::CENTER_CENTER,
        thousands(internal.len() as u64),
        FontId::proportional((12.0 * scale.sqrt()).round()),
        Color32::BLACK,
    );
    Drawn {
        center,
        radius: r,
        members: internal.to_vec(),
    }
}

/// Draws `arcs` (busiest first) as curves bowing northwards, wider and stronger for more
/// events, in their source's colour, each destination a ring; returns how many were in view.
pub(super) fn draw_arcs(
    painter: &egui::Painter,
    tf: Affine,
    arcs: &[Curve],
    points: &[MapPoint],
    threshold: f64,
    scale: f32,
) -> usize {
    let Some(busiest) = arcs.first() else {
        return 0;
    };
    let top = (busiest.events as f32).ln_1p().max(f32::MIN_POSITIVE);
    let clip = painter.clip_rect();
    let mut shown = 0;
    // The quietest first, so that the busiest lie on top.
    for l in arcs.iter().rev() {
        let (p0, p1) = (tf.at(l.from.0, l.from.1), tf.at(l.to.0, l.to.1));
        let way = p1 - p0;
        let length = way.length();
        if length < 2.0 {
            continue;
        }
        let normal = Vec2::new(way.y, -way.x);
        let bend = if normal.y > 0.0 { -normal } else { normal } * 0.2;
        let control = p0 + way * 0.5 + bend;
        if !clip.intersects(Rect::from_two_pos(p0, p1).union(Rect::from_pos(control))) {
            continue;
        }
        let share = (l.events as f32).ln_1p() / top;
        let confidence = points.get(l.source as usize).map_or(0.0, |p| p.confidence);
        let color = severity_color(confidence, threshold).gamma_multiply(0.35 + 0.45 * share);
        painter.add(egui::epaint::QuadraticBezierShape::from_points_stroke(
            [p0, control, p1],
            false,
            Color32::TRANSPARENT,
            Stroke::new((0.8 + 2.4 * share) * scale, color),
        ));
        painter.circle_stroke(p1, 3.0 * scale, Stroke::new(1.5 * scale, color));
        shown += 1;
    }
    shown
}

//! Markers gathered into clusters where they would overlap, and their sizes.

use super::*;

/// Markers gathered into screen cells.
pub(super) struct Cluster {
    pub(super) center: Pos2,
    pub(super) members: Vec<u32>,
    pub(super) events: u64,
    pub(super) confidence: f64,
}

/// Groups the markers: first by cells `cell` points wide on the world's own pixel grid (so that
/// panning does not regroup them), then merges groups whose circles would overlap, biggest
/// first, until none do. `radius_of(events, members)` sizes a group. A group of one is drawn at
/// the marker itself.
pub(super) fn clusters(
    markers: &[Marker],
    tf: Affine,
    clip: Rect,
    cell: f32,
    radius_of: &dyn Fn(u64, usize) -> f32,
) -> Vec<Cluster> {
    let mut cells: FxHashMap<(i64, i64), usize> = FxHashMap::default();
    let mut out: Vec<Cluster> = Vec::new();
    let mut sums: Vec<Vec2> = Vec::new();
    let margin = clip.expand(cell * 2.0);
    for m in markers {
        let p = tf.at(m.x, m.y);
        if !margin.contains(p) {
            continue;
        }
        let key = (
            (f64::from(m.x) * f64::from(tf.sx) / f64::from(cell)).floor() as i64,
            (f64::from(m.y) * f64::from(tf.sy) / f64::from(cell)).floor() as i64,
        );
        let k = *cells.entry(key).or_insert_with(|| {
            out.push(Cluster {
                center: p,
                members: Vec::new(),
                events: 0,
                confidence: 0.0,
            });
            sums.push(Vec2::ZERO);
            out.len() - 1
        });
        let c = &mut out[k];
        c.members.push(m.source);
        c.events += m.events;
        c.confidence = c.confidence.max(m.confidence);
        sums[k] += p.to_vec2();
    }
    for (c, s) in out.iter_mut().zip(sums) {
        c.center = (s / c.members.len() as f32).to_pos2();
    }
    merge_overlapping(&mut out, radius_of);
    // Least confident first, so the worst are drawn on top.
    out.sort_by(|p, q| p.confidence.total_cmp(&q.confidence));
    out
}

/// Merges groups whose circles overlap into the bigger one (centre weighted by members), so no
/// count hides another.
pub(super) fn merge_overlapping(groups: &mut Vec<Cluster>, radius_of: &dyn Fn(u64, usize) -> f32) {
    for _ in 0..4 {
        groups.sort_by_key(|g| std::cmp::Reverse(g.members.len()));
        let mut merged = false;
        let mut i = 0;
        while i < groups.len() {
            let mut j = i + 1;
            while j < groups.len() {
                let (a, b) = (&groups[i], &groups[j]);
                let reach =
                    radius_of(a.events, a.members.len()) + radius_of(b.events, b.members.len());
                if a.center.distance(b.center) < reach * 0.9 {
                    let b = groups.swap_remove(j);
                    let a = &mut groups[i];
                    let (na, nb) = (a.members.len() as f32, b.members.len() as f32);
                    a.center =
                        ((a.center.to_vec2() * na + b.center.to_vec2() * nb) / (na + nb)).to_pos2();
                    a.members.extend(b.members);
                    a.events += b.events;
                    a.confidence = a.confidence.max(b.confidence);
                    merged = true;
                } else {
                    j += 1;
                }
            }
            i += 1;
        }
        if !merged {
            break;
        }
    }
}

/// The largest radius a marker or cluster gets (before `scale`): a cluster of thousands must
/// not cover the map it summarises.
const MAX_RADIUS: f32 = 24.0;

/// Radius for a marker or cluster: area proportional to its events against the busiest
/// single source's (`max_events`), a cluster at least as large as its count needs, never more
/// than [`MAX_RADIUS`]; `scale` enlarges everything for presentation mode.
pub(super) fn radius(events: u64, max_events: u64, members: usize, scale: f32) -> f32 {
    let share = (events as f32 / max_events.max(1) as f32).min(1.0).sqrt();
    let r = 3.5 + 16.0 * share;
    let r = if members > 1 {
        r.max(10.0 + 3.0 * (members as f32).log10())
    } else {
        r
    };
    scale * r.min(MAX_RADIUS)
}

/// A cluster's count as it fits inside its circle: `743`, `8.1k`, `19.9k`, `1.2M`.
pub(super) fn compact_count(n: usize) -> String {
    match n {
        0..=999 => n.to_string(),
        1_000..=999_999 => format!("{:.1}k", n as f64 / 1e3),
        _ => format!("{:.1}M", n as f64 / 1e6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 20,000 markers spread over the world (positions generated on a grid, for the geometry
    /// only): at world zoom they form many clusters, none wider than the largest radius, and
    /// zoomed in they split further.
    #[test]
    fn many_sources_stay_many_readable_clusters_that_split_as_you_zoom() {
        let markers: Vec<Marker> = (0..20_000u32)
            .map(|i| Marker {
                x: (i % 200) as f32 * 1.7 - 170.0,
                y: (i / 200) as f32 * 0.02 - 1.0,
                source: i,
                events: 1,
                confidence: f64::from(i % 100),
            })
            .collect();
        let world = |zoom: f32| Affine {
            sx: 2.0 * zoom,
            ox: 640.0,
            sy: -60.0 * zoom,
            oy: 400.0,
        };
        let clip = Rect::from_min_size(Pos2::ZERO, egui::vec2(1280.0, 800.0));
        let radius_of = |events: u64, members: usize| radius(events, 1, members, 1.0);
        let at_world = clusters(&markers, world(1.0), clip, 34.0, &radius_of);
        assert!(at_world.len() >= 10, "{} clusters", at_world.len());
        for c in &at_world {
            assert!(radius_of(c.events, c.members.len()) <= MAX_RADIUS);
        }
        let members: usize = at_world.iter().map(|c| c.members.len()).sum();
        assert_eq!(members, 20_000, "every source in one cluster or another");
        let zoomed = clusters(&markers, world(4.0), clip, 34.0, &radius_of);
        let biggest = |g: &[Cluster]| g.iter().map(|c| c.members.len()).max().unwrap();
        assert!(biggest(&zoomed) < biggest(&at_world));
        assert_eq!(compact_count(19_928), "19.9k");
        assert_eq!(compact_count(743), "743");
    }
}

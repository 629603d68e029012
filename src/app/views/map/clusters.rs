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

/// Radius for a marker or cluster: area proportional to its events; `scale` enlarges
/// everything for presentation mode.
pub(super) fn radius(events: u64, max_events: u64, members: usize, scale: f32) -> f32 {
    let share = (events as f32 / max_events.max(1) as f32).sqrt();
    let r = 3.5 + 16.0 * share;
    scale
        * if members > 1 {
            r.max(9.0 + 2.0 * (members as f32).log10())
        } else {
            r
        }
}

//! The offline base map: land and border colours for the theme, country fills (coarse
//! outlines when zoomed out) and borders drawn as quads.

use super::*;

/// Land and border colours for the theme.
pub(super) fn land_colors(dark: bool) -> (Color32, Color32, Color32) {
    if dark {
        (
            Color32::from_rgb(22, 28, 36),
            Color32::from_rgb(52, 60, 70),
            Color32::from_rgb(88, 98, 110),
        )
    } else {
        (
            Color32::from_rgb(206, 220, 232),
            Color32::from_rgb(236, 236, 230),
            Color32::from_rgb(160, 160, 150),
        )
    }
}

/// Choropleth colour of a country with sources of which none is flagged.
pub(super) fn quiet(land: Color32) -> Color32 {
    let blue = Color32::from_rgb(90, 130, 170);
    Color32::from_rgb(
        ((u16::from(land.r()) + u16::from(blue.r())) / 2) as u8,
        ((u16::from(land.g()) + u16::from(blue.g())) / 2) as u8,
        ((u16::from(land.b()) + u16::from(blue.b())) / 2) as u8,
    )
}

/// Choropleth colour for a share of the largest flagged count (above 0, up to 1).
pub(super) fn ramp(share: f32, land: Color32) -> Color32 {
    let t = 0.3 + 0.7 * share.clamp(0.0, 1.0).sqrt();
    let hot = Color32::from_rgb(235, 95, 85);
    let lerp = |a: u8, b: u8| (f32::from(a) + (f32::from(b) - f32::from(a)) * t) as u8;
    Color32::from_rgb(
        lerp(land.r(), hot.r()),
        lerp(land.g(), hot.g()),
        lerp(land.b(), hot.b()),
    )
}

/// Below this zoom the 1:110m outlines are drawn: the 1:50m detail is under a pixel there.
pub(super) const COARSE_BELOW_ZOOM: f64 = 3.5;

pub(super) fn draw_land(
    painter: &egui::Painter,
    tf: Affine,
    clip: Rect,
    coarse: bool,
    border: Color32,
    fill_of: &dyn Fn(&str) -> Color32,
) {
    let mut mesh = Mesh::default();
    let mut borders = Mesh::default();
    for country in &world().countries {
        let c = country.outline(coarse);
        if c.vertices.is_empty() {
            continue;
        }
        let [lo_x, lo_y, hi_x, hi_y] = c.bounds;
        let r = Rect::from_two_pos(tf.at(lo_x, lo_y), tf.at(hi_x, hi_y));
        if !r.intersects(clip) {
            continue;
        }
        let color = fill_of(&country.iso);
        let base = mesh.vertices.len() as u32;
        mesh.vertices
            .extend(c.vertices.chunks_exact(2).map(|v| Vertex {
                pos: tf.at(v[0], v[1]),
                uv: WHITE_UV,
                color,
            }));
        mesh.indices.extend(c.triangles.iter().map(|&i| base + i));
        let big_enough = r.width().max(r.height()) > 6.0;
        if big_enough {
            for ring in &c.rings {
                let ring = &mesh.vertices
                    [base as usize + ring[0] as usize..base as usize + ring[1] as usize];
                border_ring(&mut borders, ring.iter().map(|v| v.pos), border);
            }
        }
    }
    painter.add(Shape::mesh(mesh));
    painter.add(Shape::mesh(borders));
}

/// Half the width of a border line, in points.
pub(super) const BORDER_HALF_WIDTH: f32 = 0.4;

/// Adds a closed ring as quads, one per segment: no joins, so no miter spikes where a coast
/// turns back on itself. Points within two pixels of the last one kept are left out.
pub(super) fn border_ring(mesh: &mut Mesh, points: impl Iterator<Item = Pos2>, color: Color32) {
    let mut kept: Vec<Pos2> = Vec::new();
    for p in points {
        if kept.last().is_none_or(|q| q.distance_sq(p) >= 4.0) {
            kept.push(p);
        }
    }
    if kept.len() < 3 {
        return;
    }
    kept.push(kept[0]);
    for w in kept.windows(2) {
        let (p, q) = (w[0], w[1]);
        let d = q - p;
        let len = d.length();
        if len < 1e-3 {
            continue;
        }
        let n = Vec2::new(-d.y, d.x) / len * BORDER_HALF_WIDTH;
        let k = mesh.vertices.len() as u32;
        for pos in [p + n, p - n, q + n, q - n] {
            mesh.vertices.push(Vertex {
                pos,
                uv: WHITE_UV,
                color,
            });
        }
        mesh.indices.extend([k, k + 1, k + 2, k + 1, k + 3, k + 2]);
    }
}

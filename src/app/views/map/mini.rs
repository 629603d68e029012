//! A still world map for the summary slide: country outlines and the placed sources, the
//! flagged ones on top, sized to the space it is given. No tiles, no interaction.

use eframe::egui::epaint::{Mesh, Vertex, WHITE_UV};
use eframe::egui::{self, Color32, Pos2, Sense, Shape, Stroke, Ui, Vec2};

use super::{border_ring, land_colors};
use crate::app::analysis::Analysis;
use crate::app::style::severity_color;
use crate::geo::{mercator_y, world};

/// The latitudes shown: no source is placed on Antarctica, and the far north is mostly ice.
const NORTH: f64 = 80.0;
const SOUTH: f64 = -60.0;

/// Draws the map in a rect as wide as `width` (and as tall as the projection needs, at most
/// `max_height`); returns the number of sources drawn and how many of them are flagged.
pub fn show(ui: &mut Ui, a: &Analysis, width: f32, max_height: f32) -> (usize, usize) {
    let (north, south) = (mercator_y(NORTH) as f32, mercator_y(SOUTH) as f32);
    let aspect = (north - south) / 360.0;
    let (w, h) = if width * aspect <= max_height {
        (width, width * aspect)
    } else {
        (max_height / aspect, max_height)
    };
    let (rect, _) = ui.allocate_exact_size(Vec2::new(w.floor(), h.floor()), Sense::hover());
    let to_screen = |x: f32, y: f32| {
        Pos2::new(
            rect.left() + (x + 180.0) / 360.0 * rect.width(),
            rect.top() + (north - y) / (north - south) * rect.height(),
        )
    };
    let dark = ui.visuals().dark_mode;
    let (sea, land, border) = land_colors(dark);
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 4.0, sea);
    let mut mesh = Mesh::default();
    let mut borders = Mesh::default();
    for c in &world().countries {
        let o = c.outline(true);
        let base = mesh.vertices.len() as u32;
        for v in o.vertices.chunks_exact(2) {
            mesh.vertices.push(Vertex {
                pos: to_screen(v[0], v[1]),
                uv: WHITE_UV,
                color: land,
            });
        }
        mesh.indices.extend(o.triangles.iter().map(|&i| base + i));
        for ring in &o.rings {
            let (from, to) = (ring[0] as usize, ring[1] as usize);
            let line = (from..to).map(|i| to_screen(o.vertices[2 * i], o.vertices[2 * i + 1]));
            border_ring(&mut borders, line, border);
        }
    }
    painter.add(Shape::mesh(mesh));
    painter.add(Shape::mesh(borders));
    let threshold = a.settings.auto_block;
    let (mut drawn, mut flagged) = (0, 0);
    // Least confident first, so the flagged sources are drawn over the quiet ones.
    for &i in &a.map_order {
        let p = &a.map_points[i as usize];
        let Some((x, y)) = p.xy else { continue };
        let (radius, color) = if p.flagged {
            flagged += 1;
            (3.5, severity_color(p.confidence, threshold))
        } else {
            (2.0, quiet_dot(dark))
        };
        painter.circle_filled(to_screen(x, y), radius, color);
        drawn += 1;
    }
    painter.rect_stroke(
        rect,
        4.0,
        Stroke::new(1.0, border),
        egui::StrokeKind::Inside,
    );
    (drawn, flagged)
}

/// A source nothing flagged: visible on the land, not competing with the flagged ones.
fn quiet_dot(dark: bool) -> Color32 {
    if dark {
        Color32::from_rgb(120, 150, 180)
    } else {
        Color32::from_rgb(90, 120, 150)
    }
}

//! What the map draws over itself: the tiles' attribution, the colour legend, and the
//! hover card naming the sources under the pointer.

use super::*;

/// The tiles' attribution in the map's lower right corner, as the tile usage policy asks.
pub(super) fn attribution(painter: &egui::Painter, clip: Rect, owner: &str) {
    let galley = painter.layout_no_wrap(
        format!("© {owner}"),
        FontId::proportional(11.0),
        Color32::from_gray(20),
    );
    let pos = clip.right_bottom() - galley.size() - Vec2::new(6.0, 4.0);
    painter.rect_filled(
        Rect::from_min_size(
            pos - Vec2::new(3.0, 1.0),
            galley.size() + Vec2::new(6.0, 2.0),
        ),
        2.0,
        Color32::from_white_alpha(210),
    );
    painter.galley(pos, galley, Color32::from_gray(20));
}

pub(super) fn legend(ui: &Ui, painter: &egui::Painter, clip: Rect, max: u64, land: Color32) {
    let ink = ui.visuals().text_color();
    let w = 180.0;
    let origin = clip.left_bottom() + Vec2::new(12.0, -44.0);
    let bg = Rect::from_min_size(origin - Vec2::new(6.0, 58.0), Vec2::new(w + 12.0, 94.0));
    painter.rect_filled(bg, 4.0, ui.visuals().extreme_bg_color.gamma_multiply(0.9));
    for (k, (color, label)) in [(land, "no source"), (quiet(land), "sources, none flagged")]
        .into_iter()
        .enumerate()
    {
        let y = origin.y - 52.0 + 16.0 * k as f32;
        painter.rect_filled(
            Rect::from_min_size(Pos2::new(origin.x, y), Vec2::new(18.0, 11.0)),
            0.0,
            color,
        );
        painter.text(
            Pos2::new(origin.x + 24.0, y - 1.0),
            Align2::LEFT_TOP,
            label,
            FontId::proportional(11.0),
            ink,
        );
    }
    painter.text(
        origin - Vec2::new(0.0, 4.0),
        Align2::LEFT_BOTTOM,
        "Flagged sources per country",
        FontId::proportional(12.0),
        ink,
    );
    let steps = 24;
    for k in 0..steps {
        let x0 = origin.x + w * k as f32 / steps as f32;
        let r = Rect::from_min_size(
            Pos2::new(x0, origin.y),
            Vec2::new(w / steps as f32 + 0.5, 12.0),
        );
        painter.rect_filled(r, 0.0, ramp((k as f32 + 0.5) / steps as f32, land));
    }
    painter.text(
        Pos2::new(origin.x, origin.y + 14.0),
        Align2::LEFT_TOP,
        "1",
        FontId::proportional(11.0),
        ink,
    );
    painter.text(
        Pos2::new(origin.x + w, origin.y + 14.0),
        Align2::RIGHT_TOP,
        thousands(max),
        FontId::proportional(11.0),
        ink,
    );
}

/// The sources under the pointer; `network` when they are the monitored network's square.
pub(super) fn hover_ui(ui: &mut Ui, a: &Analysis, members: &[u32], network: bool) {
    let threshold = a.settings.auto_block;
    if network {
        ui.label(
            RichText::new(format!(
                "Our network: {}",
                text::count(members.len() as u64, "internal host", "internal hosts")
            ))
            .strong(),
        );
        ui.label(RichText::new("Click to open the most confident one.").weak());
    } else if members.len() > 1 {
        ui.label(
            RichText::new(format!("{} sources here", thousands(members.len() as u64))).strong(),
        );
        ui.label(RichText::new("Click to zoom in.").weak());
    }
    let mut shown: Vec<&crate::detection::SourceVerdict> = members
        .iter()
        .map(|&i| &a.detection.sources[i as usize])
        .collect();
    shown.sort_by(|p, q| p.priority_cmp(q));
    for s in shown.iter().take(5) {
        ui.horizontal(|ui| {
            ui.label(
                RichText::new(format!("{:.0}", s.confidence))
                    .strong()
                    .color(severity_color(s.confidence, threshold)),
            );
            ui.label(RichText::new(s.stats.ip.to_string()).monospace().strong());
            ui.label(text::count(s.stats.events, "event", "events"));
        });
        if let Some(g) = &s.geo {
            ui.label(RichText::new(crate::app::views::alerts::place_text(g)).small());
        }
        if s.shared.is_some() {
            ui.label(
                RichText::new("Shared by many sites: block its names, not the address")
                    .small()
                    .color(crate::app::WARN),
            );
        }
        if let Some(r) = s.reasons.first().map(|r| crate::app::text::printable(r)) {
            // The first reason, cut to two short lines: the source panel has the rest.
            let short: String = if r.chars().count() > 110 {
                format!("{}…", r.chars().take(109).collect::<String>())
            } else {
                r.clone()
            };
            ui.label(RichText::new(short).small().weak());
        }
    }
    if shown.len() > 5 {
        ui.label(RichText::new(format!("and {} more", thousands(shown.len() as u64 - 5))).weak());
    }
}

//! The look: colours with a meaning, fonts, type sizes, themes and presentation mode.

use eframe::egui::{self, Color32, FontId, TextStyle};

use crate::detection::behaviour::Severity;

use super::{text, ViewState};

/// Red for files that could not be read and high-confidence sources.
pub(super) const ERROR: Color32 = Color32::from_rgb(235, 95, 85);

/// Amber for skipped rows.
pub(super) const WARN: Color32 = Color32::from_rgb(240, 170, 60);

/// Ground-truth benign counts.
pub(super) const BENIGN: Color32 = Color32::from_rgb(110, 190, 120);

/// Ground-truth malicious counts.
pub(super) const MALICIOUS: Color32 = Color32::from_rgb(235, 110, 100);

/// Confidence colours: high (at or above the auto-block threshold) red, medium (at or above
/// half of it) orange, low (a quarter) yellow, otherwise the ordinary text colour.
pub fn severity_color(confidence: f64, threshold: f64) -> Color32 {
    if confidence >= threshold {
        ERROR
    } else if confidence >= threshold / 2.0 {
        Color32::from_rgb(245, 150, 50)
    } else if confidence >= threshold / 4.0 {
        Color32::from_rgb(230, 210, 80)
    } else {
        Color32::from_gray(150)
    }
}

/// The colour of a finding's severity.
pub fn finding_color(severity: Severity) -> Color32 {
    match severity {
        Severity::Critical => ERROR,
        Severity::High => Color32::from_rgb(245, 150, 50),
        Severity::Medium => Color32::from_rgb(230, 210, 80),
        Severity::Low => Color32::from_gray(150),
    }
}

/// Makes the bundled monospace font a fallback for proportional text, so arrows and
/// triangles (sort order, links) render instead of showing a missing glyph.
pub(super) fn install_fonts(ctx: &egui::Context) {
    let mut fonts = egui::FontDefinitions::default();
    // Fallbacks after egui's own fonts, for what logs hold: DejaVu for Latin, Greek, Cyrillic,
    // Arabic, Hebrew, Armenian, Georgian and symbols (⚠), Droid Sans Fallback for Chinese,
    // Japanese and Korean. Licences in assets/fonts.
    for (name, bytes) in [
        (
            "DejaVuSans",
            &include_bytes!("../../assets/fonts/DejaVuSans.ttf")[..],
        ),
        (
            "DejaVuSansMono",
            &include_bytes!("../../assets/fonts/DejaVuSansMono.ttf")[..],
        ),
        (
            "DroidSansFallback",
            &include_bytes!("../../assets/fonts/DroidSansFallbackFull.ttf")[..],
        ),
    ] {
        fonts.font_data.insert(
            name.to_owned(),
            std::sync::Arc::new(egui::FontData::from_static(bytes)),
        );
    }
    for (family, extra) in [
        (
            egui::FontFamily::Proportional,
            ["Hack", "DejaVuSans", "DroidSansFallback"],
        ),
        (
            egui::FontFamily::Monospace,
            ["DejaVuSansMono", "DejaVuSans", "DroidSansFallback"],
        ),
    ] {
        if let Some(list) = fonts.families.get_mut(&family) {
            list.extend(extra.iter().map(|s| (*s).to_owned()));
        }
    }
    ctx.set_fonts(fonts);
}

/// The theme and type sizes: slightly larger than egui's defaults, and larger still with high
/// contrast in presentation mode, for reading on a projector.
pub(super) fn apply_style(ctx: &egui::Context, view: &ViewState) {
    ctx.set_theme(if view.dark {
        egui::Theme::Dark
    } else {
        egui::Theme::Light
    });
    let scale = if view.presentation { 1.35 } else { 1.0 };
    let presentation = view.presentation;
    ctx.all_styles_mut(|style| {
        for (text_style, size) in [
            (TextStyle::Heading, 22.0),
            (TextStyle::Body, 14.0),
            (TextStyle::Button, 14.0),
            (TextStyle::Monospace, 13.0),
            (TextStyle::Small, 11.0),
        ] {
            if let Some(font) = style.text_styles.get_mut(&text_style) {
                font.size = size * scale;
            }
        }
        for (name, size) in text::NAMED_STYLES {
            style
                .text_styles
                .insert(text::style(name), FontId::proportional(size * scale));
        }
        style.spacing.item_spacing = egui::vec2(8.0, 6.0) * scale;
        if presentation {
            style.visuals.override_text_color = Some(if style.visuals.dark_mode {
                Color32::WHITE
            } else {
                Color32::BLACK
            });
        } else {
            style.visuals.override_text_color = None;
        }
    });
}

//! Plots saved as PNG for slides: the frame after the request draws a caption (title, files,
//! time range, filters, legend) where the header is, the window is captured, the caption and
//! the plot's rectangle are cut out and stacked, and the image is encoded and written on a
//! worker thread.

use std::io::Cursor;
use std::path::PathBuf;
use std::sync::mpsc::Sender;

use eframe::egui::{self, Color32, ColorImage, Frame, Margin, Rect, RichText};

use crate::session::write_atomic;

/// The part of `image` (a capture at `pixels_per_point`) under `rect`, clamped to the image;
/// `None` when nothing of it is inside.
pub fn crop(image: &ColorImage, rect: Rect, pixels_per_point: f32) -> Option<ColorImage> {
    let [w, h] = image.size;
    let px = |v: f32, max: usize| ((v * pixels_per_point).round().max(0.0) as usize).min(max);
    let (x0, x1) = (px(rect.min.x, w), px(rect.max.x, w));
    let (y0, y1) = (px(rect.min.y, h), px(rect.max.y, h));
    (x1 > x0 && y1 > y0).then(|| image.region_by_pixels([x0, y0], [x1 - x0, y1 - y0]))
}

/// `image` as PNG bytes.
pub fn encode_png(image: &ColorImage) -> Result<Vec<u8>, String> {
    let [w, h] = image.size;
    let rgba: Vec<u8> = image.pixels.iter().flat_map(|c| c.to_array()).collect();
    let buffer = image::RgbaImage::from_raw(w as u32, h as u32, rgba)
        .ok_or_else(|| "the capture has the wrong size".to_owned())?;
    let mut out = Cursor::new(Vec::new());
    buffer
        .write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| e.to_string())?;
    Ok(out.into_inner())
}

/// `netsleuth-scatter-20261130-011502.png`: the view's name and the time, so that exports
/// never overwrite each other.
pub fn file_name(view: &str, unix_seconds: i64) -> String {
    let stamp = chrono::DateTime::from_timestamp(unix_seconds, 0)
        .map(|t| t.format("%Y%m%d-%H%M%S").to_string())
        .unwrap_or_default();
    let slug: String = view
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("netsleuth-{slug}-{stamp}.png")
}

/// A PNG waiting for its frame: the part of the window to save, where, and the caption it
/// carries.
#[derive(Debug, Clone)]
pub struct PendingPng {
    /// The plot (or view) on screen.
    pub rect: Rect,
    /// The file to write.
    pub path: PathBuf,
    /// The caption's lines: title first, then files and time range, filters, legend.
    pub caption: Vec<CaptionLine>,
    /// Where the caption was drawn, and in how many frames: a new area is measured unseen
    /// in its first frame, so the capture waits for the second.
    pub drawn: Option<(Rect, u8)>,
}

/// A line of a saved image's caption.
#[derive(Debug, Clone)]
pub enum CaptionLine {
    /// Text.
    Text(RichText),
    /// Coloured dots and what they mean.
    Legend(Vec<(Color32, String)>),
}

/// Draws the caption at the window's top left, over the header (never over the plot below
/// it), as wide as the plot; returns where it was drawn.
pub fn draw_caption(ctx: &egui::Context, png: &PendingPng) -> Rect {
    let width = png.rect.width().max(480.0);
    egui::Area::new(egui::Id::unique("png caption"))
        .order(egui::Order::Tooltip)
        .fixed_pos(egui::Pos2::ZERO)
        .show(ctx, |ui| {
            Frame::new()
                .fill(ui.visuals().panel_fill)
                .inner_margin(Margin::symmetric(12, 8))
                .show(ui, |ui| {
                    ui.set_width(width - 24.0);
                    for line in &png.caption {
                        match line {
                            CaptionLine::Text(t) => {
                                ui.add(egui::Label::new(t.clone()).wrap());
                            }
                            CaptionLine::Legend(entries) => {
                                ui.horizontal_wrapped(|ui| {
                                    for (color, meaning) in entries {
                                        ui.label(RichText::new("●").color(*color));
                                        ui.label(meaning);
                                        ui.add_space(8.0);
                                    }
                                });
                            }
                        }
                    }
                });
        })
        .response
        .rect
}

/// Asks for a capture of this frame and saves the caption over the plot; the outcome (the
/// path written, or why not) arrives on `done`.
pub fn request(ctx: &egui::Context, png: PendingPng, done: Sender<Result<PathBuf, String>>) {
    let ppp = ctx.pixels_per_point();
    let repaint = ctx.clone();
    ctx.request_screenshot(move |image| {
        // Encoding takes a moment for a large plot: not on the UI thread.
        let spawned = std::thread::Builder::new()
            .name("netsleuth-png".into())
            .spawn(move || {
                let result = save(&image, &png, ppp).map(|()| png.path);
                let _ = done.send(result);
                repaint.request_repaint();
            });
        if let Err(e) = spawned {
            eprintln!("netsleuth: cannot start the PNG export thread: {e}");
        }
    });
}

fn save(image: &ColorImage, png: &PendingPng, ppp: f32) -> Result<(), String> {
    let plot = crop(image, png.rect, ppp).ok_or_else(|| "the plot is not on screen".to_owned())?;
    let part = match png.drawn.and_then(|(r, _)| crop(image, r, ppp)) {
        Some(caption) => stack(&caption, &plot),
        None => plot,
    };
    let bytes = encode_png(&part)?;
    let path = &png.path;
    write_atomic(path, &bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// `top` above `bottom`, as wide as the wider, the narrower one's margin filled with its own
/// top-left colour.
pub fn stack(top: &ColorImage, bottom: &ColorImage) -> ColorImage {
    let width = top.size[0].max(bottom.size[0]);
    let height = top.size[1] + bottom.size[1];
    let mut out = ColorImage::filled([width, height], Color32::TRANSPARENT);
    let mut y0 = 0;
    for part in [top, bottom] {
        let [w, h] = part.size;
        let fill = part.pixels.first().copied().unwrap_or(Color32::TRANSPARENT);
        for y in 0..h {
            let row = &mut out.pixels[(y0 + y) * width..(y0 + y + 1) * width];
            row[..w].copy_from_slice(&part.pixels[y * w..(y + 1) * w]);
            row[w..].fill(fill);
        }
        y0 += h;
    }
    out
}

impl super::NetsleuthApp {
    /// The caption of a PNG of `what` (a plot, or "map view"): what it shows and of which
    /// investigation, the files and their time span, the filters on, and the map's colours.
    pub(super) fn png_caption(&self, what: &str) -> Vec<CaptionLine> {
        let mut title: String = what.chars().take(1).flat_map(char::to_uppercase).collect();
        title.extend(what.chars().skip(1));
        let mut lines = Vec::new();
        let super::State::Ready(w) = &self.state else {
            return vec![CaptionLine::Text(RichText::new(title).strong())];
        };
        let inv = &w.loaded.investigation;
        let name = self.title();
        let name = name.strip_prefix("netsleuth — ").unwrap_or(&name);
        lines.push(CaptionLine::Text(
            RichText::new(format!("{title} — {name}"))
                .text_style(super::text::style("section"))
                .strong(),
        ));
        let files: Vec<String> = inv
            .files
            .iter()
            .filter_map(|f| f.path.file_name())
            .map(|n| super::text::printable(&n.to_string_lossy()))
            .collect();
        let first = inv.files.iter().filter_map(|f| f.first_event_us).min();
        let last = inv.files.iter().filter_map(|f| f.last_event_us).max();
        let mut span = super::text::count(inv.table.len() as u64, "event", "events");
        if let (Some(a), Some(b)) = (first, last) {
            span = format!(
                "{span}, {}{}",
                super::text::time_range(a, b),
                super::text::utc_suffix()
            );
        }
        lines.push(CaptionLine::Text(RichText::new(format!(
            "{} · {span}",
            files.join(", ")
        ))));
        let mut filters: Vec<String> = self
            .view
            .alerts
            .active()
            .into_iter()
            .map(|(_, label)| label)
            .collect();
        if let Some((a, b)) = self.view.time_range {
            filters.push(format!("time {}", super::text::time_range(a, b)));
        }
        if !filters.is_empty() {
            lines.push(CaptionLine::Text(
                RichText::new(format!("Filtered by {}", filters.join("; "))).color(super::WARN),
            ));
        }
        let map = what.starts_with("map") || matches!(self.view.tab, super::Tab::Summary);
        if let (true, Some(a)) = (map, w.shown()) {
            let t = a.settings.auto_block;
            let dot = |c: f64| super::style::severity_color(c, t);
            lines.push(CaptionLine::Legend(vec![
                (
                    dot(t),
                    format!("proposed for blocking (confidence {t:.0} or more)"),
                ),
                (dot(t / 2.0), format!("flagged ({:.0} or more)", t / 2.0)),
                (dot(t / 4.0), format!("watched ({:.0} or more)", t / 4.0)),
                (dot(0.0), "not flagged".to_owned()),
            ]));
        }
        lines.push(CaptionLine::Text(
            RichText::new(format!(
                "netsleuth {}, {}",
                env!("CARGO_PKG_VERSION"),
                chrono::DateTime::from_timestamp(
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs() as i64),
                    0,
                )
                .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_default()
            ))
            .small()
            .weak(),
        ));
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eframe::egui::{pos2, Color32};

    #[test]
    fn crops_within_the_image_and_round_trips_through_png() {
        // 40 x 20 pixels, red on the left half, blue on the right.
        let pixels = (0..20 * 40)
            .map(|i| {
                if i % 40 < 20 {
                    Color32::RED
                } else {
                    Color32::BLUE
                }
            })
            .collect();
        let image = ColorImage::new([40, 20], pixels);
        // At 2 pixels per point, points (5, 2)-(15, 8) are pixels (10, 4)-(30, 16).
        let part = crop(
            &image,
            Rect::from_min_max(pos2(5.0, 2.0), pos2(15.0, 8.0)),
            2.0,
        )
        .unwrap();
        assert_eq!(part.size, [20, 12]);
        assert_eq!(part.pixels[0], Color32::RED);
        assert_eq!(part.pixels[19], Color32::BLUE);
        // Beyond the edges it is clamped; entirely outside it is nothing.
        let edge = crop(
            &image,
            Rect::from_min_max(pos2(-5.0, -5.0), pos2(100.0, 100.0)),
            1.0,
        );
        assert_eq!(edge.unwrap().size, [40, 20]);
        assert!(crop(
            &image,
            Rect::from_min_max(pos2(50.0, 0.0), pos2(60.0, 5.0)),
            1.0
        )
        .is_none());

        let png = encode_png(&part).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let back = image::load_from_memory(&png).unwrap().to_rgba8();
        assert_eq!((back.width(), back.height()), (20, 12));
        assert_eq!(back.get_pixel(0, 0).0, [255, 0, 0, 255]);
        assert_eq!(back.get_pixel(19, 11).0, [0, 0, 255, 255]);
    }

    #[test]
    fn the_caption_stacks_above_the_plot_with_the_narrower_one_padded() {
        let caption = ColorImage::filled([3, 2], Color32::WHITE);
        let plot = ColorImage::new(
            [4, 1],
            vec![Color32::RED, Color32::GREEN, Color32::BLUE, Color32::BLACK],
        );
        let both = stack(&caption, &plot);
        assert_eq!(both.size, [4, 3]);
        assert_eq!(&both.pixels[..4], &[Color32::WHITE; 4]);
        assert_eq!(&both.pixels[4..8], &[Color32::WHITE; 4]);
        assert_eq!(
            &both.pixels[8..],
            &[Color32::RED, Color32::GREEN, Color32::BLUE, Color32::BLACK]
        );
    }

    #[test]
    fn file_names_carry_the_view_and_time() {
        assert_eq!(
            file_name("Scatter plot", 1_714_086_000),
            "netsleuth-scatter-plot-20240425-230000.png"
        );
    }
}

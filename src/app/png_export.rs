//! Plots saved as PNG for slides: the window is captured after the frame, the plot's
//! rectangle cut out, and the image encoded and written on a worker thread.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;

use eframe::egui::{self, ColorImage, Rect};

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

/// Asks for a capture of the window and saves the `rect` part as `dir/name`; the outcome (the
/// path written, or why not) arrives on `done`.
pub fn request(
    ctx: &egui::Context,
    rect: Rect,
    path: PathBuf,
    done: Sender<Result<PathBuf, String>>,
) {
    let ppp = ctx.pixels_per_point();
    let repaint = ctx.clone();
    ctx.request_screenshot(move |image| {
        // Encoding takes a moment for a large plot: not on the UI thread.
        let spawned = std::thread::Builder::new()
            .name("netsleuth-png".into())
            .spawn(move || {
                let result = save(&image, rect, ppp, &path).map(|()| path);
                let _ = done.send(result);
                repaint.request_repaint();
            });
        if let Err(e) = spawned {
            eprintln!("netsleuth: cannot start the PNG export thread: {e}");
        }
    });
}

fn save(image: &ColorImage, rect: Rect, ppp: f32, path: &Path) -> Result<(), String> {
    let part = crop(image, rect, ppp).ok_or_else(|| "the plot is not on screen".to_owned())?;
    let bytes = encode_png(&part)?;
    write_atomic(path, &bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
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
    fn file_names_carry_the_view_and_time() {
        assert_eq!(
            file_name("Scatter plot", 1_714_086_000),
            "netsleuth-scatter-plot-20240425-230000.png"
        );
    }
}

//! The list of opened files with what was read from each.

use eframe::egui::{Color32, RichText, Ui};
use egui_extras::{Column, TableBuilder};

use crate::events::format_utc;
use crate::ingest::Investigation;

/// Shows one row per file: format, records, events, skipped, sources, time range, labels.
pub fn show(ui: &mut Ui, inv: &Investigation) {
    for failure in &inv.failures {
        ui.label(RichText::new(failure.to_string()).color(Color32::from_rgb(230, 80, 60)));
    }
    TableBuilder::new(ui)
        .id_salt("files")
        .striped(true)
        .column(Column::auto().at_least(220.0).clip(true))
        .columns(Column::auto().at_least(70.0), 6)
        .column(Column::remainder())
        .header(24.0, |mut h| {
            for title in [
                "File",
                "Format",
                "Records",
                "Events",
                "Skipped",
                "Sources",
                "Labels",
                "Time range",
            ] {
                h.col(|ui| {
                    ui.strong(title);
                });
            }
        })
        .body(|mut body| {
            for f in &inv.files {
                body.row(22.0, |mut row| {
                    let name = f.path.file_name().map_or_else(
                        || f.path.display().to_string(),
                        |n| n.to_string_lossy().into_owned(),
                    );
                    row.col(|ui| {
                        ui.label(name).on_hover_text(f.path.display().to_string());
                    });
                    row.col(|ui| {
                        ui.label(f.format.title());
                    });
                    row.col(|ui| {
                        ui.label(thousands(f.records));
                    });
                    row.col(|ui| {
                        ui.label(thousands(f.events));
                    });
                    row.col(|ui| {
                        let skipped = f.skips.total();
                        let text = RichText::new(thousands(skipped));
                        let text = if skipped > 0 {
                            text.color(Color32::from_rgb(230, 150, 40))
                        } else {
                            text
                        };
                        let resp = ui.label(text);
                        if skipped > 0 {
                            resp.on_hover_ui(|ui| {
                                for ex in f.skips.examples() {
                                    ui.label(format!("line {}: {}", ex.line, ex.reason));
                                }
                            });
                        }
                    });
                    row.col(|ui| {
                        ui.label(thousands(f.sources as u64));
                    });
                    row.col(|ui| {
                        ui.label(f.labels.as_ref().map_or_else(
                            || "none".to_string(),
                            |l| {
                                format!(
                                    "{} benign / {} malicious",
                                    thousands(l.benign),
                                    thousands(l.malicious)
                                )
                            },
                        ));
                    });
                    row.col(|ui| {
                        if let (Some(a), Some(b)) = (f.first_event_us, f.last_event_us) {
                            ui.label(format!("{} .. {}", format_utc(a), format_utc(b)));
                        }
                    });
                });
            }
        });
}

/// Formats an integer with thousands separators: 1234567 -> "1,234,567".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_separators() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(1000), "1,000");
        assert_eq!(super::thousands(1234567), "1,234,567");
    }
}

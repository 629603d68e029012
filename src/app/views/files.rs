//! The opened files: read failures, a table of counts per file, the schema fields each file
//! provided, the field profiles and the rows that were skipped.

use eframe::egui::accesskit::Role;
use eframe::egui::text::LayoutJob;
use eframe::egui::{
    vec2, Align, CollapsingHeader, Color32, Frame, Grid, Layout, Margin, Response, RichText, Sense,
    StrokeKind, TextFormat, TextStyle, TextWrapMode, Ui, WidgetInfo, WidgetText,
};
use egui_extras::{Column, TableBuilder};

use crate::app::loading::Loaded;
use crate::app::text::{count, thousands, time_range};
use crate::app::Analysis;
use crate::app::{BENIGN, ERROR, MALICIOUS, WARN};
use crate::events::Field;
use crate::ingest::{FileReport, Investigation, LabelCounts};

/// Shows everything that was read: failures first, then the files table, the fields present
/// in each file and the skipped rows.
pub fn show(
    ui: &mut Ui,
    loaded: &Loaded,
    analysis: Option<&Analysis>,
    view: &mut crate::app::ViewState,
    out: &mut Vec<crate::app::Command>,
) {
    let inv = &loaded.investigation;
    let detection: Vec<&String> = analysis
        .map(|a| {
            let d = &a.detection;
            d.events
                .warnings
                .iter()
                .chain(&d.source_scores.warnings)
                .collect()
        })
        .unwrap_or_default();
    if !inv.failures.is_empty() {
        failures(ui, inv);
        ui.add_space(12.0);
    }
    if !detection.is_empty() || inv.files.iter().any(|f| !f.warnings.is_empty()) {
        warnings(ui, inv, &detection);
        ui.add_space(12.0);
    }
    log_format(ui, loaded, view, out);
    if inv.files.is_empty() {
        ui.label(RichText::new("No file could be read.").weak());
        return;
    }
    ui.label(section_title("Files"));
    ui.add_space(4.0);
    ui.scope(|ui| files_table(ui, &inv.files));
    ui.add_space(16.0);
    CollapsingHeader::new(section_title("Fields present"))
        .id_salt("fields")
        .default_open(true)
        .show(ui, |ui| fields(ui, &inv.files));
    ui.add_space(8.0);
    // Closed until asked for: profiling a large file takes a worker a moment.
    CollapsingHeader::new(section_title("Field profile"))
        .id_salt("field profile")
        .show(ui, |ui| {
            super::profile::show(ui, loaded, analysis, view, out)
        });
    ui.add_space(8.0);
    CollapsingHeader::new(section_title(&format!(
        "Skipped rows ({})",
        thousands(loaded.skipped)
    )))
    .id_salt("skipped")
    .show(ui, |ui| skipped_rows(ui, &inv.files, loaded.skipped));
}

/// The access-log layout the files are read with: a field for an nginx `log_format` or an
/// Apache `LogFormat`, and reading the files again with it (or without it).
fn log_format(
    ui: &mut Ui,
    loaded: &Loaded,
    view: &mut crate::app::ViewState,
    out: &mut Vec<crate::app::Command>,
) {
    let inv = &loaded.investigation;
    let in_use = inv
        .files
        .iter()
        .any(|f| f.format == crate::ingest::Format::AccessLog);
    if inv.failures.is_empty() && !in_use {
        return;
    }
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Access-log layout");
        let edit = ui
            .add(
                eframe::egui::TextEdit::singleline(&mut view.log_format_text)
                    .hint_text(
                        "$remote_addr - $remote_user [$time_local] \"$request\" … or %h %l %u %t …",
                    )
                    .desired_width(520.0),
            )
            .labelled_by(label.id);
        let entered = edit.lost_focus() && ui.input(|i| i.key_pressed(eframe::egui::Key::Enter));
        if (ui.button("Read again with it").clicked() || entered)
            && !view.log_format_text.trim().is_empty()
        {
            out.push(crate::app::Command::ReadWithLogFormat(Some(
                view.log_format_text.trim().to_owned(),
            )));
        }
        if ui.button("Read without it").clicked() {
            out.push(crate::app::Command::ReadWithLogFormat(None));
        }
    });
    ui.label(
        RichText::new(
            "For access logs of another layout: the web server's own format string (nginx \
             log_format or Apache LogFormat, or combined, common, vhost_combined).",
        )
        .weak(),
    );
    ui.add_space(12.0);
}

/// The file name of a report, or its whole path when it has none.
pub(in crate::app) fn file_name(f: &FileReport) -> String {
    f.path.file_name().map_or_else(
        || f.path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn section_title(title: &str) -> RichText {
    RichText::new(title)
        .text_style(crate::app::text::style("section"))
        .strong()
}

/// A banner in `color` with a bold title and one line per message.
fn banner(ui: &mut Ui, color: Color32, title: String, lines: impl FnOnce(&mut Ui)) {
    Frame::new()
        .fill(color.gamma_multiply(0.12))
        .stroke((1.0, color.gamma_multiply(0.6)))
        .corner_radius(4.0)
        .inner_margin(Margin::symmetric(10, 8))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(RichText::new(title).color(color).strong());
            lines(ui);
        });
}

/// A red banner with one line per file that could not be read; each line names the file.
fn failures(ui: &mut Ui, inv: &Investigation) {
    let n = inv.failures.len() as u64;
    let title = format!("{} could not be read", count(n, "file", "files"));
    banner(ui, ERROR, title, |ui| {
        for failure in &inv.failures {
            ui.label(RichText::new(failure.to_string()).color(ERROR));
        }
    });
}

/// An amber banner with what the analyst should know about how files were read (a repeated
/// column name, a gzip inflating far beyond its size), each line naming its file, and about
/// how detection ran (columns left out, a model that could not be cached).
fn warnings(ui: &mut Ui, inv: &Investigation, detection: &[&String]) {
    let n = inv.files.iter().map(|f| f.warnings.len()).sum::<usize>() + detection.len();
    banner(ui, WARN, count(n as u64, "warning", "warnings"), |ui| {
        for f in &inv.files {
            for w in &f.warnings {
                ui.label(RichText::new(format!("{}: {w}", file_name(f))).color(WARN))
                    .on_hover_text(f.path.display().to_string());
            }
        }
        for w in detection {
            ui.label(RichText::new(format!("detection: {w}")).color(WARN));
        }
    });
}

/// Column titles, and whether the column holds right-aligned numbers.
const HEADERS: [(&str, bool); 8] = [
    ("File", false),
    ("Format", false),
    ("Records", true),
    ("Events", true),
    ("Skipped", true),
    ("Sources", true),
    ("Labels", false),
    ("Time range", false),
];

fn files_table(ui: &mut Ui, files: &[FileReport]) {
    // Right-aligned cells fill their column, so auto-sizing cannot shrink these: measure.
    let numbers = [
        number_width(ui, "Records", files.iter().map(|f| f.records)),
        number_width(ui, "Events", files.iter().map(|f| f.events)),
        number_width(ui, "Skipped", files.iter().map(|f| f.skips.total())),
        number_width(ui, "Sources", files.iter().map(|f| f.sources as u64)),
    ];
    ui.spacing_mut().item_spacing.x = 16.0;
    let mut table = TableBuilder::new(ui)
        .id_salt("files")
        .striped(true)
        .vscroll(false)
        .cell_layout(Layout::left_to_right(Align::Center))
        .column(Column::auto().at_least(180.0).at_most(380.0).clip(true))
        .column(Column::auto().at_least(120.0));
    for width in numbers {
        table = table.column(Column::exact(width));
    }
    table
        .column(Column::auto().at_least(80.0))
        .column(Column::remainder().at_least(160.0))
        .header(28.0, |mut header| {
            for (title, numeric) in HEADERS {
                header.col(|ui| {
                    // The time range's header names the zone its times are shown in.
                    let title = match title {
                        "Time range" => format!("Time range ({})", crate::app::text::zone().name()),
                        t => t.to_owned(),
                    };
                    let text = RichText::new(title).strong();
                    if numeric {
                        right_aligned(ui, text);
                    } else {
                        ui.label(text);
                    }
                });
            }
        })
        .body(|mut body| {
            for f in files {
                body.row(26.0, |mut row| {
                    row.col(|ui| {
                        ui.label(RichText::new(file_name(f)).strong())
                            .on_hover_text(f.path.display().to_string());
                    });
                    row.col(|ui| {
                        let gzip = f.encoding().map(|e| format!(" ({e})")).unwrap_or_default();
                        ui.label(format!("{}{gzip}", f.kind_title()))
                            .on_hover_text(format!("--format {}", f.format.id()));
                    });
                    row.col(|ui| {
                        right_aligned(ui, thousands(f.records));
                    });
                    row.col(|ui| {
                        right_aligned(ui, thousands(f.events));
                    });
                    row.col(|ui| skipped_cell(ui, f));
                    row.col(|ui| {
                        right_aligned(ui, thousands(f.sources as u64));
                    });
                    row.col(|ui| match &f.labels {
                        Some(labels) => {
                            ui.label(label_counts(ui, labels))
                                .on_hover_ui(|ui| label_classes(ui, labels));
                        }
                        None => {
                            ui.label(RichText::new("none").weak());
                        }
                    });
                    row.col(|ui| match (f.first_event_us, f.last_event_us) {
                        (Some(a), Some(b)) => {
                            ui.label(time_range(a, b)).on_hover_text(format!(
                                "{} .. {}",
                                crate::app::text::instant(a),
                                crate::app::text::instant(b)
                            ));
                        }
                        _ if f.zeek_log.is_some() && f.records > 0 && f.events == 0 => {
                            ui.label(RichText::new("joined to conn.log").weak());
                        }
                        _ => {
                            ui.label(RichText::new("no timestamps").weak());
                        }
                    });
                });
            }
        });
}

/// Space around a right-aligned number, split between its two sides.
const NUMBER_GAP: f32 = 16.0;

/// The width of a number column: its widest value or title, plus [`NUMBER_GAP`].
fn number_width(ui: &Ui, title: &str, values: impl Iterator<Item = u64>) -> f32 {
    let font = TextStyle::Body.resolve(ui.style());
    let width = |text: String| {
        ui.painter()
            .layout_no_wrap(text, font.clone(), Color32::WHITE)
            .size()
            .x
    };
    let widest = values
        .map(|n| width(thousands(n)))
        .fold(width(title.to_string()), f32::max);
    widest.ceil() + NUMBER_GAP
}

/// A label at the right of its cell, half a [`NUMBER_GAP`] from the edge.
fn right_aligned(ui: &mut Ui, text: impl Into<WidgetText>) -> Response {
    ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
        ui.add_space(NUMBER_GAP / 2.0);
        ui.label(text)
    })
    .inner
}

/// The skipped count, highlighted with the first examples on hover when it is not zero.
fn skipped_cell(ui: &mut Ui, f: &FileReport) {
    let skipped = f.skips.total();
    if skipped == 0 {
        right_aligned(ui, RichText::new("0").weak());
        return;
    }
    ui.painter()
        .rect_filled(ui.max_rect(), 3.0, WARN.gamma_multiply(0.18));
    right_aligned(ui, RichText::new(thousands(skipped)).color(WARN).strong()).on_hover_ui(|ui| {
        for ex in f.skips.examples() {
            ui.label(format!("line {}: {}", ex.line, ex.reason));
        }
        more_not_listed(ui, f);
    });
}

/// How many skipped rows of `f` have no kept example, if any.
fn more_not_listed(ui: &mut Ui, f: &FileReport) {
    let unlisted = f.skips.total() - f.skips.examples().len() as u64;
    if unlisted > 0 {
        ui.label(RichText::new(format!("… and {} more", thousands(unlisted))).weak());
    }
}

/// "13,449 benign · 11,743 malicious", coloured.
fn label_counts(ui: &Ui, labels: &LabelCounts) -> LayoutJob {
    let font = TextStyle::Body.resolve(ui.style());
    let format = |color: Color32| TextFormat::simple(font.clone(), color);
    let mut job = LayoutJob::default();
    job.append(
        &format!("{} benign", thousands(labels.benign)),
        0.0,
        format(BENIGN),
    );
    job.append(" · ", 0.0, format(ui.visuals().weak_text_color()));
    job.append(
        &format!("{} malicious", thousands(labels.malicious)),
        0.0,
        format(MALICIOUS),
    );
    job
}

/// The label classes of a file, most frequent first.
fn label_classes(ui: &mut Ui, labels: &LabelCounts) {
    const SHOWN: usize = 12;
    ui.label(RichText::new(format!("Classes in column '{}'", labels.column)).strong());
    let mut classes: Vec<(&String, &u64)> = labels.classes.iter().collect();
    classes.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    Grid::new("label classes").striped(true).show(ui, |ui| {
        for (class, n) in classes.iter().take(SHOWN) {
            ui.label(class.as_str());
            right_aligned(ui, thousands(**n));
            ui.end_row();
        }
    });
    if classes.len() > SHOWN {
        ui.label(RichText::new(format!("… and {} more classes", classes.len() - SHOWN)).weak());
    }
}

/// Per file, the schema fields it provided as small tags, plus its extra numeric columns.
fn fields(ui: &mut Ui, files: &[FileReport]) {
    for f in files {
        ui.horizontal(|ui| {
            ui.label(RichText::new(file_name(f)).strong());
            let present = f.fields.iter().count() as u64;
            let of = format!("{present} of {} fields", Field::ALL.len());
            ui.label(RichText::new(of).weak());
        });
        ui.horizontal_wrapped(|ui| {
            ui.spacing_mut().item_spacing = vec2(4.0, 4.0);
            let (normal, weak) = (ui.visuals().text_color(), ui.visuals().weak_text_color());
            for field in f.fields.iter() {
                tag(ui, field.name(), normal);
            }
            if !f.extra_columns.is_empty() {
                let n = f.extra_columns.len() as u64;
                let extras = count(n, "numeric column", "numeric columns");
                tag(ui, &format!("+ {extras}"), weak).on_hover_text(f.extra_columns.join(", "));
            }
        });
        ui.add_space(8.0);
    }
}

/// A small framed monospace word; sized before it is placed, so wrapped rows break between
/// tags rather than inside one.
fn tag(ui: &mut Ui, text: &str, color: Color32) -> Response {
    let padding = vec2(6.0, 1.0);
    let galley = WidgetText::from(RichText::new(text).monospace()).into_galley(
        ui,
        Some(TextWrapMode::Extend),
        f32::INFINITY,
        TextStyle::Monospace,
    );
    let (rect, response) = ui.allocate_exact_size(galley.size() + 2.0 * padding, Sense::hover());
    response.widget_info(|| WidgetInfo::labeled(Role::Label, ui.is_enabled(), text));
    if ui.is_rect_visible(rect) {
        let visuals = ui.visuals();
        let stroke = visuals.widgets.noninteractive.bg_stroke;
        ui.painter().rect(
            rect,
            4.0,
            visuals.faint_bg_color,
            stroke,
            StrokeKind::Inside,
        );
        ui.painter().galley(rect.min + padding, galley, color);
    }
    response
}

/// Every kept example of a skipped row as `file:line: reason`, grouped by file.
fn skipped_rows(ui: &mut Ui, files: &[FileReport], total: u64) {
    if total == 0 {
        ui.label(RichText::new("No rows were skipped: every record became an event.").weak());
        return;
    }
    for f in files.iter().filter(|f| f.skips.total() > 0) {
        let name = file_name(f);
        let kinds: Vec<String> = f
            .skips
            .by_kind()
            .iter()
            .map(|(kind, n)| format!("{} × {kind}", thousands(*n)))
            .collect();
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(&name).strong());
            ui.label(RichText::new(kinds.join(", ")).color(WARN));
        });
        for ex in f.skips.examples() {
            ui.label(RichText::new(format!("{name}:{}: {}", ex.line, ex.reason)).monospace());
        }
        more_not_listed(ui, f);
        ui.add_space(6.0);
    }
}

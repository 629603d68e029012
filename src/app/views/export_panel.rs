//! The Blocklist view's export panel: format, syntax, action, name, scope and first priority,
//! the preview of exactly the bytes that will be written, and the save. Previews are rendered
//! on a worker thread (a 50,000-entry list takes up to 100 ms in some formats), so no change
//! of the list or the form ever holds a frame; the path is not part of what is rendered.

use eframe::egui::{self, ComboBox, RichText, Ui};

use crate::blocklist::{Action, Entry};
use crate::export::{render, Format, Options, Output, Scope, Syntax};

use super::blocklist::Browse;
use crate::app::text::thousands;
use crate::app::{Command, ViewState, ERROR, WARN};

/// Lines of each file the preview shows.
const SHOWN_LINES: usize = 200;

/// The export form.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportForm {
    /// The format.
    pub format: Format,
    /// Its syntax.
    pub syntax: Syntax,
    /// The name of sets, rules or policy.
    pub name: String,
    /// AWS scope.
    pub scope: Scope,
    /// The action exported.
    pub action: Action,
    /// The first rule's priority, for the formats that number their rules.
    pub first_priority: u32,
    /// Where to save.
    pub path: String,
}

impl Default for ExportForm {
    fn default() -> Self {
        ExportForm {
            format: Format::Nginx,
            syntax: Syntax::Native,
            name: "netsleuth-blocklist".into(),
            scope: Scope::Regional,
            action: Action::Block,
            first_priority: 1,
            path: String::new(),
        }
    }
}

/// The first priority a format's rules start at unless asked, for formats that number them.
fn default_priority(format: Format) -> Option<u32> {
    match format {
        Format::AzureWafAppGw | Format::AzureWafFrontDoor => Some(1),
        Format::CloudArmor => Some(1000),
        _ => None,
    }
}

impl ExportForm {
    /// What the bytes depend on: the form without its path.
    fn rendering(&self) -> ExportForm {
        ExportForm {
            path: String::new(),
            ..self.clone()
        }
    }

    fn options(&self, investigation: &str) -> Options {
        Options {
            name: self.name.clone(),
            scope: self.scope,
            syntax: self.syntax,
            action: self.action,
            investigation: investigation.to_string(),
            first_priority: default_priority(self.format).map(|_| self.first_priority),
            ..Options::default()
        }
    }
}

/// What a preview was rendered from: the list's generation and the form without its path.
pub type PreviewKey = (u64, ExportForm);

/// One file of a rendered export as the preview shows it.
#[derive(Debug, Clone)]
pub struct ShownFile {
    /// The file's name and size.
    pub title: String,
    /// Its first lines.
    pub head: String,
    /// How many lines it has.
    pub lines: usize,
}

/// What the preview shows of each file of `output`: its name, size and first lines.
pub(super) fn shown_files(output: &Output) -> Vec<ShownFile> {
    output
        .files
        .iter()
        .map(|f| {
            let text = String::from_utf8_lossy(&f.bytes);
            ShownFile {
                title: format!("{} · {} bytes", f.name, thousands(f.bytes.len() as u64)),
                head: text
                    .lines()
                    .take(SHOWN_LINES)
                    .collect::<Vec<_>>()
                    .join("\n"),
                lines: text.lines().count(),
            }
        })
        .collect()
}

/// A rendered export and what the preview shows of it.
#[derive(Debug, Clone)]
pub struct Preview {
    /// What it was rendered from.
    pub key: PreviewKey,
    /// The export, or why there is none.
    pub result: Result<Output, String>,
    /// Each file's head.
    pub shown: Vec<ShownFile>,
}

impl Preview {
    /// Renders `entries` as `opts` ask: the work of a worker thread.
    pub fn render(key: PreviewKey, entries: &[Entry], opts: &Options) -> Preview {
        let result = render(key.1.format, entries, opts);
        let shown = result.as_ref().map(shown_files).unwrap_or_default();
        Preview { key, result, shown }
    }

    /// A preview whose rendering failed on an internal error.
    pub fn failed(key: PreviewKey, message: String) -> Preview {
        Preview {
            key,
            result: Err(message),
            shown: Vec::new(),
        }
    }
}

/// The export form with its preview.
#[derive(Debug, Clone, Default)]
pub struct ExportPanel {
    /// The form.
    pub form: ExportForm,
    /// The latest preview received.
    pub preview: Option<Preview>,
    /// The preview asked of a worker and not received yet.
    pub asked: Option<PreviewKey>,
}

impl ExportPanel {
    /// Keeps a preview the panel still waits for; one overtaken by a later change is dropped.
    pub fn receive(&mut self, preview: Preview) {
        if self.asked.as_ref() == Some(&preview.key) {
            self.asked = None;
            self.preview = Some(preview);
        }
    }
}

/// When the path still ends in the default name of what the form was, the default name of
/// what it is now: a Cloud Armor policy is not saved as `netsleuth-deny.conf`.
pub(super) fn follow_default_name(path: &mut String, was: &str, now: &str) {
    let p = std::path::Path::new(path.as_str());
    if p.file_name().is_some_and(|n| n == was) {
        *path = p.with_file_name(now).display().to_string();
    }
}

fn form_row(ui: &mut Ui, form: &mut ExportForm) {
    let was = form.format.default_name(form.syntax);
    form_widgets(ui, form);
    follow_default_name(&mut form.path, was, form.format.default_name(form.syntax));
}

fn form_widgets(ui: &mut Ui, form: &mut ExportForm) {
    ui.horizontal_wrapped(|ui| {
        let format = ui.label("Format:");
        ComboBox::from_id_salt("export format")
            .selected_text(form.format.title())
            .width(300.0)
            .show_ui(ui, |ui| {
                for f in Format::ALL {
                    if ui
                        .selectable_value(&mut form.format, f, f.title())
                        .clicked()
                    {
                        form.syntax = f.syntaxes()[0];
                        form.first_priority = default_priority(f).unwrap_or(1);
                    }
                }
            })
            .response
            .labelled_by(format.id);
        if form.format.syntaxes().len() > 1 {
            let syntax = ui.label("Syntax:");
            ComboBox::from_id_salt("export syntax")
                .selected_text(form.syntax.name())
                .show_ui(ui, |ui| {
                    for s in form.format.syntaxes() {
                        ui.selectable_value(&mut form.syntax, *s, s.name());
                    }
                })
                .response
                .labelled_by(syntax.id);
        }
        let action = ui.label("Entries with action:");
        ComboBox::from_id_salt("export action")
            .selected_text(form.action.name())
            .show_ui(ui, |ui| {
                for a in Action::ALL {
                    ui.selectable_value(&mut form.action, a, a.name());
                }
            })
            .response
            .labelled_by(action.id);
        let name = ui.label("Name:");
        ui.add(egui::TextEdit::singleline(&mut form.name).desired_width(170.0))
            .labelled_by(name.id);
        if matches!(
            form.format,
            Format::AwsWafCli | Format::AwsWafCloudFormation | Format::AwsWafTerraform
        ) {
            let scope = ui.label("Scope:");
            ComboBox::from_id_salt("export scope")
                .selected_text(form.scope.name())
                .show_ui(ui, |ui| {
                    for s in [Scope::Regional, Scope::Cloudfront] {
                        ui.selectable_value(&mut form.scope, s, s.name());
                    }
                })
                .response
                .labelled_by(scope.id);
        }
        if default_priority(form.format).is_some() {
            let first = ui.label("First priority:");
            ui.add(egui::DragValue::new(&mut form.first_priority).range(0..=i32::MAX as u32))
                .labelled_by(first.id)
                .on_hover_text("Rules are numbered from here: keep them clear of the policy's own");
        }
    });
}

fn path_row(ui: &mut Ui, panel: &mut ExportPanel, current: bool, out: &mut Vec<Command>) {
    let form = &mut panel.form;
    ui.horizontal(|ui| {
        let label = ui.label(if form.format.is_folder() {
            "Save to folder:"
        } else {
            "Save to:"
        });
        if form.path.is_empty() {
            let dir = crate::session::export_dir();
            form.path = dir
                .join(form.format.default_name(form.syntax))
                .display()
                .to_string();
        }
        ui.add(egui::TextEdit::singleline(&mut form.path).desired_width(420.0))
            .labelled_by(label.id);
        if ui.button("Browse…").clicked() {
            out.push(Command::Browse(if form.format.is_folder() {
                Browse::ExportFolder
            } else {
                Browse::ExportFile
            }));
        }
        if ui.small_button("Default name").clicked() {
            form.path = std::path::Path::new(&form.path)
                .with_file_name(form.format.default_name(form.syntax))
                .display()
                .to_string();
        }
        let output = panel
            .preview
            .as_ref()
            .filter(|_| current)
            .and_then(|p| p.result.as_ref().ok());
        if ui
            .add_enabled(output.is_some(), egui::Button::new("Save export"))
            .clicked()
        {
            if let Some(output) = output {
                out.push(Command::SaveExport(
                    form.format,
                    output.clone(),
                    form.path.clone().into(),
                ));
            }
        }
    });
}

/// A rendered export's notes and files (`shown`), or why there is none.
pub(super) fn show_output(ui: &mut Ui, result: &Result<Output, String>, shown: &[ShownFile]) {
    match result {
        Err(e) => {
            ui.label(RichText::new(e).color(ERROR));
        }
        Ok(output) => {
            for n in &output.notes {
                ui.label(RichText::new(format!("• {n}")).color(WARN));
            }
            for f in shown {
                ui.label(RichText::new(&f.title).strong());
                // Inside the view's scroll area: its full height, not what is left on screen.
                egui::ScrollArea::both()
                    .max_height(220.0)
                    .min_scrolled_height(220.0)
                    .id_salt(("preview", &f.title))
                    .show(ui, |ui| {
                        ui.add(
                            egui::Label::new(RichText::new(&f.head).monospace().size(12.0))
                                .extend(),
                        );
                    });
                if f.lines > SHOWN_LINES {
                    ui.label(
                        RichText::new(format!(
                            "first {SHOWN_LINES} of {} lines",
                            thousands(f.lines as u64)
                        ))
                        .weak(),
                    );
                }
            }
        }
    }
}

/// Draws the panel; asks a worker for a new preview when the list or the form changed.
pub fn show(ui: &mut Ui, investigation: &str, view: &mut ViewState, out: &mut Vec<Command>) {
    ui.label(RichText::new("Export").strong());
    let generation = view.blocklist.generation;
    let panel = &mut view.blocklist_view.export;
    form_row(ui, &mut panel.form);
    let key: PreviewKey = (generation, panel.form.rendering());
    let current = panel.preview.as_ref().is_some_and(|p| p.key == key);
    if !current && panel.asked.as_ref() != Some(&key) {
        out.push(Command::RenderExport(
            key.clone(),
            panel.form.options(investigation),
        ));
        panel.asked = Some(key);
    }
    path_row(ui, panel, current, out);
    if !current {
        // No spinner: it would repaint every frame; the worker asks for one when done.
        ui.label(RichText::new("Updating the preview…").weak());
    }
    if let Some(p) = &panel.preview {
        ui.add_enabled_ui(current, |ui| show_output(ui, &p.result, &p.shown));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_name_follows_the_format_and_a_chosen_name_stays() {
        let mut path = "/tmp/x/netsleuth-deny.conf".to_string();
        follow_default_name(
            &mut path,
            "netsleuth-deny.conf",
            "netsleuth-cloud-armor.json",
        );
        assert_eq!(path, "/tmp/x/netsleuth-cloud-armor.json");
        let mut chosen = "/tmp/x/edge.conf".to_string();
        follow_default_name(
            &mut chosen,
            "netsleuth-deny.conf",
            "netsleuth-cloud-armor.json",
        );
        assert_eq!(chosen, "/tmp/x/edge.conf");
    }
}

//! The Domains view's export panel: format and name, the preview of exactly the bytes that
//! will be written with what the format cannot express, and the save. Previews are rendered
//! on a worker thread, as the Blocklist view's are, so no change ever holds a frame.

use eframe::egui::{self, ComboBox, RichText, Ui};

use crate::domains::{render, DomainFormat, DomainList, DomainOptions};
use crate::export::Output;

use super::blocklist::Browse;
use super::export_panel::{follow_default_name, show_output, shown_files, ShownFile};
use crate::app::{Command, ViewState};

/// The export form.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainExportForm {
    /// The format.
    pub format: DomainFormat,
    /// The policy zone's or ACL's name.
    pub name: String,
    /// Where to save.
    pub path: String,
}

impl Default for DomainExportForm {
    fn default() -> Self {
        DomainExportForm {
            format: DomainFormat::Rpz,
            name: DomainOptions::default().name,
            path: String::new(),
        }
    }
}

/// What a preview was rendered from: the list's generation, the format and the name.
pub type DomainPreviewKey = (u64, DomainFormat, String);

/// A rendered domain export and what the preview shows of it.
#[derive(Debug, Clone)]
pub struct DomainPreview {
    /// What it was rendered from.
    pub key: DomainPreviewKey,
    /// The export, or why there is none.
    pub result: Result<Output, String>,
    /// Each file's head.
    pub shown: Vec<ShownFile>,
}

impl DomainPreview {
    /// Renders `list` as `opts` ask: the work of a worker thread.
    pub fn render(key: DomainPreviewKey, list: &DomainList, opts: &DomainOptions) -> DomainPreview {
        let result = render(key.1, list, opts);
        let shown = result.as_ref().map(shown_files).unwrap_or_default();
        DomainPreview { key, result, shown }
    }

    /// A preview whose rendering failed on an internal error.
    pub fn failed(key: DomainPreviewKey, message: String) -> DomainPreview {
        DomainPreview {
            key,
            result: Err(message),
            shown: Vec::new(),
        }
    }
}

/// The export form with its preview.
#[derive(Debug, Clone, Default)]
pub struct DomainExportPanel {
    /// The form.
    pub form: DomainExportForm,
    /// The latest preview received.
    pub preview: Option<DomainPreview>,
    /// The preview asked of a worker and not received yet.
    pub asked: Option<DomainPreviewKey>,
}

impl DomainExportPanel {
    /// Keeps a preview the panel still waits for; one overtaken by a later change is dropped.
    pub fn receive(&mut self, preview: DomainPreview) {
        if self.asked.as_ref() == Some(&preview.key) {
            self.asked = None;
            self.preview = Some(preview);
        }
    }
}

fn form_row(ui: &mut Ui, form: &mut DomainExportForm) {
    let was = form.format.default_name();
    ui.horizontal_wrapped(|ui| {
        let format = ui.label("Domain format:");
        ComboBox::from_id_salt("domain export format")
            .selected_text(form.format.title())
            .width(260.0)
            .show_ui(ui, |ui| {
                for f in DomainFormat::ALL {
                    ui.selectable_value(&mut form.format, f, f.title());
                }
            })
            .response
            .labelled_by(format.id);
        let name = ui.label("Zone or ACL name:");
        ui.add(egui::TextEdit::singleline(&mut form.name).desired_width(170.0))
            .labelled_by(name.id);
    });
    follow_default_name(&mut form.path, was, form.format.default_name());
}

fn path_row(ui: &mut Ui, panel: &mut DomainExportPanel, current: bool, out: &mut Vec<Command>) {
    let form = &mut panel.form;
    ui.horizontal(|ui| {
        let label = ui.label("Save domains to:");
        if form.path.is_empty() {
            form.path = crate::session::export_dir()
                .join(form.format.default_name())
                .display()
                .to_string();
        }
        ui.add(egui::TextEdit::singleline(&mut form.path).desired_width(420.0))
            .labelled_by(label.id);
        if ui.button("Browse…").clicked() {
            out.push(Command::Browse(Browse::DomainExport));
        }
        let output = panel
            .preview
            .as_ref()
            .filter(|_| current)
            .and_then(|p| p.result.as_ref().ok());
        if ui
            .add_enabled(output.is_some(), egui::Button::new("Save domain export"))
            .clicked()
        {
            if let Some(output) = output {
                out.push(Command::SaveDomainExport(
                    output.clone(),
                    form.path.clone().into(),
                ));
            }
        }
    });
}

/// Draws the panel; asks a worker for a new preview when the list or the form changed.
pub fn show(ui: &mut Ui, investigation: &str, view: &mut ViewState, out: &mut Vec<Command>) {
    ui.label(RichText::new("Export").strong());
    let generation = view.domains.generation;
    let panel = &mut view.domains_view.export;
    form_row(ui, &mut panel.form);
    let key: DomainPreviewKey = (generation, panel.form.format, panel.form.name.clone());
    let current = panel.preview.as_ref().is_some_and(|p| p.key == key);
    if !current && panel.asked.as_ref() != Some(&key) {
        let opts = DomainOptions {
            name: panel.form.name.clone(),
            investigation: investigation.to_string(),
            ..DomainOptions::default()
        };
        out.push(Command::RenderDomainExport(key.clone(), opts));
        panel.asked = Some(key);
    }
    path_row(ui, panel, current, out);
    if !current {
        ui.label(RichText::new("Updating the preview…").weak());
    }
    if let Some(p) = &panel.preview {
        ui.add_enabled_ui(current, |ui| show_output(ui, &p.result, &p.shown));
    }
}

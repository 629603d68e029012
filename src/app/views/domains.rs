//! The Domains view: the names detection proposes instead of addresses it must not block, the
//! entries with inline edit, sort and search, adding a name with validation as you type and a
//! confirmation for critical domains, import, the allowlist, and the exports with a preview of
//! exactly the bytes written. Every change is a [`DomainEdit`] sent as a command, so it can be
//! undone.

use std::net::IpAddr;

use eframe::egui::{self, Align, ComboBox, Layout, RichText, Ui};
use egui_extras::{Column, TableBuilder};

use crate::blocklist::{format_time, parse_time};
use crate::domains::{
    accept, confirmation, parse_pattern, pending, reject, Action, AllowedDomain, DomainEdit,
    DomainEntry, DomainList, DomainName, DomainProposal, Origin,
};

use super::blocklist::Browse;
use super::domain_export::DomainExportPanel;
use crate::app::loading::Loaded;
use crate::app::text::thousands;
use crate::app::{sort_header, Command, ViewState, ERROR, WARN};

/// How the entries table is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DomainSort {
    /// By name.
    Name,
    /// By action.
    Action,
    /// By confidence.
    Confidence,
    /// By origin.
    Origin,
    /// By when it was added.
    #[default]
    Added,
}

/// The fields edited in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainField {
    /// The sinkhole's address.
    Sinkhole,
    /// The expiry date.
    Expiry,
    /// The reason.
    Reason,
    /// The note.
    Note,
}

/// A cell being edited in place.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainCellEdit {
    /// The entry's name.
    pub name: DomainName,
    /// Which field.
    pub field: DomainField,
    /// The text typed so far.
    pub text: String,
}

/// What the entries table's rows depend on.
type RowsKey = (u64, String, DomainSort, bool);

/// What the view keeps between frames.
#[derive(Debug, Clone)]
pub struct DomainsView {
    /// The name typed in the add field.
    pub add_text: String,
    /// Whether the name is added with its subdomains.
    pub add_subdomains: bool,
    /// Whether it answers with a sinkhole instead of NXDOMAIN.
    pub add_sinkhole: bool,
    /// The sinkhole's address, as typed.
    pub sinkhole_text: String,
    /// The reason typed for it.
    pub add_reason: String,
    /// An add waiting for the analyst to confirm the warning.
    pub confirm: Option<(DomainEntry, String)>,
    /// What the last inline edit could not do.
    pub table_message: Option<String>,
    /// The search text.
    pub search: String,
    /// The sort.
    pub sort: DomainSort,
    /// Sort descending.
    pub descending: bool,
    /// A cell being edited.
    pub editing: Option<DomainCellEdit>,
    /// The allowlist name typed.
    pub allow_text: String,
    /// The list file to import.
    pub import_path: String,
    /// What the last import did.
    pub import_report: Option<String>,
    /// The export form, its preview and the preview asked of a worker.
    pub export: DomainExportPanel,
    /// The table's rows for (list generation, search, sort, descending).
    rows: Option<(RowsKey, Vec<usize>)>,
    /// The proposals still waiting, for (list generation, proposals generation).
    pending: Option<((u64, u64), Vec<DomainProposal>)>,
}

impl Default for DomainsView {
    fn default() -> Self {
        DomainsView {
            add_text: String::new(),
            add_subdomains: false,
            add_sinkhole: false,
            sinkhole_text: "0.0.0.0".into(),
            add_reason: String::new(),
            confirm: None,
            table_message: None,
            search: String::new(),
            sort: DomainSort::default(),
            descending: true,
            editing: None,
            allow_text: String::new(),
            import_path: String::new(),
            import_report: None,
            export: DomainExportPanel::default(),
            rows: None,
            pending: None,
        }
    }
}

impl DomainsView {
    /// Fills the field `target` with `path`, picked in a dialog.
    pub fn set_path(&mut self, target: Browse, path: &std::path::Path) {
        let text = path.display().to_string();
        match target {
            Browse::DomainImport => self.import_path = text,
            Browse::DomainExport => self.export.form.path = text,
            _ => {}
        }
    }
}

/// Draws the view.
pub fn show(ui: &mut Ui, loaded: Option<&Loaded>, view: &mut ViewState, out: &mut Vec<Command>) {
    let investigation = loaded
        .map(|l| {
            crate::app::widgets::window_title(&l.investigation)
                .trim_start_matches("netsleuth — ")
                .to_string()
        })
        .unwrap_or_default();
    header(ui, view, out);
    egui::ScrollArea::vertical()
        .auto_shrink(false)
        .id_salt("domains")
        .show(ui, |ui| {
            proposals_panel(ui, view, out);
            add_row(ui, view, out);
            ui.add_space(6.0);
            import_row(ui, view, out);
            ui.add_space(6.0);
            entries_table(ui, view, out);
            ui.add_space(10.0);
            allowlist(ui, view, out);
            ui.add_space(10.0);
            super::domain_export::show(ui, &investigation, view, out);
        });
}

fn header(ui: &mut Ui, view: &ViewState, out: &mut Vec<Command>) {
    let d = &view.domains;
    let wide = d.list.entries.iter().filter(|e| e.subdomains).count();
    ui.horizontal(|ui| {
        ui.label(
            RichText::new(format!(
                "{} names ({} with subdomains) · {} allowlisted",
                thousands(d.list.entries.len() as u64),
                thousands(wide as u64),
                d.list.allowlist.len()
            ))
            .text_style(crate::app::text::style("section")),
        );
        ui.add_space(12.0);
        if ui
            .add_enabled(d.history.can_undo(), egui::Button::new("Undo"))
            .on_hover_text("Ctrl+Z")
            .clicked()
        {
            out.push(Command::UndoDomains);
        }
        if ui
            .add_enabled(d.history.can_redo(), egui::Button::new("Redo"))
            .on_hover_text("Ctrl+Shift+Z")
            .clicked()
        {
            out.push(Command::RedoDomains);
        }
        if d.unreadable {
            ui.label(RichText::new("not saved: the file on disk is damaged").color(ERROR));
        }
    });
    ui.label(
        RichText::new(
            "Names to block at the resolver or proxy where an address must not be blocked: a CDN or shared host serves unrelated sites.",
        )
        .weak(),
    );
    ui.separator();
}

fn proposals_panel(ui: &mut Ui, view: &mut ViewState, out: &mut Vec<Command>) {
    let d = &view.domains;
    let (list, proposals) = (&d.list, &d.proposals);
    let dv = &mut view.domains_view;
    let key = (d.generation, d.proposals_generation);
    let cached = match dv.pending.take() {
        Some((k, p)) if k == key => p,
        _ => pending(proposals, list).into_iter().cloned().collect(),
    };
    let waiting: Vec<&DomainProposal> = cached.iter().collect();
    let title = format!(
        "Names proposed by detection: {}",
        thousands(waiting.len() as u64)
    );
    egui::CollapsingHeader::new(RichText::new(title).strong())
        .id_salt("domain proposals")
        .default_open(true)
        .show(ui, |ui| {
            if waiting.is_empty() {
                ui.label(
                    RichText::new(if proposals.is_empty() {
                        "None yet: detection proposes a name here when the address it was seen on must not be blocked."
                    } else {
                        "Nothing waiting: every proposal was accepted or rejected."
                    })
                    .weak(),
                );
                return;
            }
            let (plain, critical): (Vec<&DomainProposal>, Vec<&DomainProposal>) = waiting
                .iter()
                .partition(|p| p.confirmation().is_none());
            ui.horizontal(|ui| {
                if ui
                    .add_enabled(!plain.is_empty(), egui::Button::new("Accept all"))
                    .clicked()
                {
                    out.push(Command::EditDomains(accept(&plain)));
                }
                if ui.button("Reject all").clicked() {
                    out.push(Command::EditDomains(reject(list, &waiting)));
                }
                if !critical.is_empty() {
                    ui.label(
                        RichText::new(format!(
                            "{} under critical domains: accept them one by one",
                            critical.len()
                        ))
                        .color(WARN),
                    );
                }
            });
            egui::ScrollArea::vertical()
                .max_height(180.0)
                .id_salt("domain proposal rows")
                .show(ui, |ui| {
                    egui::Grid::new("domain proposal grid")
                        .striped(true)
                        .num_columns(6)
                        .show(ui, |ui| {
                            for &p in &waiting {
                                proposal_row(ui, p, list, dv, out);
                                ui.end_row();
                            }
                        });
                });
        });
    dv.pending = Some((key, cached));
    ui.add_space(6.0);
}

fn proposal_row(
    ui: &mut Ui,
    p: &DomainProposal,
    list: &DomainList,
    dv: &mut DomainsView,
    out: &mut Vec<Command>,
) {
    let mut name = RichText::new(p.name.as_str()).monospace();
    if p.confirmation().is_some() {
        name = name.color(WARN);
    }
    let shown = p.name.unicode();
    let hover = if shown == p.name.as_str() {
        p.evidence.join("\n")
    } else {
        format!("{shown}\n{}", p.evidence.join("\n"))
    };
    ui.label(name).on_hover_text(hover);
    ui.label(format!("{:.1}", p.confidence));
    let addresses: Vec<String> = p
        .addresses
        .iter()
        .take(2)
        .map(ToString::to_string)
        .collect();
    let more = p.addresses.len().saturating_sub(2);
    ui.label(if more > 0 {
        format!("{} +{more}", addresses.join(", "))
    } else {
        addresses.join(", ")
    });
    ui.add_sized(
        [380.0, 18.0],
        egui::Label::new(p.reason.as_str()).truncate(),
    );
    if ui.small_button("Accept").clicked() {
        match p.confirmation() {
            Some(warning) => dv.confirm = Some((p.entry(), warning)),
            None => out.push(Command::EditDomains(accept(&[p]))),
        }
    }
    if ui.small_button("Reject").clicked() {
        out.push(Command::EditDomains(reject(list, &[p])));
    }
}

/// The entry the add field makes, or why it makes none.
fn candidate(dv: &DomainsView, list: &DomainList) -> Result<DomainEntry, String> {
    let (name, star) = parse_pattern(&dv.add_text)?;
    let subdomains = star || dv.add_subdomains;
    if let Some(r) = list.refused(&name, subdomains) {
        return Err(format!("never blocked: {r}"));
    }
    let action = if dv.add_sinkhole {
        let text = dv.sinkhole_text.trim();
        Action::Sinkhole(text.parse::<IpAddr>().map_err(|_| {
            format!(
                "'{}' is not an IP address for the sinkhole",
                crate::domains::shown(text)
            )
        })?)
    } else {
        Action::Nxdomain
    };
    let mut e = DomainEntry::new(name, Origin::Manual, dv.add_reason.trim());
    e.subdomains = subdomains;
    e.action = action;
    Ok(e)
}

fn add_row(ui: &mut Ui, view: &mut ViewState, out: &mut Vec<Command>) {
    let dv = &mut view.domains_view;
    let list = &view.domains.list;
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Add domain:");
        ui.add(
            egui::TextEdit::singleline(&mut dv.add_text)
                .hint_text("www.example.com or *.example.com")
                .desired_width(250.0),
        )
        .labelled_by(label.id);
        ui.checkbox(&mut dv.add_subdomains, "with subdomains");
        ui.checkbox(&mut dv.add_sinkhole, "sinkhole to");
        if dv.add_sinkhole {
            let sink = ui.label("address:");
            ui.add(egui::TextEdit::singleline(&mut dv.sinkhole_text).desired_width(120.0))
                .labelled_by(sink.id);
        }
        let reason = ui.label("Reason:");
        ui.add(egui::TextEdit::singleline(&mut dv.add_reason).desired_width(220.0))
            .labelled_by(reason.id);
        let made = (!dv.add_text.trim().is_empty()).then(|| candidate(dv, list));
        if ui
            .add_enabled(matches!(made, Some(Ok(_))), egui::Button::new("Add"))
            .clicked()
        {
            if let Some(Ok(entry)) = made {
                match confirmation(&entry.name) {
                    Some(warning) => dv.confirm = Some((entry, warning)),
                    None => {
                        out.push(Command::EditDomains(DomainEdit::put(vec![entry])));
                        dv.add_text.clear();
                        dv.add_reason.clear();
                    }
                }
            }
        }
    });
    match (!dv.add_text.trim().is_empty()).then(|| candidate(dv, list)) {
        Some(Err(e)) => {
            ui.label(RichText::new(e).color(ERROR));
        }
        Some(Ok(e)) => {
            let shown = e.name.unicode();
            if shown != e.name.as_str() {
                ui.label(RichText::new(format!("{shown} is written {}", e.name)).weak());
            }
            if list.entry(&e.name).is_some() {
                ui.label(
                    RichText::new(format!(
                        "{} is already on the list: adding replaces it",
                        e.name
                    ))
                    .weak(),
                );
            } else if let Some(parent) = list.covering(&e.name) {
                ui.label(RichText::new(format!("already blocked by {}", parent.pattern())).weak());
            }
        }
        None => {}
    }
    if let Some((entry, warning)) = dv.confirm.clone() {
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.label(RichText::new(format!("Before adding {}:", entry.pattern())).strong());
            ui.label(RichText::new(warning.as_str()).color(WARN));
            ui.horizontal(|ui| {
                if ui.button("Add anyway").clicked() {
                    out.push(Command::EditDomains(DomainEdit::put(vec![entry])));
                    dv.confirm = None;
                    dv.add_text.clear();
                    dv.add_reason.clear();
                }
                if ui.button("Cancel").clicked() {
                    dv.confirm = None;
                }
            });
        });
    }
}

fn import_row(ui: &mut Ui, view: &mut ViewState, out: &mut Vec<Command>) {
    let dv = &mut view.domains_view;
    ui.horizontal(|ui| {
        let label = ui.label("Import names:");
        ui.add(
            egui::TextEdit::singleline(&mut dv.import_path)
                .hint_text("path of a list: one name per line, or a hosts file")
                .desired_width(300.0),
        )
        .labelled_by(label.id);
        if ui.button("Browse…").clicked() {
            out.push(Command::Browse(Browse::DomainImport));
        }
        if ui
            .add_enabled(
                !dv.import_path.trim().is_empty(),
                egui::Button::new("Import"),
            )
            .clicked()
        {
            out.push(Command::ImportDomains(dv.import_path.trim().into()));
        }
    });
    if let Some(r) = &dv.import_report {
        ui.label(RichText::new(r).weak());
    }
}

fn sorted_rows(view: &ViewState) -> Vec<usize> {
    let dv = &view.domains_view;
    let entries = &view.domains.list.entries;
    let needle = dv.search.trim().to_lowercase();
    let mut rows: Vec<usize> = (0..entries.len())
        .filter(|&i| {
            let e = &entries[i];
            needle.is_empty()
                || e.name.as_str().contains(&needle)
                || e.name.unicode().contains(&needle)
                || e.reason.to_lowercase().contains(&needle)
                || e.note.to_lowercase().contains(&needle)
        })
        .collect();
    rows.sort_by(|&x, &y| {
        let (a, b) = (&entries[x], &entries[y]);
        let o = match dv.sort {
            DomainSort::Name => a.name.cmp(&b.name),
            DomainSort::Action => a.action.cmp(&b.action),
            DomainSort::Confidence => a
                .confidence
                .unwrap_or(-1.0)
                .total_cmp(&b.confidence.unwrap_or(-1.0)),
            DomainSort::Origin => a.origin.cmp(&b.origin),
            DomainSort::Added => a.added_at.cmp(&b.added_at).then(x.cmp(&y)),
        };
        if dv.descending {
            o.reverse()
        } else {
            o
        }
    });
    rows
}

fn entries_table(ui: &mut Ui, view: &mut ViewState, out: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        let label = ui.label("Search names:");
        ui.add(
            egui::TextEdit::singleline(&mut view.domains_view.search)
                .hint_text("name, reason or note")
                .desired_width(220.0),
        )
        .labelled_by(label.id);
    });
    if let Some(m) = &view.domains_view.table_message {
        ui.label(RichText::new(m).color(ERROR));
    }
    let key: RowsKey = (
        view.domains.generation,
        view.domains_view.search.clone(),
        view.domains_view.sort,
        view.domains_view.descending,
    );
    let rows = match view.domains_view.rows.take() {
        Some((k, rows)) if k == key => rows,
        _ => sorted_rows(view),
    };
    draw_entries(ui, &rows, view, out);
    view.domains_view.rows = Some((key, rows));
}

/// The entries table itself, for the `rows` (indices into the entries) to show.
fn draw_entries(ui: &mut Ui, rows: &[usize], view: &mut ViewState, out: &mut Vec<Command>) {
    if rows.is_empty() {
        ui.label(
            RichText::new(if view.domains.list.entries.is_empty() {
                "No name is blocked yet: accept proposals, add a name or import a list."
            } else {
                "No entry matches the search."
            })
            .weak(),
        );
        return;
    }
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 8.0;
    let columns: [(&str, Option<DomainSort>); 11] = [
        ("Name", Some(DomainSort::Name)),
        ("Subdomains", None),
        ("Action", Some(DomainSort::Action)),
        ("Sinkhole to", None),
        ("Confidence", Some(DomainSort::Confidence)),
        ("Origin", Some(DomainSort::Origin)),
        ("Added", Some(DomainSort::Added)),
        ("Expires", None),
        ("Reason", None),
        ("Note", None),
        ("", None),
    ];
    let list = &view.domains.list;
    let dv = &mut view.domains_view;
    TableBuilder::new(ui)
        .id_salt("domain entries")
        .striped(true)
        .vscroll(true)
        .max_scroll_height(320.0)
        .cell_layout(Layout::left_to_right(Align::Center))
        .column(Column::initial(222.0).resizable(true).clip(true))
        .column(Column::exact(82.0))
        .column(Column::exact(112.0))
        .column(Column::exact(96.0))
        .column(Column::exact(78.0))
        .column(Column::exact(66.0))
        .column(Column::exact(80.0))
        .column(Column::exact(76.0))
        .column(Column::initial(150.0).resizable(true).clip(true))
        .column(Column::initial(90.0).resizable(true).clip(true))
        .column(Column::exact(68.0))
        .header(row_height, |mut header| {
            for (title, key) in columns {
                header.col(|ui| match key {
                    Some(key) => {
                        if sort_header(ui, title, dv.sort == key, dv.descending) {
                            if dv.sort == key {
                                dv.descending = !dv.descending;
                            } else {
                                dv.sort = key;
                                dv.descending =
                                    matches!(key, DomainSort::Confidence | DomainSort::Added);
                            }
                        }
                    }
                    None => {
                        ui.label(RichText::new(title).strong());
                    }
                });
            }
        })
        .body(|body| {
            body.rows(row_height, rows.len(), |mut row| {
                let e = &list.entries[rows[row.index()]];
                let mut name_id = None;
                row.col(|ui| {
                    name_id = Some(name_cell(ui, e).id);
                });
                row.col(|ui| {
                    let mut wide = e.subdomains;
                    let r = ui.checkbox(&mut wide, "");
                    if let Some(id) = name_id {
                        r.labelled_by(id);
                    }
                    if wide != e.subdomains {
                        match list.refused(&e.name, wide) {
                            Some(why) => dv.table_message = Some(format!("never blocked: {why}")),
                            None => {
                                let mut changed = e.clone();
                                changed.subdomains = wide;
                                dv.table_message = None;
                                out.push(Command::EditDomains(DomainEdit::put(vec![changed])));
                            }
                        }
                    }
                });
                row.col(|ui| {
                    let mut sinkhole = matches!(e.action, Action::Sinkhole(_));
                    let combo = ComboBox::from_id_salt(("domain action", &e.name))
                        .selected_text(if sinkhole { "sinkhole" } else { "NXDOMAIN" })
                        .width(104.0)
                        .show_ui(ui, |ui| {
                            ui.selectable_value(&mut sinkhole, false, "NXDOMAIN");
                            ui.selectable_value(&mut sinkhole, true, "sinkhole");
                        })
                        .response;
                    if let Some(id) = name_id {
                        combo.labelled_by(id);
                    }
                    if sinkhole != matches!(e.action, Action::Sinkhole(_)) {
                        let mut changed = e.clone();
                        changed.action = if sinkhole {
                            Action::Sinkhole(
                                dv.sinkhole_text
                                    .trim()
                                    .parse()
                                    .unwrap_or(IpAddr::from([0, 0, 0, 0])),
                            )
                        } else {
                            Action::Nxdomain
                        };
                        out.push(Command::EditDomains(DomainEdit::put(vec![changed])));
                    }
                });
                row.col(|ui| match e.action {
                    Action::Sinkhole(ip) => {
                        editable(ui, dv, e, DomainField::Sinkhole, &ip.to_string(), out)
                    }
                    Action::Nxdomain => {
                        ui.label(RichText::new("–").weak());
                    }
                });
                row.col(|ui| {
                    ui.label(e.confidence.map_or("–".into(), |c| format!("{c:.1}")));
                });
                row.col(|ui| {
                    ui.label(e.origin.name());
                });
                row.col(|ui| {
                    ui.label(format_time(e.added_at).get(..10).unwrap_or_default())
                        .on_hover_text(format_time(e.added_at));
                });
                let expiry = e
                    .expires_at
                    .map(|t| format_time(t).get(..10).unwrap_or_default().to_string())
                    .unwrap_or_default();
                for (field, value) in [
                    (DomainField::Expiry, expiry),
                    (DomainField::Reason, e.reason.clone()),
                    (DomainField::Note, e.note.clone()),
                ] {
                    row.col(|ui| editable(ui, dv, e, field, &value, out));
                }
                row.col(|ui| {
                    if ui
                        .small_button("Remove")
                        .on_hover_text(format!("Remove {}", e.pattern()))
                        .clicked()
                    {
                        out.push(Command::EditDomains(DomainEdit::remove(vec![e
                            .name
                            .clone()])));
                    }
                });
            });
        });
}

/// The name, with its Unicode form, the addresses and files it was seen in and the evidence on
/// hover.
fn name_cell(ui: &mut Ui, e: &DomainEntry) -> egui::Response {
    let mut details = Vec::new();
    let shown = e.name.unicode();
    if shown != e.name.as_str() {
        details.push(shown);
    }
    if !e.addresses.is_empty() {
        let addresses: Vec<String> = e.addresses.iter().map(ToString::to_string).collect();
        details.push(format!("seen on {}", addresses.join(", ")));
    }
    if !e.files.is_empty() {
        details.push(format!("in {}", e.files.join(", ")));
    }
    details.extend(e.evidence.iter().take(5).cloned());
    let r = ui.add(egui::Label::new(RichText::new(e.pattern()).monospace()).truncate());
    if details.is_empty() {
        r
    } else {
        r.on_hover_text(details.join("\n"))
    }
}

/// A cell that turns into a text field on click and saves on Enter or when it loses focus.
fn editable(
    ui: &mut Ui,
    dv: &mut DomainsView,
    e: &DomainEntry,
    field: DomainField,
    value: &str,
    out: &mut Vec<Command>,
) {
    let editing = dv
        .editing
        .as_mut()
        .filter(|c| c.name == e.name && c.field == field);
    if let Some(cell) = editing {
        let r = ui.add(egui::TextEdit::singleline(&mut cell.text).desired_width(f32::INFINITY));
        r.request_focus();
        let done = ui.input(|i| i.key_pressed(egui::Key::Enter)) || r.lost_focus();
        if ui.input(|i| i.key_pressed(egui::Key::Escape)) {
            dv.editing = None;
        } else if done {
            let text = cell.text.trim().to_string();
            let mut changed = e.clone();
            let ok = match field {
                DomainField::Reason => {
                    changed.reason = text;
                    true
                }
                DomainField::Note => {
                    changed.note = text;
                    true
                }
                DomainField::Expiry if text.is_empty() => {
                    changed.expires_at = None;
                    true
                }
                DomainField::Expiry => parse_time(&text)
                    .map(|t| changed.expires_at = Some(t))
                    .is_some(),
                DomainField::Sinkhole => text
                    .parse::<IpAddr>()
                    .map(|ip| changed.action = Action::Sinkhole(ip))
                    .is_ok(),
            };
            if ok {
                if changed != *e {
                    out.push(Command::EditDomains(DomainEdit::put(vec![changed])));
                }
                dv.editing = None;
            }
        }
        return;
    }
    let shown = if value.is_empty() { "…" } else { value };
    let r = ui
        .add(
            egui::Label::new(shown)
                .truncate()
                .sense(egui::Sense::click()),
        )
        .on_hover_text("click to edit");
    if r.clicked() {
        dv.editing = Some(DomainCellEdit {
            name: e.name.clone(),
            field,
            text: value.to_string(),
        });
    }
}

fn allowlist(ui: &mut Ui, view: &mut ViewState, out: &mut Vec<Command>) {
    ui.label(RichText::new("Allowlist: never blocked, with every name under it").strong());
    ui.label(
        RichText::new(
            "Top-level domains and public suffixes (com, co.uk, github.io) are never blocked; add your own domains here.",
        )
        .weak(),
    );
    let dv = &mut view.domains_view;
    let list = &view.domains.list;
    ui.horizontal(|ui| {
        let label = ui.label("Allow domain:");
        ui.add(
            egui::TextEdit::singleline(&mut dv.allow_text)
                .hint_text("your domain, e.g. example.org")
                .desired_width(230.0),
        )
        .labelled_by(label.id);
        let parsed = DomainName::parse(&dv.allow_text);
        if ui
            .add_enabled(parsed.is_ok(), egui::Button::new("Allow"))
            .clicked()
        {
            if let Ok(name) = parsed {
                out.push(Command::EditDomains(list.allow_edit(AllowedDomain {
                    name,
                    note: String::new(),
                    added_at: crate::blocklist::now(),
                })));
                dv.allow_text.clear();
            }
        }
        if let (false, Err(e)) = (
            dv.allow_text.trim().is_empty(),
            DomainName::parse(&dv.allow_text),
        ) {
            ui.label(RichText::new(e).color(ERROR));
        }
    });
    for a in &list.allowlist {
        ui.horizontal(|ui| {
            ui.label(RichText::new(a.name.as_str()).monospace());
            if !a.note.is_empty() {
                ui.label(RichText::new(&a.note).weak());
            }
            if ui
                .small_button("Remove")
                .on_hover_text(format!("Remove {} from the allowlist", a.name))
                .clicked()
            {
                out.push(Command::EditDomains(DomainEdit {
                    unallow: vec![a.name.clone()],
                    ..DomainEdit::default()
                }));
            }
        });
    }
}

//! The Blocklist view: the proposals from detection, the entries with inline edit, sort and
//! search, adding with validation as you type and guardrails, import, merging with its
//! preview, the allowlist, and the exports with a preview of exactly the bytes written.
//! Every change is an [`Edit`] sent as a command, so it can be undone.

use eframe::egui::{self, Align, ComboBox, Layout, RichText, Ui};
use egui_extras::{Column, TableBuilder};
use ipnet::IpNet;

use crate::blocklist::{
    accept, format_time, guardrails, merge_edit, parse_net, parse_time, plan_list, proposals,
    reject, Action, AllowEntry, Direction, Edit, Entry, Limits, Origin, Plan, Proposal, SourceFact,
};

use super::export_panel::ExportPanel;
use crate::app::analysis::Analysis;
use crate::app::loading::Loaded;
use crate::app::text::thousands;
use crate::app::{sort_header, Command, ViewState, ERROR, WARN};

/// How the entries table is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EntrySort {
    /// By address.
    Address,
    /// By action.
    Action,
    /// By direction.
    Direction,
    /// By confidence.
    Confidence,
    /// By origin.
    Origin,
    /// By when it was added.
    #[default]
    Added,
}

/// A cell being edited in place.
#[derive(Debug, Clone, PartialEq)]
pub struct CellEdit {
    /// The entry's network.
    pub net: IpNet,
    /// Which field.
    pub field: EditField,
    /// The text typed so far.
    pub text: String,
}

/// The fields edited in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditField {
    /// The reason.
    Reason,
    /// The note.
    Note,
    /// The expiry date.
    Expiry,
}

/// Which field a file dialog fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Browse {
    /// The list to import.
    Import,
    /// The file to export to.
    ExportFile,
    /// The folder to export to.
    ExportFolder,
    /// A GeoIP database for Settings.
    GeoIp,
    /// A threat list file for Settings.
    ThreatList,
    /// A folder of threat lists for Settings.
    ThreatFolder,
    /// The list of names to import in the Domains view.
    DomainImport,
    /// The file the Domains view exports to.
    DomainExport,
}

impl Browse {
    /// Shows the system dialog (on a worker thread); the path picked.
    pub fn pick(self, suggested: &str) -> Option<std::path::PathBuf> {
        let suggested = std::path::Path::new(suggested);
        let dir = suggested.parent().filter(|d| d.is_dir());
        let name = suggested
            .file_name()
            .map(|n| n.to_string_lossy().to_string());
        match self {
            Browse::Import => rfd::FileDialog::new()
                .set_title("Import an address list")
                .add_filter("Lists", &["txt", "netset", "ipset", "csv", "lst", "json"])
                .add_filter("All files", &["*"])
                .pick_file(),
            Browse::DomainImport => rfd::FileDialog::new()
                .set_title("Import a list of domain names")
                .add_filter("Lists", &["txt", "lst", "list", "hosts", "conf"])
                .add_filter("All files", &["*"])
                .pick_file(),
            Browse::ExportFile | Browse::DomainExport => {
                let mut d = rfd::FileDialog::new().set_title("Save the export");
                if let Some(dir) = dir {
                    d = d.set_directory(dir);
                }
                if let Some(name) = name {
                    d = d.set_file_name(name);
                }
                d.save_file()
            }
            Browse::GeoIp => rfd::FileDialog::new()
                .set_title("Choose a GeoIP or ASN database")
                .add_filter("MaxMind DB", &["mmdb"])
                .add_filter("All files", &["*"])
                .pick_file(),
            Browse::ThreatList => rfd::FileDialog::new()
                .set_title("Add an IP reputation list")
                .add_filter("Lists", &["txt", "netset", "ipset", "csv", "lst"])
                .add_filter("All files", &["*"])
                .pick_file(),
            Browse::ThreatFolder => rfd::FileDialog::new()
                .set_title("Add a folder of IP reputation lists")
                .pick_folder(),
            Browse::ExportFolder => {
                let mut d = rfd::FileDialog::new().set_title("Folder for the export");
                if let Some(dir) = dir {
                    d = d.set_directory(dir);
                }
                d.pick_folder()
                    .map(|f| f.join(name.unwrap_or_else(|| "netsleuth-export".into())))
            }
        }
    }
}

/// What the entries table's rows depend on.
type RowsKey = (u64, String, EntrySort, bool);

/// What the view keeps between frames.
#[derive(Debug, Clone, Default)]
pub struct BlocklistView {
    /// The address typed in the add field.
    pub add_text: String,
    /// The reason typed for it.
    pub add_reason: String,
    /// The action for it.
    pub add_action: Option<Action>,
    /// An add whose guardrail warnings the analyst must confirm.
    pub confirm: Option<(Entry, Vec<String>)>,
    /// The search text.
    pub search: String,
    /// The sort.
    pub sort: EntrySort,
    /// Sort descending.
    pub descending: bool,
    /// A cell being edited.
    pub editing: Option<CellEdit>,
    /// The allowlist network typed.
    pub allow_text: String,
    /// The list file to import.
    pub import_path: String,
    /// What the last import did.
    pub import_report: Option<String>,
    /// Merge limits.
    pub limits: Limits,
    /// The merge preview, when asked for.
    pub plan: Option<Plan>,
    /// The export form, its preview and the preview asked of a worker.
    pub export: ExportPanel,
    /// What detection knows of each source, for guardrails, by analysis generation.
    facts: Option<(u64, Vec<SourceFact>)>,
    /// The table's rows for (list generation, search, sort, descending).
    rows: Option<(RowsKey, Vec<usize>)>,
    /// The proposals for (analysis generation, list generation).
    proposals: Option<((u64, u64), Vec<Proposal>)>,
}

impl BlocklistView {
    /// Fills the field `target` with `path`, picked in a dialog.
    pub fn set_path(&mut self, target: Browse, path: &std::path::Path) {
        let text = path.display().to_string();
        match target {
            Browse::Import => self.import_path = text,
            Browse::ExportFile | Browse::ExportFolder => self.export.form.path = text,
            Browse::GeoIp
            | Browse::ThreatList
            | Browse::ThreatFolder
            | Browse::DomainImport
            | Browse::DomainExport => {}
        }
    }
}

fn facts(a: &Analysis, table: &crate::events::EventTable) -> Vec<SourceFact> {
    let truth = crate::detection::event_truth(table);
    a.detection
        .sources
        .iter()
        .map(|v| {
            let (labelled, benign) = v.stats.rows.iter().fold((0, 0), |(l, b), &r| {
                match truth.get(r as usize).copied().flatten() {
                    Some(malicious) => (l + 1, b + u64::from(!malicious)),
                    None => (l, b),
                }
            });
            SourceFact {
                ip: v.stats.ip,
                events: v.stats.events,
                flagged: v.proposed_block || !v.findings.is_empty(),
                labelled,
                benign,
            }
        })
        .collect()
}

/// Draws the view. `a` is the open analysis, when there is one (for proposals and guardrails).
pub fn show(
    ui: &mut Ui,
    loaded: Option<&Loaded>,
    a: Option<&Analysis>,
    view: &mut ViewState,
    out: &mut Vec<Command>,
) {
    if let (Some(a), Some(l)) = (a, loaded) {
        if view.blocklist_view.facts.as_ref().map(|f| f.0) != Some(a.generation) {
            view.blocklist_view.facts = Some((a.generation, facts(a, &l.investigation.table)));
        }
    }
    let investigation = export_title(view);
    header(ui, view, out);
    egui::ScrollArea::vertical()
        .auto_shrink(false)
        .id_salt("blocklist")
        .show(ui, |ui| {
            if let Some(a) = a {
                proposals_panel(ui, a, view, out);
            }
            add_row(ui, view, out);
            ui.add_space(6.0);
            tools(ui, view, out);
            ui.add_space(6.0);
            entries_table(ui, view, out);
            ui.add_space(10.0);
            allowlist(ui, view, out);
            ui.add_space(10.0);
            super::export_panel::show(ui, &investigation, view, out);
        });
}

/// What an export's header names: the investigation, and the log files truly behind the
/// entries (not whatever is open now).
fn export_title(view: &ViewState) -> String {
    let mut files: Vec<String> = view
        .blocklist
        .list
        .entries
        .iter()
        .flat_map(|e| e.files.iter())
        .map(|f| {
            std::path::Path::new(f)
                .file_name()
                .map_or_else(|| f.clone(), |n| n.to_string_lossy().into_owned())
        })
        .collect();
    files.sort();
    files.dedup();
    let files = match files.len() {
        0 => String::new(),
        n if n <= 3 => files.join(", "),
        n => format!("{} and {} more", files[..3].join(", "), n - 3),
    };
    match (&view.case_name, files.is_empty()) {
        (Some(case), true) => case.clone(),
        (Some(case), false) => format!("{case} (from {files})"),
        (None, _) => files,
    }
}

fn header(ui: &mut Ui, view: &ViewState, out: &mut Vec<Command>) {
    let b = &view.blocklist;
    let v6 = b
        .list
        .entries
        .iter()
        .filter(|e| e.net.addr().is_ipv6())
        .count();
    ui.horizontal(|ui| {
        ui.label(
            RichText::new(format!(
                "{} entries ({} IPv4, {v6} IPv6) · {} allowlisted",
                thousands(b.list.entries.len() as u64),
                thousands((b.list.entries.len() - v6) as u64),
                b.list.allowlist.len()
            ))
            .text_style(crate::app::text::style("section")),
        );
        ui.add_space(12.0);
        if ui
            .add_enabled(b.history.can_undo(), egui::Button::new("Undo"))
            .on_hover_text("Ctrl+Z")
            .clicked()
        {
            out.push(Command::UndoBlocklist);
        }
        if ui
            .add_enabled(b.history.can_redo(), egui::Button::new("Redo"))
            .on_hover_text("Ctrl+Shift+Z")
            .clicked()
        {
            out.push(Command::RedoBlocklist);
        }
        if b.unreadable {
            ui.label(RichText::new("not saved: the file on disk is damaged").color(ERROR));
        }
    });
    ui.separator();
}

fn proposals_panel(ui: &mut Ui, a: &Analysis, view: &mut ViewState, out: &mut Vec<Command>) {
    let list = &view.blocklist.list;
    let key = (a.generation, view.blocklist.generation);
    let cached = view.blocklist_view.proposals.take();
    let pending = match cached {
        Some((k, p)) if k == key => p,
        _ => proposals(&a.detection, list),
    };
    let pending = &view.blocklist_view.proposals.insert((key, pending)).1;
    let title = format!(
        "Proposed by detection at confidence ≥ {:.0}: {}",
        a.settings.auto_block,
        thousands(pending.len() as u64)
    );
    egui::CollapsingHeader::new(RichText::new(title).strong())
        .id_salt("proposals")
        .default_open(true)
        .show(ui, |ui| {
            if pending.is_empty() {
                ui.label(
                    RichText::new("Nothing waiting: every proposal was accepted or rejected.")
                        .weak(),
                );
                return;
            }
            ui.horizontal(|ui| {
                if ui.button("Accept all").clicked() {
                    out.push(Command::EditBlocklist(accept(pending)));
                }
                if ui.button("Reject all").clicked() {
                    out.push(Command::EditBlocklist(reject(list, pending)));
                }
            });
            egui::ScrollArea::vertical()
                .max_height(180.0)
                .id_salt("proposal rows")
                .show(ui, |ui| {
                    egui::Grid::new("proposal grid")
                        .striped(true)
                        .num_columns(7)
                        .show(ui, |ui| {
                            for p in pending {
                                ui.label(RichText::new(p.ip.to_string()).monospace());
                                ui.label(format!("{:.1}", p.confidence));
                                ui.label(p.severity.unwrap_or("–"));
                                ui.label(p.direction.name())
                                    .on_hover_text(match p.direction {
                                        Direction::Outbound => {
                                            "a server infected hosts call: \
                                            block traffic going to it"
                                        }
                                        Direction::Both => "block traffic both ways",
                                        Direction::Inbound => "block traffic coming from it",
                                    });
                                // A cut label shows the whole reason on hover by itself.
                                ui.add_sized(
                                    [420.0, 18.0],
                                    egui::Label::new(p.reason.as_str()).truncate(),
                                );
                                if ui.small_button("Accept").clicked() {
                                    out.push(Command::EditBlocklist(accept(std::slice::from_ref(
                                        p,
                                    ))));
                                }
                                if ui.small_button("Reject").clicked() {
                                    out.push(Command::EditBlocklist(reject(
                                        list,
                                        std::slice::from_ref(p),
                                    )));
                                }
                                ui.end_row();
                            }
                        });
                });
        });
    ui.add_space(6.0);
}

fn add_row(ui: &mut Ui, view: &mut ViewState, out: &mut Vec<Command>) {
    let bv = &mut view.blocklist_view;
    let list = &view.blocklist.list;
    ui.horizontal(|ui| {
        let label = ui.label("Add:");
        ui.add(
            egui::TextEdit::singleline(&mut bv.add_text)
                .hint_text("address or CIDR, e.g. 195.178.188.64/29")
                .desired_width(230.0),
        )
        .labelled_by(label.id);
        let action = bv.add_action.get_or_insert(Action::Block);
        let action_label = ui.label("Action:");
        ComboBox::from_id_salt("add action")
            .selected_text(action.name())
            .show_ui(ui, |ui| {
                for a in Action::ALL {
                    ui.selectable_value(action, a, a.name());
                }
            })
            .response
            .labelled_by(action_label.id);
        let reason = ui.label("Reason:");
        ui.add(egui::TextEdit::singleline(&mut bv.add_reason).desired_width(260.0))
            .labelled_by(reason.id);
        let parsed = (!bv.add_text.trim().is_empty()).then(|| parse_net(&bv.add_text));
        let ok = matches!(parsed, Some(Ok(_)));
        if ui.add_enabled(ok, egui::Button::new("Add")).clicked() {
            if let Some(Ok(net)) = parsed {
                let mut e = Entry::new(net, Origin::Manual, bv.add_reason.trim());
                e.action = bv.add_action.unwrap_or(Action::Block);
                let facts = bv.facts.as_ref().map(|f| f.1.as_slice()).unwrap_or(&[]);
                let warnings: Vec<String> = guardrails(list, &net, facts)
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                if warnings.is_empty() {
                    out.push(Command::EditBlocklist(Edit::put(vec![e])));
                    bv.add_text.clear();
                    bv.add_reason.clear();
                } else {
                    bv.confirm = Some((e, warnings));
                }
            }
        }
    });
    match (!bv.add_text.trim().is_empty()).then(|| parse_net(&bv.add_text)) {
        Some(Err(e)) => {
            ui.label(RichText::new(e).color(ERROR));
        }
        Some(Ok(net)) if list.entry(&net).is_some() => {
            ui.label(
                RichText::new(format!("{net} is already on the list: adding replaces it")).weak(),
            );
        }
        _ => {}
    }
    if let Some((entry, warnings)) = bv.confirm.clone() {
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.label(RichText::new(format!("Before adding {}:", entry.net)).strong());
            for w in &warnings {
                ui.label(RichText::new(w.as_str()).color(WARN));
            }
            ui.horizontal(|ui| {
                if ui.button("Add anyway").clicked() {
                    out.push(Command::EditBlocklist(Edit::put(vec![entry])));
                    bv.confirm = None;
                    bv.add_text.clear();
                    bv.add_reason.clear();
                }
                if ui.button("Cancel").clicked() {
                    bv.confirm = None;
                }
            });
        });
    }
}

fn tools(ui: &mut Ui, view: &mut ViewState, out: &mut Vec<Command>) {
    let bv = &mut view.blocklist_view;
    ui.horizontal(|ui| {
        let label = ui.label("Import a list:");
        ui.add(
            egui::TextEdit::singleline(&mut bv.import_path)
                .hint_text("path of a .txt, .netset, DROP or CSV list")
                .desired_width(300.0),
        )
        .labelled_by(label.id);
        if ui.button("Browse…").clicked() {
            out.push(Command::Browse(Browse::Import));
        }
        if ui
            .add_enabled(
                !bv.import_path.trim().is_empty(),
                egui::Button::new("Import"),
            )
            .clicked()
        {
            out.push(Command::ImportList(bv.import_path.trim().into()));
        }
    });
    if let Some(r) = &bv.import_report {
        ui.label(RichText::new(r).weak());
    }
    ui.horizontal(|ui| {
        let v4 = ui.label("Merge into networks no wider than IPv4 /");
        ui.add(egui::DragValue::new(&mut bv.limits.v4).range(8..=32))
            .labelled_by(v4.id);
        let v6 = ui.label("IPv6 /");
        ui.add(egui::DragValue::new(&mut bv.limits.v6).range(16..=128))
            .labelled_by(v6.id);
        ui.checkbox(
            &mut bv.limits.widen,
            "also widen (blocks unlisted addresses)",
        );
        if bv.limits.widen {
            let density = ui.label("to at most");
            ComboBox::from_id_salt("widen density")
                .width(60.0)
                .selected_text(bv.limits.per_listed.to_string())
                .show_ui(ui, |ui| {
                    for n in [2, 4, 8, 16, 64, 256] {
                        ui.selectable_value(&mut bv.limits.per_listed, n, n.to_string());
                    }
                })
                .response
                .labelled_by(density.id);
            ui.label("addresses per listed one");
        }
        if ui.button("Preview merge").clicked() {
            bv.plan = Some(plan_list(&view.blocklist.list, bv.limits));
        }
    });
    if let Some(plan) = bv.plan.clone() {
        egui::Frame::group(ui.style()).show(ui, |ui| {
            if plan.merges.is_empty() {
                ui.label("Nothing to merge within these limits.");
            } else {
                ui.label(
                    RichText::new(format!(
                        "{} entries would become {}{}",
                        thousands(plan.before as u64),
                        thousands(plan.after as u64),
                        if plan.extra() > 0 {
                            format!(
                                ", blocking {} addresses that are not listed now",
                                thousands(plan.extra() as u64)
                            )
                        } else {
                            ", covering exactly the same addresses".into()
                        }
                    ))
                    .strong(),
                );
                for m in plan.merges.iter().take(12) {
                    let from: Vec<String> = m.from.iter().map(ToString::to_string).collect();
                    let extra = if m.extra > 0 {
                        format!("  (+{} addresses)", thousands(m.extra as u64))
                    } else {
                        String::new()
                    };
                    ui.label(
                        RichText::new(format!(
                            "{} ← {}{extra}",
                            m.into,
                            crate::export::sanitize::one_line(&from.join(", "), 120)
                        ))
                        .monospace(),
                    );
                }
                if plan.merges.len() > 12 {
                    ui.label(format!("and {} more merges", plan.merges.len() - 12));
                }
            }
            ui.horizontal(|ui| {
                if !plan.merges.is_empty() && ui.button("Apply merge").clicked() {
                    out.push(Command::EditBlocklist(merge_edit(
                        &view.blocklist.list,
                        &plan,
                    )));
                    bv.plan = None;
                }
                if ui.button("Close").clicked() {
                    bv.plan = None;
                }
            });
        });
    }
}

fn sorted_rows(view: &ViewState) -> Vec<usize> {
    let bv = &view.blocklist_view;
    let entries = &view.blocklist.list.entries;
    let needle = bv.search.trim().to_lowercase();
    let mut rows: Vec<usize> = (0..entries.len())
        .filter(|&i| {
            let e = &entries[i];
            needle.is_empty()
                || e.net.to_string().contains(&needle)
                || e.reason.to_lowercase().contains(&needle)
                || e.note.to_lowercase().contains(&needle)
        })
        .collect();
    rows.sort_by(|&x, &y| {
        let (a, b) = (&entries[x], &entries[y]);
        let o = match bv.sort {
            EntrySort::Address => a.net.cmp(&b.net),
            EntrySort::Action => a.action.cmp(&b.action),
            EntrySort::Direction => a.direction.cmp(&b.direction),
            EntrySort::Confidence => a
                .confidence
                .unwrap_or(-1.0)
                .total_cmp(&b.confidence.unwrap_or(-1.0)),
            EntrySort::Origin => a.origin.cmp(&b.origin),
            EntrySort::Added => a.added_at.cmp(&b.added_at).then(x.cmp(&y)),
        };
        if bv.descending {
            o.reverse()
        } else {
            o
        }
    });
    rows
}

fn entries_table(ui: &mut Ui, view: &mut ViewState, out: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        let label = ui.label("Search:");
        ui.add(
            egui::TextEdit::singleline(&mut view.blocklist_view.search)
                .hint_text("address, reason or note")
                .desired_width(220.0),
        )
        .labelled_by(label.id);
    });
    let key: RowsKey = (
        view.blocklist.generation,
        view.blocklist_view.search.clone(),
        view.blocklist_view.sort,
        view.blocklist_view.descending,
    );
    let rows = match view.blocklist_view.rows.take() {
        Some((k, rows)) if k == key => rows,
        _ => sorted_rows(view),
    };
    draw_entries(ui, &rows, view, out);
    view.blocklist_view.rows = Some((key, rows));
}

/// The entries table itself, for the `rows` (indices into the entries) to show.
fn draw_entries(ui: &mut Ui, rows: &[usize], view: &mut ViewState, out: &mut Vec<Command>) {
    if rows.is_empty() {
        ui.label(
            RichText::new(if view.blocklist.list.entries.is_empty() {
                "The blocklist is empty: accept proposals, add an address, import a list, or Block a source in any view."
            } else {
                "No entry matches the search."
            })
            .weak(),
        );
        return;
    }
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 8.0;
    let columns: [(&str, Option<EntrySort>); 10] = [
        ("Address", Some(EntrySort::Address)),
        ("Action", Some(EntrySort::Action)),
        ("Direction", Some(EntrySort::Direction)),
        ("Confidence", Some(EntrySort::Confidence)),
        ("Origin", Some(EntrySort::Origin)),
        ("Added", Some(EntrySort::Added)),
        ("Expires", None),
        ("Reason", None),
        ("Note", None),
        ("", None),
    ];
    let entries = &view.blocklist.list.entries;
    let bv = &mut view.blocklist_view;
    TableBuilder::new(ui)
        .id_salt("entries")
        .striped(true)
        .vscroll(true)
        .max_scroll_height(320.0)
        .cell_layout(Layout::left_to_right(Align::Center))
        .column(Column::initial(170.0).resizable(true))
        .column(Column::exact(92.0))
        .column(Column::exact(96.0))
        .column(Column::exact(80.0))
        .column(Column::exact(78.0))
        .column(Column::exact(150.0))
        .column(Column::exact(96.0))
        .column(Column::initial(180.0).resizable(true).clip(true))
        .column(Column::initial(140.0).resizable(true).clip(true))
        .column(Column::exact(80.0))
        .header(row_height, |mut header| {
            for (title, key) in columns {
                header.col(|ui| match key {
                    Some(key) => {
                        if sort_header(ui, title, bv.sort == key, bv.descending) {
                            if bv.sort == key {
                                bv.descending = !bv.descending;
                            } else {
                                bv.sort = key;
                                bv.descending =
                                    matches!(key, EntrySort::Confidence | EntrySort::Added);
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
                let e = &entries[rows[row.index()]];
                let mut address = None;
                row.col(|ui| {
                    address = Some(ui.label(RichText::new(e.net.to_string()).monospace()).id);
                });
                row.col(|ui| {
                    let mut action = e.action;
                    let combo = ComboBox::from_id_salt(("action", e.net))
                        .selected_text(action.name())
                        .width(84.0)
                        .show_ui(ui, |ui| {
                            for a in Action::ALL {
                                ui.selectable_value(&mut action, a, a.name());
                            }
                        })
                        .response;
                    if let Some(id) = address {
                        combo.labelled_by(id);
                    }
                    if action != e.action {
                        let mut changed = e.clone();
                        changed.action = action;
                        out.push(Command::EditBlocklist(Edit::put(vec![changed])));
                    }
                });
                row.col(|ui| {
                    let mut direction = e.direction;
                    ComboBox::from_id_salt(("direction", e.net))
                        .selected_text(direction.name())
                        .width(88.0)
                        .show_ui(ui, |ui| {
                            for (d, hint) in [
                                (Direction::Inbound, "traffic from it: an attacker"),
                                (Direction::Outbound, "traffic to it: a server malware calls"),
                                (Direction::Both, "both ways"),
                            ] {
                                ui.selectable_value(&mut direction, d, d.name())
                                    .on_hover_text(hint);
                            }
                        })
                        .response
                        .on_hover_text(
                            "Which traffic the block stops; WAFs and web servers only see \
                             traffic coming in",
                        );
                    if direction != e.direction {
                        let mut changed = e.clone();
                        changed.direction = direction;
                        out.push(Command::EditBlocklist(Edit::put(vec![changed])));
                    }
                });
                row.col(|ui| {
                    ui.label(e.confidence.map_or("–".into(), |c| format!("{c:.1}")));
                });
                row.col(|ui| {
                    ui.label(e.origin.name());
                });
                row.col(|ui| {
                    ui.label(
                        format_time(e.added_at)
                            .replace('T', " ")
                            .trim_end_matches('Z')
                            .to_string(),
                    );
                });
                let expiry = e
                    .expires_at
                    .map(|t| format_time(t)[..10].to_string())
                    .unwrap_or_default();
                for (field, value) in [
                    (EditField::Expiry, expiry),
                    (EditField::Reason, e.reason.clone()),
                    (EditField::Note, e.note.clone()),
                ] {
                    row.col(|ui| editable(ui, bv, e, field, &value, out));
                }
                row.col(|ui| {
                    if ui
                        .small_button("Remove")
                        .on_hover_text(format!("Remove {}", e.net))
                        .clicked()
                    {
                        out.push(Command::EditBlocklist(Edit::remove(vec![e.net])));
                    }
                });
            });
        });
}

/// A cell that turns into a text field on click and saves on Enter or when it loses focus.
fn editable(
    ui: &mut Ui,
    bv: &mut BlocklistView,
    e: &Entry,
    field: EditField,
    value: &str,
    out: &mut Vec<Command>,
) {
    let editing = bv
        .editing
        .as_mut()
        .filter(|c| c.net == e.net && c.field == field);
    if let Some(cell) = editing {
        let r = ui.add(egui::TextEdit::singleline(&mut cell.text).desired_width(f32::INFINITY));
        r.request_focus();
        let done = ui.input(|i| i.key_pressed(egui::Key::Enter)) || r.lost_focus();
        let cancel = ui.input(|i| i.key_pressed(egui::Key::Escape));
        if cancel {
            bv.editing = None;
        } else if done {
            let text = cell.text.trim().to_string();
            let mut changed = e.clone();
            let ok = match field {
                EditField::Reason => {
                    changed.reason = text;
                    true
                }
                EditField::Note => {
                    changed.note = text;
                    true
                }
                EditField::Expiry if text.is_empty() => {
                    changed.expires_at = None;
                    true
                }
                EditField::Expiry => match parse_time(&text) {
                    Some(t) => {
                        changed.expires_at = Some(t);
                        true
                    }
                    None => false,
                },
            };
            if ok {
                if changed != *e {
                    out.push(Command::EditBlocklist(Edit::put(vec![changed])));
                }
                bv.editing = None;
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
        bv.editing = Some(CellEdit {
            net: e.net,
            field,
            text: value.to_string(),
        });
    }
}

fn allowlist(ui: &mut Ui, view: &mut ViewState, out: &mut Vec<Command>) {
    ui.label(RichText::new("Allowlist: never blocked").strong());
    ui.label(
        RichText::new(
            "Private, loopback, link-local, CGNAT, documentation, multicast and reserved ranges are always allowed; add your own networks here.",
        )
        .weak(),
    );
    let bv = &mut view.blocklist_view;
    ui.horizontal(|ui| {
        let label = ui.label("Allow:");
        ui.add(
            egui::TextEdit::singleline(&mut bv.allow_text)
                .hint_text("your network, e.g. 81.2.69.0/24")
                .desired_width(230.0),
        )
        .labelled_by(label.id);
        let parsed = parse_net(&bv.allow_text);
        if ui
            .add_enabled(parsed.is_ok(), egui::Button::new("Allow"))
            .clicked()
        {
            if let Ok(net) = parsed {
                out.push(Command::EditBlocklist(Edit {
                    allow: vec![AllowEntry {
                        net,
                        note: String::new(),
                        added_at: crate::blocklist::now(),
                    }],
                    ..Edit::default()
                }));
                bv.allow_text.clear();
            }
        }
        if let (false, Err(e)) = (bv.allow_text.trim().is_empty(), parse_net(&bv.allow_text)) {
            ui.label(RichText::new(e).color(ERROR));
        }
    });
    for a in &view.blocklist.list.allowlist {
        ui.horizontal(|ui| {
            ui.label(RichText::new(a.net.to_string()).monospace());
            if !a.note.is_empty() {
                ui.label(RichText::new(&a.note).weak());
            }
            if ui
                .small_button("Remove")
                .on_hover_text(format!("Remove {} from the allowlist", a.net))
                .clicked()
            {
                out.push(Command::EditBlocklist(Edit {
                    unallow: vec![a.net],
                    ..Edit::default()
                }));
            }
        });
    }
}

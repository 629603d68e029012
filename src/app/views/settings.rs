//! Detector settings: which detectors run, their thresholds, business hours and the forest's
//! size. Edits are a draft until "Re-run detection" sends them; the loaded events are reused.

use eframe::egui::{self, RichText, Slider, Ui};

use super::evaluation::detector_title;
use crate::app::analysis::Analysis;
use crate::app::text::thousands;
use crate::app::{Command, ViewState};
use crate::detection::{DetectionSettings, DetectorKind};
use crate::geo::{world, PlacementCounts, ASN_ATTRIBUTION, BUNDLED_ATTRIBUTION};
use crate::session::Chosen;

/// What each detector does, in a sentence.
fn description(kind: DetectorKind) -> &'static str {
    match kind {
        DetectorKind::Forest => {
            "Extended isolation forest over every feature: finds events and sources unlike the rest."
        }
        DetectorKind::RobustZ => {
            "How far each feature lies from the median, in robust deviations (median/MAD)."
        }
        DetectorKind::Burst => "Sudden bursts of events against a moving average of activity.",
        DetectorKind::Rules => {
            "Volume or mean bytes above the percentile below, and activity outside business hours."
        }
        DetectorKind::Ecod => {
            "ECOD: how far in its feature's tails each value lies (empirical distributions, PyOD's)."
        }
        DetectorKind::Hbos => {
            "HBOS: how rare each value's histogram bin is, feature by feature (PyOD's)."
        }
        DetectorKind::Dbscan => {
            "DBSCAN: distance to the nearest dense cluster of a 1,024-item sample (scikit-learn's)."
        }
        DetectorKind::Lof => {
            "LOF: how much sparser each item's 20 nearest neighbours lie than theirs (scikit-learn's)."
        }
        DetectorKind::Ocsvm => {
            "One-Class SVM: how far outside the region holding 90% of a 2,048-item sample (RBF kernel)."
        }
        DetectorKind::Autoencoder => {
            "Autoencoder: how badly a small network trained on a 2,048-item sample rebuilds each item."
        }
    }
}

/// Shows the settings of the analysis on screen, a draft of new ones, and the GeoIP
/// databases in use.
pub fn show(ui: &mut Ui, a: &Analysis, view: &mut ViewState, out: &mut Vec<Command>) {
    let current = &a.settings;
    egui::ScrollArea::vertical()
        .auto_shrink(false)
        .show(ui, |ui| {
            let draft = view.settings_draft.get_or_insert_with(|| current.clone());
            ui.spacing_mut().slider_width = 280.0;
            ui.heading("Detection settings");
            ui.label(
                RichText::new(
                    "Changes apply when you re-run detection; the loaded events are reused, \
                     nothing is read again.",
                )
                .weak(),
            );
            let runnable = !draft.detectors.is_empty();
            let changed = draft != current;
            ui.horizontal(|ui| {
                let rerun = ui.add_enabled(
                    runnable && changed,
                    egui::Button::new(RichText::new("Re-run detection").strong()),
                );
                if rerun.clicked() {
                    out.push(Command::Rerun(draft.clone()));
                }
                if ui
                    .add_enabled(changed, egui::Button::new("Revert"))
                    .clicked()
                {
                    *draft = current.clone();
                }
                if ui.button("Defaults").clicked() {
                    *draft = DetectionSettings {
                        cache_dir: current.cache_dir.clone(),
                        ..DetectionSettings::default()
                    };
                }
            });
            if !runnable {
                ui.label(RichText::new("Choose at least one detector.").color(crate::app::WARN));
            } else if !changed {
                ui.label(RichText::new("These are the settings on screen.").weak());
            }
            ui.add_space(12.0);
            section(ui, "Detectors");
            for kind in DetectorKind::ALL {
                let mut on = draft.detectors.contains(&kind);
                let title = detector_title(kind.name());
                if ui.checkbox(&mut on, title).changed() {
                    if on {
                        draft.detectors.push(kind);
                        draft
                            .detectors
                            .sort_by_key(|k| DetectorKind::ALL.iter().position(|a| a == k));
                    } else {
                        draft.detectors.retain(|k| *k != kind);
                    }
                }
                ui.indent(kind.name(), |ui| {
                    ui.label(RichText::new(description(kind)).weak());
                });
            }
            ui.add_space(12.0);
            section(ui, "Thresholds");
            ui.add(
                Slider::new(&mut draft.auto_block, 1.0..=100.0)
                    .integer()
                    .text("auto-block at confidence"),
            );
            ui.add(
                // Slider steps would rewrite 0.6 as 0.6000000000000001 on every frame.
                Slider::new(&mut draft.event_threshold, 0.05..=0.99)
                    .fixed_decimals(2)
                    .text("flag events at combined score"),
            );
            ui.add(
                Slider::new(&mut draft.percentile, 50.0..=99.9)
                    .fixed_decimals(1)
                    .suffix("th")
                    .text("percentile for the volume and bytes rules"),
            );
            ui.add_space(12.0);
            zone(ui, view, out);
            let draft = view.settings_draft.get_or_insert_with(|| current.clone());
            ui.add_space(12.0);
            section(ui, "Business hours");
            let f = &mut draft.features;
            ui.add(
                Slider::new(&mut f.business_start_hour, 0..=23)
                    .suffix(":00")
                    .text("business time starts"),
            );
            ui.add(
                Slider::new(&mut f.business_end_hour, 1..=24)
                    .suffix(":00")
                    .text("business time ends"),
            );
            ui.add(
                Slider::new(&mut f.utc_offset_hours, -12..=14)
                    .suffix(" h")
                    .text("time zone, hours east of UTC"),
            );
            if f.business_end_hour <= f.business_start_hour {
                f.business_end_hour = f.business_start_hour + 1;
            }
            ui.label(
                RichText::new(format!(
                    "Business time is {:02}:00 to {:02}:00 at UTC{:+}, Monday to Friday.",
                    f.business_start_hour, f.business_end_hour, f.utc_offset_hours
                ))
                .weak(),
            );
            ui.add_space(12.0);
            section(ui, "Isolation forest");
            ui.add(Slider::new(&mut draft.forest.trees, 10..=500).text("trees"));
            ui.add(
                Slider::new(&mut draft.forest.sample_size, 16..=4096)
                    .logarithmic(true)
                    .text("points per tree"),
            );
            ui.add_space(12.0);
            geoip(ui, a, view, out);
            ui.add_space(12.0);
            threat_lists(ui, a, view, out);
        });
}

/// The IP reputation lists matched against every source: each list with its entries and
/// the sources it names, what could not be read, and the buttons to add or forget lists.
fn threat_lists(ui: &mut Ui, a: &Analysis, view: &mut ViewState, out: &mut Vec<Command>) {
    section(ui, "Threat intelligence lists");
    ui.label(
        RichText::new(
            "A source on a list gets a finding naming the list, the entry and its line. Plain \
             lists, CSV with an address column, FireHOL .netset/.ipset and Spamhaus DROP; a \
             folder adds every list in it. Private and reserved addresses never match.",
        )
        .weak(),
    );
    match a.intel.as_deref().filter(|l| !l.is_empty()) {
        None => {
            ui.label("No list is loaded.");
        }
        Some(lists) => {
            egui::Grid::new("threat-lists")
                .striped(true)
                .num_columns(3)
                .show(ui, |ui| {
                    for h in ["List", "Entries", "Sources named"] {
                        ui.label(RichText::new(h).strong());
                    }
                    ui.end_row();
                    for (name, entries) in &lists.lists {
                        let named = a.intel_named.get(name).copied().unwrap_or(0);
                        ui.label(RichText::new(name).monospace());
                        ui.label(thousands(*entries as u64));
                        ui.label(thousands(named as u64));
                        ui.end_row();
                    }
                });
        }
    }
    for p in &a.intel_problems {
        ui.label(RichText::new(format!("Cannot read {p}")).color(crate::app::WARN));
    }
    if !a.intel_paths.is_empty() {
        ui.label(
            RichText::new(format!(
                "Chosen: {}",
                a.intel_paths
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            ))
            .small()
            .weak(),
        );
    }
    ui.horizontal(|ui| {
        if ui.button("Add a list…").clicked() {
            out.push(Command::Browse(super::blocklist::Browse::ThreatList));
        }
        if ui.button("Add a folder…").clicked() {
            out.push(Command::Browse(super::blocklist::Browse::ThreatFolder));
        }
        let label = ui.label("or by path:");
        let field = ui
            .add(
                egui::TextEdit::singleline(&mut view.intel_path)
                    .hint_text("/path/firehol_level1.netset; /path/lists/")
                    .desired_width(300.0),
            )
            .labelled_by(label.id);
        let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if (ui.button("Add").clicked() || enter) && !view.intel_path.trim().is_empty() {
            let mut paths = a.intel_paths.clone();
            for p in view
                .intel_path
                .split(';')
                .map(str::trim)
                .filter(|p| !p.is_empty())
            {
                let p = std::path::PathBuf::from(p);
                if !paths.contains(&p) {
                    paths.push(p);
                }
            }
            view.intel_path.clear();
            out.push(Command::ChooseFiles(Chosen::ThreatLists, paths));
        }
        if ui
            .add_enabled(
                !a.intel_paths.is_empty(),
                egui::Button::new("Forget the lists"),
            )
            .clicked()
        {
            out.push(Command::ChooseFiles(Chosen::ThreatLists, Vec::new()));
        }
    });
}

/// The databases that placed the sources: file, schema, build date, IP versions, how many
/// sources they placed, and what went wrong with any of them.
fn geoip(ui: &mut Ui, a: &Analysis, view: &mut ViewState, out: &mut Vec<Command>) {
    section(ui, "GeoIP and ASN databases");
    ui.label(
        RichText::new(
            "Consulted in this order, each field from the first that has it: the file chosen \
             here, NETSLEUTH_GEOIP, /usr/share/GeoIP, /var/lib/GeoIP, your data folder, then \
             the bundled country database; the bundled AS table names the AS where none of \
             them does.",
        )
        .weak(),
    );
    let Some(locator) = &a.geo else {
        ui.label("This analysis ran without GeoIP.");
        return;
    };
    egui::Grid::new("geoip-databases")
        .striped(true)
        .num_columns(5)
        .show(ui, |ui| {
            for h in ["File", "Schema", "Built", "Addresses", "Placed"] {
                ui.label(RichText::new(h).strong());
            }
            ui.end_row();
            for (k, d) in locator.databases().enumerate() {
                ui.label(RichText::new(d.path.display().to_string()).monospace());
                ui.label(d.schema.label());
                let built = i64::try_from(d.built)
                    .ok()
                    .and_then(|s| s.checked_mul(1_000_000))
                    .map(crate::events::format_utc)
                    .map_or_else(String::new, |t| t.chars().take(10).collect());
                ui.label(built);
                ui.label(if d.ip_version == 6 {
                    "IPv4 and IPv6"
                } else {
                    "IPv4 only"
                });
                let placed = a
                    .detection
                    .sources
                    .iter()
                    .filter(|s| s.geo.as_ref().is_some_and(|g| g.placed_by == Some(k)))
                    .count();
                ui.label(thousands(placed as u64));
                ui.end_row();
            }
        });
    for p in locator.problems() {
        ui.label(RichText::new(p).color(crate::app::WARN));
    }
    let c = PlacementCounts::of(a.detection.sources.iter().filter_map(|s| s.geo.as_ref()));
    ui.label(format!(
        "Placed {} of {} public sources: {} at the database's coordinates, {} around their \
         country's point (spread on the map so they do not stack); {} internal, never drawn.",
        thousands((c.located + c.country) as u64),
        thousands((c.located + c.country + c.unlocated) as u64),
        thousands(c.located as u64),
        thousands(c.country as u64),
        thousands(c.internal as u64),
    ));
    let with_as = a
        .detection
        .sources
        .iter()
        .filter_map(|s| s.geo.as_ref())
        .filter(|g| g.asn.is_some())
        .count();
    ui.label(format!(
        "AS known for {} of them.",
        thousands(with_as as u64)
    ));
    ui.horizontal(|ui| {
        if ui.button("Choose a database…").clicked() {
            out.push(Command::Browse(super::blocklist::Browse::GeoIp));
        }
        // Typed paths for when no file dialog can open (no desktop portal or zenity).
        let field = ui.add(
            egui::TextEdit::singleline(&mut view.geoip_path)
                .hint_text("/path/GeoLite2-City.mmdb; /path/GeoLite2-ASN.mmdb")
                .desired_width(340.0),
        );
        let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if (ui.button("Use").clicked() || enter) && !view.geoip_path.trim().is_empty() {
            let paths = view
                .geoip_path
                .split(';')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(std::path::PathBuf::from)
                .collect();
            out.push(Command::ChooseFiles(Chosen::GeoIp, paths));
        }
        if ui
            .button("Forget the chosen files")
            .on_hover_text("Use only NETSLEUTH_GEOIP, the standard places and the bundled database")
            .clicked()
        {
            out.push(Command::ChooseFiles(Chosen::GeoIp, Vec::new()));
        }
    });
    ui.label(RichText::new(BUNDLED_ATTRIBUTION).small().weak());
    ui.label(RichText::new(ASN_ATTRIBUTION).small().weak());
    ui.label(RichText::new(&world().source).small().weak());
    let mut online = view.map.prefs.online_tiles;
    if ui
        .checkbox(&mut online, "Online map tiles (OpenStreetMap)")
        .on_hover_text(
            "Fetches tiles from tile.openstreetmap.org over the network and keeps them in your \
             cache folder. Off, the map is drawn from the bundled outlines and never goes online; \
             on, the outlines still show wherever a tile has not come.",
        )
        .changed()
    {
        out.push(Command::SetMapPrefs(crate::session::MapPrefs {
            online_tiles: online,
            ..view.map.prefs.clone()
        }));
    }
}

fn section(ui: &mut Ui, title: &str) {
    ui.label(
        RichText::new(title)
            .strong()
            .text_style(crate::app::text::style("section")),
    );
    ui.add_space(2.0);
}

/// Where the window's times are shown: UTC, this machine's zone, or a zone by name. Exports,
/// reports and the command line keep UTC.
fn zone(ui: &mut Ui, view: &mut ViewState, out: &mut Vec<Command>) {
    section(ui, "Times shown in");
    let current = crate::app::text::zone();
    ui.horizontal_wrapped(|ui| {
        if ui
            .radio(current == crate::events::Zone::Utc, "UTC")
            .clicked()
        {
            out.push(Command::SetZone(crate::events::Zone::Utc));
        }
        if ui
            .radio(current == crate::events::Zone::Local, "this machine's zone")
            .clicked()
        {
            out.push(Command::SetZone(crate::events::Zone::Local));
        }
        let named = matches!(
            current,
            crate::events::Zone::Named(_) | crate::events::Zone::Fixed(_)
        );
        let chose = ui.radio(named, "a zone:").clicked();
        let label = ui.label("IANA name or offset");
        let edit = ui
            .add(
                egui::TextEdit::singleline(&mut view.zone_text)
                    .hint_text("Europe/Paris")
                    .desired_width(180.0),
            )
            .labelled_by(label.id);
        let entered = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if entered || chose || ui.button("Show times so").clicked() {
            match crate::events::Zone::parse(&view.zone_text) {
                Ok(z) => out.push(Command::SetZone(z)),
                Err(e) => view.notice = Some(e),
            }
        }
    });
    ui.label(
        RichText::new(format!(
            "Now: {}. Every view, axis and table shows times so, with the offset; exports, \
             reports and the command line keep UTC.",
            current.name()
        ))
        .weak(),
    );
}

//! The per-country table beside the map: sortable, and a click filters on the country.

use super::*;

pub(super) fn country_table(ui: &mut Ui, view: &mut ViewState) {
    let world = world();
    let (key, descending) = view.map.sort;
    let mut rows = view.map.layers.countries.clone();
    rows.sort_by(|p, q| {
        let o = match key {
            CountryKey::Name => world.name(&p.iso).cmp(world.name(&q.iso)),
            CountryKey::Events => p.events.cmp(&q.events),
            CountryKey::Anomalous => p.anomalous.cmp(&q.anomalous),
            CountryKey::Sources => p.sources.cmp(&q.sources),
            CountryKey::Flagged => p.flagged.cmp(&q.flagged),
            CountryKey::Proposed => p.proposed.cmp(&q.proposed),
        }
        .then_with(|| q.events.cmp(&p.events));
        if descending {
            o.reverse()
        } else {
            o
        }
    });
    let current = view.alerts.country.trim().to_ascii_uppercase();
    ui.horizontal(|ui| {
        ui.label(RichText::new("By country").strong());
        if !current.is_empty() && ui.button(format!("Show all (now {current})")).clicked() {
            view.alerts.country.clear();
        }
    });
    let heading =
        |ui: &mut Ui, sort: &mut (CountryKey, bool), k: CountryKey, label: &str, tip: &str| {
            let arrow = match (sort.0 == k, sort.1) {
                (true, true) => " ▼",
                (true, false) => " ▲",
                _ => "",
            };
            if ui
                .button(format!("{label}{arrow}"))
                .on_hover_text(tip)
                .clicked()
            {
                *sort = (
                    k,
                    if sort.0 == k {
                        !sort.1
                    } else {
                        k != CountryKey::Name
                    },
                );
            }
        };
    let mut pick = None;
    // A click anywhere on a row picks its country: labels must not take it for selecting text.
    ui.style_mut().interaction.selectable_labels = false;
    TableBuilder::new(ui)
        .id_salt("map-countries")
        .striped(true)
        .sense(egui::Sense::click())
        .column(Column::remainder().at_least(140.0).clip(true))
        .column(Column::exact(60.0))
        .column(Column::exact(54.0))
        .column(Column::exact(62.0))
        .column(Column::exact(66.0))
        .column(Column::exact(76.0))
        .header(30.0, |mut h| {
            let sort = &mut view.map.sort;
            h.col(|ui| heading(ui, sort, CountryKey::Name, "Country", "ISO code and name"));
            h.col(|ui| {
                heading(
                    ui,
                    sort,
                    CountryKey::Events,
                    "Events",
                    "Events from its sources",
                )
            });
            h.col(|ui| {
                heading(
                    ui,
                    sort,
                    CountryKey::Anomalous,
                    "Anom.",
                    "Anomalous events from its sources",
                )
            });
            h.col(|ui| {
                heading(
                    ui,
                    sort,
                    CountryKey::Sources,
                    "Sources",
                    "Distinct source addresses",
                )
            });
            h.col(|ui| {
                heading(
                    ui,
                    sort,
                    CountryKey::Flagged,
                    "Flagged",
                    "Sources at half the auto-block threshold or above",
                )
            });
            h.col(|ui| {
                heading(
                    ui,
                    sort,
                    CountryKey::Proposed,
                    "Proposed",
                    "Sources detection proposes to block (whether or not on the blocklist yet)",
                )
            });
        })
        .body(|body| {
            body.rows(22.0, rows.len(), |mut row| {
                let c = &rows[row.index()];
                row.set_selected(current == c.iso);
                row.col(|ui| {
                    ui.label(format!("{} {}", c.iso, world.name(&c.iso)))
                        .on_hover_text(format!(
                            "{} {} · {} · click to show only this country in every view",
                            c.iso,
                            world.name(&c.iso),
                            text::count(c.sources, "source", "sources")
                        ));
                });
                for n in [c.events, c.anomalous, c.sources, c.flagged, c.proposed] {
                    row.col(|ui| {
                        ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                            ui.label(thousands(n));
                        });
                    });
                }
                if row.response().clicked() {
                    pick = Some(c.iso.clone());
                }
            });
        });
    if let Some(iso) = pick {
        toggle_country(view, &iso);
    }
}

/// Shows only `iso` in every view (or everything again when it is already the filter), and
/// centres the map on it.
pub(super) fn toggle_country(view: &mut ViewState, iso: &str) {
    let current = view.alerts.country.trim().to_ascii_uppercase();
    view.alerts.country = if current == iso {
        String::new()
    } else {
        iso.to_string()
    };
    if let Some(country) = world().country(iso) {
        let (lat, lon) = country.lat_lon();
        let zoom = view.map.memory.zoom().max(3.0);
        view.map.zoom_to(zoom, lat, lon);
    }
}

//! The world map: an offline base map of country outlines, sources as markers sized by events
//! and coloured by confidence, clustered where they overlap, a choropleth mode, and a
//! per-country table. Hover names the sources, a click selects, Shift-drag selects a box.

mod clusters;
mod countries;
mod land;
mod links;
pub mod mini;
mod overlays;
mod tiles;

use eframe::egui::epaint::{Mesh, Vertex, WHITE_UV};
use eframe::egui::{
    self, Align, Align2, Color32, FontId, Layout, Pos2, Rect, RichText, Shape, Stroke, Ui, Vec2,
};
use egui_extras::{Column, TableBuilder};
use rustc_hash::FxHashMap;
use walkers::{lon_lat, Map, MapMemory, Projector, Tiles};

use crate::app::analysis::Analysis;
use crate::app::style::{severity_color, WARN};
use crate::app::{text, thousands, Command, ViewState};
use crate::events::EventTable;
use crate::geo::{mercator_y, world, Placement, PlacementCounts};
use clusters::*;
use countries::*;
use land::*;
use links::*;
pub use links::{map_links, MapLinks};
use overlays::*;

/// The closest the map zooms in.
const MAX_ZOOM: f64 = 12.0;

/// Markers closer than this many points on screen are drawn as one cluster.
const CLUSTER_CELL: f32 = 34.0;

/// What the map colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MapMode {
    /// One marker per source (clustered).
    #[default]
    Markers,
    /// Countries coloured by flagged sources.
    Choropleth,
}

/// The country table's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountryKey {
    /// Country name.
    Name,
    /// Events.
    Events,
    /// Anomalous events.
    Anomalous,
    /// Sources.
    Sources,
    /// Flagged sources.
    Flagged,
    /// Sources proposed for blocking.
    Proposed,
}

/// One country's row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CountryRow {
    /// ISO code.
    pub iso: String,
    /// Events from its sources.
    pub events: u64,
    /// Anomalous events from its sources.
    pub anomalous: u64,
    /// Sources.
    pub sources: u64,
    /// Sources at or above half the auto-block threshold.
    pub flagged: u64,
    /// Sources proposed for blocking.
    pub proposed: u64,
}

/// A source drawn on the map, in Mercator degrees.
#[derive(Debug, Clone, Copy)]
struct Marker {
    x: f32,
    y: f32,
    source: u32,
    events: u64,
    confidence: f64,
}

/// What the map derives from the analysis and the filters, rebuilt when they change.
#[derive(Debug, Default)]
struct Layers {
    key: Option<(crate::app::AlertsKey, u64, Option<String>)>,
    /// Markers, least confident first so anomalies are drawn on top.
    markers: Vec<Marker>,
    /// Countries of the filtered sources.
    countries: Vec<CountryRow>,
    /// How the filtered sources were placed.
    counts: PlacementCounts,
    /// Most events of one marker, for sizing.
    max_events: u64,
    /// Arcs of the filtered sources, busiest first.
    arcs: Vec<Curve>,
    /// Where the monitored network is drawn, when the analyst said and it has hosts here.
    home: Option<(f32, f32)>,
    /// The filtered internal sources, most confident first.
    internal: Vec<u32>,
}

/// The map's state.
pub struct MapView {
    memory: MapMemory,
    fitted: bool,
    /// Markers or choropleth.
    pub mode: MapMode,
    /// Whether arcs join sources to their destinations.
    pub arcs: bool,
    /// Online tiles and where the monitored network is, kept between runs.
    pub prefs: crate::session::MapPrefs,
    /// The country code being typed for the monitored network.
    home_text: String,
    /// Online tiles, while the analyst has them on.
    tiles: Option<tiles::OnlineTiles>,
    tiles_missing: Option<usize>,
    arcs_drawn: usize,
    /// The country table's sort column and direction (descending when true).
    pub sort: (CountryKey, bool),
    /// Sources inside the last Shift-drag box.
    pub boxed: Vec<usize>,
    box_start: Option<Pos2>,
    last_selected: Option<usize>,
    layers: Layers,
    drawn: Vec<Drawn>,
    rect: Option<Rect>,
    /// Where the arcs drawn in the last frame end on screen, with the destination.
    arc_ends: Vec<(Pos2, std::net::IpAddr)>,
    /// The sources of the marker or cluster last right-clicked, for its menu.
    menu: Vec<u32>,
}

/// A marker or cluster as drawn in the last frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Drawn {
    /// Its centre on screen.
    pub center: Pos2,
    /// Its radius in points.
    pub radius: f32,
    /// The sources in it (one for a marker).
    pub members: Vec<u32>,
}

impl Default for MapView {
    fn default() -> Self {
        MapView {
            memory: MapMemory::default(),
            fitted: false,
            mode: MapMode::default(),
            arcs: false,
            prefs: Default::default(),
            home_text: String::new(),
            tiles: None,
            tiles_missing: None,
            arcs_drawn: 0,
            sort: (CountryKey::Flagged, true),
            boxed: Vec::new(),
            box_start: None,
            last_selected: None,
            layers: Layers::default(),
            drawn: Vec::new(),
            rect: None,
            arc_ends: Vec::new(),
            menu: Vec::new(),
        }
    }
}

impl std::fmt::Debug for MapView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MapView")
            .field("mode", &self.mode)
            .field("zoom", &self.memory.zoom())
            .field("boxed", &self.boxed.len())
            .finish()
    }
}

impl MapView {
    /// The zoom level (0 shows the whole world on 256 points).
    pub fn zoom(&self) -> f64 {
        self.memory.zoom()
    }

    /// Sets the zoom level, centred on `lat`, `lon`.
    pub fn zoom_to(&mut self, zoom: f64, lat: f64, lon: f64) {
        let _ = self.memory.set_zoom(zoom.clamp(0.0, 18.0));
        self.memory.center_at(lon_lat(lon, lat));
        self.fitted = true;
    }

    /// The per-country rows (sorted by ISO code).
    pub fn countries(&self) -> &[CountryRow] {
        &self.layers.countries
    }

    /// Where the map was drawn in the last frame.
    pub fn rect(&self) -> Rect {
        self.rect.unwrap_or(Rect::NOTHING)
    }

    /// The markers and clusters drawn in the last frame, least confident first.
    pub fn drawn(&self) -> &[Drawn] {
        &self.drawn
    }

    /// Where the arcs drawn in the last frame end on screen, with their destinations.
    pub fn arc_ends(&self) -> &[(Pos2, std::net::IpAddr)] {
        &self.arc_ends
    }

    /// How many arcs were in view in the last frame.
    pub fn arcs_drawn(&self) -> usize {
        self.arcs_drawn
    }

    /// With online tiles on: how many in view had not come in the last frame.
    pub fn tiles_missing(&self) -> Option<usize> {
        self.tiles_missing
    }
}

/// What the map needs of one source, compact so that a pass over 100,000 of them stays in
/// the cache (the sources themselves are large).
#[derive(Debug, Clone, Copy)]
pub struct MapPoint {
    /// Drawing position in Mercator degrees, when the source is drawn.
    xy: Option<(f32, f32)>,
    events: u64,
    confidence: f64,
    anomalous: u32,
    flagged: bool,
    proposed: bool,
    /// Upper-case ISO country code.
    country: Option<[u8; 2]>,
    placement: Option<Placement>,
    /// An address of the monitored network (private, loopback and other reserved ranges).
    internal: bool,
}

/// The map's points of every source of `a`, and the drawn ones least confident first; built
/// once per analysis, on the detection worker.
pub fn map_points(a: &Analysis) -> (Vec<MapPoint>, Vec<u32>) {
    let half = a.settings.auto_block / 2.0;
    let places: Vec<_> = a.detection.sources.iter().map(|s| s.geo.as_ref()).collect();
    let positions = crate::geo::map_positions(&places);
    let points: Vec<MapPoint> = a
        .detection
        .sources
        .iter()
        .zip(positions)
        .enumerate()
        .map(|(i, (s, p))| MapPoint {
            xy: p.map(|(lat, lon)| (lon as f32, mercator_y(lat) as f32)),
            events: s.stats.events,
            confidence: s.confidence,
            anomalous: a.anomalous[i],
            flagged: s.confidence >= half,
            proposed: s.proposed_block,
            country: s.country().and_then(|c| {
                let b = c.as_bytes();
                (b.len() == 2).then(|| [b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase()])
            }),
            placement: s.geo.as_ref().map(|g| g.placement),
            internal: crate::geo::is_internal(s.stats.ip),
        })
        .collect();
    let mut order: Vec<u32> = (0..points.len() as u32)
        .filter(|&i| points[i as usize].xy.is_some())
        .collect();
    order.sort_by(|&p, &q| {
        points[p as usize]
            .confidence
            .total_cmp(&points[q as usize].confidence)
    });
    (points, order)
}

/// The map point of the country `iso`, where the monitored network's hosts are drawn.
fn home_point(iso: Option<&str>) -> Option<(f32, f32)> {
    let c = world().country(iso?)?;
    Some((c.point[0] as f32, mercator_y(c.point[1]) as f32))
}

fn layers(a: &Analysis, rows: &[usize], home: Option<(f32, f32)>) -> Layers {
    let points = &a.map_points;
    let mut wanted = vec![false; points.len()];
    let mut by_code: FxHashMap<[u8; 2], CountryRow> = FxHashMap::default();
    let mut counts = PlacementCounts::default();
    for &i in rows {
        wanted[i] = true;
        let p = &points[i];
        if let Some(c) = p.country {
            let row = by_code.entry(c).or_default();
            row.events += p.events;
            row.anomalous += u64::from(p.anomalous);
            row.sources += 1;
            row.flagged += u64::from(p.flagged);
            row.proposed += u64::from(p.proposed);
        }
        if let Some(placement) = p.placement {
            counts.add(placement);
        }
    }
    let mut max_events = 1;
    let markers: Vec<Marker> = a
        .map_order
        .iter()
        .filter(|&&i| wanted[i as usize])
        .filter_map(|&i| {
            let p = &points[i as usize];
            let (x, y) = p.xy?;
            max_events = max_events.max(p.events);
            Some(Marker {
                x,
                y,
                source: i,
                events: p.events,
                confidence: p.confidence,
            })
        })
        .collect();
    let mut countries: Vec<CountryRow> = by_code
        .into_iter()
        .map(|(code, mut row)| {
            row.iso = String::from_utf8_lossy(&code).into_owned();
            row
        })
        .collect();
    countries.sort_by(|p, q| p.iso.cmp(&q.iso));
    let arcs: Vec<Curve> = a
        .map_links
        .arcs
        .iter()
        .filter(|l| wanted[l.source as usize])
        .filter_map(|l| {
            Some(Curve {
                source: l.source,
                destination: l.destination,
                from: l.from.at(home)?,
                to: l.to.at(home)?,
                events: l.events,
            })
        })
        .take(ARCS_DRAWN)
        .collect();
    let mut internal: Vec<u32> = rows
        .iter()
        .filter(|&&i| points[i].internal)
        .map(|&i| i as u32)
        .collect();
    internal.sort_by(|&p, &q| {
        points[q as usize]
            .confidence
            .total_cmp(&points[p as usize].confidence)
    });
    Layers {
        key: None,
        markers,
        countries,
        counts,
        max_events,
        arcs,
        home: home.filter(|_| !internal.is_empty()),
        internal,
    }
}

/// Screen position of Mercator degrees: one scale and offset per axis, taken from two
/// projected points (the projection is linear in these units).
#[derive(Clone, Copy)]
struct Affine {
    sx: f32,
    ox: f32,
    sy: f32,
    oy: f32,
}

impl Affine {
    fn of(projector: &Projector) -> Affine {
        let p0 = projector.project(lon_lat(0.0, 0.0));
        let p1 = projector.project(lon_lat(90.0, 60.0));
        let sx = (p1.x - p0.x) / 90.0;
        let sy = (p1.y - p0.y) / mercator_y(60.0) as f32;
        Affine {
            sx,
            ox: p0.x,
            sy,
            oy: p0.y,
        }
    }

    fn at(self, x: f32, y: f32) -> Pos2 {
        Pos2::new(self.ox + self.sx * x, self.oy + self.sy * y)
    }

    fn inverse(self, p: Pos2) -> (f32, f32) {
        ((p.x - self.ox) / self.sx, (p.y - self.oy) / self.sy)
    }
}

/// Shows the map view.
pub fn show(
    ui: &mut Ui,
    t: &EventTable,
    a: &Analysis,
    view: &mut ViewState,
    out: &mut Vec<Command>,
) {
    let home = view.map.prefs.home_country.clone();
    let key = (view.alerts_key(a), view.blocklist.generation, home.clone());
    if view.map.layers.key.as_ref() != Some(&key) {
        let rows = view.alert_rows(t, a).to_vec();
        view.map.layers = layers(a, &rows, home_point(home.as_deref()));
        view.map.layers.key = Some(key);
    }
    let located_any = a.geo.is_some();
    header(ui, a, view, located_any, out);
    if !located_any {
        ui.label(RichText::new("Detection ran without GeoIP: no source has a place.").weak());
        return;
    }
    // In presentation mode the map has the whole view, and beside the source panel the
    // map keeps its room.
    if !view.presentation && view.selected.is_none() {
        // Room for "United States of America" beside the five counts.
        let table_width = (ui.available_width() * 0.38).clamp(480.0, 560.0);
        egui::Panel::right("map-countries")
            .resizable(true)
            .default_size(table_width)
            .show(ui, |ui| country_table(ui, view));
    }
    map_area(ui, a, view, out);
}

/// Whether the online tiles came: those loading, or those that did not come (offline, or
/// refused) with the outlines drawn in their place, so that a failure is never silent.
fn tiles_state(ui: &mut Ui, view: &ViewState) {
    if !view.map.prefs.online_tiles || view.map.mode != MapMode::Markers {
        return;
    }
    let loading = view.map.tiles.as_ref().map_or(0, |t| t.loading());
    match view.map.tiles_missing {
        Some(n) if n > 0 && loading == 0 => {
            ui.label(
                RichText::new(format!(
                    "{} did not come (offline, or the tile server refused them): the bundled \
                     outlines are drawn there",
                    text::count(n as u64, "map tile", "map tiles")
                ))
                .color(WARN),
            );
            ui.separator();
        }
        Some(_) if loading > 0 => {
            ui.label(
                RichText::new(format!(
                    "loading {}…",
                    text::count(loading as u64, "map tile", "map tiles")
                ))
                .weak(),
            );
            ui.separator();
        }
        _ => {}
    }
}

/// The field naming the country the monitored network is in.
fn home_field(ui: &mut Ui, view: &mut ViewState, out: &mut Vec<Command>) {
    let map = &mut view.map;
    if map.home_text.is_empty() {
        if let Some(iso) = &map.prefs.home_country {
            map.home_text = iso.clone();
        }
    }
    let label = ui.label("Our network is in");
    let field = ui
        .add(
            egui::TextEdit::singleline(&mut map.home_text)
                .hint_text("ISO")
                .char_limit(2)
                .desired_width(40.0),
        )
        .labelled_by(label.id)
        .on_hover_text(
            "The country of the monitored network: its internal hosts are drawn there, and so \
             are the ends of arcs inside it.",
        );
    if field.changed() {
        let typed = map.home_text.trim().to_ascii_uppercase();
        let home = if typed.is_empty() {
            Some(None)
        } else {
            world().country(&typed).map(|_| Some(typed))
        };
        if let Some(home) = home.filter(|h| *h != map.prefs.home_country) {
            out.push(Command::SetMapPrefs(crate::session::MapPrefs {
                home_country: home,
                ..map.prefs.clone()
            }));
        }
    }
    if let Some(iso) = &map.prefs.home_country {
        ui.label(RichText::new(world().name(iso)).weak());
    }
}

fn header(
    ui: &mut Ui,
    a: &Analysis,
    view: &mut ViewState,
    located_any: bool,
    out: &mut Vec<Command>,
) {
    let c = view.map.layers.counts;
    ui.horizontal_wrapped(|ui| {
        ui.selectable_value(&mut view.map.mode, MapMode::Markers, "Sources");
        ui.selectable_value(&mut view.map.mode, MapMode::Choropleth, "Countries");
        if view.map.mode == MapMode::Markers {
            let total = a.map_links.arcs.len();
            let why = format!(
                "Each source's {LINKS_PER_SOURCE} busiest destinations, wider for more events: \
                 {} with a place, {} with an internal or unlocated end not drawn.",
                thousands(total as u64),
                thousands(a.map_links.unplaced as u64)
            );
            ui.add_enabled(
                total > 0,
                egui::Checkbox::new(&mut view.map.arcs, "Arcs to destinations"),
            )
            .on_hover_text(&why)
            .on_disabled_hover_text(&why);
            // An arc needs both ends placed: internal ends are placed in our network's country.
            if a.map_links.internal > 0 && view.map.prefs.home_country.is_none() {
                ui.label(
                    RichText::new(format!(
                        "({} links end inside our network: set \u{201c}Our network is in\u{201d} \
                         to draw them)",
                        thousands(a.map_links.internal as u64)
                    ))
                    .color(WARN),
                );
            }
        }
        ui.separator();
        if ui
            .button("+")
            .on_hover_text("Zoom in (or the wheel)")
            .clicked()
        {
            let _ = view.map.memory.zoom_in();
        }
        if ui.button("−").on_hover_text("Zoom out").clicked() {
            let _ = view.map.memory.zoom_out();
        }
        if ui
            .button("World")
            .on_hover_text("Show the whole world")
            .clicked()
        {
            view.map.fitted = false;
        }
        ui.separator();
        tiles_state(ui, view);
        if !located_any {
            return;
        }
        if view.map.mode == MapMode::Choropleth {
            let max = view
                .map
                .layers
                .countries
                .iter()
                .map(|c| c.flagged)
                .max()
                .unwrap_or(0);
            ui.label(format!(
                "Flagged sources per country: 0 to {}",
                thousands(max)
            ));
            ui.separator();
        }
        ui.label(format!(
            "{} placed",
            text::count((c.located + c.country) as u64, "source", "sources")
        ))
        .on_hover_ui(|ui| {
            let databases: Vec<String> = a
                .geo
                .iter()
                .flat_map(|l| l.databases())
                .map(|d| d.path.display().to_string())
                .collect();
            ui.label(format!("Placed with {}", databases.join(", ")));
        });
        if c.country > 0 {
            ui.label(
                RichText::new(format!(
                    "· country-level placement for {}",
                    thousands(c.country as u64)
                ))
                .weak(),
            )
            .on_hover_text(
                "The database gives only a country: these sources are drawn around a point inside \
                 it, spread on its land so they do not stack (exports keep the point itself). \
                 The bundled database gives the country where the address block is \
                 registered, not where the machine is. Choose a city database in Settings for \
                 more.",
            );
        }
        ui.label(RichText::new(format!("· {} internal", thousands(c.internal as u64))).weak())
            .on_hover_text(
                "Private, loopback, link-local, CGNAT, documentation and reserved addresses: drawn \
                 together at the monitored network's country when you name it, never looked up.",
            );
        ui.label(RichText::new(format!("· {} unlocated", thousands(c.unlocated as u64))).weak());
        if c.internal > 0 || a.map_links.internal > 0 {
            ui.separator();
            home_field(ui, view, out);
        }
    });
}

fn map_area(ui: &mut Ui, a: &Analysis, view: &mut ViewState, out: &mut Vec<Command>) {
    let shift = ui.input(|i| i.modifiers.shift);
    let scale = if view.presentation { 1.5 } else { 1.0 };
    let dark = ui.visuals().dark_mode;
    let (sea, land, border) = land_colors(dark);
    let avail = ui.available_rect_before_wrap();
    // The whole world fits at this zoom; the map never zooms out past it, nor in past
    // street level, where a country-level marker means nothing.
    let fit = (f64::from(avail.width()) / 256.0).log2().max(0.0);
    if !view.map.fitted && avail.width() > 10.0 {
        view.map.zoom_to(fit, 25.0, 10.0);
    }
    let zoom = view.map.memory.zoom();
    if zoom < fit - 0.5 || zoom > MAX_ZOOM {
        let _ = view.map.memory.set_zoom(zoom.clamp(fit - 0.5, MAX_ZOOM));
    }
    let selected = view.selected;
    if selected != view.map.last_selected {
        view.map.last_selected = selected;
        if let Some(p) = selected
            .and_then(|i| a.detection.sources.get(i))
            .and_then(|s| s.geo.as_ref()?.position)
        {
            view.map.memory.center_at(lon_lat(p.1, p.0));
        }
    }
    let threshold = a.settings.auto_block;
    let online = view.map.prefs.online_tiles && view.map.mode == MapMode::Markers;
    if !view.map.prefs.online_tiles {
        view.map.tiles = None;
    } else if view.map.tiles.is_none() {
        view.map.tiles = Some(tiles::OnlineTiles::new(ui.ctx()));
    }
    let map_view = &mut view.map;
    let Layers {
        markers,
        countries,
        max_events,
        arcs,
        home,
        internal,
        ..
    } = &map_view.layers;
    let mode = map_view.mode;
    let arcs_on = map_view.arcs;
    let mut arcs_drawn = 0;
    let fill_max = countries.iter().map(|c| c.flagged).max().unwrap_or(0);
    let by_iso: FxHashMap<&str, &CountryRow> =
        countries.iter().map(|c| (c.iso.as_str(), c)).collect();
    let mut clicked: Option<Vec<u32>> = None;
    let mut hovered: Option<Vec<u32>> = None;
    let mut over_home = false;
    let mut boxed: Option<Rect> = None;
    let mut box_start = map_view.box_start;
    let mut drawn = Vec::new();
    let mut hovered_country: Option<String> = None;
    let mut hovered_end: Option<(std::net::IpAddr, usize, u64)> = None;
    let mut arc_ends: Vec<(Pos2, std::net::IpAddr)> = Vec::new();
    // Room below for the selection bar.
    let size = Vec2::new(avail.width(), (avail.height() - 34.0).max(120.0));
    let credit = map_view
        .tiles
        .as_ref()
        .filter(|_| online)
        .map(|t| t.attribution());
    let loading = map_view
        .tiles
        .as_ref()
        .filter(|_| online)
        .map_or(0, tiles::OnlineTiles::loading);
    let (mut layer, missing) = match map_view.tiles.as_mut().filter(|_| online) {
        Some(t) => {
            let (layer, missing) = t.layer();
            (Some(layer), Some(missing))
        }
        None => (None, None),
    };
    let response = ui.allocate_ui(size, |ui| {
        Map::new(
            layer.as_mut().map(|l| l as &mut dyn Tiles),
            &mut map_view.memory,
            lon_lat(10.0, 25.0),
        )
        // The wheel zooms, as on every map; Shift-drag draws a box instead of panning.
        .zoom_with_ctrl(false)
        .drag_pan_buttons(if shift {
            egui::DragPanButtons::empty()
        } else {
            egui::DragPanButtons::PRIMARY
        })
        .show(ui, |ui, response, projector, _| {
            let tf = Affine::of(projector);
            let clip = response.rect;
            let painter = ui.painter().with_clip_rect(clip);
            let fill = |iso: &str| match mode {
                MapMode::Markers => land,
                MapMode::Choropleth => match by_iso.get(iso) {
                    None => land,
                    Some(c) if c.flagged == 0 => quiet(land),
                    Some(c) => ramp(c.flagged as f32 / fill_max.max(1) as f32, land),
                },
            };
            let coarse = projector.zoom() < COARSE_BELOW_ZOOM;
            // The offline map, everywhere or where online tiles have not come.
            let offline: Vec<Rect> = match &missing {
                None => vec![clip],
                Some(ids) => {
                    let rects: Vec<Rect> = ids
                        .borrow()
                        .iter()
                        .map(|&id| {
                            let [w, n, e, s] = tiles::extent(id);
                            Rect::from_two_pos(tf.at(w, n), tf.at(e, s)).intersect(clip)
                        })
                        .filter(|r| r.is_positive())
                        .collect();
                    // Offline, every tile is missing: draw the land once.
                    if rects.len() > 6 {
                        vec![rects.iter().fold(Rect::NOTHING, |u, r| u.union(*r))]
                    } else {
                        rects
                    }
                }
            };
            for r in offline {
                let p = painter.with_clip_rect(r);
                p.rect_filled(r, 0.0, sea);
                draw_land(&p, tf, r, coarse, border, &fill);
            }
            if let Some(credit) = &credit {
                attribution(&painter, clip, credit.text);
            }
            let pointer = response.hover_pos();
            if mode == MapMode::Markers {
                if arcs_on {
                    arcs_drawn = draw_arcs(&painter, tf, arcs, &a.map_points, threshold, scale);
                }
                let radius_of =
                    |events: u64, members: usize| radius(events, *max_events, members, scale);
                let groups = clusters(markers, tf, clip, CLUSTER_CELL * scale, &radius_of);
                let mut under: Option<(f32, usize)> = None;
                for (k, c) in groups.iter().enumerate() {
                    let r = radius(c.events, *max_events, c.members.len(), scale);
                    let color = severity_color(c.confidence, threshold);
                    let is_selected = selected.is_some_and(|s| c.members.contains(&(s as u32)));
                    painter.circle(
                        c.center,
                        r,
                        color.gamma_multiply(0.8),
                        Stroke::new(
                            if is_selected { 3.0 } else { 1.0 },
                            if is_selected {
                                Color32::WHITE
                            } else {
                                Color32::from_black_alpha(160)
                            },
                        ),
                    );
                    if c.members.len() > 1 {
                        painter.text(
                            c.center,
                            Align2::CENTER_CENTER,
                            compact_count(c.members.len()),
                            // Whole sizes only: each size is a font atlas of its own.
                            FontId::proportional(((11.0 + r * 0.2) * scale.sqrt()).round()),
                            Color32::BLACK,
                        );
                    }
                    if let Some(p) = pointer {
                        let d = p.distance(c.center);
                        if d <= r.max(6.0) && under.is_none_or(|(best, _)| d < best) {
                            under = Some((d, k));
                        }
                    }
                }
                if let Some((_, k)) = under {
                    hovered = Some(groups[k].members.clone());
                    if response.clicked() {
                        clicked = Some(groups[k].members.clone());
                    }
                }
                if arcs_on {
                    arc_ends = arcs
                        .iter()
                        .map(|c| (tf.at(c.to.0, c.to.1), c.destination))
                        .filter(|(p, _)| clip.contains(*p))
                        .collect();
                    // An arc's end: the destination, and the arcs that end there.
                    if let (None, Some(p)) = (under, pointer) {
                        let near = |q: Pos2| q.distance(p) <= 6.0 * scale;
                        if let Some(&(_, ip)) = arc_ends.iter().find(|(q, _)| near(*q)) {
                            let into: Vec<&links::Curve> = arcs
                                .iter()
                                .filter(|c| c.destination == ip && near(tf.at(c.to.0, c.to.1)))
                                .collect();
                            hovered_end =
                                Some((ip, into.len(), into.iter().map(|c| c.events).sum::<u64>()));
                        }
                    }
                }
                drawn = groups
                    .into_iter()
                    .map(|c| Drawn {
                        radius: radius(c.events, *max_events, c.members.len(), scale),
                        center: c.center,
                        members: c.members,
                    })
                    .collect();
                if let Some(h) = home {
                    let network = draw_home(&painter, tf.at(h.0, h.1), internal, a, scale);
                    // The square is drawn on top, so it takes the pointer before the
                    // markers beneath it.
                    if pointer.is_some_and(|p| {
                        Rect::from_center_size(network.center, Vec2::splat(2.0 * network.radius))
                            .contains(p)
                    }) {
                        hovered = Some(internal.clone());
                        over_home = true;
                        if response.clicked() {
                            // The network's most confident host, for the source panel.
                            clicked = Some(vec![internal[0]]);
                        }
                    }
                    drawn.push(network);
                }
                // Shift-drag: a selection box.
                if shift && response.drag_started() {
                    box_start = ui
                        .input(|i| i.pointer.press_origin())
                        .or(response.interact_pointer_pos());
                }
                if let (Some(a0), Some(p)) =
                    (box_start, pointer.or(response.interact_pointer_pos()))
                {
                    let r = Rect::from_two_pos(a0, p);
                    painter.rect_stroke(
                        r,
                        0.0,
                        Stroke::new(1.5, Color32::from_rgb(120, 180, 255)),
                        egui::StrokeKind::Inside,
                    );
                    if response.drag_stopped() || !ui.input(|i| i.pointer.primary_down()) {
                        boxed = Some(r);
                        box_start = None;
                    }
                }
            } else {
                legend(ui, &painter, clip, fill_max, land);
                if let Some(p) = pointer {
                    let (x, y) = tf.inverse(p);
                    let lat = inverse_mercator(f64::from(y));
                    hovered_country = world()
                        .countries
                        .iter()
                        .find(|c| c.contains(lat, f64::from(x)))
                        .map(|c| c.iso.clone());
                }
            }
            response.clone()
        })
    });
    let map_response = response.inner.inner;
    map_view.box_start = box_start;
    map_view.drawn = drawn;
    map_view.arcs_drawn = arcs_drawn;
    map_view.arc_ends = arc_ends;
    if let Some((ip, n, events)) = hovered_end {
        map_response.clone().on_hover_ui_at_pointer(|ui| {
            ui.label(RichText::new(format!("Arcs end here: {ip}")).strong());
            ui.label(format!(
                "{} from the sources shown, {}",
                text::count(n as u64, "arc", "arcs"),
                text::count(events, "event", "events")
            ));
        });
    }
    map_view.tiles_missing = missing.map(|m| m.borrow().len());
    map_view.rect = Some(map_response.rect);
    if let Some(r) = boxed {
        map_view.boxed = markers_in(markers, &map_response, r, &map_view.memory);
    }
    if let Some(members) = &hovered {
        map_response
            .clone()
            .on_hover_ui_at_pointer(|ui| hover_ui(ui, a, members, over_home));
        // A right click keeps the marker's sources for the menu it opens.
        if map_response.secondary_clicked() {
            map_view.menu = members.clone();
        }
    }
    let menu = map_view.menu.clone();
    map_response.context_menu(|ui| {
        if menu.is_empty() {
            ui.label(RichText::new("Right-click a marker or cluster").weak());
            return;
        }
        let label = match menu.len() {
            1 => "Show the events of this source".to_owned(),
            n => format!("Show the events of these {} sources", thousands(n as u64)),
        };
        if ui.button(label).clicked() {
            let mut rows: Vec<u32> = menu
                .iter()
                .filter_map(|&i| a.detection.sources.get(i as usize))
                .flat_map(|s| s.stats.rows.iter().copied())
                .collect();
            rows.sort_unstable();
            let title = match menu.as_slice() {
                [one] => a.detection.sources[*one as usize].stats.ip.to_string(),
                many => format!("{} sources on the map", thousands(many.len() as u64)),
            };
            out.push(Command::ShowEvents(title, std::sync::Arc::new(rows)));
            ui.close();
        }
    });
    if let Some(iso) = &hovered_country {
        let row = view
            .map
            .layers
            .countries
            .iter()
            .find(|c| &c.iso == iso)
            .cloned();
        map_response.clone().on_hover_ui_at_pointer(|ui| {
            ui.label(RichText::new(format!("{iso} {}", world().name(iso))).strong());
            match &row {
                Some(c) => {
                    ui.label(format!(
                        "{} · {} flagged · {} proposed for blocking",
                        text::count(c.sources, "source", "sources"),
                        thousands(c.flagged),
                        thousands(c.proposed)
                    ));
                    ui.label(format!(
                        "{} · {} anomalous",
                        text::count(c.events, "event", "events"),
                        thousands(c.anomalous)
                    ));
                    ui.label(
                        RichText::new("Click to show only this country in every view.").weak(),
                    );
                }
                None => {
                    ui.label(RichText::new("No source from here.").weak());
                }
            }
        });
        if map_response.clicked() && row.is_some() {
            toggle_country(view, iso);
        }
    }
    if let Some(members) = clicked {
        if members.len() == 1 {
            out.push(Command::Select(Some(members[0] as usize)));
        } else {
            // A cluster: zoom to its members' extent, so that it splits.
            let (mut lo, mut hi) = ((f32::MAX, f32::MAX), (f32::MIN, f32::MIN));
            for m in view
                .map
                .layers
                .markers
                .iter()
                .filter(|m| members.contains(&m.source))
            {
                lo = (lo.0.min(m.x), lo.1.min(m.y));
                hi = (hi.0.max(m.x), hi.1.max(m.y));
            }
            if lo.0 <= hi.0 {
                let rect = map_response.rect;
                // Mercator degrees per point at zoom 0 is 360 / 256.
                let span = f64::from((hi.0 - lo.0).max(hi.1 - lo.1)).max(1e-4);
                let fit = (f64::from(rect.width().min(rect.height())) * 0.6 * 360.0 / 256.0 / span)
                    .log2();
                let zoom = fit.max(view.map.memory.zoom() + 1.0).min(MAX_ZOOM);
                let lat = inverse_mercator(f64::from(lo.1 + hi.1) / 2.0);
                view.map.zoom_to(zoom, lat, f64::from(lo.0 + hi.0) / 2.0);
            }
        }
    }
    ui.horizontal(|ui| {
        crate::app::png_button(ui, "map", map_response.rect, out);
        if let Some(credit) = &credit {
            let owed = format!("Map tiles © {}", credit.text);
            if credit.url.is_empty() {
                ui.label(owed);
            } else {
                ui.hyperlink_to(owed, credit.url);
            }
            if loading > 0 {
                ui.label(
                    RichText::new(format!(
                        "loading {}",
                        text::count(loading as u64, "tile", "tiles")
                    ))
                    .weak(),
                );
            }
        }
        selection_bar(ui, a, view, out);
    });
}

fn markers_in(
    markers: &[Marker],
    response: &egui::Response,
    r: Rect,
    memory: &MapMemory,
) -> Vec<usize> {
    let projection = walkers::MercatorProjection;
    let projector = Projector::new(response.rect, &projection, memory, lon_lat(10.0, 25.0));
    let tf = Affine::of(&projector);
    let mut inside: Vec<usize> = markers
        .iter()
        .filter(|m| r.contains(tf.at(m.x, m.y)))
        .map(|m| m.source as usize)
        .collect();
    inside.sort_unstable();
    inside
}

fn inverse_mercator(y: f64) -> f64 {
    (2.0 * y.to_radians().exp().atan() - std::f64::consts::FRAC_PI_2).to_degrees()
}

fn selection_bar(ui: &mut Ui, a: &Analysis, view: &mut ViewState, out: &mut Vec<Command>) {
    let ViewState { map, blocklist, .. } = view;
    crate::app::widgets::block_selection_bar(
        ui,
        a,
        blocklist,
        &mut map.boxed,
        "Shift-drag a box to select the sources inside it; click a marker to select it.",
        out,
    );
}

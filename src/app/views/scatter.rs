//! The scatter plot: any two event fields against each other (bytes sent against bytes
//! received by default, the seeds' plot), linear or log, coloured by verdict, by the
//! source's confidence or, on labelled files, by label against verdict. Past 20,000 ordinary events
//! the grey bulk is drawn as a density of all of them (its true mass); anomalies are drawn one by one.
//! Click a point to select its source; drag a box to select the sources of the anomalies in
//! it and send them to the blocklist.

use std::sync::Arc;

use eframe::egui::{self, Color32, RichText, Ui};
use egui_plot::{
    HLine, HoverPosition, Legend, MarkerShape, Plot, PlotPoint, PlotPoints, PlotTransform, Points,
    Polygon, VLine,
};

use super::alerts::ValueFilter;
use crate::app::analysis::Analysis;
use crate::app::derived::{Derived, Made};
use crate::app::text::thousands;
use crate::app::{severity_color, Command, Loaded, ViewState, ERROR, MALICIOUS, WARN};
use crate::events::{EventTable, Verdict};

/// Attacks the verdict missed, on the label colouring.
const MISSED: Color32 = Color32::from_rgb(90, 160, 240);
/// Ordinary traffic drawn as a density.
const DENSITY: Color32 = Color32::from_gray(150);

/// Most ordinary events drawn; the rest are thinned evenly.
const ORDINARY_POINTS: usize = 20_000;
/// Most points per layer drawn in the scatter's first frame, before points can be thinned
/// per pixel.
const FIRST_FRAME_POINTS: usize = 5_000;
/// Most anomalous events drawn; beyond this they are thinned too.
const ANOMALOUS_POINTS: usize = 150_000;

/// An event field the scatter can put on an axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// Bytes from the source.
    BytesSent,
    /// Bytes to the source.
    BytesReceived,
    /// Packets from the source.
    PacketsSent,
    /// Packets to the source.
    PacketsReceived,
    /// Duration in seconds.
    Duration,
    /// Destination port.
    DestinationPort,
    /// Hour of the day (UTC).
    Hour,
    /// Combined anomaly score 0-1.
    Score,
}

impl Field {
    /// Every field, in menu order.
    pub const ALL: [Field; 8] = [
        Field::BytesSent,
        Field::BytesReceived,
        Field::PacketsSent,
        Field::PacketsReceived,
        Field::Duration,
        Field::DestinationPort,
        Field::Hour,
        Field::Score,
    ];

    /// Its name on the axis and in the menu.
    pub fn title(self) -> &'static str {
        match self {
            Field::BytesSent => "bytes sent",
            Field::BytesReceived => "bytes received",
            Field::PacketsSent => "packets sent",
            Field::PacketsReceived => "packets received",
            Field::Duration => "duration (s)",
            Field::DestinationPort => "destination port",
            Field::Hour => "hour of day (UTC)",
            Field::Score => "anomaly score",
        }
    }

    /// The table field it reads, when it reads one (the score is always there).
    fn source(self) -> Option<crate::events::Field> {
        use crate::events::Field as F;
        match self {
            Field::BytesSent => Some(F::BytesSent),
            Field::BytesReceived => Some(F::BytesReceived),
            Field::PacketsSent => Some(F::PacketsSent),
            Field::PacketsReceived => Some(F::PacketsReceived),
            Field::Duration => Some(F::DurationS),
            Field::DestinationPort => Some(F::DestinationPort),
            Field::Hour => Some(F::EventTime),
            Field::Score => None,
        }
    }

    /// Whether a log scale suits it by default (heavy-tailed counts).
    fn log_by_default(self) -> bool {
        matches!(
            self,
            Field::BytesSent
                | Field::BytesReceived
                | Field::PacketsSent
                | Field::PacketsReceived
                | Field::Duration
        )
    }

    /// Its value for event `r`.
    fn value(self, t: &EventTable, a: &Analysis, r: usize) -> Option<f64> {
        match self {
            Field::BytesSent => t.bytes_sent(r),
            Field::BytesReceived => t.bytes_received(r),
            Field::PacketsSent => t.packets_sent(r),
            Field::PacketsReceived => t.packets_received(r),
            Field::Duration => t.duration_s(r),
            Field::DestinationPort => t.destination_port(r).map(f64::from),
            Field::Hour => t
                .time_us(r)
                .map(|us| (us.rem_euclid(86_400_000_000) as f64) / 3.6e9),
            Field::Score => Some(a.detection.event_score[r]),
        }
    }

    fn is_bytes(self) -> bool {
        matches!(self, Field::BytesSent | Field::BytesReceived)
    }
}

/// How points are coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Colouring {
    /// Ordinary grey, anomalous orange.
    Verdict,
    /// By the confidence of the event's source: block, watch, low, none.
    Confidence,
    /// By the ground-truth label against the verdict: caught and missed attacks, benign
    /// events flagged and not (files with labels only).
    Label,
}

/// The scatter's choices.
pub struct ScatterView {
    /// Horizontal field.
    pub x: Field,
    /// Vertical field.
    pub y: Field,
    /// Log scale on x.
    pub log_x: bool,
    /// Log scale on y.
    pub log_y: bool,
    /// Point colours.
    pub colouring: Colouring,
    /// Where a box drag started, in plot coordinates.
    drag_from: Option<[f64; 2]>,
    /// Sources of the anomalies in the last dragged box.
    pub boxed: Vec<usize>,
    cache: Derived<LayersKey, Layers>,
    /// The plot's mapping to the screen in the last frame, to thin points per pixel.
    last_transform: Option<PlotTransform>,
    /// The analyst picked the axes: keep them across analyses.
    chosen: bool,
    /// The files the default axes were picked for (their event count).
    defaulted_for: Option<usize>,
}

impl ScatterView {
    /// Whether its layers are being made on a worker thread.
    pub fn is_preparing(&self) -> bool {
        self.cache.is_pending()
    }

    /// The plot's visible range in the last frame, `[[x lo, x hi], [y lo, y hi]]`, in axis
    /// coordinates (log10 of the value on a log axis).
    pub fn visible(&self) -> Option<[[f64; 2]; 2]> {
        self.last_transform.as_ref().map(|t| {
            let b = t.bounds();
            [[b.min()[0], b.max()[0]], [b.min()[1], b.max()[1]]]
        })
    }
}

impl Default for ScatterView {
    fn default() -> Self {
        ScatterView {
            x: Field::BytesSent,
            y: Field::BytesReceived,
            log_x: true,
            log_y: true,
            colouring: Colouring::Verdict,
            drag_from: None,
            boxed: Vec::new(),
            cache: Derived::default(),
            last_transform: None,
            chosen: false,
            defaulted_for: None,
        }
    }
}

/// What the layers were built from.
#[derive(Debug, Clone, PartialEq)]
struct LayersKey {
    generation: u64,
    x: Field,
    y: Field,
    log_x: bool,
    log_y: bool,
    colouring: Colouring,
    range: Option<(i64, i64)>,
    value: Option<ValueFilter>,
}

/// One coloured set of points with the event row of each.
struct Layer {
    name: &'static str,
    /// The name with the layer's true event count, for the legend.
    label: String,
    /// Events of the layer in view, drawn or not.
    total: usize,
    color: Color32,
    radius: f32,
    points: Vec<[f64; 2]>,
    rows: Vec<u32>,
}

/// A layer with the points (and their rows) drawn this frame.
type Shown<'a> = (&'a Layer, Vec<[f64; 2]>, Vec<u32>);

/// The plotted layers, ordinary first.
struct Layers {
    layers: Vec<Layer>,
    ordinary_total: usize,
    anomalous_total: usize,
    /// Events without both values.
    missing: usize,
    /// Under the label colouring, every labelled event in view (drawn or not): attacks
    /// flagged, attacks missed, benign events flagged.
    labelled: Option<[usize; 3]>,
    /// The first layer's every event as a density, when there are too many to draw.
    density: Option<Density>,
    /// Events with zero on the x and on the y axis, when that axis is logarithmic.
    zeros: [usize; 2],
    /// How the x and y axes map values.
    scales: [Scale; 2],
    /// The extent of every event's point, drawn or not: `[[x lo, x hi], [y lo, y hi]]`.
    bounds: Option<[[f64; 2]; 2]>,
}

/// Cells per side of the density grid.
const DENSITY_CELLS: usize = 320;

/// Events counted on a grid over their extent, in plot coordinates: the bulk of ordinary
/// traffic with its true mass, where drawing a sample of points would hide it.
struct Density {
    x0: f64,
    y0: f64,
    dx: f64,
    dy: f64,
    counts: Vec<u32>,
    max: u32,
    total: usize,
}

impl Density {
    fn new(points: &[[f32; 2]]) -> Density {
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for p in points {
            for k in 0..2 {
                lo[k] = lo[k].min(f64::from(p[k]));
                hi[k] = hi[k].max(f64::from(p[k]));
            }
        }
        let step = |k: usize| ((hi[k] - lo[k]) / DENSITY_CELLS as f64).max(1e-9);
        let (dx, dy) = (step(0), step(1));
        let mut counts = vec![0u32; DENSITY_CELLS * DENSITY_CELLS];
        for p in points {
            let i = (((f64::from(p[0]) - lo[0]) / dx) as usize).min(DENSITY_CELLS - 1);
            let j = (((f64::from(p[1]) - lo[1]) / dy) as usize).min(DENSITY_CELLS - 1);
            counts[j * DENSITY_CELLS + i] += 1;
        }
        Density {
            x0: lo[0],
            y0: lo[1],
            dx,
            dy,
            max: counts.iter().copied().max().unwrap_or(0),
            counts,
            total: points.len(),
        }
    }

    /// The centre of the cell with the most events.
    fn densest(&self) -> [f64; 2] {
        let k = self
            .counts
            .iter()
            .enumerate()
            .max_by_key(|(_, n)| **n)
            .map_or(0, |(k, _)| k);
        let (i, j) = ((k % DENSITY_CELLS) as f64, (k / DENSITY_CELLS) as f64);
        [self.x0 + (i + 0.5) * self.dx, self.y0 + (j + 0.5) * self.dy]
    }

    /// The cells as one mesh on screen, stronger for more events (on a log scale).
    fn mesh(&self, tr: &PlotTransform, color: Color32) -> egui::Mesh {
        let mut mesh = egui::Mesh::default();
        let top = f64::from(self.max).ln_1p().max(f64::MIN_POSITIVE);
        for (k, &n) in self.counts.iter().enumerate() {
            if n == 0 {
                continue;
            }
            let (i, j) = ((k % DENSITY_CELLS) as f64, (k / DENSITY_CELLS) as f64);
            let a = tr.position_from_point(&PlotPoint::new(
                self.x0 + i * self.dx,
                self.y0 + j * self.dy,
            ));
            let b = tr.position_from_point(&PlotPoint::new(
                self.x0 + (i + 1.0) * self.dx,
                self.y0 + (j + 1.0) * self.dy,
            ));
            // At least a pixel, so that a lone event still shows.
            let rect = egui::Rect::from_two_pos(a, b);
            let rect =
                egui::Rect::from_center_size(rect.center(), rect.size().max(egui::vec2(1.5, 1.5)));
            let share = (f64::from(n).ln_1p() / top) as f32;
            mesh.add_colored_rect(rect, color.gamma_multiply(0.25 + 0.75 * share));
        }
        mesh
    }
}

/// How one axis maps values: linear, or log10 with zeros on a strip of their own, half a
/// decade before the smallest positive value's decade.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Scale {
    log: bool,
    /// Where zeros sit on a log axis.
    zero_at: f64,
}

impl Scale {
    /// The scale for values whose smallest positive one is `min_positive`.
    fn new(log: bool, min_positive: Option<f64>) -> Scale {
        let first = min_positive.map_or(0.0, |v| v.log10().floor());
        Scale {
            log,
            zero_at: first - 0.5,
        }
    }

    /// `v` on the axis.
    fn at(self, v: f64) -> f64 {
        match (self.log, v > 0.0) {
            (true, true) => v.log10(),
            (true, false) => self.zero_at,
            (false, _) => v,
        }
    }

    /// The value at axis coordinate `p`.
    fn value(self, p: f64) -> f64 {
        match self.log {
            true if p <= self.zero_at + 0.25 => 0.0,
            true => 10f64.powf(p),
            false => p,
        }
    }
}

impl Layers {
    fn new(t: &EventTable, a: &Analysis, key: &LayersKey) -> Layers {
        let d = &a.detection;
        let in_range = |r: usize| match key.range {
            None => true,
            Some((lo, hi)) => t.time_us(r).is_some_and(|us| (lo..=hi).contains(&us)),
        };
        let rows: Vec<usize> = (0..t.len())
            .filter(|&r| in_range(r) && ValueFilter::keeps(key.value.as_ref(), r))
            .collect();
        // The smallest positive value on each axis, for where a log axis puts its zeros.
        let mut least = [f64::INFINITY; 2];
        for &r in &rows {
            for (k, f) in [key.x, key.y].into_iter().enumerate() {
                if let Some(v) = f.value(t, a, r).filter(|v| *v > 0.0) {
                    least[k] = least[k].min(v);
                }
            }
        }
        let scales = [
            Scale::new(key.log_x, least[0].is_finite().then_some(least[0])),
            Scale::new(key.log_y, least[1].is_finite().then_some(least[1])),
        ];
        let mut bounds: Option<[[f64; 2]; 2]> = None;
        let anomalous_total = rows.iter().filter(|&&r| d.event_flagged[r]).count();
        let labelled = (key.colouring == Colouring::Label).then(|| {
            let mut n = [0usize; 3];
            for &r in &rows {
                let Some(l) = t.label(r) else { continue };
                match (l.verdict == Verdict::Malicious, d.event_flagged[r]) {
                    (true, true) => n[0] += 1,
                    (true, false) => n[1] += 1,
                    (false, true) => n[2] += 1,
                    (false, false) => {}
                }
            }
            n
        });
        let ordinary_total = rows.len() - anomalous_total;
        let ordinary_stride = ordinary_total.div_ceil(ORDINARY_POINTS).max(1);
        // Too many ordinary events to draw: the first layer becomes a density of all of them.
        let dense = ordinary_total > ORDINARY_POINTS;
        let mut bulk: Vec<[f32; 2]> = Vec::new();
        let mut zeros = [0usize; 2];
        let anomalous_stride = anomalous_total.div_ceil(ANOMALOUS_POINTS).max(1);
        let threshold = a.settings.auto_block;
        let mut layers: Vec<Layer> = match key.colouring {
            Colouring::Verdict => vec![
                layer("ordinary", Color32::from_gray(130).gamma_multiply(0.5), 1.5),
                layer("anomalous", WARN, 2.5),
            ],
            Colouring::Confidence => vec![
                layer(
                    "source below 25% of the threshold",
                    Color32::from_gray(130).gamma_multiply(0.5),
                    1.5,
                ),
                layer(
                    "low-confidence source",
                    severity_color(threshold / 4.0, threshold),
                    2.0,
                ),
                layer(
                    "watched source",
                    severity_color(threshold / 2.0, threshold),
                    2.5,
                ),
                layer(
                    "source proposed for blocking",
                    severity_color(threshold, threshold),
                    2.5,
                ),
                layer("anomalous event", WARN, 2.5),
            ],
            Colouring::Label => vec![
                layer(
                    "benign or unlabelled",
                    Color32::from_gray(130).gamma_multiply(0.5),
                    1.5,
                ),
                layer("benign, flagged", WARN, 2.5),
                layer("attack, missed", MISSED, 2.5),
                layer("attack, flagged", MALICIOUS, 2.5),
            ],
        };
        let (mut seen_ordinary, mut seen_anomalous, mut missing) = (0usize, 0usize, 0usize);
        for r in rows {
            let flagged = d.event_flagged[r];
            let keep = if flagged {
                seen_anomalous += 1;
                (seen_anomalous - 1) % anomalous_stride == 0
            } else {
                seen_ordinary += 1;
                (seen_ordinary - 1) % ordinary_stride == 0
            };
            let (Some(x), Some(y)) = (key.x.value(t, a, r), key.y.value(t, a, r)) else {
                if keep {
                    missing += 1;
                }
                continue;
            };
            let which = match key.colouring {
                Colouring::Verdict => usize::from(flagged),
                Colouring::Confidence => {
                    let c = a
                        .source_of_row(t, r)
                        .map_or(0.0, |i| d.sources[i].confidence);
                    if c >= threshold {
                        3
                    } else if c >= threshold / 2.0 {
                        2
                    } else if c >= threshold / 4.0 {
                        1
                    } else if flagged {
                        4
                    } else {
                        0
                    }
                }
                Colouring::Label => {
                    let attack = t.label(r).is_some_and(|l| l.verdict == Verdict::Malicious);
                    match (attack, flagged) {
                        (false, false) => 0,
                        (false, true) => 1,
                        (true, false) => 2,
                        (true, true) => 3,
                    }
                }
            };
            layers[which].total += 1;
            zeros[0] += usize::from(key.log_x && x <= 0.0);
            zeros[1] += usize::from(key.log_y && y <= 0.0);
            let p = [scales[0].at(x), scales[1].at(y)];
            let b = bounds.get_or_insert([[p[0], p[0]], [p[1], p[1]]]);
            for k in 0..2 {
                b[k] = [b[k][0].min(p[k]), b[k][1].max(p[k])];
            }
            if dense && which == 0 {
                bulk.push([p[0] as f32, p[1] as f32]);
            }
            if !keep {
                continue;
            }
            let l = &mut layers[which];
            l.points.push(p);
            l.rows.push(r as u32);
        }
        for l in &mut layers {
            l.label = format!(
                "{} ({})",
                l.name,
                crate::app::text::count(l.total as u64, "event", "events")
            );
        }
        Layers {
            layers,
            ordinary_total,
            anomalous_total,
            missing,
            labelled,
            density: (!bulk.is_empty()).then(|| Density::new(&bulk)),
            zeros,
            scales,
            bounds,
        }
    }
}

fn layer(name: &'static str, color: Color32, radius: f32) -> Layer {
    Layer {
        name,
        label: String::new(),
        total: 0,
        color,
        radius,
        points: Vec::new(),
        rows: Vec::new(),
    }
}

/// A count in decimal units: "950", "1.5 k", "20 M".
fn si(v: f64) -> String {
    let a = v.abs();
    let (d, unit) = if a >= 1e12 {
        (1e12, " T")
    } else if a >= 1e9 {
        (1e9, " G")
    } else if a >= 1e6 {
        (1e6, " M")
    } else if a >= 1e3 {
        (1e3, " k")
    } else {
        (1.0, "")
    };
    let x = v / d;
    if (x - x.round()).abs() < 0.05 {
        format!("{x:.0}{unit}")
    } else {
        format!("{x:.1}{unit}")
    }
}

/// The points of a layer worth drawing: at most one per square of 1.5 radii on screen (the
/// others would hide behind it), within the view and a margin of half its size around it, so
/// that a pan shows no gap. Without a previous frame's mapping, an even sample.
fn on_screen(layer: &Layer, transform: Option<&PlotTransform>) -> (Vec<[f64; 2]>, Vec<u32>) {
    let Some(tr) = transform else {
        // The first frame: an even sample, until the plot has its place on screen.
        let stride = (layer.points.len() / FIRST_FRAME_POINTS).max(1);
        let points = layer.points.iter().step_by(stride).copied().collect();
        let rows = layer.rows.iter().step_by(stride).copied().collect();
        return (points, rows);
    };
    let frame = tr.frame().expand2(tr.frame().size() * 0.5);
    // Cells of one and a half radii (two pixels at least): points closer than that overlap
    // almost entirely.
    let cell = (layer.radius * 1.5).max(2.0);
    let (w, h) = (
        (frame.width() / cell).ceil() as usize + 1,
        (frame.height() / cell).ceil() as usize + 1,
    );
    let mut taken = vec![0u64; (w * h).div_ceil(64)];
    let mut kept = (Vec::new(), Vec::new());
    for (p, &r) in layer.points.iter().zip(&layer.rows) {
        let pos = tr.position_from_point(&PlotPoint::new(p[0], p[1]));
        if !frame.contains(pos) {
            continue;
        }
        let at =
            ((pos.y - frame.min.y) / cell) as usize * w + ((pos.x - frame.min.x) / cell) as usize;
        let (word, bit) = (at / 64, 1u64 << (at % 64));
        if taken[word] & bit == 0 {
            taken[word] |= bit;
            kept.0.push(*p);
            kept.1.push(r);
        }
    }
    kept
}

/// A value of `field` for an axis or tooltip: "1.5 kB", "443", "0.46".
/// A grid mark's label: the decade on a log axis, nothing between whole numbers for fields
/// of whole numbers (ports, hours), so that no two marks read the same.
fn mark_text(field: Field, log: bool, value: f64) -> String {
    if log {
        return axis_text(field, 10f64.powf(value));
    }
    let whole = matches!(field, Field::DestinationPort | Field::Hour);
    if whole && value.fract().abs() > 1e-9 {
        String::new()
    } else {
        axis_text(field, value)
    }
}

fn axis_text(field: Field, plain: f64) -> String {
    if field.is_bytes() {
        let n = si(plain);
        if n.ends_with(char::is_alphabetic) {
            format!("{n}B")
        } else {
            format!("{n} B")
        }
    } else if field == Field::Score {
        format!("{plain:.2}")
    } else if plain.abs() >= 1000.0 {
        thousands(plain.round() as u64)
    } else if plain.fract().abs() < 1e-9 {
        format!("{plain:.0}")
    } else {
        format!("{plain:.1}")
    }
}

/// Shows the scatter.
/// Until the analyst picks axes, the first two of bytes sent, bytes received, duration,
/// packets, destination port, hour and score that the files carry (so that a web log or a
/// honeypot log never opens on axes it has no values for).
fn default_axes(sv: &mut ScatterView, inv: &crate::ingest::Investigation) {
    if sv.chosen || sv.defaulted_for == Some(inv.table.len()) {
        return;
    }
    sv.defaulted_for = Some(inv.table.len());
    let fields = inv
        .files
        .iter()
        .fold(crate::events::FieldSet::default(), |f, r| f.union(r.fields));
    let order = [
        Field::BytesSent,
        Field::BytesReceived,
        Field::Duration,
        Field::PacketsSent,
        Field::PacketsReceived,
        Field::DestinationPort,
        Field::Hour,
        Field::Score,
    ];
    let present: Vec<Field> = order
        .into_iter()
        .filter(|f| f.source().is_none_or(|s| fields.contains(s)))
        .collect();
    if let [x, y, ..] = present[..] {
        sv.x = x;
        sv.y = y;
        sv.log_x = x.log_by_default();
        sv.log_y = y.log_by_default();
    }
}

/// Shows the scatter.
pub fn show(
    ui: &mut Ui,
    loaded: &Loaded,
    a: &Arc<Analysis>,
    view: &mut ViewState,
    out: &mut Vec<Command>,
) {
    let t = &loaded.investigation.table;
    default_axes(&mut view.scatter, &loaded.investigation);
    let before = (view.scatter.x, view.scatter.y);
    controls(ui, &mut view.scatter, a.evaluation.is_some());
    let sv = &mut view.scatter;
    sv.chosen |= (sv.x, sv.y) != before;
    let key = LayersKey {
        generation: a.generation,
        x: sv.x,
        y: sv.y,
        log_x: sv.log_x,
        log_y: sv.log_y,
        colouring: sv.colouring,
        range: view.time_range,
        value: view.alerts.value.clone(),
    };
    if sv.cache.ready_for(&key).is_none() {
        sv.boxed.clear();
    }
    let (inv, an, job_key, ctx) = (
        loaded.investigation.clone(),
        a.clone(),
        key.clone(),
        ui.ctx().clone(),
    );
    let layers = match sv.cache.get(
        &key,
        move || Layers::new(&inv.table, &an, &job_key),
        move || ctx.request_repaint(),
    ) {
        Made::Ready(layers) => layers,
        Made::Pending => {
            let events = crate::app::text::count(t.len() as u64, "event", "events");
            crate::app::widgets::preparing(ui, &format!("Preparing the plot of {events}…"));
            return;
        }
        Made::Failed(m) => {
            ui.colored_label(ERROR, m);
            return;
        }
    };
    let drawn: usize = layers.layers.iter().map(|l| l.points.len()).sum();
    ui.label(
        RichText::new(format!(
            "{} ordinary and {} anomalous events{}; {}{}{}. Drag a box to select, scroll to \
             pan, Ctrl+scroll to zoom, double-click to reset.",
            thousands(layers.ordinary_total as u64),
            thousands(layers.anomalous_total as u64),
            if view.time_range.is_some() {
                " in the time range"
            } else {
                ""
            },
            match &layers.density {
                Some(d) => format!(
                    "all {} grey ones drawn as a density (stronger cells hold more), the anomalies as points",
                    thousands(d.total as u64)
                ),
                None => format!("{} drawn", thousands(drawn as u64)),
            },
            if layers.missing > 0 {
                format!(
                    " ({} lack one of the fields)",
                    thousands(layers.missing as u64)
                )
            } else {
                String::new()
            },
            zeros_text(&layers.zeros, key.x, key.y),
        ))
        .weak(),
    );
    if let Some([caught, missed, wrong]) = layers.labelled {
        ui.label(format!(
            "{} attack events flagged, {} missed; {} benign events flagged.",
            thousands(caught as u64),
            thousands(missed as u64),
            thousands(wrong as u64)
        ));
    }
    if drawn == 0 {
        ui.label("No event in view carries both fields.");
        return;
    }
    let selected_rows: Vec<[f64; 2]> = view.selected.map_or_else(Vec::new, |i| {
        a.detection.sources[i]
            .stats
            .rows
            .iter()
            .filter_map(|&r| {
                let r = r as usize;
                Some([
                    layers.scales[0].at(key.x.value(t, a, r)?),
                    layers.scales[1].at(key.y.value(t, a, r)?),
                ])
            })
            .collect()
    });
    let shown: Vec<Shown> = layers
        .layers
        .iter()
        .map(|l| {
            let (points, rows) = on_screen(l, sv.last_transform.as_ref());
            (l, points, rows)
        })
        .collect();
    let (fx, fy, lx, ly) = (key.x, key.y, key.log_x, key.log_y);
    let [sx, sy] = layers.scales;
    // Every event's extent, so that the plot fits what is culled from view as well.
    let [[x0, x1], [y0, y1]] = layers.bounds.unwrap_or([[0.0, 1.0], [0.0, 1.0]]);
    let drag_from = sv.drag_from;
    let density = layers.density.as_ref();
    let zeros = layers.zeros;
    // Reserved below the plot's points: the density is drawn there once the plot has placed
    // itself this frame (the plot's own background is off, so the cells show through).
    let density_slot = density.map(|_| ui.painter().add(egui::Shape::Noop));
    // The plot with its axes and their names, as a slide needs it.
    let plot_top = ui.cursor().top();
    let response = Plot::new("scatter")
        .legend(Legend::default())
        .show_background(density.is_none())
        .x_axis_label(format!("{}{}", fx.title(), if lx { " (log)" } else { "" }))
        .y_axis_label(format!("{}{}", fy.title(), if ly { " (log)" } else { "" }))
        // Log axes have their grid lines at decades, labelled as the decade itself; fields of
        // whole numbers label whole marks only.
        .x_axis_formatter(move |m, _| mark_text(fx, lx, m.value))
        .y_axis_formatter(move |m, _| mark_text(fy, ly, m.value))
        .include_x(x0)
        .include_x(x1)
        .include_y(y0)
        .include_y(y1)
        .allow_drag(false)
        .allow_boxed_zoom(false)
        .label_formatter(|h| match h {
            HoverPosition::NearDataPoint {
                plot_name,
                position,
                index,
            } => {
                let source = shown
                    .iter()
                    .find(|(l, _, _)| l.label == *plot_name)
                    .and_then(|(_, _, rows)| rows.get(*index))
                    .and_then(|&r| a.source_of_row(t, r as usize))
                    .map(|i| {
                        let s = &a.detection.sources[i];
                        format!("{} (confidence {:.0})\n", s.stats.ip, s.confidence)
                    })
                    .unwrap_or_default();
                Some(format!(
                    "{source}{plot_name}\n{}: {}\n{}: {}",
                    fx.title(),
                    axis_text(fx, sx.value(position.x)),
                    fy.title(),
                    axis_text(fy, sy.value(position.y))
                ))
            }
            HoverPosition::Elsewhere { .. } => None,
        })
        .height(ui.available_height() - 40.0)
        .show(ui, |p| {
            for (k, (l, points, _)) in shown.iter().enumerate() {
                if let (0, Some(d)) = (k, density) {
                    // The legend's entry for the density, with the true count: one point at
                    // its densest cell, under the cells.
                    p.points(
                        Points::new(
                            format!("{}, density", l.label),
                            PlotPoints::from(vec![d.densest()]),
                        )
                        .color(DENSITY)
                        .radius(3.0),
                    );
                    continue;
                }
                if points.is_empty() {
                    continue;
                }
                p.points(
                    Points::new(l.label.clone(), PlotPoints::from(points.clone()))
                        .color(l.color)
                        .radius(l.radius),
                );
            }
            if !selected_rows.is_empty() {
                let ip = view
                    .selected
                    .map(|i| a.detection.sources[i].stats.ip.to_string())
                    .unwrap_or_default();
                p.points(
                    Points::new(format!("selected: {ip}"), PlotPoints::from(selected_rows))
                        .color(ERROR)
                        .shape(MarkerShape::Diamond)
                        .radius(5.0),
                );
            }
            if zeros[0] > 0 {
                p.vline(
                    VLine::new(
                        format!("0 {} ({} events)", fx.title(), thousands(zeros[0] as u64)),
                        sx.zero_at,
                    )
                    .color(Color32::from_gray(140))
                    .style(egui_plot::LineStyle::dashed_dense()),
                );
            }
            if zeros[1] > 0 {
                p.hline(
                    HLine::new(
                        format!("0 {} ({} events)", fy.title(), thousands(zeros[1] as u64)),
                        sy.zero_at,
                    )
                    .color(Color32::from_gray(140))
                    .style(egui_plot::LineStyle::dashed_dense()),
                );
            }
            let pointer = p.pointer_coordinate().map(|c| [c.x, c.y]);
            let r = p.response();
            let gesture = (r.drag_started(), r.dragged(), r.drag_stopped(), r.clicked());
            if let (Some(from), Some(to)) = (drag_from, pointer) {
                p.polygon(
                    Polygon::new(
                        "box",
                        PlotPoints::from(vec![from, [to[0], from[1]], to, [from[0], to[1]]]),
                    )
                    .fill_color(WARN.gamma_multiply(0.15))
                    .stroke(egui::Stroke::new(1.0, WARN)),
                );
            }
            (pointer, gesture)
        });
    let (pointer, (started, _dragging, stopped, clicked)) = response.inner;
    if let (Some(slot), Some(d)) = (density_slot, density) {
        let tr = &response.transform;
        ui.painter()
            .with_clip_rect(*tr.frame())
            .set(slot, egui::Shape::mesh(d.mesh(tr, DENSITY)));
    }
    sv.last_transform = Some(response.transform);
    if started {
        sv.drag_from = pointer;
    }
    if stopped {
        if let (Some(from), Some(to)) = (sv.drag_from.take(), pointer) {
            sv.boxed = boxed_sources(t, a, layers, from, to);
        }
    }
    if clicked {
        if let Some(at) = pointer {
            let tr = &response.transform;
            let at = tr.position_from_point(&PlotPoint::new(at[0], at[1]));
            let nearest = layers
                .layers
                .iter()
                .flat_map(|l| l.points.iter().zip(&l.rows))
                .map(|(xy, r)| {
                    let pos = tr.position_from_point(&PlotPoint::new(xy[0], xy[1]));
                    (pos.distance(at), *r)
                })
                .min_by(|a, b| a.0.total_cmp(&b.0));
            match nearest {
                Some((d, r)) if d < 8.0 => {
                    if let Some(i) = a.source_of_row(t, r as usize) {
                        out.push(Command::Select(Some(i)));
                    }
                }
                _ => sv.boxed.clear(),
            }
        }
    }
    let plot_bottom = ui.cursor().top() - ui.spacing().item_spacing.y;
    let plot_rect = egui::Rect::from_x_y_ranges(ui.min_rect().x_range(), plot_top..=plot_bottom);
    ui.horizontal(|ui| {
        crate::app::png_button(ui, "scatter plot", plot_rect, out);
        let ViewState {
            scatter, blocklist, ..
        } = view;
        crate::app::widgets::block_selection_bar(
            ui,
            a,
            blocklist,
            &mut scatter.boxed,
            "Drag a box around anomalies to select their sources.",
            out,
        );
    });
}

/// What the zero strips of log axes hold: "; 1,234 with 0 bytes sent on the dashed line
/// before the first decade".
fn zeros_text(zeros: &[usize; 2], x: Field, y: Field) -> String {
    let parts: Vec<String> = [(zeros[0], x), (zeros[1], y)]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, f)| format!("{} with 0 {}", thousands(*n as u64), f.title()))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(
            "; {} on the dashed zero line before the first decade",
            parts.join(" and ")
        )
    }
}

/// The sources of the anomalous events drawn inside the box from `a` to `b`, ascending.
fn boxed_sources(
    t: &EventTable,
    an: &Analysis,
    layers: &Layers,
    a: [f64; 2],
    b: [f64; 2],
) -> Vec<usize> {
    let (x0, x1) = (a[0].min(b[0]), a[0].max(b[0]));
    let (y0, y1) = (a[1].min(b[1]), a[1].max(b[1]));
    let mut v: Vec<usize> = layers
        .layers
        .iter()
        .flat_map(|l| l.points.iter().zip(&l.rows))
        .filter(|(p, &r)| {
            an.detection.event_flagged[r as usize]
                && (x0..=x1).contains(&p[0])
                && (y0..=y1).contains(&p[1])
        })
        .filter_map(|(_, &r)| an.source_of_row(t, r as usize))
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Axis fields, scales and colouring (by label only when the files carry labels).
fn controls(ui: &mut Ui, sv: &mut ScatterView, labelled: bool) {
    ui.horizontal_wrapped(|ui| {
        for (axis, field, log) in [
            ("x", &mut sv.x, &mut sv.log_x),
            ("y", &mut sv.y, &mut sv.log_y),
        ] {
            let label = ui.label(format!("{axis} axis"));
            let before = *field;
            egui::ComboBox::from_id_salt(("scatter-axis", axis))
                .selected_text(field.title())
                .show_ui(ui, |ui| {
                    for f in Field::ALL {
                        ui.selectable_value(field, f, f.title());
                    }
                })
                .response
                .labelled_by(label.id);
            if *field != before {
                *log = field.log_by_default();
            }
            ui.checkbox(log, format!("log {axis}"));
            ui.add_space(12.0);
        }
        ui.label("Colour by");
        ui.selectable_value(&mut sv.colouring, Colouring::Verdict, "verdict");
        ui.selectable_value(
            &mut sv.colouring,
            Colouring::Confidence,
            "source confidence",
        );
        if labelled {
            ui.selectable_value(&mut sv.colouring, Colouring::Label, "label");
        } else if sv.colouring == Colouring::Label {
            sv.colouring = Colouring::Verdict;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_density_keeps_every_event_and_finds_the_bulk() {
        // Generated points: a square of 100 x 100 values, and a heap at (7, 3).
        let mut points: Vec<[f32; 2]> = (0..10_000)
            .map(|i| [(i % 100) as f32, (i / 100) as f32])
            .collect();
        points.extend(std::iter::repeat_n([7.0, 3.0], 40_000));
        let d = Density::new(&points);
        assert_eq!(d.total, 50_000);
        assert_eq!(d.counts.iter().map(|&n| n as usize).sum::<usize>(), 50_000);
        let [x, y] = d.densest();
        assert!(
            (x - 7.0).abs() <= d.dx && (y - 3.0).abs() <= d.dy,
            "{x}, {y}"
        );
        assert!(d.max >= 40_000);
    }

    #[test]
    fn scales_and_axis_texts() {
        // A tooltip's 0.0 s sat on the line labelled 1: values are log10 of themselves now,
        // zeros on a strip below the smallest value's decade.
        let s = Scale::new(true, Some(0.0007));
        assert_eq!(s.at(1000.0), 3.0);
        assert_eq!(s.at(1.0), 0.0);
        assert_eq!(s.zero_at, -4.5);
        assert_eq!(s.at(0.0), -4.5, "zeros on their own strip");
        assert_eq!(s.value(-4.5), 0.0);
        assert!((s.value(3.0) - 1000.0).abs() < 1e-9);
        let linear = Scale::new(false, None);
        assert_eq!(linear.at(-5.0), -5.0);
        assert_eq!(mark_text(Field::DestinationPort, false, 2222.5), "");
        assert_eq!(mark_text(Field::DestinationPort, false, 2222.0), "2,222");
        assert_eq!(mark_text(Field::BytesSent, true, 3.0), "1 kB");
        assert_eq!(axis_text(Field::BytesSent, 0.0), "0 B");
        assert_eq!(axis_text(Field::BytesSent, 1000.0), "1 kB");
        assert_eq!(axis_text(Field::BytesReceived, 1_520_000.0), "1.5 MB");
        assert_eq!(axis_text(Field::DestinationPort, 443.0), "443");
        assert_eq!(axis_text(Field::PacketsSent, 25_000.0), "25,000");
        assert_eq!(axis_text(Field::Duration, 2.5), "2.5");
        assert_eq!(axis_text(Field::Score, 0.456), "0.46");
    }
}

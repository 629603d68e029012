//! The bundled world: country names, the point where a country's sources are placed, and
//! the outlines the map draws (Natural Earth via world-atlas, made by `scripts/build-world`).
//!
//! Outline vertices are in Web Mercator scaled to degrees: x is the longitude, y is
//! `degrees(ln(tan(pi/4 + lat/2)))` with the latitude clamped to the projection's range, so a
//! map turns them into pixels with one scale and offset per axis.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// The largest latitude Web Mercator shows.
pub const MAX_LATITUDE: f64 = 85.051_128_78;

/// One country.
#[derive(Debug, Deserialize)]
pub struct Country {
    /// ISO 3166-1 alpha-2 code.
    pub iso: String,
    /// Common English name.
    pub name: String,
    /// Where its sources are placed when only the country is known: `[lon, lat]`, an interior
    /// point of its largest land mass.
    pub point: [f64; 2],
    /// Its outline at 1:50m (empty for the few countries only 1:10m has).
    #[serde(flatten)]
    pub fine: Outline,
    /// Its outline at 1:110m, for drawing the world zoomed out, when that scale has it.
    #[serde(default)]
    pub coarse: Option<Outline>,
}

/// A country's outline, ready to draw.
#[derive(Debug, Deserialize)]
pub struct Outline {
    /// Vertices, `x0, y0, x1, y1, ...` in Mercator degrees.
    pub vertices: Vec<f32>,
    /// Triangles filling the outline, as vertex indices.
    pub triangles: Vec<u32>,
    /// Each ring (outer boundary or hole) as a half-open range of vertex indices.
    pub rings: Vec<[u32; 2]>,
    /// The vertices' extent, `[min x, min y, max x, max y]`; empty (min above max) when there
    /// is no vertex. Computed once when the table is read.
    #[serde(skip, default = "empty_bounds")]
    pub bounds: [f32; 4],
}

fn empty_bounds() -> [f32; 4] {
    [f32::MAX, f32::MAX, f32::MIN, f32::MIN]
}

impl Outline {
    fn measure(&mut self) {
        let mut b = empty_bounds();
        for v in self.vertices.chunks_exact(2) {
            b = [
                b[0].min(v[0]),
                b[1].min(v[1]),
                b[2].max(v[0]),
                b[3].max(v[1]),
            ];
        }
        self.bounds = b;
    }
}

impl Country {
    /// Latitude and longitude of [`Country::point`].
    pub fn lat_lon(&self) -> (f64, f64) {
        (self.point[1], self.point[0])
    }

    /// The outline to draw: the coarse one when asked for and there is one, else the fine.
    pub fn outline(&self, coarse: bool) -> &Outline {
        match (&self.coarse, coarse) {
            (Some(c), true) => c,
            _ => &self.fine,
        }
    }

    /// Whether a point lies on the country's land (its coarse outline when it has one, which
    /// is cheaper to test and close enough for placing markers).
    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        let o = self.outline(true);
        let (x, y) = (lon as f32, mercator_y(lat) as f32);
        let v = |i: u32| (o.vertices[2 * i as usize], o.vertices[2 * i as usize + 1]);
        o.triangles.chunks_exact(3).any(|t| {
            let (a, b, c) = (v(t[0]), v(t[1]), v(t[2]));
            let side =
                |p: (f32, f32), q: (f32, f32)| (q.0 - p.0) * (y - p.1) - (q.1 - p.1) * (x - p.0);
            let (d1, d2, d3) = (side(a, b), side(b, c), side(c, a));
            let negative = d1 < 0.0 || d2 < 0.0 || d3 < 0.0;
            let positive = d1 > 0.0 || d2 > 0.0 || d3 > 0.0;
            !(negative && positive)
        })
    }

    /// How far (degrees) sources placed at the country point may be spread: a fraction of the
    /// country's extent around the point, so a small country's sources stay on land.
    pub fn spread_radius(&self) -> f64 {
        let [lo_x, lo_y, hi_x, hi_y] = self.fine.bounds;
        if lo_x > hi_x {
            return 0.05;
        }
        let side = f64::from((hi_x - lo_x).min(hi_y - lo_y));
        (side * 0.2).clamp(0.02, 4.0)
    }
}

#[derive(Deserialize)]
struct Document {
    source: String,
    countries: Vec<Country>,
}

/// Every country of the bundled table.
#[derive(Debug)]
pub struct World {
    /// Where the data came from.
    pub source: String,
    /// Countries sorted by ISO code.
    pub countries: Vec<Country>,
    index: HashMap<String, usize>,
}

impl World {
    /// The country with ISO code `iso` (any case).
    pub fn country(&self, iso: &str) -> Option<&Country> {
        self.index
            .get(&iso.to_ascii_uppercase())
            .map(|&i| &self.countries[i])
    }

    /// The country's common name, or the code itself when the table lacks it.
    pub fn name<'a>(&'a self, iso: &'a str) -> &'a str {
        self.country(iso).map_or(iso, |c| c.name.as_str())
    }
}

/// The bundled world table, parsed on first use.
pub fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let mut doc: Document =
            serde_json::from_str(include_str!("../../assets/world/countries.json"))
                .expect("the bundled world table parses");
        for c in &mut doc.countries {
            c.fine.measure();
            if let Some(o) = &mut c.coarse {
                o.measure();
            }
        }
        let index = doc
            .countries
            .iter()
            .enumerate()
            .map(|(i, c)| (c.iso.clone(), i))
            .collect();
        World {
            source: doc.source,
            countries: doc.countries,
            index,
        }
    })
}

/// Web Mercator y in degrees for a latitude, clamped to the projection's range.
pub fn mercator_y(lat: f64) -> f64 {
    let lat = lat.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians();
    (std::f64::consts::FRAC_PI_4 + lat / 2.0)
        .tan()
        .ln()
        .to_degrees()
}

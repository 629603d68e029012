//! Online OpenStreetMap tiles under the sources, an opt-in setting: walkers fetches them over
//! HTTPS and keeps them in a disk cache. `NETSLEUTH_TILES` names another tile server (a URL with
//! `{z}`, `{x}` and `{y}`), for an organisation's own. Where a tile has not come (offline,
//! refused, or still loading) the offline land is drawn instead, so the map never waits and
//! never shows an error.

use std::cell::RefCell;
use std::rc::Rc;

use eframe::egui;
use walkers::sources::{Attribution, OpenStreetMap, TileSource};
use walkers::{HeaderValue, HttpOptions, HttpTiles, Stats, TileId, TilePiece, Tiles};

/// The variable naming a tile server to use instead of OpenStreetMap's.
pub const TILES_ENV: &str = "NETSLEUTH_TILES";

/// A tile server named by its URL template.
struct Server(String);

impl TileSource for Server {
    fn tile_url(&self, t: TileId) -> String {
        self.0
            .replace("{z}", &t.zoom.to_string())
            .replace("{x}", &t.x.to_string())
            .replace("{y}", &t.y.to_string())
    }

    fn attribution(&self) -> Attribution {
        Attribution {
            text: "the tile server in NETSLEUTH_TILES",
            url: "",
            logo_light: None,
            logo_dark: None,
        }
    }
}

/// The tile server's tiles, and those it could not give this frame.
pub struct OnlineTiles {
    tiles: HttpTiles,
    missing: Rc<RefCell<Vec<TileId>>>,
}

impl OnlineTiles {
    /// Starts fetching through a disk cache in the user's cache folder.
    pub fn new(ctx: &egui::Context) -> OnlineTiles {
        // walkers' client takes TLS from the process's rustls provider; one is enough.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let options = HttpOptions {
            cache: directories::ProjectDirs::from("", "", "netsleuth")
                .map(|d| d.cache_dir().join("tiles")),
            // The tile usage policy asks every application to name itself.
            user_agent: Some(HeaderValue::from_static(concat!(
                "netsleuth/",
                env!("CARGO_PKG_VERSION"),
                " (network log investigation)"
            ))),
            ..HttpOptions::default()
        };
        let tiles = match std::env::var(TILES_ENV) {
            Ok(url) if !url.trim().is_empty() => {
                HttpTiles::with_options(Server(url.trim().into()), options, ctx.clone())
            }
            _ => HttpTiles::with_options(OpenStreetMap, options, ctx.clone()),
        };
        OnlineTiles {
            tiles,
            missing: Rc::default(),
        }
    }

    /// The layer for this frame's map, noting the tiles it lacks, and those tiles as they
    /// come to be known (read them once the map has drawn its layers).
    pub fn layer(&mut self) -> (Watched<'_>, Rc<RefCell<Vec<TileId>>>) {
        self.missing.borrow_mut().clear();
        let missing = Rc::clone(&self.missing);
        (
            Watched {
                tiles: &mut self.tiles,
                missing: Rc::clone(&self.missing),
            },
            missing,
        )
    }

    /// Whom the tiles are owed to.
    pub fn attribution(&self) -> Attribution {
        self.tiles.attribution()
    }

    /// Tiles being downloaded now.
    pub fn loading(&self) -> usize {
        self.tiles.stats().in_progress
    }
}

/// A tile's extent in Mercator degrees: `[west, north, east, south]`.
pub fn extent(t: TileId) -> [f32; 4] {
    let n = f64::from(1u32 << t.zoom.min(31));
    let x = |i: u32| (f64::from(i) / n * 360.0 - 180.0) as f32;
    let y = |j: u32| (180.0 - f64::from(j) / n * 360.0) as f32;
    [x(t.x), y(t.y), x(t.x + 1), y(t.y + 1)]
}

/// The tiles as a map layer, keeping the ids of those not there yet.
pub struct Watched<'a> {
    tiles: &'a mut HttpTiles,
    missing: Rc<RefCell<Vec<TileId>>>,
}

impl Tiles for Watched<'_> {
    fn at(&mut self, tile_id: TileId) -> Option<TilePiece> {
        let piece = self.tiles.at(tile_id);
        if piece.is_none() {
            self.missing.borrow_mut().push(tile_id);
        }
        piece
    }

    fn attribution(&self) -> Attribution {
        self.tiles.attribution()
    }

    fn tile_size(&self) -> u32 {
        self.tiles.tile_size()
    }

    fn stats(&self) -> Stats {
        self.tiles.stats()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_cover_the_mercator_square() {
        let whole = extent(TileId {
            x: 0,
            y: 0,
            zoom: 0,
        });
        assert_eq!(whole, [-180.0, 180.0, 180.0, -180.0]);
        // Zoom 1, bottom right: the south-east quarter.
        let quarter = extent(TileId {
            x: 1,
            y: 1,
            zoom: 1,
        });
        assert_eq!(quarter, [0.0, 0.0, 180.0, -180.0]);
    }
}

//! Online map tiles that do not come say so (a test binary of its own: the tile server is named
//! by the process's environment). The tile server here is a port on 127.0.0.1 nothing listens
//! on, as when the machine is offline: the map draws the bundled outlines and names the tiles
//! that did not come, instead of failing silently.

mod window;

use window::*;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use egui_kittest::kittest::Queryable;
use netsleuth::app::{Command, Tab};

const COWRIE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/honeypot/cowrie/cowrie.json.2018-05-06"
);

#[test]
fn tiles_that_do_not_come_are_named_and_the_outlines_drawn() {
    // A port nothing listens on: every request is refused at once.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    std::env::set_var(
        "NETSLEUTH_TILES",
        format!("http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png"),
    );
    let cache = tempfile::tempdir().unwrap();
    std::env::set_var("XDG_CACHE_HOME", cache.path());
    let mut h = harness(PathBuf::from(COWRIE));
    let deadline = Instant::now() + Duration::from_secs(60);
    while h.state().as_ref().is_none_or(|a| a.analysis().is_none()) {
        assert!(Instant::now() < deadline, "the log was not judged in time");
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    let prefs = netsleuth::session::MapPrefs {
        online_tiles: true,
        ..h.state().as_ref().unwrap().view().map.prefs.clone()
    };
    h.state_mut()
        .as_mut()
        .unwrap()
        .send(Command::SetMapPrefs(prefs));
    h.state_mut()
        .as_mut()
        .unwrap()
        .send(Command::Show(Tab::Map));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        h.step();
        if h.query_by_label_contains("did not come").is_some() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the map never said its tiles did not come"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        h.state()
            .as_ref()
            .unwrap()
            .view()
            .map
            .tiles_missing()
            .unwrap_or(0)
            > 0,
        "tiles are missing"
    );
}

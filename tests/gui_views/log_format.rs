//! An access log of another layout in the real window: the real hackers' access log rewritten
//! by this test into an nginx layout that starts with the ISO time (the lines' values are the
//! real ones; only their order and the time's spelling change) cannot be read by itself; the
//! Files view takes the layout's format string and reads the file again with it, every line.

use super::window::*;

use egui_kittest::kittest::Queryable;

const LAYOUT: &str = r#"$time_iso8601 $remote_addr "$request" $status $body_bytes_sent"#;

#[test]
fn the_files_view_reads_a_log_again_through_its_format_string() {
    let raw = std::fs::read_to_string(data("web-access-logs/hackers-access.log")).unwrap();
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let mut rewritten = String::new();
    for line in raw.lines() {
        // 195.154.46.135 - - [25/Oct/2015:04:11:25 +0100] "GET /x HTTP/1.1" 200 24323 ...
        let (client, rest) = line.split_once(" - - [").unwrap();
        let (time, rest) = rest.split_once("] \"").unwrap();
        let (request, rest) = rest.split_once("\" ").unwrap();
        let mut tail = rest.split(' ');
        let (status, bytes) = (tail.next().unwrap(), tail.next().unwrap());
        let (d, m, y) = (&time[0..2], &time[3..6], &time[7..11]);
        let mo = months.iter().position(|x| *x == m).unwrap() + 1;
        let (clock, zone) = (&time[12..20], &time[21..]);
        let iso = format!("{y}-{mo:02}-{d}T{clock}{}:{}", &zone[..3], &zone[3..]);
        rewritten.push_str(&format!("{iso} {client} \"{request}\" {status} {bytes}\n"));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("iso-first.log");
    std::fs::write(&path, rewritten).unwrap();

    let mut h = harness(path);
    settle(&mut h);
    h.get_by_label("Files").click();
    h.run();
    assert!(h.query_by_label_contains("could not be read").is_some());
    let field = h.get_by_role_and_label(
        eframe::egui::accesskit::Role::TextInput,
        "Access-log layout",
    );
    field.focus();
    field.type_text(LAYOUT);
    h.run();
    h.get_by_label("Read again with it").click();
    h.run();
    settle(&mut h);
    let inv = app(&h).investigation().unwrap();
    assert!(inv.failures.is_empty(), "{:?}", inv.failures);
    assert_eq!(inv.table.len(), 3456);
    assert_eq!(inv.distinct_sources(), 520);
    assert_eq!(inv.files[0].skips.total(), 0);
}

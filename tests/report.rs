//! The incident report: `netsleuth report` on every real log sample; on a real access log with
//! hostile lines added, no markup from the log comes alive in the HTML or the Markdown; the
//! HTML prints to PDF in headless Chromium (network off) and every page has content.

mod real_data;

use std::path::{Path, PathBuf};
use std::process::Command;

fn netsleuth(args: &[&std::ffi::OsStr], cache: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_netsleuth"))
        .args(args)
        .env("NETSLEUTH_CACHE_DIR", cache)
        .env("NETSLEUTH_GEOIP", "")
        .output()
        .unwrap()
}

/// Requests an attacker could make, with markup in the path, the referrer and the user agent.
const HOSTILE: &[&str] = &[
    r#"203.0.113.66 - - [26/Oct/2015:10:00:01 +0100] "GET /<script>alert(1)</script>/../../etc/passwd HTTP/1.1" 404 200 "javascript:alert(2)" "<img src=x onerror=alert(3)>""#,
    r#"203.0.113.66 - - [26/Oct/2015:10:00:02 +0100] "GET /wp-login.php?x=</style><script>alert(4)</script> HTTP/1.1" 404 200 "-" "</style><svg onload=alert(5)>""#,
    r#"203.0.113.66 - - [26/Oct/2015:10:00:03 +0100] "GET /=cmd|' /C calc'!A0 HTTP/1.1" 404 200 "-" "@SUM(1+1)*cmd|' /C calc'!A0""#,
    r#"203.0.113.66 - - [26/Oct/2015:10:00:04 +0100] "GET /phpmyadmin/<a href=javascript:alert(6)>x</a> HTTP/1.1" 404 200 "-" "sqlmap/1.0""#,
];

/// The tags the report writes: any other `<` in it would be markup from a log.
const OURS: &[&str] = &[
    "!DOCTYPE", "html", "head", "meta", "title", "style", "body", "section", "h1", "h2", "h3", "p",
    "div", "span", "strong", "ul", "li", "table", "tr", "th", "td", "svg", "rect", "line", "text",
    "path", "circle",
];

fn hostile_log(dir: &Path) -> PathBuf {
    let real =
        std::fs::read_to_string(real_data::data("web-access-logs/hackers-access.log")).unwrap();
    let mut text: String = real.lines().take(1500).collect::<Vec<_>>().join("\n");
    for _ in 0..6 {
        for h in HOSTILE {
            text.push('\n');
            text.push_str(h);
        }
    }
    text.push('\n');
    let path = dir.join("hackers-with-hostile-lines.log");
    std::fs::write(&path, text).unwrap();
    path
}

/// Every `<` of the HTML opens one of our tags, no attribute is an event handler, nothing
/// links anywhere; the hostile text is there, escaped.
#[test]
fn hostile_log_text_stays_text_in_the_html_and_markdown() {
    let dir = tempfile::tempdir().unwrap();
    let log = hostile_log(dir.path());
    let html = dir.path().join("report.html");
    let o = netsleuth(
        &[
            "report".as_ref(),
            log.as_os_str(),
            "--out".as_ref(),
            html.as_os_str(),
        ],
        &dir.path().join("cache"),
    );
    assert!(o.status.success(), "{o:?}");
    let text = std::fs::read_to_string(&html).unwrap();
    for (i, _) in text.match_indices('<') {
        let tag: String = text[i + 1..]
            .chars()
            .skip_while(|c| *c == '/')
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '!')
            .collect();
        assert!(
            OURS.contains(&tag.as_str()),
            "live markup `{}`",
            &text[i..(i + 60).min(text.len())]
        );
        // Our tags' attributes (values are always quoted, a quote in one is escaped): no
        // event handler, link or resource.
        let inside = text[i..i + text[i..].find('>').unwrap()].to_lowercase();
        for (at, _) in inside.match_indices("=\"") {
            let name: String = inside[..at]
                .chars()
                .rev()
                .take_while(|c| !c.is_whitespace())
                .collect::<String>()
                .chars()
                .rev()
                .collect();
            assert!(
                !name.starts_with("on") && !["href", "src", "action"].contains(&name.as_str()),
                "attribute {name} in {inside}"
            );
        }
        assert!(
            !inside.contains("javascript:") && !inside.contains("url("),
            "{inside}"
        );
    }
    // The attacker's requests reached the report, as text.
    assert!(
        text.contains("203.0.113.66"),
        "the hostile source is in the report"
    );
    assert!(
        text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the hostile request is quoted, escaped"
    );

    let md = dir.path().join("report.md");
    let o = netsleuth(
        &[
            "report".as_ref(),
            log.as_os_str(),
            "--out".as_ref(),
            md.as_os_str(),
        ],
        &dir.path().join("cache"),
    );
    assert!(o.status.success(), "{o:?}");
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(!text.contains('<'), "raw markup in the Markdown");
    assert!(
        text.contains("&lt;script&gt;"),
        "the hostile request is quoted, escaped"
    );
    for chart in ["report-timeline.svg", "report-map.svg"] {
        let svg = std::fs::read_to_string(dir.path().join(chart)).unwrap();
        assert!(svg.starts_with("<svg"), "{chart}");
        assert!(text.contains(&format!("]({chart})")), "{chart} is linked");
    }
}

/// Headless Chromium, with every network request refused, prints the report of the real
/// Suricata sample to PDF; pdftoppm turns its pages into images, each with content.
#[test]
fn the_report_prints_to_pdf_in_headless_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("eve.html");
    let o = netsleuth(
        &[
            "report".as_ref(),
            real_data::data("honeypot/suricata/eve.json").as_os_str(),
            "--out".as_ref(),
            html.as_os_str(),
        ],
        &dir.path().join("cache"),
    );
    assert!(o.status.success(), "{o:?}");
    let pdf = dir.path().join("eve.pdf");
    let chromium = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--proxy-server=127.0.0.1:9",
        ])
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .env("HOME", dir.path())
        .output()
        .expect("chromium is installed (scripts/install-deps)");
    assert!(chromium.status.success(), "{chromium:?}");
    let pages = dir.path().join("page");
    let o = Command::new("pdftoppm")
        .args(["-r", "40", "-png"])
        .arg(&pdf)
        .arg(&pages)
        .output()
        .expect("pdftoppm is installed (scripts/install-deps)");
    assert!(o.status.success(), "{o:?}");
    let mut count = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "png") {
            count += 1;
            let img = image::open(&p).unwrap().to_luma8();
            let inked = img.pixels().filter(|p| p.0[0] < 200).count();
            assert!(
                inked * 200 > img.pixels().len(),
                "{} is nearly blank ({inked} dark pixels)",
                p.display()
            );
        }
    }
    assert!(count >= 5, "{count} pages");
}

/// `netsleuth report` succeeds on every real log sample of the shared data.
#[test]
fn a_report_is_made_from_every_real_sample() {
    let dir = tempfile::tempdir().unwrap();
    let root = real_data::data("");
    let mut made = 0;
    for folder in [
        "aws-vpc-flow-logs",
        "cic-ids2017",
        "cloudwatch",
        "honeypot/cowrie",
        "honeypot/dionaea",
        "honeypot/suricata",
        "iot-23",
        "kddcup99",
        "nsl-kdd",
        "unsw-nb15",
        "web-access-logs",
        "zeek",
    ] {
        for entry in std::fs::read_dir(root.join(folder)).unwrap() {
            let log = entry.unwrap().path();
            let name = log.file_name().unwrap().to_string_lossy().to_lowercase();
            if name.starts_with("readme") || name.ends_with(".md") || name.starts_with("license") {
                continue;
            }
            let out = dir.path().join(format!("{made}.html"));
            let o = netsleuth(
                &[
                    "report".as_ref(),
                    log.as_os_str(),
                    "--out".as_ref(),
                    out.as_os_str(),
                ],
                &dir.path().join("cache"),
            );
            assert!(
                o.status.code().is_some_and(|c| c == 0 || c == 2),
                "{}: {o:?}",
                log.display()
            );
            let html = std::fs::read_to_string(&out).unwrap();
            assert!(html.contains("Incident report: "), "{}", log.display());
            made += 1;
        }
    }
    assert!(made >= 20, "{made} reports");
}

//! The blocklist on disk and from detection: migration of a real `decisions.json` written by
//! netsleuth 0.1 (tests/fixtures/decisions-0.1.json, saved by that version's DecisionBook),
//! damaged files left alone, a save killed midway, proposals from the real Cowrie log, and
//! merging with its preview.

mod real_data;

use std::net::IpAddr;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use netsleuth::blocklist::{
    self, accept, guardrails, merge_edit, plan_list, proposals, reject, Blocklist, Entry, History,
    Limits, Origin, SourceFact,
};
use netsleuth::detection::{detect, DetectionSettings};

const OLD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/decisions-0.1.json"
);

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn an_old_decisions_file_is_migrated_with_nothing_lost() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("decisions.json");
    std::fs::copy(OLD, &old).unwrap();
    let loaded = blocklist::load(dir.path()).unwrap();
    let list = &loaded.list;
    let nets: Vec<String> = list.entries.iter().map(|e| e.net.to_string()).collect();
    assert_eq!(
        nets,
        ["111.73.46.18/32", "195.3.147.49/32", "185.222.209.108/32"],
        "the IPv4-mapped block is written as IPv4"
    );
    assert!(list.entries.iter().all(|e| e.origin == Origin::Migrated));
    let allowed: Vec<String> = list.allowlist.iter().map(|a| a.net.to_string()).collect();
    assert_eq!(allowed, ["105.112.17.97/32", "192.168.1.10/32"]);
    assert_eq!(
        list.reviewed.iter().collect::<Vec<_>>(),
        [&ip("193.201.224.206")]
    );
    assert!(
        loaded
            .migrated
            .as_deref()
            .unwrap()
            .ends_with("3 blocked, 2 allowed, 1 reviewed"),
        "{:?}",
        loaded.migrated
    );
    // The old file stays as it was; once saved, the new file is what loads.
    blocklist::save(list, dir.path()).unwrap();
    assert_eq!(std::fs::read(&old).unwrap(), std::fs::read(OLD).unwrap());
    let again = blocklist::load(dir.path()).unwrap();
    assert_eq!(again.migrated, None);
    assert_eq!(&again.list, list);
    let coverage = again.list.coverage();
    assert_eq!(
        again.list.decision(&coverage, ip("::ffff:185.222.209.108")),
        Some(blocklist::Decision::Block)
    );
}

#[test]
fn a_damaged_file_is_reported_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = blocklist::blocklist_path(dir.path());
    for bytes in [
        &b"{\"version\": 1, \"entries\": [{\"net\": \"1.2.3.4/32\""[..],
        b"{\"version\": 1, \"entries\": [{\"net\": \"1.2.3.4/24\", \"action\": \"block\", \"origin\": \"manual\", \"added_at\": 0}]}",
        b"{\"version\": 9, \"entries\": []}",
    ] {
        std::fs::write(&path, bytes).unwrap();
        let err = blocklist::load(dir.path()).unwrap_err();
        assert!(err.contains(&path.display().to_string()), "{err}");
        assert!(err.contains("left as it is"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
    }
}

/// The list the killed child saves over and over: large, so that a save takes a while.
fn large_list() -> Blocklist {
    let mut list = Blocklist::default();
    for i in 0..200_000u32 {
        let a = std::net::Ipv4Addr::from(0x0b00_0000 + i);
        list.entries.push(Entry::new(
            ipnet::IpNet::from(IpAddr::V4(a)),
            Origin::Import,
            "generated to make a save slow",
        ));
    }
    list
}

/// Run only as the child of `a_save_killed_midway_leaves_the_previous_list_intact`.
#[test]
#[ignore = "the child process of a_save_killed_midway_leaves_the_previous_list_intact"]
fn save_forever_until_killed() {
    let dir = std::env::var("NETSLEUTH_SAVE_DIR").expect("run by the kill test");
    let list = large_list();
    loop {
        blocklist::save(&list, Path::new(&dir)).unwrap();
    }
}

#[test]
fn a_save_killed_midway_leaves_the_previous_list_intact() {
    let dir = tempfile::tempdir().unwrap();
    let mut before = Blocklist::default();
    before.entries.push(Entry::new(
        "111.73.46.18/32".parse().unwrap(),
        Origin::Manual,
        "logged in and ran wget",
    ));
    blocklist::save(&before, dir.path()).unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "save_forever_until_killed",
            "--nocapture",
        ])
        .env("NETSLEUTH_SAVE_DIR", dir.path())
        .spawn()
        .unwrap();
    // Wait until a save is under way: its temporary file exists and is growing.
    let start = Instant::now();
    let partial = loop {
        let found = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.to_string_lossy().ends_with(".partial"));
        if let Some(p) = found.filter(|p| std::fs::metadata(p).is_ok_and(|m| m.len() > 0)) {
            break p;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "no save started");
        std::thread::sleep(Duration::from_millis(2));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    let after = blocklist::load(dir.path()).unwrap().list;
    assert!(
        after == before || after == large_list(),
        "the saved list is neither the old one nor a complete new one"
    );
    assert!(partial.exists() || after == large_list());
}

fn cowrie_detection() -> netsleuth::detection::Detection {
    let (t, report) = real_data::read("honeypot/cowrie/cowrie.json.2018-05-19");
    let mut settings = DetectionSettings {
        cache_dir: None,
        ..DetectionSettings::default()
    };
    settings.features = settings.features.resolve(&[report.format]);
    detect(&t, &settings, &AtomicBool::new(false)).unwrap()
}

#[test]
fn proposals_wait_for_the_analyst_and_rejections_stick() {
    let d = cowrie_detection();
    let mut list = Blocklist::default();
    let mut history = History::default();
    let first = proposals(&d, &list);
    assert!(first.len() >= 3, "{} proposals", first.len());
    assert_eq!(first[0].ip, ip("111.73.46.18"));
    assert_eq!(first[0].severity, Some("critical"));
    assert!(first
        .iter()
        .all(|p| list.entries.is_empty() && p.confidence >= 70.0));
    // Reject the last, accept the rest: nothing is proposed again.
    let (keep, rejected) = first.split_at(first.len() - 1);
    let edit = reject(&list, rejected);
    history.apply(&mut list, edit);
    history.apply(&mut list, accept(keep));
    assert!(proposals(&d, &list).is_empty());
    let entry = list.entry(&"111.73.46.18/32".parse().unwrap()).unwrap();
    assert_eq!(entry.origin, Origin::Detection);
    assert!(entry.reason.contains("wget"), "{}", entry.reason);
    assert_eq!(entry.confidence, Some(first[0].confidence));
    // Undo the acceptance: they are proposed again, the rejected one still not.
    history.undo(&mut list);
    assert_eq!(proposals(&d, &list).len(), keep.len());
    history.redo(&mut list);
    assert!(proposals(&d, &list).is_empty());
}

#[test]
fn guardrails_name_unflagged_cowrie_sources() {
    let d = cowrie_detection();
    let facts: Vec<SourceFact> = d
        .sources
        .iter()
        .map(|v| SourceFact {
            ip: v.stats.ip,
            events: v.stats.events,
            flagged: v.proposed_block || !v.findings.is_empty(),
            labelled: 0,
            benign: 0,
        })
        .collect();
    let quiet = facts
        .iter()
        .find(|f| !f.flagged)
        .expect("an unflagged source");
    let net = ipnet::IpNet::new(quiet.ip, 8).unwrap().trunc();
    let warnings = guardrails(&Blocklist::default(), &net, &facts);
    let text: Vec<String> = warnings.iter().map(ToString::to_string).collect();
    assert!(text.iter().any(|w| w.starts_with("very broad")), "{text:?}");
    assert!(
        text.iter()
            .any(|w| w.contains("detection did not flag") && w.contains(&quiet.ip.to_string())),
        "{text:?}"
    );
    let intruder = ipnet::IpNet::from(ip("111.73.46.18"));
    assert!(guardrails(&Blocklist::default(), &intruder, &facts).is_empty());
}

#[test]
fn merging_previews_then_applies_and_undoes() {
    let mut list = Blocklist::default();
    for s in ["185.222.209.108", "185.222.209.151", "195.3.147.49"] {
        list.entries.push(Entry::new(
            format!("{s}/32").parse().unwrap(),
            Origin::Manual,
            format!("source {s}"),
        ));
    }
    let exact = plan_list(&list, Limits::default());
    assert!(exact.merges.is_empty(), "no two are adjacent");
    let sparse = plan_list(
        &list,
        Limits {
            widen: true,
            ..Limits::default()
        },
    );
    assert!(
        sparse.merges.is_empty(),
        "2 of a /24's 256 addresses are sparser than 1 in 8"
    );
    let wide = plan_list(
        &list,
        Limits {
            widen: true,
            per_listed: 128,
            ..Limits::default()
        },
    );
    assert_eq!(wide.merges.len(), 1);
    assert_eq!(wide.merges[0].into.to_string(), "185.222.209.0/24");
    assert_eq!(wide.merges[0].extra, 254);
    assert_eq!((wide.before, wide.after), (3, 2));
    let mut history = History::default();
    let before = list.clone();
    let edit = merge_edit(&list, &wide);
    history.apply(&mut list, edit);
    let nets: Vec<String> = list.entries.iter().map(|e| e.net.to_string()).collect();
    assert_eq!(nets, ["195.3.147.49/32", "185.222.209.0/24"]);
    let merged = &list.entries[1];
    assert_eq!(
        merged.reason,
        "source 185.222.209.108; source 185.222.209.151"
    );
    assert_eq!(
        merged.note,
        "merged from 185.222.209.108/32, 185.222.209.151/32"
    );
    history.undo(&mut list);
    let mut a = list.entries.clone();
    let mut b = before.entries.clone();
    a.sort_by_key(|e| e.net);
    b.sort_by_key(|e| e.net);
    assert_eq!(a, b);
}

/// A random entry for the aggregation check: hosts and small networks in a routed /16, a few
/// wide networks, neighbours of the CGNAT and IPv6 documentation ranges; two actions, three
/// expiries (none, past, future) and two directions.
fn random_entry(rng: &mut impl rand::Rng, now: i64) -> Entry {
    let net: ipnet::IpNet = match rng.gen_range(0..10) {
        0..=5 => format!(
            "91.1.{}.{}/{}",
            rng.gen_range(0..4),
            rng.gen_range(0..=255),
            rng.gen_range(26..=32)
        ),
        6 => format!("94.{}.0.0/{}", rng.gen_range(0..8), rng.gen_range(14..=18)),
        7 => format!("100.63.255.{}/32", rng.gen_range(0..=255)),
        8 => format!("2001:db7:ffff:ffff::{:x}/128", rng.gen_range(0..64)),
        _ => format!(
            "2a01:4f8::{:x}/{}",
            rng.gen_range(0..256),
            rng.gen_range(120..=128)
        ),
    }
    .parse::<ipnet::IpNet>()
    .unwrap()
    .trunc();
    let mut e = Entry::new(net, Origin::Import, "");
    e.action = [blocklist::Action::Block, blocklist::Action::Monitor][rng.gen_range(0..2)];
    e.expires_at = [None, Some(now - 100), Some(now + 10_000)][rng.gen_range(0..3)];
    e.direction = [
        blocklist::Direction::Inbound,
        blocklist::Direction::Outbound,
    ][usize::from(rng.gen_bool(0.2))];
    e
}

fn kinds(list: &Blocklist) -> Vec<serde_json::Value> {
    list.entries
        .iter()
        .map(|e| {
            serde_json::json!([
                e.net.to_string(),
                e.action.name(),
                e.expires_at,
                e.direction.name()
            ])
        })
        .collect()
}

/// Aggregation and widening of 300 random lists (allowlists, expiries, actions, directions,
/// limits and density bounds drawn at random) keep every entry's addresses, action, expiry and
/// direction, and never reach an allowlisted or reserved address, as Python's ipaddress
/// judges them (tests/blocklist_check/aggregation.py).
#[test]
fn aggregation_agrees_with_python_ipaddress_on_random_lists() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(36);
    let now = blocklist::now();
    let mut cases = Vec::new();
    let mut merged = 0;
    for _ in 0..300 {
        let mut list = Blocklist {
            entries: (0..rng.gen_range(2..60))
                .map(|_| random_entry(&mut rng, now))
                .collect(),
            ..Blocklist::default()
        };
        for _ in 0..rng.gen_range(0..4) {
            let net = format!("91.1.{}.{}/32", rng.gen_range(0..4), rng.gen_range(0..=255));
            list.allowlist.push(blocklist::AllowEntry {
                net: net.parse().unwrap(),
                note: String::new(),
                added_at: now,
            });
        }
        blocklist::admit_saved(&mut list);
        let limits = Limits {
            v4: rng.gen_range(8..=28),
            v6: rng.gen_range(100..=124),
            widen: rng.gen_bool(0.5),
            per_listed: [1, 2, 8, 64, 4096][rng.gen_range(0..5)],
        };
        let before = kinds(&list);
        let plan = plan_list(&list, limits);
        merged += plan.merges.len();
        let edit = merge_edit(&list, &plan);
        list.apply(edit);
        cases.push(serde_json::json!({
            "limits": {"v4": limits.v4, "v6": limits.v6, "widen": limits.widen,
                       "per_listed": limits.per_listed},
            "allow": list.allowlist.iter().map(|a| a.net.to_string()).collect::<Vec<_>>(),
            "before": before,
            "after": kinds(&list),
        }));
    }
    assert!(merged > 300, "the lists give merges to check: {merged}");
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/blocklist_check/aggregation.py"
    );
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs (its standard library's ipaddress is the reference)");
    serde_json::to_writer(child.stdin.take().unwrap(), &cases).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "the check itself failed");
    let problems = String::from_utf8_lossy(&out.stdout);
    assert!(problems.is_empty(), "{problems}");
}

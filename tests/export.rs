//! Blocklist exports fed to the real consumers (nginx -t, apache2 -t, nft -c, ipset and
//! iptables-restore in a network namespace, haproxy -c, botocore, cfn-lint, python-hcl2, the
//! Azure and Google client models) through `tests/validators/check`, which
//! `scripts/install-validators` sets up. The limits are tested at their edges on generated
//! address lists (named as such); the end-to-end test runs on the real Cowrie logs.

mod real_data;

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Command;

use ipnet::IpNet;
use netsleuth::blocklist::{Direction, Entry, Origin};
use netsleuth::export::{render, write, Format, Options, Output, Syntax};

const CHECK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/validators/check");
const BIN: &str = env!("CARGO_BIN_EXE_netsleuth");

/// Runs the real consumer of `format` on `path`; the error output when it refuses.
fn consumer(format: &str, path: &Path) -> Result<(), String> {
    let out = Command::new(CHECK)
        .arg(format)
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {CHECK}: {e} (run scripts/install-validators)"));
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn accepted(format: &str, path: &Path) {
    if let Err(e) = consumer(format, path) {
        panic!("{format}: {} refused:\n{e}", path.display());
    }
}

/// Generated hosts 11.x.y.z (a routed, unreserved range), `n` of them: not real data, only
/// addresses to fill a list to a limit.
fn generated_hosts(n: usize) -> Vec<Entry> {
    (0..n as u32)
        .map(|i| {
            let ip = Ipv4Addr::from(u32::from(Ipv4Addr::new(11, 0, 0, 1)) + i);
            Entry::new(
                IpNet::from(std::net::IpAddr::V4(ip)),
                Origin::Manual,
                "generated",
            )
        })
        .collect()
}

fn entries(list: &[&str], reason: &str) -> Vec<Entry> {
    list.iter()
        .map(|s| {
            Entry::new(
                netsleuth::blocklist::parse_net(s).unwrap(),
                Origin::Manual,
                reason,
            )
        })
        .collect()
}

fn opts(syntax: Syntax) -> Options {
    Options {
        investigation: "tests/export.rs".into(),
        syntax,
        ..Options::default()
    }
}

/// Renders and writes `entries` as `format` in `dir`; the output and its path.
fn export_to(dir: &Path, format: Format, syntax: Syntax, entries: &[Entry]) -> (Output, PathBuf) {
    let output = render(format, entries, &opts(syntax)).unwrap();
    let path = dir.join(format.default_name(syntax));
    write(format, &output, &path).unwrap();
    (output, path)
}

/// Every format with every syntax it has.
fn every_export() -> Vec<(Format, Syntax)> {
    Format::ALL
        .iter()
        .flat_map(|f| f.syntaxes().iter().map(move |s| (*f, *s)))
        .collect()
}

fn text_of(output: &Output) -> String {
    output
        .files
        .iter()
        .map(|f| String::from_utf8_lossy(&f.bytes).to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn hostile_reasons_never_change_what_a_file_means() {
    let reason = "GET /x\n}\ndeny all;\n*/ \"quoted\" 'single' `tick` $(reboot) ${var} %{x} </RequireAll> \\ \u{202e}end";
    let list = entries(
        &[
            "111.73.46.18/32",
            "195.178.188.64/29",
            "2a01:4f8:c17:1::/64",
        ],
        reason,
    );
    let dir = tempfile::tempdir().unwrap();
    for (format, syntax) in every_export() {
        let (output, path) = export_to(dir.path(), format, syntax, &list);
        accepted(format.id(), &path);
        let text = text_of(&output);
        assert!(
            !text.contains("\ndeny all;"),
            "{}: a reason broke out",
            format.id()
        );
        assert!(
            !text.contains('\u{202e}'),
            "{}: a bidi control kept",
            format.id()
        );
    }
    let (output, _) = export_to(dir.path(), Format::Nginx, Syntax::Native, &list);
    let text = text_of(&output);
    let denies: Vec<&str> = text.lines().filter(|l| l.starts_with("deny ")).collect();
    assert_eq!(
        denies,
        [
            "deny 111.73.46.18;",
            "deny 195.178.188.64/29;",
            "deny 2a01:4f8:c17:1::/64;"
        ]
    );
}

#[test]
fn aws_sets_split_past_10000_addresses() {
    let dir = tempfile::tempdir().unwrap();
    let (output, path) = export_to(
        dir.path(),
        Format::AwsWafCli,
        Syntax::Native,
        &generated_hosts(10_000),
    );
    accepted("aws-waf-cli", &path);
    let names: Vec<&str> = output.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "netsleuth-blocklist-ipv4.json",
            "web-acl-rules.json",
            "README.txt"
        ]
    );
    let dir = tempfile::tempdir().unwrap();
    let (output, path) = export_to(
        dir.path(),
        Format::AwsWafCli,
        Syntax::Native,
        &generated_hosts(10_001),
    );
    accepted("aws-waf-cli", &path);
    let names: Vec<&str> = output.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "netsleuth-blocklist-ipv4-1.json",
            "netsleuth-blocklist-ipv4-2.json",
            "web-acl-rules.json",
            "README.txt"
        ]
    );
    let second: serde_json::Value = serde_json::from_slice(&output.files[1].bytes).unwrap();
    assert_eq!(second["Addresses"], serde_json::json!(["11.0.39.17/32"]));
    assert!(output
        .notes
        .iter()
        .any(|n| n.contains("split into 2 IP sets")));
    for syntax in [Syntax::Yaml, Syntax::Json] {
        let (_, path) = export_to(
            dir.path(),
            Format::AwsWafCloudFormation,
            syntax,
            &generated_hosts(10_001),
        );
        accepted("aws-waf-cloudformation", &path);
    }
    let (_, path) = export_to(
        dir.path(),
        Format::AwsWafTerraform,
        Syntax::Native,
        &generated_hosts(10_001),
    );
    accepted("aws-waf-terraform", &path);
}

/// Hosts whose Cloudflare expression is exactly 4,096 characters (263 of 14 characters, 10
/// of 13), and with one character more when `longer`.
fn expression_hosts(longer: bool) -> Vec<Entry> {
    let mut out = Vec::new();
    for i in 0..263u32 {
        out.push(format!("11.100.{}.{}", 100 + i / 100, 100 + i % 100));
    }
    for i in 0..10u32 {
        let last = if longer && i == 0 { 199 } else { 10 + i };
        out.push(format!("11.101.100.{last}"));
    }
    let list: Vec<&str> = out.iter().map(String::as_str).collect();
    entries(&list, "generated")
}

#[test]
fn cloudflare_expressions_split_past_4096_characters() {
    let dir = tempfile::tempdir().unwrap();
    let (output, path) = export_to(
        dir.path(),
        Format::CloudflareExpression,
        Syntax::Native,
        &expression_hosts(false),
    );
    accepted("cloudflare-expression", &path);
    let text = text_of(&output);
    assert_eq!(text.lines().count(), 1);
    assert_eq!(text.lines().next().unwrap().len(), 4096);
    let (output, path) = export_to(
        dir.path(),
        Format::CloudflareExpression,
        Syntax::Native,
        &expression_hosts(true),
    );
    accepted("cloudflare-expression", &path);
    let text = text_of(&output);
    assert_eq!(text.lines().count(), 2);
    assert!(text
        .lines()
        .all(|l| l.len() <= 4096 && l.starts_with("ip.src in {")));
}

#[test]
fn cloudflare_splits_what_it_does_not_accept() {
    let dir = tempfile::tempdir().unwrap();
    // 5.0.0.0/8 is one of 4.0.0.0/7's halves: listed once, as the validator demands.
    let list = entries(&["2a00::/8", "4.0.0.0/7", "5.0.0.0/8"], "broad");
    for format in [
        Format::CloudflareList,
        Format::CloudflareCsv,
        Format::CloudflareExpression,
    ] {
        let (output, path) = export_to(dir.path(), format, Syntax::Native, &list);
        accepted(format.id(), &path);
        assert!(
            output
                .notes
                .iter()
                .any(|n| n.contains("2a00::/8 into 16 /12") && n.contains("4.0.0.0/7 into 2 /8")),
            "{:?}",
            output.notes
        );
        assert!(output
            .notes
            .contains(&"networks inside another item left out: 1".to_string()));
        assert_eq!(output.count, 3);
    }
    let (output, _) = export_to(dir.path(), Format::CloudflareList, Syntax::Native, &list);
    let items: Vec<serde_json::Value> = serde_json::from_slice(&output.files[0].bytes).unwrap();
    assert_eq!(items.len(), 18);
}

fn rule_count(output: &Output, key: &str) -> usize {
    let v: serde_json::Value = serde_json::from_slice(&output.files[0].bytes).unwrap();
    match key {
        "" => v.as_array().unwrap().len(),
        k => v[k].as_array().unwrap().len(),
    }
}

#[test]
fn cloud_armor_rules_hold_ten_ranges() {
    let dir = tempfile::tempdir().unwrap();
    for (n, rules) in [(10, 1), (11, 2)] {
        for syntax in Format::CloudArmor.syntaxes() {
            let (output, path) =
                export_to(dir.path(), Format::CloudArmor, *syntax, &generated_hosts(n));
            accepted("cloud-armor", &path);
            if *syntax == Syntax::Json {
                assert_eq!(
                    rule_count(&output, "rules"),
                    rules + 1,
                    "{n} ranges (and the default rule)"
                );
            }
            if *syntax == Syntax::Shell {
                assert_eq!(text_of(&output).matches("rules create").count(), rules);
            }
        }
    }
}

#[test]
fn azure_rules_split_at_their_limits_and_refuse_past_100() {
    let dir = tempfile::tempdir().unwrap();
    for (format, per) in [
        (Format::AzureWafAppGw, 540),
        (Format::AzureWafFrontDoor, 600),
    ] {
        for (n, rules) in [(per, 1), (per + 1, 2), (per * 100, 100)] {
            let (output, path) = export_to(dir.path(), format, Syntax::Native, &generated_hosts(n));
            accepted(format.id(), &path);
            assert_eq!(rule_count(&output, ""), rules, "{} with {n}", format.id());
        }
        let err = render(
            format,
            &generated_hosts(per * 100 + 1),
            &opts(Syntax::Native),
        )
        .unwrap_err();
        assert!(err.contains("more than the 100 a policy holds"), "{err}");
    }
}

fn priorities(output: &Output, key: &str) -> Vec<u64> {
    let v: serde_json::Value = serde_json::from_slice(&output.files[0].bytes).unwrap();
    let rules = if key.is_empty() { &v } else { &v[key] };
    rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["priority"].as_u64().unwrap())
        .collect()
}

#[test]
fn azure_priorities_start_where_asked_and_stay_in_range() {
    let dir = tempfile::tempdir().unwrap();
    for (format, per) in [
        (Format::AzureWafAppGw, 540),
        (Format::AzureWafFrontDoor, 600),
    ] {
        let hosts = generated_hosts(per * 3);
        let output = render(format, &hosts, &opts(Syntax::Native)).unwrap();
        assert_eq!(priorities(&output, ""), [1, 2, 3]);
        let moved = Options {
            first_priority: Some(40),
            ..opts(Syntax::Native)
        };
        let output = render(format, &hosts, &moved).unwrap();
        assert_eq!(priorities(&output, ""), [40, 41, 42]);
        assert!(
            output
                .notes
                .iter()
                .any(|n| n.contains("priorities 40 to 42")),
            "{:?}",
            output.notes
        );
        let path = dir.path().join(format.default_name(Syntax::Native));
        write(format, &output, &path).unwrap();
        accepted(format.id(), &path);
        for (first, fits) in [
            (0, false),
            (i32::MAX as u32 - 2, true),
            (i32::MAX as u32 - 1, false),
        ] {
            let asked = Options {
                first_priority: Some(first),
                ..opts(Syntax::Native)
            };
            let result = render(format, &hosts, &asked);
            assert_eq!(
                result.is_ok(),
                fits,
                "{} from {first}: {result:?}",
                format.id()
            );
        }
    }
}

#[test]
fn cloud_armor_priorities_and_the_rules_quota() {
    let json = opts(Syntax::Json);
    // 199 deny rules and the default one fill the default quota of 200 exactly.
    let output = render(Format::CloudArmor, &generated_hosts(1_990), &json).unwrap();
    assert_eq!(rule_count(&output, "rules"), 200);
    assert!(!output
        .notes
        .iter()
        .any(|n| n.contains("SECURITY_POLICY_RULES")));
    let output = render(Format::CloudArmor, &generated_hosts(1_991), &json).unwrap();
    assert_eq!(rule_count(&output, "rules"), 201);
    assert!(
        output
            .notes
            .iter()
            .any(|n| n.contains("201 rules") && n.contains("SECURITY_POLICY_RULES")),
        "{:?}",
        output.notes
    );
    let hosts = generated_hosts(20);
    assert_eq!(priorities(&output, "rules")[..2], [1000, 1001]);
    let last = 2_147_483_646u32;
    for (first, fits) in [(0, true), (last - 1, true), (last, false)] {
        let asked = Options {
            first_priority: Some(first),
            ..opts(Syntax::Json)
        };
        let result = render(Format::CloudArmor, &hosts, &asked);
        assert_eq!(result.is_ok(), fits, "from {first}: {result:?}");
        if let Ok(output) = result {
            let p = priorities(&output, "rules");
            assert_eq!(p, [u64::from(first), u64::from(first) + 1, 2_147_483_647]);
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("policy.json");
            write(Format::CloudArmor, &output, &path).unwrap();
            accepted("cloud-armor", &path);
        }
    }
}

#[test]
fn firewall_exports_merge_and_load() {
    let dir = tempfile::tempdir().unwrap();
    let list = entries(
        &[
            "198.18.0.0/32",
            "1.2.3.0/24",
            "1.2.3.7/32",
            "1.2.4.0/24",
            "2a01:4f8::/32",
            "2a01:4f8:1::1/128",
        ],
        "overlapping on purpose",
    );
    let (output, path) = export_to(dir.path(), Format::Nftables, Syntax::Native, &list);
    accepted("nftables", &path);
    assert!(
        output.notes.iter().any(|n| n.contains("merged")),
        "{:?}",
        output.notes
    );
    let (_, path) = export_to(dir.path(), Format::Ipset, Syntax::Native, &list);
    accepted("ipset", &path);
}

/// Runs the netsleuth binary; its status, stdout and stderr.
fn netsleuth(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BIN).args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// The command line moves rule priorities and widens only where the list is dense enough.
#[test]
fn export_blocklist_takes_a_first_priority_and_a_density_bound() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("list.txt");
    std::fs::write(&input, "11.0.0.1\n11.0.0.6\n11.0.0.200\n").unwrap();
    let out = dir.path().join("policy.json");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "export-blocklist",
            input.to_str().unwrap(),
            "--format",
            "cloud-armor",
            "--name",
            "edge",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let (ok, _, stderr) = netsleuth(&args);
        assert!(ok, "{stderr}");
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
        (v, stderr)
    };
    let (v, _) = run(&["--first-priority", "5000", "--widen"]);
    assert_eq!(v["rules"][0]["priority"], 5000);
    assert_eq!(
        v["rules"][0]["match"]["config"]["srcIpRanges"],
        serde_json::json!(["11.0.0.0/29", "11.0.0.200/32"]),
        "the /29 holds 4 addresses per listed one, the /24 would hold 85"
    );
    let (v, stderr) = run(&["--widen", "--per-listed", "128"]);
    assert_eq!(v["rules"][0]["priority"], 1000);
    assert_eq!(
        v["rules"][0]["match"]["config"]["srcIpRanges"],
        serde_json::json!(["11.0.0.0/24"])
    );
    assert!(
        stderr.contains("blocking 253 addresses that were not listed"),
        "{stderr}"
    );
    accepted("cloud-armor", &out);
}

#[test]
fn bad_lines_are_reported_and_never_exported() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("list.txt");
    std::fs::write(
        &input,
        "# analyst's list\n195.178.188.70/29\n0.0.0.0/0\n111.73.46.18\n10.0.0.1\n2001:db8::/32\nnot-an-ip\n",
    )
    .unwrap();
    let out = dir.path().join("deny.conf");
    let run = Command::new(BIN)
        .args([
            "export-blocklist",
            input.to_str().unwrap(),
            "--format",
            "nginx",
        ])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "lines were left out: {stderr}");
    let name = input.display().to_string();
    assert!(
        stderr.contains(&format!(
            "{name}:2: host bits set: did you mean 195.178.188.64/29?"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{name}:3: /0 covers every address")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{name}:5: never blocked: 10.0.0.0/8 is private network"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{name}:6: never blocked: 2001:db8::/32 is documentation"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{name}:7: 'not-an-ip' is not an IP address")),
        "{stderr}"
    );
    assert!(
        stderr.contains("5 lines left out, never exported"),
        "{stderr}"
    );
    assert!(
        stdout.starts_with("1 entries exported as nginx"),
        "{stdout}"
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let denies: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(denies, ["deny 111.73.46.18;"]);
    accepted("nginx", &out);
}

#[test]
fn a_folder_that_is_not_an_export_is_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("mine");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("notes.txt"), "keep me").unwrap();
    let output = render(
        Format::Ipset,
        &entries(&["111.73.46.18/32"], ""),
        &opts(Syntax::Native),
    )
    .unwrap();
    let err = write(Format::Ipset, &output, &target).unwrap_err();
    assert!(err
        .to_string()
        .contains("is not an earlier netsleuth export"));
    assert_eq!(
        std::fs::read_to_string(target.join("notes.txt")).unwrap(),
        "keep me"
    );
    let again = dir.path().join("export");
    write(Format::Ipset, &output, &again).unwrap();
    write(Format::Ipset, &output, &again).unwrap();
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into())
        .collect();
    names.sort();
    assert_eq!(names, [".export.netsleuth-lock", "export", "mine"]);
}

#[test]
fn a_folder_export_holding_the_analysts_files_is_refused_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("export");
    let output = render(
        Format::Ipset,
        &entries(&["111.73.46.18/32"], ""),
        &opts(Syntax::Native),
    )
    .unwrap();
    write(Format::Ipset, &output, &target).unwrap();
    std::fs::write(target.join("NOTES.md"), "who approved this").unwrap();
    let err = write(Format::Ipset, &output, &target)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("holds 1 entry (NOTES.md) no export wrote: move it out"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(target.join("NOTES.md")).unwrap(),
        "who approved this"
    );
    std::fs::remove_file(target.join("NOTES.md")).unwrap();
    write(Format::Ipset, &output, &target).unwrap();
}

/// Eight exports at once into one folder, five times over, each a separate process: every one
/// succeeds (they take turns through the lock) and the folder holds one whole export after.
#[test]
fn folder_exports_at_once_into_one_place_take_turns() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("list.txt");
    std::fs::write(&list, "111.73.46.18\n45.33.1.1\n2a03:2880::1\n").unwrap();
    let target = dir.path().join("sets");
    for round in 0..5 {
        let runs: Vec<_> = (0..8)
            .map(|_| {
                Command::new(BIN)
                    .args(["export-blocklist", "--format", "ipset", "--out"])
                    .arg(&target)
                    .arg(&list)
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for (i, run) in runs.into_iter().enumerate() {
            let out = run.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "round {round}, run {i}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into())
        .collect();
    names.sort();
    assert_eq!(names, [".sets.netsleuth-lock", "list.txt", "sets"]);
    accepted("ipset", &target);
}

/// The real honeypot data end to end: detect over the three Cowrie days at a low threshold,
/// then every export of its blocklist.csv through the CLI and its consumer.
#[test]
fn cowrie_blocklist_through_every_export_and_consumer() {
    let dir = tempfile::tempdir().unwrap();
    let cowrie = Path::new(real_data::DATA).join("honeypot/cowrie");
    let mut files: Vec<String> = std::fs::read_dir(&cowrie)
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    files.sort();
    let out = dir.path().join("detect");
    let mut args = vec![
        "detect",
        "--threshold",
        "30",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(files.iter().map(String::as_str));
    let (ok, _, stderr) = netsleuth(&args);
    assert!(ok, "{stderr}");
    let csv = out.join("blocklist.csv");
    let rows = std::fs::read_to_string(&csv).unwrap().lines().count() - 1;
    assert!(rows >= 20, "only {rows} sources at threshold 30");
    for (format, syntax) in every_export() {
        let target = dir.path().join(format.default_name(syntax));
        let (ok, stdout, stderr) = netsleuth(&[
            "export-blocklist",
            csv.to_str().unwrap(),
            "--format",
            format.id(),
            "--out",
            target.to_str().unwrap(),
        ]);
        assert!(ok, "{}: {stderr}", format.id());
        assert!(
            stdout.starts_with(&format!("{rows} entries exported as {}", format.id())),
            "{}: {stdout}",
            format.id()
        );
        accepted(format.id(), &target);
        let text = if format.is_folder() {
            std::fs::read_dir(&target)
                .unwrap()
                .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
                .collect::<String>()
        } else {
            std::fs::read_to_string(&target).unwrap()
        };
        assert!(
            text.contains("111.73.46.18"),
            "{} lacks the intruder",
            format.id()
        );
    }
}

/// Reloading an updated ipset export swaps the new set in whole, in a fresh network namespace.
#[test]
fn an_ipset_reload_swaps_in_the_updated_list() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first");
    let second = dir.path().join("second");
    let old = entries(&["111.73.46.18/32", "195.3.147.49/32"], "first");
    let new = entries(
        &["111.73.46.18/32", "185.222.209.0/24", "2a01:4f8::/32"],
        "second",
    );
    for (list, path) in [(&old, &first), (&new, &second)] {
        let output = render(Format::Ipset, list, &opts(Syntax::Native)).unwrap();
        write(Format::Ipset, &output, path).unwrap();
    }
    let script = format!(
        "ipset restore < {a}/netsleuth.ipset && ipset restore < {b}/netsleuth.ipset && ipset list netsleuth-blocklist-v4 && ipset list -n",
        a = first.display(),
        b = second.display()
    );
    let out = Command::new("unshare")
        .args(["-n", "sh", "-c", &script])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("111.73.46.18") && text.contains("185.222.209.0/24"),
        "{text}"
    );
    assert!(
        !text.contains("195.3.147.49"),
        "the old entry stayed: {text}"
    );
    assert!(!text.contains("-tmp"), "a temporary set stayed: {text}");
}

#[test]
fn two_exports_with_different_names_do_not_clash() {
    let list = entries(&["111.73.46.18/32"], "x");
    let mut texts = Vec::new();
    for name in ["cowrie-honeypot", "web-scanners"] {
        let o = Options {
            name: name.into(),
            ..opts(Syntax::Native)
        };
        for format in [Format::ModSecurity, Format::NginxGeo] {
            texts.push(text_of(&render(format, &list, &o).unwrap()));
        }
    }
    let id = |t: &str| {
        t.split("id:")
            .nth(1)
            .unwrap()
            .split(',')
            .next()
            .unwrap()
            .to_string()
    };
    assert_ne!(id(&texts[0]), id(&texts[2]));
    assert!(texts[1].contains("geo $cowrie_honeypot {"), "{}", texts[1]);
    assert!(texts[3].contains("geo $web_scanners {"), "{}", texts[3]);
}

/// ModSecurity rules keep to their list's block of 100 ids: 20,000 addresses (100 rules of
/// 200) fit and the consumer takes them; one more address is refused with the way out, instead
/// of taking the next list's ids.
#[test]
fn modsecurity_rules_keep_to_their_block_of_ids() {
    let o = opts(Syntax::Native);
    let dir = tempfile::tempdir().unwrap();
    let (fits, path) = export_to(
        dir.path(),
        Format::ModSecurity,
        Syntax::Native,
        &generated_hosts(20_000),
    );
    assert_eq!(text_of(&fits).matches("SecRule REMOTE_ADDR").count(), 100);
    accepted("modsecurity", &path);
    let e = render(Format::ModSecurity, &generated_hosts(20_001), &o).unwrap_err();
    assert!(e.contains("more than the 100 ids"), "{e}");
    assert!(e.contains("use modsecurity-file"), "{e}");
    assert!(render(Format::ModSecurityFile, &generated_hosts(20_001), &o).is_ok());
}

/// Blocks carry a direction. The Dridex servers of the shared Suricata sample, accepted from
/// detection, block traffic going out to them: nftables and ipset, loaded by the real tools in
/// a fresh network namespace, match them as destinations (in the output and forward chains);
/// web servers and WAFs, which only see requests coming in, leave them out and say so.
#[test]
fn outbound_blocks_reach_the_firewall_and_stay_out_of_wafs() {
    let (t, report) = real_data::read("honeypot/suricata/eve.json");
    let mut settings = netsleuth::detection::DetectionSettings {
        cache_dir: None,
        ..Default::default()
    };
    settings.features = settings.features.resolve(&[report.format]);
    let d = netsleuth::detection::detect(&t, &settings, &std::sync::atomic::AtomicBool::new(false))
        .unwrap();
    let proposals =
        netsleuth::blocklist::proposals(&d, &netsleuth::blocklist::Blocklist::default());
    let mut list: Vec<Entry> = proposals.iter().map(|p| p.entry()).collect();
    let c2 = list
        .iter()
        .find(|e| e.net.addr().to_string() == "135.148.121.246")
        .expect("the Dridex server is proposed");
    assert_eq!(c2.direction, Direction::Outbound);
    // An attacker's address reaching in, to have both directions in one list.
    list.extend(entries(
        &["111.73.46.18/32"],
        "ran wget and service iptables stop",
    ));
    let dir = tempfile::tempdir().unwrap();
    let (output, path) = export_to(dir.path(), Format::Nftables, Syntax::Native, &list);
    accepted("nftables", &path);
    let text = text_of(&output);
    assert!(text.contains("ip daddr @blocked_out_v4 drop"), "{text}");
    let script = format!(
        "nft -f {} && nft list table inet netsleuth_blocklist",
        path.display()
    );
    let out = Command::new("unshare")
        .args(["-n", "sh", "-c", &script])
        .output()
        .unwrap();
    let loaded = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let output_chain = loaded
        .split("chain output")
        .nth(1)
        .expect("an output chain");
    assert!(
        output_chain.contains("ip daddr @blocked_out_v4 drop"),
        "{loaded}"
    );
    let out_set = loaded.split("set blocked_out_v4").nth(1).unwrap();
    let out_set = &out_set[..out_set.find('}').unwrap()];
    assert!(out_set.contains("135.148.121.246"), "{loaded}");
    assert!(!out_set.contains("111.73.46.18"), "{loaded}");
    let (_, path) = export_to(dir.path(), Format::Ipset, Syntax::Native, &list);
    accepted("ipset", &path);
    let rules = std::fs::read_to_string(path.join("netsleuth.rules.v4")).unwrap();
    assert!(
        rules.contains("-I OUTPUT -m set --match-set netsleuth-blocklist-out-v4 dst -j DROP"),
        "{rules}"
    );
    // Comments name who holds each address, from the bundled AS table.
    let row = text
        .lines()
        .find(|l| l.contains("135.148.121.246"))
        .unwrap();
    assert!(
        row.contains("comment \"[AS16276 OVH SAS] Dridex server"),
        "{row}"
    );
    for format in [Format::Nginx, Format::AwsWafCli, Format::Crowdsec] {
        let o = render(format, &list, &opts(Syntax::Native)).unwrap();
        assert!(!text_of(&o).contains("135.148.121.246"), "{format:?}");
        assert!(text_of(&o).contains("111.73.46.18"), "{format:?}");
        assert!(
            o.notes.iter().any(|n| n.contains("outbound-only")),
            "{format:?}: {:?}",
            o.notes
        );
    }
}

/// The formats whose consumer is the real program itself (the others need the validators'
/// Python environment).
const NATIVE: [&str; 8] = [
    "apache",
    "modsecurity",
    "modsecurity-file",
    "nginx",
    "nginx-geo",
    "haproxy",
    "nftables",
    "ipset",
];

/// The lines Apache reads once it has joined every line ending in `\` with the next, as it
/// does for comments too.
fn apache_logical_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        match line.strip_suffix('\\') {
            Some(head) => current.push_str(head),
            None => {
                current.push_str(line);
                lines.push(std::mem::take(&mut current));
            }
        }
    }
    lines
}

/// A reason, note or list file name ending in `\` never joins the next rule into a comment.
#[test]
fn a_comment_ending_in_a_backslash_never_swallows_a_rule() {
    let listed = ["111.73.46.18", "195.178.188.64/29", "2a01:4f8:c17:1::/64"];
    let mut list = entries(&listed, "scan from C:\\temp\\");
    list[1].note = "see ticket \\\\ ".into();
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("feed\\");
    std::fs::write(&feed, listed.join("\n")).unwrap();
    for (format, syntax) in every_export() {
        let (output, path) = export_to(dir.path(), format, syntax, &list);
        let out = dir
            .path()
            .join(format!("cli-{}", format.default_name(syntax)));
        let (ok, _, stderr) = netsleuth(&[
            "export-blocklist",
            feed.to_str().unwrap(),
            "--format",
            format.id(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(ok, "{}: {stderr}", format.id());
        let from_feed = std::fs::read_dir(&out).map_or_else(
            |_| std::fs::read_to_string(&out).unwrap(),
            |files| {
                files
                    .map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap())
                    .collect::<Vec<_>>()
                    .join("\n")
            },
        );
        for text in [text_of(&output), from_feed] {
            for line in text.lines() {
                let comment = line.trim_start().starts_with('#');
                assert!(
                    !(comment && line.ends_with('\\')),
                    "{}: a comment ends in a backslash: {line}",
                    format.id()
                );
            }
            let logical = apache_logical_lines(&text);
            let live = |rule: &str| {
                logical
                    .iter()
                    .any(|l| !l.trim_start().starts_with('#') && l.contains(rule))
            };
            match format {
                Format::Apache => {
                    for net in listed {
                        assert!(live(&format!("Require not ip {net}")), "{net}:\n{text}");
                    }
                }
                Format::ModSecurity => {
                    assert!(live(&format!("@ipMatch {}", listed.join(","))), "{text}");
                }
                _ => {}
            }
        }
        if NATIVE.contains(&format.id()) {
            accepted(format.id(), &path);
            accepted(format.id(), &out);
        }
    }
}

/// A saved blocklist goes through the same admission as a plain list: /0, reserved ranges and
/// the file's own allowlist are refused and named, and the exit status says something was
/// left out.
#[test]
fn a_saved_blocklist_is_refused_what_a_plain_list_is() {
    let dir = tempfile::tempdir().unwrap();
    let mut list = netsleuth::blocklist::Blocklist::default();
    for net in [
        "0.0.0.0/0",
        "::/0",
        "10.0.0.0/8",
        "127.0.0.1/32",
        "91.1.1.0/24",
        "111.73.46.18/32",
    ] {
        list.entries
            .push(Entry::new(net.parse().unwrap(), Origin::Manual, "saved"));
    }
    list.allowlist.push(netsleuth::blocklist::AllowEntry {
        net: "91.1.1.3/32".parse().unwrap(),
        note: "partner".into(),
        added_at: 0,
    });
    let input = dir.path().join("blocklist.json");
    netsleuth::blocklist::save_to(&list, &input).unwrap();
    let out = dir.path().join("deny.conf");
    let run = Command::new(BIN)
        .args([
            "export-blocklist",
            input.to_str().unwrap(),
            "--format",
            "nginx",
        ])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    let name = input.display().to_string();
    for (net, why) in [
        ("0.0.0.0/0", "/0 covers every address"),
        ("::/0", "/0 covers every address"),
        ("10.0.0.0/8", "never blocked: 10.0.0.0/8 is private network"),
        ("127.0.0.1/32", "never blocked"),
        (
            "91.1.1.0/24",
            "never blocked: 91.1.1.0/24 contains 91.1.1.3/32",
        ),
    ] {
        assert!(
            stderr.contains(&format!("{name}: {net}: {why}")),
            "{net}:\n{stderr}"
        );
    }
    assert!(
        stderr.contains("5 entries left out, never exported"),
        "{stderr}"
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let denies: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(denies, ["deny 111.73.46.18;"]);
    accepted("nginx", &out);
}

/// CrowdSec durations are Go durations: `--duration` that Go cannot parse (or not positive) is
/// a usage error, and an entry expiring in 9999 gets the longest duration Go parses, not
/// 251605773351s.
#[test]
fn crowdsec_durations_stay_within_what_go_parses() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("list.txt");
    std::fs::write(&input, "111.73.46.18\n").unwrap();
    let out = dir.path().join("decisions.json");
    for bad in ["1y", "abc", "-1h", "0s", "", "99999999999h"] {
        let run = Command::new(BIN)
            .args([
                "export-blocklist",
                input.to_str().unwrap(),
                "--format",
                "crowdsec",
            ])
            .arg("--out")
            .arg(&out)
            .arg(format!("--duration={bad}"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(64), "{bad}: {stderr}");
        assert!(stderr.contains("a positive Go duration"), "{bad}: {stderr}");
        assert!(!out.exists());
    }
    let mut list = entries(&["111.73.46.18"], "scan");
    list[0].expires_at = Some(253_402_214_400); // 9999-12-31
    let output = render(Format::Crowdsec, &list, &opts(Syntax::Native)).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&output.files[0].bytes).unwrap();
    assert_eq!(v[0]["duration"], "9223372036s");
    let bad = Options {
        duration: "1y".into(),
        ..opts(Syntax::Native)
    };
    assert!(render(Format::Crowdsec, &list, &bad).is_err());
}

/// A list file name holding an escape sequence or a newline is printed escaped: it can
/// neither colour the terminal nor forge a report line.
#[test]
fn file_names_are_printed_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir
        .path()
        .join("list\u{1b}[31m\nforged: 0 lines left out.txt");
    std::fs::write(&input, "111.73.46.18\nnot-an-ip\n").unwrap();
    let out = dir.path().join("deny.conf");
    let run = Command::new(BIN)
        .arg("export-blocklist")
        .arg(&input)
        .args(["--format", "nginx", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr}");
    assert!(!stderr.contains("\nforged"), "{stderr}");
    assert!(
        stderr.contains("list\\u{1b}[31m\\u{a}forged: 0 lines left out.txt:2: 'not-an-ip'"),
        "{stderr}"
    );
}

/// `netsleuth export-blocklist LIST ARGS...` run in `dir`: exit code, stdout, stderr.
fn export_cli(list: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let run = Command::new(BIN)
        .arg("export-blocklist")
        .arg(list)
        .args(args)
        .output()
        .unwrap();
    (
        run.status.code(),
        String::from_utf8_lossy(&run.stdout).into_owned(),
        String::from_utf8_lossy(&run.stderr).into_owned(),
    )
}

/// `--name` is checked once for every format: an empty name, one starting with a digit and
/// nftables keywords (`nft -c` refuses a table so named) are usage errors; names that pass
/// load in nft and Terraform (python-hcl2) and give nginx a variable.
#[test]
fn export_names_the_consumers_refuse_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("list.txt");
    std::fs::write(&list, "111.73.46.18\n").unwrap();
    for name in ["", "1abc", "0", "table", "inet", "set", "drop", "a b", "é"] {
        for format in ["nftables", "nginx-geo", "aws-waf-terraform"] {
            let out = dir.path().join(format!("out-{format}"));
            let out = out.to_str().unwrap();
            let (code, _, stderr) =
                export_cli(&list, &["--format", format, "--out", out, "--name", name]);
            assert_eq!(code, Some(64), "{name:?} {format}: {stderr}");
            assert!(stderr.contains(&format!("name '{name}'")), "{stderr}");
            assert!(!Path::new(out).exists());
        }
    }
    for name in [
        "netsleuth-blocklist",
        "DROP",
        "tables",
        "drops",
        "x",
        "ip4_list",
        "Blocked-2024",
    ] {
        for (format, file) in [
            ("nftables", "t.nft"),
            ("aws-waf-terraform", "t.tf"),
            ("nginx-geo", "t.conf"),
        ] {
            let out = dir.path().join(file);
            let (code, _, stderr) = export_cli(
                &list,
                &[
                    "--format",
                    format,
                    "--out",
                    out.to_str().unwrap(),
                    "--name",
                    name,
                ],
            );
            assert_eq!(code, Some(0), "{name} {format}: {stderr}");
            accepted(format, &out);
        }
    }
}

/// A range over most of the address space is left out and named unless `--broad` confirms
/// it, as the window asks before a network wider than /16; the reserved ranges inside stay
/// refused either way.
#[test]
fn an_over_wide_range_needs_broad() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("wide.txt");
    std::fs::write(&list, "1.0.0.0-255.255.255.255\n111.73.46.18\n").unwrap();
    let out = dir.path().join("wide.txt.out");
    let args = ["--format", "txt", "--out", out.to_str().unwrap()];
    let (code, _, stderr) = export_cli(&list, &args);
    assert_eq!(code, Some(2), "{stderr}");
    let name = list.display().to_string();
    assert!(
        stderr.contains(&format!(
            "{name}:1: 1.0.0.0/8 covers 16,777,216 addresses, wider than /16: pass --broad to \
             export it"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{name}:1: never blocked: 8.0.0.0/5 contains 10.0.0.0/8"
        )),
        "{stderr}"
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(lines, ["111.73.46.18"]);
    let (code, _, stderr) = export_cli(&list, &[&args[..], &["--broad"]].concat());
    assert_eq!(
        code,
        Some(2),
        "the reserved parts are still left out: {stderr}"
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert!(lines.contains(&"1.0.0.0/8") && lines.len() > 5, "{lines:?}");
    accepted("txt", &out);
}

/// A saved blocklist written by a Windows editor starts with a UTF-8 byte-order mark: it is
/// read as the same list, not called damaged.
#[test]
fn a_saved_blocklist_with_a_byte_order_mark_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut list = netsleuth::blocklist::Blocklist::default();
    list.entries.push(Entry::new(
        "111.73.46.18/32".parse().unwrap(),
        Origin::Manual,
        "saved",
    ));
    let plain = dir.path().join("plain.json");
    netsleuth::blocklist::save_to(&list, &plain).unwrap();
    let bom = dir.path().join("bom.json");
    let mut bytes = b"\xef\xbb\xbf".to_vec();
    bytes.extend(std::fs::read(&plain).unwrap());
    std::fs::write(&bom, bytes).unwrap();
    let out = dir.path().join("deny.conf");
    let (code, _, stderr) =
        export_cli(&bom, &["--format", "nginx", "--out", out.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stderr}");
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("deny 111.73.46.18;"), "{text}");
}

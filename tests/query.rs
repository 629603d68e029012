//! The query language on real logs: each query's count of matching events is compared with
//! an independent reference computed by Python from the raw files (json, csv and re modules,
//! never netsleuth), over Cowrie, Suricata eve.json, Zeek JSON, an Apache access log and the
//! CloudWatch CSV, and labels and extra columns on NSL-KDD; malformed queries are checked for their message and column; and
//! `netsleuth inspect --query` prints the same events as text, JSON lines and CSV, and
//! exits 64 with a caret under the column for a bad query.
//!
//! The reference counts come from `python3 -c "$LOAD; print(sum(1 for e in X if PRED))"`,
//! run in `../shared/data`, where `$LOAD` is
//!
//! ```text
//! import json, csv, re, ipaddress, datetime
//! C=[json.loads(l) for l in open('honeypot/cowrie/cowrie.json.2018-05-19') if l.strip()]
//! S=[e for e in (json.loads(l) for l in open('honeypot/suricata/eve.json') if l.strip()) if e.get('event_type')!='stats' and not ('stats' in e and 'src_ip' not in e and 'dest_ip' not in e)]
//! Z=[json.loads(l) for l in open('zeek/conn_json.log') if l.strip() and not l.startswith('#')]
//! W=[m for m in (re.match(r'(\S+) \S+ \S+ \[[^\]]+\] "(.*?)" (\d+) \S+(?: "(.*?)" "(.*?)")?', l) for l in open('web-access-logs/hackers-access.log', encoding='latin-1')) if m]
//! K=list(csv.DictReader(open('cloudwatch/CloudWatch_Traffic_Web_Attack.csv')))
//! L=list(csv.reader(open('nsl-kdd/KDDTrain+_20Percent.txt')))
//! N=lambda ip, net: ip is not None and ipaddress.ip_address(ip) in ipaddress.ip_network(net)
//! T=lambda s: datetime.datetime.fromisoformat(s.replace('Z','+00:00'))
//! APP=['http','dns','tls','ssh','smb','dcerpc','krb5','dhcp','smtp','ftp','nfs','rdp','sip','snmp','tftp','mqtt','quic']
//! app=lambda e: (e['app_proto'] if e.get('app_proto') not in (None,'failed') else (e.get('event_type') if e.get('event_type') in APP else '')).lower()
//! SVC=set(range(1024))|{1433,1521,2049,3128,3306,3389,5060,5432,5900,6379,8080,8443,9200,27017}
//! rev=lambda e: e['direction']=='to_client' if 'direction' in e else (e['flow']['src_ip']!=e.get('src_ip') if 'src_ip' in (e.get('flow') or {}) else (e.get('event_type')!='flow' and e.get('src_port') is not None and e.get('dest_port') is not None and e['src_port'] in SVC and e['dest_port'] not in SVC))
//! sent=lambda e: (e['flow'].get('bytes_toclient') if rev(e) else e['flow'].get('bytes_toserver')) if e.get('flow') else None
//! cmax=max(T(e['timestamp']) for e in C)
//! ```
//!
//! and `X` and `PRED` are given beside each query below.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;

use netsleuth::events::EventTable;
use netsleuth::ingest::{read_files, ReadOptions, ReadProgress};
use netsleuth::query::{matching, parse, parse_with_extras};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data");

const COWRIE: &str = "honeypot/cowrie/cowrie.json.2018-05-19";
const SURICATA: &str = "honeypot/suricata/eve.json";
const ZEEK: &str = "zeek/conn_json.log";
const ACCESS: &str = "web-access-logs/hackers-access.log";
const CLOUDWATCH: &str = "cloudwatch/CloudWatch_Traffic_Web_Attack.csv";
const NSL_KDD: &str = "nsl-kdd/KDDTrain+_20Percent.txt";

fn data(rel: &str) -> PathBuf {
    PathBuf::from(DATA).join(rel)
}

fn table(rel: &str) -> &'static EventTable {
    static TABLES: OnceLock<Vec<(&'static str, EventTable)>> = OnceLock::new();
    let tables = TABLES.get_or_init(|| {
        [COWRIE, SURICATA, ZEEK, ACCESS, CLOUDWATCH, NSL_KDD]
            .into_iter()
            .map(|f| {
                let inv = read_files(
                    &[data(f)],
                    &ReadOptions::default(),
                    &ReadProgress::default(),
                )
                .unwrap_or_else(|e| panic!("{f}: {e}"));
                (f, inv.table)
            })
            .collect()
    });
    &tables
        .iter()
        .find(|(f, _)| *f == rel)
        .expect("a loaded file")
        .1
}

/// Events of `rel` matching `q`, the file's extra columns known as fields.
fn count(rel: &str, q: &str) -> usize {
    let t = table(rel);
    let extras: Vec<&str> = t.extras().iter().map(|e| e.name.as_str()).collect();
    let query = parse_with_extras(q, &extras).unwrap_or_else(|e| panic!("{q}: {e}"));
    matching(t, &query).len()
}

/// Checks every query's count against the Python reference, naming all that differ.
fn check(rel: &str, cases: &[(&str, usize)]) {
    let wrong: Vec<String> = cases
        .iter()
        .map(|(q, want)| (q, want, count(rel, q)))
        .filter(|(_, want, got)| *want != got)
        .map(|(q, want, got)| format!("{q}: {got} events, Python says {want}"))
        .collect();
    assert!(wrong.is_empty(), "{rel}:\n{}", wrong.join("\n"));
}

#[test]
fn every_file_reads_whole() {
    // The Python loaders see the same events: C 2004, S 2324, Z 110, W 3456, K 282.
    let sizes = [
        (COWRIE, 2004),
        (SURICATA, 2324),
        (ZEEK, 110),
        (ACCESS, 3456),
        (CLOUDWATCH, 282),
    ];
    for (f, n) in sizes {
        assert_eq!(table(f).len(), n, "{f}");
    }
}

#[test]
fn cowrie_queries_match_python() {
    check(
        COWRIE,
        &[
            // C: e['eventid']=='cowrie.login.success'
            ("outcome = cowrie.login.success", 48),
            // C: e['eventid'].startswith('cowrie.login.')
            ("outcome = \"cowrie.login.*\"", 302),
            // C: (e.get('username') or '').strip()=='root'
            ("detail.username = root", 49),
            // C: (e.get('username') or '').strip()=='root' and e['eventid']=='cowrie.login.success'
            (
                "detail.username = root and outcome = cowrie.login.success",
                48,
            ),
            // C: N(e['src_ip'],'185.222.209.0/24')
            ("source_ip in 185.222.209.0/24", 512),
            // C: e['src_ip'] not in ('185.222.209.108','185.222.209.151')
            ("source_ip not in (185.222.209.108, 185.222.209.151)", 1492),
            // C: bool(re.search('wget|curl', (e.get('input') or '').strip()))
            ("detail.input ~ \"wget|curl\"", 3),
            // C: 'wget' in ' '.join(str(e.get(k) or '') for k in ('eventid','username',
            //    'password','input','version','url','shasum','session','src_ip','dst_ip',
            //    'protocol')).lower()
            ("wget", 3),
            // C: '2018-05-19T12:00' <= e['timestamp'] < '2018-05-19T18:00'
            ("time >= 2018-05-19T12:00 and time < 2018-05-19T18:00", 590),
            // C: T(e['timestamp']) >= cmax - datetime.timedelta(hours=2)
            ("last 2h", 128),
            // C: e.get('duration') is not None and float(e['duration']) > 60
            ("duration_s > 60", 3),
            // C: e['eventid'] not in ('cowrie.session.connect','cowrie.session.closed')
            (
                "not (outcome = cowrie.session.connect or outcome = cowrie.session.closed)",
                1094,
            ),
            // C: '123' in (e.get('password') or '').strip()
            //    or (e.get('password') or '').strip()=='admin'
            ("detail.password = \"*123*\" or detail.password = admin", 79),
        ],
    );
}

#[test]
fn suricata_queries_match_python() {
    check(
        SURICATA,
        &[
            // S: 'Dridex' in ((e.get('alert') or {}).get('signature') or '')
            ("detail.signature ~ Dridex", 74),
            // S: (e.get('proto') or '').lower()=='udp' and e.get('dest_port')==53
            ("transport = udp and destination_port = 53", 720),
            // S: N(e.get('src_ip'),'172.16.0.0/12')
            ("source_ip in 172.16.0.0/12", 2265),
            // S: app(e) in ('tls','http')
            ("app_protocol in (tls, http)", 522),
            // S: (sent(e) or 0) > 10000 (two are alerts on a server's answer, from port 80 or
            // 587 to an ephemeral port: the server sent the answer's bytes)
            ("bytes_sent > 10000", 39),
            // S: e.get('event_type')=='flow' and (e.get('flow') or {}).get('state')=='established'
            ("outcome = established", 297),
        ],
    );
}

#[test]
fn zeek_queries_match_python() {
    check(
        ZEEK,
        &[
            // Z: e.get('conn_state')=='S0'
            ("outcome = S0", 10),
            // Z: e.get('proto')=='udp' and e.get('id.resp_p')==53
            ("transport = udp and destination_port = 53", 100),
            // Z: (e.get('orig_bytes') or 0) >= 1000
            ("bytes_sent >= 1000", 3),
            // Z: N(e.get('id.resp_h'),'192.168.0.0/16') and e.get('service')!='dns'
            (
                "destination_ip in 192.168.0.0/16 and not app_protocol = dns",
                2,
            ),
        ],
    );
}

#[test]
fn access_log_queries_match_python() {
    check(
        ACCESS,
        &[
            // W: m[3]=='404'
            ("outcome = 404", 12),
            // W: int(m[3]) >= 400
            ("outcome >= 400", 25),
            // W: int(m[3]) >= 400 (an access log's own word for its outcome)
            ("status >= 400", 25),
            // W: m[2].startswith('POST ')
            ("detail ~ \"^POST \"", 1080),
            // W: bool(re.fullmatch(r'.*Gecko/20100101 Firefox/3.\.0', m[5] or '', re.S))
            ("detail.ua = \"*Gecko/20100101 Firefox/3?.0\"", 1355),
            // W: 'login_form' in ' '.join([m[1], m[2], m[3], m[4] or '', m[5] or '']).lower()
            ("LOGIN_FORM", 1025),
        ],
    );
}

#[test]
fn cloudwatch_queries_match_python() {
    check(
        CLOUDWATCH,
        &[
            // K: r['src_ip']=='165.225.209.4' or r['dst_port']!='443'
            ("source_ip = 165.225.209.4 or destination_port != 443", 29),
            // K: r['src_ip_country_code']=='US'
            ("country_code = US", 113),
            // K: int(r['bytes_in']) > 10000
            ("bytes_sent > 10000", 156),
        ],
    );
}

#[test]
fn nsl_kdd_labels_and_extra_columns_match_python() {
    check(
        NSL_KDD,
        &[
            // L: r[41]=='neptune'
            ("label = neptune", 8282),
            // L: r[41]=='normal' (normal is the benign verdict)
            ("label = benign", 13449),
            // L: r[41]!='normal' and r[1]=='tcp'
            ("label = malicious and transport = tcp", 9845),
            // L: r[41] in ('smurf','teardrop')
            ("label in (smurf, teardrop)", 717),
            // L: int(r[22])>100 and r[41]=='normal' (count, an extra column)
            ("count > 100 and label = benign", 1004),
        ],
    );
    // Without the table's extra columns, count is an unknown field.
    assert_eq!(
        parse("count > 100").unwrap_err().message,
        "unknown field 'count'; did you mean country?"
    );
}

#[test]
fn malformed_queries_point_at_their_column() {
    let cases: [(&str, usize, &str); 8] = [
        ("source_ip =", 12, "expected a value after '='"),
        (
            "sorce_ip = 10.0.0.1",
            1,
            "unknown field 'sorce_ip'; did you mean source_ip?",
        ),
        (
            "outcome = 404 and (detail ~ wget",
            33,
            "expected ')' to close the '(' at column 19",
        ),
        (
            "source_ip in 10.0.0.0/33",
            14,
            "'10.0.0.0/33' is not an address or a CIDR network",
        ),
        (
            "bytes_sent > lots",
            14,
            "'>' compares numbers; 'lots' is not a number",
        ),
        (
            "time > 2018-19-05",
            8,
            "'2018-19-05' is not a time; write e.g. 2018-05-19, 2018-05-19T10:00 or 2018-05-19T10:00:00Z",
        ),
        (
            "last week",
            6,
            "expected a duration after 'last', e.g. 2h, 30m or 7d",
        ),
        (
            "duration_s ~ 5",
            12,
            "'~' matches text, and duration_s is not text: use = < > instead",
        ),
    ];
    for (q, column, message) in cases {
        let e = parse(q).expect_err(q);
        assert_eq!((e.column, e.message.as_str()), (column, message), "{q}");
    }
}

fn inspect(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netsleuth"))
        .arg("inspect")
        .args(args)
        .output()
        .expect("run netsleuth")
}

#[test]
fn inspect_prints_the_matching_events_in_three_forms() {
    let file = data(COWRIE).display().to_string();
    let q = "detail.username = root and outcome = cowrie.login.success";
    let json = inspect(&[&file, "--query", q, "--json"]);
    assert_eq!(json.status.code(), Some(0), "{json:?}");
    let lines: Vec<serde_json::Value> = String::from_utf8(json.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 48);
    assert!(lines.iter().all(|v| v["outcome"] == "cowrie.login.success"
        && v["detail_parts"]["username"] == "root"
        && v["line"].as_u64().is_some()));

    let csv = inspect(&[&file, "--query", q, "--csv"]);
    assert_eq!(csv.status.code(), Some(0), "{csv:?}");
    let mut reader = csv::Reader::from_reader(csv.stdout.as_slice());
    assert_eq!(reader.records().count(), 48);

    let text = inspect(&[&file, "--query", "detail.input ~ wget"]);
    assert_eq!(text.status.code(), Some(0), "{text:?}");
    let out = String::from_utf8(text.stdout).unwrap();
    assert_eq!(
        out.lines().filter(|l| l.contains("wget")).count(),
        3,
        "{out}"
    );
    assert!(String::from_utf8_lossy(&text.stderr).contains("3 of 2,004 events match"));
}

#[test]
fn inspect_refuses_a_bad_query_with_a_caret() {
    let file = data(COWRIE).display().to_string();
    let out = inspect(&[&file, "--query", "source_ip ="]);
    assert_eq!(out.status.code(), Some(64), "{out:?}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("expected a value after '=' at column 12\n  source_ip =\n             ^"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

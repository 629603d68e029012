//! Publishing the report to a real Apache with `mod_dav` on 127.0.0.1, started and stopped by
//! the test: the report and its charts arrive byte for byte; a wrong password and a stopped
//! server give clear errors and keep the local report.

mod real_data;

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

const MODULES: &str = "/usr/lib/apache2/modules";

/// An Apache serving a WebDAV folder behind basic auth, stopped when dropped.
struct Dav {
    child: Child,
    port: u16,
    www: PathBuf,
}

impl Drop for Dav {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_dav(dir: &Path) -> Dav {
    let www = dir.join("www");
    let reports = www.join("reports");
    std::fs::create_dir_all(&reports).unwrap();
    for d in [&www, &reports, &dir.to_path_buf()] {
        std::process::Command::new("chmod")
            .args(["0777"])
            .arg(d)
            .status()
            .unwrap();
    }
    let users = dir.join("users");
    let ok = Command::new("htpasswd")
        .args(["-bcB"])
        .arg(&users)
        .args(["analyst", "s3cret"])
        .output()
        .expect("htpasswd (apache2-utils) is installed");
    assert!(ok.status.success(), "{ok:?}");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let conf = dir.join("httpd.conf");
    let modules = [
        "mpm_prefork",
        "authz_core",
        "authn_core",
        "authn_file",
        "auth_basic",
        "authz_user",
        "dav",
        "dav_fs",
    ]
    .map(|m| format!("LoadModule {m}_module {MODULES}/mod_{m}.so"))
    .join("\n");
    std::fs::write(
        &conf,
        format!(
            "{modules}
ServerRoot {dir}
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile {dir}/httpd.pid
ErrorLog {dir}/error.log
User nobody
Group nogroup
DavLockDB {dir}/DavLock
DocumentRoot {www}
<Directory {www}>
  Dav On
  AuthType Basic
  AuthName netsleuth
  AuthUserFile {users}
  Require valid-user
</Directory>
",
            dir = dir.display(),
            www = www.display(),
            users = users.display(),
        ),
    )
    .unwrap();
    let child = Command::new("apache2")
        .args(["-X", "-f"])
        .arg(&conf)
        .env("APACHE_RUN_DIR", dir)
        .spawn()
        .expect("apache2 is installed (scripts/install-validators)");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "apache did not start: {}",
            std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Dav {
        child,
        port,
        www: reports,
    }
}

fn report(out: &Path, publish: &str, password: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_netsleuth"))
        .arg("report")
        .arg(real_data::data("honeypot/cowrie/cowrie.json.2018-05-19"))
        .arg("--out")
        .arg(out)
        .args(["--publish", publish])
        .env("NETSLEUTH_CACHE_DIR", out.parent().unwrap().join("cache"))
        .env("NETSLEUTH_GEOIP", "")
        .env("NETSLEUTH_PUBLISH_USER", "analyst")
        .env("NETSLEUTH_PUBLISH_PASSWORD", password)
        .output()
        .unwrap()
}

#[test]
fn the_report_arrives_on_a_real_webdav_server_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let dav = start_dav(&dir.path().join("apache"));
    let url = format!("http://127.0.0.1:{}/reports/", dav.port);
    let local = dir.path().join("local");
    std::fs::create_dir(&local).unwrap();

    let out = local.join("cowrie report.md");
    let o = report(&out, &url, "s3cret");
    assert!(o.status.success(), "{o:?}");
    let said = String::from_utf8_lossy(&o.stdout);
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&local).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            assert_eq!(
                std::fs::read(dav.www.join(&name)).unwrap(),
                std::fs::read(&p).unwrap(),
                "{name} arrived unchanged"
            );
            names.push(name);
        }
    }
    assert!(names.len() >= 3, "{names:?}");
    assert!(said.contains("published http://127.0.0.1:"), "{said}");
    assert!(said.contains("cowrie%20report.md"), "{said}");

    // A wrong password: refused, said so, the local report kept.
    let html = local.join("again.html");
    let o = report(&html, &url, "wrong");
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("refused the user name or password (HTTP 401"),
        "{err}"
    );
    assert!(err.contains("the report is kept at"), "{err}");
    assert!(html.is_file());
    assert!(!dav.www.join("again.html").exists());

    // The server stopped.
    drop(dav);
    let o = report(&local.join("third.html"), &url, "s3cret");
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("cannot reach the server"), "{err}");
}

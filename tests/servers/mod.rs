//! Real web servers on 127.0.0.1 for the tests, each under a private folder, taking the
//! client address from `X-Forwarded-For` (trusted from 127.0.0.1 only) so that a test can
//! speak as any address without leaving loopback; stopped when dropped.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A port free on 127.0.0.1 when asked.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Sends `method target` to 127.0.0.1:`port` as `client`; the status code.
pub fn request(port: u16, method: &str, target: &str, client: &str, headers: &str) -> u16 {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let body = if method == "POST" { "a=b" } else { "" };
    write!(
        s,
        "{method} {target} HTTP/1.1\r\nHost: localhost\r\n{headers}X-Forwarded-For: {client}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status in {answer:?}"))
}

/// Waits until something listens on `port`.
fn listening(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{what} did not listen on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A static page every target answers with, POST included, in the content phase (after the
/// access checks, where nginx's `return` would answer before them).
fn page(prefix: &Path) {
    std::fs::create_dir_all(prefix.join("html")).unwrap();
    std::fs::write(prefix.join("html/index.html"), "ok\n").unwrap();
    // Worker processes run as another user: they must reach the page.
    for p in [prefix, &prefix.join("html")] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// nginx, including `include` (a deny list) in its server block.
pub struct Nginx {
    pub prefix: PathBuf,
    pub port: u16,
}

impl Nginx {
    fn args(&self) -> Vec<String> {
        let p = self.prefix.display().to_string();
        vec![
            "-p".into(),
            format!("{p}/"),
            "-c".into(),
            format!("{p}/nginx.conf"),
            "-e".into(),
            format!("{p}/error.log"),
        ]
    }

    /// Starts nginx under `prefix`, its access log at `prefix/access.log`.
    pub fn start(prefix: &Path, include: &Path) -> Nginx {
        Nginx::start_logging(prefix, include, None)
    }

    /// Starts nginx under `prefix`, its access log at `prefix/access.log` in the layout
    /// `log_format` (an nginx `log_format` string), or `combined`.
    pub fn start_logging(prefix: &Path, include: &Path, log_format: Option<&str>) -> Nginx {
        page(prefix);
        let (define, layout) = match log_format {
            Some(f) => (format!("  log_format custom '{f}';\n"), "custom"),
            None => (String::new(), "combined"),
        };
        let port = free_port();
        let p = prefix.display();
        let include = include.display();
        std::fs::write(
            prefix.join("nginx.conf"),
            format!(
                "worker_processes 1;\npid {p}/nginx.pid;\nerror_log {p}/error.log;\n\
                 events {{ worker_connections 64; }}\n\
                 http {{\n{define}  access_log {p}/access.log {layout};\n\
                   client_body_temp_path {p}/body;\n  proxy_temp_path {p}/proxy;\n\
                   fastcgi_temp_path {p}/fastcgi;\n  uwsgi_temp_path {p}/uwsgi;\n\
                   scgi_temp_path {p}/scgi;\n\
                   server {{\n    listen 127.0.0.1:{port};\n\
                     set_real_ip_from 127.0.0.1;\n    real_ip_header X-Forwarded-For;\n\
                     include {include};\n\
                     location / {{\n      root {p}/html;\n      try_files /index.html =404;\n\
                       error_page 405 =200 /index.html;\n    }}\n  }}\n}}\n"
            ),
        )
        .unwrap();
        let n = Nginx {
            prefix: prefix.to_path_buf(),
            port,
        };
        let out = Command::new("nginx")
            .args(n.args())
            .output()
            .unwrap_or_else(|e| {
                panic!("cannot run nginx: {e} (scripts/install-validators installs it)")
            });
        assert!(
            out.status.success(),
            "nginx did not start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        listening(port, "nginx");
        n
    }

    /// The command that reloads its configuration.
    pub fn reload_command(&self) -> String {
        format!("nginx {} -s reload", self.args().join(" "))
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = Command::new("nginx")
            .args(self.args())
            .args(["-s", "stop"])
            .output();
    }
}

/// Apache with mod_remoteip, and mod_security2 when asked, `conf` inside `<Location "/">` or
/// at server level for ModSecurity rules.
pub struct Apache {
    pub prefix: PathBuf,
    pub port: u16,
}

impl Apache {
    fn command(prefix: &Path, action: &str) -> Command {
        let mut c = Command::new("apache2");
        c.env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .env("LANG", "C")
            .args(["-f"])
            .arg(prefix.join("httpd.conf"))
            .args(["-k", action]);
        c
    }

    /// Starts Apache under `prefix` with the rules at `rules`: as `Require` lines inside the
    /// page's location, or (`modsecurity`) as ModSecurity rules.
    pub fn start(prefix: &Path, rules: &Path, modsecurity: bool) -> Apache {
        page(prefix);
        let port = free_port();
        let p = prefix.display();
        let m = "/usr/lib/apache2/modules";
        let rules = rules.display();
        let (server_level, location) = if modsecurity {
            std::fs::create_dir_all(prefix.join("modsec")).unwrap();
            (
                format!(
                    "LoadModule unique_id_module {m}/mod_unique_id.so\n\
                     LoadModule security2_module {m}/mod_security2.so\n\
                     SecRuleEngine On\nSecDataDir \"{p}/modsec\"\nSecTmpDir \"{p}/modsec\"\n\
                     SecAuditEngine Off\nInclude \"{rules}\"\n"
                ),
                "  Require all granted\n".to_owned(),
            )
        } else {
            (String::new(), format!("  Include \"{rules}\"\n"))
        };
        std::fs::write(
            prefix.join("httpd.conf"),
            format!(
                "ServerRoot \"{p}\"\nServerName localhost\nDefaultRuntimeDir \"{p}\"\n\
                 PidFile \"{p}/httpd.pid\"\nMutex file:{p}\nListen 127.0.0.1:{port}\n\
                 ErrorLog \"{p}/error.log\"\nDocumentRoot \"{p}/html\"\n\
                 User www-data\nGroup www-data\n\
                 LoadModule mpm_event_module {m}/mod_mpm_event.so\n\
                 LoadModule authz_core_module {m}/mod_authz_core.so\n\
                 LoadModule authz_host_module {m}/mod_authz_host.so\n\
                 LoadModule dir_module {m}/mod_dir.so\n\
                 LoadModule remoteip_module {m}/mod_remoteip.so\n\
                 RemoteIPHeader X-Forwarded-For\nRemoteIPInternalProxy 127.0.0.1\n\
                 DirectoryIndex index.html\n\
                 {server_level}\
                 <Location \"/\">\n{location}</Location>\n"
            ),
        )
        .unwrap();
        let out = Self::command(prefix, "start").output().unwrap_or_else(|e| {
            panic!("cannot run apache2: {e} (scripts/install-validators installs it)")
        });
        assert!(
            out.status.success(),
            "apache2 did not start: {}{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(prefix.join("error.log")).unwrap_or_default()
        );
        listening(port, "apache2");
        Apache {
            prefix: prefix.to_path_buf(),
            port,
        }
    }
}

impl Drop for Apache {
    fn drop(&mut self) {
        let _ = Self::command(&self.prefix, "stop").output();
        // apache2 -k stop returns before the server has gone: wait for its port to free.
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_ok() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

//! Publishing the report to the team's web server: each file PUT into a WebDAV folder (Apache
//! `mod_dav`, nginx `dav_methods`), with basic auth from the environment, never stored.

use std::path::Path;
use std::time::Duration;

/// Environment variable holding the user name for publishing.
pub const PUBLISH_USER_ENV: &str = "NETSLEUTH_PUBLISH_USER";
/// Environment variable holding the password for publishing.
pub const PUBLISH_PASSWORD_ENV: &str = "NETSLEUTH_PUBLISH_PASSWORD";

/// Credentials for the WebDAV folder.
#[derive(Clone)]
pub struct Credentials {
    /// The user name.
    pub user: String,
    /// The password.
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// The credentials in [`PUBLISH_USER_ENV`] and [`PUBLISH_PASSWORD_ENV`], when both are set.
    pub fn from_env() -> Option<Credentials> {
        Some(Credentials {
            user: std::env::var(PUBLISH_USER_ENV).ok()?,
            password: std::env::var(PUBLISH_PASSWORD_ENV).ok()?,
        })
    }
}

/// PUTs each of `files` into the WebDAV folder `url` (ending in `/` or not) under its own
/// file name. Returns the URLs written, or why the first failure happened; the local files
/// are left as they are either way.
pub fn publish(
    files: &[std::path::PathBuf],
    url: &str,
    credentials: Option<&Credentials>,
) -> Result<Vec<String>, String> {
    let base = url.trim_end_matches('/');
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        return Err(format!("{url}: not an http:// or https:// address"));
    }
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| format!("cannot start the HTTP client: {e}"))?;
    let mut written = Vec::new();
    for file in files {
        let name = file_name(file)?;
        let target = format!("{base}/{name}");
        let body = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
        let mut request = client.put(&target).body(body);
        if let Some(c) = credentials {
            request = request.basic_auth(&c.user, Some(&c.password));
        }
        let response = request.send().map_err(|e| {
            if e.is_connect() {
                format!("{target}: cannot reach the server (is it running, is the address right?)")
            } else if e.is_timeout() {
                format!("{target}: the server did not answer in time")
            } else {
                format!("{target}: {e}")
            }
        })?;
        let status = response.status();
        if !status.is_success() {
            let why = match status.as_u16() {
                401 => "the server refused the user name or password",
                403 => "the server forbids writing there",
                404 | 409 => "the folder does not exist on the server",
                405 => "the server does not accept uploads there (is WebDAV on?)",
                _ => "the server refused the upload",
            };
            return Err(format!("{target}: {why} (HTTP {status})"));
        }
        written.push(target);
    }
    Ok(written)
}

/// The file's name, percent-encoded for a URL path.
fn file_name(file: &Path) -> Result<String, String> {
    let name = file
        .file_name()
        .ok_or_else(|| format!("{}: not a file", file.display()))?
        .to_string_lossy();
    Ok(name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect())
}

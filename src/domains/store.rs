//! Where the domain blocklist lives (`domains.json` in the configuration directory, beside
//! `blocklist.json`), saved atomically.

use std::io;
use std::path::{Path, PathBuf};

use super::list::{DomainList, FILE_VERSION};
use crate::session::write_atomic;

/// The file that holds the domain blocklist in `config_dir`.
pub fn domains_path(config_dir: &Path) -> PathBuf {
    config_dir.join("domains.json")
}

/// Reads the domain blocklist from `path`: an error naming the file when it is damaged
/// (every name is checked again as it is read) or written by a newer version, so that the
/// caller never overwrites it.
pub fn read_domains(path: &Path) -> Result<DomainList, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let list: DomainList = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{} is damaged ({e}); it is left as it is", path.display()))?;
    if list.version > FILE_VERSION {
        return Err(format!(
            "{} was written by a newer netsleuth (layout {}); it is left as it is",
            path.display(),
            list.version
        ));
    }
    Ok(list)
}

/// Loads the domain blocklist kept in `config_dir`: empty when there is none, an error when
/// the file exists but cannot be used.
pub fn load(config_dir: &Path) -> Result<DomainList, String> {
    let path = domains_path(config_dir);
    match std::fs::metadata(&path) {
        Ok(_) => read_domains(&path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(DomainList::default()),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// Writes `list` to `config_dir` atomically (temporary file, sync, rename).
pub fn save(list: &DomainList, config_dir: &Path) -> io::Result<()> {
    save_to(list, &domains_path(config_dir))
}

/// Writes `list` to `path` atomically.
pub fn save_to(list: &DomainList, path: &Path) -> io::Result<()> {
    let json = serde_json::to_vec_pretty(list).map_err(io::Error::other)?;
    write_atomic(path, &json)
}

#[cfg(test)]
mod tests {
    use super::super::entry::{DomainEntry, Origin};
    use super::super::name::DomainName;
    use super::*;

    #[test]
    fn saved_lists_round_trip_and_damage_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()).unwrap(), DomainList::default());
        let mut list = DomainList::default();
        let mut e = DomainEntry::new(
            DomainName::parse("www.hydrocheats.com").unwrap(),
            Origin::Detection,
            "FormBook check-in",
        );
        e.action = super::super::entry::Action::Sinkhole("10.0.0.53".parse().unwrap());
        e.addresses = vec!["104.21.89.147".parse().unwrap()];
        list.entries.push(e);
        save(&list, dir.path()).unwrap();
        assert_eq!(load(dir.path()).unwrap(), list);
        let path = domains_path(dir.path());
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("www.hydrocheats.com", "evil.com\\nfoo");
        std::fs::write(&path, text).unwrap();
        let e = load(dir.path()).unwrap_err();
        assert!(
            e.contains("is damaged") && e.contains("control character"),
            "{e}"
        );
    }
}

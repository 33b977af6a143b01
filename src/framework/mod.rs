//! Frameworks: the requirement catalogues that control `refs` point into.
//! In: an OSCAL catalog (JSON bytes; a resolved-profile catalog is one too)
//! or the requirements a policy writes inline. Out: a `Catalog`, its
//! requirements in document order with an index by id.
//!
//! Invariant: requirement ids are unique within a catalog (the first of a
//! repeated id wins), and a catalog file is read and parsed once per
//! session, then shared (`Arc`), never copied per check or per control.

mod oscal;

use sha2::{Digest as _, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Codes of the diagnostics about catalog files, which the checker
/// reports again on every check (the session keeps the loaded catalogs).
pub const CATALOG_CODES: &[&str] = &["F005"];

/// Larger than any published catalog (NIST 800-53 rev5 in full is 10 MB):
/// a bigger file is refused before it is read.
pub const MAX_CATALOG_BYTES: u64 = 64 << 20;

/// One requirement of a framework: `ac-3` "Access Enforcement".
#[derive(Clone, Debug, PartialEq)]
pub struct Requirement {
    pub id: String,
    pub title: String,
    /// How the framework itself prints the id (OSCAL's `label` prop,
    /// e.g. `AC-3`), when it says.
    pub label: Option<String>,
    /// The group (family) the requirement sits in, by title.
    pub group: Option<String>,
}

#[derive(Debug, Default)]
pub struct Catalog {
    pub title: String,
    pub version: Option<String>,
    pub requirements: Vec<Requirement>,
    index: HashMap<String, usize>,
}

impl Catalog {
    /// A catalog of `requirements` in the given order; returns the ids that
    /// were given more than once (each after the first is dropped).
    pub fn new(
        title: String,
        version: Option<String>,
        requirements: Vec<Requirement>,
    ) -> (Catalog, Vec<String>) {
        let mut catalog = Catalog {
            title,
            version,
            requirements: Vec::with_capacity(requirements.len()),
            index: HashMap::with_capacity(requirements.len()),
        };
        let mut repeated = Vec::new();
        for r in requirements {
            if catalog.index.contains_key(&r.id) {
                repeated.push(r.id);
                continue;
            }
            catalog
                .index
                .insert(r.id.clone(), catalog.requirements.len());
            catalog.requirements.push(r);
        }
        (catalog, repeated)
    }

    /// Reads an OSCAL catalog document (`{"catalog": {...}}`, JSON).
    pub fn from_oscal(bytes: &[u8]) -> Result<Catalog, String> {
        let (catalog, _) = oscal::read(bytes)?;
        Ok(catalog)
    }

    /// The position of requirement `id`, if the catalog has it.
    pub fn find(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.requirements.iter().map(|r| r.id.as_str())
    }
}

/// A catalog read from a file, with the digest of the bytes read.
#[derive(Clone, Debug)]
pub struct LoadedCatalog {
    pub catalog: Arc<Catalog>,
    pub digest: FileDigest,
}

/// The catalogs a session has read, by canonical path, or why each could
/// not be read.
#[derive(Default)]
pub struct Catalogs {
    loaded: HashMap<PathBuf, Result<LoadedCatalog, String>>,
}

impl Catalogs {
    /// Where `framework NAME from "rel"` in a file of folder `base` points.
    pub fn resolve(base: &Path, rel: &str) -> PathBuf {
        let path = base.join(rel);
        path.canonicalize().unwrap_or(path)
    }

    /// Reads and parses the catalog at `rel` from `base`, unless it was
    /// read already; `name` gives the path as reports show it.
    pub fn load(&mut self, base: &Path, rel: &str, name: impl Fn(&Path) -> String) {
        let path = Catalogs::resolve(base, rel);
        if self.loaded.contains_key(&path) {
            return;
        }
        let loaded = read_catalog(&base.join(rel), name);
        self.loaded.insert(path, loaded);
    }

    /// What loading `rel` from `base` gave; None when it was never loaded.
    pub fn get(&self, base: &Path, rel: &str) -> Option<&Result<LoadedCatalog, String>> {
        self.loaded.get(&Catalogs::resolve(base, rel))
    }
}

fn read_catalog(path: &Path, name: impl Fn(&Path) -> String) -> Result<LoadedCatalog, String> {
    // Read in pieces within the limit: a FIFO or device has no size to check first.
    let bytes =
        crate::session::read_json_text(path, MAX_CATALOG_BYTES).map_err(|e| e.to_string())?;
    let catalog = Catalog::from_oscal(&bytes)?;
    Ok(LoadedCatalog {
        catalog: Arc::new(catalog),
        digest: FileDigest::of(name(path), &[&bytes]),
    })
}

/// An input file as a report names it: where it was read from, how long it
/// is, and the SHA-256 of its bytes (as `sha256sum` prints it).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FileDigest {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

impl FileDigest {
    pub fn of(path: String, parts: &[&[u8]]) -> FileDigest {
        let mut hasher = Sha256::new();
        let mut bytes = 0u64;
        for part in parts {
            hasher.update(part);
            bytes += part.len() as u64;
        }
        let sha256 = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        FileDigest {
            path,
            bytes,
            sha256,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_is_sha256() {
        // FIPS 180-2, appendix B.1.
        let d = FileDigest::of("abc".into(), &[b"a", b"bc"]);
        assert_eq!(
            d.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(d.bytes, 3);
    }

    #[test]
    fn repeated_ids_keep_the_first() {
        let r = |id: &str, title: &str| Requirement {
            id: id.into(),
            title: title.into(),
            label: None,
            group: None,
        };
        let (c, repeated) = Catalog::new(
            "t".into(),
            None,
            vec![r("a", "first"), r("b", "b"), r("a", "second")],
        );
        assert_eq!(repeated, ["a"]);
        assert_eq!(c.requirements.len(), 2);
        assert_eq!(c.requirements[c.find("a").unwrap()].title, "first");
    }
}

//! Published playbooks: a trainer's playbook, with the scripts it runs and the concepts and
//! personas beside it, frozen as an immutable, numbered version that every client uses. This
//! module makes a bundle from content, checks it (validation and its own tests: a playbook
//! with errors or failing tests is never published), hashes it, tells a version this build
//! cannot read, and compares two versions. It reads no database and draws nothing: the store
//! keeps the versions for both backends.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::msg::Text;
use crate::playbook::load::{Content, SourceFile};
use crate::playbook::{Library, Report};

/// The bundle format this build writes and reads. A version of a later format is kept and
/// listed as needing a newer salesdojo, never loaded.
pub const FORMAT: u32 = 1;

/// The files of one published playbook by path: `playbook.yaml`, `scripts/NAME.rhai`,
/// `concepts.yaml`, `personas.yaml`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    pub files: BTreeMap<String, String>,
}

/// The path of the playbook itself in a bundle.
pub const PLAYBOOK_FILE: &str = "playbook.yaml";

impl Bundle {
    /// The bundle of the one playbook in `c` (read from a playbook file: its personas,
    /// concepts and scripts come with it), keeping only the scripts it runs.
    pub fn from_content(c: &Content, scripts_used: &[String]) -> Option<Bundle> {
        let [pb] = c.playbooks.as_slice() else {
            return None;
        };
        let text = |f: &SourceFile| String::from_utf8_lossy(&f.bytes).into_owned();
        let mut files = BTreeMap::new();
        files.insert(PLAYBOOK_FILE.to_owned(), text(pb));
        if let Some(f) = &c.concepts {
            files.insert("concepts.yaml".to_owned(), text(f));
        }
        if let Some(f) = &c.personas {
            files.insert("personas.yaml".to_owned(), text(f));
        }
        for (path, f) in &c.scripts {
            if scripts_used.contains(path) {
                files.insert(path.clone(), text(f));
            }
        }
        Some(Bundle { files })
    }

    /// SHA-256 of every path and its text, in path order: the version's identity. A cached
    /// copy whose files give another hash is not the version.
    pub fn hash(&self) -> String {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        for (path, text) in &self.files {
            h.update(path.as_bytes());
            h.update([0]);
            h.update(text.as_bytes());
            h.update([0]);
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The bundle as a content layer. In diagnostics the playbook is named `source` and the
    /// other files by their path beside it (`scripts/x.rhai` under `source`'s folder).
    pub fn content(&self, source: &str) -> Content {
        let dir = std::path::Path::new(source)
            .parent()
            .map(|d| d.display().to_string())
            .filter(|d| !d.is_empty());
        let mut c = Content::default();
        for (path, text) in &self.files {
            let display = match (path.as_str(), &dir) {
                (PLAYBOOK_FILE, _) => source.to_owned(),
                (_, Some(d)) => format!("{d}/{path}"),
                (_, None) => path.clone(),
            };
            let f = SourceFile {
                display,
                bytes: Arc::from(text.as_bytes()),
            };
            match path.as_str() {
                PLAYBOOK_FILE => c.playbooks.push(f),
                "concepts.yaml" => c.concepts = Some(f),
                "personas.yaml" => c.personas = Some(f),
                p if p.starts_with("scripts/") => {
                    c.scripts.insert(path.clone(), f);
                }
                _ => {}
            }
        }
        c
    }

    /// The JSON the store keeps.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.files).unwrap_or_else(|_| "{}".to_owned())
    }

    /// A bundle from the store's JSON; `None` when it is not one.
    pub fn from_json(json: &str) -> Option<Bundle> {
        serde_json::from_str(json)
            .ok()
            .map(|files| Bundle { files })
    }
}

/// A published version as the store keeps it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Version {
    pub playbook: String,
    pub version: u32,
    pub hash: String,
    pub format: u32,
    pub note: Option<String>,
    pub published_by: String,
    pub published_at: String,
    /// The files, when read (listings leave them out).
    #[serde(skip)]
    pub bundle: Option<Bundle>,
}

/// Whether this build can use a stored version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Usable {
    Yes,
    /// Written in a later bundle format: kept, listed, never loaded.
    NeedsNewer,
    /// Its files do not give its hash (a damaged copy): not used; read it again.
    Damaged,
}

/// Whether `v` (with its files) can be used here.
pub fn usable(v: &Version) -> Usable {
    if v.format > FORMAT {
        return Usable::NeedsNewer;
    }
    match &v.bundle {
        Some(b) if b.hash() == v.hash => Usable::Yes,
        _ => Usable::Damaged,
    }
}

/// What checking a bundle found: the playbook it holds and how many of its tests passed.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub playbook: String,
    pub yaml_version: u32,
    pub tests_passed: usize,
}

/// Why a bundle is not published: every diagnostic and failing test, as `salesdojo validate`
/// and `salesdojo test` print them.
#[derive(Debug, Clone, PartialEq)]
pub struct Refused(pub Text);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.en)
    }
}

impl std::error::Error for Refused {}

/// Validates `bundle` over the bundled content (as it will load on every client) and runs its
/// playbook's tests; any error or failing test refuses it, with all of them.
pub fn check(bundle: &Bundle, source: &str) -> Result<Checked, Refused> {
    let mut report = Report::default();
    let mut lib: Library = crate::playbook::load(
        &[Content::bundled_support(), bundle.content(source)],
        &mut report,
    );
    lib.playbooks.retain(|p| p.source.file == source);
    let host = crate::script::ScriptHost::new(&lib);
    crate::script::check_library(&lib, &host, &mut report);
    if report.errors() > 0 {
        let en = report.render_in(crate::msg::Lang::En);
        let zh = report.render_in(crate::msg::Lang::Zh);
        return Err(Refused(crate::msg::publish_invalid(
            Text { en, zh },
            report.errors(),
        )));
    }
    let Some(pb) = lib.playbooks.first() else {
        return Err(Refused(crate::msg::publish_no_playbook()));
    };
    let run = crate::practice::playbook_tests::check(pb, Some(&host));
    if !run.failures.is_empty() {
        let lines = |lang: crate::msg::Lang| {
            run.failures
                .iter()
                .map(|f| f.line_text_in(lang))
                .collect::<Vec<_>>()
                .join("\n")
        };
        let lines = Text {
            en: lines(crate::msg::Lang::En),
            zh: lines(crate::msg::Lang::Zh),
        };
        return Err(Refused(crate::msg::publish_tests_fail(
            lines,
            run.failures.len(),
        )));
    }
    Ok(Checked {
        playbook: pb.id.clone(),
        yaml_version: pb.version,
        tests_passed: run.passed,
    })
}

/// Content layers, and the versions left out: (playbook, version, why).
pub type Layers = (Vec<Content>, Vec<(String, u32, Usable)>);

/// The published versions as content layers, one per playbook: its latest usable version
/// (with its own concepts and personas). Those this build cannot use are left out and named.
pub fn layers(versions: &[Version]) -> Layers {
    let mut latest: BTreeMap<&str, &Version> = BTreeMap::new();
    let mut skipped = Vec::new();
    for v in versions {
        match usable(v) {
            Usable::Yes => {
                let newer = latest
                    .get(v.playbook.as_str())
                    .is_none_or(|l| l.version < v.version);
                if newer {
                    latest.insert(&v.playbook, v);
                }
            }
            why => skipped.push((v.playbook.clone(), v.version, why)),
        }
    }
    let layers = latest
        .values()
        .filter_map(|v| {
            v.bundle.as_ref().map(|b| {
                b.content(&format!(
                    "published/{}@{}/{PLAYBOOK_FILE}",
                    v.playbook, v.version
                ))
            })
        })
        .collect();
    (layers, skipped)
}

/// The published version an attempt was played on: the one (of `versions`, with files) whose
/// playbook file is the one the attempt recorded (`playbook_hash`, the file's FNV-1a, as every
/// attempt keeps it). The latest such version when the same files were published twice.
pub fn played_on(versions: &[Version], playbook: &str, playbook_hash: &str) -> Option<u32> {
    versions
        .iter()
        .filter(|v| v.playbook == playbook && usable(v) == Usable::Yes)
        .filter(|v| {
            v.bundle
                .as_ref()
                .and_then(|b| b.files.get(PLAYBOOK_FILE))
                .is_some_and(|t| crate::playbook::load::fnv1a_hex(t.as_bytes()) == playbook_hash)
        })
        .map(|v| v.version)
        .max()
}

/// The content each published version was played on, for scoring an attempt again against
/// what its trainee saw (today's scoring, that version's playbook, scripts and concepts): one
/// library per usable version, found by the playbook id and the FNV-1a of its playbook file,
/// as every attempt records them. The latest version when the same playbook file was
/// published twice.
#[derive(Default)]
pub struct AsPlayed {
    by_file: std::collections::HashMap<(String, String), Played>,
}

/// One published version, loaded.
pub struct Played {
    pub version: u32,
    pub lib: Library,
    pub host: crate::script::ScriptHost,
}

impl AsPlayed {
    /// Loads every usable version of `versions` (with their files), each over the bundled
    /// personas, concepts and scripts, as [`check`] validated it.
    pub fn new(versions: &[Version]) -> AsPlayed {
        let mut by_file: std::collections::HashMap<(String, String), Played> =
            std::collections::HashMap::new();
        for v in versions {
            let (Usable::Yes, Some(b)) = (usable(v), &v.bundle) else {
                continue;
            };
            let Some(text) = b.files.get(PLAYBOOK_FILE) else {
                continue;
            };
            let key = (
                v.playbook.clone(),
                crate::playbook::load::fnv1a_hex(text.as_bytes()),
            );
            if by_file.get(&key).is_some_and(|p| p.version > v.version) {
                continue;
            }
            let source = format!("published/{}@{}/{PLAYBOOK_FILE}", v.playbook, v.version);
            let mut report = Report::default();
            let lib = crate::playbook::load(
                &[Content::bundled_support(), b.content(&source)],
                &mut report,
            );
            if lib.playbook(&v.playbook).is_none() {
                continue;
            }
            let host = crate::script::ScriptHost::new(&lib);
            by_file.insert(
                key,
                Played {
                    version: v.version,
                    lib,
                    host,
                },
            );
        }
        AsPlayed { by_file }
    }

    /// The version whose playbook file an attempt recorded (`playbook_hash`), loaded.
    pub fn get(&self, playbook: &str, playbook_hash: &str) -> Option<&Played> {
        self.by_file
            .get(&(playbook.to_owned(), playbook_hash.to_owned()))
    }

    /// How many versions were loaded.
    pub fn len(&self) -> usize {
        self.by_file.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_file.is_empty()
    }
}

/// The line changes from `a` to `b`, per file, as a unified diff (empty: the same files).
pub fn diff(a: &Bundle, b: &Bundle, a_name: &str, b_name: &str) -> String {
    let mut out = String::new();
    let paths: std::collections::BTreeSet<&String> = a.files.keys().chain(b.files.keys()).collect();
    for p in paths {
        let old = a.files.get(p).map_or("", String::as_str);
        let new = b.files.get(p).map_or("", String::as_str);
        if old == new {
            continue;
        }
        let d = similar::TextDiff::from_lines(old, new);
        out.push_str(
            &d.unified_diff()
                .context_radius(3)
                .header(&format!("{a_name}/{p}"), &format!("{b_name}/{p}"))
                .to_string(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle(yaml: &str) -> Bundle {
        let mut files = BTreeMap::new();
        files.insert(PLAYBOOK_FILE.to_owned(), yaml.to_owned());
        Bundle { files }
    }

    #[test]
    fn the_hash_follows_every_byte_and_the_json_keeps_the_files() {
        let a = bundle("id: x\n");
        let b = bundle("id: y\n");
        assert_ne!(a.hash(), b.hash());
        assert_eq!(a.hash().len(), 64);
        assert_eq!(Bundle::from_json(&a.to_json()), Some(a.clone()));
        let v = Version {
            playbook: "x".into(),
            version: 1,
            hash: a.hash(),
            format: FORMAT,
            note: None,
            published_by: "t".into(),
            published_at: "2026-12-06T00:00:00Z".into(),
            bundle: Some(a.clone()),
        };
        assert_eq!(usable(&v), Usable::Yes);
        let damaged = Version {
            bundle: Some(b.clone()),
            ..v.clone()
        };
        assert_eq!(usable(&damaged), Usable::Damaged);
        let newer = Version {
            format: FORMAT + 1,
            ..v.clone()
        };
        assert_eq!(usable(&newer), Usable::NeedsNewer);
        let (layers, skipped) = layers(&[v, damaged, newer]);
        assert_eq!(layers.len(), 1);
        assert_eq!(skipped.len(), 2);
        let d = diff(&a, &b, "x@1", "x@2");
        assert!(d.contains("-id: x") && d.contains("+id: y"), "{d}");
        assert!(diff(&a, &a, "x@1", "x@1").is_empty());
    }

    #[test]
    fn a_bundled_playbook_passes_and_a_broken_one_is_refused_with_its_errors() {
        let yaml = crate::playbook::bundled::FILES
            .iter()
            .find(|(p, _)| p.ends_with("02_jewelry.yaml"))
            .map(|(_, t)| (*t).to_owned())
            .unwrap_or_default();
        let mut b = bundle(&yaml);
        for (p, t) in crate::playbook::bundled::FILES {
            if p.starts_with("scripts/") {
                b.files.insert((*p).to_owned(), (*t).to_owned());
            }
        }
        let ok = check(&b, "published/jewelry@1/playbook.yaml").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ok.playbook, "jewelry");
        assert!(ok.tests_passed > 10);
        let broken = bundle(&yaml.replacen("persona: ", "persona: nobody-", 1));
        let e = check(&broken, "mine/02_jewelry.yaml").unwrap_err();
        assert!(
            e.0.en
                .contains("mine/02_jewelry.yaml:253:14: error: unknown customer type"),
            "{}",
            e.0.en
        );
    }
}

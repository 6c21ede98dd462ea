//! The trainer's workspace: their own playbooks and scripts beside the bundled ones, checked
//! as they are edited, tried on a sample reply and pinned by tests. UI-free: the desktop app's
//! authoring view is a face over it, as `validate`, `score` and `test` are on the command line.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};

use crate::playbook::load::{Content, MAX_FILE_BYTES, SourceFile, content_root, load};
use crate::playbook::{Library, Report, bundled};
use crate::practice::Answer;
use crate::script::{self, ScriptHost};

/// Where a file comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    /// The trainer's own folder: editable.
    User,
    /// Compiled into the app: read-only, copied to the user's folder to be changed.
    Bundled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Playbook,
    Personas,
    Concepts,
    Script,
}

/// One file of the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// Relative to the content root: `playbooks/x.yaml`, `scripts/x.rhai`.
    pub key: String,
    pub origin: Origin,
    pub kind: Kind,
    /// On disk (the user's files only).
    pub path: Option<PathBuf>,
}

impl FileEntry {
    /// The file's name without its folder.
    pub fn name(&self) -> &str {
        self.key.rsplit('/').next().unwrap_or(&self.key)
    }
}

/// What a workspace operation could not do.
#[derive(Debug, thiserror::Error)]
pub enum AuthorError {
    #[error("'{0}' is already in your folder")]
    Exists(String),
    #[error("'{0}' is not a bundled file")]
    NotBundled(String),
    #[error("'{0}' is not one of your files")]
    NotYours(String),
    #[error("a playbook id is lower-case letters, digits and '-' (got '{0}')")]
    BadId(String),
    #[error("cannot write '{path}': {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("'{path}' is larger than the {limit_mib} MiB limit for content files")]
    TooLarge { path: String, limit_mib: usize },
    #[error("cannot read '{path}': {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl crate::msg::Localized for AuthorError {
    fn zh(&self) -> String {
        match self {
            AuthorError::Exists(f) => format!("“{f}”已经在你的文件夹里"),
            AuthorError::NotBundled(f) => format!("“{f}”不是内置文件"),
            AuthorError::NotYours(f) => format!("“{f}”不是你的文件"),
            AuthorError::BadId(id) => {
                format!("剧本 id 只能用小写字母、数字和“-”（现在是“{id}”）")
            }
            AuthorError::Write { path, source } => format!("无法写入“{path}”：{source}"),
            AuthorError::TooLarge { path, limit_mib } => {
                format!("“{path}”超过了内容文件 {limit_mib} MiB 的上限")
            }
            AuthorError::Read { path, source } => format!("无法读取“{path}”：{source}"),
        }
    }
}

/// The trainer's content folder: `playbooks/` (and `personas.yaml` in it) and `scripts/` under
/// one root, laid out like the bundled set so a copied playbook finds its script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    root: PathBuf,
    playbooks: PathBuf,
}

impl Workspace {
    /// The workspace of a folder given as `--playbooks`: a content root holding `playbooks/`,
    /// or a playbooks folder whose scripts are in `../scripts` (as the loader reads them). A
    /// folder that is neither yet (missing, or empty) becomes a content root, so the scripts
    /// written to it stay inside it — unless it is named `playbooks`, like the default folder.
    pub fn at(dir: &Path) -> Self {
        let holds_playbooks = std::fs::read_dir(dir).is_ok_and(|mut entries| {
            entries.any(|e| {
                e.is_ok_and(|e| {
                    let p = e.path();
                    p.extension().is_some_and(|x| x == "yaml" || x == "yml")
                        || p.join("playbook.yaml").is_file()
                })
            })
        });
        let named_playbooks = dir.file_name().is_some_and(|n| n == "playbooks");
        if dir.join("playbooks").is_dir() || !(holds_playbooks || named_playbooks) {
            Self {
                root: dir.to_path_buf(),
                playbooks: dir.join("playbooks"),
            }
        } else {
            Self {
                root: content_root(dir),
                playbooks: dir.to_path_buf(),
            }
        }
    }

    /// The per-user default folder.
    pub fn default_dir() -> Option<Self> {
        crate::playbook::load::user_dir().map(|d| Self::at(&d))
    }

    /// The content root: `playbooks/` and `scripts/` are in it.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The folders to watch for changes: the playbooks and the scripts folder, those that
    /// exist (not the root: it may be a data or home folder with much else in it).
    pub fn watched(&self) -> Vec<PathBuf> {
        [self.playbooks.clone(), self.scripts_dir()]
            .into_iter()
            .filter(|d| d.is_dir())
            .collect()
    }

    pub fn playbooks_dir(&self) -> &Path {
        &self.playbooks
    }

    pub fn scripts_dir(&self) -> PathBuf {
        self.root.join("scripts")
    }

    /// Creates the folders if they are missing.
    pub fn create(&self) -> Result<(), AuthorError> {
        for d in [self.playbooks.clone(), self.scripts_dir()] {
            std::fs::create_dir_all(&d).map_err(|source| AuthorError::Write {
                path: d.display().to_string(),
                source,
            })?;
        }
        Ok(())
    }

    /// The library as the app uses it: the bundled set with this folder over it.
    pub fn load(&self, report: &mut Report) -> Library {
        self.load_over(&[], report)
    }

    /// The library with published playbooks between the bundled ones and this folder.
    pub fn load_over(&self, published: &[Content], report: &mut Report) -> Library {
        let mut layers = vec![Content::bundled()];
        layers.extend(published.iter().cloned());
        layers.push(self.user_content(report));
        load(&layers, report)
    }

    /// The user's files, then the bundled ones, each sorted by key.
    pub fn files(&self) -> Vec<FileEntry> {
        let mut out = Vec::new();
        {
            let c = self.user_content(&mut Report::default());
            let file = |f: &SourceFile, kind| FileEntry {
                key: self.key_of(Path::new(&f.display)),
                origin: Origin::User,
                kind,
                path: Some(PathBuf::from(&f.display)),
            };
            out.extend(c.playbooks.iter().map(|f| file(f, Kind::Playbook)));
            out.extend(c.personas.iter().map(|f| file(f, Kind::Personas)));
            out.extend(c.concepts.iter().map(|f| file(f, Kind::Concepts)));
            out.extend(c.scripts.values().map(|f| file(f, Kind::Script)));
        }
        for (key, _) in bundled::FILES {
            if key.ends_with(".d.rhai") {
                continue;
            }
            out.push(FileEntry {
                key: (*key).to_owned(),
                origin: Origin::Bundled,
                kind: kind_of(key),
                path: None,
            });
        }
        out.sort_by(|a, b| (a.origin, a.kind, &a.key).cmp(&(b.origin, b.kind, &b.key)));
        out
    }

    /// A path's key relative to the root (`playbooks/x.yaml`), or its file name.
    fn key_of(&self, path: &Path) -> String {
        if let Ok(rel) = path.strip_prefix(&self.playbooks) {
            return format!("playbooks/{}", slashes(rel));
        }
        if let Ok(rel) = path.strip_prefix(&self.root) {
            return slashes(rel);
        }
        path.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    }

    /// Where a key lives in this folder.
    pub fn path_of(&self, key: &str) -> PathBuf {
        match key.strip_prefix("playbooks/") {
            Some(rest) => self.playbooks.join(rest),
            None => self.root.join(key),
        }
    }

    /// A file's text: the bundled copy, or the file on disk (at most the loader's size limit,
    /// UTF-8).
    pub fn read(&self, entry: &FileEntry) -> Result<String, AuthorError> {
        match &entry.path {
            Some(p) => {
                let err = |source| AuthorError::Read {
                    path: p.display().to_string(),
                    source,
                };
                // Never blocks on a FIFO or device: only a regular file is read.
                let f = crate::playbook::load::open_regular(p)
                    .map_err(err)?
                    .ok_or_else(|| {
                        err(std::io::Error::other(
                            "not a regular file (a FIFO, device or socket)",
                        ))
                    })?;
                let len = f.metadata().map_err(err)?.len();
                if len > MAX_FILE_BYTES as u64 {
                    return Err(AuthorError::TooLarge {
                        path: p.display().to_string(),
                        limit_mib: MAX_FILE_BYTES / (1024 * 1024),
                    });
                }
                let mut text = String::new();
                std::io::Read::read_to_string(
                    &mut std::io::Read::take(f, MAX_FILE_BYTES as u64),
                    &mut text,
                )
                .map_err(err)?;
                Ok(text)
            }
            None => bundled_text(&entry.key)
                .map(str::to_owned)
                .ok_or_else(|| AuthorError::NotBundled(entry.key.clone())),
        }
    }

    /// Copies a bundled file into this folder, under the same key, so it can be edited; the
    /// copy then overrides the bundled one (a playbook by its id, a script by its path).
    pub fn copy_bundled(&self, key: &str) -> Result<FileEntry, AuthorError> {
        let text = bundled_text(key).ok_or_else(|| AuthorError::NotBundled(key.to_owned()))?;
        let path = self.path_of(key);
        if path.exists() {
            return Err(AuthorError::Exists(path.display().to_string()));
        }
        self.create()?;
        save(&path, text)?;
        // The record of its confirmed translations comes along: an unchanged copy has
        // nothing for a translator to do.
        let record = format!("{key}.locales.json");
        if let Some((_, json)) = bundled::RECORDS.iter().find(|(k, _)| *k == record) {
            save(&crate::playbook::locales::record_path(&path), json)?;
        }
        Ok(FileEntry {
            key: key.to_owned(),
            origin: Origin::User,
            kind: kind_of(key),
            path: Some(path),
        })
    }

    /// Takes one of the trainer's files out of use: it is moved to `.deleted/` in the folder
    /// (named with the time, so nothing is lost and it can be put back by hand), with its
    /// autosave. A copy of a bundled file gives the bundled one back. Returns where it went.
    pub fn remove(&self, entry: &FileEntry) -> Result<PathBuf, AuthorError> {
        let path = entry
            .path
            .as_ref()
            .filter(|p| entry.origin == Origin::User && p.starts_with(&self.root))
            .ok_or_else(|| AuthorError::NotYours(entry.key.clone()))?;
        let bin = self.root.join(".deleted");
        let write = |source| AuthorError::Write {
            path: bin.display().to_string(),
            source,
        };
        std::fs::create_dir_all(&bin).map_err(write)?;
        let name = path
            .file_name()
            .map_or_else(|| "file".to_owned(), |n| n.to_string_lossy().into_owned());
        let to = bin.join(format!(
            "{}-{name}",
            chrono::Local::now().format("%Y%m%d-%H%M%S")
        ));
        std::fs::rename(path, &to).map_err(write)?;
        discard_autosave(path);
        Ok(to)
    }

    /// A new playbook from the template, `playbooks/ID.yaml`.
    pub fn new_playbook(&self, id: &str) -> Result<FileEntry, AuthorError> {
        let ok = !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok {
            return Err(AuthorError::BadId(id.to_owned()));
        }
        let key = format!("playbooks/{id}.yaml");
        let path = self.path_of(&key);
        if path.exists() {
            return Err(AuthorError::Exists(path.display().to_string()));
        }
        self.create()?;
        save(&path, &template(id))?;
        Ok(FileEntry {
            key,
            origin: Origin::User,
            kind: Kind::Playbook,
            path: Some(path),
        })
    }

    /// Checks the workspace as it would load with `text` in place of `path` (a file being
    /// edited, saved or not): the validator's and the script compiler's diagnostics, and the
    /// library and script host it builds, for trying replies against the draft.
    pub fn check(&self, path: &Path, text: &str) -> Checked {
        // The editor shows translation slips too, as `validate --locales` does.
        let mut report = Report::default();
        report.translations = true;
        let mut user = self.user_content(&mut report);
        let display = display_of(path);
        if text.len() > MAX_FILE_BYTES {
            // As the loader refuses such a file: not parsed.
            report.push(crate::playbook::load::too_large(&display));
            user.playbooks.retain(|f| f.display != display);
            user.scripts.remove(&self.key_of(path));
            return finish_check(display, user, report);
        }
        let file = SourceFile {
            display: display.clone(),
            bytes: Arc::from(text.as_bytes()),
        };
        let key = self.key_of(path);
        match kind_of(&key) {
            Kind::Script => {
                user.scripts.insert(key, file);
            }
            Kind::Personas => user.personas = Some(file),
            Kind::Concepts => user.concepts = Some(file),
            Kind::Playbook => match user.playbooks.iter_mut().find(|f| f.display == display) {
                Some(slot) => *slot = file,
                None => user.playbooks.push(file),
            },
        }
        finish_check(display, user, report)
    }

    /// Checks the workspace as it is, for a bundled file `key` (read-only, so never edited):
    /// its diagnostics and a library to try its replies in.
    pub fn check_bundled(&self, key: &str) -> Checked {
        let mut report = Report::default();
        let user = self.user_content(&mut report);
        finish_check(key.to_owned(), user, report)
    }

    /// The trainer's folder as the loader reads it (nothing when it does not exist yet; a
    /// folder that cannot be read is a diagnostic).
    fn user_content(&self, report: &mut Report) -> Content {
        if !self.playbooks.is_dir() {
            return Content::default();
        }
        Content::from_path(&self.playbooks, report).unwrap_or_else(|e| {
            report.push(crate::playbook::Diagnostic::error(
                self.playbooks.display().to_string(),
                None,
                crate::msg::Text {
                    en: e.to_string(),
                    zh: crate::msg::Localized::zh(&e),
                },
            ));
            Content::default()
        })
    }
}

fn finish_check(display: String, user: Content, mut report: Report) -> Checked {
    let draft = user
        .playbooks
        .iter()
        .find(|f| f.display == display)
        .cloned();
    let lib = load(&[Content::bundled(), user], &mut report);
    let host = ScriptHost::new(&lib);
    script::check_library(&lib, &host, &mut report);
    crate::practice::rehearse::check(&lib, &host, &mut report);
    // A draft that does not load is still drawn as written, with what is wrong in it.
    let loaded = lib.playbooks.iter().any(|p| p.source.file == display);
    let sketch = draft
        .filter(|_| !loaded)
        .and_then(|f| crate::playbook::load::sketch(&f, &lib))
        .map(Arc::new);
    Checked {
        display,
        report,
        lib: Arc::new(lib),
        host: Arc::new(host),
        sketch,
    }
}

/// A checked draft: diagnostics name the edited file `display`.
pub struct Checked {
    pub display: String,
    pub report: Report,
    pub lib: Arc<Library>,
    pub host: Arc<ScriptHost>,
    /// The edited playbook as written when it does not load (errors and all), for its graph.
    pub sketch: Option<Arc<crate::playbook::Playbook>>,
}

fn slashes(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The name the loader gives a file read from `path` (diagnostics use it).
pub fn display_of(path: &Path) -> String {
    let d = path.display().to_string();
    d.strip_prefix("./").map_or(d.clone(), str::to_owned)
}

fn kind_of(key: &str) -> Kind {
    if key.ends_with(".rhai") {
        Kind::Script
    } else if key.ends_with(crate::playbook::load::PERSONAS_FILE) {
        Kind::Personas
    } else if key.ends_with(crate::playbook::load::CONCEPTS_FILE) {
        Kind::Concepts
    } else {
        Kind::Playbook
    }
}

fn bundled_text(key: &str) -> Option<&'static str> {
    bundled::FILES
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, t)| *t)
}

/// Writes a file the way editors do: a temporary file beside it, flushed, then renamed over
/// it, so a crash leaves the old or the new text, never half of one. Clears the autosave.
pub fn save(path: &Path, text: &str) -> Result<(), AuthorError> {
    use std::io::Write as _;
    let err = |source| AuthorError::Write {
        path: path.display().to_string(),
        source,
    };
    let tmp = hidden_beside(path, "saving");
    let mut f = std::fs::File::create(&tmp).map_err(err)?;
    f.write_all(text.as_bytes()).map_err(err)?;
    f.sync_all().map_err(err)?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(err)?;
    let _ = std::fs::remove_file(autosave_path(path));
    Ok(())
}

/// `dir/.name.suffix`: hidden, and not a playbook or script, so neither the loader nor the
/// watcher take it for content.
fn hidden_beside(path: &Path, suffix: &str) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.{suffix}"))
}

/// Where unsaved changes to `path` are kept until they are saved or discarded.
pub fn autosave_path(path: &Path) -> PathBuf {
    hidden_beside(path, "autosave")
}

/// Keeps unsaved text beside the file (a crash loses nothing typed before the last autosave).
pub fn autosave(path: &Path, text: &str) -> Result<(), AuthorError> {
    let a = autosave_path(path);
    std::fs::write(&a, text).map_err(|source| AuthorError::Write {
        path: a.display().to_string(),
        source,
    })
}

/// Unsaved text left beside `path` by an earlier session, when it differs from the file.
pub fn recovered(path: &Path) -> Option<String> {
    let saved = std::fs::read_to_string(autosave_path(path)).ok()?;
    let on_disk = std::fs::read_to_string(path).unwrap_or_default();
    (saved != on_disk).then_some(saved)
}

pub fn discard_autosave(path: &Path) {
    let _ = std::fs::remove_file(autosave_path(path));
}

/// A new playbook that validates cleanly: one stage, one criterion, one scenario of two
/// turns, one test. The trainer's starting point.
pub fn template(id: &str) -> String {
    TEMPLATE.replace("{id}", id)
}

const TEMPLATE: &str = r#"# yaml-language-server: $schema=playbook.schema.json
# 新剧本 — a new playbook. Each text is given in Chinese first, English beside it.
id: {id}
version: 1
title: { zh-CN: 新剧本, en: "New playbook" }
description:
  zh-CN: 在这里写下这份剧本要练什么。
  en: "Say here what this playbook trains."
locales: [zh-CN, en]

stages:
  - id: open
    title: { zh-CN: 开场, en: "Opening" }
    goal: { zh-CN: 问候客户并了解来意。, en: "Greet the customer and learn why they came." }
    checklist:
      - { id: open-greet, text: { zh-CN: 主动问候, en: "Greet first" } }

rubric:
  pass_mark: 70
  criteria:
    - id: asks
      title: { zh-CN: 提问了解, en: "Asking" }
      weight: 1
      rules:
        - id: open-question
          open_question: true
          points: 100
          feedback: { zh-CN: 用开放式问题了解客户。, en: "An open question to learn about the customer." }
          hint: { zh-CN: 问一个客户不能只答"是"或"不是"的问题。, en: "Ask something the customer cannot answer with yes or no." }

scenarios:
  - id: first-visit
    title: { zh-CN: 初次到访, en: "First visit" }
    persona: rational
    stages: [open]
    context:
      zh-CN: 一位客户走进门店，四处看了看。
      en: "A customer walks into the shop and looks around."
    turns:
      - id: greet
        stage: open
        criteria: [asks]
        customer: { zh-CN: 我随便看看。, en: "Just looking." }

tests:
  - scenario: first-visit
    turn: greet
    reply: 欢迎光临！您今天想看看什么样的款式呢？
    expect: { min: 90, max: 100 }
"#;

/// A sample reply to pin as a playbook test.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTest {
    pub scenario: String,
    pub turn: String,
    pub answer: Answer,
    pub min: u32,
    pub max: u32,
}

impl NewTest {
    /// A test expecting `score` give or take `margin` points.
    pub fn around(scenario: &str, turn: &str, answer: Answer, score: u32, margin: u32) -> Self {
        Self {
            scenario: scenario.to_owned(),
            turn: turn.to_owned(),
            answer,
            min: score.saturating_sub(margin),
            max: (score + margin).min(100),
        }
    }
}

/// Adds a test to a playbook's text: at the end of its top-level `tests:` list (written in
/// block style), or as a new `tests:` list at the end. Everything else is left as written.
pub fn add_test(text: &str, t: &NewTest) -> Result<String, crate::msg::Text> {
    // JSON strings are YAML double-quoted scalars.
    let q = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned());
    let input = match &t.answer {
        Answer::Text(r) => format!("reply: {}", q(r)),
        Answer::Choice(o) => format!("option: {}", q(o)),
    };
    let item = |indent: &str| {
        format!(
            "{indent}- scenario: {}\n{indent}  turn: {}\n{indent}  {input}\n{indent}  expect: {{ min: {}, max: {} }}\n",
            q(&t.scenario),
            q(&t.turn),
            t.min,
            t.max
        )
    };
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let top_level = |l: &str| {
        let c = l.chars().next();
        c.is_some_and(|c| !c.is_whitespace() && c != '#')
    };
    let Some(start) = lines
        .iter()
        .position(|l| l.starts_with("tests:") && top_level(l))
    else {
        let sep = if text.is_empty() || text.ends_with('\n') {
            ""
        } else {
            "\n"
        };
        return Ok(format!("{text}{sep}\ntests:\n{}", item("  ")));
    };
    let rest = lines[start].trim_start_matches("tests:").trim();
    let rest = rest.split('#').next().unwrap_or("").trim();
    if rest == "[]" {
        let mut out: String = lines[..start].concat();
        out.push_str("tests:\n");
        out.push_str(&item("  "));
        out.push_str(&lines[start + 1..].concat());
        return Ok(out);
    }
    if !rest.is_empty() {
        return Err(crate::msg::tests_on_one_line());
    }
    // The list ends before the next top-level key (or at the end of the file); trailing blank
    // and comment lines stay after the new item.
    let mut end = lines[start + 1..]
        .iter()
        .position(|l| top_level(l))
        .map_or(lines.len(), |i| start + 1 + i);
    while end > start + 1 && {
        let l = lines[end - 1].trim();
        l.is_empty() || l.starts_with('#')
    } {
        end -= 1;
    }
    let indent: String = lines[start + 1..end]
        .iter()
        .find(|l| l.trim_start().starts_with('-'))
        .map_or("  ".to_owned(), |l| {
            l.chars().take_while(|c| *c == ' ').collect()
        });
    let mut out: String = lines[..end].concat();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&item(&indent));
    out.push_str(&lines[end..].concat());
    Ok(out)
}

/// Watches a workspace folder for playbooks and scripts changed by any program. The folder,
/// not the files: editors save by writing a new file and renaming it over the old one.
pub struct Watcher {
    _watcher: notify::RecommendedWatcher,
    changed: Receiver<PathBuf>,
}

impl Watcher {
    /// Starts watching `dirs` and everything below them (they must exist); `wake` is called on
    /// each relevant change.
    pub fn start(dirs: &[PathBuf], wake: impl Fn() + Send + 'static) -> notify::Result<Self> {
        use notify::Watcher as _;
        let (tx, changed) = channel();
        let mut watcher = notify::recommended_watcher(move |ev: notify::Result<notify::Event>| {
            let Ok(ev) = ev else { return };
            if ev.kind.is_access() {
                return;
            }
            let mut any = false;
            for p in ev.paths.into_iter().filter(|p| is_content(p)) {
                any = true;
                let _ = tx.send(p);
            }
            if any {
                wake();
            }
        })?;
        for d in dirs {
            watcher.watch(d, notify::RecursiveMode::Recursive)?;
        }
        Ok(Self {
            _watcher: watcher,
            changed,
        })
    }

    /// The content files changed since the last call, each once.
    pub fn changed(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = self.changed.try_iter().collect();
        out.sort();
        out.dedup();
        out
    }
}

/// A playbook, persona library or script (not a hidden autosave or temporary file).
fn is_content(p: &Path) -> bool {
    let hidden = p
        .file_name()
        .is_none_or(|n| n.to_string_lossy().starts_with('.'));
    let ext = p.extension().and_then(|e| e.to_str());
    !hidden && matches!(ext, Some("yaml" | "yml" | "rhai"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::practice::playbook_tests;

    /// A copy of a bundled playbook comes with its record of confirmed translations: the
    /// translations check on the unchanged copy has nothing to report.
    #[test]
    fn a_copied_playbook_keeps_its_translation_record() {
        use crate::playbook::locales;
        let dir = tempfile::tempdir().expect("temp");
        let ws = Workspace::at(&dir.path().join("playbooks"));
        let e = ws
            .copy_bundled("playbooks/02_jewelry.yaml")
            .expect("copies");
        let path = e.path.expect("on disk");
        let record = locales::read_record(&path).expect("the record came along");
        let text = std::fs::read_to_string(&path).expect("read");
        let (declared, entries) = locales::texts(&text).expect("parses");
        let found = locales::check(&declared, &entries, Some(&record));
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn the_template_validates_cleanly_and_its_test_passes() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::at(&dir.path().join("playbooks"));
        let e = ws.new_playbook("my-first").unwrap();
        let path = e.path.unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let c = ws.check(&path, &text);
        assert_eq!(
            c.report.errors() + c.report.warnings(),
            0,
            "{}",
            c.report.render()
        );
        let pb = c.lib.playbook("my-first").unwrap();
        let run = playbook_tests::check(pb, Some(&c.host));
        assert_eq!((run.passed, run.failures.len()), (2, 0), "{run:?}");
        // Not twice.
        assert!(matches!(
            ws.new_playbook("my-first"),
            Err(AuthorError::Exists(_))
        ));
        assert!(matches!(
            ws.new_playbook("My First"),
            Err(AuthorError::BadId(_))
        ));
    }

    #[test]
    fn a_copied_bundled_playbook_overrides_the_bundled_one_and_finds_its_script() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::at(&dir.path().join("playbooks"));
        let e = ws
            .copy_bundled("playbooks/04_objection_handling.yaml")
            .unwrap();
        let path = e.path.clone().unwrap();
        assert_eq!(
            path,
            dir.path().join("playbooks/04_objection_handling.yaml")
        );
        let text = std::fs::read_to_string(&path).unwrap().replace(
            "title: { zh-CN: 异议处理, en: \"Handling objections\" }",
            "title: { zh-CN: 异议处理（我的）, en: \"My objections\" }",
        );
        save(&path, &text).unwrap();
        let mut r = Report::default();
        let lib = ws.load(&mut r);
        assert_eq!(r.errors(), 0, "{}", r.render());
        assert_eq!(
            lib.playbook("objections").unwrap().title.get("en"),
            "My objections"
        );
        assert_eq!(lib.playbooks.len(), 7);
        let files = ws.files();
        assert!(
            files
                .iter()
                .any(|f| f.origin == Origin::User && f.key == e.key)
        );
        assert!(
            files
                .iter()
                .any(|f| f.origin == Origin::Bundled && f.key == e.key)
        );
        assert!(matches!(
            ws.copy_bundled("playbooks/04_objection_handling.yaml"),
            Err(AuthorError::Exists(_))
        ));
    }

    #[test]
    fn an_error_in_the_draft_is_reported_at_its_line_without_touching_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::at(&dir.path().join("playbooks"));
        let path = ws.new_playbook("draft").unwrap().path.unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let bad = text.replace("criteria: [asks]", "criteria: [askz]");
        let line = bad.lines().position(|l| l.contains("askz")).unwrap() + 1;
        let c = ws.check(&path, &bad);
        let d: Vec<_> = c
            .report
            .sorted()
            .into_iter()
            .filter(|d| d.file == c.display)
            .collect();
        // The error, and the warning it causes (the turn scores nothing now).
        assert_eq!(d.len(), 2, "{}", c.report.render());
        let (errors, warnings): (Vec<_>, Vec<_>) = d
            .into_iter()
            .partition(|d| d.severity == crate::playbook::Severity::Error);
        assert_eq!(errors[0].pos.map(|p| p.line), Some(line as u32));
        assert!(errors[0].message.contains("askz"), "{}", errors[0].message);
        assert_eq!(warnings.len(), 1);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    }

    #[test]
    fn a_script_error_names_the_script_and_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::at(&dir.path().join("playbooks"));
        let e = ws.copy_bundled("scripts/objections.rhai").unwrap();
        let path = e.path.unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let c = ws.check(&path, &format!("{text}\nfn broken( {{\n"));
        let d: Vec<_> = c
            .report
            .sorted()
            .into_iter()
            .filter(|d| d.file == c.display)
            .collect();
        assert_eq!(d.len(), 1, "{}", c.report.render());
        assert!(
            d[0].pos
                .is_some_and(|p| p.line as usize > text.lines().count())
        );
    }

    #[test]
    fn a_folder_is_a_content_root_unless_it_holds_playbooks_or_is_named_so() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("mine");
        std::fs::create_dir(&empty).unwrap();
        let ws = Workspace::at(&empty);
        assert_eq!(
            (ws.root(), ws.playbooks_dir()),
            (empty.as_path(), empty.join("playbooks").as_path())
        );
        // Once created, the loader reads it the same way.
        ws.copy_bundled("scripts/jewelry.rhai").unwrap();
        ws.copy_bundled("playbooks/02_jewelry.yaml").unwrap();
        assert!(empty.join("scripts/jewelry.rhai").is_file());
        let mut r = Report::default();
        let c = Content::from_path(&empty, &mut r).unwrap();
        assert_eq!((c.playbooks.len(), c.scripts.len()), (1, 1));
        assert_eq!(Workspace::at(&empty), ws);

        let flat = dir.path().join("flat");
        std::fs::create_dir(&flat).unwrap();
        std::fs::write(flat.join("x.yaml"), "id: x\n").unwrap();
        assert_eq!(Workspace::at(&flat).playbooks_dir(), flat.as_path());
        assert_eq!(Workspace::at(&flat).root(), dir.path());
        let named = dir.path().join("playbooks");
        assert_eq!(Workspace::at(&named).playbooks_dir(), named.as_path());
    }

    #[test]
    fn add_test_appends_to_the_list_or_starts_one() {
        let t = NewTest::around("s", "t", Answer::Text("说 \"好\"".into()), 97, 5);
        assert_eq!((t.min, t.max), (92, 100));
        let with = "id: x\ntests:\n    - { scenario: s, turn: t, option: a, expect: { min: 0, max: 1 } }\n\n# end\n";
        let out = add_test(with, &t).unwrap();
        assert_eq!(
            out,
            "id: x\ntests:\n    - { scenario: s, turn: t, option: a, expect: { min: 0, max: 1 } }\n    - scenario: \"s\"\n      turn: \"t\"\n      reply: \"说 \\\"好\\\"\"\n      expect: { min: 92, max: 100 }\n\n# end\n"
        );
        let before_other = "tests:\n  - a\nother: 1\n";
        assert_eq!(
            add_test(before_other, &t).unwrap().lines().last(),
            Some("other: 1")
        );
        let none = add_test("id: x", &t).unwrap();
        assert!(
            none.starts_with("id: x\n\ntests:\n  - scenario: \"s\"\n"),
            "{none}"
        );
        let empty = add_test("tests: []\nid: x\n", &t).unwrap();
        assert!(empty.starts_with("tests:\n  - scenario"), "{empty}");
        assert!(add_test("tests: [ {a: 1} ]\n", &t).is_err());
    }

    #[test]
    fn a_file_over_the_size_limit_is_not_opened() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::at(&dir.path().join("playbooks"));
        ws.create().unwrap();
        let path = ws.playbooks_dir().join("huge.yaml");
        std::fs::write(&path, vec![b'#'; MAX_FILE_BYTES + 1]).unwrap();
        let entry = ws
            .files()
            .into_iter()
            .find(|f| f.key == "playbooks/huge.yaml")
            .unwrap_or(FileEntry {
                key: "playbooks/huge.yaml".into(),
                origin: Origin::User,
                kind: Kind::Playbook,
                path: Some(path.clone()),
            });
        let e = ws.read(&entry).unwrap_err();
        assert!(matches!(e, AuthorError::TooLarge { .. }), "{e}");
        assert!(e.to_string().contains("4 MiB"), "{e}");
        // Text pasted past the limit in the editor is refused the same way, not parsed.
        let c = ws.check(
            &ws.playbooks_dir().join("pasted.yaml"),
            &"#".repeat(MAX_FILE_BYTES + 1),
        );
        let d: Vec<_> = c
            .report
            .sorted()
            .into_iter()
            .filter(|d| d.file == c.display)
            .collect();
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("4 MiB limit"), "{}", d[0].message);
    }

    #[test]
    fn autosaves_are_offered_until_saved_and_are_not_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.yaml");
        save(&path, "a: 1\n").unwrap();
        assert_eq!(recovered(&path), None);
        autosave(&path, "a: 2\n").unwrap();
        assert_eq!(recovered(&path).as_deref(), Some("a: 2\n"));
        assert!(!is_content(&autosave_path(&path)));
        assert!(is_content(&path));
        save(&path, "a: 2\n").unwrap();
        assert_eq!(recovered(&path), None);
        assert!(!autosave_path(&path).exists());
    }
}

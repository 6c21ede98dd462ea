//! Finding, reading and parsing content: the bundled set, a user folder, or paths given on the
//! command line, layered so that a later layer adds to or overrides an earlier one by id.
//!
//! Content is untrusted: every file is size-capped before it is parsed, parsing runs under a
//! node/depth/alias budget, and one broken file never stops the others from loading.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_saphyr::options::DuplicateKeyPolicy;

use super::bundled;
use super::diag::{Diagnostic, Pos, Report, did_you_mean};
use super::model::{Concept, Library, SourceInfo};
use super::raw::{RawConceptLexicon, RawPersonaLibrary, RawPlaybook};
use super::validate;
use crate::msg;

/// Largest content file read; anything bigger is refused before parsing.
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;
/// Deepest YAML nesting accepted (a playbook needs about 8 levels).
pub const MAX_DEPTH: usize = 40;
/// Most YAML nodes in one file (the largest bundled playbook has about 4 000).
pub const MAX_NODES: usize = 200_000;

/// The name of the persona library in a playbooks folder.
pub const PERSONAS_FILE: &str = "personas.yaml";
/// The name of the concept lexicon in a playbooks folder.
pub const CONCEPTS_FILE: &str = "concepts.yaml";

/// Whether a file name is one of a playbooks folder's shared libraries, not a playbook.
fn is_library(p: &Path) -> bool {
    p.file_name()
        .is_some_and(|n| n == PERSONAS_FILE || n == CONCEPTS_FILE)
}

/// One file's bytes and the name diagnostics use for it.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub display: String,
    pub bytes: Arc<[u8]>,
}

/// One layer of content: playbook files, an optional persona library, scripts by their path
/// relative to the content root (`scripts/x.rhai`).
#[derive(Debug, Clone, Default)]
pub struct Content {
    pub playbooks: Vec<SourceFile>,
    pub personas: Option<SourceFile>,
    pub concepts: Option<SourceFile>,
    pub scripts: BTreeMap<String, SourceFile>,
}

/// The folder problems that stop a whole layer from being read.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read '{path}'")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("'{0}' is neither a playbook file (.yaml) nor a folder")]
    NotContent(String),
}

impl crate::msg::Localized for LoadError {
    fn zh(&self) -> String {
        match self {
            LoadError::Io { path, source } => format!("无法读取“{path}”：{source}"),
            LoadError::NotContent(p) => format!("“{p}”既不是剧本文件（.yaml）也不是文件夹"),
        }
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> LoadError + '_ {
    move |source| LoadError::Io {
        path: path.display().to_string(),
        source,
    }
}

impl Content {
    /// The playbooks, personas and scripts compiled into the binary.
    pub fn bundled() -> Self {
        let mut c = Content::default();
        for (path, text) in bundled::FILES {
            let f = SourceFile {
                display: (*path).to_owned(),
                bytes: Arc::from(text.as_bytes()),
            };
            if path.starts_with("scripts/") {
                c.scripts.insert((*path).to_owned(), f);
            } else if path.ends_with(PERSONAS_FILE) {
                c.personas = Some(f);
            } else if path.ends_with(CONCEPTS_FILE) {
                c.concepts = Some(f);
            } else {
                c.playbooks.push(f);
            }
        }
        c
    }

    /// Only the bundled personas and scripts: the base under content a user validates.
    pub fn bundled_support() -> Self {
        Content {
            playbooks: Vec::new(),
            ..Self::bundled()
        }
    }

    /// Adds another content set: its playbooks after these, its personas and scripts over
    /// these.
    pub fn merge(&mut self, other: Content) {
        self.playbooks.extend(other.playbooks);
        if other.personas.is_some() {
            self.personas = other.personas;
        }
        if other.concepts.is_some() {
            self.concepts = other.concepts;
        }
        self.scripts.extend(other.scripts);
    }

    /// Content from a path: a content root (holding `playbooks/`), a playbooks folder (its
    /// scripts are in `../scripts`), or one playbook file. Unreadable files inside become
    /// diagnostics; only a missing or unreadable `path` itself is an error.
    pub fn from_path(path: &Path, report: &mut Report) -> Result<Self, LoadError> {
        let meta = std::fs::metadata(path).map_err(io_err(path))?;
        if meta.is_file() {
            if !is_yaml(path) {
                return Err(LoadError::NotContent(path.display().to_string()));
            }
            let dir = path.parent().unwrap_or(Path::new("."));
            let mut c = Content::default();
            if path.file_name().is_some_and(|n| n == PERSONAS_FILE) {
                c.personas = read_file(path, report);
            } else if path.file_name().is_some_and(|n| n == CONCEPTS_FILE) {
                c.concepts = read_file(path, report);
            } else {
                c.personas = read_optional(&dir.join(PERSONAS_FILE), report);
                c.concepts = read_optional(&dir.join(CONCEPTS_FILE), report);
                c.playbooks.extend(read_file(path, report));
            }
            c.scripts = read_scripts(&content_root(dir), report)?;
            return Ok(c);
        }
        if !meta.is_dir() {
            return Err(LoadError::NotContent(path.display().to_string()));
        }
        let (pb_dir, root) = if path.join("playbooks").is_dir() {
            (path.join("playbooks"), path.to_path_buf())
        } else {
            (path.to_path_buf(), content_root(path))
        };
        // Symbolic links are followed only while they stay inside the folder.
        let inside = pb_dir.canonicalize().map_err(io_err(&pb_dir))?;
        let mut c = Content {
            personas: read_inside(&pb_dir.join(PERSONAS_FILE), &inside, report),
            concepts: read_inside(&pb_dir.join(CONCEPTS_FILE), &inside, report),
            ..Content::default()
        };
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&pb_dir)
            .map_err(io_err(&pb_dir))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for p in entries {
            let wanted = is_yaml(&p) && !is_library(&p);
            if !wanted && !p.is_dir() {
                continue;
            }
            if leaves(&p, &inside, report) {
                continue;
            }
            if p.is_dir() {
                // One folder per playbook: the folder holds `playbook.yaml`.
                let inner = p.join("playbook.yaml");
                if inner.symlink_metadata().is_ok() {
                    c.playbooks.extend(read_inside(&inner, &inside, report));
                }
            } else {
                c.playbooks.extend(read_file(&p, report));
            }
        }
        c.scripts = read_scripts(&root, report)?;
        Ok(c)
    }
}

fn is_yaml(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == "yaml" || e == "yml")
}

/// The content root of a playbooks folder: its parent, where `scripts/` lives.
pub(crate) fn content_root(pb_dir: &Path) -> PathBuf {
    match pb_dir.parent() {
        // `playbooks` → `.`; `a/playbooks` → `a`
        Some(p) if p.as_os_str().is_empty() => PathBuf::from("."),
        Some(p) => p.to_path_buf(),
        // `.` or `/`: the folder above
        None => pb_dir.join(".."),
    }
}

/// How a content file is shown in diagnostics.
fn shown(path: &Path) -> String {
    let display = path.display().to_string();
    display
        .strip_prefix("./")
        .map_or(display.clone(), str::to_owned)
}

/// Whether `p` is a symbolic link that leads outside the folder `inside` (canonical), or
/// nowhere: such an entry is skipped with a warning naming it, and never read (a link named
/// `x.yaml` to `/etc/shadow` would otherwise print the file's lines in diagnostics).
fn leaves(p: &Path, inside: &Path, report: &mut Report) -> bool {
    let is_link = p
        .symlink_metadata()
        .is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return false;
    }
    match p.canonicalize() {
        Ok(target) if target.starts_with(inside) => false,
        Ok(target) => {
            report.push(Diagnostic::warning(
                shown(p),
                None,
                crate::msg::skipped_link_outside(
                    crate::untrusted::visible(&target.display().to_string()).into_owned(),
                ),
            ));
            true
        }
        Err(e) => {
            report.push(Diagnostic::warning(
                shown(p),
                None,
                crate::msg::cannot_read_file(e),
            ));
            true
        }
    }
}

/// [`read_file`] of a file in the folder `inside`, or nothing when it is missing or a link
/// that leads out of the folder.
fn read_inside(path: &Path, inside: &Path, report: &mut Report) -> Option<SourceFile> {
    if path.symlink_metadata().is_err() || leaves(path, inside, report) {
        return None;
    }
    read_file(path, report)
}

/// Opens a content file without ever waiting: `O_NONBLOCK`, so a FIFO (or a device) in the
/// folder cannot block the open, and a check of what was opened before a byte is read.
/// `Ok(None)` for something that is not a regular file.
pub(crate) fn open_regular(path: &Path) -> std::io::Result<Option<std::fs::File>> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let f = options.open(path)?;
    Ok(f.metadata()?.is_file().then_some(f))
}

/// Reads at most [`MAX_FILE_BYTES`] of a regular file; a larger, missing or unreadable file
/// is an error, anything but a regular file (a FIFO, device or socket) a warning: skipped.
fn read_file(path: &Path, report: &mut Report) -> Option<SourceFile> {
    let display = shown(path);
    let mut buf = Vec::new();
    let res = open_regular(path).and_then(|f| match f {
        Some(f) => f
            .take(MAX_FILE_BYTES as u64 + 1)
            .read_to_end(&mut buf)
            .map(Some),
        None => Ok(None),
    });
    match res {
        Ok(None) => {
            report.push(Diagnostic::warning(
                &display,
                None,
                crate::msg::skipped_not_regular(),
            ));
            None
        }
        Err(e) => {
            report.push(Diagnostic::error(
                &display,
                None,
                crate::msg::cannot_read_file(e),
            ));
            None
        }
        Ok(Some(_)) if buf.len() > MAX_FILE_BYTES => {
            report.push(too_large(&display));
            None
        }
        Ok(Some(_)) => Some(SourceFile {
            display,
            bytes: Arc::from(buf),
        }),
    }
}

/// The error for a content file over [`MAX_FILE_BYTES`] (refused before parsing).
pub fn too_large(display: &str) -> Diagnostic {
    Diagnostic::error(
        display,
        Some(Pos::new(1, 1, 1)),
        crate::msg::file_too_large(MAX_FILE_BYTES / (1024 * 1024)),
    )
}

fn read_optional(path: &Path, report: &mut Report) -> Option<SourceFile> {
    if path.exists() {
        read_file(path, report)
    } else {
        None
    }
}

/// Every `.rhai` file below `root/scripts`, keyed `scripts/sub/x.rhai`.
fn read_scripts(
    root: &Path,
    report: &mut Report,
) -> Result<BTreeMap<String, SourceFile>, LoadError> {
    let mut out = BTreeMap::new();
    let dir = root.join("scripts");
    if !dir.is_dir() {
        return Ok(out);
    }
    let mut stack = vec![(dir, String::from("scripts"), 0)];
    while let Some((d, rel, depth)) = stack.pop() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&d)
            .map_err(io_err(&d))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for p in entries {
            let Some(name) = p.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            let key = format!("{rel}/{name}");
            // Symlinks are not followed: a script must live inside scripts/.
            let is_link = p
                .symlink_metadata()
                .is_ok_and(|m| m.file_type().is_symlink());
            if is_link {
                continue;
            }
            if p.is_dir() && depth < 4 {
                stack.push((p, key, depth + 1));
            } else if name.ends_with(".rhai")
                && !name.ends_with(".d.rhai")
                && let Some(f) = read_file(&p, report)
            {
                out.insert(key, f);
            }
        }
    }
    Ok(out)
}

fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: MAX_DEPTH,
            max_nodes: MAX_NODES,
            max_aliases: 1_000,
            max_anchors: 1_000,
            max_documents: 1,
            max_events: 1_000_000,
        },
        duplicate_keys: DuplicateKeyPolicy::Error,
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 100_000,
        },
    }
}

/// How many unknown keys one file is read past before the rest is left unchecked.
const MAX_RECOVERIES: usize = 20;

/// Decodes and parses one YAML file into `T`; every failure becomes a diagnostic with its
/// line and column.
pub fn parse<T: DeserializeOwned>(file: &SourceFile, report: &mut Report) -> Option<T> {
    parse_recovering(file, report).and_then(|(v, recovered)| (!recovered).then_some(v))
}

/// [`parse`], reading on past unknown keys: each is an error, and the file is read again as
/// if the key were the one it most resembles (or absent), so the rest of the file is still
/// checked. `true` beside the value when that happened: the value is for finding more
/// errors, never to be used.
pub fn parse_recovering<T: DeserializeOwned>(
    file: &SourceFile,
    report: &mut Report,
) -> Option<(T, bool)> {
    let name = &file.display;
    let text = match std::str::from_utf8(&file.bytes) {
        Ok(t) => t,
        Err(e) => {
            let good = &file.bytes[..e.valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
            let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let column = String::from_utf8_lossy(&good[line_start..]).chars().count() + 1;
            let text: Arc<str> = Arc::from(String::from_utf8_lossy(&file.bytes).as_ref());
            report.add_source(name, text);
            report.push(
                Diagnostic::error(
                    name,
                    Some(Pos::new(line as u32, column as u32, 1)),
                    crate::msg::not_utf8(),
                )
                .with_help(Some(crate::msg::save_utf8())),
            );
            return None;
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    report.add_source(name, Arc::from(text));
    if text
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        report.push(Diagnostic::error(
            name,
            Some(Pos::new(1, 1, 1)),
            crate::msg::file_empty(),
        ));
        return None;
    }
    // Control, bidirectional and invisible characters: errors at their place; the file is
    // still parsed for its other errors, but not loaded.
    let mut refused = Vec::new();
    let has_refused = super::refused::check(name, text, &mut refused);
    for d in refused {
        report.push(d);
    }
    let mut now = std::borrow::Cow::Borrowed(text);
    let mut recovered = false;
    for _ in 0..=MAX_RECOVERIES {
        match serde_saphyr::from_str_with_options::<T>(&now, yaml_options()) {
            Ok(_) if has_refused => return None,
            Ok(v) => return Some((v, recovered)),
            Err(e) => {
                report.push(yaml_diagnostic(name, text, &e));
                now = std::borrow::Cow::Owned(past_unknown_key(&now, &e)?);
                recovered = true;
            }
        }
    }
    None
}

/// `text` with the unknown key of `e` renamed to the closest known one, or with its block
/// taken out (blank lines, so every other line keeps its number); `None` for other errors.
fn past_unknown_key(text: &str, e: &serde_saphyr::Error) -> Option<String> {
    let serde_saphyr::Error::SerdeUnknownField {
        field, expected, ..
    } = e.without_snippet()
    else {
        return None;
    };
    let at = e.location().and_then(Pos::from_location)?;
    let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
    let index = at.line.checked_sub(1)? as usize;
    let line = lines.get(index)?.clone();
    let start = line
        .char_indices()
        .nth(at.column.saturating_sub(1) as usize)
        .map_or(line.len(), |(i, _)| i);
    let offset = start + line[start..].find(field.as_str())?;
    match super::diag::closest(field, expected.iter().copied()) {
        Some(known) => {
            let mut fixed = line.clone();
            fixed.replace_range(offset..offset + field.len(), known);
            lines[index] = fixed;
        }
        None => {
            // Only a key that starts its line can be taken out, with the block below it.
            if !line[..offset].trim().is_empty() {
                return None;
            }
            let indent = line[..offset].chars().count();
            lines[index] = String::new();
            for l in lines.iter_mut().skip(index + 1) {
                let deeper = l.chars().take_while(|c| *c == ' ').count() > indent;
                if !(deeper || l.trim().is_empty()) {
                    break;
                }
                l.clear();
            }
        }
    }
    Some(lines.join("\n"))
}

/// A parse error as one diagnostic: position, a message without the parser's own snippet, and
/// the closest valid key for a typo.
fn yaml_diagnostic(file: &str, source: &str, e: &serde_saphyr::Error) -> Diagnostic {
    let inner = e.without_snippet();
    let pos = e.location().and_then(Pos::from_location);
    let mut message = inner.to_string();
    // The position is printed in front; drop the parser's own trailing "at line X, column Y".
    if let Some(i) = message.rfind(" at line ")
        && message[i + 9..]
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ',' | ' ' | '.') || c.is_ascii_lowercase())
    {
        message.truncate(i);
    }
    // serde-saphyr words some errors for Rust authors; say them in YAML terms.
    let value = pos.and_then(|p| source_token(source, p));
    let (message, help) = match inner {
        serde_saphyr::Error::SerdeUnknownField {
            field, expected, ..
        } => (
            msg::unknown_field(field, expected, message),
            did_you_mean(field, expected.iter().copied()),
        ),
        serde_saphyr::Error::SerdeUnknownVariant {
            variant, expected, ..
        } => (
            msg::yaml(message),
            did_you_mean(variant, expected.iter().copied()),
        ),
        serde_saphyr::Error::InvalidScalar { ty, .. } => {
            let want = match *ty {
                t if t.starts_with('u') || t.starts_with('i') => msg::whole_number(),
                "boolean" => msg::true_or_false(),
                "floating point" | "f64" | "f32" => msg::a_number(),
                t => msg::Text::same(t),
            };
            let found = value.map_or(msg::Text::default(), msg::found_value);
            (msg::expected(want, found), None)
        }
        serde_saphyr::Error::DuplicateMappingKey { key, .. } => (
            match key {
                Some(k) => msg::duplicate_key(k),
                None => msg::duplicate_key_bare(),
            },
            Some(msg::key_once()),
        ),
        serde_saphyr::Error::Budget { .. } => (msg::yaml(message), Some(msg::budget())),
        _ if message.starts_with("cannot deserialize null into string") => {
            (msg::null_text(), Some(msg::quote_commas()))
        }
        _ => (msg::yaml(message), None),
    };
    Diagnostic::error(file, pos, message).with_help(help)
}

/// A concept lexicon, validated; a lexicon validated before without a problem is taken from
/// a cache by its content (compiling its patterns and word sets was most of loading the
/// bundled playbooks, and the authoring view loads them again after every pause in typing).
/// `earlier`: the concepts of the layers before, which an `include` may name.
fn concepts(
    f: &SourceFile,
    earlier: &BTreeMap<String, Arc<Concept>>,
    report: &mut Report,
) -> Vec<Arc<Concept>> {
    use std::sync::{LazyLock, Mutex};
    static CACHE: LazyLock<Mutex<HashMap<String, Vec<Arc<Concept>>>>> =
        LazyLock::new(Mutex::default);
    let key = format!("{}\u{0}{}", f.display, fnv1a_hex(&f.bytes));
    if let Some(hit) = CACHE.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return hit;
    }
    let Some(raw) = parse::<RawConceptLexicon>(f, report) else {
        return Vec::new();
    };
    // A lexicon that includes an earlier layer's concept depends on more than its own bytes.
    let own: Vec<&str> = raw.concepts.iter().map(|k| k.id.value.as_str()).collect();
    let reaches_out = raw.concepts.iter().any(|k| k.extend)
        || raw
            .concepts
            .iter()
            .flat_map(|k| &k.include)
            .any(|i| !own.contains(&i.value.as_str()));
    let before = (report.errors(), report.warnings());
    let out: Vec<Arc<Concept>> = validate::concepts(raw, &f.display, earlier, report)
        .into_iter()
        .map(Arc::new)
        .collect();
    resolve_opponents(&out, earlier);
    if !reaches_out
        && (report.errors(), report.warnings()) == before
        && let Ok(mut cache) = CACHE.lock()
    {
        // Drafts of a trainer's lexicon each make an entry: keep the cache small.
        if cache.len() >= 16 {
            cache.clear();
        }
        cache.insert(key, out.clone());
    }
    out
}

/// Each concept's opponents (see [`Concept::expressed_in`]): the concepts it says it opposes
/// and those that say they oppose it, in this layer or the ones before.
fn resolve_opponents(out: &[Arc<Concept>], earlier: &BTreeMap<String, Arc<Concept>>) {
    let find = |id: &str| {
        out.iter()
            .find(|k| k.id == id)
            .or_else(|| earlier.get(id))
            .cloned()
    };
    let all: Vec<&Arc<Concept>> = out
        .iter()
        .chain(
            earlier
                .values()
                .filter(|k| !out.iter().any(|o| o.id == k.id)),
        )
        .collect();
    for k in out {
        let ops: Vec<Arc<Concept>> = k
            .opponent_ids(all.iter().map(|a| &***a))
            .iter()
            .filter_map(|o| find(o))
            .collect();
        let _ = k.opponents.set(ops.iter().map(Arc::downgrade).collect());
    }
}

/// Loads layers in order; a later layer adds to or overrides an earlier one by id.
pub fn load(layers: &[Content], report: &mut Report) -> Library {
    let mut lib = Library::default();
    for layer in layers {
        if let Some(f) = &layer.personas
            && let Some(raw) = parse::<RawPersonaLibrary>(f, report)
        {
            for p in validate::personas(raw, &f.display, report) {
                lib.personas.insert(p.id.clone(), p);
            }
        }
        if let Some(f) = &layer.concepts {
            // A trainer's concept replaces the bundled one of the same id; new ids add.
            for k in concepts(f, &lib.concepts, report) {
                lib.concepts.insert(k.id.clone(), k);
            }
        }
        for (k, f) in &layer.scripts {
            lib.scripts.insert(k.clone(), f.clone());
        }
    }
    let script_names: BTreeSet<String> = lib.scripts.keys().cloned().collect();
    for layer in layers {
        let mut in_layer: HashMap<String, (String, u64)> = HashMap::new();
        for f in &layer.playbooks {
            // Read past unknown keys, so their file's other errors are reported too; such a
            // playbook is checked but never loaded.
            let Some((raw, recovered)) = parse_recovering::<RawPlaybook>(f, report) else {
                continue;
            };
            if let Some((first, line)) = in_layer.get(&raw.id.value) {
                report.push(Diagnostic::error(
                    &f.display,
                    Pos::from_location(raw.id.referenced),
                    msg::duplicate_playbook(&raw.id.value, format!("{first}:{line}")),
                ));
                continue;
            }
            in_layer.insert(
                raw.id.value.clone(),
                (f.display.clone(), raw.id.referenced.line()),
            );
            let source = SourceInfo {
                file: f.display.clone(),
                hash: fnv1a_hex(&f.bytes),
            };
            let cx = validate::Context {
                personas: &lib.personas,
                concepts: &lib.concepts,
                scripts: &script_names,
            };
            if let Some(pb) = validate::playbook(raw, source, &cx, report).filter(|_| !recovered) {
                let pb = Arc::new(pb);
                match lib.playbooks.iter_mut().find(|p| p.id == pb.id) {
                    Some(slot) => *slot = pb,
                    None => lib.playbooks.push(pb),
                }
            }
        }
    }
    lib
}

/// The plain token at a position (up to white space, `,` or a bracket), for messages.
fn source_token(source: &str, p: Pos) -> Option<String> {
    let line = source.lines().nth(p.line.checked_sub(1)? as usize)?;
    let tok: String = line
        .chars()
        .skip(p.column.saturating_sub(1) as usize)
        .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | ']' | '}' | '#'))
        .take(40)
        .collect();
    (!tok.is_empty()).then_some(tok)
}

/// The playbook `file` defines as written, errors or not, its references resolved in `lib`:
/// for drawing a draft with errors (its unreachable turns are then seen), never for practice.
/// `None` when the file does not parse at all.
pub fn sketch(file: &SourceFile, lib: &Library) -> Option<super::model::Playbook> {
    let mut report = Report::default();
    let (raw, _) = parse_recovering::<RawPlaybook>(file, &mut report)?;
    let scripts: BTreeSet<String> = lib.scripts.keys().cloned().collect();
    let cx = validate::Context {
        personas: &lib.personas,
        concepts: &lib.concepts,
        scripts: &scripts,
    };
    let source = SourceInfo {
        file: file.display.clone(),
        hash: fnv1a_hex(&file.bytes),
    };
    Some(validate::sketch(raw, source, &cx).0)
}

/// FNV-1a, 64 bit: a stable content fingerprint (not a security hash).
pub fn fnv1a_hex(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The user's own playbooks folder in the per-user data directory.
pub fn user_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "salesdojo").map(|d| d.data_dir().join("playbooks"))
}

/// The library a user works with: bundled content, then their own folder (or `dir`) over it.
pub fn load_default(dir: Option<&Path>, report: &mut Report) -> Result<Library, LoadError> {
    load_default_over(dir, Vec::new(), report)
}

/// What trainees practise: the bundled playbooks with the published ones over them (see
/// [`crate::publish::layers`]), and no trainer's drafts.
pub fn load_published(published: Vec<Content>, report: &mut Report) -> Library {
    let mut layers = vec![Content::bundled()];
    layers.extend(published);
    load(&layers, report)
}

/// [`load_default`] with published playbooks between the bundled ones and the user's folder
/// (see [`crate::publish::layers`]).
pub fn load_default_over(
    dir: Option<&Path>,
    published: Vec<Content>,
    report: &mut Report,
) -> Result<Library, LoadError> {
    let mut layers = vec![Content::bundled()];
    layers.extend(published);
    match dir {
        Some(d) => layers.push(Content::from_path(d, report)?),
        None => {
            if let Some(d) = user_dir().filter(|d| d.is_dir()) {
                layers.push(Content::from_path(&d, report)?);
            }
        }
    }
    Ok(load(&layers, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile {
            display: "t.yaml".into(),
            bytes: Arc::from(text.as_bytes()),
        }
    }

    /// A billion-laughs document into a type that accepts anything: only the budget stops it.
    #[test]
    fn the_alias_budget_stops_a_billion_laughs() {
        let mut y = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..10u8 {
            let (prev, cur) = ((b'a' + i - 1) as char, (b'a' + i) as char);
            y.push_str(&format!(
                "{cur}: &{cur} [{}]\n",
                vec![format!("*{prev}"); 9].join(", ")
            ));
        }
        let mut report = Report::default();
        assert!(parse::<serde_json::Value>(&file(&y), &mut report).is_none());
        let d = &report.diagnostics[0];
        assert!(
            d.message.contains("alias replay limit exceeded"),
            "{}",
            d.message
        );
        assert!(d.pos.is_some());
    }

    #[test]
    fn deep_nesting_is_refused_by_depth() {
        let y = format!("x: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
        let mut report = Report::default();
        assert!(parse::<serde_json::Value>(&file(&y), &mut report).is_none());
        assert_eq!(report.errors(), 1);
    }

    #[test]
    fn a_utf8_error_points_at_the_bad_byte() {
        let f = SourceFile {
            display: "t.yaml".into(),
            bytes: Arc::from(&b"a: 1\nb: caf\xe9\n"[..]),
        };
        let mut report = Report::default();
        assert!(parse::<serde_json::Value>(&f, &mut report).is_none());
        assert_eq!(report.diagnostics[0].pos, Some(Pos::new(2, 7, 1)));
    }

    #[test]
    fn fingerprints_differ_when_content_does() {
        assert_eq!(fnv1a_hex(b""), "cbf29ce484222325");
        assert_ne!(fnv1a_hex(b"a"), fnv1a_hex(b"b"));
    }
}

//! Translations as a check: every text of a playbook in each declared locale, and a record of
//! what each locale said when the texts were last confirmed to agree, so a text whose one
//! locale changed since is flagged for re-translation.
//!
//! The record lives beside the playbook as `NAME.yaml.locales.json`: per text (named by its
//! path in the file, `scenarios[walk-in].turns[gift].customer`) a short hash of each locale's
//! words, as Yarn Spinner keeps a line tag beside each translated line. `salesdojo validate
//! --locales` reports; `--accept-translations` writes the record after a trainer checked.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One human-readable text: where it is and what each locale says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub path: String,
    pub locales: BTreeMap<String, String>,
}

/// What each locale of each text said when last confirmed (hashes of the words).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub texts: BTreeMap<String, BTreeMap<String, String>>,
}

/// What needs a translator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// A declared locale has no words in this text.
    Missing { path: String, locale: String },
    /// Some locales changed since the record while `stale` did not: re-translate them.
    Stale {
        path: String,
        changed: Vec<String>,
        stale: Vec<String>,
    },
    /// Texts the record does not know yet (new since, or no record at all).
    Unrecorded { count: usize },
}

impl Finding {
    /// What to tell the translator, in both languages.
    pub fn text(&self) -> crate::msg::Text {
        use crate::msg;
        match self {
            Finding::Missing { path, locale } => msg::missing_locale(locale, path),
            Finding::Stale {
                path,
                changed,
                stale,
            } => msg::retranslate(stale.join(", "), changed.join(", "), path),
            Finding::Unrecorded { count } => msg::unrecorded(count),
        }
    }
}

/// Every text of a playbook file, with the locales it declares; `None` when the file does not
/// parse (validation reports why).
pub fn texts(yaml: &str) -> Option<(Vec<String>, Vec<Entry>)> {
    let v: Value = serde_saphyr::from_str(yaml).ok()?;
    let declared: Vec<String> = v
        .get("locales")?
        .as_array()?
        .iter()
        .filter_map(|l| l.as_str().map(str::to_owned))
        .collect();
    let mut out = Vec::new();
    walk(&v, String::new(), &declared, &mut out);
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Some((declared, out))
}

fn walk(v: &Value, path: String, declared: &[String], out: &mut Vec<Entry>) {
    match v {
        Value::Object(map) => {
            let is_text = !map.is_empty()
                && map
                    .iter()
                    .all(|(k, v)| declared.contains(k) && (v.is_string() || v.is_null()));
            if is_text {
                out.push(Entry {
                    path,
                    locales: map
                        .iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_owned()))
                        .collect(),
                });
                return;
            }
            for (k, v) in map {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(v, p, declared, out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let key = item
                    .get("id")
                    .and_then(Value::as_str)
                    .map_or_else(|| i.to_string(), str::to_owned);
                walk(item, format!("{path}[{key}]"), declared, out);
            }
        }
        _ => {}
    }
}

/// The record beside the playbook file `playbook` (`NAME.yaml.locales.json`), if there is one
/// that reads.
pub fn read_record(playbook: &std::path::Path) -> Option<Record> {
    let text = std::fs::read_to_string(record_path(playbook)).ok()?;
    serde_json::from_str(&text).ok()
}

/// Where the record of `playbook`'s translations is kept.
pub fn record_path(playbook: &std::path::Path) -> std::path::PathBuf {
    let mut name = playbook.as_os_str().to_owned();
    name.push(".locales.json");
    std::path::PathBuf::from(name)
}

/// A short, stable hash of a text's words (FNV-1a).
pub fn hash(words: &str) -> String {
    super::load::fnv1a_hex(words.trim().as_bytes())
}

/// The record of `entries` as they are now.
pub fn record(entries: &[Entry]) -> Record {
    Record {
        texts: entries
            .iter()
            .map(|e| {
                let h = e
                    .locales
                    .iter()
                    .filter(|(_, w)| !w.trim().is_empty())
                    .map(|(l, w)| (l.clone(), hash(w)))
                    .collect();
                (e.path.clone(), h)
            })
            .collect(),
    }
}

/// What a translator has to do: texts missing a declared locale, texts whose locales did not
/// all change since `record` (when some did), and how many texts the record does not know.
pub fn check(declared: &[String], entries: &[Entry], record: Option<&Record>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut unrecorded = 0;
    for e in entries {
        for l in declared {
            if e.locales.get(l).is_none_or(|w| w.trim().is_empty()) {
                out.push(Finding::Missing {
                    path: e.path.clone(),
                    locale: l.clone(),
                });
            }
        }
        let Some(before) = record.and_then(|r| r.texts.get(&e.path)) else {
            unrecorded += 1;
            continue;
        };
        let (mut changed, mut stale) = (Vec::new(), Vec::new());
        for (l, w) in &e.locales {
            if w.trim().is_empty() {
                continue;
            }
            match before.get(l) {
                Some(h) if *h == hash(w) => stale.push(l.clone()),
                _ => changed.push(l.clone()),
            }
        }
        if !changed.is_empty() && !stale.is_empty() {
            out.push(Finding::Stale {
                path: e.path.clone(),
                changed,
                stale,
            });
        }
    }
    if unrecorded > 0 {
        out.push(Finding::Unrecorded { count: unrecorded });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "id: p\nlocales: [zh-CN, en]\ntitle: { zh-CN: 标题, en: Title }\nstages:\n  - id: s\n    goal: { zh-CN: 目标, en: Goal }\n    tips:\n      - { zh-CN: 技巧 }\n";

    #[test]
    fn texts_are_found_by_their_path_and_a_missing_locale_is_listed() {
        let (declared, entries) = texts(YAML).expect("parses");
        let paths: Vec<&str> = entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["stages[s].goal", "stages[s].tips[0]", "title"]);
        let found = check(&declared, &entries, None);
        assert!(found.contains(&Finding::Missing {
            path: "stages[s].tips[0]".into(),
            locale: "en".into()
        }));
        assert!(found.contains(&Finding::Unrecorded { count: 3 }));
    }

    #[test]
    fn a_text_whose_one_locale_changed_is_stale_in_the_other() {
        let (declared, entries) = texts(YAML).expect("parses");
        let rec = record(&entries);
        assert!(
            check(&declared, &entries, Some(&rec))
                .iter()
                .all(|f| matches!(f, Finding::Missing { .. }))
        );
        let edited = YAML.replace("目标", "新目标");
        let (_, entries) = texts(&edited).expect("parses");
        let found = check(&declared, &entries, Some(&rec));
        assert!(found.contains(&Finding::Stale {
            path: "stages[s].goal".into(),
            changed: vec!["zh-CN".into()],
            stale: vec!["en".into()],
        }));
        // Both changed: translated together, nothing to do.
        let both = edited.replace("Goal", "New goal");
        let (_, entries) = texts(&both).expect("parses");
        assert!(
            !check(&declared, &entries, Some(&rec))
                .iter()
                .any(|f| matches!(f, Finding::Stale { .. }))
        );
    }
}

//! Getting results out and in: CSV for spreadsheets, xAPI 1.0.3 statements for a company's
//! learning record store, and merging a trainee's database into a manager's.
//!
//! Exports stream: attempts are read one at a time and written as they come, so exporting
//! years of a sales force's practice takes the memory of one attempt, not of the history.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use serde_json::{Value, json};

use super::report::{AttemptRow, Filter};
use super::{Result, Store, StoreError};

/// One attempt with its per-criterion points, as exported.
#[derive(Debug, Clone)]
pub struct ExportRow {
    pub attempt: AttemptRow,
    pub trainee_id: String,
    pub pseudonym: Option<String>,
    /// (criterion, effective points, weight)
    pub criteria: Vec<(String, f64, f64)>,
    /// Read with the row from a team server: each reply's points as (reply, turn, time,
    /// criterion, points), in order. `None`: read from the local log when needed.
    pub reply_points: Option<Vec<ReplyPoint>>,
    /// The reviewers' comments on the attempt and on its replies, oldest first.
    pub comments: Vec<ExportComment>,
}

/// A reviewer's comment as an export carries it.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct ExportComment {
    /// The review's id.
    pub id: String,
    pub text: String,
    /// The reply it is about (its number) and that reply's turn; `None`: the whole attempt.
    pub reply: Option<i64>,
    pub turn: Option<String>,
    pub reviewer: String,
    pub at: String,
}

impl ExportComment {
    /// As a CSV cell shows it: `#N: text` for a comment on reply N.
    pub fn cell(&self) -> String {
        match self.reply {
            Some(n) => format!("#{n}: {}", self.text),
            None => self.text.clone(),
        }
    }
}

/// A reply's points on one criterion: (reply, turn, time, criterion, points).
pub type ReplyPoint = (String, String, String, String, f64);

/// How a CSV names people, criteria and times.
#[derive(Debug, Clone, Default)]
pub struct CsvStyle {
    /// For sharing outside the team: the trainee column holds the pseudonym (or the id), not
    /// the name. By default it holds the name, as the screen shows it.
    pub pseudonymous: bool,
    /// Column titles of criterion ids (in the chosen language); an id without one is shown as
    /// `criterion:ID`.
    pub titles: std::collections::BTreeMap<String, String>,
    /// For people: column headers, playbook and scenario titles, modes, statuses and yes/no in
    /// this language (`zh-CN` or `en`). `None`: the machine-readable ids and values (`--ids`).
    pub people: Option<String>,
    /// Playbook titles by id, and scenario titles by (playbook, scenario), in that language.
    pub playbooks: std::collections::BTreeMap<String, String>,
    pub scenarios: std::collections::BTreeMap<(String, String), String>,
}

impl CsvStyle {
    /// Criterion titles from the library in `lang` (`zh-CN` or `en`), for the playbook of the
    /// filter or for every playbook: where playbooks title the same id differently, the
    /// titles are joined ("职业操守 / 诚信与分寸").
    pub fn titled(lib: &crate::playbook::Library, playbook: Option<&str>, lang: &str) -> Self {
        let mut scenarios = std::collections::BTreeMap::new();
        for pb in &lib.playbooks {
            for s in &pb.scenarios {
                scenarios.insert((pb.id.clone(), s.id.clone()), s.title.get(lang).to_owned());
            }
        }
        CsvStyle {
            pseudonymous: false,
            titles: super::report::criterion_titles(lib, playbook, lang),
            people: Some(lang.to_owned()),
            playbooks: lib
                .playbooks
                .iter()
                .map(|p| (p.id.clone(), p.title.get(lang).to_owned()))
                .collect(),
            scenarios,
        }
    }

    /// The same without people's words: ids, `true`/`false` and the column names tools read.
    pub fn ids(mut self) -> Self {
        self.people = None;
        self
    }

    fn zh(&self) -> bool {
        self.people.as_deref() == Some("zh-CN")
    }

    /// A column's header: its name for tools, or its title for people.
    fn column(&self, i: usize) -> String {
        let (machine, en, zh) = CSV_COLUMNS[i];
        match self.people.as_deref() {
            None => machine,
            Some(_) if self.zh() => zh,
            Some(_) => en,
        }
        .to_owned()
    }

    /// A value as people read it (`None`: as tools read it).
    fn word(&self, machine: &str) -> String {
        if self.people.is_none() {
            return machine.to_owned();
        }
        let (zh, en) = match machine {
            "true" | "yes" => ("是", "yes"),
            "false" => ("否", "no"),
            "practice" => ("对练", "role-play"),
            "live" => ("现场拜访", "live visit"),
            "completed" => ("已完成", "completed"),
            "in_progress" => ("进行中", "in progress"),
            "abandoned" => ("已放弃", "abandoned"),
            "flagged" => ("不符，已标记", "flagged"),
            "unverifiable" => ("无法核验", "unverifiable"),
            "pending" => ("待核验", "pending"),
            other => return other.to_owned(),
        };
        if self.zh() { zh } else { en }.to_owned()
    }

    fn header(&self, criterion: &str) -> String {
        self.titles
            .get(criterion)
            .cloned()
            .unwrap_or_else(|| format!("criterion:{criterion}"))
    }
}

/// A stored UTC stamp as a spreadsheet shows it: local time with its offset
/// (`2026-11-30 18:05:09 +08:00`).
fn local(stamp: &str) -> String {
    super::local_stamp(stamp, "%Y-%m-%d %H:%M:%S %:z")
}

/// Each column: its name for tools, and its title for people in English and Chinese.
const CSV_COLUMNS: [(&str, &str, &str); 17] = [
    ("attempt_id", "attempt id", "练习编号"),
    ("trainee_id", "trainee id", "学员编号"),
    ("trainee", "trainee", "学员"),
    ("team", "team", "团队"),
    ("playbook", "playbook", "剧本"),
    ("version", "version", "版本"),
    ("scenario", "scenario", "场景"),
    ("mode", "mode", "方式"),
    ("started_at", "started", "开始时间"),
    ("ended_at", "ended", "结束时间"),
    ("status", "status", "状态"),
    ("total", "total", "总分"),
    ("passed", "passed", "是否通过"),
    ("scored_total", "total as scored", "原评分"),
    ("reviewed", "reviewed", "是否复核"),
    ("verified", "verified", "核验"),
    ("comments", "review comments", "复核评语"),
];

/// Writes CSV a row at a time: a header row, one row per attempt, a column per criterion;
/// every cell through [`crate::sheet::SheetWriter`] (formula cells written as text).
struct CsvSink<'s, W: Write> {
    w: crate::sheet::SheetWriter<W>,
    criteria: Vec<String>,
    style: &'s CsvStyle,
}

impl<'s, W: Write> CsvSink<'s, W> {
    fn new(
        out: W,
        bom: bool,
        criteria: Vec<String>,
        style: &'s CsvStyle,
    ) -> std::result::Result<Self, ExportError> {
        let mut w = crate::sheet::SheetWriter::new(out, bom)?;
        let mut header: Vec<String> = (0..CSV_COLUMNS.len()).map(|i| style.column(i)).collect();
        header.extend(criteria.iter().map(|c| style.header(c)));
        w.row(&header)?;
        Ok(CsvSink { w, criteria, style })
    }

    /// A playbook as the CSV names it: its title for people, its id for tools.
    fn playbook(&self, id: &str) -> String {
        match &self.style.people {
            Some(_) => self
                .style
                .playbooks
                .get(id)
                .cloned()
                .unwrap_or_else(|| id.to_owned()),
            None => id.to_owned(),
        }
    }

    /// A scenario likewise; a live visit (which has none) is named as one.
    fn scenario(&self, pb: &str, sc: &str, mode: &str) -> String {
        if self.style.people.is_none() {
            return sc.to_owned();
        }
        if mode == "live" {
            return self.style.word("live");
        }
        self.style
            .scenarios
            .get(&(pb.to_owned(), sc.to_owned()))
            .cloned()
            .unwrap_or_else(|| sc.to_owned())
    }

    fn row(&mut self, row: &ExportRow) -> std::result::Result<(), ExportError> {
        let r = &row.attempt;
        let st = self.style;
        let mut rec = vec![
            r.id.clone(),
            row.trainee_id.clone(),
            if self.style.pseudonymous {
                row.pseudonym
                    .clone()
                    .unwrap_or_else(|| row.trainee_id.clone())
            } else {
                r.trainee.clone()
            },
            r.team.clone().unwrap_or_default(),
            self.playbook(&r.playbook),
            r.version.to_string(),
            self.scenario(&r.playbook, &r.scenario, &r.mode),
            st.word(&r.mode),
            local(&r.started_at),
            r.ended_at.as_deref().map(local).unwrap_or_default(),
            st.word(&r.status),
            r.total.map(|t| format!("{t:.1}")).unwrap_or_default(),
            r.passed
                .map(|p| st.word(&p.to_string()))
                .unwrap_or_default(),
            r.scored_total
                .map(|t| format!("{t:.1}"))
                .unwrap_or_default(),
            st.word(&r.reviewed.to_string()),
            r.verified().map(|v| st.word(v)).unwrap_or_default(),
            // Comments may name people: a pseudonymous file leaves them out.
            if st.pseudonymous {
                String::new()
            } else {
                row.comments
                    .iter()
                    .map(ExportComment::cell)
                    .collect::<Vec<_>>()
                    .join(" / ")
            },
        ];
        for c in &self.criteria {
            rec.push(
                row.criteria
                    .iter()
                    .find(|x| x.0 == *c)
                    .map(|x| format!("{:.1}", x.1))
                    .unwrap_or_default(),
            );
        }
        self.w.row(&rec)?;
        Ok(())
    }

    fn finish(self) -> std::result::Result<W, ExportError> {
        Ok(self.w.finish()?)
    }
}

/// CSV of rows already in memory (see [`CsvSink`]).
pub fn to_csv(
    rows: &[ExportRow],
    bom: bool,
    style: &CsvStyle,
) -> std::result::Result<Vec<u8>, ExportError> {
    let criteria: BTreeSet<String> = rows
        .iter()
        .flat_map(|r| r.criteria.iter().map(|c| c.0.clone()))
        .collect();
    let mut sink = CsvSink::new(Vec::new(), bom, criteria.into_iter().collect(), style)?;
    for row in rows {
        sink.row(row)?;
    }
    sink.finish()
}

const VERB_BASE: &str = "http://adlnet.gov/expapi/verbs/";

fn verb(name: &str) -> Value {
    json!({ "id": format!("{VERB_BASE}{name}"), "display": { "en-US": name } })
}

/// ISO 8601 duration between two RFC 3339 stamps, `PT…S`.
fn duration(start: &str, end: Option<&str>) -> Option<String> {
    let s = chrono::DateTime::parse_from_rfc3339(start).ok()?;
    let e = chrono::DateTime::parse_from_rfc3339(end?).ok()?;
    let secs = (e - s).num_seconds().max(0);
    Some(format!("PT{secs}S"))
}

/// A stable statement id: exporting the same attempt twice gives the same ids, so a learning
/// record store will not store it twice.
fn statement_id(parts: &[&str]) -> String {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, parts.join("|").as_bytes()).to_string()
}

/// The base IRI of xAPI activity and account ids unless another is given.
pub const DEFAULT_XAPI_BASE: &str = "https://salesdojo.example/xapi";

/// What an export file holds.
#[derive(Debug, Clone, Copy)]
pub enum Format<'a> {
    /// One row per attempt; `bom`: a UTF-8 byte-order mark first, for Excel; names, criterion
    /// titles and times as `style` says.
    Csv { bom: bool, style: &'a CsvStyle },
    /// xAPI statements, ids under `base`: a JSON array, or with `ndjson` one statement per
    /// line (what LRS import tools prefer).
    Xapi { base: &'a str, ndjson: bool },
}

/// Which attempts an export holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Scope {
    /// Every attempt of the filter; one that is not verified is marked (CSV `verified`; xAPI
    /// `attempted`, never `passed` or `completed`).
    #[default]
    All,
    /// Only the attempts reports count (the same `counted` rule, on both backends).
    VerifiedOnly,
}

/// Why an export could not be made or written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("cannot write JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot write '{path}': {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the export: {0}")]
    Io(#[from] std::io::Error),
    #[error("'{0}' is the progress database itself; the export was not written")]
    OverDatabase(String),
    #[error("cancelled; nothing was written")]
    Cancelled,
}

impl crate::msg::Localized for ExportError {
    fn zh(&self) -> String {
        match self {
            ExportError::Store(e) => crate::msg::Localized::zh(e),
            ExportError::Csv(e) => format!("无法写入 CSV：{e}"),
            ExportError::Json(e) => format!("无法写入 JSON：{e}"),
            ExportError::Write { path, source } => format!("无法写入“{path}”：{source}"),
            ExportError::Io(e) => format!("无法写入导出文件：{e}"),
            ExportError::OverDatabase(p) => format!("“{p}”就是进度数据库本身，导出没有写入"),
            ExportError::Cancelled => "已取消，没有写入任何内容".to_owned(),
        }
    }
}

/// Builds an attempt's xAPI statements one at a time: one for the attempt (passed / failed /
/// completed, when completed) and one per reply and criterion (answered). Actors are accounts
/// under `base` named by pseudonym or trainee id, never by display name, so trainees stay
/// pseudonymous.
struct XapiStatements<'c> {
    base: String,
    replies: rusqlite::CachedStatement<'c>,
}

impl<'c> XapiStatements<'c> {
    fn new(store: &'c Store, base: &str) -> Result<Self> {
        Ok(XapiStatements {
            base: base.trim_end_matches('/').to_owned(),
            replies: store.conn().prepare_cached(
                "SELECT r.id, r.turn_id, r.created_at, p.criterion_id, p.points
                 FROM replies r JOIN reply_points p ON p.reply_id = r.id WHERE r.attempt_id = ?1 ORDER BY r.seq, p.criterion_id",
            )?,
        })
    }

    fn each<E: From<StoreError>>(
        &mut self,
        row: &ExportRow,
        mut emit: impl FnMut(&Value) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let base = &self.base;
        let r = &row.attempt;
        let actor = json!({
            "objectType": "Agent",
            "account": { "homePage": base, "name": row.pseudonym.clone().unwrap_or_else(|| row.trainee_id.clone()) },
        });
        let playbook = format!("{base}/playbooks/{}", r.playbook);
        let scenario = format!("{playbook}/scenarios/{}", r.scenario);
        let grouping = json!([{ "id": playbook, "objectType": "Activity" }]);
        if r.status == "completed" && !r.counted() {
            // A claim not yet verified (or flagged): no score, verdict or completion goes to
            // the learning record store, only that it was attempted, and why it does not count.
            let mut extensions = serde_json::Map::new();
            extensions.insert(
                format!("{base}/extensions/playbook-version"),
                json!(r.version),
            );
            extensions.insert(
                format!("{base}/extensions/verification"),
                json!(r.verified().unwrap_or("pending")),
            );
            emit(&json!({
                "id": statement_id(&[&r.id, "attempt"]),
                "actor": actor,
                "verb": verb("attempted"),
                "object": {
                    "objectType": "Activity",
                    "id": scenario,
                    "definition": { "type": "http://adlnet.gov/expapi/activities/simulation", "name": { "en-US": r.scenario } },
                },
                "context": {
                    "registration": r.id,
                    "contextActivities": { "grouping": grouping },
                    "extensions": extensions,
                },
                "timestamp": r.ended_at.clone().unwrap_or_else(|| r.started_at.clone()),
            }))?;
        } else if r.status == "completed" {
            let total = r.total.unwrap_or(0.0).clamp(0.0, 100.0);
            let v = match r.passed {
                Some(true) => "passed",
                Some(false) => "failed",
                None => "completed",
            };
            let mut result = json!({
                "score": { "scaled": total / 100.0, "raw": total, "min": 0, "max": 100 },
                "success": r.passed.unwrap_or(false),
                "completion": true,
            });
            if let Some(d) = duration(&r.started_at, r.ended_at.as_deref()) {
                result["duration"] = json!(d);
            }
            emit(&json!({
                "id": statement_id(&[&r.id, "attempt"]),
                "actor": actor,
                "verb": verb(v),
                "object": {
                    "objectType": "Activity",
                    "id": scenario,
                    "definition": { "type": "http://adlnet.gov/expapi/activities/simulation", "name": { "en-US": r.scenario } },
                },
                "result": result,
                "context": {
                    "registration": r.id,
                    "contextActivities": { "grouping": grouping },
                    "extensions": { format!("{base}/extensions/playbook-version"): r.version },
                },
                "timestamp": r.ended_at.clone().unwrap_or_else(|| r.started_at.clone()),
            }))?;
        }
        let points = match &row.reply_points {
            Some(p) => p.clone(),
            None => self
                .replies
                .query_map([&r.id], |q| {
                    Ok((q.get(0)?, q.get(1)?, q.get(2)?, q.get(3)?, q.get(4)?))
                })
                .map_err(StoreError::from)?
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(StoreError::from)?,
        };
        // A comment on one reply: a statement by the reviewer about that reply's turn.
        for c in row.comments.iter().filter(|c| c.reply.is_some()) {
            let turn = c.turn.clone().unwrap_or_default();
            emit(&json!({
                "id": statement_id(&[&c.id, "comment"]),
                "actor": { "objectType": "Agent", "account": { "homePage": base, "name": c.reviewer } },
                "verb": verb("commented"),
                "object": {
                    "objectType": "Activity",
                    "id": format!("{scenario}/turns/{turn}"),
                    "definition": { "type": "http://adlnet.gov/expapi/activities/cmi.interaction", "name": { "en-US": turn } },
                },
                "result": { "response": c.text },
                "context": {
                    "registration": r.id,
                    "contextActivities": { "parent": [{ "id": scenario, "objectType": "Activity" }], "grouping": grouping },
                    "extensions": {
                        format!("{base}/extensions/reply"): c.reply,
                        format!("{base}/extensions/trainee"): actor["account"]["name"],
                    },
                },
                "timestamp": c.at,
            }))?;
        }
        for (reply_id, turn, at, criterion, pts) in points {
            let pts: f64 = pts.clamp(0.0, 100.0);
            emit(&json!({
                "id": statement_id(&[&reply_id, &criterion]),
                "actor": actor,
                "verb": verb("answered"),
                "object": {
                    "objectType": "Activity",
                    "id": format!("{scenario}/turns/{turn}"),
                    "definition": { "type": "http://adlnet.gov/expapi/activities/cmi.interaction", "name": { "en-US": turn } },
                },
                "result": { "score": { "scaled": pts / 100.0, "raw": pts, "min": 0, "max": 100 } },
                "context": {
                    "registration": r.id,
                    "contextActivities": { "parent": [{ "id": scenario, "objectType": "Activity" }], "grouping": grouping },
                    "extensions": { format!("{base}/extensions/criterion"): criterion },
                },
                "timestamp": at,
            }))?;
        }
        Ok(())
    }
}

/// xAPI statements of rows already in memory (see [`XapiStatements`]).
pub fn to_xapi(store: &Store, rows: &[ExportRow], base: &str) -> Result<Vec<Value>> {
    let mut x = XapiStatements::new(store, base)?;
    let mut out = Vec::new();
    for row in rows {
        x.each(row, |v| {
            out.push(v.clone());
            Ok::<(), StoreError>(())
        })?;
    }
    Ok(out)
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Exported {
    pub attempts: u64,
    pub statements: u64,
    pub bytes: u64,
}

/// Counts what passes through to the writer.
struct Counted<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl Store {
    /// Streams the attempts of a filter to `out` as `format`, one attempt at a time.
    /// `progress(done, total)` is called after each attempt; returning `false` stops the export
    /// with [`ExportError::Cancelled`].
    pub fn export_to(
        &self,
        f: &Filter,
        format: Format<'_>,
        scope: Scope,
        out: &mut dyn Write,
        progress: &mut dyn FnMut(u64, u64) -> bool,
    ) -> std::result::Result<Exported, ExportError> {
        let (total, criteria) = self.records().export_shape(f)?;
        let mut out = Counted {
            inner: std::io::BufWriter::with_capacity(1 << 16, out),
            bytes: 0,
        };
        let mut done = Exported::default();
        let mut seen = 0;
        // Counts an attempt read, and whether it goes into the export.
        let mut step = |row: &ExportRow| -> std::result::Result<bool, ExportError> {
            seen += 1;
            if !progress(seen, total) {
                return Err(ExportError::Cancelled);
            }
            Ok(scope == Scope::All || row.attempt.counted())
        };
        match format {
            Format::Csv { bom, style } => {
                let mut sink = CsvSink::new(&mut out, bom, criteria.into_iter().collect(), style)?;
                super::records::for_each_export_row(self.records(), f, |row| {
                    if step(&row)? {
                        sink.row(&row)?;
                        done.attempts += 1;
                    }
                    Ok::<(), ExportError>(())
                })?;
                sink.finish()?;
            }
            Format::Xapi { base, ndjson } => {
                let mut x = XapiStatements::new(self, base)?;
                if !ndjson {
                    out.write_all(b"[")?;
                }
                super::records::for_each_export_row(self.records(), f, |row| {
                    if !step(&row)? {
                        return Ok(());
                    }
                    done.attempts += 1;
                    x.each(&row, |v| -> std::result::Result<(), ExportError> {
                        if ndjson {
                            serde_json::to_writer(&mut out, v)?;
                            out.write_all(b"\n")?;
                        } else {
                            out.write_all(if done.statements == 0 {
                                b"\n  "
                            } else {
                                b",\n  "
                            })?;
                            serde_json::to_writer(&mut out, v)?;
                        }
                        done.statements += 1;
                        Ok(())
                    })
                })?;
                if !ndjson {
                    out.write_all(b"\n]\n")?;
                }
            }
        }
        out.flush()?;
        done.bytes = out.bytes;
        Ok(done)
    }

    /// Streams an export into the file at `path`: written beside it and renamed over it at the
    /// end, so a failed or cancelled export never leaves half a file where the old one was.
    /// Refuses to write over the progress database itself.
    pub fn export_file(
        &self,
        f: &Filter,
        format: Format<'_>,
        scope: Scope,
        path: &Path,
        progress: &mut dyn FnMut(u64, u64) -> bool,
    ) -> std::result::Result<Exported, ExportError> {
        self.write_beside(path, |file| {
            self.export_to(f, format, scope, file, progress)
        })
    }

    /// Writes the file at `path` through `write`, beside it first and renamed over it at the
    /// end (a failure leaves no half file where the old one was); never over the progress
    /// database itself.
    fn write_beside<T>(
        &self,
        path: &Path,
        write: impl FnOnce(&mut std::fs::File) -> std::result::Result<T, ExportError>,
    ) -> std::result::Result<T, ExportError> {
        if super::db::is_database_file(path, self.path()) {
            return Err(ExportError::OverDatabase(path.display().to_string()));
        }
        let name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let tmp = path.with_file_name(format!(".{name}.writing"));
        let write_err = |source: std::io::Error| ExportError::Write {
            path: path.display().to_string(),
            source,
        };
        let result = (|| {
            let mut file = std::fs::File::create(&tmp).map_err(write_err)?;
            let done = write(&mut file)?;
            file.sync_all().map_err(write_err)?;
            drop(file);
            std::fs::rename(&tmp, path).map_err(write_err)?;
            Ok(done)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    /// Writes a sheet made elsewhere (the assignments' standings) to `path` as an export is
    /// written: beside it, then renamed over it; never over the progress database.
    pub fn write_sheet(&self, path: &Path, sheet: &[u8]) -> std::result::Result<(), ExportError> {
        self.write_beside(path, |file| {
            std::io::Write::write_all(file, sheet).map_err(|source| ExportError::Write {
                path: path.display().to_string(),
                source,
            })
        })
    }
}

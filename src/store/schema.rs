//! The database schema as versioned migrations, applied with SQLite's `user_version`.
//!
//! Each step is applied in its own transaction; a database written by a newer salesdojo is
//! refused untouched. Never edit a step that has shipped: add a new one.

/// Migration steps; after step `i` the database is at version `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: the progress log.
    r#"
CREATE TABLE teams (
    id          TEXT PRIMARY KEY,            -- UUID v5 of the name, equal on every machine
    name        TEXT NOT NULL UNIQUE
);
CREATE TABLE trainees (
    id          TEXT PRIMARY KEY,            -- UUID
    name        TEXT NOT NULL,
    team_id     TEXT REFERENCES teams(id),
    pseudonym   TEXT UNIQUE,                 -- optional id used in exports instead of the name
    created_at  TEXT NOT NULL
);
CREATE TABLE attempts (
    id               TEXT PRIMARY KEY,       -- UUID, so a retried or merged write cannot duplicate
    trainee_id       TEXT NOT NULL REFERENCES trainees(id),
    playbook_id      TEXT NOT NULL,
    playbook_version INTEGER NOT NULL,
    playbook_hash    TEXT NOT NULL,          -- the exact content it was scored against
    scenario_id      TEXT NOT NULL,
    mode             TEXT NOT NULL CHECK (mode IN ('practice', 'live')),
    started_at       TEXT NOT NULL,          -- UTC, RFC 3339
    ended_at         TEXT,
    total            REAL,
    passed           INTEGER,
    status           TEXT NOT NULL CHECK (status IN ('in_progress', 'completed', 'abandoned')),
    ending           TEXT
);
-- Reply results, stored once per distinct content (the same answer to the same turn gives
-- the same result): id = UUID v5 of the JSON.
CREATE TABLE results (
    id    TEXT PRIMARY KEY,
    json  TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE replies (
    id            TEXT PRIMARY KEY,          -- UUID
    attempt_id    TEXT NOT NULL REFERENCES attempts(id),
    seq           INTEGER NOT NULL,
    turn_id       TEXT NOT NULL,
    stage_id      TEXT NOT NULL,
    answer_kind   TEXT NOT NULL CHECK (answer_kind IN ('text', 'choice')),
    answer        TEXT NOT NULL,
    seconds       REAL NOT NULL,
    score         REAL NOT NULL,
    result_id     TEXT NOT NULL REFERENCES results(id), -- criteria with trace, feedback, hints
    script_error  TEXT,
    created_at    TEXT NOT NULL,
    UNIQUE (attempt_id, seq)
);
CREATE TABLE reply_points (
    reply_id      TEXT NOT NULL REFERENCES replies(id),
    criterion_id  TEXT NOT NULL,
    points        REAL NOT NULL,
    weight        REAL NOT NULL,
    PRIMARY KEY (reply_id, criterion_id)
) WITHOUT ROWID;
-- Per attempt and criterion: the average points over its replies, written when the attempt
-- ends. Reports read this rather than every reply; reviewers' overrides apply to it.
CREATE TABLE attempt_criteria (
    attempt_id    TEXT NOT NULL REFERENCES attempts(id),
    criterion_id  TEXT NOT NULL,
    points        REAL NOT NULL,
    weight        REAL NOT NULL,
    replies       INTEGER NOT NULL,
    PRIMARY KEY (attempt_id, criterion_id)
) WITHOUT ROWID;
CREATE TABLE live_events (
    id          TEXT PRIMARY KEY,
    attempt_id  TEXT NOT NULL REFERENCES attempts(id),
    at          TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('tick', 'untick', 'note', 'advance', 'grade', 'appointment')),
    stage_id    TEXT,
    item_id     TEXT,
    value       TEXT
);
CREATE TABLE reviews (
    id              TEXT PRIMARY KEY,
    attempt_id      TEXT NOT NULL REFERENCES attempts(id),
    reviewer        TEXT NOT NULL,
    at              TEXT NOT NULL,
    comment         TEXT,
    criterion_id    TEXT,                    -- with override_points: a criterion override
    override_points REAL CHECK (override_points IS NULL OR override_points BETWEEN 0 AND 100)
);
CREATE TABLE certifications (
    trainee_id       TEXT NOT NULL REFERENCES trainees(id),
    playbook_id      TEXT NOT NULL,
    playbook_version INTEGER NOT NULL,
    certified_at     TEXT NOT NULL,
    PRIMARY KEY (trainee_id, playbook_id, playbook_version)
) WITHOUT ROWID;
"#,
    // 2: indexes for the report queries.
    r#"
CREATE INDEX attempts_by_trainee ON attempts (trainee_id, started_at);
CREATE INDEX attempts_by_playbook ON attempts (playbook_id, scenario_id, started_at);
CREATE INDEX attempts_by_time ON attempts (started_at);
CREATE INDEX attempts_by_status ON attempts (status) WHERE status = 'in_progress';
CREATE INDEX replies_by_attempt ON replies (attempt_id, seq);
CREATE INDEX attempt_criteria_by_criterion ON attempt_criteria (criterion_id);
CREATE INDEX trainees_by_team ON trainees (team_id);
CREATE INDEX reviews_by_attempt ON reviews (attempt_id);
CREATE INDEX live_events_by_attempt ON live_events (attempt_id, at);
"#,
];

/// The schema version this build writes.
pub const VERSION: i64 = MIGRATIONS.len() as i64;

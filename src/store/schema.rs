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
    // 3: rollups. Whole-history reports read these small tables instead of every attempt;
    // triggers keep them equal to the base tables whatever writes them (finishing, reviews,
    // merges, demo data). Every change is an added or subtracted delta, so the order in which
    // triggers fire does not matter.
    r#"
-- The latest reviewer override of a criterion; NULL when there is none.
ALTER TABLE attempt_criteria ADD COLUMN overridden REAL;
UPDATE attempt_criteria SET overridden = (SELECT r.override_points FROM reviews r
    WHERE r.attempt_id = attempt_criteria.attempt_id AND r.criterion_id = attempt_criteria.criterion_id
      AND r.override_points IS NOT NULL ORDER BY r.at DESC LIMIT 1);

-- Completed attempts per trainee, playbook, scenario and criterion: count and sum of the
-- effective points (the override when there is one).
CREATE TABLE rollup_criteria (
    trainee_id    TEXT NOT NULL,
    playbook_id   TEXT NOT NULL,
    scenario_id   TEXT NOT NULL,
    criterion_id  TEXT NOT NULL,
    n             INTEGER NOT NULL,
    points        REAL NOT NULL,
    PRIMARY KEY (trainee_id, playbook_id, scenario_id, criterion_id)
) WITHOUT ROWID;
-- Completed attempts per trainee, playbook, scenario and mode.
CREATE TABLE rollup_attempts (
    trainee_id    TEXT NOT NULL,
    playbook_id   TEXT NOT NULL,
    scenario_id   TEXT NOT NULL,
    mode          TEXT NOT NULL,
    n             INTEGER NOT NULL,
    total         REAL NOT NULL,     -- sum of totals
    totals        INTEGER NOT NULL,  -- attempts with a total
    passed        INTEGER NOT NULL,
    graded        INTEGER NOT NULL,  -- attempts with a pass/fail
    PRIMARY KEY (trainee_id, playbook_id, scenario_id, mode)
) WITHOUT ROWID;
-- Completed attempts per day (of start, UTC), team ('' for none) and playbook, for trends.
CREATE TABLE rollup_days (
    day           TEXT NOT NULL,
    team_id       TEXT NOT NULL,
    playbook_id   TEXT NOT NULL,
    n             INTEGER NOT NULL,
    total         REAL NOT NULL,
    totals        INTEGER NOT NULL,
    passed        INTEGER NOT NULL,
    graded        INTEGER NOT NULL,
    PRIMARY KEY (day, team_id, playbook_id)
) WITHOUT ROWID;

INSERT INTO rollup_criteria
    SELECT a.trainee_id, a.playbook_id, a.scenario_id, ac.criterion_id, COUNT(*), SUM(COALESCE(ac.overridden, ac.points))
    FROM attempt_criteria ac JOIN attempts a ON a.id = ac.attempt_id
    WHERE a.status = 'completed' GROUP BY 1, 2, 3, 4;
INSERT INTO rollup_attempts
    SELECT trainee_id, playbook_id, scenario_id, mode, COUNT(*), COALESCE(SUM(total), 0), COUNT(total),
           COALESCE(SUM(passed), 0), COUNT(passed)
    FROM attempts WHERE status = 'completed' GROUP BY 1, 2, 3, 4;
INSERT INTO rollup_days
    SELECT substr(a.started_at, 1, 10), COALESCE(t.team_id, ''), a.playbook_id, COUNT(*), COALESCE(SUM(a.total), 0),
           COUNT(a.total), COALESCE(SUM(a.passed), 0), COUNT(a.passed)
    FROM attempts a JOIN trainees t ON t.id = a.trainee_id WHERE a.status = 'completed' GROUP BY 1, 2, 3;

-- A criterion row counts while its attempt is completed.
CREATE TRIGGER rollup_criteria_insert AFTER INSERT ON attempt_criteria
WHEN (SELECT status FROM attempts WHERE id = NEW.attempt_id) = 'completed'
BEGIN
    INSERT INTO rollup_criteria
        SELECT trainee_id, playbook_id, scenario_id, NEW.criterion_id, 1, COALESCE(NEW.overridden, NEW.points)
        FROM attempts WHERE id = NEW.attempt_id
    ON CONFLICT (trainee_id, playbook_id, scenario_id, criterion_id) DO UPDATE SET n = n + excluded.n, points = points + excluded.points;
END;
CREATE TRIGGER rollup_criteria_delete AFTER DELETE ON attempt_criteria
WHEN (SELECT status FROM attempts WHERE id = OLD.attempt_id) = 'completed'
BEGIN
    INSERT INTO rollup_criteria
        SELECT trainee_id, playbook_id, scenario_id, OLD.criterion_id, -1, -COALESCE(OLD.overridden, OLD.points)
        FROM attempts WHERE id = OLD.attempt_id
    ON CONFLICT (trainee_id, playbook_id, scenario_id, criterion_id) DO UPDATE SET n = n + excluded.n, points = points + excluded.points;
END;
CREATE TRIGGER rollup_criteria_update AFTER UPDATE OF points, overridden ON attempt_criteria
WHEN (SELECT status FROM attempts WHERE id = NEW.attempt_id) = 'completed'
BEGIN
    INSERT INTO rollup_criteria
        SELECT trainee_id, playbook_id, scenario_id, NEW.criterion_id, 0,
               COALESCE(NEW.overridden, NEW.points) - COALESCE(OLD.overridden, OLD.points)
        FROM attempts WHERE id = NEW.attempt_id
    ON CONFLICT (trainee_id, playbook_id, scenario_id, criterion_id) DO UPDATE SET points = points + excluded.points;
END;
-- A criterion override follows the latest review that sets one.
CREATE TRIGGER review_override AFTER INSERT ON reviews
WHEN NEW.override_points IS NOT NULL AND NEW.criterion_id IS NOT NULL
BEGIN
    UPDATE attempt_criteria SET overridden = (SELECT r.override_points FROM reviews r
        WHERE r.attempt_id = NEW.attempt_id AND r.criterion_id = NEW.criterion_id
          AND r.override_points IS NOT NULL ORDER BY r.at DESC LIMIT 1)
    WHERE attempt_id = NEW.attempt_id AND criterion_id = NEW.criterion_id;
END;
-- Criteria written after their reviews (a merge, a re-finished attempt) take the override too.
CREATE TRIGGER criteria_take_override AFTER INSERT ON attempt_criteria
WHEN EXISTS (SELECT 1 FROM reviews r WHERE r.attempt_id = NEW.attempt_id
             AND r.criterion_id = NEW.criterion_id AND r.override_points IS NOT NULL)
BEGIN
    UPDATE attempt_criteria SET overridden = (SELECT r.override_points FROM reviews r
        WHERE r.attempt_id = NEW.attempt_id AND r.criterion_id = NEW.criterion_id
          AND r.override_points IS NOT NULL ORDER BY r.at DESC LIMIT 1)
    WHERE attempt_id = NEW.attempt_id AND criterion_id = NEW.criterion_id;
END;

CREATE TRIGGER rollup_attempt_insert AFTER INSERT ON attempts
WHEN NEW.status = 'completed'
BEGIN
    INSERT INTO rollup_attempts VALUES (NEW.trainee_id, NEW.playbook_id, NEW.scenario_id, NEW.mode, 1,
        COALESCE(NEW.total, 0), NEW.total IS NOT NULL, COALESCE(NEW.passed, 0), NEW.passed IS NOT NULL)
    ON CONFLICT (trainee_id, playbook_id, scenario_id, mode) DO UPDATE SET n = n + 1, total = total + excluded.total, totals = totals + excluded.totals,
        passed = passed + excluded.passed, graded = graded + excluded.graded;
    INSERT INTO rollup_days
        SELECT substr(NEW.started_at, 1, 10), COALESCE(team_id, ''), NEW.playbook_id, 1, COALESCE(NEW.total, 0),
               NEW.total IS NOT NULL, COALESCE(NEW.passed, 0), NEW.passed IS NOT NULL
        FROM trainees WHERE id = NEW.trainee_id
    ON CONFLICT (day, team_id, playbook_id) DO UPDATE SET n = n + 1, total = total + excluded.total, totals = totals + excluded.totals,
        passed = passed + excluded.passed, graded = graded + excluded.graded;
END;
-- Any change to a completed attempt, or to or from completed: take the old row out, put the
-- new one in (with its criteria).
CREATE TRIGGER rollup_attempt_update AFTER UPDATE ON attempts
WHEN OLD.status = 'completed' OR NEW.status = 'completed'
BEGIN
    INSERT INTO rollup_attempts
        SELECT OLD.trainee_id, OLD.playbook_id, OLD.scenario_id, OLD.mode, -1, -COALESCE(OLD.total, 0),
               -(OLD.total IS NOT NULL), -COALESCE(OLD.passed, 0), -(OLD.passed IS NOT NULL)
        WHERE OLD.status = 'completed'
    ON CONFLICT (trainee_id, playbook_id, scenario_id, mode) DO UPDATE SET n = n + excluded.n, total = total + excluded.total, totals = totals + excluded.totals,
        passed = passed + excluded.passed, graded = graded + excluded.graded;
    INSERT INTO rollup_attempts
        SELECT NEW.trainee_id, NEW.playbook_id, NEW.scenario_id, NEW.mode, 1, COALESCE(NEW.total, 0),
               NEW.total IS NOT NULL, COALESCE(NEW.passed, 0), NEW.passed IS NOT NULL
        WHERE NEW.status = 'completed'
    ON CONFLICT (trainee_id, playbook_id, scenario_id, mode) DO UPDATE SET n = n + excluded.n, total = total + excluded.total, totals = totals + excluded.totals,
        passed = passed + excluded.passed, graded = graded + excluded.graded;
    INSERT INTO rollup_days
        SELECT substr(OLD.started_at, 1, 10), COALESCE(t.team_id, ''), OLD.playbook_id, -1, -COALESCE(OLD.total, 0),
               -(OLD.total IS NOT NULL), -COALESCE(OLD.passed, 0), -(OLD.passed IS NOT NULL)
        FROM trainees t WHERE t.id = OLD.trainee_id AND OLD.status = 'completed'
    ON CONFLICT (day, team_id, playbook_id) DO UPDATE SET n = n + excluded.n, total = total + excluded.total, totals = totals + excluded.totals,
        passed = passed + excluded.passed, graded = graded + excluded.graded;
    INSERT INTO rollup_days
        SELECT substr(NEW.started_at, 1, 10), COALESCE(t.team_id, ''), NEW.playbook_id, 1, COALESCE(NEW.total, 0),
               NEW.total IS NOT NULL, COALESCE(NEW.passed, 0), NEW.passed IS NOT NULL
        FROM trainees t WHERE t.id = NEW.trainee_id AND NEW.status = 'completed'
    ON CONFLICT (day, team_id, playbook_id) DO UPDATE SET n = n + excluded.n, total = total + excluded.total, totals = totals + excluded.totals,
        passed = passed + excluded.passed, graded = graded + excluded.graded;
    INSERT INTO rollup_criteria
        SELECT OLD.trainee_id, OLD.playbook_id, OLD.scenario_id, ac.criterion_id, -1, -COALESCE(ac.overridden, ac.points)
        FROM attempt_criteria ac WHERE ac.attempt_id = OLD.id AND OLD.status = 'completed' AND true
    ON CONFLICT (trainee_id, playbook_id, scenario_id, criterion_id) DO UPDATE SET n = n + excluded.n, points = points + excluded.points;
    INSERT INTO rollup_criteria
        SELECT NEW.trainee_id, NEW.playbook_id, NEW.scenario_id, ac.criterion_id, 1, COALESCE(ac.overridden, ac.points)
        FROM attempt_criteria ac WHERE ac.attempt_id = NEW.id AND NEW.status = 'completed' AND true
    ON CONFLICT (trainee_id, playbook_id, scenario_id, criterion_id) DO UPDATE SET n = n + excluded.n, points = points + excluded.points;
END;
-- Reports that filter by team find the trainees first.
CREATE INDEX rollup_days_by_team ON rollup_days (team_id, day);
"#,
    // v4: the review view's latest attempts of one playbook, newest first, read from an index
    // instead of sorting every attempt of the playbook (157 ms → see docs/BENCHMARKS.md).
    r#"
CREATE INDEX attempts_by_playbook_time ON attempts (playbook_id, started_at);
"#,
    // v5: the criterion averages of a date range (which the whole-history rollups cannot
    // answer) read one covering index in date order instead of looking up each attempt's
    // criteria at random: each row carries its attempt's trainee, playbook, scenario and start,
    // which never change. Rows exist only for completed attempts.
    r#"
ALTER TABLE attempt_criteria ADD COLUMN trainee_id TEXT;
ALTER TABLE attempt_criteria ADD COLUMN playbook_id TEXT;
ALTER TABLE attempt_criteria ADD COLUMN scenario_id TEXT;
ALTER TABLE attempt_criteria ADD COLUMN started_at TEXT;
UPDATE attempt_criteria SET (trainee_id, playbook_id, scenario_id, started_at) =
    (SELECT a.trainee_id, a.playbook_id, a.scenario_id, a.started_at FROM attempts a WHERE a.id = attempt_criteria.attempt_id);
CREATE TRIGGER criteria_copy_attempt AFTER INSERT ON attempt_criteria
WHEN NEW.started_at IS NULL
BEGIN
    UPDATE attempt_criteria SET (trainee_id, playbook_id, scenario_id, started_at) =
        (SELECT a.trainee_id, a.playbook_id, a.scenario_id, a.started_at FROM attempts a WHERE a.id = NEW.attempt_id)
    WHERE attempt_id = NEW.attempt_id AND criterion_id = NEW.criterion_id;
END;
CREATE INDEX attempt_criteria_by_time ON attempt_criteria
    (started_at, playbook_id, scenario_id, trainee_id, criterion_id, points, overridden);
-- Likewise the attempts of a date range (pass rates, leaderboard, trend): 113 → 41 ms for a
-- quarter of the demo database.
DROP INDEX attempts_by_time;
CREATE INDEX attempts_by_time ON attempts
    (started_at, status, mode, playbook_id, scenario_id, trainee_id, total, passed);
"#,
    // v6: attempts brought in from another database are claims: each is re-scored from its
    // replies against the content version it names, and the outcome kept here. Attempts
    // scored on this machine have no row. Certifications and reports count an imported
    // attempt only once it is verified.
    r#"
CREATE TABLE verifications (
    attempt_id      TEXT PRIMARY KEY REFERENCES attempts(id),
    status          TEXT NOT NULL CHECK (status IN ('pending', 'verified', 'mismatch', 'unverifiable')),
    derived_total   REAL,
    derived_passed  INTEGER,
    note            TEXT,
    checked_at      TEXT
) WITHOUT ROWID;
CREATE INDEX verifications_by_status ON verifications (status);
"#,
    // v7: a review decides. `total` and `passed` are the attempt's result as everything counts
    // it (lists, reports, rollups, certifications, exports); `scored_total` and
    // `scored_passed` keep what scoring gave (NULL: the same as total and passed), `pass_mark`
    // and `gated` what the verdict is judged by. A criterion override moves the total by its
    // weighted change (points x weight / the weights) and judges the verdict again.
    r#"
-- Two overrides of a criterion within the same second: the later written wins (rowid).
DROP TRIGGER review_override;
CREATE TRIGGER review_override AFTER INSERT ON reviews
WHEN NEW.override_points IS NOT NULL AND NEW.criterion_id IS NOT NULL
BEGIN
    UPDATE attempt_criteria SET overridden = (SELECT r.override_points FROM reviews r
        WHERE r.attempt_id = NEW.attempt_id AND r.criterion_id = NEW.criterion_id
          AND r.override_points IS NOT NULL ORDER BY r.at DESC, r.rowid DESC LIMIT 1)
    WHERE attempt_id = NEW.attempt_id AND criterion_id = NEW.criterion_id;
END;
DROP TRIGGER criteria_take_override;
CREATE TRIGGER criteria_take_override AFTER INSERT ON attempt_criteria
WHEN EXISTS (SELECT 1 FROM reviews r WHERE r.attempt_id = NEW.attempt_id
             AND r.criterion_id = NEW.criterion_id AND r.override_points IS NOT NULL)
BEGIN
    UPDATE attempt_criteria SET overridden = (SELECT r.override_points FROM reviews r
        WHERE r.attempt_id = NEW.attempt_id AND r.criterion_id = NEW.criterion_id
          AND r.override_points IS NOT NULL ORDER BY r.at DESC, r.rowid DESC LIMIT 1)
    WHERE attempt_id = NEW.attempt_id AND criterion_id = NEW.criterion_id;
END;
ALTER TABLE attempts ADD COLUMN scored_total REAL;
ALTER TABLE attempts ADD COLUMN scored_passed INTEGER;
ALTER TABLE attempts ADD COLUMN pass_mark INTEGER;
ALTER TABLE attempts ADD COLUMN gated INTEGER;
CREATE TRIGGER review_decides AFTER UPDATE OF overridden ON attempt_criteria
BEGIN
    UPDATE attempts SET scored_total = total, scored_passed = passed
    WHERE id = NEW.attempt_id AND scored_total IS NULL AND status = 'completed' AND mode = 'practice';
    UPDATE attempts SET (total, passed) = (
        SELECT e.total,
               CASE WHEN NOT e.reviewed OR attempts.pass_mark IS NULL THEN attempts.scored_passed
                    ELSE COALESCE(attempts.gated, 0) = 0 AND e.total >= attempts.pass_mark END
        FROM (SELECT CASE WHEN d.reviewed THEN MIN(100.0, MAX(0.0, attempts.scored_total + d.change))
                          ELSE attempts.scored_total END AS total,
                     d.reviewed AS reviewed
              FROM (SELECT COALESCE(SUM(weight * (COALESCE(overridden, points) - points)) / SUM(weight), 0) AS change,
                           COALESCE(MAX(overridden IS NOT NULL), 0) AS reviewed
                    FROM attempt_criteria WHERE attempt_id = NEW.attempt_id) d) e)
    WHERE id = NEW.attempt_id AND scored_total IS NOT NULL AND status = 'completed' AND mode = 'practice';
END;
-- Attempts reviewed before this version take their overrides now.
UPDATE attempt_criteria SET overridden = overridden WHERE overridden IS NOT NULL;
"#,
    // v8: team mode. `team_state` holds the joined server (address and login, never a
    // password) and sync marks; `team_known` the ids of rows the team server has (pushed from
    // here or pulled from it), so a sync sends only what is new and never sends back what it
    // pulled. An attempt's end is known as `end:` followed by its id.
    r#"
CREATE TABLE team_state (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE team_known (
    id  TEXT PRIMARY KEY
) WITHOUT ROWID;
"#,
    // v9: only counted attempts make reports, leaderboards and certifications. An attempt
    // brought in from elsewhere (a merged file, a team server) is a claim until re-scored
    // from its replies: while its verification is pending, or when its stored score is flagged
    // or unverifiable, `counted` is 0 and the rollups leave it out, as the base-table queries
    // do. Attempts scored on this machine have no verification row and always count.
    r#"
ALTER TABLE attempts ADD COLUMN counted INTEGER NOT NULL DEFAULT 1;
DROP TRIGGER rollup_criteria_insert;
CREATE TRIGGER rollup_criteria_insert AFTER INSERT ON attempt_criteria
WHEN (SELECT status = 'completed' AND counted = 1 FROM attempts WHERE id = NEW.attempt_id)
BEGIN
    INSERT INTO rollup_criteria
        SELECT trainee_id, playbook_id, scenario_id, NEW.criterion_id, 1, COALESCE(NEW.overridden, NEW.points)
        FROM attempts WHERE id = NEW.attempt_id
    ON CONFLICT (trainee_id, playbook_id, scenario_id, criterion_id) DO UPDATE SET n = n + excluded.n, points = points + excluded.points;
END;
DROP TRIGGER rollup_criteria_delete;
CREATE TRIGGER rollup_criteria_delete AFTER DELETE ON attempt_criteria
WHEN (SELECT status = 'completed' AND counted = 1 FROM attempts WHERE id = OLD.attempt_id)
BEGIN
    INSERT INTO rollup_criteria
        SELECT trainee_id, playbook_id, scenario_id, OLD.criterion_id, -1, -COALESCE(OLD.overridden, OLD.points)
        FROM attempts WHERE id = OLD.attempt_id
    ON CONFLICT (trainee_id, playbook_id, scenario_id, criterion_id) DO UPDATE SET n = n + excluded.n, points = points + excluded.points;
END;
DROP TRIGGER rollup_criteria_update;
CREATE TRIGGER rollup_criteria_update AFTER UPDATE OF points, overridden ON attempt_criteria
WHEN (SELECT status = 'completed' AND counted = 1 FROM attempts WHERE id = NEW.attempt_id)
BEGIN
    INSERT INTO rollup_criteria
        SELECT trainee_id, playbook_id, scenario_id, NEW.criterion_id, 0,
               COALESCE(NEW.overridden, NEW.points) - COALESCE(OLD.overridden, OLD.points)
        FROM attempts WHERE id = NEW.attempt_id
    ON CONFLICT (trainee_id, playbook_id, scenario_id, criterion_id) DO UPDATE SET points = points + excluded.points;
END;
DROP TRIGGER rollup_attempt_insert;
CREATE TRIGGER rollup_attempt_insert AFTER INSERT ON attempts
WHEN NEW.status = 'completed' AND NEW.counted = 1
BEGIN
    INSERT INTO rollup_attempts VALUES (NEW.trainee_id, NEW.playbook_id, NEW.scenario_id, NEW.mode, 1,
        COALESCE(NEW.total, 0), NEW.total IS NOT NULL, COALESCE(NEW.passed, 0), NEW.passed IS NOT NULL)
    ON CONFLICT (trainee_id, playbook_id, scenario_id, mode) DO UPDATE SET n = n + 1, total = total + excluded.total, totals = totals + excluded.totals,
        passed = passed + excluded.passed, graded = graded + excluded.graded;
    INSERT INTO rollup_days
        SELECT substr(NEW.started_at, 1, 10), COALESCE(team_id, ''), NEW.playbook_id, 1, COALESCE(NEW.total, 0),
               NEW.total IS NOT NULL, COALESCE(NEW.passed, 0), NEW.passed IS NOT NULL
        FROM trainees WHERE id = NEW.trainee_id
    ON CONFLICT (day, team_id, playbook_id) DO UPDATE SET n = n + 1, total = total + excluded.total, totals = totals + excluded.totals,
        passed = passed + excluded.passed, graded = graded + excluded.graded;
END;
DROP TRIGGER rollup_attempt_update;
CREATE TRIGGER rollup_attempt_update AFTER UPDATE ON attempts
WHEN (OLD.status = 'completed' AND OLD.counted = 1) OR (NEW.status = 'completed' AND NEW.counted = 1)
BEGIN
    INSERT INTO rollup_attempts
        SELECT OLD.trainee_id, OLD.playbook_id, OLD.scenario_id, OLD.mode, -1, -COALESCE(OLD.total, 0),
               -(OLD.total IS NOT NULL), -COALESCE(OLD.passed, 0), -(OLD.passed IS NOT NULL)
        WHERE OLD.status = 'completed' AND OLD.counted = 1
    ON CONFLICT (trainee_id, playbook_id, scenario_id, mode) DO UPDATE SET n = n + excluded.n, total = total + excluded.total, totals = totals + excluded.totals,
        passed = passed + excluded.passed, graded = graded + excluded.graded;
    INSERT INTO rollup_attempts
        SELECT NEW.trainee_id, NEW.playbook_id, NEW.scenario_id, NEW.mode, 1, COALESCE(NEW.total, 0),
               NEW.total IS NOT NULL, COALESCE(NEW.passed, 0), NEW.passed IS NOT NULL
        WHERE NEW.status = 'completed' AND NEW.counted = 1
    ON CONFLICT (trainee_id, playbook_id, scenario_id, mode) DO UPDATE SET n = n + excluded.n, total = total + excluded.total, totals = totals + excluded.totals,
        passed = passed + excluded.passed, graded = graded + excluded.graded;
    INSERT INTO rollup_days
        SELECT substr(OLD.started_at, 1, 10), COALESCE(t.team_id, ''), OLD.playbook_id, -1, -COALESCE(OLD.total, 0),
               -(OLD.total IS NOT NULL), -COALESCE(OLD.passed, 0), -(OLD.passed IS NOT NULL)
        FROM trainees t WHERE t.id = OLD.trainee_id AND OLD.status = 'completed' AND OLD.counted = 1
    ON CONFLICT (day, team_id, playbook_id) DO UPDATE SET n = n + excluded.n, total = total + excluded.total, totals = totals + excluded.totals,
        passed = passed + excluded.passed, graded = graded + excluded.graded;
    INSERT INTO rollup_days
        SELECT substr(NEW.started_at, 1, 10), COALESCE(t.team_id, ''), NEW.playbook_id, 1, COALESCE(NEW.total, 0),
               NEW.total IS NOT NULL, COALESCE(NEW.passed, 0), NEW.passed IS NOT NULL
        FROM trainees t WHERE t.id = NEW.trainee_id AND NEW.status = 'completed' AND NEW.counted = 1
    ON CONFLICT (day, team_id, playbook_id) DO UPDATE SET n = n + excluded.n, total = total + excluded.total, totals = totals + excluded.totals,
        passed = passed + excluded.passed, graded = graded + excluded.graded;
    INSERT INTO rollup_criteria
        SELECT OLD.trainee_id, OLD.playbook_id, OLD.scenario_id, ac.criterion_id, -1, -COALESCE(ac.overridden, ac.points)
        FROM attempt_criteria ac WHERE ac.attempt_id = OLD.id AND OLD.status = 'completed' AND OLD.counted = 1 AND true
    ON CONFLICT (trainee_id, playbook_id, scenario_id, criterion_id) DO UPDATE SET n = n + excluded.n, points = points + excluded.points;
    INSERT INTO rollup_criteria
        SELECT NEW.trainee_id, NEW.playbook_id, NEW.scenario_id, ac.criterion_id, 1, COALESCE(ac.overridden, ac.points)
        FROM attempt_criteria ac WHERE ac.attempt_id = NEW.id AND NEW.status = 'completed' AND NEW.counted = 1 AND true
    ON CONFLICT (trainee_id, playbook_id, scenario_id, criterion_id) DO UPDATE SET n = n + excluded.n, points = points + excluded.points;
END;
CREATE TRIGGER verification_counts AFTER INSERT ON verifications
BEGIN
    UPDATE attempts SET counted = (NEW.status = 'verified')
    WHERE id = NEW.attempt_id AND counted <> (NEW.status = 'verified');
END;
CREATE TRIGGER verification_counts_change AFTER UPDATE OF status ON verifications
BEGIN
    UPDATE attempts SET counted = (NEW.status = 'verified')
    WHERE id = NEW.attempt_id AND counted <> (NEW.status = 'verified');
END;
UPDATE attempts SET counted = 0
WHERE id IN (SELECT attempt_id FROM verifications WHERE status <> 'verified');
DELETE FROM rollup_criteria;
DELETE FROM rollup_attempts;
DELETE FROM rollup_days;
INSERT INTO rollup_criteria
    SELECT a.trainee_id, a.playbook_id, a.scenario_id, ac.criterion_id, COUNT(*), SUM(COALESCE(ac.overridden, ac.points))
    FROM attempt_criteria ac JOIN attempts a ON a.id = ac.attempt_id
    WHERE a.status = 'completed' AND a.counted = 1 GROUP BY 1, 2, 3, 4;
INSERT INTO rollup_attempts
    SELECT trainee_id, playbook_id, scenario_id, mode, COUNT(*), COALESCE(SUM(total), 0), COUNT(total),
           COALESCE(SUM(passed), 0), COUNT(passed)
    FROM attempts WHERE status = 'completed' AND counted = 1 GROUP BY 1, 2, 3, 4;
INSERT INTO rollup_days
    SELECT substr(a.started_at, 1, 10), COALESCE(t.team_id, ''), a.playbook_id, COUNT(*), COALESCE(SUM(a.total), 0),
           COUNT(a.total), COALESCE(SUM(a.passed), 0), COUNT(a.passed)
    FROM attempts a JOIN trainees t ON t.id = a.trainee_id
    WHERE a.status = 'completed' AND a.counted = 1 GROUP BY 1, 2, 3;
"#,
    // v10: assignments. A manager gives a trainee or a team a playbook (or one of its
    // scenarios) to pass by a day; statuses are computed from the attempts, never stored.
    // The same thing is assigned to the same people once.
    r#"
CREATE TABLE assignments (
    id                 TEXT PRIMARY KEY,
    playbook_id        TEXT NOT NULL,
    scenario_id        TEXT,
    trainee_id         TEXT REFERENCES trainees(id),
    team_id            TEXT REFERENCES teams(id),
    due                TEXT NOT NULL,
    pass_mark          INTEGER NOT NULL CHECK (pass_mark BETWEEN 0 AND 100),
    retake_after_days  INTEGER NOT NULL CHECK (retake_after_days BETWEEN 0 AND 3650),
    retake_max         INTEGER NOT NULL CHECK (retake_max BETWEEN 0 AND 1000),
    assigned_by        TEXT NOT NULL,
    assigned_at        TEXT NOT NULL,
    note               TEXT,
    CHECK ((trainee_id IS NULL) <> (team_id IS NULL))
);
CREATE UNIQUE INDEX assignments_once ON assignments
    (playbook_id, COALESCE(scenario_id, ''), COALESCE(trainee_id, ''), COALESCE(team_id, ''));
"#,
    // v11: published playbooks, published here or pulled from the team server. A version is
    // immutable: numbered per playbook, its files (a JSON object of path → text) and their
    // SHA-256, the bundle format, who published it, when and why. Nothing changes or removes
    // one (a rollback publishes an old one again); only a copy's files may be written again,
    // and they count only when they give its hash (a damaged copy is pulled again).
    r#"
CREATE TABLE published (
    playbook_id   TEXT NOT NULL,
    version       INTEGER NOT NULL CHECK (version >= 1),
    hash          TEXT NOT NULL,
    format        INTEGER NOT NULL,
    files         TEXT NOT NULL,
    note          TEXT,
    published_by  TEXT NOT NULL,
    published_at  TEXT NOT NULL,
    PRIMARY KEY (playbook_id, version)
);
CREATE TRIGGER published_unchanged BEFORE UPDATE ON published
WHEN NEW.playbook_id IS NOT OLD.playbook_id OR NEW.version IS NOT OLD.version
    OR NEW.hash IS NOT OLD.hash OR NEW.format IS NOT OLD.format OR NEW.note IS NOT OLD.note
    OR NEW.published_by IS NOT OLD.published_by OR NEW.published_at IS NOT OLD.published_at
BEGIN
    SELECT RAISE(ABORT, 'a published version never changes');
END;
CREATE TRIGGER published_kept BEFORE DELETE ON published
BEGIN
    SELECT RAISE(ABORT, 'a published version is never removed');
END;
"#,
    // v12: the manager's week. A review may comment on one reply of the transcript
    // (`reply_seq`) and may sign the attempt off; a trainee asks for a review of an attempt
    // (with a question) and acknowledges the reviews of theirs. The review queue finds a
    // script's failures by index instead of reading every reply. Managers sign certificates
    // off and reviews revoke them.
    r#"
ALTER TABLE reviews ADD COLUMN reply_seq INTEGER CHECK (reply_seq IS NULL OR reply_seq >= 0);
ALTER TABLE reviews ADD COLUMN sign_off INTEGER NOT NULL DEFAULT 0 CHECK (sign_off IN (0, 1));
CREATE TABLE review_requests (
    id          TEXT PRIMARY KEY,
    attempt_id  TEXT NOT NULL REFERENCES attempts(id),
    question    TEXT NOT NULL,
    asked_at    TEXT NOT NULL
);
CREATE INDEX review_requests_by_attempt ON review_requests (attempt_id, asked_at);
CREATE TABLE review_acks (
    review_id   TEXT PRIMARY KEY REFERENCES reviews(id),
    acked_at    TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX replies_with_errors ON replies (attempt_id) WHERE script_error IS NOT NULL;
-- Certificates are judged from the attempts by the playbook's rules (crate::certify); what
-- is kept is what a person did: a manager's sign-off, and a revocation with its reason.
CREATE TABLE certificate_signoffs (
    id          TEXT PRIMARY KEY,
    trainee_id  TEXT NOT NULL REFERENCES trainees(id),
    playbook_id TEXT NOT NULL,
    signed_by   TEXT NOT NULL,
    signed_at   TEXT NOT NULL
);
CREATE TABLE certificate_revocations (
    id          TEXT PRIMARY KEY,
    trainee_id  TEXT NOT NULL REFERENCES trainees(id),
    playbook_id TEXT NOT NULL,
    reason      TEXT NOT NULL,
    revoked_by  TEXT NOT NULL,
    revoked_at  TEXT NOT NULL
);
"#,
];

/// The schema version this build writes.
pub const VERSION: i64 = MIGRATIONS.len() as i64;

/// A schema object: type, name, SQL.
type SchemaObject = (String, String, Option<String>);

/// The schema objects of the `main` database of `c`, SQLite's own internal ones left out.
fn schema_objects(c: &rusqlite::Connection) -> rusqlite::Result<Vec<SchemaObject>> {
    let mut stmt = c.prepare(
        "SELECT type, name, sql FROM main.sqlite_schema
         WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name",
    )?;
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect()
}

/// The schema salesdojo creates at each version (index 0: version 1), built once in memory.
fn reference() -> &'static [Vec<SchemaObject>] {
    static REFERENCE: std::sync::OnceLock<Vec<Vec<SchemaObject>>> = std::sync::OnceLock::new();
    REFERENCE.get_or_init(|| {
        let build = || -> rusqlite::Result<Vec<Vec<SchemaObject>>> {
            let c = rusqlite::Connection::open_in_memory()?;
            MIGRATIONS
                .iter()
                .map(|step| {
                    c.execute_batch(step)?;
                    schema_objects(&c)
                })
                .collect()
        };
        // The migrations are this build's own SQL, run on an empty database in memory: a
        // failure here is a bug that every test shows (`the_reference_schema_builds`).
        build().unwrap_or_default()
    })
}

/// Why the schema of the database `c` is not the one salesdojo creates at `version`, if it
/// is not: a table replaced by a view, a trigger, view, table or index salesdojo never
/// creates, a changed or a missing one. Such a file can run code or loop forever the moment a
/// query reads it, so it is refused before any query does (`trusted_schema = OFF` only limits
/// which functions its SQL may call).
pub(crate) fn difference(c: &rusqlite::Connection, version: i64) -> super::Result<Option<String>> {
    let Some(want) = usize::try_from(version - 1)
        .ok()
        .and_then(|i| reference().get(i))
    else {
        return Ok(Some(format!(
            "its schema version {version} is not one salesdojo writes"
        )));
    };
    let got = schema_objects(c)?;
    for (kind, name, sql) in &got {
        match want.iter().find(|w| &w.1 == name) {
            None => {
                return Ok(Some(format!(
                    "it holds a {kind} '{name}' that salesdojo never creates"
                )));
            }
            Some(w) if &w.0 != kind => {
                return Ok(Some(format!(
                    "'{name}' is a {kind} where salesdojo has a {}",
                    w.0
                )));
            }
            Some(w) if &w.2 != sql => {
                return Ok(Some(format!("its {kind} '{name}' has been changed")));
            }
            Some(_) => {}
        }
    }
    if let Some(missing) = want.iter().find(|w| !got.iter().any(|g| g.1 == w.1)) {
        return Ok(Some(format!(
            "its {} '{}' is missing",
            missing.0, missing.1
        )));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_reference_schema_builds() {
        assert_eq!(super::reference().len(), super::MIGRATIONS.len());
        assert!(super::reference().iter().all(|v| !v.is_empty()));
    }
}

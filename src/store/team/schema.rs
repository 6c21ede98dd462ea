//! The team server's schema: versioned migrations, each applied in its own transaction and
//! recorded in `salesdojo_schema`. A database written by a newer salesdojo is refused
//! untouched. Never edit a step that has shipped: add a new one.
//!
//! The tables mirror the local progress log (the same columns, so the same rows go both
//! ways). Who may read or write what is decided here, by PostgreSQL: group roles, grants and
//! row-level security policies. No salesdojo code decides access.

/// The group roles. Roles are shared by every database of a cluster, hence the prefix.
pub const ROLES: &[(&str, &str)] = &[
    ("trainee", "salesdojo_trainee"),
    ("trainer", "salesdojo_trainer"),
    ("manager", "salesdojo_manager"),
    ("admin", "salesdojo_admin"),
    ("verifier", "salesdojo_verifier"),
];

/// Migration steps; after step `i` the database is at version `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: the shared progress log and its directory of people.
    r#"
CREATE TABLE teams (
    id          text PRIMARY KEY,            -- UUID v5 of the name, as on every client
    name        text NOT NULL UNIQUE
);
-- Everyone with a login: their role and team. Written by admins only.
CREATE TABLE people (
    login       text PRIMARY KEY,            -- the PostgreSQL login role
    name        text NOT NULL,
    role        text NOT NULL CHECK (role IN ('trainee', 'trainer', 'manager', 'admin', 'verifier')),
    team_id     text REFERENCES teams(id),
    created_at  timestamptz NOT NULL DEFAULT now()
);
-- The teams a manager sees.
CREATE TABLE team_managers (
    login       text NOT NULL REFERENCES people(login),
    team_id     text NOT NULL REFERENCES teams(id),
    PRIMARY KEY (login, team_id)
);
CREATE TABLE trainees (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    team_id     text REFERENCES teams(id),
    pseudonym   text UNIQUE,
    created_at  text NOT NULL,
    -- The login that writes as this trainee; NULL for history an admin imported.
    login       text UNIQUE DEFAULT current_user
);
CREATE TABLE attempts (
    id               text PRIMARY KEY,
    trainee_id       text NOT NULL REFERENCES trainees(id),
    playbook_id      text NOT NULL,
    playbook_version integer NOT NULL,
    playbook_hash    text NOT NULL,
    scenario_id      text NOT NULL,
    mode             text NOT NULL CHECK (mode IN ('practice', 'live')),
    started_at       text NOT NULL,
    ended_at         text,
    total            double precision,
    passed           integer CHECK (passed IN (0, 1)),
    status           text NOT NULL CHECK (status IN ('in_progress', 'completed', 'abandoned')),
    ending           text,
    scored_total     double precision,
    scored_passed    integer,
    pass_mark        integer,
    gated            integer,
    -- The transaction that last wrote the row: clients pull what changed after a snapshot.
    txid             bigint NOT NULL DEFAULT txid_current(),
    received_at      timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE results (
    id    text PRIMARY KEY,
    json  text NOT NULL,
    txid  bigint NOT NULL DEFAULT txid_current()
);
CREATE TABLE replies (
    id            text PRIMARY KEY,
    attempt_id    text NOT NULL REFERENCES attempts(id),
    seq           integer NOT NULL,
    turn_id       text NOT NULL,
    stage_id      text NOT NULL,
    answer_kind   text NOT NULL CHECK (answer_kind IN ('text', 'choice')),
    answer        text NOT NULL,
    seconds       double precision NOT NULL,
    score         double precision NOT NULL,
    result_id     text NOT NULL REFERENCES results(id),
    script_error  text,
    created_at    text NOT NULL,
    trainee_id    text NOT NULL,             -- the attempt's (set by the server), for access
    txid          bigint NOT NULL DEFAULT txid_current(),
    received_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (attempt_id, seq)
);
CREATE TABLE reply_points (
    reply_id      text NOT NULL REFERENCES replies(id),
    criterion_id  text NOT NULL,
    points        double precision NOT NULL,
    weight        double precision NOT NULL,
    trainee_id    text NOT NULL,
    PRIMARY KEY (reply_id, criterion_id)
);
CREATE TABLE attempt_criteria (
    attempt_id    text NOT NULL REFERENCES attempts(id),
    criterion_id  text NOT NULL,
    points        double precision NOT NULL,
    weight        double precision NOT NULL,
    replies       integer NOT NULL,
    trainee_id    text NOT NULL,
    PRIMARY KEY (attempt_id, criterion_id)
);
CREATE TABLE live_events (
    id          text PRIMARY KEY,
    attempt_id  text NOT NULL REFERENCES attempts(id),
    at          text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('tick', 'untick', 'note', 'advance', 'grade', 'appointment')),
    stage_id    text,
    item_id     text,
    value       text,
    trainee_id  text NOT NULL,
    txid        bigint NOT NULL DEFAULT txid_current()
);
CREATE TABLE reviews (
    id              text PRIMARY KEY,
    attempt_id      text NOT NULL REFERENCES attempts(id),
    reviewer        text NOT NULL DEFAULT current_user,
    at              text NOT NULL,
    comment         text,
    criterion_id    text,
    override_points double precision CHECK (override_points IS NULL OR override_points BETWEEN 0 AND 100),
    trainee_id      text NOT NULL,
    txid            bigint NOT NULL DEFAULT txid_current()
);
-- The verifier's re-scoring of an attempt from its replies. Only the verifier writes it.
CREATE TABLE verifications (
    attempt_id      text PRIMARY KEY REFERENCES attempts(id),
    status          text NOT NULL CHECK (status IN ('verified', 'mismatch', 'unverifiable')),
    derived_total   double precision,
    derived_passed  integer,
    note            text,
    checked_at      text NOT NULL,
    verifier        text NOT NULL DEFAULT current_user,
    trainee_id      text NOT NULL,
    txid            bigint NOT NULL DEFAULT txid_current()
);
-- Certifications, earned from verified attempts only: written by the verifier.
CREATE TABLE certifications (
    trainee_id       text NOT NULL REFERENCES trainees(id),
    playbook_id      text NOT NULL,
    playbook_version integer NOT NULL,
    certified_at     text NOT NULL,
    txid             bigint NOT NULL DEFAULT txid_current(),
    PRIMARY KEY (trainee_id, playbook_id, playbook_version)
);
-- Published content (playbooks and scripts): room for the team's training loop. Only
-- trainers write it.
CREATE TABLE content (
    id            text NOT NULL,
    version       integer NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('playbook', 'script', 'concepts', 'personas')),
    body          text NOT NULL,
    hash          text NOT NULL,
    published_by  text NOT NULL DEFAULT current_user,
    published_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id, version)
);
CREATE INDEX attempts_by_trainee ON attempts (trainee_id, started_at);
CREATE INDEX attempts_by_playbook_time ON attempts (playbook_id, started_at);
CREATE INDEX attempts_by_txid ON attempts (txid);
CREATE INDEX replies_by_txid ON replies (txid);
CREATE INDEX reviews_by_attempt ON reviews (attempt_id);
CREATE INDEX reviews_by_txid ON reviews (txid);
CREATE INDEX live_events_by_attempt ON live_events (attempt_id, at);
CREATE INDEX verifications_by_txid ON verifications (txid);
CREATE INDEX trainees_by_team ON trainees (team_id);
"#,
    // 2: access, enforced by the database. Group roles, grants and row-level security.
    // Every table's policy reads one small set: the trainees the login may see (trainees →
    // team_managers, each under its own policy), so none recurses, none runs with more
    // rights than the login has, and a query pays for it once.
    r#"
DO $$
DECLARE r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['salesdojo_trainee', 'salesdojo_trainer', 'salesdojo_manager',
                             'salesdojo_admin', 'salesdojo_verifier'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
END $$;

-- Creates (or, with reset, gives a new password to) a login in one of the group roles.
-- Runs with the caller's rights: only a role that may create roles can use it.
CREATE FUNCTION salesdojo_create_login(login text, password text, grp text, reset boolean)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
    IF grp NOT IN ('salesdojo_trainee', 'salesdojo_trainer', 'salesdojo_manager',
                   'salesdojo_admin', 'salesdojo_verifier') THEN
        RAISE EXCEPTION 'unknown role %', grp;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login) THEN
        IF NOT reset THEN
            RETURN false;
        END IF;
        EXECUTE format('ALTER ROLE %I LOGIN PASSWORD %L', login, password);
        FOR r IN SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                 JOIN pg_roles u ON u.oid = m.member
                 WHERE u.rolname = login AND g.rolname LIKE 'salesdojo\_%' LOOP
            EXECUTE format('REVOKE %I FROM %I', r, login);
        END LOOP;
    ELSE
        EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', login, password);
    END IF;
    EXECUTE format('GRANT %I TO %I', grp, login);
    RETURN true;
END $$;
REVOKE ALL ON FUNCTION salesdojo_create_login(text, text, text, boolean) FROM PUBLIC;

-- A trainee's row is their login's: the login and the team come from the directory,
-- whatever the client sent. (An admin importing history writes rows as they are.)
CREATE FUNCTION salesdojo_trainee_is_login() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM people WHERE login = current_user AND role = 'trainee') THEN
        NEW.login := current_user;
        NEW.team_id := (SELECT team_id FROM people WHERE login = current_user);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER trainee_is_login BEFORE INSERT ON trainees
    FOR EACH ROW EXECUTE FUNCTION salesdojo_trainee_is_login();
-- Every row below an attempt carries the attempt's trainee, set here from the attempt the
-- writer can see (never from what a client sent): a row for an attempt the writer cannot
-- see gets none and is refused. Access is then one small set of visible trainees per query.
CREATE FUNCTION salesdojo_row_trainee() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'reply_points' THEN
        NEW.trainee_id := (SELECT trainee_id FROM replies WHERE id = NEW.reply_id);
    ELSE
        NEW.trainee_id := (SELECT trainee_id FROM attempts WHERE id = NEW.attempt_id);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER replies_trainee BEFORE INSERT ON replies
    FOR EACH ROW EXECUTE FUNCTION salesdojo_row_trainee();
CREATE TRIGGER reply_points_trainee BEFORE INSERT ON reply_points
    FOR EACH ROW EXECUTE FUNCTION salesdojo_row_trainee();
CREATE TRIGGER attempt_criteria_trainee BEFORE INSERT ON attempt_criteria
    FOR EACH ROW EXECUTE FUNCTION salesdojo_row_trainee();
CREATE TRIGGER live_events_trainee BEFORE INSERT ON live_events
    FOR EACH ROW EXECUTE FUNCTION salesdojo_row_trainee();
CREATE TRIGGER reviews_trainee BEFORE INSERT ON reviews
    FOR EACH ROW EXECUTE FUNCTION salesdojo_row_trainee();
CREATE TRIGGER verifications_trainee BEFORE INSERT ON verifications
    FOR EACH ROW EXECUTE FUNCTION salesdojo_row_trainee();

-- A review's reviewer, a verification's verifier and content's publisher are whoever wrote
-- it: a forged name is replaced.
CREATE FUNCTION salesdojo_written_by_current_user() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'reviews' THEN NEW.reviewer := current_user;
    ELSIF TG_TABLE_NAME = 'verifications' THEN NEW.verifier := current_user;
    ELSIF TG_TABLE_NAME = 'content' THEN NEW.published_by := current_user;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER reviewer_is_current_user BEFORE INSERT ON reviews
    FOR EACH ROW EXECUTE FUNCTION salesdojo_written_by_current_user();
CREATE TRIGGER verifier_is_current_user BEFORE INSERT ON verifications
    FOR EACH ROW EXECUTE FUNCTION salesdojo_written_by_current_user();
CREATE TRIGGER publisher_is_current_user BEFORE INSERT ON content
    FOR EACH ROW EXECUTE FUNCTION salesdojo_written_by_current_user();
-- Every write stamps the transaction, so a client pulls what changed since its last pull.
CREATE FUNCTION salesdojo_stamp_txid() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.txid := txid_current();
    RETURN NEW;
END $$;
CREATE TRIGGER attempts_stamp BEFORE UPDATE ON attempts
    FOR EACH ROW EXECUTE FUNCTION salesdojo_stamp_txid();

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;
GRANT SELECT ON salesdojo_schema TO salesdojo_trainee, salesdojo_trainer, salesdojo_manager,
    salesdojo_admin, salesdojo_verifier;
GRANT USAGE ON SCHEMA public TO salesdojo_trainee, salesdojo_trainer, salesdojo_manager,
    salesdojo_admin, salesdojo_verifier;

ALTER TABLE teams ENABLE ROW LEVEL SECURITY;
ALTER TABLE people ENABLE ROW LEVEL SECURITY;
ALTER TABLE team_managers ENABLE ROW LEVEL SECURITY;
ALTER TABLE trainees ENABLE ROW LEVEL SECURITY;
ALTER TABLE attempts ENABLE ROW LEVEL SECURITY;
ALTER TABLE results ENABLE ROW LEVEL SECURITY;
ALTER TABLE replies ENABLE ROW LEVEL SECURITY;
ALTER TABLE reply_points ENABLE ROW LEVEL SECURITY;
ALTER TABLE attempt_criteria ENABLE ROW LEVEL SECURITY;
ALTER TABLE live_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE reviews ENABLE ROW LEVEL SECURITY;
ALTER TABLE verifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE certifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE content ENABLE ROW LEVEL SECURITY;

-- Everyone signed in reads team names and published content.
GRANT SELECT ON teams, content TO salesdojo_trainee, salesdojo_trainer, salesdojo_manager,
    salesdojo_admin, salesdojo_verifier;
CREATE POLICY teams_read ON teams FOR SELECT USING (true);
CREATE POLICY content_read ON content FOR SELECT USING (true);
-- Only trainers (and admins) publish; nobody edits a published version.
GRANT INSERT ON content TO salesdojo_trainer, salesdojo_admin;
CREATE POLICY content_publish ON content FOR INSERT
    WITH CHECK (pg_has_role(current_user, 'salesdojo_trainer', 'MEMBER')
             OR pg_has_role(current_user, 'salesdojo_admin', 'MEMBER'));

-- The directory: one's own row; a manager's teams'; admins all (and only admins write it).
GRANT SELECT ON people, team_managers TO salesdojo_trainee, salesdojo_trainer,
    salesdojo_manager, salesdojo_admin, salesdojo_verifier;
GRANT INSERT, UPDATE ON people, team_managers, teams TO salesdojo_admin;
CREATE POLICY people_read ON people FOR SELECT USING (
    login = current_user
    OR team_id IN (SELECT team_id FROM team_managers WHERE login = current_user)
    OR pg_has_role(current_user, 'salesdojo_admin', 'MEMBER'));
CREATE POLICY people_admin ON people FOR ALL
    USING (pg_has_role(current_user, 'salesdojo_admin', 'MEMBER'))
    WITH CHECK (pg_has_role(current_user, 'salesdojo_admin', 'MEMBER'));
CREATE POLICY managers_read ON team_managers FOR SELECT USING (
    login = current_user OR pg_has_role(current_user, 'salesdojo_admin', 'MEMBER'));
CREATE POLICY managers_admin ON team_managers FOR ALL
    USING (pg_has_role(current_user, 'salesdojo_admin', 'MEMBER'))
    WITH CHECK (pg_has_role(current_user, 'salesdojo_admin', 'MEMBER'));
CREATE POLICY teams_admin ON teams FOR ALL
    USING (pg_has_role(current_user, 'salesdojo_admin', 'MEMBER'))
    WITH CHECK (pg_has_role(current_user, 'salesdojo_admin', 'MEMBER'));

-- Trainees: a login writes only its own row (the trigger sets login and team).
GRANT SELECT ON trainees TO salesdojo_trainee, salesdojo_manager, salesdojo_admin, salesdojo_verifier;
GRANT INSERT ON trainees TO salesdojo_trainee;
-- Who sees a trainee: the trainee, the managers of their team, verifiers and admins. Every
-- other table's policy reads this one (a subquery on trainees is filtered by it), so what a
-- login may see is decided here once.
CREATE POLICY trainees_read ON trainees FOR SELECT USING (
    login = current_user
    OR team_id IN (SELECT team_id FROM team_managers WHERE login = current_user)
    OR pg_has_role(current_user, 'salesdojo_verifier', 'MEMBER')
    OR pg_has_role(current_user, 'salesdojo_admin', 'MEMBER'));
CREATE POLICY trainees_own ON trainees FOR INSERT WITH CHECK (login = current_user);

-- Attempts: a trainee writes their own; an attempt in progress may be ended once (its
-- outcome columns only); nobody deletes one.
GRANT SELECT ON attempts TO salesdojo_trainee, salesdojo_manager, salesdojo_admin, salesdojo_verifier;
GRANT INSERT ON attempts TO salesdojo_trainee;
GRANT UPDATE (ended_at, total, passed, status, ending, scored_total, scored_passed, pass_mark, gated)
    ON attempts TO salesdojo_trainee;
CREATE POLICY attempts_read ON attempts FOR SELECT
    USING (trainee_id IN (SELECT id FROM trainees));
CREATE POLICY attempts_own ON attempts FOR INSERT
    WITH CHECK (trainee_id IN (SELECT id FROM trainees WHERE login = current_user));
CREATE POLICY attempts_end ON attempts FOR UPDATE
    USING (trainee_id IN (SELECT id FROM trainees WHERE login = current_user) AND status = 'in_progress')
    WITH CHECK (trainee_id IN (SELECT id FROM trainees WHERE login = current_user));

-- Replies, their points, criteria and live events: written once by the attempt's trainee,
-- read by whoever sees the attempt. No role may update or delete them.
GRANT SELECT ON replies, reply_points, attempt_criteria, live_events
    TO salesdojo_trainee, salesdojo_manager, salesdojo_admin, salesdojo_verifier;
GRANT INSERT ON replies, reply_points, attempt_criteria, live_events TO salesdojo_trainee;
CREATE POLICY replies_read ON replies FOR SELECT
    USING (trainee_id IN (SELECT id FROM trainees));
CREATE POLICY replies_own ON replies FOR INSERT
    WITH CHECK (trainee_id IN (SELECT id FROM trainees WHERE login = current_user));
CREATE POLICY points_read ON reply_points FOR SELECT
    USING (trainee_id IN (SELECT id FROM trainees));
CREATE POLICY points_own ON reply_points FOR INSERT
    WITH CHECK (trainee_id IN (SELECT id FROM trainees WHERE login = current_user));
CREATE POLICY criteria_read ON attempt_criteria FOR SELECT
    USING (trainee_id IN (SELECT id FROM trainees));
CREATE POLICY criteria_own ON attempt_criteria FOR INSERT
    WITH CHECK (trainee_id IN (SELECT id FROM trainees WHERE login = current_user));
CREATE POLICY live_read ON live_events FOR SELECT
    USING (trainee_id IN (SELECT id FROM trainees));
CREATE POLICY live_own ON live_events FOR INSERT
    WITH CHECK (trainee_id IN (SELECT id FROM trainees WHERE login = current_user));

-- Results are stored once per content (id = UUID v5 of the JSON) and shared.
GRANT SELECT, INSERT ON results TO salesdojo_trainee;
GRANT SELECT ON results TO salesdojo_manager, salesdojo_admin, salesdojo_verifier;
CREATE POLICY results_read ON results FOR SELECT USING (true);
CREATE POLICY results_write ON results FOR INSERT WITH CHECK (true);

-- Reviews: a trainee reads those of their attempts; a manager reads and writes those of
-- their teams' attempts (the reviewer is forced to the manager's login by a trigger).
GRANT SELECT ON reviews TO salesdojo_trainee, salesdojo_manager, salesdojo_admin, salesdojo_verifier;
GRANT INSERT ON reviews TO salesdojo_manager;
CREATE POLICY reviews_read ON reviews FOR SELECT
    USING (trainee_id IN (SELECT id FROM trainees));
CREATE POLICY reviews_manager ON reviews FOR INSERT
    WITH CHECK (trainee_id IN (SELECT t.id FROM trainees t JOIN team_managers m ON m.team_id = t.team_id
                               WHERE m.login = current_user)
                AND reviewer = current_user);

-- Verifications and certifications: only the verifier writes them.
GRANT SELECT ON verifications, certifications
    TO salesdojo_trainee, salesdojo_manager, salesdojo_admin, salesdojo_verifier;
GRANT INSERT ON verifications, certifications TO salesdojo_verifier;
GRANT UPDATE (status, derived_total, derived_passed, note, checked_at) ON verifications TO salesdojo_verifier;
CREATE POLICY verifications_read ON verifications FOR SELECT
    USING (trainee_id IN (SELECT id FROM trainees));
CREATE POLICY verifications_write ON verifications FOR INSERT
    WITH CHECK (pg_has_role(current_user, 'salesdojo_verifier', 'MEMBER'));
CREATE POLICY verifications_update ON verifications FOR UPDATE
    USING (pg_has_role(current_user, 'salesdojo_verifier', 'MEMBER'));
CREATE POLICY certifications_read ON certifications FOR SELECT
    USING (trainee_id IN (SELECT id FROM trainees));
CREATE POLICY certifications_write ON certifications FOR INSERT
    WITH CHECK (pg_has_role(current_user, 'salesdojo_verifier', 'MEMBER'));

-- A trainer reads aggregate scores of the playbooks they published: no names, no replies.
CREATE VIEW playbook_scores AS
    SELECT a.playbook_id, a.scenario_id, ac.criterion_id,
           COUNT(*) AS attempts, AVG(ac.points) AS average
    FROM attempts a JOIN attempt_criteria ac ON ac.attempt_id = a.id
    JOIN verifications v ON v.attempt_id = a.id AND v.status = 'verified'
    WHERE a.status = 'completed'
      AND a.playbook_id IN (SELECT id FROM content WHERE published_by = current_user)
    GROUP BY 1, 2, 3;
GRANT SELECT ON playbook_scores TO salesdojo_trainer, salesdojo_admin;

-- What the current login is, for `team status` and `team join`.
CREATE VIEW whoami AS
    SELECT p.login, p.name, p.role, tm.name AS team
    FROM people p LEFT JOIN teams tm ON tm.id = p.team_id
    WHERE p.login = current_user;
GRANT SELECT ON whoami TO salesdojo_trainee, salesdojo_trainer, salesdojo_manager,
    salesdojo_admin, salesdojo_verifier;
"#,
    // 3: reports on the server, as every client's log computes them. A review's criterion
    // override decides the attempt's total and verdict (the latest override per criterion;
    // `seq` orders two of the same second); an attempt from a trainee's machine counts once the
    // verifier verified it (a completed practice attempt without a `verified` verdict does
    // not). The views run with the reader's rights (`security_invoker`), so row-level security
    // applies to every report.
    r#"
ALTER TABLE reviews ADD COLUMN seq bigserial;
-- SQLite's strftime('%Y-W%W', day): the week of the year, weeks starting on Monday, the days
-- before the first Monday in week 00.
CREATE FUNCTION salesdojo_week(day text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_char(substr(day, 1, 10)::date, 'YYYY') || '-W' ||
           lpad(((extract(doy FROM substr(day, 1, 10)::date)::int - 1 + 7
                  - ((extract(dow FROM substr(day, 1, 10)::date)::int + 6) % 7)) / 7)::text, 2, '0')
$$;
CREATE VIEW latest_overrides WITH (security_invoker = true) AS
    SELECT DISTINCT ON (attempt_id, criterion_id) attempt_id, criterion_id, override_points, reviewer, at
    FROM reviews WHERE override_points IS NOT NULL AND criterion_id IS NOT NULL
    ORDER BY attempt_id, criterion_id, at DESC, seq DESC;
CREATE VIEW criteria_results WITH (security_invoker = true) AS
    SELECT ac.attempt_id, ac.criterion_id, ac.points, ac.weight, ac.replies,
           o.override_points AS overridden, o.reviewer AS overridden_by, o.at AS overridden_at
    FROM attempt_criteria ac
    LEFT JOIN latest_overrides o ON o.attempt_id = ac.attempt_id AND o.criterion_id = ac.criterion_id;
-- Per reviewed attempt: the weighted change its overrides make.
CREATE VIEW review_changes WITH (security_invoker = true) AS
    SELECT o.attempt_id,
           SUM(ac.weight * (o.override_points - ac.points))
               / (SELECT SUM(w.weight) FROM attempt_criteria w WHERE w.attempt_id = o.attempt_id) AS change
    FROM latest_overrides o
    JOIN attempt_criteria ac ON ac.attempt_id = o.attempt_id AND ac.criterion_id = o.criterion_id
    GROUP BY o.attempt_id;
CREATE VIEW attempt_results WITH (security_invoker = true) AS
    SELECT a.id, a.trainee_id, a.playbook_id, a.playbook_version, a.playbook_hash, a.scenario_id,
           a.mode, a.started_at, a.ended_at, a.status, a.ending,
           CASE WHEN d.attempt_id IS NOT NULL AND a.status = 'completed' AND a.mode = 'practice'
                THEN LEAST(100.0, GREATEST(0.0, COALESCE(a.scored_total, a.total) + d.change))
                ELSE COALESCE(a.scored_total, a.total) END AS total,
           CASE WHEN d.attempt_id IS NOT NULL AND a.status = 'completed' AND a.mode = 'practice'
                     AND a.pass_mark IS NOT NULL
                THEN (COALESCE(a.gated, 0) = 0
                      AND LEAST(100.0, GREATEST(0.0, COALESCE(a.scored_total, a.total) + d.change)) >= a.pass_mark)::int
                ELSE CASE WHEN a.scored_total IS NULL THEN a.passed ELSE a.scored_passed END END AS passed,
           COALESCE(a.scored_total, a.total) AS scored_total,
           CASE WHEN a.scored_total IS NULL THEN a.passed ELSE a.scored_passed END AS scored_passed,
           d.attempt_id IS NOT NULL AS reviewed,
           CASE WHEN v.status IS NOT NULL THEN v.status
                WHEN a.status = 'completed' AND a.mode = 'practice' THEN 'pending' END AS verification,
           NOT (a.status = 'completed' AND a.mode = 'practice' AND v.status IS DISTINCT FROM 'verified') AS counted
    FROM attempts a
    LEFT JOIN review_changes d ON d.attempt_id = a.id
    LEFT JOIN verifications v ON v.attempt_id = a.id;
GRANT SELECT ON latest_overrides, criteria_results, review_changes, attempt_results
    TO salesdojo_trainee, salesdojo_manager, salesdojo_admin, salesdojo_verifier;
GRANT USAGE ON SEQUENCE reviews_seq_seq TO salesdojo_manager;
CREATE INDEX attempt_criteria_by_attempt ON attempt_criteria (attempt_id);
CREATE INDEX attempts_by_time ON attempts (started_at);
"#,
    // 4: rollups, as on every client: whole-history reports read these small tables instead
    // of every attempt. Each counted, completed attempt's contribution is kept
    // (`rollup_contrib`); any write that can change it (the attempt, its criteria, a review,
    // a verdict) takes the old contribution out and puts the new one in, in the same
    // transaction, so the rollups always equal the base tables.
    r#"
CREATE TABLE rollup_attempts (
    trainee_id   text NOT NULL,
    playbook_id  text NOT NULL,
    scenario_id  text NOT NULL,
    mode         text NOT NULL,
    n            integer NOT NULL,
    total        double precision NOT NULL,
    totals       integer NOT NULL,
    passed       integer NOT NULL,
    graded       integer NOT NULL,
    PRIMARY KEY (trainee_id, playbook_id, scenario_id, mode)
);
CREATE TABLE rollup_criteria (
    trainee_id   text NOT NULL,
    playbook_id  text NOT NULL,
    scenario_id  text NOT NULL,
    criterion_id text NOT NULL,
    n            integer NOT NULL,
    points       double precision NOT NULL,
    PRIMARY KEY (trainee_id, playbook_id, scenario_id, criterion_id)
);
CREATE TABLE rollup_days (
    day          text NOT NULL,
    team_id      text NOT NULL,
    playbook_id  text NOT NULL,
    n            integer NOT NULL,
    total        double precision NOT NULL,
    totals       integer NOT NULL,
    passed       integer NOT NULL,
    graded       integer NOT NULL,
    PRIMARY KEY (day, team_id, playbook_id)
);
CREATE TABLE rollup_contrib (
    attempt_id   text PRIMARY KEY,
    trainee_id   text NOT NULL,
    playbook_id  text NOT NULL,
    scenario_id  text NOT NULL,
    mode         text NOT NULL,
    day          text NOT NULL,
    team_id      text NOT NULL,
    total        double precision,
    passed       integer
);
-- Per counted attempt and criterion, with what date ranges filter on: reports of a date
-- range read these instead of every attempt.
CREATE TABLE rollup_contrib_criteria (
    attempt_id   text NOT NULL,
    criterion_id text NOT NULL,
    points       double precision NOT NULL,
    trainee_id   text NOT NULL,
    playbook_id  text NOT NULL,
    scenario_id  text NOT NULL,
    day          text NOT NULL,
    PRIMARY KEY (attempt_id, criterion_id)
);

-- Takes an attempt's old contribution out of the rollups and puts its current one in.
CREATE FUNCTION salesdojo_rollup_refresh(aid text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    o rollup_contrib%ROWTYPE;
    c record;
BEGIN
    SELECT * INTO o FROM rollup_contrib WHERE attempt_id = aid;
    IF FOUND THEN
        UPDATE rollup_attempts SET n = n - 1, total = total - COALESCE(o.total, 0),
               totals = totals - (o.total IS NOT NULL)::int, passed = passed - COALESCE(o.passed, 0),
               graded = graded - (o.passed IS NOT NULL)::int
        WHERE trainee_id = o.trainee_id AND playbook_id = o.playbook_id
          AND scenario_id = o.scenario_id AND mode = o.mode;
        UPDATE rollup_days SET n = n - 1, total = total - COALESCE(o.total, 0),
               totals = totals - (o.total IS NOT NULL)::int, passed = passed - COALESCE(o.passed, 0),
               graded = graded - (o.passed IS NOT NULL)::int
        WHERE day = o.day AND team_id = o.team_id AND playbook_id = o.playbook_id;
        UPDATE rollup_criteria r SET n = r.n - 1, points = r.points - k.points
        FROM rollup_contrib_criteria k
        WHERE k.attempt_id = aid AND r.trainee_id = o.trainee_id AND r.playbook_id = o.playbook_id
          AND r.scenario_id = o.scenario_id AND r.criterion_id = k.criterion_id;
        DELETE FROM rollup_contrib_criteria WHERE attempt_id = aid;
        DELETE FROM rollup_contrib WHERE attempt_id = aid;
    END IF;
    SELECT a.trainee_id, a.playbook_id, a.scenario_id, a.mode, substr(a.started_at, 1, 10) AS day,
           COALESCE(t.team_id, '') AS team_id, a.total, a.passed
    INTO c
    FROM attempt_results a JOIN trainees t ON t.id = a.trainee_id
    WHERE a.id = aid AND a.status = 'completed' AND a.counted;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    INSERT INTO rollup_contrib VALUES (aid, c.trainee_id, c.playbook_id, c.scenario_id, c.mode,
        c.day, c.team_id, c.total, c.passed);
    INSERT INTO rollup_attempts VALUES (c.trainee_id, c.playbook_id, c.scenario_id, c.mode, 1,
        COALESCE(c.total, 0), (c.total IS NOT NULL)::int, COALESCE(c.passed, 0), (c.passed IS NOT NULL)::int)
    ON CONFLICT (trainee_id, playbook_id, scenario_id, mode) DO UPDATE SET
        n = rollup_attempts.n + 1, total = rollup_attempts.total + excluded.total,
        totals = rollup_attempts.totals + excluded.totals, passed = rollup_attempts.passed + excluded.passed,
        graded = rollup_attempts.graded + excluded.graded;
    INSERT INTO rollup_days VALUES (c.day, c.team_id, c.playbook_id, 1,
        COALESCE(c.total, 0), (c.total IS NOT NULL)::int, COALESCE(c.passed, 0), (c.passed IS NOT NULL)::int)
    ON CONFLICT (day, team_id, playbook_id) DO UPDATE SET
        n = rollup_days.n + 1, total = rollup_days.total + excluded.total,
        totals = rollup_days.totals + excluded.totals, passed = rollup_days.passed + excluded.passed,
        graded = rollup_days.graded + excluded.graded;
    INSERT INTO rollup_contrib_criteria
        SELECT aid, criterion_id, COALESCE(overridden, points), c.trainee_id, c.playbook_id,
               c.scenario_id, c.day
        FROM criteria_results WHERE attempt_id = aid;
    INSERT INTO rollup_criteria
        SELECT c.trainee_id, c.playbook_id, c.scenario_id, k.criterion_id, 1, k.points
        FROM rollup_contrib_criteria k WHERE k.attempt_id = aid
    ON CONFLICT (trainee_id, playbook_id, scenario_id, criterion_id) DO UPDATE SET
        n = rollup_criteria.n + 1, points = rollup_criteria.points + excluded.points;
END $$;
REVOKE ALL ON FUNCTION salesdojo_rollup_refresh(text) FROM PUBLIC;

-- After a statement that changed attempts or what decides them: each attempt once.
CREATE FUNCTION salesdojo_rollup_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE aid text;
BEGIN
    IF TG_TABLE_NAME = 'attempts' THEN
        FOR aid IN SELECT DISTINCT id FROM changed LOOP
            PERFORM salesdojo_rollup_refresh(aid);
        END LOOP;
    ELSE
        FOR aid IN SELECT DISTINCT attempt_id FROM changed LOOP
            PERFORM salesdojo_rollup_refresh(aid);
        END LOOP;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER attempts_rollup_insert AFTER INSERT ON attempts
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION salesdojo_rollup_changed();
CREATE TRIGGER attempts_rollup_update AFTER UPDATE ON attempts
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION salesdojo_rollup_changed();
CREATE TRIGGER criteria_rollup AFTER INSERT ON attempt_criteria
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION salesdojo_rollup_changed();
CREATE TRIGGER reviews_rollup AFTER INSERT ON reviews
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION salesdojo_rollup_changed();
CREATE TRIGGER verifications_rollup_insert AFTER INSERT ON verifications
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION salesdojo_rollup_changed();
CREATE TRIGGER verifications_rollup_update AFTER UPDATE ON verifications
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION salesdojo_rollup_changed();

-- Every rollup again from the base tables, in a few set-based statements (after a bulk
-- import that ran with the triggers off, and for the history before this version).
CREATE FUNCTION salesdojo_rollup_rebuild() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    TRUNCATE rollup_attempts, rollup_criteria, rollup_days, rollup_contrib, rollup_contrib_criteria;
    INSERT INTO rollup_contrib
        SELECT a.id, a.trainee_id, a.playbook_id, a.scenario_id, a.mode, substr(a.started_at, 1, 10),
               COALESCE(t.team_id, ''), a.total, a.passed
        FROM attempt_results a JOIN trainees t ON t.id = a.trainee_id
        WHERE a.status = 'completed' AND a.counted;
    INSERT INTO rollup_contrib_criteria
        SELECT c.attempt_id, c.criterion_id, COALESCE(c.overridden, c.points), k.trainee_id,
               k.playbook_id, k.scenario_id, k.day
        FROM criteria_results c JOIN rollup_contrib k ON k.attempt_id = c.attempt_id;
    INSERT INTO rollup_attempts
        SELECT trainee_id, playbook_id, scenario_id, mode, COUNT(*), COALESCE(SUM(total), 0), COUNT(total),
               COALESCE(SUM(passed), 0), COUNT(passed)
        FROM rollup_contrib GROUP BY 1, 2, 3, 4;
    INSERT INTO rollup_days
        SELECT day, team_id, playbook_id, COUNT(*), COALESCE(SUM(total), 0), COUNT(total),
               COALESCE(SUM(passed), 0), COUNT(passed)
        FROM rollup_contrib GROUP BY 1, 2, 3;
    INSERT INTO rollup_criteria
        SELECT trainee_id, playbook_id, scenario_id, criterion_id, COUNT(*), SUM(points)
        FROM rollup_contrib_criteria GROUP BY 1, 2, 3, 4;
END $$;
REVOKE ALL ON FUNCTION salesdojo_rollup_rebuild() FROM PUBLIC;
SELECT salesdojo_rollup_rebuild();

-- Who reads the rollups: as the attempts they sum (a team's days: its managers).
ALTER TABLE rollup_attempts ENABLE ROW LEVEL SECURITY;
ALTER TABLE rollup_criteria ENABLE ROW LEVEL SECURITY;
ALTER TABLE rollup_days ENABLE ROW LEVEL SECURITY;
ALTER TABLE rollup_contrib ENABLE ROW LEVEL SECURITY;
ALTER TABLE rollup_contrib_criteria ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON rollup_attempts, rollup_criteria, rollup_days, rollup_contrib, rollup_contrib_criteria
    TO salesdojo_trainee, salesdojo_manager, salesdojo_admin, salesdojo_verifier;
CREATE POLICY rollup_contrib_read ON rollup_contrib FOR SELECT
    USING (trainee_id IN (SELECT id FROM trainees));
CREATE POLICY rollup_contrib_criteria_read ON rollup_contrib_criteria FOR SELECT
    USING (trainee_id IN (SELECT id FROM trainees));
CREATE INDEX rollup_contrib_by_day ON rollup_contrib (day);
CREATE INDEX rollup_contrib_criteria_by_day ON rollup_contrib_criteria
    (day, trainee_id, playbook_id, criterion_id, points);
CREATE POLICY rollup_attempts_read ON rollup_attempts FOR SELECT
    USING (trainee_id IN (SELECT id FROM trainees));
CREATE POLICY rollup_criteria_read ON rollup_criteria FOR SELECT
    USING (trainee_id IN (SELECT id FROM trainees));
CREATE POLICY rollup_days_read ON rollup_days FOR SELECT USING (
    team_id IN (SELECT team_id FROM team_managers WHERE login = current_user)
    OR pg_has_role(current_user, 'salesdojo_verifier', 'MEMBER')
    OR pg_has_role(current_user, 'salesdojo_admin', 'MEMBER'));
CREATE INDEX rollup_days_by_team ON rollup_days (team_id, day);
"#,
    // 5: access the planner can use, and a monthly criterion rollup.
    //
    // A policy's subquery runs once per query, as a list the planner reads like a filter the
    // query wrote itself: the index on a table's trainee (or team) finds a manager's rows,
    // where a hashed subquery made it read every row. Tables read by time (attempts, the
    // per-attempt rollups) keep the hashed form: a hash probe per row is cheaper there than
    // searching a list. The login's name is read once (`SELECT current_user`), not per row.
    // Verifiers and admins see everything by a policy of their own, so their queries carry
    // no check at all. What each login may see is unchanged.
    r#"
DROP POLICY managers_read ON team_managers;
CREATE POLICY managers_read ON team_managers FOR SELECT USING (login = (SELECT current_user::text));
CREATE POLICY managers_read_all ON team_managers FOR SELECT TO salesdojo_admin USING (true);
DROP POLICY people_read ON people;
CREATE POLICY people_read ON people FOR SELECT USING (login = (SELECT current_user::text));
CREATE POLICY people_read_team ON people FOR SELECT
    USING (team_id = ANY (ARRAY(SELECT team_id FROM team_managers WHERE login = (SELECT current_user::text))));
CREATE POLICY people_read_all ON people FOR SELECT TO salesdojo_admin USING (true);
DROP POLICY trainees_read ON trainees;
CREATE POLICY trainees_read ON trainees FOR SELECT USING (login = (SELECT current_user::text));
CREATE POLICY trainees_read_team ON trainees FOR SELECT
    USING (team_id = ANY (ARRAY(SELECT team_id FROM team_managers WHERE login = (SELECT current_user::text))));
CREATE POLICY trainees_read_all ON trainees FOR SELECT TO salesdojo_verifier, salesdojo_admin USING (true);
DROP POLICY attempts_read ON attempts;
CREATE POLICY attempts_read ON attempts FOR SELECT USING (trainee_id IN (SELECT id FROM trainees));
CREATE POLICY attempts_read_all ON attempts FOR SELECT TO salesdojo_verifier, salesdojo_admin USING (true);
DROP POLICY replies_read ON replies;
CREATE POLICY replies_read ON replies FOR SELECT USING (trainee_id = ANY (ARRAY(SELECT id FROM trainees)));
CREATE POLICY replies_read_all ON replies FOR SELECT TO salesdojo_verifier, salesdojo_admin USING (true);
DROP POLICY points_read ON reply_points;
CREATE POLICY points_read ON reply_points FOR SELECT USING (trainee_id = ANY (ARRAY(SELECT id FROM trainees)));
CREATE POLICY points_read_all ON reply_points FOR SELECT TO salesdojo_verifier, salesdojo_admin USING (true);
DROP POLICY criteria_read ON attempt_criteria;
CREATE POLICY criteria_read ON attempt_criteria FOR SELECT USING (trainee_id = ANY (ARRAY(SELECT id FROM trainees)));
CREATE POLICY criteria_read_all ON attempt_criteria FOR SELECT TO salesdojo_verifier, salesdojo_admin USING (true);
DROP POLICY live_read ON live_events;
CREATE POLICY live_read ON live_events FOR SELECT USING (trainee_id = ANY (ARRAY(SELECT id FROM trainees)));
CREATE POLICY live_read_all ON live_events FOR SELECT TO salesdojo_verifier, salesdojo_admin USING (true);
DROP POLICY reviews_read ON reviews;
CREATE POLICY reviews_read ON reviews FOR SELECT USING (trainee_id = ANY (ARRAY(SELECT id FROM trainees)));
CREATE POLICY reviews_read_all ON reviews FOR SELECT TO salesdojo_verifier, salesdojo_admin USING (true);
DROP POLICY verifications_read ON verifications;
CREATE POLICY verifications_read ON verifications FOR SELECT USING (trainee_id = ANY (ARRAY(SELECT id FROM trainees)));
CREATE POLICY verifications_read_all ON verifications FOR SELECT TO salesdojo_verifier, salesdojo_admin USING (true);
DROP POLICY certifications_read ON certifications;
CREATE POLICY certifications_read ON certifications FOR SELECT USING (trainee_id = ANY (ARRAY(SELECT id FROM trainees)));
CREATE POLICY certifications_read_all ON certifications FOR SELECT TO salesdojo_verifier, salesdojo_admin USING (true);
DROP POLICY rollup_attempts_read ON rollup_attempts;
CREATE POLICY rollup_attempts_read ON rollup_attempts FOR SELECT USING (trainee_id = ANY (ARRAY(SELECT id FROM trainees)));
CREATE POLICY rollup_attempts_read_all ON rollup_attempts FOR SELECT TO salesdojo_verifier, salesdojo_admin USING (true);
DROP POLICY rollup_criteria_read ON rollup_criteria;
CREATE POLICY rollup_criteria_read ON rollup_criteria FOR SELECT USING (trainee_id = ANY (ARRAY(SELECT id FROM trainees)));
CREATE POLICY rollup_criteria_read_all ON rollup_criteria FOR SELECT TO salesdojo_verifier, salesdojo_admin USING (true);
DROP POLICY rollup_contrib_read ON rollup_contrib;
CREATE POLICY rollup_contrib_read ON rollup_contrib FOR SELECT USING (trainee_id IN (SELECT id FROM trainees));
CREATE POLICY rollup_contrib_read_all ON rollup_contrib FOR SELECT TO salesdojo_verifier, salesdojo_admin USING (true);
DROP POLICY rollup_contrib_criteria_read ON rollup_contrib_criteria;
CREATE POLICY rollup_contrib_criteria_read ON rollup_contrib_criteria FOR SELECT USING (trainee_id IN (SELECT id FROM trainees));
CREATE POLICY rollup_contrib_criteria_read_all ON rollup_contrib_criteria FOR SELECT TO salesdojo_verifier, salesdojo_admin USING (true);
DROP POLICY rollup_days_read ON rollup_days;
CREATE POLICY rollup_days_read ON rollup_days FOR SELECT
    USING (team_id = ANY (ARRAY(SELECT team_id FROM team_managers WHERE login = (SELECT current_user::text))));
CREATE POLICY rollup_days_read_all ON rollup_days FOR SELECT TO salesdojo_verifier, salesdojo_admin USING (true);
-- The planner cannot know how many teams a manager has (a list made at run time: it assumes
-- ten), and against the few teams of a sales force it then expects most of the table and
-- reads all of it. Counting team ids as many makes it expect one manager's share and use
-- the team index. ANALYZE keeps this setting.
ALTER TABLE rollup_days ALTER COLUMN team_id SET (n_distinct = 100);

-- Per month, trainee, playbook and criterion: a date range's criterion averages read its
-- whole months here and only the days at its ends per attempt (a quarter: a quarter of the
-- rows). A range of one scenario reads the per-attempt rows, which it has few of.
CREATE TABLE rollup_months_criteria (
    month        text NOT NULL,               -- YYYY-MM
    trainee_id   text NOT NULL,
    playbook_id  text NOT NULL,
    criterion_id text NOT NULL,
    n            integer NOT NULL,
    points       double precision NOT NULL,
    PRIMARY KEY (month, trainee_id, playbook_id, criterion_id)
);
ALTER TABLE rollup_months_criteria ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON rollup_months_criteria
    TO salesdojo_trainee, salesdojo_manager, salesdojo_admin, salesdojo_verifier;
CREATE POLICY rollup_months_criteria_read ON rollup_months_criteria FOR SELECT
    USING (trainee_id IN (SELECT id FROM trainees));
CREATE POLICY rollup_months_criteria_read_all ON rollup_months_criteria FOR SELECT
    TO salesdojo_verifier, salesdojo_admin USING (true);

-- Kept from the per-attempt criterion rows, whatever writes them (an attempt's refresh, a
-- rebuild): each statement's rows are summed per month and added or taken out; a month row
-- that no attempt contributes to any more goes.
CREATE FUNCTION salesdojo_months_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE rollup_months_criteria;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO rollup_months_criteria
            SELECT substr(day, 1, 7), trainee_id, playbook_id, criterion_id, COUNT(*), SUM(points)
            FROM changed GROUP BY 1, 2, 3, 4
        ON CONFLICT (month, trainee_id, playbook_id, criterion_id) DO UPDATE SET
            n = rollup_months_criteria.n + excluded.n,
            points = rollup_months_criteria.points + excluded.points;
    ELSE
        UPDATE rollup_months_criteria r SET n = r.n - g.n, points = r.points - g.points
        FROM (SELECT substr(day, 1, 7) AS month, trainee_id, playbook_id, criterion_id,
                     COUNT(*) AS n, SUM(points) AS points
              FROM changed GROUP BY 1, 2, 3, 4) g
        WHERE r.month = g.month AND r.trainee_id = g.trainee_id
          AND r.playbook_id = g.playbook_id AND r.criterion_id = g.criterion_id;
        DELETE FROM rollup_months_criteria WHERE n <= 0;
    END IF;
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION salesdojo_months_changed() FROM PUBLIC;
INSERT INTO rollup_months_criteria
    SELECT substr(day, 1, 7), trainee_id, playbook_id, criterion_id, COUNT(*), SUM(points)
    FROM rollup_contrib_criteria GROUP BY 1, 2, 3, 4;
CREATE TRIGGER months_insert AFTER INSERT ON rollup_contrib_criteria
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION salesdojo_months_changed();
CREATE TRIGGER months_delete AFTER DELETE ON rollup_contrib_criteria
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION salesdojo_months_changed();
CREATE TRIGGER months_truncate AFTER TRUNCATE ON rollup_contrib_criteria
    FOR EACH STATEMENT EXECUTE FUNCTION salesdojo_months_changed();
"#,
    // 6: logins salesdojo made, and their whole life; ended attempts that stay as they ended;
    // team names for those who belong to them.
    //
    // A login salesdojo creates is marked (its role comment), and salesdojo changes no other
    // role: not another application's, not the cluster's superuser. A password arrives as a
    // SCRAM-SHA-256 verifier computed by the client, never in clear, so no statement log
    // holds it. A role change, disabling, enabling and removing a login each move the login's
    // group with its directory row, in one transaction.
    r#"
DO $$
DECLARE r record;
BEGIN
    -- Logins made before this version: members of a salesdojo group with a directory row.
    FOR r IN SELECT DISTINCT u.rolname FROM pg_roles u
             JOIN pg_auth_members m ON m.member = u.oid JOIN pg_roles g ON g.oid = m.roleid
             JOIN people p ON p.login = u.rolname
             WHERE g.rolname LIKE 'salesdojo\_%' AND NOT u.rolsuper AND u.rolcanlogin LOOP
        EXECUTE format('COMMENT ON ROLE %I IS %L', r.rolname, 'salesdojo login');
    END LOOP;
END $$;

DROP FUNCTION salesdojo_create_login(text, text, text, boolean);

-- Whether `login` is a role salesdojo made (and not a superuser).
CREATE FUNCTION salesdojo_own_login(login text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = login AND NOT r.rolsuper
                   AND shobj_description(r.oid, 'pg_authid') = 'salesdojo login')
$$;

CREATE FUNCTION salesdojo_check_group(grp text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF grp NOT IN ('salesdojo_trainee', 'salesdojo_trainer', 'salesdojo_manager',
                   'salesdojo_admin', 'salesdojo_verifier') THEN
        RAISE EXCEPTION 'unknown role %', grp;
    END IF;
END $$;

CREATE FUNCTION salesdojo_check_own(login text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login) THEN
        RAISE EXCEPTION 'there is no login %', login USING ERRCODE = 'undefined_object';
    END IF;
    IF NOT salesdojo_own_login(login) THEN
        RAISE EXCEPTION 'the role % was not created by salesdojo: it was left alone', login
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END $$;

CREATE FUNCTION salesdojo_check_verifier(verifier text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF verifier NOT LIKE 'SCRAM-SHA-256$%' THEN
        RAISE EXCEPTION 'a password must come as a SCRAM-SHA-256 verifier, never in clear';
    END IF;
END $$;

-- A new login in one of the groups. Runs with the caller's rights: only a role that may
-- create roles can use it. An existing role is refused, whoever made it.
CREATE FUNCTION salesdojo_create_login(login text, verifier text, grp text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM salesdojo_check_group(grp);
    PERFORM salesdojo_check_verifier(verifier);
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login) THEN
        RAISE EXCEPTION 'the role % exists', login USING ERRCODE = 'duplicate_object';
    END IF;
    EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', login, verifier);
    EXECUTE format('COMMENT ON ROLE %I IS %L', login, 'salesdojo login');
    EXECUTE format('GRANT %I TO %I', grp, login);
END $$;

CREATE FUNCTION salesdojo_set_password(login text, verifier text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM salesdojo_check_own(login);
    PERFORM salesdojo_check_verifier(verifier);
    EXECUTE format('ALTER ROLE %I PASSWORD %L', login, verifier);
END $$;

-- The login's one group becomes `grp` (every other salesdojo group is revoked).
CREATE FUNCTION salesdojo_set_group(login text, grp text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
    PERFORM salesdojo_check_own(login);
    PERFORM salesdojo_check_group(grp);
    FOR r IN SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
             JOIN pg_roles u ON u.oid = m.member
             WHERE u.rolname = login AND g.rolname LIKE 'salesdojo\_%' AND g.rolname <> grp LOOP
        EXECUTE format('REVOKE %I FROM %I', r, login);
    END LOOP;
    EXECUTE format('GRANT %I TO %I', grp, login);
END $$;

-- Signing in allowed or not; a login disabled loses its open sessions where the caller may
-- end them.
CREATE FUNCTION salesdojo_set_login_enabled(login text, enabled boolean) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM salesdojo_check_own(login);
    EXECUTE format('ALTER ROLE %I %s', login, CASE WHEN enabled THEN 'LOGIN' ELSE 'NOLOGIN' END);
    IF NOT enabled THEN
        BEGIN
            PERFORM pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = login;
        EXCEPTION WHEN insufficient_privilege THEN NULL;
        END;
    END IF;
END $$;

-- Drops the login (its practice stays: trainees and attempts keep its name).
CREATE FUNCTION salesdojo_drop_login(login text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM salesdojo_check_own(login);
    BEGIN
        PERFORM pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = login;
    EXCEPTION WHEN insufficient_privilege THEN NULL;
    END;
    EXECUTE format('DROP ROLE %I', login);
END $$;
REVOKE ALL ON FUNCTION salesdojo_own_login(text), salesdojo_check_group(text),
    salesdojo_check_own(text), salesdojo_check_verifier(text),
    salesdojo_create_login(text, text, text), salesdojo_set_password(text, text),
    salesdojo_set_group(text, text), salesdojo_set_login_enabled(text, boolean),
    salesdojo_drop_login(text) FROM PUBLIC;
GRANT DELETE ON people, team_managers TO salesdojo_admin;

-- An attempt that has ended stays as it ended for its trainee: no reply, point, live event or
-- criterion is added to it afterwards (no role may update or delete them either). The
-- criteria an attempt ends with go up in the transaction that ends it. Checked once per
-- statement over the rows it inserted (a row a push sends again is not inserted, by its
-- ON CONFLICT DO NOTHING, and so not checked); a trainee login by its group, not by
-- pg_has_role, which is true for a superuser whose import writes history as it is.
CREATE FUNCTION salesdojo_attempts_still_open() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE ended text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                   JOIN pg_roles u ON u.oid = m.member
                   WHERE u.rolname = current_user AND g.rolname = 'salesdojo_trainee') THEN
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'reply_points' THEN
        SELECT t.id INTO ended FROM added n JOIN replies r ON r.id = n.reply_id
            JOIN attempts t ON t.id = r.attempt_id WHERE t.status <> 'in_progress' LIMIT 1;
    ELSIF TG_TABLE_NAME = 'attempt_criteria' THEN
        SELECT t.id INTO ended FROM added n JOIN attempts t ON t.id = n.attempt_id
            WHERE t.status <> 'in_progress' AND t.txid <> txid_current() LIMIT 1;
    ELSE
        SELECT t.id INTO ended FROM added n JOIN attempts t ON t.id = n.attempt_id
            WHERE t.status <> 'in_progress' LIMIT 1;
    END IF;
    IF ended IS NOT NULL THEN
        RAISE EXCEPTION 'attempt % has ended: nothing can be added to it', ended
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER replies_attempt_open AFTER INSERT ON replies
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION salesdojo_attempts_still_open();
CREATE TRIGGER reply_points_attempt_open AFTER INSERT ON reply_points
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION salesdojo_attempts_still_open();
CREATE TRIGGER attempt_criteria_attempt_open AFTER INSERT ON attempt_criteria
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION salesdojo_attempts_still_open();
CREATE TRIGGER live_events_attempt_open AFTER INSERT ON live_events
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION salesdojo_attempts_still_open();

-- Team names: a person reads their own team's and the teams they manage; admins, verifiers
-- and trainers (who publish for everyone) read all.
DROP POLICY teams_read ON teams;
CREATE POLICY teams_read ON teams FOR SELECT USING (
    id = (SELECT team_id FROM people WHERE login = (SELECT current_user::text))
    OR id = ANY (ARRAY(SELECT team_id FROM team_managers WHERE login = (SELECT current_user::text))));
CREATE POLICY teams_read_all ON teams FOR SELECT
    TO salesdojo_admin, salesdojo_verifier, salesdojo_trainer USING (true);
"#,
    // 7: assignments, as in every client's log. A manager assigns to the trainees and teams
    // they manage, as themselves; a trainee reads what is assigned to them or their team; a
    // manager what they may assign; admins and verifiers all. Nobody changes one afterwards.
    r#"
CREATE TABLE assignments (
    id                 text PRIMARY KEY,
    playbook_id        text NOT NULL,
    scenario_id        text,
    trainee_id         text REFERENCES trainees(id),
    team_id            text REFERENCES teams(id),
    due                text NOT NULL,
    pass_mark          integer NOT NULL CHECK (pass_mark BETWEEN 0 AND 100),
    retake_after_days  integer NOT NULL CHECK (retake_after_days BETWEEN 0 AND 3650),
    retake_max         integer NOT NULL CHECK (retake_max BETWEEN 0 AND 1000),
    assigned_by        text NOT NULL DEFAULT current_user,
    assigned_at        text NOT NULL,
    note               text,
    CHECK ((trainee_id IS NULL) <> (team_id IS NULL))
);
CREATE UNIQUE INDEX assignments_once ON assignments
    (playbook_id, COALESCE(scenario_id, ''), COALESCE(trainee_id, ''), COALESCE(team_id, ''));
ALTER TABLE assignments ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON assignments TO salesdojo_trainee, salesdojo_manager, salesdojo_admin, salesdojo_verifier;
GRANT INSERT ON assignments TO salesdojo_manager;
CREATE POLICY assignments_read ON assignments FOR SELECT USING (
    trainee_id = ANY (ARRAY(SELECT id FROM trainees))
    OR team_id = ANY (ARRAY(SELECT team_id FROM trainees WHERE login = (SELECT current_user::text)))
    OR team_id = ANY (ARRAY(SELECT team_id FROM team_managers WHERE login = (SELECT current_user::text))));
CREATE POLICY assignments_read_all ON assignments FOR SELECT
    TO salesdojo_admin, salesdojo_verifier USING (true);
CREATE POLICY assignments_manager ON assignments FOR INSERT WITH CHECK (
    assigned_by = (SELECT current_user::text)
    AND (trainee_id IN (SELECT t.id FROM trainees t JOIN team_managers m ON m.team_id = t.team_id
                        WHERE m.login = (SELECT current_user::text))
         OR team_id IN (SELECT team_id FROM team_managers WHERE login = (SELECT current_user::text))));
"#,
    // 8: published playbooks, as in every client's log. Everyone reads them; trainers and
    // admins publish, as themselves; a trainer publishes (or rolls back) only a playbook no
    // one else has published. Nobody changes or removes a version.
    r#"
CREATE TABLE published (
    playbook_id   text NOT NULL,
    version       integer NOT NULL CHECK (version >= 1),
    hash          text NOT NULL,
    format        integer NOT NULL,
    files         text NOT NULL,
    note          text,
    published_by  text NOT NULL DEFAULT current_user,
    published_at  text NOT NULL,
    PRIMARY KEY (playbook_id, version)
);
ALTER TABLE published ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON published TO salesdojo_trainee, salesdojo_trainer, salesdojo_manager,
    salesdojo_admin, salesdojo_verifier;
GRANT INSERT ON published TO salesdojo_trainer, salesdojo_admin;
CREATE POLICY published_read ON published FOR SELECT USING (true);
-- A trainer signs in to publish like anyone else: opening the team looks up the login's own
-- trainee row (a trainer has none; the trainees policies show them no one else's).
GRANT SELECT ON trainees TO salesdojo_trainer;
CREATE POLICY published_write ON published FOR INSERT WITH CHECK (
    published_by = (SELECT current_user::text)
    AND (pg_has_role(current_user, 'salesdojo_admin', 'MEMBER')
         OR NOT EXISTS (SELECT 1 FROM published p WHERE p.playbook_id = published.playbook_id
                        AND p.published_by <> (SELECT current_user::text))));
"#,
    // 9: the manager's week, as in every client's log. A review may comment on one reply and
    // sign the attempt off (a manager of the trainee's team, as now); a trainee asks for a
    // review of their own attempt and acknowledges the reviews of their own attempts, and
    // nobody else may do either. Each row carries its attempt's trainee, set from the attempt
    // the writer can see.
    r#"
ALTER TABLE reviews ADD COLUMN reply_seq integer CHECK (reply_seq IS NULL OR reply_seq >= 0);
ALTER TABLE reviews ADD COLUMN sign_off integer NOT NULL DEFAULT 0 CHECK (sign_off IN (0, 1));
CREATE TABLE review_requests (
    id          text PRIMARY KEY,
    attempt_id  text NOT NULL REFERENCES attempts(id),
    question    text NOT NULL,
    asked_at    text NOT NULL,
    trainee_id  text NOT NULL,
    txid        bigint NOT NULL DEFAULT txid_current()
);
CREATE INDEX review_requests_by_attempt ON review_requests (attempt_id, asked_at);
CREATE TABLE review_acks (
    review_id   text PRIMARY KEY REFERENCES reviews(id),
    attempt_id  text NOT NULL REFERENCES attempts(id),
    acked_at    text NOT NULL,
    trainee_id  text NOT NULL,
    txid        bigint NOT NULL DEFAULT txid_current()
);
CREATE TRIGGER review_requests_trainee BEFORE INSERT ON review_requests
    FOR EACH ROW EXECUTE FUNCTION salesdojo_row_trainee();
CREATE TRIGGER review_acks_trainee BEFORE INSERT ON review_acks
    FOR EACH ROW EXECUTE FUNCTION salesdojo_row_trainee();
CREATE INDEX replies_with_errors ON replies (attempt_id) WHERE script_error IS NOT NULL;
ALTER TABLE review_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE review_acks ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON review_requests, review_acks
    TO salesdojo_trainee, salesdojo_manager, salesdojo_admin, salesdojo_verifier;
GRANT INSERT ON review_requests, review_acks TO salesdojo_trainee;
CREATE POLICY review_requests_read ON review_requests FOR SELECT
    USING (trainee_id = ANY (ARRAY(SELECT id FROM trainees)));
CREATE POLICY review_requests_read_all ON review_requests FOR SELECT
    TO salesdojo_verifier, salesdojo_admin USING (true);
CREATE POLICY review_requests_own ON review_requests FOR INSERT WITH CHECK (
    trainee_id IN (SELECT id FROM trainees WHERE login = (SELECT current_user::text)));
CREATE POLICY review_acks_read ON review_acks FOR SELECT
    USING (trainee_id = ANY (ARRAY(SELECT id FROM trainees)));
CREATE POLICY review_acks_read_all ON review_acks FOR SELECT
    TO salesdojo_verifier, salesdojo_admin USING (true);
CREATE POLICY review_acks_own ON review_acks FOR INSERT WITH CHECK (
    trainee_id IN (SELECT id FROM trainees WHERE login = (SELECT current_user::text))
    AND EXISTS (SELECT 1 FROM reviews r WHERE r.id = review_acks.review_id
                AND r.attempt_id = review_acks.attempt_id));

-- Certificates are judged from the attempts by the playbook's rules; a manager of the
-- trainee's team signs one off or revokes it, as themselves. A trainee does neither, not
-- even for their own.
CREATE TABLE certificate_signoffs (
    id          text PRIMARY KEY,
    trainee_id  text NOT NULL REFERENCES trainees(id),
    playbook_id text NOT NULL,
    signed_by   text NOT NULL DEFAULT current_user,
    signed_at   text NOT NULL,
    txid        bigint NOT NULL DEFAULT txid_current()
);
CREATE TABLE certificate_revocations (
    id          text PRIMARY KEY,
    trainee_id  text NOT NULL REFERENCES trainees(id),
    playbook_id text NOT NULL,
    reason      text NOT NULL,
    revoked_by  text NOT NULL DEFAULT current_user,
    revoked_at  text NOT NULL,
    txid        bigint NOT NULL DEFAULT txid_current()
);
CREATE FUNCTION salesdojo_certificate_by_current_user() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'certificate_signoffs' THEN NEW.signed_by := current_user;
    ELSE NEW.revoked_by := current_user;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER signoff_by_current_user BEFORE INSERT ON certificate_signoffs
    FOR EACH ROW EXECUTE FUNCTION salesdojo_certificate_by_current_user();
CREATE TRIGGER revocation_by_current_user BEFORE INSERT ON certificate_revocations
    FOR EACH ROW EXECUTE FUNCTION salesdojo_certificate_by_current_user();
ALTER TABLE certificate_signoffs ENABLE ROW LEVEL SECURITY;
ALTER TABLE certificate_revocations ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON certificate_signoffs, certificate_revocations
    TO salesdojo_trainee, salesdojo_manager, salesdojo_admin, salesdojo_verifier;
GRANT INSERT ON certificate_signoffs, certificate_revocations TO salesdojo_manager;
CREATE POLICY signoffs_read ON certificate_signoffs FOR SELECT
    USING (trainee_id = ANY (ARRAY(SELECT id FROM trainees)));
CREATE POLICY signoffs_read_all ON certificate_signoffs FOR SELECT
    TO salesdojo_verifier, salesdojo_admin USING (true);
CREATE POLICY signoffs_manager ON certificate_signoffs FOR INSERT WITH CHECK (
    signed_by = (SELECT current_user::text)
    AND trainee_id IN (SELECT t.id FROM trainees t JOIN team_managers m ON m.team_id = t.team_id
                       WHERE m.login = (SELECT current_user::text)));
CREATE POLICY revocations_read ON certificate_revocations FOR SELECT
    USING (trainee_id = ANY (ARRAY(SELECT id FROM trainees)));
CREATE POLICY revocations_read_all ON certificate_revocations FOR SELECT
    TO salesdojo_verifier, salesdojo_admin USING (true);
CREATE POLICY revocations_manager ON certificate_revocations FOR INSERT WITH CHECK (
    revoked_by = (SELECT current_user::text)
    AND trainee_id IN (SELECT t.id FROM trainees t JOIN team_managers m ON m.team_id = t.team_id
                       WHERE m.login = (SELECT current_user::text)));
"#,
];

/// The schema version this build writes.
pub const VERSION: i32 = MIGRATIONS.len() as i32;

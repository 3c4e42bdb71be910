-- Young people's records, consents, objections, Gillick-competence assessments and
-- break-glass alerts (SQLite).
--
-- Timestamps are UTC text of fixed width, 'YYYY-MM-DDTHH:MM:SS.ffffffZ', so that text order
-- is time order (the store writes them so; RFC 3339 with trimmed fractions would not sort).
-- Dates are 'YYYY-MM-DD'. `seq` gives rows with equal times a stable, insertion order.
-- No foreign keys: the store keeps facts as recorded (a consent may name a partner not yet
-- registered, or a subject before the import that brings the record).

CREATE TABLE young_people (
    ccis_id    TEXT PRIMARY KEY NOT NULL,
    -- serde_json serialisation of gateway_domain::YoungPerson, compared byte for byte on upsert
    record     TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE consents (
    seq                   INTEGER PRIMARY KEY,
    id                    TEXT NOT NULL UNIQUE,
    subject               TEXT NOT NULL,
    given_by              TEXT NOT NULL CHECK (given_by IN ('young_person', 'parent_carer')),
    method                TEXT NOT NULL CHECK (method IN ('written', 'verbal', 'electronic')),
    given_at              TEXT NOT NULL,
    -- JSON arrays
    purposes              TEXT NOT NULL,
    categories            TEXT NOT NULL,
    -- exactly one of the two: every partner of a kind, or one named partner
    recipient_agency_kind TEXT CHECK (recipient_agency_kind IN
                            ('local_authority', 'youth_offending_team', 'jobcentre_plus', 'social_services')),
    recipient_partner     TEXT,
    valid_from            TEXT NOT NULL,
    valid_until           TEXT,
    recorded_by           TEXT NOT NULL,
    recorded_at           TEXT NOT NULL,
    withdrawn_at          TEXT,
    withdrawn_by          TEXT,
    CHECK ((recipient_agency_kind IS NULL) <> (recipient_partner IS NULL)),
    CHECK ((withdrawn_at IS NULL) = (withdrawn_by IS NULL))
);
CREATE INDEX consents_subject ON consents (subject, given_at);

CREATE TABLE objections (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    subject      TEXT NOT NULL,
    raised_by    TEXT NOT NULL CHECK (raised_by IN ('young_person', 'parent_carer')),
    raised_at    TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    withdrawn_at TEXT,
    withdrawn_by TEXT,
    CHECK ((withdrawn_at IS NULL) = (withdrawn_by IS NULL))
);
CREATE INDEX objections_subject ON objections (subject, raised_at);

CREATE TABLE competence_assessments (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    subject     TEXT NOT NULL,
    competent   INTEGER NOT NULL CHECK (competent IN (0, 1)),
    assessed_on TEXT NOT NULL,
    assessed_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX competence_assessments_subject
    ON competence_assessments (subject, assessed_on, recorded_at);

CREATE TABLE break_glass_alerts (
    seq               INTEGER PRIMARY KEY,
    id                TEXT NOT NULL UNIQUE,
    partner           TEXT NOT NULL,
    officer           TEXT NOT NULL,
    role              TEXT NOT NULL,
    exchange          TEXT NOT NULL,
    -- the disclosure log's keyed hash of the subject, never the CCIS id
    subject_pseudonym TEXT NOT NULL,
    justification     TEXT NOT NULL,
    opened_at         TEXT NOT NULL,
    window_ends_at    TEXT NOT NULL,
    uses              INTEGER NOT NULL DEFAULT 1 CHECK (uses >= 1),
    status            TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'reviewed')),
    reviewed_by       TEXT,
    reviewed_at       TEXT,
    review_note       TEXT,
    CHECK ((status = 'open' AND reviewed_by IS NULL AND reviewed_at IS NULL AND review_note IS NULL)
        OR (status = 'reviewed' AND reviewed_by IS NOT NULL AND reviewed_at IS NOT NULL
            AND review_note IS NOT NULL))
);
CREATE INDEX break_glass_alerts_lookup
    ON break_glass_alerts (partner, officer, subject_pseudonym, opened_at);
CREATE INDEX break_glass_alerts_status ON break_glass_alerts (status, opened_at);

-- Young people's records, consents, objections, Gillick-competence assessments and
-- break-glass alerts (PostgreSQL).
--
-- `seq` gives rows with equal times a stable, insertion order.
-- No foreign keys: the store keeps facts as recorded (a consent may name a partner not yet
-- registered, or a subject before the import that brings the record).

CREATE TABLE young_people (
    ccis_id    TEXT PRIMARY KEY,
    -- serde_json serialisation of gateway_domain::YoungPerson, compared byte for byte on
    -- upsert. TEXT, not JSONB: JSONB rewrites key order and whitespace and refuses \u0000,
    -- so the stored text would no longer be the record's serialisation.
    record     TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE consents (
    seq                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                    UUID NOT NULL UNIQUE,
    subject               TEXT NOT NULL,
    given_by              TEXT NOT NULL CHECK (given_by IN ('young_person', 'parent_carer')),
    method                TEXT NOT NULL CHECK (method IN ('written', 'verbal', 'electronic')),
    given_at              TIMESTAMPTZ NOT NULL,
    purposes              JSONB NOT NULL,
    categories            JSONB NOT NULL,
    -- exactly one of the two: every partner of a kind, or one named partner
    recipient_agency_kind TEXT CHECK (recipient_agency_kind IN
                            ('local_authority', 'youth_offending_team', 'jobcentre_plus', 'social_services')),
    recipient_partner     TEXT,
    valid_from            DATE NOT NULL,
    valid_until           DATE,
    recorded_by           TEXT NOT NULL,
    recorded_at           TIMESTAMPTZ NOT NULL,
    withdrawn_at          TIMESTAMPTZ,
    withdrawn_by          TEXT,
    CHECK ((recipient_agency_kind IS NULL) <> (recipient_partner IS NULL)),
    CHECK ((withdrawn_at IS NULL) = (withdrawn_by IS NULL))
);
CREATE INDEX consents_subject ON consents (subject, given_at);

CREATE TABLE objections (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           UUID NOT NULL UNIQUE,
    subject      TEXT NOT NULL,
    raised_by    TEXT NOT NULL CHECK (raised_by IN ('young_person', 'parent_carer')),
    raised_at    TIMESTAMPTZ NOT NULL,
    recorded_by  TEXT NOT NULL,
    recorded_at  TIMESTAMPTZ NOT NULL,
    withdrawn_at TIMESTAMPTZ,
    withdrawn_by TEXT,
    CHECK ((withdrawn_at IS NULL) = (withdrawn_by IS NULL))
);
CREATE INDEX objections_subject ON objections (subject, raised_at);

CREATE TABLE competence_assessments (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id          UUID NOT NULL UNIQUE,
    subject     TEXT NOT NULL,
    competent   BOOLEAN NOT NULL,
    assessed_on DATE NOT NULL,
    assessed_by TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX competence_assessments_subject
    ON competence_assessments (subject, assessed_on, recorded_at);

CREATE TABLE break_glass_alerts (
    seq               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                UUID NOT NULL UNIQUE,
    partner           TEXT NOT NULL,
    officer           TEXT NOT NULL,
    role              TEXT NOT NULL,
    exchange          TEXT NOT NULL,
    -- the disclosure log's keyed hash of the subject, never the CCIS id
    subject_pseudonym TEXT NOT NULL,
    justification     TEXT NOT NULL,
    opened_at         TIMESTAMPTZ NOT NULL,
    window_ends_at    TIMESTAMPTZ NOT NULL,
    uses              BIGINT NOT NULL DEFAULT 1 CHECK (uses >= 1),
    status            TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'reviewed')),
    reviewed_by       TEXT,
    reviewed_at       TIMESTAMPTZ,
    review_note       TEXT,
    CHECK ((status = 'open' AND reviewed_by IS NULL AND reviewed_at IS NULL AND review_note IS NULL)
        OR (status = 'reviewed' AND reviewed_by IS NOT NULL AND reviewed_at IS NOT NULL
            AND review_note IS NOT NULL))
);
CREATE INDEX break_glass_alerts_lookup
    ON break_glass_alerts (partner, officer, subject_pseudonym, opened_at);
CREATE INDEX break_glass_alerts_status ON break_glass_alerts (status, opened_at);

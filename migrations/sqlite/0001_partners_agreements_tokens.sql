-- Partner registry, data sharing agreements and token replay protection (SQLite).

CREATE TABLE partners (
    id                TEXT PRIMARY KEY NOT NULL,
    display_name      TEXT NOT NULL,
    agency_kind       TEXT NOT NULL CHECK (agency_kind IN
                        ('local_authority', 'youth_offending_team', 'jobcentre_plus', 'social_services')),
    la_code           TEXT CHECK (la_code IS NULL OR (length(la_code) = 3 AND la_code GLOB '[0-9][0-9][0-9]')),
    status            TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
    cert_san_uri      TEXT UNIQUE,
    cert_subject      TEXT UNIQUE,
    -- JSON array of lower-case hex SHA-256 certificate fingerprints; empty = not pinned
    cert_fingerprints TEXT NOT NULL DEFAULT '[]',
    token_issuer      TEXT NOT NULL UNIQUE,
    token_algorithm   TEXT NOT NULL CHECK (token_algorithm IN ('ES256', 'EdDSA', 'RS256')),
    -- PEM public key(s) or a JWKS document
    token_keys        TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    CHECK (cert_san_uri IS NOT NULL OR cert_subject IS NOT NULL)
);

CREATE TABLE agreements (
    id              TEXT PRIMARY KEY NOT NULL,
    reference       TEXT NOT NULL UNIQUE,
    title           TEXT NOT NULL,
    -- JSON arrays
    parties         TEXT NOT NULL,
    exchanges       TEXT NOT NULL,
    purposes        TEXT NOT NULL,
    data_categories TEXT NOT NULL,
    lawful_basis    TEXT NOT NULL CHECK (lawful_basis IN ('consent', 'public_task', 'legal_obligation')),
    starts_on       TEXT NOT NULL,
    review_on       TEXT NOT NULL,
    ends_on         TEXT,
    created_at      TEXT NOT NULL
);

CREATE TABLE token_replay (
    issuer     TEXT NOT NULL,
    jti        TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (issuer, jti)
);
CREATE INDEX token_replay_expiry ON token_replay (expires_at);

-- Partner registry, data sharing agreements and token replay protection (PostgreSQL).

CREATE TABLE partners (
    id                TEXT PRIMARY KEY,
    display_name      TEXT NOT NULL,
    agency_kind       TEXT NOT NULL CHECK (agency_kind IN
                        ('local_authority', 'youth_offending_team', 'jobcentre_plus', 'social_services')),
    la_code           TEXT CHECK (la_code IS NULL OR la_code ~ '^[0-9]{3}$'),
    status            TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
    cert_san_uri      TEXT UNIQUE,
    cert_subject      TEXT UNIQUE,
    cert_fingerprints JSONB NOT NULL DEFAULT '[]',
    token_issuer      TEXT NOT NULL UNIQUE,
    token_algorithm   TEXT NOT NULL CHECK (token_algorithm IN ('ES256', 'EdDSA', 'RS256')),
    token_keys        TEXT NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    CHECK (cert_san_uri IS NOT NULL OR cert_subject IS NOT NULL)
);

CREATE TABLE agreements (
    id              UUID PRIMARY KEY,
    reference       TEXT NOT NULL UNIQUE,
    title           TEXT NOT NULL,
    parties         JSONB NOT NULL,
    exchanges       JSONB NOT NULL,
    purposes        JSONB NOT NULL,
    data_categories JSONB NOT NULL,
    lawful_basis    TEXT NOT NULL CHECK (lawful_basis IN ('consent', 'public_task', 'legal_obligation')),
    starts_on       DATE NOT NULL,
    review_on       DATE NOT NULL,
    ends_on         DATE,
    created_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE token_replay (
    issuer     TEXT NOT NULL,
    jti        TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (issuer, jti)
);
CREATE INDEX token_replay_expiry ON token_replay (expires_at);

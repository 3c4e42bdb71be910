-- One row per gateway node, rewritten by every readiness check: proof that the database
-- accepts durable writes (the disclosure log lives in the same database).
CREATE TABLE readiness_probe (
    node       TEXT PRIMARY KEY NOT NULL,
    checked_at TEXT NOT NULL
);

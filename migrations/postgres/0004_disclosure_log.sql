-- The disclosure log: entries with their RFC 9162 leaf hashes, and the signed tree heads
-- that cover them (PostgreSQL). Append-only: the triggers below refuse UPDATE, DELETE and
-- TRUNCATE; indexes are assigned by the store under pg_advisory_xact_lock, gap-free from 0.

CREATE TABLE disclosure_log (
    idx         BIGINT PRIMARY KEY CHECK (idx >= 0),
    -- The canonical JSON bytes of the entry (UTF-8), exactly as hashed.
    entry       TEXT NOT NULL,
    leaf_hash   BYTEA NOT NULL CHECK (octet_length(leaf_hash) = 32),
    -- Subject pseudonym, for "who saw my record" (also inside entry).
    subject     TEXT,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX disclosure_log_subject ON disclosure_log (subject, idx);

CREATE TABLE tree_heads (
    tree_size    BIGINT NOT NULL CHECK (tree_size >= 0),
    timestamp_ms BIGINT NOT NULL CHECK (timestamp_ms >= 0),
    root_hash    BYTEA NOT NULL CHECK (octet_length(root_hash) = 32),
    -- SHA-256 of the signer's SubjectPublicKeyInfo DER.
    key_id       BYTEA NOT NULL CHECK (octet_length(key_id) = 32),
    signature    BYTEA NOT NULL,
    PRIMARY KEY (tree_size, timestamp_ms)
);

CREATE FUNCTION disclosure_log_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'disclosure log is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END;
$$;

CREATE TRIGGER disclosure_log_no_update_delete
    BEFORE UPDATE OR DELETE ON disclosure_log
    FOR EACH ROW EXECUTE FUNCTION disclosure_log_refuse_change();
CREATE TRIGGER disclosure_log_no_truncate
    BEFORE TRUNCATE ON disclosure_log
    FOR EACH STATEMENT EXECUTE FUNCTION disclosure_log_refuse_change();

CREATE TRIGGER tree_heads_no_update_delete
    BEFORE UPDATE OR DELETE ON tree_heads
    FOR EACH ROW EXECUTE FUNCTION disclosure_log_refuse_change();
CREATE TRIGGER tree_heads_no_truncate
    BEFORE TRUNCATE ON tree_heads
    FOR EACH STATEMENT EXECUTE FUNCTION disclosure_log_refuse_change();

-- The disclosure log: entries with their RFC 9162 leaf hashes, and the signed tree heads
-- that cover them (SQLite). Append-only: the triggers below refuse UPDATE and DELETE (anyone
-- with the file can drop them; the Merkle tree and signed heads make tampering evident).
-- Indexes are assigned by the store under BEGIN IMMEDIATE, gap-free from 0.
-- STRICT, so a hash column can only ever hold a BLOB.

CREATE TABLE disclosure_log (
    -- INTEGER PRIMARY KEY: the rowid itself (64-bit), no separate index.
    idx         INTEGER PRIMARY KEY NOT NULL CHECK (idx >= 0),
    -- The canonical JSON bytes of the entry (UTF-8), exactly as hashed.
    entry       TEXT NOT NULL,
    leaf_hash   BLOB NOT NULL CHECK (length(leaf_hash) = 32),
    -- Subject pseudonym, for "who saw my record" (also inside entry).
    subject     TEXT,
    recorded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX disclosure_log_subject ON disclosure_log (subject, idx);

CREATE TABLE tree_heads (
    tree_size    INTEGER NOT NULL CHECK (tree_size >= 0),
    timestamp_ms INTEGER NOT NULL CHECK (timestamp_ms >= 0),
    root_hash    BLOB NOT NULL CHECK (length(root_hash) = 32),
    -- SHA-256 of the signer's SubjectPublicKeyInfo DER.
    key_id       BLOB NOT NULL CHECK (length(key_id) = 32),
    signature    BLOB NOT NULL,
    PRIMARY KEY (tree_size, timestamp_ms)
) STRICT;

CREATE TRIGGER disclosure_log_no_update BEFORE UPDATE ON disclosure_log
BEGIN
    SELECT RAISE(ABORT, 'disclosure log is append-only');
END;
CREATE TRIGGER disclosure_log_no_delete BEFORE DELETE ON disclosure_log
BEGIN
    SELECT RAISE(ABORT, 'disclosure log is append-only');
END;
CREATE TRIGGER tree_heads_no_update BEFORE UPDATE ON tree_heads
BEGIN
    SELECT RAISE(ABORT, 'disclosure log is append-only');
END;
CREATE TRIGGER tree_heads_no_delete BEFORE DELETE ON tree_heads
BEGIN
    SELECT RAISE(ABORT, 'disclosure log is append-only');
END;

-- What the log's keys must be (SQLite): values that let a starting gateway tell its key
-- files are this deployment's, written once by `gateway keys init` and never changed.
-- `pseudonym-check`: HMAC-SHA256 under the subject-pseudonym key of a fixed label (hex),
-- so a missing, foreign or wrong pseudonym key is refused instead of silently splitting
-- every young person's log history in two. The signing key is pinned by the tree heads
-- themselves (the newest head names the key that must sign the next one).
CREATE TABLE log_key_pins (
    name       TEXT PRIMARY KEY NOT NULL,
    value      TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

CREATE TRIGGER log_key_pins_no_update BEFORE UPDATE ON log_key_pins
BEGIN
    SELECT RAISE(ABORT, 'log key pins are write-once');
END;
CREATE TRIGGER log_key_pins_no_delete BEFORE DELETE ON log_key_pins
BEGIN
    SELECT RAISE(ABORT, 'log key pins are write-once');
END;

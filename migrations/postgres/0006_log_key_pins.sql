-- What the log's keys must be (PostgreSQL): values that let a starting gateway tell its key
-- files are this deployment's, written once by `gateway keys init` and never changed.
-- `pseudonym-check`: HMAC-SHA256 under the subject-pseudonym key of a fixed label (hex),
-- so a missing, foreign or wrong pseudonym key is refused instead of silently splitting
-- every young person's log history in two. The signing key is pinned by the tree heads
-- themselves (the newest head names the key that must sign the next one).
CREATE TABLE log_key_pins (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE FUNCTION log_key_pins_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'log key pins are write-once: % refused', TG_OP;
END;
$$;

CREATE TRIGGER log_key_pins_no_update_delete
    BEFORE UPDATE OR DELETE ON log_key_pins
    FOR EACH ROW EXECUTE FUNCTION log_key_pins_refuse_change();
CREATE TRIGGER log_key_pins_no_truncate
    BEFORE TRUNCATE ON log_key_pins
    FOR EACH STATEMENT EXECUTE FUNCTION log_key_pins_refuse_change();

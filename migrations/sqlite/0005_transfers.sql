-- Cross-border transfers between two authorities' gateways (sqlite).
--
-- outbound_transfers is the exporter's durable outbox: a row is written before anything is
-- sent, holds the exact bytes that will be sent on every attempt (so a retry is byte for byte
-- the same request and the importer can recognise it), and ends 'acknowledged' only together
-- with the change to the young person's record (CohortStatus T, TransferredToLACode), in one
-- transaction. inbound_transfers is the importer's side: one row per transfer id, whatever
-- the number of deliveries. Times are Unix milliseconds (UTC), the same on both backends.

CREATE TABLE outbound_transfers (
    id              TEXT PRIMARY KEY NOT NULL,
    -- the exporter's own CCIS id of the young person (the record that becomes CohortStatus T)
    subject         TEXT NOT NULL,
    destination     TEXT NOT NULL,
    destination_la  TEXT NOT NULL,
    -- the request body, exactly as sent on every attempt, and its SHA-256 (hex)
    payload         TEXT NOT NULL,
    payload_sha256  TEXT NOT NULL,
    -- JSON arrays of category names
    released        TEXT NOT NULL,
    withheld        TEXT NOT NULL,
    requested_by    TEXT NOT NULL,
    -- the exporter's disclosure log entry for this transfer (JSON, without its index), built
    -- with the policy decision and appended before the first attempt
    log_entry       TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('queued', 'acknowledged', 'refused')),
    -- where that entry landed in the log, once appended
    log_index       INTEGER CHECK (log_index >= 0),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    -- a worker (on any node) that claimed the row holds it until then
    lease_until_ms  INTEGER NOT NULL DEFAULT 0,
    -- why the last attempt failed: a status or transport error, never a personal value
    last_error      TEXT,
    -- the importer's signed acknowledgement (JSON)
    ack             TEXT,
    created_ms      INTEGER NOT NULL,
    finished_ms     INTEGER,
    CHECK ((state = 'acknowledged') = (ack IS NOT NULL))
);
CREATE INDEX outbound_transfers_due ON outbound_transfers (state, next_attempt_ms);
CREATE INDEX outbound_transfers_subject ON outbound_transfers (subject);

CREATE TABLE inbound_transfers (
    id              TEXT PRIMARY KEY NOT NULL,
    source          TEXT NOT NULL,
    source_la       TEXT NOT NULL,
    -- the request body as received (only the categories the exporter's policy released)
    payload         TEXT NOT NULL,
    payload_sha256  TEXT NOT NULL,
    received_ms     INTEGER NOT NULL,
    -- the importer's disclosure log entry for the receipt
    log_index       INTEGER CHECK (log_index >= 0)
);

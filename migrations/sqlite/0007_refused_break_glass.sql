-- A break-glass claim the policy refused raises an alert too (the DPO reviews failed
-- emergency claims); it opens no window.
ALTER TABLE break_glass_alerts ADD COLUMN refused INTEGER NOT NULL DEFAULT 0
    CHECK (refused IN (0, 1));

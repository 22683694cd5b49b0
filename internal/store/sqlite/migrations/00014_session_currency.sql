-- +goose Up
-- The currency an embedded session shows (seed 004's currency prop), when the recipient has an
-- account in it.
ALTER TABLE portal_sessions ADD COLUMN currency TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE portal_sessions DROP COLUMN currency;

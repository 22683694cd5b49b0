-- +goose Up
-- Seed 001's auto_redirect_to_setup, kept for after the emailed code is entered.
ALTER TABLE portal_sessions ADD COLUMN auto_redirect_to_setup BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE portal_sessions DROP COLUMN auto_redirect_to_setup;

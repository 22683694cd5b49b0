-- +goose Up
-- The parent page's origin of an embedded portal session (seed 004's component): the only
-- target of the pages' postMessage and the only sender they listen to.
ALTER TABLE portal_sessions ADD COLUMN embed_origin TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE portal_sessions DROP COLUMN embed_origin;

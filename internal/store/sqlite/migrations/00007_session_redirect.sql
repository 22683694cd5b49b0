-- +goose Up
-- Where the portal sends the user when they are done (the grant's redirect_uri).
ALTER TABLE portal_sessions ADD COLUMN redirect_uri TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE portal_sessions DROP COLUMN redirect_uri;

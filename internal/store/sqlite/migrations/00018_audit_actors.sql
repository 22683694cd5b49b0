-- +goose Up
-- The audit log names every kind of actor (issue 10), not only dashboard members: an API key,
-- a portal session acting for a recipient, or Payport itself. Existing rows were all written by
-- members, so they become actor_type 'member' with their member as the actor.
-- mode is the mode of the objects an action touched ('' for org-wide changes such as
-- settings and dashboard sign-ins): a key of one mode reads that mode's entries and the
-- org-wide ones. (SQLite cannot change member_id's default; Payport always writes it.)
ALTER TABLE audit_log ADD COLUMN actor_type TEXT NOT NULL DEFAULT 'member'
    CHECK (actor_type IN ('member', 'api_key', 'portal_session', 'system'));
ALTER TABLE audit_log ADD COLUMN actor_id TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN recipient_id TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN mode TEXT NOT NULL DEFAULT '';
UPDATE audit_log SET actor_id = member_id;
-- "What happened to this object": the one filter that must not scan the org's whole log.
CREATE INDEX audit_log_object_idx ON audit_log (org_id, object_id, id);

-- +goose Down
DROP INDEX audit_log_object_idx;
ALTER TABLE audit_log DROP COLUMN mode;
ALTER TABLE audit_log DROP COLUMN recipient_id;
ALTER TABLE audit_log DROP COLUMN actor_id;
ALTER TABLE audit_log DROP COLUMN actor_type;

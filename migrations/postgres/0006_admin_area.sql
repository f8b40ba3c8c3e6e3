-- The operator's admin area (docs/DESIGN.md §6, issue 13).

-- The admin role: granted and revoked at the command line (`gatehouse admin grant`).
ALTER TABLE accounts ADD COLUMN admin BOOLEAN NOT NULL DEFAULT FALSE;

-- An invitation code may carry the operator's note (what it was issued for),
-- encrypted under the data key like the rest of what an operator types.
ALTER TABLE invitation_codes ADD COLUMN note BYTEA;
CREATE INDEX accounts_invitation ON accounts (invitation_id) WHERE invitation_id IS NOT NULL;

-- Settings an admin changes at run time, one row each (today `invitation_mode`);
-- a setting without a row has its configured value.
CREATE TABLE site_settings (
    name        TEXT    PRIMARY KEY,
    value       TEXT    NOT NULL,
    updated_at  BIGINT  NOT NULL
);

-- The audit log read by action or actor, newest first (by account: audit_events_subject).
CREATE INDEX audit_events_action ON audit_events (action, id);
CREATE INDEX audit_events_actor ON audit_events (actor_kind, actor_id, id);

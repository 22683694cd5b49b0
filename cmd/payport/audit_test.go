package main

import "testing"

// The operator's commands are audited as the system actor "cli", in the org they change; a
// refused command writes nothing.
func TestCommandsAreAudited(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		orgID, _ := e.createOrg(t, "Acme")
		e.mustRun(t, "apikey", "create", "--org", orgID, "--name", "ci")
		if r := e.run(t, "apikey", "create", "--org", orgID, "--role", "boss"); r.code == 0 {
			t.Fatalf("a bad role was accepted: %v", r)
		}
		db := e.openDB(t)
		for action, mode := range map[string]string{"org.create": "", "api_key.create": "test"} {
			if n := count(t, db, `SELECT COUNT(*) FROM audit_log WHERE org_id = $1 AND actor_type = 'system' AND actor_id = 'cli'
				AND action = $2 AND mode = $3`, orgID, action, mode); n != 1 {
				t.Errorf("%d %s entries by the command line, want 1", n, action)
			}
		}
		if n := count(t, db, `SELECT COUNT(*) FROM audit_log`); n != 2 {
			t.Errorf("%d audit entries, want 2", n)
		}
	})
}

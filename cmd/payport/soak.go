package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/payport/payport/internal/soak"
)

// SoakCmd runs the crash soak (docs/RELIABILITY.md#crash-soak): payport serve child
// processes under a mixed workload, killed with SIGKILL at random moments and restarted, then
// checked from the outside. Loopback only; bounded by --duration, --drain and --rate.
type SoakCmd struct {
	Binary       string        `help:"The payport binary to run as the servers (default: this executable)."`
	Engine       string        `default:"sqlite" enum:"sqlite,postgres" help:"sqlite or postgres."`
	PostgresURL  string        `name:"postgres-url" help:"PostgreSQL database for --engine postgres: give the soak a database of its own (createdb soak_1). Deliberately not PAYPORT_DATABASE_URL, so that a soak never lands on a real database by accident."`
	Dir          string        `help:"Directory for the SQLite database, the master key and the servers' logs (default: a new temporary directory, kept afterwards)."`
	Processes    int           `default:"1" help:"Servers sharing the database (more than one needs postgres)."`
	Kills        int           `default:"100" help:"SIGKILLs to deliver."`
	Duration     time.Duration `default:"15m" help:"Upper bound of the workload and kill phase."`
	Seed         uint64        `help:"Seed of the workload's choices and the kill moments (default: from the clock)."`
	Clients      int           `default:"4" help:"Concurrent workload clients."`
	Rate         float64       `default:"50" help:"Workload requests per second over all clients (the same-balance races, every 0.5 s, come on top)."`
	MinUptime    time.Duration `name:"min-uptime" default:"300ms" help:"Shortest time a server runs between kills."`
	MaxUptime    time.Duration `name:"max-uptime" default:"3s" help:"Longest time a server runs between kills."`
	Drain        time.Duration `default:"5m" help:"Upper bound of the final replays, payout settlement and webhook drain."`
	SettleAfter  time.Duration `name:"settle-after" default:"1s" help:"The servers' sandbox settlement delay."`
	WebhookLease time.Duration `name:"webhook-lease" default:"0s" help:"The servers' webhook sender lease (0: their default, 2m)."`
	NoFinal      bool          `name:"no-require-final" help:"Do not count payouts still processing at the end as violations (short runs)."`
	JSON         bool          `name:"json" help:"Print the report as JSON."`
}

// Run implements the command.
func (c *SoakCmd) Run(ctx context.Context) error {
	bin := c.Binary
	if bin == "" {
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		bin = exe
	}
	if c.Engine == "postgres" && c.PostgresURL == "" {
		return errors.New("--engine postgres needs --postgres-url")
	}
	if c.Engine == "sqlite" && c.PostgresURL != "" {
		return errors.New("--postgres-url is for --engine postgres")
	}
	dir := c.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "payport-soak-")
		if err != nil {
			return err
		}
		dir = d
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	seed := c.Seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	rep, err := soak.Run(ctx, soak.Config{Binary: bin, DataDir: dir, DatabaseURL: c.PostgresURL, Processes: c.Processes,
		Kills: c.Kills, Duration: c.Duration, Seed: seed, Clients: c.Clients, Rate: c.Rate,
		MinUptime: c.MinUptime, MaxUptime: c.MaxUptime, Drain: c.Drain, SettleAfter: c.SettleAfter,
		WebhookLease: c.WebhookLease, RequireFinal: !c.NoFinal, Log: os.Stderr})
	if err != nil {
		return fmt.Errorf("soak (logs in %s): %w", dir, err)
	}
	if c.JSON {
		if err := printJSON(rep); err != nil {
			return err
		}
	} else {
		rep.Print(os.Stdout)
		fmt.Printf("  servers' logs: %s/soak-serve-*.log\n", dir)
	}
	if len(rep.Violations) > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("crash soak: %d violations", len(rep.Violations))}
	}
	return nil
}

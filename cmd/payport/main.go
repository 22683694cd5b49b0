// Command payport is the whole of Payport in one binary: the server (`payport serve`) and the
// operator's commands. This package only parses flags and wires the internal packages.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/alecthomas/kong"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/member"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// Globals are the settings every command shares.
type Globals struct {
	DatabaseURL string `name:"database-url" env:"PAYPORT_DATABASE_URL" help:"PostgreSQL URL (postgres://...). Empty: embedded SQLite in --data-dir."`
	DataDir     string `name:"data-dir" env:"PAYPORT_DATA_DIR" default:"./payport-data" help:"Directory for the embedded database and generated keys."`
	MasterKey   string `name:"master-key" hidden:"" env:"PAYPORT_MASTER_KEY" help:"Set it in the environment, not as a flag (flags show in process lists). Base64 32-byte key sealing bank details at rest. Empty: a key file generated in --data-dir (processes sharing a PostgreSQL must share the key)."`
	SQLiteSync  string `name:"sqlite-synchronous" env:"PAYPORT_SQLITE_SYNCHRONOUS" default:"FULL" enum:"FULL,NORMAL,EXTRA" help:"SQLite durability: FULL survives power loss; NORMAL only process crashes."`
	LogLevel    string `name:"log-level" env:"PAYPORT_LOG_LEVEL" default:"info" enum:"debug,info,warn,error" help:"Log level."`
	LogFormat   string `name:"log-format" env:"PAYPORT_LOG_FORMAT" default:"text" enum:"text,json" help:"Log format."`
}

// CLI is the command tree.
type CLI struct {
	Globals

	Serve   ServeCmd   `cmd:"" help:"Run the Payport server."`
	Migrate MigrateCmd `cmd:"" help:"Apply database migrations and exit."`
	Org     struct {
		Create OrgCreateCmd `cmd:"" help:"Create an org and its first org-admin API key."`
		List   OrgListCmd   `cmd:"" help:"List orgs."`
	} `cmd:"" help:"Manage orgs."`
	Apikey struct {
		Create APIKeyCreateCmd `cmd:"" help:"Create an API key."`
		Revoke APIKeyRevokeCmd `cmd:"" help:"Revoke an API key."`
	} `cmd:"" name:"apikey" help:"Manage API keys."`
	User struct {
		Create    UserCreateCmd    `cmd:"" help:"Create a dashboard member and print a link that sets its password."`
		ResetTOTP UserResetTOTPCmd `cmd:"" name:"reset-totp" help:"Turn off a member's authenticator app (a member who lost it signs in with emailed codes again)."`
	} `cmd:"" help:"Manage dashboard members."`
	Ledger struct {
		Check LedgerCheckCmd `cmd:"" help:"Verify every ledger invariant; exit status 1 on any violation."`
	} `cmd:"" help:"Ledger tools."`
	Rails    RailsCmd `cmd:"" help:"File rails: export NACHA and SEPA files, import the bank's answers."`
	Webhooks struct {
		Listen WebhooksListenCmd `cmd:"" help:"Print a server's new events and forward them, signed, to a local receiver."`
	} `cmd:"" help:"Webhook tools for development."`
	Payments struct {
		MarkReceived PaymentsMarkReceivedCmd `cmd:"" help:"Mark a bank-transfer payin received: it succeeds and credits the org."`
	} `cmd:"" help:"Payments API tools."`
	Keys struct {
		Rotate KeysRotateCmd `cmd:"" help:"Make a new key sign portal tokens (published at /.well-known/jwks.json)."`
	} `cmd:"" help:"Grant signing keys."`
	Bench struct {
		Ledger   BenchLedgerCmd   `cmd:"" help:"Load-test ledger credits over HTTP against a running server."`
		Mixed    BenchMixedCmd    `cmd:"" help:"Sustained mixed load (credits, reads, payouts, payments, links) with rate, latency and server memory over time."`
		Portal   BenchPortalCmd   `cmd:"" help:"Load-test portal URL minting and the portal balance page against a running server."`
		Payments BenchPaymentsCmd `cmd:"" help:"Load-test POST /api/payments against a running server."`
	} `cmd:"" help:"Benchmarks."`
	Soak    SoakCmd    `cmd:"" help:"Crash soak: run serve processes under load, SIGKILL and restart them, then prove nothing was lost or applied twice."`
	Backup  BackupCmd  `cmd:"" help:"Copy the embedded SQLite database (and master key) while Payport runs."`
	Version VersionCmd `cmd:"" help:"Print the version."`
}

func main() {
	var cli CLI
	kctx := kong.Parse(&cli,
		kong.Name("payport"),
		kong.Description("Payport: self-hosted payouts, balances, portals and payment links."),
		kong.UsageOnError(),
	)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cmd := kctx.Command(); !strings.HasPrefix(cmd, "serve") && !strings.HasPrefix(cmd, "bench") {
		// An operator's command is audited as Payport's command line (the server's own work,
		// jobs included, is not: it would add an entry to every payout a rail settles).
		ctx = app.WithAuditActor(ctx, app.AuditActor{Type: member.ActorSystem, ID: "cli"})
	}
	kctx.BindTo(ctx, (*context.Context)(nil))
	if err := kctx.Run(&cli.Globals); err != nil {
		fmt.Fprintln(os.Stderr, "payport:", err)
		os.Exit(exitCode(err))
	}
}

// exitError carries a chosen exit status (ledger check uses 1 for violations).
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func exitCode(err error) int {
	// errors.As: kong joins the command's error with its hooks' errors.
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return 2
}

package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/httpapi"
	"github.com/payport/payport/internal/idempotency"
	"github.com/payport/payport/internal/jobs"
	"github.com/payport/payport/internal/mail"
	"github.com/payport/payport/internal/store/postgres"
)

// ServeCmd runs the server.
type ServeCmd struct {
	Addr             string        `env:"PAYPORT_ADDR" default:"127.0.0.1:8080" help:"Address to listen on."`
	PublicURL        string        `name:"public-url" env:"PAYPORT_PUBLIC_URL" help:"Base URL used in links (default http://<addr>)."`
	Demo             bool          `help:"Create a demo org, key and funded recipient (once) and print what to try."`
	ShutdownTimeout  time.Duration `name:"shutdown-timeout" env:"PAYPORT_SHUTDOWN_TIMEOUT" default:"30s" help:"How long to finish in-flight requests and jobs on shutdown."`
	LedgerCheckEvery time.Duration `name:"ledger-check-every" env:"PAYPORT_LEDGER_CHECK_EVERY" default:"1h" help:"How often the ledger invariants are checked in the background."`
	JobWorkers       int           `name:"job-workers" env:"PAYPORT_JOB_WORKERS" default:"10" help:"Jobs run at once by this process."`
	LedgerCommitters int           `name:"ledger-committers" env:"PAYPORT_LEDGER_COMMITTERS" default:"1" help:"Ledger batches committing at once on PostgreSQL (SQLite always uses one). One gives the largest batches; more can help when the database has many cores of its own."`
	FileSettlement   time.Duration `name:"file-settlement-period" env:"PAYPORT_FILE_SETTLEMENT_PERIOD" default:"72h" help:"How long payouts in an exported bank file wait for a return before they count as settled."`
	SettleAfter      time.Duration `name:"sandbox-settle-after" env:"PAYPORT_SANDBOX_SETTLE_AFTER" default:"10s" help:"How long sandbox payouts stay processing before their outcome."`
	SMTPHost         string        `name:"smtp-host" env:"PAYPORT_SMTP_HOST" help:"SMTP server for email; empty keeps email in the development outbox (/dev/outbox.json)."`
	SMTPPort         int           `name:"smtp-port" env:"PAYPORT_SMTP_PORT" default:"587" help:"SMTP port."`
	SMTPTLS          string        `name:"smtp-tls" env:"PAYPORT_SMTP_TLS" default:"starttls" enum:"starttls,tls,none" help:"starttls (587), tls (465) or none (a local relay only)."`
	SMTPUsername     string        `name:"smtp-username" env:"PAYPORT_SMTP_USERNAME" help:"SMTP user name (PLAIN auth)."`
	SMTPPassword     string        `name:"smtp-password" hidden:"" env:"PAYPORT_SMTP_PASSWORD" help:"SMTP password; set it in the environment."`
	MailFrom         string        `name:"mail-from" env:"PAYPORT_MAIL_FROM" default:"Payport <payport@localhost>" help:"Sender of Payport's emails."`
	LinkReminders    time.Duration `name:"link-reminders-every" env:"PAYPORT_LINK_REMINDERS_EVERY" default:"1h" help:"How often payment link reminders are dispatched (each run covers that long a window of scheduled_at)."`
	WebhookPrivate   bool          `name:"webhooks-allow-private" env:"PAYPORT_WEBHOOKS_ALLOW_PRIVATE" help:"Let webhooks reach private and loopback addresses in both modes (development only; cloud metadata addresses stay refused)."`
	WebhookLoopback  bool          `name:"webhooks-test-loopback" env:"PAYPORT_WEBHOOKS_TEST_LOOPBACK" default:"true" negatable:"" help:"Let test-mode webhooks reach this machine's loopback (127.0.0.1, ::1, localhost), for receivers running beside Payport. Turn it off on a server shared between orgs."`
	RetainSessions   time.Duration `name:"retain-sessions" env:"PAYPORT_RETAIN_SESSIONS" default:"168h" help:"How long expired portal and dashboard sessions, grants, one-time codes, member links and sign-in failures are kept."`
	RetainEvents     time.Duration `name:"retain-events" env:"PAYPORT_RETAIN_EVENTS" default:"720h" help:"How long events are kept, with their webhook deliveries, once every delivery is final."`
	RetainIdemKeys   time.Duration `name:"retain-idempotency-keys" env:"PAYPORT_RETAIN_IDEMPOTENCY_KEYS" default:"24h" help:"How long an Idempotency-Key is remembered after its request (at least 24h)."`
	RateLimitKey     float64       `name:"rate-limit-key" env:"PAYPORT_RATE_LIMIT_KEY" default:"0" help:"Requests per second one API key may make (0: no limit); past it, 429 with Retry-After."`
	RateLimitIP      float64       `name:"rate-limit-ip" env:"PAYPORT_RATE_LIMIT_IP" default:"0" help:"Requests per second one client address may make on any route (0: no limit)."`
	RateLimitBurst   int           `name:"rate-limit-burst" env:"PAYPORT_RATE_LIMIT_BURST" default:"0" help:"Requests allowed at once above the rate (0: one second's worth)."`
	WebhookLease     time.Duration `name:"webhook-lease" hidden:"" env:"PAYPORT_WEBHOOK_LEASE" default:"2m" help:"How long a webhook sender owns the messages it took; a killed process's messages are sent again after it (at least 20s, above the 15s delivery timeout). For the crash soak."`
	DebugAddr        string        `name:"debug-addr" env:"PAYPORT_DEBUG_ADDR" help:"If set, serve Go's pprof profiles on this address (keep it on loopback)."`
}

// Run starts the server and blocks until ctx ends, then shuts down gracefully.
func (c *ServeCmd) Run(ctx context.Context, g *Globals) error {
	start := time.Now()
	if c.RetainIdemKeys < idempotency.Retention {
		return fmt.Errorf("--retain-idempotency-keys must be at least %s (the IETF draft's minimum), not %s", idempotency.Retention, c.RetainIdemKeys)
	}
	if c.WebhookLease < 20*time.Second {
		return errors.New("--webhook-lease must be at least 20s (the delivery timeout is 15s)")
	}
	log := g.logger()
	db, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()

	publicURL := strings.TrimRight(c.PublicURL, "/")
	if publicURL == "" {
		publicURL = "http://" + c.Addr
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a := app.New(db, log, publicURL)
	a.Metrics = app.NewMetrics(reg)
	if a.Sealer, err = g.keyring(); err != nil {
		return err
	}
	if c.SMTPHost != "" {
		if a.Mailer, err = mail.NewSMTP(mail.SMTPConfig{Host: c.SMTPHost, Port: c.SMTPPort, TLS: c.SMTPTLS,
			Username: c.SMTPUsername, Password: c.SMTPPassword, From: c.MailFrom}); err != nil {
			return err
		}
	}
	a.Rails = registry(c.SettleAfter)
	a.FileSettlementPeriod = c.FileSettlement
	a.LinkRemindersEvery = c.LinkReminders
	a.LedgerCommitters = c.LedgerCommitters
	a.Retention = app.Retention{Sessions: c.RetainSessions, Events: c.RetainEvents, IdempotencyKeys: c.RetainIdemKeys}

	queue, err := jobs.New(ctx, db.Engine(), db.WriterDB(), jobs.Config{
		Logger: log, Register: a.RegisterWorkers, Periodic: a.PeriodicJobs(c.LedgerCheckEvery), Workers: c.JobWorkers,
	})
	if err != nil {
		return err
	}
	a.Jobs = queue
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "payport_job_queue_depth", Help: "Jobs waiting to run (available, scheduled or retryable).",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		n, _ := queue.Depth(ctx)
		return float64(n)
	}))

	srv := &http.Server{
		Handler: httpapi.New(httpapi.Config{App: a, Version: version, Log: log, Registry: reg, Ready: db.Ping,
			RateLimits: httpapi.RateLimits{PerKey: c.RateLimitKey, PerIP: c.RateLimitIP, Burst: c.RateLimitBurst}}),
		// Timeouts so that slow or idle clients cannot hold connections forever.
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	// Not ctx: cancelling River's start context stops jobs abruptly; shutdown goes through
	// queue.Stop below, which lets running jobs finish.
	if err := queue.Start(context.WithoutCancel(ctx)); err != nil {
		ln.Close()
		return err
	}
	a.WebhookConfig = app.WebhookConfig{AllowPrivate: c.WebhookPrivate, DenyTestLoopback: !c.WebhookLoopback, Lease: c.WebhookLease}
	hooksCtx, stopHooks := context.WithCancel(context.WithoutCancel(ctx))
	defer stopHooks()
	hooksDone := make(chan struct{})
	go func() { a.RunWebhooks(hooksCtx); close(hooksDone) }()
	if db.Engine() == "postgres" {
		// Stops with the webhooks at shutdown; a pass cut short is simply done again later.
		go postgres.RunMaintenance(hooksCtx, db.WriterDB(), log, postgres.MaintenanceInterval)
	}
	if c.Demo {
		if err := printDemo(ctx, a, publicURL); err != nil {
			ln.Close()
			return err
		}
	}
	if c.DebugAddr != "" {
		go func() {
			mux := http.NewServeMux()
			mux.HandleFunc("/debug/pprof/", pprof.Index)
			mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
			mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
			log.Warn("pprof debug server", "err", http.ListenAndServe(c.DebugAddr, mux))
		}()
	}
	// Start-up's garbage (the migration parser's buffers, building the API description) goes
	// back to the system before serving, rather than staying resident in an idle server until
	// load makes the collector run (about half a megabyte of idle RSS). Collected twice:
	// sync.Pool keeps what it held through one collection.
	runtime.GC()
	debug.FreeOSMemory()
	// Logged before serving, so the line is out before the first request is answered; the
	// listener already queues connections.
	log.Info("payport ready", "addr", ln.Addr().String(), "public_url", publicURL, "engine", db.Engine(),
		"version", version, "startup", time.Since(start).Round(time.Millisecond))
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests and jobs", "timeout", c.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), c.ShutdownTimeout)
	defer cancel()
	err = srv.Shutdown(sctx)
	a.Close() // commits what the ledger batcher still holds
	// Deliveries in flight are dropped, not lost: their lease runs out and the next process
	// (or this one, restarted) sends them again with the same webhook-id.
	stopHooks()
	<-hooksDone
	err = errors.Join(err, queue.Stop(sctx))
	if err != nil {
		log.Error("shutdown", "err", err)
	}
	log.Info("stopped")
	return nil
}

func printDemo(ctx context.Context, a *app.App, publicURL string) error {
	d, err := a.EnsureDemo(ctx)
	if err != nil {
		return fmt.Errorf("demo set-up: %w", err)
	}
	email, password, err := a.EnsureDemoMember(ctx, d.Org.ID)
	if err != nil {
		return fmt.Errorf("demo member: %w", err)
	}
	if password != "" {
		fmt.Fprintf(os.Stdout, "\nDashboard: %s/dashboard/\n  email %s\n  password (shown only now) %s\n"+
			"  the sign-in code arrives in the development outbox (%s/dev/outbox) unless SMTP is configured\n", publicURL, email, password, publicURL)
	} else {
		fmt.Fprintf(os.Stdout, "\nDashboard: %s/dashboard/ (demo login %s; its password was printed when it was created)\n", publicURL, email)
	}
	key := d.Secret
	if !d.Created {
		fmt.Fprintf(os.Stdout, "\nDemo org %q (%s) exists already; its API key was printed when it was created.\n"+
			"Create another with: payport apikey create --org %s\n\n", d.Org.Name, d.Org.ID, d.Org.ID)
		key = "$PAYPORT_KEY"
	} else {
		fmt.Fprintf(os.Stdout, "\nDemo org %q created (%s).\nAPI key (shown only now): %s\n", d.Org.Name, d.Org.ID, key)
	}
	fmt.Fprintf(os.Stdout, `
Try it:
  export PAYPORT_KEY=%[2]s
  curl -s %[1]s/rewards/site_demo/info -H "Authorization: Bearer $PAYPORT_KEY"
  curl -s -X POST %[1]s/api/recipients/site_demo/credits -H "Authorization: Bearer $PAYPORT_KEY" \
       -H "Content-Type: application/json" -H "Idempotency-Key: $(date +%%s)" \
       -d '{"amount":"5.00","currency":"GBP","description":"Energy saving reward"}'
  curl -s %[1]s/api/recipients/site_demo/transactions -H "Authorization: Bearer $PAYPORT_KEY"
  curl -s "%[1]s/rewards/site_demo/url/balance?redirect_uri=/rewards/balance" -H "Authorization: Bearer $PAYPORT_KEY"
       (open the balance_withdrawal_url in a browser: the hosted portal)
  curl -s -X POST %[1]s/api/payments -H "Authorization: Bearer $PAYPORT_KEY" -H "Content-Type: application/json" \
       -d '{"amount":"10.00","currency":"EUR","type":"payout","description":"Order #1456"}'
       (open its url: the hosted payout form; test cards and accounts in docs/SANDBOX.md)
  curl -s -X POST %[1]s/payment-links -H "Authorization: Bearer $PAYPORT_KEY" -H "Content-Type: application/json" \
       -d '{"email":"ada@example.com","org_id":"%[3]s","payment_amount":25,"currency":"EUR"}'
       (the email is in the development outbox: %[1]s/dev/outbox)
  payport webhooks listen --url %[1]s --key $PAYPORT_KEY   (every event as it happens)
  open %[1]s/docs for every endpoint

`, publicURL, key, d.Org.ID)
	return nil
}

// Package httpapi is Payport's HTTP surface: thin handlers that decode a request, call one
// use case of package app, and encode its answer; plus the platform endpoints (health,
// readiness, metrics, OpenAPI and its docs page). Every error leaves as an RFC 9457 problem.
package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/dashboard"
	"github.com/payport/payport/internal/portal"
)

// Config wires the server to the rest of Payport.
type Config struct {
	App     *app.App
	Version string
	Log     *slog.Logger
	// Registry collects metrics; the server adds its HTTP metrics to it and serves it.
	Registry *prometheus.Registry
	// Ready reports whether the process can serve (database reachable).
	Ready func(context.Context) error
	// MaxBodyBytes bounds request bodies (default 256 KiB).
	MaxBodyBytes int64
	// RateLimits bound requests per API key and per client address (zero: off).
	RateLimits RateLimits
}

// Server is the HTTP handler of a Payport process.
type Server struct {
	cfg     Config
	app     *app.App
	log     *slog.Logger
	mux     *http.ServeMux
	api     huma.API
	handler http.Handler

	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec

	// keyLimit and ipLimit enforce Config.RateLimits (nil: off).
	keyLimit, ipLimit *limiter
	// unavailableLog keeps "database unavailable" to a line a second.
	unavailableLog *throttledLog
}

func init() {
	// Huma builds its own errors (validation, bad JSON, 404s of path params) through this
	// hook; installing it once makes every one of them a Payport problem.
	huma.NewError = newProblem
}

// New builds the server and registers every route.
func New(cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 256 << 10
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	s := &Server{cfg: cfg, app: cfg.App, log: cfg.Log, mux: http.NewServeMux(),
		keyLimit: newLimiter(cfg.RateLimits.PerKey, cfg.RateLimits.Burst),
		ipLimit:  newLimiter(cfg.RateLimits.PerIP, cfg.RateLimits.Burst), unavailableLog: &throttledLog{interval: time.Second}}
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "payport_http_requests_total", Help: "HTTP requests by route and status.",
	}, []string{"route", "status"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "payport_http_request_duration_seconds", Help: "HTTP request latency by route.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"route"})
	cfg.Registry.MustRegister(s.requests, s.latency)

	hc := huma.DefaultConfig("Payport API", cfg.Version)
	hc.Info.Description = "Payouts, balances, hosted portals and payment links. Authenticate with " +
		"`Authorization: Bearer pp_test_...` (or `pp_live_...`). Errors are RFC 9457 problems."
	hc.OpenAPIPath = "/openapi"
	hc.DocsPath = "" // served by docsPage: huma's default page loads scripts from a CDN
	hc.SchemasPath = "/schemas"
	hc.CreateHooks = nil // no $schema links in responses: bodies are exactly the documented objects
	hc.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"apiKey": {Type: "http", Scheme: "bearer", Description: "An API key: pp_test_... or pp_live_..."},
	}
	hc.Transformers = append(hc.Transformers, func(ctx huma.Context, status string, v any) (any, error) {
		if p, ok := v.(*Problem); ok {
			p.RequestID = requestIDFrom(ctx.Context())
		}
		return v, nil
	})
	s.api = humago.New(s.mux, hc)
	// Metadata and other free-form JSON travel as json.RawMessage so that numbers keep their
	// exact text; document them as the objects they are, not as base64 strings.
	s.api.OpenAPI().Components.Schemas.RegisterTypeAlias(reflect.TypeOf(json.RawMessage{}), reflect.TypeOf(map[string]any{}))
	s.api.OpenAPI().Components.Schemas.RegisterTypeAlias(reflect.TypeOf(app.JSONNumber{}), reflect.TypeOf(float64(0)))
	s.api.UseMiddleware(s.authenticate)

	s.routePlatform()
	s.routeOrgs()
	s.routeRecipients()
	s.routeBalances()
	s.routePayouts()
	s.routePayments()
	s.routeWebhooks()
	s.routeLinks()
	s.routeAccounts()
	s.routeRails()
	s.routeGrants()
	s.routeAudit()
	portal.New(cfg.App, cfg.Log).Register(s.mux)
	dashboard.New(cfg.App, cfg.Log).Register(s.mux)

	s.handler = s.recoverer(s.withRequestID(s.observe(withRemoteIP(s.limitIP(http.HandlerFunc(s.route))))))
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// API exposes the huma API (its OpenAPI document) to tests and the docs generator.
func (s *Server) API() huma.API { return s.api }

// route dispatches to the mux, answering unknown paths and wrong methods with problems
// instead of the mux's plain-text pages.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	h, pattern := s.mux.Handler(r)
	if pattern == "" {
		rec := &headerRecorder{h: http.Header{}}
		h.ServeHTTP(rec, r)
		if rec.status == http.StatusMethodNotAllowed {
			writeProblem(w, r, &Problem{Status: 405, Code: "method_not_allowed",
				Detail:  r.Method + " is not allowed on " + r.URL.Path + "; allowed: " + rec.h.Get("Allow"),
				headers: http.Header{"Allow": {rec.h.Get("Allow")}}})
			return
		}
		writeProblem(w, r, &Problem{Status: 404, Code: "not_found", Detail: "no such endpoint: " + r.URL.Path})
		return
	}
	if rw, ok := w.(*statusWriter); ok {
		rw.route = pattern
	}
	// ServeHTTP, not h: only the mux's own dispatch fills in the path values.
	s.mux.ServeHTTP(w, r)
}

type headerRecorder struct {
	h      http.Header
	status int
}

func (h *headerRecorder) Header() http.Header         { return h.h }
func (h *headerRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (h *headerRecorder) WriteHeader(status int)      { h.status = status }

type ctxKey int

const requestIDKey ctxKey = iota

func requestIDFrom(ctx context.Context) string {
	v, _ := ctx.Value(requestIDKey).(string)
	return v
}

// withRequestID gives every request an id (a sane incoming X-Request-Id is kept, so a
// platform can trace its own calls), returned in X-Request-Id and written in every log line.
func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rid := r.Header.Get("X-Request-Id")
		if !saneRequestID(rid) {
			b := make([]byte, 12)
			_, _ = rand.Read(b)
			rid = "req_" + hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-Id", rid)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, rid)))
	})
}

func saneRequestID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c == '-' || c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
	route  string
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (flush, deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe logs one line per request and feeds the request metrics.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		r.Body = http.MaxBytesReader(sw, r.Body, s.cfg.MaxBodyBytes)
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		d := time.Since(start)
		route := sw.route
		if route == "" {
			route = "unmatched"
		}
		s.requests.WithLabelValues(route, strconv.Itoa(sw.status)).Inc()
		s.latency.WithLabelValues(route).Observe(d.Seconds())
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("request_id", requestIDFrom(r.Context())), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Int("status", sw.status), slog.Int("bytes", sw.bytes),
			slog.Duration("duration", d), slog.String("remote", r.RemoteAddr))
	})
}

// recoverer turns a panic into a 500 problem and a log line, keeping the process up.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("panic serving request", "request_id", requestIDFrom(r.Context()), "panic", p)
				writeProblem(w, r, &Problem{Status: 500, Code: "internal_error", Detail: "an internal error occurred; quote the request id when reporting it"})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// routePlatform adds the endpoints operators and orchestrators use.
func (s *Server) routePlatform() {
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
	})
	s.mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if s.cfg.Ready != nil {
			if err := s.cfg.Ready(ctx); err != nil {
				s.log.Warn("not ready", "err", err)
				writeProblem(w, r, &Problem{Status: 503, Code: "unavailable", Detail: "the database is not reachable",
					headers: http.Header{"Retry-After": {"5"}}})
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ready"}` + "\n"))
	})
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.cfg.Registry, promhttp.HandlerOpts{}))
	s.mux.HandleFunc("GET /docs", s.docsPage)
	s.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/docs", http.StatusFound)
	})
}

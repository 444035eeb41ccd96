package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/kemsos/helpdesk/ingest"
	"github.com/kemsos/helpdesk/outbound"
	"github.com/kemsos/helpdesk/tickets"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// server is the web layer: handlers parse, call the domain, render.
type server struct {
	cfg     *Config
	store   *tickets.Store
	log     *slog.Logger
	metrics *metrics
	mux     *http.ServeMux
	web     *webUI
	outbox  *outbound.Outbox
	intake  *ingest.Intake
}

type metrics struct {
	reg           *prometheus.Registry
	ticketsOpened *prometheus.CounterVec
	entries       *prometheus.CounterVec
	httpDuration  *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		ticketsOpened: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "helpdesk_tickets_opened_total", Help: "Tickets opened, by source.",
		}, []string{"source"}),
		entries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "helpdesk_entries_total", Help: "Thread entries written, by kind.",
		}, []string{"kind"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "helpdesk_http_request_duration_seconds", Help: "HTTP request latency, by route and status code.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route", "code"}),
	}
	m.reg.MustRegister(m.ticketsOpened, m.entries, m.httpDuration,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

// countChanges is a store hook feeding the counters. It runs before the
// commit, so a rolled-back change is counted too: rare enough not to skew
// a rate.
func (m *metrics) countChanges(_ context.Context, _ *tickets.Tx, c *tickets.Change) error {
	switch c.Kind {
	case tickets.ChangeOpened:
		m.ticketsOpened.WithLabelValues(c.Ticket.Source).Inc()
		m.entries.WithLabelValues(tickets.KindMessage).Inc()
	case tickets.ChangeMessage, tickets.ChangeResponse, tickets.ChangeNote:
		m.entries.WithLabelValues(c.Entry.Kind).Inc()
	}
	return nil
}

func newServer(cfg *Config, store *tickets.Store, ob *outbound.Outbox, in *ingest.Intake, log *slog.Logger) *server {
	s := &server{cfg: cfg, store: store, outbox: ob, intake: in, log: log, metrics: newMetrics(), mux: http.NewServeMux()}
	store.AddHook(s.metrics.countChanges)
	s.routes()
	return s
}

func (s *server) routes() {
	s.handle("GET /healthz", s.healthz)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))
	s.apiRoutes()
	s.webRoutes()
	s.legacyRoutes()
	s.statusRoutes()
	s.devRoutes()
}

// handle registers h under pattern, timing it for the metrics.
func (s *server) handle(pattern string, h http.HandlerFunc) {
	s.mux.Handle(pattern, s.instrument(pattern, h))
}

func (s *server) instrument(route string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(sw, r)
		s.metrics.httpDuration.WithLabelValues(route, strconv.Itoa(sw.code)).Observe(time.Since(start).Seconds())
	})
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "same-origin")
	cw := &codeCatcher{ResponseWriter: w}
	s.mux.ServeHTTP(cw, r)
	if cw.code != 0 {
		s.errorAnswer(w, r, cw.code)
	}
}

func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.DB().PingContext(ctx); err != nil {
		s.log.Warn("health check: database unreachable", "err", err)
		http.Error(w, "database unreachable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// errorStatus maps the domain's errors to HTTP, in one place.
func errorStatus(err error) int {
	var v *tickets.ValidationError
	switch {
	case errors.As(err, &v):
		return http.StatusBadRequest
	case errors.Is(err, tickets.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, tickets.ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, tickets.ErrConflict):
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

// jsonError writes {"error": …} (and "fields" for validation errors).
func (s *server) jsonError(w http.ResponseWriter, r *http.Request, err error) {
	code := errorStatus(err)
	body := map[string]any{"error": err.Error()}
	var v *tickets.ValidationError
	if errors.As(err, &v) {
		body["fields"] = v.Fields
	}
	switch code {
	case http.StatusInternalServerError:
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		body["error"] = "internal error"
	case http.StatusNotFound:
		body["error"] = "not found"
	case http.StatusForbidden:
		body["error"] = "forbidden"
	}
	writeJSON(w, code, body)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

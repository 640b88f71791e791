package gateway

import (
	"context"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Prometheus metrics, in a registry of their own (so that two servers in
// one process, as in the tests, do not collide):
//
//	convene_graphql_requests_total{operation,type,code,transport}  operations served
//	convene_graphql_request_duration_seconds{type}                  latency of queries and mutations
//	convene_rate_limited_total                                      requests refused with 429
//	convene_websocket_connections                                   open WebSocket connections
//	convene_subscriptions_active                                    live subscriptions over WebSocket
//	convene_subscription_executions                                 their shared executions
//	convene_sse_streams                                             open server-sent-event streams
//	convene_events_total                                            events in the log, as applied by the read model
//	convene_read_model_lag_events                                   events in the log not yet applied here
//
// plus the Go runtime's and the process's standard metrics.

// maxOperationNames bounds the distinct operation names used as label
// values: names are chosen by clients, and each is a time series.
const maxOperationNames = 200

type metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	rateLimited prometheus.Counter
	sse         prometheus.Gauge

	mu    sync.Mutex
	names map[string]struct{}
	// series keeps the counter of each label set seen, and timers the
	// latency histogram of each type, so that counting an operation does
	// not look its series up in the vector again.
	series map[seriesKey]prometheus.Counter
	timers map[string]prometheus.Observer
}

// seriesKey is the labels of an operation's counter, before the
// operation name is bounded (label).
type seriesKey struct{ name, typ, code, transport string }

// maxSeries bounds the counters kept in metrics.series.
const maxSeries = 10_000

func newMetrics(deps Deps) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "convene_graphql_requests_total",
			Help: "GraphQL operations served, by operation name, type, extensions.code of the first error (OK when none) and transport.",
		}, []string{"operation", "type", "code", "transport"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "convene_graphql_request_duration_seconds",
			Help:    "Time to answer a GraphQL query or mutation, from request to response.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"type"}),
		rateLimited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "convene_rate_limited_total",
			Help: "Requests refused with 429 by the rate limiter.",
		}),
		sse: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "convene_sse_streams",
			Help: "Open server-sent-event streams (subscriptions over HTTP).",
		}),
		names:  map[string]struct{}{},
		series: map[seriesKey]prometheus.Counter{},
		timers: map[string]prometheus.Observer{},
	}
	m.reg.MustRegister(m.requests, m.duration, m.rateLimited, m.sse,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if l := deps.Live; l != nil {
		m.reg.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "convene_websocket_connections", Help: "Open WebSocket connections."},
				func() float64 { return float64(l.Connections()) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "convene_subscriptions_active", Help: "Live subscriptions over WebSocket."},
				func() float64 { _, n := l.Count(); return float64(n) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "convene_subscription_executions", Help: "Executions serving the live subscriptions (identical ones share one)."},
				func() float64 { n, _ := l.Count(); return float64(n) }),
		)
	}
	if seq := deps.Seq; seq != nil {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "convene_events_total",
			Help: "Events in the event log, as applied by this instance's read model (its position); its rate is the rate of appends, by every instance.",
		}, func() float64 { return float64(seq()) }))
	}
	if lag := deps.Lag; lag != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "convene_read_model_lag_events",
			Help: "Events committed to the log that this instance's read model has not applied yet (read at scrape time; NaN when the log cannot be read).",
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			n, err := lag(ctx)
			if err != nil {
				return math.NaN()
			}
			return float64(n)
		}))
	}
	return m
}

// label bounds an operation name to a label value; call it under m.mu.
func (m *metrics) label(name string) string {
	if name == "" {
		return "(anonymous)"
	}
	if _, ok := m.names[name]; ok {
		return name
	}
	if len(m.names) >= maxOperationNames {
		return "(other)"
	}
	m.names[name] = struct{}{}
	return name
}

// observe counts one operation and, when timed, its latency.
func (m *metrics) observe(name, typ, code, transport string, d time.Duration, timed bool) {
	if typ == "" {
		typ = "none"
	}
	if len(name) > 64 {
		name = name[:64]
	}
	timed = timed && typ != "subscription"
	key := seriesKey{name, typ, code, transport}
	m.mu.Lock()
	c := m.series[key]
	if c == nil {
		c = m.requests.WithLabelValues(m.label(name), typ, code, transport)
		if len(m.series) < maxSeries {
			m.series[key] = c
		}
	}
	var o prometheus.Observer
	if timed {
		if o = m.timers[typ]; o == nil {
			o = m.duration.WithLabelValues(typ)
			if len(m.timers) < maxSeries {
				m.timers[typ] = o
			}
		}
	}
	m.mu.Unlock()
	c.Inc()
	if o != nil {
		o.Observe(d.Seconds())
	}
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

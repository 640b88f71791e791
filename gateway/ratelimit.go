package gateway

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Rate limiting: a token bucket per caller, refilled at Config.RateLimit
// requests a second up to Config.RateBurst. A caller is its token (as the
// authentication middleware, which runs first, identified it) or, when
// anonymous, its IP address (the connection's: a reverse proxy in front
// should do its own limiting, or every client behind it shares one
// bucket). A request over the limit is refused with 429, a Retry-After
// header in seconds and an error with extensions.code RATE_LIMITED. Each
// HTTP request counts once, a WebSocket connection once when it opens.

// maxBuckets bounds the callers remembered; past it, full buckets (idle
// callers) are forgotten first.
const maxBuckets = 100_000

// rateLimiter keeps one token bucket (rate.Limiter) per caller.
type rateLimiter struct {
	limit rate.Limit // tokens per second
	burst int
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
	calls   int
}

func newRateLimiter(perSecond float64, burst int) *rateLimiter {
	if burst < 1 {
		burst = max(1, int(math.Ceil(perSecond)))
	}
	return &rateLimiter{limit: rate.Limit(perSecond), burst: burst, now: time.Now, buckets: map[string]*rate.Limiter{}}
}

// allow takes a token for key; when none is left it returns how long
// until one is.
func (l *rateLimiter) allow(key string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.calls++; l.calls%1024 == 0 || len(l.buckets) >= maxBuckets {
		l.sweep(now)
	}
	b := l.buckets[key]
	if b == nil {
		b = rate.NewLimiter(l.limit, l.burst)
		l.buckets[key] = b
	}
	if b.AllowN(now, 1) {
		return true, 0
	}
	return false, time.Duration((1 - b.TokensAt(now)) / float64(l.limit) * float64(time.Second))
}

// sweep forgets callers whose buckets have refilled: they are as if new.
func (l *rateLimiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.TokensAt(now) >= float64(l.burst) {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= maxBuckets { // all busy: forget arbitrary ones
		n := 0
		for k := range l.buckets {
			delete(l.buckets, k)
			if n++; n >= maxBuckets/10 {
				break
			}
		}
	}
}

func (g *Gateway) rateLimit(next http.Handler) http.Handler {
	if g.limiter == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok, wait := g.limiter.allow(g.identify(r))
		if !ok {
			secs := max(1, int(math.Ceil(wait.Seconds())))
			g.metrics.rateLimited.Inc()
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			refuse(w, r, http.StatusTooManyRequests, CodeRateLimited,
				"too many requests: retry after "+strconv.Itoa(secs)+" s")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// DefaultIdentify names the caller of r for rate limiting: a digest of
// its bearer token, or its IP address.
func DefaultIdentify(r *http.Request) string {
	if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		d := sha256.Sum256([]byte(strings.TrimSpace(h[7:])))
		return "token:" + hex.EncodeToString(d[:12])
	}
	return "ip:" + ClientIP(r)
}

// ClientIP is the IP address of the connection r came over; for IPv6,
// its /64 network, which one client can hold whole.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	if ip == nil || ip.To4() != nil {
		return host
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

package webhook

import (
	"math/rand/v2"
	"time"
)

// The retry schedule: a failed delivery is tried again after 5 s,
// doubling each time up to 6 h, each wait drawn within ±20% (jitter, so
// that receivers coming back are not hit by every sender at once); a
// delivery still failing 3 days after its first failure disables the
// webhook.
const (
	firstRetry = 5 * time.Second
	maxRetry   = 6 * time.Hour
	giveUp     = 72 * time.Hour
)

// retryAfter is the wait before attempt n+1 after n attempts failed, for
// jitter j in [0, 1).
func retryAfter(n int, j float64) time.Duration {
	d := firstRetry
	for i := 1; i < n && d < maxRetry; i++ {
		d *= 2
	}
	d = min(d, maxRetry)
	return time.Duration(float64(d) * (0.8 + 0.4*j))
}

// Schedule is the retry schedule, with its source of jitter.
type Schedule struct {
	Jitter func() float64 // in [0, 1); default math/rand
}

// Next returns when to make the next attempt after attempts failures, the
// first at first and the last at now, or false to give up.
func (s Schedule) Next(attempts int, first, now time.Time) (time.Time, bool) {
	j := s.Jitter
	if j == nil {
		j = rand.Float64
	}
	next := now.Add(retryAfter(attempts, j()))
	if next.Sub(first) > giveUp {
		return time.Time{}, false
	}
	return next, true
}

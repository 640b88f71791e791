package fastpath

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"convene/hub"
	"convene/resolvers/gqltype"

	"github.com/99designs/gqlgen/graphql"
)

// The writer's scalars must be gqlgen's marshalers' bytes.

func marshaled(m graphql.Marshaler) string {
	var b bytes.Buffer
	m.MarshalGQL(&b)
	return b.String()
}

func TestStringsAreGqlgens(t *testing.T) {
	samples := []string{"", "plain", `"quoted"`, `back\slash`, "tab\tnew\nline\rcr", "\x00\x01\x1f\x7f", "é ü 中 😀", "\u2028\u2029",
		"<b>&amp;</b>", "\xff\xfe invalid \xc3", "C-2.1-004"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		b := make([]byte, rng.IntN(20))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		samples = append(samples, string(b))
	}
	for _, s := range samples {
		if got, want := string(appendQuoted(nil, s)), marshaled(graphql.MarshalString(s)); got != want {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	}
}

func TestFloatsAreGqlgens(t *testing.T) {
	samples := []float64{0, -0.0, 1, -1, 0.1, 1.5, 100, 1e6, 1e20, 1e21, 1e-7, 123456789.123, math.MaxFloat64, math.SmallestNonzeroFloat64, 2.5e-5}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		samples = append(samples, rng.NormFloat64()*math.Pow(10, float64(rng.IntN(40)-20)))
	}
	for _, f := range samples {
		w := &writer{}
		w.float(f)
		var want bytes.Buffer
		if err := graphql.MarshalFloatContext(f).MarshalGQLContext(context.Background(), &want); err != nil {
			t.Fatal(err)
		}
		if string(w.buf) != want.String() || w.failed {
			t.Fatalf("%v: got %s, want %s", f, w.buf, want.String())
		}
	}
	for _, f := range []float64{math.Inf(1), math.Inf(-1), math.NaN()} {
		w := &writer{}
		if w.float(f); !w.failed {
			t.Errorf("%v was written: gqlgen refuses it", f)
		}
	}
}

func TestTimesAreGqlgens(t *testing.T) {
	zone := time.FixedZone("", -6*3600)
	for _, tm := range []time.Time{time.Date(2015, 9, 17, 14, 0, 0, 0, time.UTC), time.Date(2012, 3, 14, 14, 0, 0, 123456789, zone),
		time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC), time.Unix(1700000000, 5000).UTC()} {
		w := &writer{}
		w.dateTime(tm)
		if got, want := string(w.buf), marshaled(gqltype.MarshalDateTime(tm)); got != want || w.failed {
			t.Errorf("%v: got %s, want %s", tm, got, want)
		}
	}
	w := &writer{}
	if w.optDateTime(time.Time{}); string(w.buf) != "null" || marshaled(gqltype.MarshalDateTime(time.Time{})) != "null" {
		t.Errorf("the zero time is %s", w.buf)
	}
	w = &writer{}
	if w.dateTime(time.Time{}); !w.failed {
		t.Error("a zero time was written in a non-null field")
	}
	for _, d := range []hub.Date{"2015-09-17", "", "x\"y"} {
		w := &writer{}
		w.goQuoted(string(d))
		if got, want := string(w.buf), marshaled(gqltype.MarshalDate(d)); got != want {
			t.Errorf("%q: got %s, want %s", d, got, want)
		}
	}
	for _, n := range []int{0, -1, 42, math.MaxInt64, math.MinInt64} {
		w := &writer{}
		w.integer(n)
		if got, want := string(w.buf), marshaled(graphql.MarshalInt(n)); got != want {
			t.Errorf("%d: got %s, want %s", n, got, want)
		}
	}
	for _, b := range []bool{true, false} {
		w := &writer{}
		w.boolean(b)
		if got, want := string(w.buf), marshaled(graphql.MarshalBoolean(b)); got != want {
			t.Errorf("%v: got %s, want %s", b, got, want)
		}
	}
}

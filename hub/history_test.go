package hub

import (
	"reflect"
	"testing"
	"time"
)

// fill sets every field of v (a pointer) to a non-zero value, so that a
// field added to the type and not to the encoding fails the round trip.
func fill(t *testing.T, v reflect.Value, n int) {
	t.Helper()
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(t, v.Elem(), n)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(time.UnixMilli(1_350_000_000_000 + int64(n)).UTC()))
			return
		}
		for i := range v.NumField() {
			fill(t, v.Field(i), n+i)
		}
	case reflect.String:
		v.SetString("s" + string(rune('a'+n%26)))
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(n + 1))
	case reflect.Float64:
		v.SetFloat(float64(n) + 0.5)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fill(t, s.Index(i), n+i)
		}
		v.Set(s)
	default:
		t.Fatalf("fill: a field of kind %s: teach the history encoding and this test", v.Kind())
	}
}

func TestHistoryRoundTrip(t *testing.T) {
	var full []Change
	fill(t, reflect.ValueOf(&full).Elem(), 3)
	before := "1"
	cases := [][]Change{
		nil,
		full,
		{{Seq: 9, Kind: "Created", At: time.UnixMilli(5).UTC(), Version: 1}},
		{{Seq: 10, Fields: []FieldChange{{Field: "a"}, {Field: "b", Before: &before}}}},
	}
	for _, want := range cases {
		got, err := HistoryOf(want).Changes()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", got, want)
		}
	}
	// Appending leaves the bytes an earlier History holds as they were.
	h := HistoryOf(full[:1])
	kept := append(History(nil), h...)
	h2 := h.Append(full[1])
	if !reflect.DeepEqual(h, kept) || len(h2) <= len(h) {
		t.Fatal("Append changed the history it appended to")
	}
	enc := HistoryOf(full)
	for _, bad := range []History{{1}, enc[:20], append(append(History(nil), enc...), 0), append(enc[:len(enc):len(enc)], 2, 0, 0)} {
		if _, err := bad.Changes(); err == nil {
			t.Fatalf("decoded a malformed history %v", bad)
		}
	}
}

func BenchmarkHistoryDecode(b *testing.B) {
	at := time.UnixMilli(1_350_000_000_000).UTC()
	before, after := "40", "50"
	var h History
	for v := range 10 {
		h = h.Append(Change{Seq: int64(v), Kind: "ProgressReported", Actor: SystemActor, At: at, Version: v,
			Fields: []FieldChange{{Field: "progress", Before: &before, After: &after}, {Field: "progressReports", After: &after}}})
	}
	for b.Loop() {
		if _, err := h.Changes(); err != nil {
			b.Fatal(err)
		}
	}
}

package store

import (
	"reflect"
	"testing"
	"time"

	"convene/hub"
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
	var full []hub.Change
	fill(t, reflect.ValueOf(&full).Elem(), 3)
	before := "1"
	cases := [][]hub.Change{
		nil,
		full,
		{{Seq: 9, Kind: "Created", At: time.UnixMilli(5).UTC(), Version: 1}},
		{{Seq: 10, Fields: []hub.FieldChange{{Field: "a"}, {Field: "b", Before: &before}}}},
	}
	for _, h := range cases {
		got, err := decodeHistory(encodeHistory(h))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, h) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", got, h)
		}
	}
	for _, bad := range [][]byte{{}, {1}, encodeHistory(full)[:20], append(encodeHistory(full), 0)} {
		if _, err := decodeHistory(bad); err == nil {
			t.Fatalf("decoded a malformed history %v", bad)
		}
	}
}

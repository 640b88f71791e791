package gateway

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/99designs/gqlgen/graphql"
)

// TestPlannedBodyIsWriteResponses: a planned read's body is the one
// writeResponse writes for its data and extensions.cost.
func TestPlannedBodyIsWriteResponses(t *testing.T) {
	cost := costExtension{requested: 7, maximum: 1000}
	for _, data := range []string{
		`{"commitment":null}`,
		`{"commitment":{"id":"Q29t","title":"Health \u0026 safety","n":1.5,"tags":["a","b"],"lead":{"name":"x\"y\\z"}}}`,
		`{"t":"<b>&amp;</b>"}`,
		"{\"t\":\"line\u2028sep\u2029\"}",
		`{"t":"é€日本"}`,
		"{\"t\":\"bad\xffutf8\"}",
		`[1,[2,[3]],{}]`,
		`null`,
	} {
		got, ok := plannedBody(append(append([]byte(nil), dataPrefix...), data...), cost)
		want, err := encodeResponse(&graphql.Response{Data: []byte(data), Extensions: map[string]any{"cost": cost}})
		if err != nil {
			t.Fatal(err)
		}
		if want = append(want, '\n'); !ok || string(got) != string(want) {
			t.Errorf("data %s: planned %q (%v), writeResponse %q", data, got, ok, want)
		}
	}
	// Data that is no JSON value (a plan never writes one) goes to
	// writeResponse where it is seen.
	for _, data := range []string{"", `{"a":<}`, `{"a":"&"`} {
		if got, ok := plannedBody(append(append([]byte(nil), dataPrefix...), data...), cost); ok {
			t.Errorf("data %q: planned %q, want a refusal", data, got)
		}
	}
}

// TestReadAllIsIoReadAll: readAll reads what io.ReadAll reads, whatever
// the declared length, with its errors.
func TestReadAllIsIoReadAll(t *testing.T) {
	body := strings.Repeat("0123456789", 700) // past one read of some readers
	for _, length := range []int64{-1, 0, 1, 10, int64(len(body)) - 1, int64(len(body)), int64(len(body)) + 1, maxPresized + 1} {
		for _, r := range []func() io.Reader{
			func() io.Reader { return strings.NewReader(body) },
			func() io.Reader { return iotest.OneByteReader(strings.NewReader(body)) },
			func() io.Reader { return iotest.DataErrReader(strings.NewReader(body)) },
		} {
			want, wantErr := io.ReadAll(r())
			for _, buf := range [][]byte{nil, []byte("stale"), make([]byte, 3, 10000)} { // fresh, and reused
				got, err := readAll(buf, r(), length)
				if string(got) != string(want) || err != wantErr {
					t.Fatalf("length %d, buffer of %d: read %d bytes (%v), io.ReadAll %d (%v)", length, cap(buf), len(got), err, len(want), wantErr)
				}
			}
		}
		failing := io.MultiReader(strings.NewReader(body[:100]), iotest.ErrReader(errors.New("cut")))
		if got, err := readAll(nil, failing, length); err == nil || err.Error() != "cut" || string(got) != body[:100] {
			t.Fatalf("length %d: a failing body gave %d bytes and %v", length, len(got), err)
		}
	}
}

// TestHTMLSafe: every byte json.Marshal escapes in a RawMessage is found
// wherever it is, and nothing else is.
func TestHTMLSafe(t *testing.T) {
	long := bytes.Repeat([]byte(`{"title":"Youth-police dialogue \"Southside\"","n":1}`), 40)
	if !htmlSafe(long) || !htmlSafe(nil) {
		t.Fatal("safe data reported unsafe")
	}
	for _, bad := range []string{"<", ">", "&", "\u2028", "\u2029"} {
		for _, at := range []int{0, 1, 31, 32, len(long) / 2, len(long)} {
			data := slices.Concat(long[:at], []byte(bad), long[at:])
			if htmlSafe(data) {
				t.Errorf("%q at %d not found", bad, at)
			}
		}
	}
}

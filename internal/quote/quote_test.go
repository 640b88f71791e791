package quote

import (
	"strconv"
	"testing"
)

// TestAppendIsStrconv checks Append against strconv.AppendQuote on the
// plain strings and on every kind that needs escaping.
func TestAppendIsStrconv(t *testing.T) {
	for _, s := range []string{"", "2022-02-06", "graphql request", "a\"b", `a\b`, "tab\there", "new\nline", "\x7f", "\x00",
		"µs", "Ünïcödé", "\xff\xfe", "emoji 😀", "~ !#$%&'()*+,-./:;<=>?@[]^_`{|}"} {
		if got, want := string(Append([]byte("x="), s)), string(strconv.AppendQuote([]byte("x="), s)); got != want {
			t.Errorf("Append(%q) = %s, want %s", s, got, want)
		}
	}
	for c := range 256 {
		s := "a" + string([]byte{byte(c)}) + "z"
		if got, want := string(Append(nil, s)), strconv.Quote(s); got != want {
			t.Errorf("Append(%q) = %s, want %s", s, got, want)
		}
	}
}

func BenchmarkAppend(b *testing.B) {
	buf := make([]byte, 0, 64)
	for b.Loop() {
		buf = Append(buf[:0], "2022-02-06")
	}
}

func BenchmarkStrconv(b *testing.B) {
	buf := make([]byte, 0, 64)
	for b.Loop() {
		buf = strconv.AppendQuote(buf[:0], "2022-02-06")
	}
}

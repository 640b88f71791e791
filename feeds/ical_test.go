package feeds

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEscapeText(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                   "plain",
		`a;b,c\d`:                 `a\;b\,c\\d`,
		"one\ntwo\r\nthree\rfour": `one\ntwo\nthree\nfour`,
		"bell\x07 tab\t del\x7f":  "bell tab\t del",
		"Ñandú: \"quoted\"":       "Ñandú: \"quoted\"",
	} {
		if got := escapeText(in); got != want {
			t.Errorf("escapeText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFold(t *testing.T) {
	for _, line := range []string{
		"SHORT:x",
		"DESCRIPTION:" + strings.Repeat("a", 63), // exactly 75 octets
		"DESCRIPTION:" + strings.Repeat("a", 64),
		"SUMMARY:" + strings.Repeat("é", 100),
		"SUMMARY:" + strings.Repeat("€x", 80),
		"SUMMARY:" + strings.Repeat("😀", 50),
	} {
		folded := fold(line)
		if !strings.HasSuffix(folded, "\r\n") {
			t.Fatalf("fold(%q) does not end with CRLF", line)
		}
		parts := strings.Split(strings.TrimSuffix(folded, "\r\n"), "\r\n")
		for i, p := range parts {
			if len(p) > 75 || !utf8.ValidString(p) {
				t.Errorf("fold: line %d of %q has %d octets or splits a character", i, line, len(p))
			}
			if i > 0 && !strings.HasPrefix(p, " ") {
				t.Errorf("fold: continuation %d does not start with a space", i)
			}
		}
		if unfolded := strings.ReplaceAll(strings.TrimSuffix(folded, "\r\n"), "\r\n ", ""); unfolded != line {
			t.Errorf("unfolding gives %q, want %q", unfolded, line)
		}
		if len(line) <= 75 && len(parts) != 1 {
			t.Errorf("fold split a line of %d octets", len(line))
		}
	}
}

func TestWords(t *testing.T) {
	for in, want := range map[string]string{"ProgressReported": "Progress reported", "ACTION_ITEM": "Action item", "MeetingOutcomeRecorded": "Meeting outcome recorded", "": ""} {
		if got := words(in); got != want {
			t.Errorf("words(%q) = %q, want %q", in, got, want)
		}
	}
}

// Package quote appends quoted strings as strconv.AppendQuote does,
// without its rune-by-rune escaping for the common case: dates, enum
// values, log messages and names in printable ASCII.
package quote

import "strconv"

// Append appends s quoted as strconv.AppendQuote(b, s) does.
func Append(b []byte, s string) []byte {
	if !plain(s) {
		return strconv.AppendQuote(b, s)
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// plain reports whether s is printable ASCII without '"' or '\\', which
// strconv.Quote leaves as they are.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

package auth

import (
	"errors"
	"strings"
	"testing"
)

func TestBearer(t *testing.T) {
	for _, c := range []struct {
		header, token, errPart string
	}{
		{"", "", ""},
		{"   ", "", ""},
		{"Bearer cvn_abc", "cvn_abc", ""},
		{"bearer   cvn_abc  ", "cvn_abc", ""},
		{"BEARER cvn_abc", "cvn_abc", ""},
		{"cvn_abc", "", `"Bearer " scheme is missing`},
		{"Basic dXNlcjpwdw==", "", `scheme "Basic" is not supported`},
		{"Bearer", "", `token after "Bearer " is missing`},
		{"Bearer    ", "", `token after "Bearer " is missing`},
	} {
		token, err := bearer(c.header)
		switch {
		case c.errPart == "" && err != nil:
			t.Errorf("%q: %v", c.header, err)
		case c.errPart != "" && (err == nil || !errors.Is(err, ErrNotBearer) || !strings.Contains(err.Error(), c.errPart)):
			t.Errorf("%q: error %v, want one saying %s", c.header, err, c.errPart)
		case token != c.token:
			t.Errorf("%q: token %q, want %q", c.header, token, c.token)
		}
	}
}

func TestInitPayloadToken(t *testing.T) {
	if tok, err := InitPayloadToken(map[string]any{"authorization": "Bearer x"}); tok != "x" || err != nil {
		t.Errorf("Bearer x: %q %v", tok, err)
	}
	if tok, err := InitPayloadToken(map[string]any{"token": " x "}); tok != "x" || err != nil {
		t.Errorf("token: %q %v", tok, err)
	}
	if _, err := InitPayloadToken(map[string]any{"Authorization": "cvn_x"}); !errors.Is(err, ErrNotBearer) {
		t.Errorf("a bare token in connection_init: %v", err)
	}
}

package gateway

import "testing"

func TestPreferred(t *testing.T) {
	for accept, want := range map[string]string{
		"text/event-stream": "text/event-stream",
		"application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed": "application/graphql-response+json",
		"application/json;q=0.5, text/event-stream":       "text/event-stream",
		"text/event-stream;q=0.1, application/json;q=0.9": "application/json",
		"": "",
	} {
		if got := preferred(accept); got != want {
			t.Errorf("preferred(%q) = %q, want %q", accept, got, want)
		}
	}
}

package app

import (
	"strings"
	"testing"

	"convene/hub"
)

// TestResponseCache: an anonymous query's answer is served again, byte for
// byte with its extensions.cost, until a change reaches the read model;
// a caller with a token never gets an anonymous answer, nor the reverse.
func TestResponseCache(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	raw := func(token, query string) string { return s.as(token, query, nil).body }
	id := gid(hub.TypeStakeholder, "cydp")
	q := `{ stakeholder(id: "` + id + `") { name contacts { name } } }`
	s.mutate(`mutation { updateStakeholder(input: {id: "`+id+`", contacts: [{name: "Ada Young"}]}) { userErrors { message } } }`, nil, nil)

	first := raw("", q)
	if !strings.Contains(first, `"contacts":null`) || !strings.Contains(first, `"cost":{`) {
		t.Fatalf("anonymous answer: %s", first)
	}
	if again := raw("", q); again != first {
		t.Fatalf("the same query gave %s, then %s", first, again)
	}
	if admin := raw(testAdminToken, q); !strings.Contains(admin, "Ada Young") || !strings.Contains(admin, `"cost":{`) {
		t.Fatalf("the admin got %s", admin)
	}
	if anon := raw("", q); anon != first {
		t.Fatalf("after the admin's query, anonymous got %s", anon)
	}

	s.mutate(`mutation { updateStakeholder(input: {id: "`+id+`", name: "Renamed Youth Network"}) { userErrors { message } } }`, nil, nil)
	if after := raw("", q); !strings.Contains(after, "Renamed Youth Network") {
		t.Fatalf("after a change, anonymous got %s", after)
	}
}

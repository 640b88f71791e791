package main

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// The analyst's mix: the playground's example queries and the golden queries of
// app/testdata/queries, each with its own variables and with every global
// ID in them swapped for IDs of the same type from the dataset, sent with
// the admin token (executed, never cached).

const mixName = "A"

const mixTitle = "analyst's mix (playground examples, golden queries)"

// mixWorkload builds the mix from the repository's query files.
func mixWorkload(root string, ex *export) (*workload, error) {
	var files []string
	for _, dir := range []string{filepath.Join(root, "playground", "examples"), filepath.Join(root, "app", "testdata", "queries")} {
		fs, err := filepath.Glob(filepath.Join(dir, "*.graphql"))
		if err != nil {
			return nil, err
		}
		files = append(files, fs...)
	}
	sort.Strings(files)
	pool := map[string][]string{} // global IDs of the dataset by type
	for id := range ex.Stakeholders {
		pool["Stakeholder"] = append(pool["Stakeholder"], id)
	}
	for _, p := range ex.Pillars {
		pool["Pillar"] = append(pool["Pillar"], p.ID)
	}
	for id := range ex.Objectives {
		pool["Objective"] = append(pool["Objective"], id)
	}
	for _, c := range ex.Commitments {
		pool["Commitment"] = append(pool["Commitment"], c.ID)
	}
	pool["Meeting"] = ex.Meetings
	for _, ids := range pool {
		sort.Strings(ids)
	}
	wl := &workload{name: mixName, title: mixTitle}
	for _, f := range files {
		q, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if !isQuery(string(q)) {
			continue // reads only
		}
		vars := map[string]any{}
		if b, err := os.ReadFile(strings.TrimSuffix(f, ".graphql") + ".vars.json"); err == nil {
			if err := json.Unmarshal(b, &vars); err != nil {
				return nil, err
			}
		}
		for v := range 8 {
			wl.gql = append(wl.gql, gqlBody(string(q), swapIDs(vars, pool, v).(map[string]any)))
		}
	}
	return wl, nil
}

// swapIDs returns x with each global ID of a type in pool replaced by the
// type's ID at a position that moves with variant.
func swapIDs(x any, pool map[string][]string, variant int) any {
	switch v := x.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = swapIDs(e, pool, variant)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = swapIDs(e, pool, variant+i)
		}
		return out
	case string:
		b, err := base64.RawURLEncoding.DecodeString(v)
		if err != nil {
			return v
		}
		typ, _, ok := strings.Cut(string(b), ":")
		if ids := pool[typ]; ok && len(ids) > 0 {
			return ids[(variant*7919)%len(ids)]
		}
	}
	return x
}

// isQuery reports whether a document's first operation is a query.
func isQuery(doc string) bool {
	for _, l := range strings.Split(doc, "\n") {
		if l = strings.TrimSpace(l); l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		return !strings.HasPrefix(l, "subscription") && !strings.HasPrefix(l, "mutation")
	}
	return false
}

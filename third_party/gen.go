//go:build ignore

// gen.go writes THIRD_PARTY_LICENSES.md and copies the licence files of
// every module a built Convene binary embeds into third_party/licenses/:
//
//	go build -o /tmp/convene . && go run third_party/gen.go /tmp/convene
//
// A test (licenses_test.go) checks the list against the binary.
package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run third_party/gen.go BINARY")
		os.Exit(2)
	}
	out, err := exec.Command("go", "version", "-m", os.Args[1]).Output()
	check(err)
	cache, err := exec.Command("go", "env", "GOMODCACHE").Output()
	check(err)
	modcache := strings.TrimSpace(string(cache))
	check(os.RemoveAll("third_party/licenses"))

	var md bytes.Buffer
	md.WriteString(`# Third-party licences

The Convene binary embeds the Go modules below (the list is what
` + "`go version -m convene`" + ` reports for a release build) and the
playground's npm packages, whose licences ship beside them in
[` + "`playground/dist/licenses/`" + `](playground/dist/licenses) and are
served at ` + "`/playground/licenses/`" + `. Each module's licence file is
copied, as its authors wrote it, under [` + "`third_party/licenses/`" + `](third_party/licenses).
Regenerate both with ` + "`go run third_party/gen.go BINARY`" + `.

| module | version | licence | file |
|---|---|---|---|
`)
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || f[0] != "dep" {
			continue
		}
		mod, ver := f[1], f[2]
		dir := filepath.Join(modcache, escape(mod)+"@"+ver)
		files, _ := filepath.Glob(filepath.Join(dir, "[LlCc][IiOo][CcPp]*"))
		var names []string
		spdx := ""
		for _, src := range files {
			base := filepath.Base(src)
			if !regexp.MustCompile(`(?i)^(licen[cs]e|copying)(\.(md|txt))?$`).MatchString(base) {
				continue
			}
			text, err := os.ReadFile(src)
			check(err)
			dst := filepath.Join("third_party/licenses", mod, base)
			check(os.MkdirAll(filepath.Dir(dst), 0o755))
			check(os.WriteFile(dst, text, 0o644))
			names = append(names, "[`"+base+"`](third_party/licenses/"+mod+"/"+base+")")
			if spdx == "" {
				spdx = identify(string(text))
			}
		}
		if len(names) == 0 {
			fmt.Fprintln(os.Stderr, "no licence file for", mod)
			os.Exit(1)
		}
		sort.Strings(names)
		fmt.Fprintf(&md, "| %s | %s | %s | %s |\n", mod, ver, spdx, strings.Join(names, ", "))
	}
	check(os.WriteFile("THIRD_PARTY_LICENSES.md", md.Bytes(), 0o644))
}

// identify names a licence text by its SPDX identifier.
func identify(t string) string {
	switch {
	case strings.Contains(t, "Apache License") && strings.Contains(t, "Version 2.0"):
		return "Apache-2.0"
	case strings.Contains(t, "Mozilla Public License"):
		return "MPL-2.0"
	case strings.Contains(t, "Permission is hereby granted, free of charge"):
		return "MIT"
	case strings.Contains(t, "Permission to use, copy, modify, and"), strings.Contains(t, "ISC License"):
		return "ISC"
	case strings.Contains(t, "Redistribution and use in source and binary forms") && strings.Contains(t, "Neither the name"):
		return "BSD-3-Clause"
	case strings.Contains(t, "Redistribution and use in source and binary forms"):
		return "BSD-2-Clause"
	}
	return "see file"
}

// escape is the module cache's spelling of a path: capitals as !lower.
func escape(p string) string {
	var b strings.Builder
	for _, r := range p {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// The scaling part: the same pages of 50 at several dataset sizes, each
// on a generated database of its own and a server of its own, with a
// token (the response cache off), so that a page's cost can be seen not
// to grow with the commitments. Every size's server runs from the start,
// and each row's measurement is split into rounds in which the sizes take
// turns: what else loads the machine meanwhile (other processes, a
// collection, the generator) falls on every size alike, and the median
// round of each size leaves a disturbed round out.

// scalingRounds is how many rounds each row's phase is split into: each
// size goes first in as many (with two, three or four sizes), and short
// rounds keep the sizes of one round close in time.
const scalingRounds = 12

// queryScaling is W2's page with any filter and order.
const queryScaling = `query S($filter: CommitmentFilter, $orderBy: CommitmentOrder) {
  commitments(first: 50, filter: $filter, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id reference title status progress dueDate
      lead { id name sector }
      objective { id code title pillar { id code title } }
      participants { role stakeholder { id name sector } }
      progressReports(first: 3) { nodes { progress status note reportedAt } }
    }
  }
}`

// queryW3Filtered is W3 with a filter.
const queryW3Filtered = `query W3F($filter: CommitmentFilter) { commitmentStats(filter: $filter) { total averageProgress overdue byStatus { status count } bySector { sector count averageProgress } byPillar { pillar { id code title } count averageProgress } } }`

// scalingScale is one dataset size's server.
type scalingScale struct {
	commitments int
	gen         time.Duration
	startup     time.Duration
	startCPU    time.Duration // the binary's CPU time when it became ready
	rss         int64         // the binary's resident memory once ready
}

// scalingResult holds each query's peak and page sizes at each scale.
type scalingResult struct {
	scales []scalingScale
	names  []string
	peaks  map[string][]scalingCell // by query name, one per scale
	pages  map[string][]pageSizes   // by query name, one per scale
	// ratios are, by query name, the medians over the rounds of the
	// largest size's rate over the smallest's in the same round and of
	// the smallest size's CPU per request over the largest's: the sizes
	// of one round share what else ran then.
	ratios map[string]scalingRatios
	// w2 are the indexes of W2's sector × status pairs kept: those whose
	// page holds 50 at the smallest size, the same pairs at every size.
	w2 []int
}

// scalingCell is one row at one size: the median of its rounds' rates,
// the median of their server CPU per request, and the errors of them all.
type scalingCell struct {
	rate     float64
	cpu      time.Duration
	Errors   int
	FirstErr string
}

// scalingRatios are a row's ratios between its largest and smallest
// sizes (0: unknown).
type scalingRatios struct{ rate, cpu float64 }

// ratiosOf is scalingResult.ratios of a row's rounds by size.
func ratiosOf(rounds [][]loadResult) scalingRatios {
	small, large := rounds[0], rounds[len(rounds)-1]
	var rates, cpus []float64
	for r := range small {
		if a := small[r].throughput(); a > 0 {
			rates = append(rates, large[r].throughput()/a)
		}
		if b := large[r].cpuPerRequest(); b > 0 {
			cpus = append(cpus, float64(small[r].cpuPerRequest())/float64(b))
		}
	}
	return scalingRatios{rate: median(rates), cpu: median(cpus)}
}

func (c scalingCell) throughput() float64          { return c.rate }
func (c scalingCell) cpuPerRequest() time.Duration { return c.cpu }

// cellOf sums up a row's rounds at one size.
func cellOf(rounds []loadResult) scalingCell {
	var c scalingCell
	rates := make([]float64, len(rounds))
	cpus := make([]time.Duration, len(rounds))
	for i, l := range rounds {
		rates[i], cpus[i] = l.throughput(), l.cpuPerRequest()
		c.Errors += l.Errors
		if c.FirstErr == "" {
			c.FirstErr = l.FirstErr
		}
	}
	slices.Sort(rates)
	slices.Sort(cpus)
	c.rate, c.cpu = rates[len(rates)/2], cpus[len(cpus)/2]
	return c
}

// pageSizes are the smallest and largest page (nodes returned) and
// totalCount (commitmentStats' total for W3) over a row's requests.
type pageSizes struct {
	minNodes, maxNodes, minTotal, maxTotal int
	stats                                  bool // a roll-up: no nodes
}

// scalingScaleOf is the dataset of one size: the default's stakeholders,
// few meetings and outcomes, about one progress report a commitment.
func scalingScaleOf(n int) scale {
	return scale{Stakeholders: 200, Commitments: n, Meetings: 200, Outcomes: 2000, Events: 2500 + 2*n}
}

// scalingServer is one size's running server and its rows' requests.
type scalingServer struct {
	cv   *convene
	sets []scalingQuery
}

// runScaling generates every size's database, then starts their servers
// one after another (each start-up and RSS measured alone), then measures
// row by row: each size's pages asked once, a warm-up at each size, then
// scalingRounds rounds of a closed loop at each size in turn, the first
// size of a round rotating.
func runScaling(ctx context.Context, cfg *config, res *results, bin, token string) (*scalingResult, error) {
	out := &scalingResult{peaks: map[string][]scalingCell{}, pages: map[string][]pageSizes{}, ratios: map[string]scalingRatios{}}
	var servers []*scalingServer
	var dirs []string
	defer func() {
		for _, s := range servers {
			s.cv.stop()
		}
		for _, d := range dirs {
			os.RemoveAll(d)
		}
	}()
	var gens []time.Duration
	for _, n := range cfg.scalingSizes {
		sc := scalingScaleOf(n)
		dataDir := filepath.Join(cfg.work, fmt.Sprintf("scaling-%d", n))
		dirs = append(dirs, dataDir)
		logf("scaling: generating %s into %s", sc, dataDir)
		gen, err := generate(ctx, dataDir, sc, cfg.seed, "bulk", func(s string) { logf("  %s", s) })
		if err != nil {
			return nil, fmt.Errorf("generating %d commitments: %w", n, err)
		}
		gens = append(gens, gen.Duration)
	}
	for i, n := range cfg.scalingSizes {
		cv, err := startConvene(cfg, bin, dirs[i], token, fmt.Sprintf("convene-scaling-%d", n))
		if err != nil {
			return nil, err
		}
		servers = append(servers, &scalingServer{cv: cv})
		startCPU := procCPU(cv.pid())
		time.Sleep(time.Second) // let start-up's garbage go before reading RSS
		s := scalingScale{commitments: n, gen: gens[i], startup: cv.ready, startCPU: startCPU, rss: procRSS(cv.pid())}
		out.scales = append(out.scales, s)
		logf("scaling: %d commitments ready in %s, RSS %d MB", n, cv.ready.Round(time.Millisecond), s.rss>>20)
	}
	for _, s := range servers {
		sets, err := scalingRequests(s.cv.addr, token, out)
		if err != nil {
			return nil, err
		}
		s.sets = sets
	}
	for _, q := range servers[0].sets {
		out.names = append(out.names, q.name)
	}
	phase := max(cfg.dur/3, time.Second)
	round := max(phase/scalingRounds, 150*time.Millisecond)
	for qi, name := range out.names {
		rss := make([]*reqSet, len(servers))
		for i, s := range servers {
			q, n := s.sets[qi], out.scales[i].commitments
			ps, err := measurePages(s.cv.addr, token, q.bodies)
			if err != nil {
				return nil, fmt.Errorf("scaling %s at %d: %w", name, n, err)
			}
			out.pages[name] = append(out.pages[name], ps)
			rss[i] = &reqSet{addr: s.cv.addr, pid: s.cv.pid(), reqs: posts(s.cv.addr, q.bodies, "Authorization", "Bearer "+token), check: okGraphQL}
			closedLoop(rss[i], cfg.conns, cfg.warm/2)
		}
		rounds := make([][]loadResult, len(servers))
		for r := range scalingRounds {
			for k := range servers {
				i := (r + k) % len(servers)
				l := closedLoop(rss[i], cfg.conns, round)
				noteOthers(fmt.Sprintf("scaling %s at %d, round %d", name, out.scales[i].commitments, r+1), l)
				rounds[i] = append(rounds[i], l)
			}
		}
		for i := range servers {
			c := cellOf(rounds[i])
			var each []string
			for _, l := range rounds[i] {
				each = append(each, fmt.Sprintf("%.0f", l.throughput()))
			}
			logf("scaling: %-28s at %6d commitments: %7.0f req/s (rounds %s), %s a request, errors %d %s", name, out.scales[i].commitments,
				c.rate, strings.Join(each, " "), fmtDur(c.cpu), c.Errors, c.FirstErr)
			out.peaks[name] = append(out.peaks[name], c)
		}
		out.ratios[name] = ratiosOf(rounds)
	}
	return out, nil
}

type scalingQuery struct {
	name   string
	bodies [][]byte
}

// pageOf is what measurePages reads of an answer.
type pageOf struct {
	Commitments *struct {
		TotalCount int               `json:"totalCount"`
		Nodes      []json.RawMessage `json:"nodes"`
	} `json:"commitments"`
	CommitmentStats *struct {
		Total int `json:"total"`
	} `json:"commitmentStats"`
}

// measurePages asks each request once and returns its row's page sizes.
func measurePages(addr, token string, bodies [][]byte) (pageSizes, error) {
	ps := pageSizes{minNodes: -1}
	for _, b := range bodies {
		p, err := askPage(addr, token, b)
		if err != nil {
			return ps, err
		}
		nodes, total := 0, 0
		switch {
		case p.Commitments != nil:
			nodes, total = len(p.Commitments.Nodes), p.Commitments.TotalCount
		case p.CommitmentStats != nil:
			ps.stats, total = true, p.CommitmentStats.Total
		}
		if ps.minNodes < 0 {
			ps.minNodes, ps.maxNodes, ps.minTotal, ps.maxTotal = nodes, nodes, total, total
		}
		ps.minNodes, ps.maxNodes = min(ps.minNodes, nodes), max(ps.maxNodes, nodes)
		ps.minTotal, ps.maxTotal = min(ps.minTotal, total), max(ps.maxTotal, total)
	}
	return ps, nil
}

// askPage posts one request body and decodes its data.
func askPage(addr, token string, body []byte) (pageOf, error) {
	var p pageOf
	status, resp, err := fetch(addr, httpRequest(addr, "POST", "/graphql", body, "Authorization", "Bearer "+token))
	if err != nil {
		return p, err
	}
	if !okGraphQL(status, resp) {
		return p, fmt.Errorf("HTTP %d: %s", status, short(resp))
	}
	var r struct {
		Data pageOf `json:"data"`
	}
	err = json.Unmarshal(resp, &r)
	return r.Data, err
}

// scalingRequests builds the pages: W2's sector × status filters, every
// order both ways, and each filter alone, with IDs read from the server.
// Each filter's values are chosen so that its page holds 50 at 1,000
// commitments (200 stakeholders, 30 communities, 20 objectives): a
// stakeholder takes part in about 12 commitments there and a community
// holds about 33, so those rows name six stakeholders or two communities.
// W2's pairs are those whose page holds 50 at the first size (sr.w2).
func scalingRequests(addr, token string, sr *scalingResult) ([]scalingQuery, error) {
	var ids struct {
		StrategicPlans []struct {
			Pillars []struct {
				ID         string `json:"id"`
				Objectives []struct {
					ID string `json:"id"`
				} `json:"objectives"`
			} `json:"pillars"`
		} `json:"strategicPlans"`
		Stakeholders struct {
			Nodes []struct {
				ID string `json:"id"`
			} `json:"nodes"`
		} `json:"stakeholders"`
		Communities []struct {
			ID string `json:"id"`
		} `json:"communities"`
	}
	g := gqlClient{addr: addr, token: token}
	if err := g.do(`{ strategicPlans { pillars { id objectives { id } } } stakeholders(first: 24) { nodes { id } } communities { id } }`, nil, &ids); err != nil {
		return nil, err
	}
	if len(ids.StrategicPlans) == 0 || len(ids.StrategicPlans[0].Pillars) < 2 || len(ids.Stakeholders.Nodes) < 24 || len(ids.Communities) < 4 {
		return nil, fmt.Errorf("scaling: the dataset lacks pillars, stakeholders or communities")
	}
	pillar := ids.StrategicPlans[0].Pillars[1]
	page := func(filter, order map[string]any) []byte {
		return gqlBody(queryScaling, map[string]any{"filter": filter, "orderBy": order})
	}
	var pairs [][]byte
	for _, sector := range []string{"GOVERNMENT", "CIVIL_SOCIETY", "PRIVATE_SECTOR", "INTERNATIONAL_PARTNER"} {
		for _, status := range []string{"NOT_STARTED", "ON_TRACK", "AT_RISK", "DELAYED", "COMPLETED", "CANCELLED"} {
			pairs = append(pairs, gqlBody(queryW2, map[string]any{"sectors": []string{sector}, "statuses": []string{status}}))
		}
	}
	if sr.w2 == nil {
		for i, b := range pairs {
			p, err := askPage(addr, token, b)
			if err != nil {
				return nil, err
			}
			if p.Commitments != nil && len(p.Commitments.Nodes) == 50 {
				sr.w2 = append(sr.w2, i)
			}
		}
		if len(sr.w2) == 0 {
			return nil, fmt.Errorf("scaling: no sector × status pair holds a page of 50")
		}
	}
	w2 := scalingQuery{name: fmt.Sprintf("W2 (sector × status, %d of 24 pairs)", len(sr.w2))}
	for _, i := range sr.w2 {
		w2.bodies = append(w2.bodies, pairs[i])
	}
	out := []scalingQuery{w2}
	for _, field := range []string{"REFERENCE", "TITLE", "DUE_DATE", "PROGRESS", "UPDATED_AT"} {
		for _, dir := range []string{"ASC", "DESC"} {
			out = append(out, scalingQuery{name: "orderBy " + strings.ToLower(field) + " " + strings.ToLower(dir),
				bodies: [][]byte{page(nil, map[string]any{"field": field, "direction": dir})}})
		}
	}
	one := func(name string, bodies ...[]byte) {
		out = append(out, scalingQuery{name: "filter " + name, bodies: bodies})
	}
	one("sectors", page(map[string]any{"sectors": []string{"GOVERNMENT"}}, nil), page(map[string]any{"sectors": []string{"PRIVATE_SECTOR"}}, nil))
	one("statuses", page(map[string]any{"statuses": []string{"AT_RISK", "DELAYED"}}, nil), page(map[string]any{"statuses": []string{"ON_TRACK"}}, nil))
	one("pillar", page(map[string]any{"pillarIds": []string{pillar.ID}}, nil))
	var objectives [][]byte
	for _, o := range pillar.Objectives {
		objectives = append(objectives, page(map[string]any{"objectiveIds": []string{o.ID}}, nil))
	}
	one("objective", objectives...)
	var stakeholders [][]byte
	for g := 0; g+6 <= len(ids.Stakeholders.Nodes); g += 6 {
		var group []string
		for _, s := range ids.Stakeholders.Nodes[g : g+6] {
			group = append(group, s.ID)
		}
		stakeholders = append(stakeholders, page(map[string]any{"stakeholderIds": group}, nil))
	}
	one("stakeholders (six)", stakeholders...)
	one("communities (two)", page(map[string]any{"communityIds": []string{ids.Communities[0].ID, ids.Communities[1].ID}}, nil),
		page(map[string]any{"communityIds": []string{ids.Communities[2].ID, ids.Communities[3].ID}}, nil))
	one("overdue", page(map[string]any{"overdue": true}, nil), page(map[string]any{"overdue": false}, nil))
	one("due range", page(map[string]any{"dueAfter": "2025-01-01", "dueBefore": "2025-12-31"}, nil))
	one("search", page(map[string]any{"search": "objective 2."}, nil), page(map[string]any{"search": "towards"}, nil))
	// The searches above select a quarter and every commitment, so their
	// totalCount counts that many; the search for one title selects one
	// commitment at every size (its page holds one).
	one("search, one title", page(map[string]any{"search": "commitment 17 towards"}, nil))
	// W3's roll-up under filters: what it costs grows with the matches
	// (the shortest list a filter names), not with every commitment.
	var stats [][]byte
	for _, f := range []map[string]any{{"sectors": []string{"CIVIL_SOCIETY"}}, {"statuses": []string{"AT_RISK"}, "sectors": []string{"GOVERNMENT"}},
		{"pillarIds": []string{pillar.ID}}, {"stakeholderIds": []string{ids.Stakeholders.Nodes[3].ID}}, {"overdue": true},
		{"dueAfter": "2025-01-01", "dueBefore": "2025-03-31"}, {"search": "towards"}} {
		stats = append(stats, gqlBody(queryW3Filtered, map[string]any{"filter": f}))
	}
	out = append(out, scalingQuery{name: "W3 commitmentStats, filtered", bodies: stats})
	return out, nil
}

// render writes the scaling tables.
func (s *scalingResult) render(p func(string, ...any)) {
	p("\n## Scaling: a page of 50 at each dataset size (uncached)\n\n")
	p("Each size on its own generated database (%s stakeholders, about one progress report a commitment) and server,\n", "200")
	p("all of them running side by side; every request with the admin token (the response cache off), the W2 document\n")
	p("with `totalCount` (the last row: W3's document with a filter, seven filters in turn). Each row is warmed up at\n")
	p("every size, then measured in %d rounds of a short closed loop in which the sizes take turns (the first size\n", scalingRounds)
	p("rotating); a cell is the median round's peak req/s. The last column is the median over the rounds of the\n")
	p("largest size's rate over the smallest's in the same round (target ≥ 0.8×).\n\n")
	p("| commitments | generated in | start-up to ready | its CPU time | RSS when ready | RSS / commitment | RSS added / commitment added |\n|--:|--:|--:|--:|--:|--:|--:|\n")
	for i, sc := range s.scales {
		added := "—"
		if i > 0 {
			d := float64(sc.rss-s.scales[0].rss) / float64(sc.commitments-s.scales[0].commitments)
			added = fmt.Sprintf("%.1f KB", d/1024)
		}
		p("| %d | %.0f s | %s | %s | %d MB | %.1f KB | %s |\n", sc.commitments, sc.gen.Seconds(), fmtDur(sc.startup), fmtDur(sc.startCPU), sc.rss>>20, float64(sc.rss)/float64(sc.commitments)/1024, added)
	}
	p("\n")
	s.header(p, "page of 50", "largest / smallest")
	s.renderRates(p)
	p("\nWhat each row's requests answered at each size, asked once before its phase: the nodes of the page (smallest–largest\n")
	p("over the row's requests) and, in brackets, their `totalCount` (for the W3 row, `commitmentStats`' total). A row is\n")
	p("flat only if its page is full at every size; the search for one title selects one commitment at every size.\n\n")
	s.header(p, "page: nodes (totalCount)", "")
	for _, name := range s.names {
		p("| %s |", name)
		for _, ps := range s.pages[name] {
			p(" %s |", ps)
		}
		p("\n")
	}
	p("\nThe same rounds as the server's CPU time per request (its user+system time from /proc, 10 ms ticks, over the\n")
	p("requests answered; the median round): what a page costs the server whatever else runs on its core. The last column is the\n")
	p("median over the rounds of the smallest size's cost over the largest's in the same round, the rate ratio a free\n")
	p("core would show (target ≥ 0.8×).\n\n")
	s.header(p, "server CPU / request", "smallest / largest")
	for _, name := range s.names {
		peaks := s.peaks[name]
		p("| %s |", name)
		for _, l := range peaks {
			p(" %s |", fmtDur(l.cpuPerRequest()))
		}
		ratio := "—"
		if r := s.ratios[name].cpu; len(peaks) > 1 && r > 0 {
			ratio = fmt.Sprintf("%.2f×", r)
			if r < 0.8 {
				ratio = "**" + ratio + "**"
			}
		}
		p(" %s |\n", ratio)
	}
}

func (ps pageSizes) String() string {
	span := func(a, b int) string {
		if a == b {
			return fmt.Sprint(a)
		}
		return fmt.Sprintf("%d–%d", a, b)
	}
	if ps.stats {
		return "total " + span(ps.minTotal, ps.maxTotal)
	}
	mark := ""
	if ps.minNodes < 50 {
		mark = " ⚠"
	}
	return fmt.Sprintf("%s (%s)%s", span(ps.minNodes, ps.maxNodes), span(ps.minTotal, ps.maxTotal), mark)
}

// renderRates writes the peak rates at each size.
func (s *scalingResult) renderRates(p func(string, ...any)) {
	for _, name := range s.names {
		peaks := s.peaks[name]
		p("| %s |", name)
		for _, l := range peaks {
			mark := ""
			if l.Errors > 0 {
				mark = fmt.Sprintf(" (%d errors)", l.Errors)
			}
			p(" %.0f%s |", l.throughput(), mark)
		}
		ratio := "—"
		if r := s.ratios[name].rate; len(peaks) > 1 && r > 0 {
			ratio = fmt.Sprintf("%.2f×", r)
			if r < 0.8 {
				ratio = "**" + ratio + "**"
			}
		}
		p(" %s |\n", ratio)
	}
}

// runScalingOnly is `-only scaling`: no other part's dataset, and the
// tables go to <work>/SCALING.md rather than into the full run's report.
func runScalingOnly(ctx context.Context, cfg *config, res *results, bin string) error {
	if err := pinSelf(); err != nil {
		res.warn("could not pin the load generator: %v", err)
	}
	runtime.GOMAXPROCS(1)
	sr, err := runScaling(ctx, cfg, res, bin, "bench-"+randomHex(16))
	if err != nil {
		return err
	}
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# Convene scaling (`go run ./bench%s`, %s)\n", strings.TrimRight(" "+strings.Join(cfg.args, " "), " "), res.began.UTC().Format("2006-01-02 15:04 UTC"))
	sr.render(p)
	for _, w := range res.warnings {
		p("\n⚠ %s\n", w)
	}
	fmt.Println(b.String())
	path := filepath.Join(cfg.work, "SCALING.md")
	logf("wrote %s", path)
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// header writes a table's header: its first column, one column a size,
// and last (none when empty).
func (s *scalingResult) header(p func(string, ...any), first, last string) {
	p("| %s |", first)
	for _, sc := range s.scales {
		p(" %d |", sc.commitments)
	}
	if last != "" {
		p(" %s |", last)
	}
	p("\n|---|")
	for range s.scales {
		p("--:|")
	}
	if last != "" {
		p("--:|")
	}
	p("\n")
}

package main

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The uncached ratio targets (W1 and W2 against B1 and B2) compare servers
// measured minutes apart in the rows, and this machine's speed moves within
// minutes (the same server's rate by a third). The side-by-side rounds run
// the three servers in turns, each a short closed loop, the order rotated
// every round; each round's ratios come from phases seconds apart, and
// their median is what the targets read.

// sideRounds is how many rounds each workload gets.
const sideRounds = 5

// sideServer is one server of the rounds and its requests for a workload.
type sideServer struct {
	name string
	rs   func(wl *workload) *reqSet
}

// sideBySide is one workload's rounds: rounds[r][s] is server s's phase
// in round r (servers in names' order, whatever order they ran in).
type sideBySide struct {
	wl     string
	names  []string
	rounds [][]loadResult
}

// runSideBySide runs each workload's rounds over servers; the phases last
// a third of the rows' (at least a second), each after a warm-up as long,
// and each server is warmed up for a whole row's phase before the first.
func runSideBySide(cfg *config, servers []sideServer, wls []*workload) []*sideBySide {
	phase := max(time.Second, cfg.dur/3)
	var out []*sideBySide
	for _, wl := range wls {
		sb := &sideBySide{wl: wl.name}
		sets := make([]*reqSet, len(servers))
		for i, s := range servers {
			sb.names = append(sb.names, s.name)
			sets[i] = s.rs(wl)
			// A first warm-up as long as a row's phase: Node's compiler
			// takes seconds to reach Apollo's speed.
			closedLoop(sets[i], cfg.conns, cfg.dur)
		}
		for r := range sideRounds {
			round := make([]loadResult, len(servers))
			for k := range servers {
				i := (k + r) % len(servers)
				closedLoop(sets[i], cfg.conns, phase)
				round[i] = closedLoop(sets[i], cfg.conns, phase)
			}
			sb.rounds = append(sb.rounds, round)
			var line []string
			for i, res := range round {
				line = append(line, fmt.Sprintf("%s %.0f req/s", servers[i].name, res.throughput()))
			}
			logf("%s side by side, round %d: %s", wl.name, r+1, strings.Join(line, ", "))
		}
		out = append(out, sb)
	}
	return out
}

// ratios is each round's rate of server a over server b.
func (sb *sideBySide) ratios(a, b int) []float64 {
	var out []float64
	for _, round := range sb.rounds {
		if rb := round[b].throughput(); rb > 0 {
			out = append(out, round[a].throughput()/rb)
		}
	}
	return out
}

// cpuRatios is each round's CPU time a request of server b over server a's:
// how many of a's requests one of b's costs.
func (sb *sideBySide) cpuRatios(a, b int) []float64 {
	var out []float64
	for _, round := range sb.rounds {
		if ca, cb := round[a].cpuPerRequest(), round[b].cpuPerRequest(); ca > 0 && cb > 0 {
			out = append(out, float64(cb)/float64(ca))
		}
	}
	return out
}

// median of xs, 0 when empty; of an even count, the upper of the two
// middle values, as scaling's cells take it.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// errors is the rounds' failed requests, all servers together.
func (sb *sideBySide) errors() int {
	n := 0
	for _, round := range sb.rounds {
		for _, r := range round {
			n += r.Errors
		}
	}
	return n
}

// renderSideBySide writes the rounds' table: each round's rates and the
// first server's ratio to each other, then the medians.
func (r *results) renderSideBySide(p func(string, ...any)) {
	if len(r.sideBySide) == 0 {
		return
	}
	p("\n## Side by side: the uncached targets' servers in turns\n\n")
	p("The uncached W1 and W2 against B1 and B2 once more, the three servers in turns: %d rounds, in each a closed loop of\n", sideRounds)
	p("%d connections on every server after a warm-up as long (the rows' phases last three times as long; before the first\n", r.cfg.conns)
	p("round, each server is warmed up for as long as a row's phase), the order rotated from round to round. Each round's\n")
	p("ratios compare phases seconds apart, where the rows above compare servers measured minutes apart; the targets read\n")
	p("the median round. \"CPU\": the server's CPU time a request.\n\n")
	for _, sb := range r.sideBySide {
		p("| %s round |", sb.wl)
		for _, n := range sb.names {
			p(" %s req/s | CPU |", n)
		}
		for _, n := range sb.names[1:] {
			p(" vs %s | by CPU |", strings.Fields(n)[0])
		}
		p(" other load |\n|---|")
		for range sb.names {
			p("--:|--:|")
		}
		for range sb.names[1:] {
			p("--:|--:|")
		}
		p("--:|\n")
		for i, round := range sb.rounds {
			p("| %d |", i+1)
			for _, res := range round {
				p(" %.0f | %s |", res.throughput(), fmtDur(res.cpuPerRequest()))
			}
			for b := 1; b < len(round); b++ {
				p(" %s | %s |", ratio(round[0].throughput(), round[b].throughput()),
					ratio(float64(round[b].cpuPerRequest()), float64(round[0].cpuPerRequest())))
			}
			p(" %s |\n", foreign(round...))
		}
		p("| median |")
		for s := range sb.names {
			var rates, cpus []float64
			for _, round := range sb.rounds {
				rates = append(rates, round[s].throughput())
				cpus = append(cpus, float64(round[s].cpuPerRequest()))
			}
			p(" %.0f | %s |", median(rates), fmtDur(time.Duration(median(cpus))))
		}
		for b := 1; b < len(sb.names); b++ {
			p(" **%s** | %s |", ratio(median(sb.ratios(0, b)), 1), ratio(median(sb.cpuRatios(0, b)), 1))
		}
		p(" |\n\n")
		if n := sb.errors(); n > 0 {
			p("%s: %d requests failed in the rounds.\n\n", sb.wl, n)
		}
	}
}

// sideServers is Convene's binary with a token (uncached), B1 and B2.
func sideServers(cv *convene, token string, bs []*baselineProc) []sideServer {
	servers := []sideServer{{name: convUncached, rs: func(wl *workload) *reqSet {
		return &reqSet{addr: cv.addr, pid: cv.pid(), reqs: posts(cv.addr, wl.gql, "Authorization", "Bearer "+token), check: okGraphQL}
	}}}
	for _, name := range []string{b1Name, b2Name} {
		if b := baseline(bs, name); b != nil {
			servers = append(servers, sideServer{name: name, rs: b.reqSet})
		}
	}
	return servers
}

// sideWorkloads is W1 and W2, the workloads of the uncached ratio targets.
func sideWorkloads(wls []*workload) []*workload {
	var out []*workload
	for _, wl := range wls {
		if wl.name == "W1" || wl.name == "W2" {
			out = append(out, wl)
		}
	}
	return out
}

// sideOf is workload wl's rounds when they ran with all three servers.
func (r *results) sideOf(wl string) *sideBySide {
	for _, sb := range r.sideBySide {
		if sb.wl == wl && len(sb.names) == 3 && len(sb.rounds) > 0 {
			return sb
		}
	}
	return nil
}

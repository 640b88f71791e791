package main

import (
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"time"
)

// B0: the machine's limit for these responses. A plain net/http server that
// answers each request with the bytes Convene answered it with, looked up
// by request body: no parsing, no execution, no encoding.

type replayEntry struct {
	Body        string `json:"body"`
	Response    string `json:"response"`
	ContentType string `json:"contentType"`
}

func serveB0(args []string) error {
	fs := flag.NewFlagSet("serve-b0", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	file := fs.String("replay", "", "recorded requests and responses (JSON)")
	fs.Parse(args)
	b, err := os.ReadFile(*file)
	if err != nil {
		return err
	}
	var entries []replayEntry
	if err := json.Unmarshal(b, &entries); err != nil {
		return err
	}
	type answer struct {
		body []byte
		ct   []string
	}
	answers := make(map[string]answer, len(entries))
	for _, e := range entries {
		answers[e.Body] = answer{[]byte(e.Response), []string{e.ContentType}}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("POST /graphql", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		a, ok := answers[string(body)]
		if !ok {
			http.Error(w, "not recorded", http.StatusNotFound)
			return
		}
		w.Header()["Content-Type"] = a.ct
		w.Write(a.body)
	})
	return listenAndServe(*addr, mux)
}

func listenAndServe(addr string, h http.Handler) error {
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	return srv.ListenAndServe()
}

// B1: the REST equivalent. net/http and encoding/json over the same data
// (the export of the generated dataset), answering the same questions with
// the same JSON: what a hand-written endpoint per screen would cost.

type restStakeholder struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Sector string `json:"sector"`
}

type restW1 struct {
	Data struct {
		Commitment *restW1Commitment `json:"commitment"`
	} `json:"data"`
}

type restW1Commitment struct {
	ID        string           `json:"id"`
	Reference string           `json:"reference"`
	Title     string           `json:"title"`
	Status    string           `json:"status"`
	Progress  int              `json:"progress"`
	DueDate   string           `json:"dueDate"`
	Lead      *restStakeholder `json:"lead"`
}

type restW2 struct {
	Data struct {
		Commitments restW2Conn `json:"commitments"`
	} `json:"data"`
}

type restW2Conn struct {
	TotalCount int `json:"totalCount"`
	PageInfo   struct {
		HasNextPage bool    `json:"hasNextPage"`
		EndCursor   *string `json:"endCursor"`
	} `json:"pageInfo"`
	Nodes []restW2Commitment `json:"nodes"`
}

// restW2Commitment is W1's commitment with W2's further fields (the
// embedded fields encode first, in W2's order).
type restW2Commitment struct {
	restW1Commitment
	Objective    restObjective `json:"objective"`
	Participants []restPart    `json:"participants"`
	Reports      struct {
		Nodes []exReport `json:"nodes"`
	} `json:"progressReports"`
}

type restObjective struct {
	ID     string    `json:"id"`
	Code   string    `json:"code"`
	Title  string    `json:"title"`
	Pillar *exPillar `json:"pillar"`
}

type restPart struct {
	Role        string           `json:"role"`
	Stakeholder *restStakeholder `json:"stakeholder"`
}

type restW3 struct {
	Data struct {
		Stats restStats `json:"commitmentStats"`
	} `json:"data"`
}

type restStats struct {
	Total           int     `json:"total"`
	AverageProgress float64 `json:"averageProgress"`
	Overdue         int     `json:"overdue"`
	ByStatus        []struct {
		Status string `json:"status"`
		Count  int    `json:"count"`
	} `json:"byStatus"`
	BySector []struct {
		Sector          string  `json:"sector"`
		Count           int     `json:"count"`
		AverageProgress float64 `json:"averageProgress"`
	} `json:"bySector"`
	ByPillar []struct {
		Pillar          *exPillar `json:"pillar"`
		Count           int       `json:"count"`
		AverageProgress float64   `json:"averageProgress"`
	} `json:"byPillar"`
}

func serveB1(args []string) error {
	fs := flag.NewFlagSet("serve-b1", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	file := fs.String("export", "", "exported dataset (JSON)")
	fs.Parse(args)
	ex, err := loadExport(*file)
	if err != nil {
		return err
	}
	return listenAndServe(*addr, restHandler(ex))
}

func restHandler(ex *export) http.Handler {
	stakeholder := func(id string) *restStakeholder {
		s := ex.Stakeholders[id]
		if s == nil {
			return nil
		}
		return &restStakeholder{ID: s.ID, Name: s.Name, Sector: s.Sector}
	}
	commitmentW1 := func(c *exCommitment) restW1Commitment {
		return restW1Commitment{ID: c.ID, Reference: c.Reference, Title: c.Title, Status: c.Status,
			Progress: c.Progress, DueDate: c.DueDate, Lead: stakeholder(c.LeadID)}
	}
	writeJSON := func(w http.ResponseWriter, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /rest/commitments/{id}", func(w http.ResponseWriter, r *http.Request) {
		var out restW1
		if c := ex.ByID[r.PathValue("id")]; c != nil {
			w1 := commitmentW1(c)
			out.Data.Commitment = &w1
		}
		writeJSON(w, &out)
	})
	mux.HandleFunc("GET /rest/commitments", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		sectors, statuses := q["sector"], q["status"]
		first, err := strconv.Atoi(q.Get("first"))
		if err != nil || first < 0 || first > 100 {
			http.Error(w, "first must be between 0 and 100", http.StatusBadRequest)
			return
		}
		var matched []*exCommitment
		for _, c := range ex.Commitments { // already in reference order
			if len(statuses) > 0 && !slices.Contains(statuses, c.Status) {
				continue
			}
			if len(sectors) > 0 && !slices.ContainsFunc(c.Participants, func(p exParticipant) bool {
				s := ex.Stakeholders[p.StakeholderID]
				return s != nil && slices.Contains(sectors, s.Sector)
			}) {
				continue
			}
			matched = append(matched, c)
		}
		var out restW2
		conn := &out.Data.Commitments
		conn.TotalCount = len(matched)
		page := matched[:min(first, len(matched))]
		conn.PageInfo.HasNextPage = len(page) < len(matched)
		conn.Nodes = make([]restW2Commitment, 0, len(page))
		for _, c := range page {
			o := ex.Objectives[c.ObjectiveID]
			n := restW2Commitment{restW1Commitment: commitmentW1(c),
				Objective: restObjective{ID: o.ID, Code: o.Code, Title: o.Title, Pillar: ex.pillarByID[o.PillarID]}}
			for _, p := range c.Participants {
				n.Participants = append(n.Participants, restPart{Role: p.Role, Stakeholder: stakeholder(p.StakeholderID)})
			}
			n.Reports.Nodes = c.Reports[:min(3, len(c.Reports))]
			if n.Reports.Nodes == nil {
				n.Reports.Nodes = []exReport{}
			}
			conn.Nodes = append(conn.Nodes, n)
		}
		if len(page) > 0 {
			conn.PageInfo.EndCursor = &page[len(page)-1].Cursor
		}
		writeJSON(w, &out)
	})
	mux.HandleFunc("GET /rest/commitment-stats", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, computeStats(ex))
	})
	return mux
}

// computeStats is commitmentStats over every commitment.
func computeStats(ex *export) *restW3 {
	type acc struct{ count, progress int }
	var total acc
	overdue := 0
	byStatus := map[string]int{}
	bySector := map[string]*acc{}
	byPillar := map[string]*acc{}
	for _, s := range ex.Sectors {
		bySector[s] = &acc{}
	}
	for _, p := range ex.Pillars {
		byPillar[p.ID] = &acc{}
	}
	for _, c := range ex.Commitments {
		total.count++
		total.progress += c.Progress
		if c.DueDate < ex.Today && c.Status != "COMPLETED" && c.Status != "CANCELLED" {
			overdue++
		}
		byStatus[c.Status]++
		if lead := ex.Stakeholders[c.LeadID]; lead != nil {
			a := bySector[lead.Sector]
			a.count++
			a.progress += c.Progress
		}
		if a := byPillar[c.PillarID]; a != nil {
			a.count++
			a.progress += c.Progress
		}
	}
	avg := func(a acc) float64 {
		if a.count == 0 {
			return 0
		}
		return float64(a.progress) / float64(a.count)
	}
	out := &restW3{}
	s := &out.Data.Stats
	s.Total, s.AverageProgress, s.Overdue = total.count, avg(total), overdue
	for _, st := range ex.Statuses {
		s.ByStatus = append(s.ByStatus, struct {
			Status string `json:"status"`
			Count  int    `json:"count"`
		}{st, byStatus[st]})
	}
	for _, sec := range ex.Sectors {
		a := bySector[sec]
		s.BySector = append(s.BySector, struct {
			Sector          string  `json:"sector"`
			Count           int     `json:"count"`
			AverageProgress float64 `json:"averageProgress"`
		}{sec, a.count, avg(*a)})
	}
	for _, p := range ex.Pillars {
		a := byPillar[p.ID]
		s.ByPillar = append(s.ByPillar, struct {
			Pillar          *exPillar `json:"pillar"`
			Count           int       `json:"count"`
			AverageProgress float64   `json:"averageProgress"`
		}{p, a.count, avg(*a)})
	}
	return out
}

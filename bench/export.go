package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// export is the dataset as Convene serves it (global IDs, formatted dates),
// read back through its GraphQL API once it has loaded the generated
// database. The REST (B1) and Apollo (B2) baselines hold exactly this in
// memory, so all servers answer from the same data.
type export struct {
	Today        string                    `json:"today"`
	Sectors      []string                  `json:"sectors"`
	Statuses     []string                  `json:"statuses"`
	Stakeholders map[string]*exStakeholder `json:"stakeholders"`
	Pillars      []*exPillar               `json:"pillars"` // in the plan's order
	Objectives   map[string]*exObjective   `json:"objectives"`
	Commitments  []*exCommitment           `json:"commitments"` // in reference order
	Meetings     []string                  `json:"meetings"`    // global IDs, for W5's publisher
	Counts       map[string]int            `json:"counts"`      // totalCount of each list, as served
	ByID         map[string]*exCommitment  `json:"-"`
	pillarByID   map[string]*exPillar      `json:"-"`
}

type exStakeholder struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Sector string `json:"sector"`
}

type exPillar struct {
	ID    string `json:"id"`
	Code  string `json:"code"`
	Title string `json:"title"`
}

type exObjective struct {
	ID       string `json:"id"`
	Code     string `json:"code"`
	Title    string `json:"title"`
	PillarID string `json:"pillarId"`
}

type exCommitment struct {
	ID           string          `json:"id"`
	Reference    string          `json:"reference"`
	Title        string          `json:"title"`
	Status       string          `json:"status"`
	Progress     int             `json:"progress"`
	DueDate      string          `json:"dueDate"`
	LeadID       string          `json:"leadId"`
	ObjectiveID  string          `json:"objectiveId"`
	PillarID     string          `json:"pillarId"`
	Participants []exParticipant `json:"participants"`
	Reports      []exReport      `json:"reports"` // newest first
	Cursor       string          `json:"cursor"`  // in reference order
	Version      int             `json:"version"`
}

type exParticipant struct {
	Role          string `json:"role"`
	StakeholderID string `json:"stakeholderId"`
}

type exReport struct {
	Progress   int    `json:"progress"`
	Status     string `json:"status"`
	Note       string `json:"note"`
	ReportedAt string `json:"reportedAt"`
}

// gqlClient posts GraphQL to a server.
type gqlClient struct {
	addr, token string
}

func (g gqlClient) do(query string, vars map[string]any, out any) error {
	var hdr []string
	if g.token != "" {
		hdr = []string{"Authorization", "Bearer " + g.token}
	}
	status, body, err := fetch(g.addr, httpRequest(g.addr, "POST", "/graphql", gqlBody(query, vars), hdr...))
	if err != nil {
		return err
	}
	var resp struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return fmt.Errorf("HTTP %d: %s", status, short(body))
	}
	if len(resp.Errors) > 0 || status != 200 {
		return fmt.Errorf("HTTP %d: %s", status, short(body))
	}
	return json.Unmarshal(resp.Data, out)
}

type pageInfo struct {
	HasNextPage bool   `json:"hasNextPage"`
	EndCursor   string `json:"endCursor"`
}

// exportData reads the whole dataset back from a running Convene.
func exportData(g gqlClient) (*export, error) {
	ex := &export{
		Today:        time.Now().Format(time.DateOnly),
		Stakeholders: map[string]*exStakeholder{},
		Objectives:   map[string]*exObjective{},
		Counts:       map[string]int{},
	}
	var enums struct {
		Sector, Status struct {
			EnumValues []struct{ Name string } `json:"enumValues"`
		}
	}
	if err := g.do(`{ Sector: __type(name: "Sector") { enumValues { name } } Status: __type(name: "CommitmentStatus") { enumValues { name } } }`, nil, &enums); err != nil {
		return nil, fmt.Errorf("reading enums: %w", err)
	}
	for _, v := range enums.Sector.EnumValues {
		ex.Sectors = append(ex.Sectors, v.Name)
	}
	for _, v := range enums.Status.EnumValues {
		ex.Statuses = append(ex.Statuses, v.Name)
	}

	var plans struct {
		StrategicPlans []struct {
			Pillars []struct {
				exPillar
				Objectives []exObjective `json:"objectives"`
			} `json:"pillars"`
		} `json:"strategicPlans"`
	}
	if err := g.do(`{ strategicPlans { pillars { id code title objectives { id code title } } } }`, nil, &plans); err != nil {
		return nil, fmt.Errorf("reading the plan: %w", err)
	}
	for _, pl := range plans.StrategicPlans {
		for _, p := range pl.Pillars {
			pp := p.exPillar
			ex.Pillars = append(ex.Pillars, &pp)
			for _, o := range p.Objectives {
				o.PillarID = p.ID
				ex.Objectives[o.ID] = &o
			}
		}
	}

	after := any(nil)
	for {
		var r struct {
			Stakeholders struct {
				TotalCount int              `json:"totalCount"`
				PageInfo   pageInfo         `json:"pageInfo"`
				Nodes      []*exStakeholder `json:"nodes"`
			} `json:"stakeholders"`
		}
		if err := g.do(`query($after: String) { stakeholders(first: 100, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id name sector } } }`,
			map[string]any{"after": after}, &r); err != nil {
			return nil, fmt.Errorf("reading stakeholders: %w", err)
		}
		for _, s := range r.Stakeholders.Nodes {
			ex.Stakeholders[s.ID] = s
		}
		ex.Counts["stakeholders"] = r.Stakeholders.TotalCount
		if !r.Stakeholders.PageInfo.HasNextPage {
			break
		}
		after = r.Stakeholders.PageInfo.EndCursor
	}

	after = nil
	for {
		var r struct {
			Commitments struct {
				TotalCount int      `json:"totalCount"`
				PageInfo   pageInfo `json:"pageInfo"`
				Edges      []struct {
					Cursor string `json:"cursor"`
					Node   struct {
						ID, Reference, Title, Status, DueDate string
						Progress, Version                     int
						Lead, Objective, Pillar               struct{ ID string }
						Participants                          []struct {
							Role        string
							Stakeholder struct{ ID string }
						}
						ProgressReports struct {
							Nodes []exReport `json:"nodes"`
						} `json:"progressReports"`
					} `json:"node"`
				} `json:"edges"`
			} `json:"commitments"`
		}
		// 50 commitments and 10 reports each keep the query's cost under
		// the server's default limit (1,000).
		err := g.do(`query($after: String) { commitments(first: 25, after: $after) { totalCount pageInfo { hasNextPage endCursor }
			edges { cursor node { id reference title status progress version dueDate lead { id } objective { id } pillar { id }
			participants { role stakeholder { id } } progressReports(first: 10) { nodes { progress status note reportedAt } } } } } }`,
			map[string]any{"after": after}, &r)
		if err != nil {
			return nil, fmt.Errorf("reading commitments: %w", err)
		}
		for _, e := range r.Commitments.Edges {
			n := e.Node
			c := &exCommitment{ID: n.ID, Reference: n.Reference, Title: n.Title, Status: n.Status, Progress: n.Progress, Version: n.Version,
				DueDate: n.DueDate, LeadID: n.Lead.ID, ObjectiveID: n.Objective.ID, PillarID: n.Pillar.ID, Cursor: e.Cursor,
				Reports: n.ProgressReports.Nodes}
			for _, p := range n.Participants {
				c.Participants = append(c.Participants, exParticipant{Role: p.Role, StakeholderID: p.Stakeholder.ID})
			}
			ex.Commitments = append(ex.Commitments, c)
		}
		ex.Counts["commitments"] = r.Commitments.TotalCount
		if !r.Commitments.PageInfo.HasNextPage {
			break
		}
		after = r.Commitments.PageInfo.EndCursor
	}

	var r struct {
		Meetings struct {
			TotalCount int `json:"totalCount"`
			Nodes      []struct{ ID string }
		} `json:"meetings"`
		Outcomes struct {
			TotalCount int `json:"totalCount"`
		} `json:"outcomes"`
	}
	if err := g.do(`{ meetings(first: 100) { totalCount nodes { id } } outcomes(first: 1) { totalCount } }`, nil, &r); err != nil {
		return nil, fmt.Errorf("reading meetings: %w", err)
	}
	for _, m := range r.Meetings.Nodes {
		ex.Meetings = append(ex.Meetings, m.ID)
	}
	ex.Counts["meetings"] = r.Meetings.TotalCount
	ex.Counts["outcomes"] = r.Outcomes.TotalCount
	ex.index()
	return ex, nil
}

func (ex *export) index() {
	ex.ByID = make(map[string]*exCommitment, len(ex.Commitments))
	for _, c := range ex.Commitments {
		ex.ByID[c.ID] = c
	}
	ex.pillarByID = map[string]*exPillar{}
	for _, p := range ex.Pillars {
		ex.pillarByID[p.ID] = p
	}
}

func (ex *export) save(path string) error {
	b, err := json.Marshal(ex)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

func loadExport(path string) (*export, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	ex := &export{}
	if err := json.Unmarshal(b, ex); err != nil {
		return nil, err
	}
	ex.index()
	return ex, nil
}

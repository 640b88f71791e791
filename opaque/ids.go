package opaque

import (
	"fmt"
	"strconv"
	"strings"

	"convene/hub"
)

// IDError is a global ID that does not name an object of the kind an
// argument takes: not a global ID at all, or one of another kind.
type IDError struct {
	Index int            // its position in the list
	Value string         // what the client sent
	Want  hub.EntityType // the kind the argument takes ("" for any)
}

func (e *IDError) Error() string {
	if e.Want == "" {
		return fmt.Sprintf("%q is not a global ID the API returns (such as %s)", e.Value, GlobalID(hub.TypeStakeholder, exampleKey[hub.TypeStakeholder]))
	}
	if key, ok := exampleKey[e.Want]; ok {
		return fmt.Sprintf("%q is not the ID of %s (IDs are the global IDs the API returns, such as %s)", e.Value, article(e.Want), GlobalID(e.Want, key))
	}
	return fmt.Sprintf("%q is not the ID of %s (IDs are the global IDs the API returns)", e.Value, article(e.Want))
}

// article is "a Pillar", "an Objective".
func article(t hub.EntityType) string {
	if strings.ContainsRune("AEIOU", rune(t[0])) {
		return "an " + string(t)
	}
	return "a " + string(t)
}

// exampleKey names a demo object of each kind, for error messages.
var exampleKey = map[hub.EntityType]string{
	hub.TypePlan: "restore-2011-2015", hub.TypeStakeholder: "pfd", hub.TypePillar: "p2", hub.TypeObjective: "o2-1",
	hub.TypeCommunity: "collet", hub.TypeMeeting: "m-2015-09", hub.TypeCommitment: "C-2.1-004",
	hub.TypeOutcome: "o-2011-06-a",
}

// DecodeIDs returns the domain IDs inside global IDs that must name
// objects of kind t (of any known kind when t is ""): what filters of the
// API and the exports' ID parameters accept. Whether the objects exist is
// not checked: a filter on an object that is not there (or not yet on
// this instance, or not visible to the caller) matches nothing.
func DecodeIDs(t hub.EntityType, gids []string) ([]string, error) {
	if gids == nil {
		return nil, nil
	}
	out := make([]string, len(gids))
	for i, g := range gids {
		got, id, ok := ParseGlobalID(g)
		if !ok || (t != "" && got != t) || (t == "" && !hub.Registered(got)) {
			return nil, &IDError{Index: i, Value: g, Want: t}
		}
		out[i] = id
	}
	return out, nil
}

// reportType prefixes a progress report's global ID. A report is no kind
// of its own: it is the commitment's, named by the commitment's ID and
// its number among the commitment's reports, from 1.
const reportType hub.EntityType = "ProgressReport"

// ReportID is the global ID of report n (from 1) of commitment id.
func ReportID(commitmentID string, n int) string {
	return GlobalID(reportType, commitmentID+"/"+strconv.Itoa(n))
}

// ParseReportID returns the commitment and the number a report's global
// ID names.
func ParseReportID(gid string) (commitmentID string, n int, ok bool) {
	t, id, ok := ParseGlobalID(gid)
	i := strings.LastIndexByte(id, '/')
	if !ok || t != reportType || i <= 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(id[i+1:])
	if err != nil || n < 1 || strconv.Itoa(n) != id[i+1:] {
		return "", 0, false
	}
	return id[:i], n, true
}

package store

import (
	"fmt"

	"convene/hub"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Format 3 kept a commitment's progress reports in its state, so every
// event and checkpoint of a commitment held all of them. Format 4 keeps
// them apart: a state holds their count, a ProgressReported event the one
// report it adds, a checkpoint the commitment's reports beside its
// history. A format-3 database is read as it is: these fill in, from the
// reports a format-3 document holds, what format 4 records.

// legacyReports returns the reports of the commitment state at path in a
// format-3 document, or nil when the document is in format 4.
func legacyReports(doc bson.Raw, path ...string) ([]hub.ProgressReport, error) {
	v := doc.Lookup(append(path, "commitment", "reports")...)
	if v.Type != bson.TypeArray {
		return nil, nil
	}
	var out []hub.ProgressReport
	if err := v.Unmarshal(&out); err != nil {
		return nil, fmt.Errorf("decoding format-3 progress reports: %w", err)
	}
	return out, nil
}

// upgradeEvent completes an event decoded from doc, when doc is in format 3.
func upgradeEvent(doc bson.Raw, e *hub.Event) error {
	reports, err := legacyReports(doc, "state")
	if err != nil || len(reports) == 0 || hub.Commitments.Of(e.State) == nil {
		return err
	}
	hub.Commitments.Of(e.State).ReportCount = len(reports)
	if e.Kind == hub.KindProgressReported { // its report was the last one
		last := reports[len(reports)-1] // a copy: the event keeps no other report alive
		e.Report = &last
	}
	return nil
}

// upgradeSnapshot completes a snapshot decoded from a checkpoint's record,
// when the record is in format 3.
func upgradeSnapshot(record bson.Raw, sn *hub.Snapshot) error {
	reports, err := legacyReports(record, "state")
	if err != nil || len(reports) == 0 || hub.Commitments.Of(sn.State) == nil {
		return err
	}
	hub.Commitments.Of(sn.State).ReportCount = len(reports)
	sn.Reports = hub.ReportsOf(reports)
	return nil
}

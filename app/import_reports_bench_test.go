package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"testing"
	"time"

	"convene/hub"
)

// reportsCSV is n progress reports on the demo's open commitments, with
// the export's columns a spreadsheet user would keep.
func reportsCSV(m *hub.ReadModel, n int) []byte {
	open := m.Commitments(hub.CommitmentFilter{Statuses: []hub.CommitmentStatus{hub.OnTrack, hub.AtRisk, hub.Delayed}},
		hub.CommitmentOrder{Field: hub.OrderByReference}, "")
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"reference", "progress", "note"})
	for i := range n {
		c := open[i%len(open)]
		w.Write([]string{c.ID, strconv.Itoa(1 + i%99), fmt.Sprintf("Imported report %d", i)})
	}
	w.Flush()
	return buf.Bytes()
}

// BenchmarkImportProgressReports10k: 10,000 rows posted to
// /import/progress-reports.csv on the embedded database, checked and
// written as one batch.
func BenchmarkImportProgressReports10k(b *testing.B) {
	ctx := context.Background()
	a, err := Open(ctx, testConfig(b.TempDir()), slog.New(slog.NewTextHandler(io.Discard, nil)), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close(ctx)
	srv := httptestServer(a)
	defer srv.Close()
	body := reportsCSV(a.hub.Model(), 10_000)
	b.ResetTimer()
	for range b.N {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/import/progress-reports.csv", bytes.NewReader(body))
		req.Header.Set("Content-Type", "text/csv")
		req.Header.Set("Authorization", "Bearer "+testAdminToken)
		started := time.Now()
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		out, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("%d %s", res.StatusCode, out)
		}
		b.ReportMetric(time.Since(started).Seconds(), "s/10k-rows")
	}
}

package export

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strconv"

	"convene/auth"
	"convene/hub"
)

// ImportPath is where progress reports are imported:
//
//	POST /import/progress-reports.csv[?dryRun=true]
//
// with the CSV as the body (Content-Type: text/csv), as an editor or an
// admin. The answer is an ImportResult as JSON: 200 when the reports were
// written (or, in a dry run, would be), 422 with every error otherwise.
const ImportPath = "/import/progress-reports.csv"

// maxImportBody bounds the body of an import.
const maxImportBody = 64 << 20

// ImportHandler serves POST ImportPath on h.
func ImportHandler(h *hub.Hub, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		viewer := auth.ViewerFrom(r.Context())
		switch viewer.Role {
		case "":
			w.Header().Set("WWW-Authenticate", `Bearer realm="convene"`)
			http.Error(w, "importing progress reports takes an editor or admin token: send it as Authorization: Bearer", http.StatusUnauthorized)
			return
		case hub.RoleAdmin, hub.RoleEditor:
		default:
			http.Error(w, "importing progress reports takes an editor or admin token; a viewer token writes nothing", http.StatusForbidden)
			return
		}
		dryRun := false
		for name, values := range r.URL.Query() {
			var err error
			switch {
			case name != "dryRun":
				err = fmt.Errorf("unknown parameter %q: the import takes dryRun=true|false", name)
			case len(values) != 1:
				err = errors.New("dryRun is given twice")
			default:
				if dryRun, err = strconv.ParseBool(values[0]); err != nil {
					err = fmt.Errorf("dryRun: %q is not true or false", values[0])
				}
			}
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
		}
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "text/csv" {
			http.Error(w, "send the CSV with Content-Type: text/csv", http.StatusUnsupportedMediaType)
			return
		}
		body := http.MaxBytesReader(w, r.Body, maxImportBody)
		res, err := ImportProgressReports(r.Context(), h, viewer.Actor(), body, ImportOptions{DryRun: dryRun})
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			http.Error(w, fmt.Sprintf("the file is larger than %d MiB: split it", maxImportBody>>20), http.StatusRequestEntityTooLarge)
			return
		case err != nil:
			logger.ErrorContext(r.Context(), "importing progress reports", "err", err)
			http.Error(w, "the import failed on the server's side; nothing was written: try again", http.StatusInternalServerError)
			return
		}
		if res.Problems == nil {
			res.Problems = []ImportProblem{}
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if len(res.Problems) > 0 {
			w.WriteHeader(http.StatusUnprocessableEntity)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(res)
	})
}

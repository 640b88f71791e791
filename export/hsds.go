package export

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"convene/auth"
	"convene/hub"
)

// The service directory in Open Referral's HSDS 3.0 tabular form: a CSV
// file per HSDS table, under the field names HSDS gives them, and a
// Frictionless Data Package (datapackage.json) that describes each file's
// fields, keys and links:
//
//	GET /export/hsds/datapackage.json
//	GET /export/hsds/{organization|service|location|service_at_location|service_area|language|schedule|service_capacity|unit|taxonomy_term|attribute|contact|phone}.csv
//
// Organizations are the stakeholders that provide a service; locations are
// the communities services serve (Convene keeps no addresses); categories
// are a taxonomy of their own, linked through attribute. Contacts and their
// phones are private, as in the API: their tables are empty for anonymous
// callers. Identifiers are the API's global IDs.

// HSDSPrefix is the path the directory is served under.
const HSDSPrefix = Prefix + "hsds/"

// hsdsField is a column: its HSDS name, Frictionless type and meaning.
type hsdsField struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Description string `json:"description"`
}

// hsdsForeignKey links a field to another table's id.
type hsdsForeignKey struct {
	Fields    string `json:"fields"`
	Reference struct {
		Resource string `json:"resource"`
		Fields   string `json:"fields"`
	} `json:"reference"`
}

// hsdsTable is one HSDS table: its fields, links and rows.
type hsdsTable struct {
	name, description string
	fields            []hsdsField
	links             map[string]string // field → table whose id it holds
	rows              [][]any
}

func field(name, typ, description string) hsdsField { return hsdsField{name, typ, description} }

// hsdsCategoryTaxonomy names Convene's service categories as a taxonomy.
const hsdsCategoryTaxonomy = "Convene service categories"

// hsdsStatus maps a service's status to HSDS's.
var hsdsStatus = map[hub.ServiceStatus]string{hub.ServiceActive: "active", hub.ServicePaused: "temporarily closed", hub.ServiceClosed: "defunct"}

// hsdsTables builds every table for the viewer.
func hsdsTables(m *hub.ReadModel, v hub.Viewer) []hsdsTable {
	services := m.Services(hub.ServiceFilter{})
	private := v.SeesField(hub.TypeService, "contacts")
	org := hsdsTable{name: "organization", description: "The stakeholders that provide services.", fields: []hsdsField{
		field("id", "string", "The stakeholder's global ID."),
		field("name", "string", "The stakeholder's name."),
		field("alternate_name", "string", "Its acronym."),
		field("description", "string", "What it does."),
		field("website", "string", "Its website."),
		field("parent_organization_id", "string", "The stakeholder it belongs to."),
	}, links: map[string]string{}}
	svc := hsdsTable{name: "service", description: "What providers offer young people.", fields: []hsdsField{
		field("id", "string", "The service's global ID."),
		field("organization_id", "string", "The provider."),
		field("name", "string", "Its name."),
		field("description", "string", "What it offers."),
		field("status", "string", "active, temporarily closed (PAUSED) or defunct (CLOSED)."),
		field("eligibility_description", "string", "Who it is for, in words."),
		field("minimum_age", "number", "The youngest age it admits."),
		field("maximum_age", "number", "The oldest age it admits."),
		field("last_modified", "datetime", "When it last changed."),
	}, links: map[string]string{"organization_id": "organization"}}
	loc := hsdsTable{name: "location", description: "The communities services are offered in.", fields: []hsdsField{
		field("id", "string", "The community's global ID."),
		field("location_type", "string", "physical."),
		field("name", "string", "The community's name."),
		field("description", "string", "The area it is in."),
	}}
	sal := hsdsTable{name: "service_at_location", description: "Each service in each community it serves.", fields: []hsdsField{
		field("id", "string", "The service's and the community's global IDs."),
		field("service_id", "string", "The service."),
		field("location_id", "string", "The community."),
	}, links: map[string]string{"service_id": "service", "location_id": "location"}}
	area := hsdsTable{name: "service_area", description: "The communities a service is available to.", fields: []hsdsField{
		field("id", "string", "The service's and the community's global IDs."),
		field("service_id", "string", "The service."),
		field("name", "string", "The community's name."),
		field("description", "string", "The area it is in."),
	}, links: map[string]string{"service_id": "service"}}
	lang := hsdsTable{name: "language", description: "The languages a service is delivered in.", fields: []hsdsField{
		field("id", "string", "The service's global ID and the language."),
		field("service_id", "string", "The service."),
		field("name", "string", "The language, as the BCP 47 tag recorded."),
		field("code", "string", "Its ISO 639 code."),
	}, links: map[string]string{"service_id": "service"}}
	sched := hsdsTable{name: "schedule", description: "When a service is open.", fields: []hsdsField{
		field("id", "string", "The service's global ID."),
		field("service_id", "string", "The service."),
		field("description", "string", "Its opening hours, in words."),
	}, links: map[string]string{"service_id": "service"}}
	capacity := hsdsTable{name: "service_capacity", description: "The places a service offers.", fields: []hsdsField{
		field("id", "string", "The service's global ID."),
		field("service_id", "string", "The service."),
		field("unit_id", "string", "places-per-month."),
		field("maximum", "number", "Places a month."),
		field("updated", "datetime", "When the service last changed."),
	}, links: map[string]string{"service_id": "service", "unit_id": "unit"}}
	unit := hsdsTable{name: "unit", description: "The unit of capacities.", fields: []hsdsField{
		field("id", "string", "The unit's identifier."),
		field("name", "string", "Its name."),
	}, rows: [][]any{{"places-per-month", "places per month"}}}
	terms := hsdsTable{name: "taxonomy_term", description: "Convene's service categories.", fields: []hsdsField{
		field("id", "string", "The category."),
		field("code", "string", "The category."),
		field("name", "string", "Its name."),
		field("description", "string", "What it covers."),
		field("taxonomy", "string", "The taxonomy: "+hsdsCategoryTaxonomy+"."),
	}}
	attr := hsdsTable{name: "attribute", description: "Each service's category.", fields: []hsdsField{
		field("id", "string", "The service's global ID."),
		field("link_id", "string", "The service."),
		field("taxonomy_term_id", "string", "Its category."),
		field("link_type", "string", "category."),
		field("link_entity", "string", "service."),
	}, links: map[string]string{"taxonomy_term_id": "taxonomy_term"}}
	contact := hsdsTable{name: "contact", description: "People to reach at a service (authenticated callers only).", fields: []hsdsField{
		field("id", "string", "The service's global ID and the contact's place in its list."),
		field("service_id", "string", "The service."),
		field("name", "string", "The person's name."),
		field("title", "string", "Their role."),
		field("email", "string", "Their e-mail address."),
	}, links: map[string]string{"service_id": "service"}}
	phone := hsdsTable{name: "phone", description: "Contacts' phone numbers (authenticated callers only).", fields: []hsdsField{
		field("id", "string", "The contact's id."),
		field("contact_id", "string", "The contact."),
		field("service_id", "string", "The service."),
		field("number", "string", "The phone number."),
	}, links: map[string]string{"contact_id": "contact", "service_id": "service"}}

	for _, c := range hub.AllServiceCategories {
		name := strings.ReplaceAll(strings.ToLower(string(c)), "_", " ")
		terms.rows = append(terms.rows, []any{string(c), string(c), name, "Services of the category " + name + ".", hsdsCategoryTaxonomy})
	}
	providers, places := map[string]bool{}, map[string]bool{}
	for _, s := range services {
		id := globalID(hub.TypeService, s.ID)
		providers[s.ProviderID] = true
		svc.rows = append(svc.rows, []any{id, gid(hub.TypeStakeholder, s.ProviderID), s.Name, s.Description, hsdsStatus[s.Status],
			optional(s.Eligibility.Description), intOrNil(s.Eligibility.MinAge), intOrNil(s.Eligibility.MaxAge), s.UpdatedAt})
		for _, cid := range s.CommunityIDs {
			c := hub.Communities.Get(m, cid)
			if c == nil {
				continue
			}
			places[cid] = true
			cg := globalID(hub.TypeCommunity, cid)
			sal.rows = append(sal.rows, []any{id + "/" + cg, id, cg})
			area.rows = append(area.rows, []any{id + "/" + cg, id, c.Name, optional(c.Area)})
		}
		for _, tag := range s.Languages {
			code, _, _ := strings.Cut(tag, "-")
			lang.rows = append(lang.rows, []any{id + "/" + tag, id, tag, strings.ToLower(code)})
		}
		if s.OpeningHours != "" {
			sched.rows = append(sched.rows, []any{id, id, s.OpeningHours})
		}
		if s.Capacity != nil {
			capacity.rows = append(capacity.rows, []any{id, id, "places-per-month", *s.Capacity, s.UpdatedAt})
		}
		attr.rows = append(attr.rows, []any{id, id, string(s.Category), "category", "service"})
		if private {
			for i, ct := range s.Contacts {
				cid := fmt.Sprintf("%s/%d", id, i+1)
				contact.rows = append(contact.rows, []any{cid, id, ct.Name, optional(ct.Title), optional(ct.Email)})
				if ct.Phone != "" {
					phone.rows = append(phone.rows, []any{cid, cid, id, ct.Phone})
				}
			}
		}
	}
	for _, id := range slices.Sorted(mapKeys(providers)) {
		if s := hub.Stakeholders.Get(m, id); s != nil {
			org.rows = append(org.rows, []any{globalID(hub.TypeStakeholder, id), s.Name, optional(s.Acronym), s.Description, optional(s.Website), gid(hub.TypeStakeholder, s.ParentID)})
		}
	}
	for _, id := range slices.Sorted(mapKeys(places)) {
		c := hub.Communities.Get(m, id)
		loc.rows = append(loc.rows, []any{globalID(hub.TypeCommunity, id), "physical", c.Name, optional(c.Area)})
	}
	return []hsdsTable{org, svc, loc, sal, area, lang, sched, capacity, unit, terms, attr, contact, phone}
}

func mapKeys(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func intOrNil(n *int) any {
	if n == nil {
		return nil
	}
	return *n
}

// dataPackage describes the tables as a Frictionless Tabular Data Package.
func dataPackage(tables []hsdsTable) map[string]any {
	var resources []any
	for _, t := range tables {
		var fks []hsdsForeignKey
		for _, f := range t.fields { // in field order, for a stable file
			if to, ok := t.links[f.Name]; ok {
				var fk hsdsForeignKey
				fk.Fields, fk.Reference.Resource, fk.Reference.Fields = f.Name, to, "id"
				fks = append(fks, fk)
			}
		}
		schema := map[string]any{"fields": t.fields, "primaryKey": "id"}
		if len(fks) > 0 {
			schema["foreignKeys"] = fks
		}
		resources = append(resources, map[string]any{
			"name": t.name, "path": t.name + ".csv", "profile": "tabular-data-resource", "format": "csv",
			"mediatype": "text/csv", "encoding": "utf-8", "description": t.description, "schema": schema,
		})
	}
	return map[string]any{
		"profile":     "tabular-data-package",
		"name":        "convene-service-directory",
		"title":       "Convene's service directory in HSDS 3.0 tabular form",
		"description": "The referral networks' services, after Open Referral's Human Services Data Specification 3.0.",
		"resources":   resources,
	}
}

// HSDSHandler serves the directory's tables and data package.
func HSDSHandler(src Source, o Options) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		viewer := auth.ViewerFrom(r.Context())
		if o.RequireToken && !viewer.Authenticated() {
			w.Header().Set("WWW-Authenticate", `Bearer realm="convene"`)
			http.Error(w, "this server requires an Authorization: Bearer token for every request", http.StatusUnauthorized)
			return
		}
		name := strings.TrimPrefix(r.URL.Path, HSDSPrefix)
		tables := hsdsTables(src.Model(), viewer)
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if name == "datapackage.json" {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			_ = enc.Encode(dataPackage(tables))
			return
		}
		base, ok := strings.CutSuffix(name, ".csv")
		i := slices.IndexFunc(tables, func(t hsdsTable) bool { return t.name == base })
		if !ok || i < 0 {
			var names []string
			for _, t := range tables {
				names = append(names, t.name)
			}
			http.Error(w, fmt.Sprintf("no such file %q: the directory is %sdatapackage.json and %s{%s}.csv", r.URL.Path, HSDSPrefix, HSDSPrefix, strings.Join(names, ",")), http.StatusNotFound)
			return
		}
		t := tables[i]
		w.Header().Set("Content-Type", "text/csv; charset=utf-8; header=present")
		w.Header().Set("Content-Disposition", `attachment; filename="`+t.name+`.csv"`)
		var cols []string
		for _, f := range t.fields {
			cols = append(cols, f.Name)
		}
		_ = write(r.Context(), w, "csv", false, table{columns: cols, len: len(t.rows), rows: func(yield func([]any) bool) {
			for _, row := range t.rows {
				if !yield(row) {
					return
				}
			}
		}})
	})
}

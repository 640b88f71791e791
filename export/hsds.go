package export

import (
	"encoding/json"
	"fmt"
	"maps"
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
	rows              table
}

// hsdsColumn is a field of an HSDS table of rows of T and how a row's
// value is got.
type hsdsColumn[T any] struct {
	hsdsField
	link  string // the table whose id the value is, if any
	value func(T) any
}

func col[T any](name, typ, description string, value func(T) any) hsdsColumn[T] {
	return hsdsColumn[T]{hsdsField: hsdsField{name, typ, description}, value: value}
}

// to says the column holds the id of a row of another table.
func (c hsdsColumn[T]) to(table string) hsdsColumn[T] {
	c.link = table
	return c
}

// newHSDSTable lays out items under columns, one row each.
func newHSDSTable[T any](name, description string, items []T, columns ...hsdsColumn[T]) hsdsTable {
	t := hsdsTable{name: name, description: description, links: map[string]string{}}
	values := make([]column[T], len(columns))
	for i, c := range columns {
		t.fields = append(t.fields, c.hsdsField)
		if c.link != "" {
			t.links[c.Name] = c.link
		}
		values[i] = column[T]{c.Name, c.value}
	}
	t.rows = rowsTable(items, values)
	return t
}

// hsdsCategoryTaxonomy names Convene's service categories as a taxonomy.
const hsdsCategoryTaxonomy = "Convene service categories"

// hsdsStatus maps a service's status to HSDS's.
var hsdsStatus = map[hub.ServiceStatus]string{hub.ServiceActive: "active", hub.ServicePaused: "temporarily closed", hub.ServiceClosed: "defunct"}

// The rows of the tables that pair a service with one of its parts.
type (
	servicePlace struct {
		service, community string // global IDs
		c                  *hub.Community
	}
	serviceLanguage struct{ service, tag string }
	serviceContact  struct {
		id, service string
		hub.Contact
	}
)

// hsdsTables builds every table for the viewer.
func hsdsTables(m *hub.ReadModel, v hub.Viewer) []hsdsTable {
	services := m.Services(hub.ServiceFilter{})
	var (
		inPlaces              []servicePlace
		languages             []serviceLanguage
		scheduled, capacities []*hub.Service
		contacts, phones      []serviceContact
	)
	providers, places := map[string]bool{}, map[string]bool{}
	private := v.SeesField(hub.TypeService, "contacts")
	for _, s := range services {
		id := globalID(hub.TypeService, s.ID)
		providers[s.ProviderID] = true
		for _, cid := range s.CommunityIDs {
			if c := hub.Communities.Get(m, cid); c != nil {
				places[cid] = true
				inPlaces = append(inPlaces, servicePlace{id, globalID(hub.TypeCommunity, cid), c})
			}
		}
		for _, tag := range s.Languages {
			languages = append(languages, serviceLanguage{id, tag})
		}
		if s.OpeningHours != "" {
			scheduled = append(scheduled, s)
		}
		if s.Capacity != nil {
			capacities = append(capacities, s)
		}
		if private {
			for i, ct := range s.Contacts {
				c := serviceContact{fmt.Sprintf("%s/%d", id, i+1), id, ct}
				contacts = append(contacts, c)
				if ct.Phone != "" {
					phones = append(phones, c)
				}
			}
		}
	}
	var orgs []*hub.Stakeholder
	for _, id := range slices.Sorted(maps.Keys(providers)) {
		if s := hub.Stakeholders.Get(m, id); s != nil {
			orgs = append(orgs, s)
		}
	}
	var locs []*hub.Community
	for _, id := range slices.Sorted(maps.Keys(places)) {
		locs = append(locs, hub.Communities.Get(m, id))
	}
	serviceID := func(s *hub.Service) any { return globalID(hub.TypeService, s.ID) }
	categoryName := func(c hub.ServiceCategory) string { return strings.ReplaceAll(strings.ToLower(string(c)), "_", " ") }

	return []hsdsTable{
		newHSDSTable("organization", "The stakeholders that provide services.", orgs,
			col("id", "string", "The stakeholder's global ID.", func(s *hub.Stakeholder) any { return globalID(hub.TypeStakeholder, s.ID) }),
			col("name", "string", "The stakeholder's name.", func(s *hub.Stakeholder) any { return s.Name }),
			col("alternate_name", "string", "Its acronym.", func(s *hub.Stakeholder) any { return optional(s.Acronym) }),
			col("description", "string", "What it does.", func(s *hub.Stakeholder) any { return s.Description }),
			col("website", "string", "Its website.", func(s *hub.Stakeholder) any { return optional(s.Website) }),
			col("parent_organization_id", "string", "The stakeholder it belongs to.", func(s *hub.Stakeholder) any { return gid(hub.TypeStakeholder, s.ParentID) })),
		newHSDSTable("service", "What providers offer young people.", services,
			col("id", "string", "The service's global ID.", serviceID),
			col("organization_id", "string", "The provider.", func(s *hub.Service) any { return gid(hub.TypeStakeholder, s.ProviderID) }).to("organization"),
			col("name", "string", "Its name.", func(s *hub.Service) any { return s.Name }),
			col("description", "string", "What it offers.", func(s *hub.Service) any { return s.Description }),
			col("status", "string", "active, temporarily closed (PAUSED) or defunct (CLOSED).", func(s *hub.Service) any { return hsdsStatus[s.Status] }),
			col("eligibility_description", "string", "Who it is for, in words.", func(s *hub.Service) any { return optional(s.Eligibility.Description) }),
			col("minimum_age", "number", "The youngest age it admits.", func(s *hub.Service) any { return intOrNil(s.Eligibility.MinAge) }),
			col("maximum_age", "number", "The oldest age it admits.", func(s *hub.Service) any { return intOrNil(s.Eligibility.MaxAge) }),
			col("last_modified", "datetime", "When it last changed.", func(s *hub.Service) any { return s.UpdatedAt })),
		newHSDSTable("location", "The communities services are offered in.", locs,
			col("id", "string", "The community's global ID.", func(c *hub.Community) any { return globalID(hub.TypeCommunity, c.ID) }),
			col("location_type", "string", "physical.", func(*hub.Community) any { return "physical" }),
			col("name", "string", "The community's name.", func(c *hub.Community) any { return c.Name }),
			col("description", "string", "The area it is in.", func(c *hub.Community) any { return optional(c.Area) })),
		newHSDSTable("service_at_location", "Each service in each community it serves.", inPlaces,
			col("id", "string", "The service's and the community's global IDs.", func(p servicePlace) any { return p.service + "/" + p.community }),
			col("service_id", "string", "The service.", func(p servicePlace) any { return p.service }).to("service"),
			col("location_id", "string", "The community.", func(p servicePlace) any { return p.community }).to("location")),
		newHSDSTable("service_area", "The communities a service is available to.", inPlaces,
			col("id", "string", "The service's and the community's global IDs.", func(p servicePlace) any { return p.service + "/" + p.community }),
			col("service_id", "string", "The service.", func(p servicePlace) any { return p.service }).to("service"),
			col("name", "string", "The community's name.", func(p servicePlace) any { return p.c.Name }),
			col("description", "string", "The area it is in.", func(p servicePlace) any { return optional(p.c.Area) })),
		newHSDSTable("language", "The languages a service is delivered in.", languages,
			col("id", "string", "The service's global ID and the language.", func(l serviceLanguage) any { return l.service + "/" + l.tag }),
			col("service_id", "string", "The service.", func(l serviceLanguage) any { return l.service }).to("service"),
			col("name", "string", "The language, as the BCP 47 tag recorded.", func(l serviceLanguage) any { return l.tag }),
			col("code", "string", "Its ISO 639 code.", func(l serviceLanguage) any { code, _, _ := strings.Cut(l.tag, "-"); return strings.ToLower(code) })),
		newHSDSTable("schedule", "When a service is open.", scheduled,
			col("id", "string", "The service's global ID.", serviceID),
			col("service_id", "string", "The service.", serviceID).to("service"),
			col("description", "string", "Its opening hours, in words.", func(s *hub.Service) any { return s.OpeningHours })),
		newHSDSTable("service_capacity", "The places a service offers.", capacities,
			col("id", "string", "The service's global ID.", serviceID),
			col("service_id", "string", "The service.", serviceID).to("service"),
			col("unit_id", "string", "places-per-month.", func(*hub.Service) any { return hsdsCapacityUnit }).to("unit"),
			col("maximum", "number", "Places a month.", func(s *hub.Service) any { return *s.Capacity }),
			col("updated", "datetime", "When the service last changed.", func(s *hub.Service) any { return s.UpdatedAt })),
		newHSDSTable("unit", "The unit of capacities.", []string{hsdsCapacityUnit},
			col("id", "string", "The unit's identifier.", func(u string) any { return u }),
			col("name", "string", "Its name.", func(u string) any { return strings.ReplaceAll(u, "-", " ") })),
		newHSDSTable("taxonomy_term", "Convene's service categories.", hub.AllServiceCategories,
			col("id", "string", "The category.", func(c hub.ServiceCategory) any { return string(c) }),
			col("code", "string", "The category.", func(c hub.ServiceCategory) any { return string(c) }),
			col("name", "string", "Its name.", func(c hub.ServiceCategory) any { return categoryName(c) }),
			col("description", "string", "What it covers.", func(c hub.ServiceCategory) any { return "Services of the category " + categoryName(c) + "." }),
			col("taxonomy", "string", "The taxonomy: "+hsdsCategoryTaxonomy+".", func(hub.ServiceCategory) any { return hsdsCategoryTaxonomy })),
		newHSDSTable("attribute", "Each service's category.", services,
			col("id", "string", "The service's global ID.", serviceID),
			col("link_id", "string", "The service.", serviceID),
			col("taxonomy_term_id", "string", "Its category.", func(s *hub.Service) any { return string(s.Category) }).to("taxonomy_term"),
			col("link_type", "string", "category.", func(*hub.Service) any { return "category" }),
			col("link_entity", "string", "service.", func(*hub.Service) any { return "service" })),
		newHSDSTable("contact", "People to reach at a service (authenticated callers only).", contacts,
			col("id", "string", "The service's global ID and the contact's place in its list.", func(c serviceContact) any { return c.id }),
			col("service_id", "string", "The service.", func(c serviceContact) any { return c.service }).to("service"),
			col("name", "string", "The person's name.", func(c serviceContact) any { return c.Name }),
			col("title", "string", "Their role.", func(c serviceContact) any { return optional(c.Title) }),
			col("email", "string", "Their e-mail address.", func(c serviceContact) any { return optional(c.Email) })),
		newHSDSTable("phone", "Contacts' phone numbers (authenticated callers only).", phones,
			col("id", "string", "The contact's id.", func(c serviceContact) any { return c.id }),
			col("contact_id", "string", "The contact.", func(c serviceContact) any { return c.id }).to("contact"),
			col("service_id", "string", "The service.", func(c serviceContact) any { return c.service }).to("service"),
			col("number", "string", "The phone number.", func(c serviceContact) any { return c.Phone })),
	}
}

// hsdsCapacityUnit is the one unit of service capacities.
const hsdsCapacityUnit = "places-per-month"

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
		_ = write(r.Context(), w, "csv", false, t.rows)
	})
}

package app

import (
	"regexp"
	"testing"

	"convene/hub"
)

// TestReferralSchemaHoldsNoPersonalData reads the served schema by
// introspection: no field of a Referral, and no field of the inputs that
// make or move one, is free text (a String, or any scalar but IDs,
// numbers, booleans and dates) or is named for personal data. Reason
// codes are enums. The same check finds Contact's fields, which are
// personal data, so it is not one that cannot fail.
func TestReferralSchemaHoldsNoPersonalData(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	personal := regexp.MustCompile(`(?i)name|contact|address|birth|note|comment|phone|email|text|detail|description`)
	allowed := map[string]bool{"ID": true, "Int": true, "Boolean": true, "Date": true, "DateTime": true}
	findings := func(typeName string) []string {
		var out struct {
			Type *struct {
				Fields, InputFields []struct {
					Name string
					Type struct {
						Kind, Name string
						OfType     *struct {
							Kind, Name string
							OfType     *struct {
								Kind, Name string
								OfType     *struct{ Kind, Name string }
							}
						}
					}
				}
			}
		}
		s.query(`query($t: String!) { type: __type(name: $t) {
			fields { name type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }
			inputFields { name type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }`,
			map[string]any{"t": typeName}, &out)
		if out.Type == nil {
			t.Fatalf("no type %s", typeName)
		}
		var found []string
		for _, f := range append(out.Type.Fields, out.Type.InputFields...) {
			kind, name := f.Type.Kind, f.Type.Name
			if o := f.Type.OfType; o != nil { // unwrap NON_NULL and LIST, three deep
				kind, name = o.Kind, o.Name
				if o.OfType != nil {
					kind, name = o.OfType.Kind, o.OfType.Name
					if o.OfType.OfType != nil {
						kind, name = o.OfType.OfType.Kind, o.OfType.OfType.Name
					}
				}
			}
			switch {
			case personal.MatchString(f.Name):
				found = append(found, typeName+"."+f.Name+": named for personal data")
			case kind == "SCALAR" && !allowed[name]:
				found = append(found, typeName+"."+f.Name+": free text ("+name+")")
			}
		}
		return found
	}
	for _, typ := range []string{"Referral", "MakeReferralInput", "UpdateReferralStatusInput", "ReferralFilter"} {
		for _, f := range findings(typ) {
			t.Error(f)
		}
	}
	if got := findings("Contact"); len(got) != 4 {
		t.Errorf("the check finds %v in Contact, want its four fields", got)
	}
}

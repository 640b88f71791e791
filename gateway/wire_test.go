package gateway

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// encodeResponse must write what json.Marshal writes for the same
// response: the same bytes, or an error where json.Marshal fails.
func checkEncoding(t *testing.T, resp *graphql.Response) {
	t.Helper()
	want, wantErr := json.Marshal(wireResponse{Errors: resp.Errors, Data: resp.Data, Extensions: resp.Extensions})
	got, err := encodeResponse(resp)
	if (err != nil) != (wantErr != nil) || !bytes.Equal(got, want) {
		t.Fatalf("data %q:\n got %s (%v)\nwant %s (%v)", resp.Data, got, err, want, wantErr)
	}
}

var wireSamples = []string{
	``, `null`, `{}`, `{"a":1}`, ` { "a" : [ 1 , 2 ] , "b" : "x y" } `, "{\n\t\"a\":\r\n\"<b>&amp;</b>\"}",
	`{"s":"\u2028 \u2029 \"quoted\" \\ back\\\"slash"}`, "{\"s\":\"raw \xe2\x80\xa8 and \xe2\x80\xa9 and \xe2\x80\xaa\"}",
	`{"s":"é ü 中 😀 \\u00e9"}`, `{"a":"\\\\"}`, `{"a":"\\\\\""}`, `[true,false,null,-1.5e+10,0]`,
	`{"unterminated":"abc`, `{"a":"\\`, `{"a":1,}`, `not json`, `{"a":"<"} trailing`, `"\xff\xfe"`,
}

func TestEncodeResponseIsJSONMarshal(t *testing.T) {
	exts := []map[string]any{nil, {}, {"cost": map[string]any{"requestedQueryCost": 3, "maximum": 1000}, "a<b": "x&y"},
		{"cost": map[string]any{"requestedQueryCost": 3, "maximum": -1}}, {"b": 1, "a": map[string]any{}, "c_2": map[string]any{"z": 0, "y": map[string]any{"x": 7}}},
		{"cost": map[string]any{"requestedQueryCost": int64(3)}}, {"é": 1}, {"": 1}, {"a": 1.5},
		{"cost": costExtension{requested: 3, maximum: 1000}}, {"cost": costExtension{requested: 12, maximum: 0}, "a<b": "x&y"}}
	errs := []gqlerror.List{nil, {}, {{Message: "bad <input> & \u2028", Extensions: map[string]any{"code": "BAD_USER_INPUT"}}, {Message: "two"}}}
	for _, data := range wireSamples {
		for _, ext := range exts {
			for _, e := range errs {
				checkEncoding(t, &graphql.Response{Data: []byte(data), Errors: e, Extensions: ext})
			}
		}
	}
	// Random JSON with white space, escapes and the characters json.Marshal
	// escapes, in and out of strings.
	rng := rand.New(rand.NewPCG(3, 4))
	pieces := []string{`"`, `\\`, `\"`, `\n`, " ", "\t", "\n", "<", ">", "&", "\xe2\x80\xa8", "\xe2\x80\xa9", "\xe2\x82\xac", "é", "a", "1", ",", ":", "{", "}", "[", "]", "null"}
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(30) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		checkEncoding(t, &graphql.Response{Data: []byte(b.String()), Extensions: exts[2]})
		var v any
		if json.Unmarshal([]byte(`{"s":"`+b.String()+`"}`), &v) == nil {
			checkEncoding(t, &graphql.Response{Data: []byte(`{"s":"` + b.String() + `"}`)})
		}
	}
}

func FuzzEncodeResponse(f *testing.F) {
	for _, s := range wireSamples {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkEncoding(t, &graphql.Response{Data: data, Extensions: map[string]any{"cost": 1}})
	})
}

package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// The fast decoder must give what encoding/json gives: decodeBody and
// decodeObject compared with encoding/json's own decoding of the same
// bytes.

// slowObject is decodeObject with a json.Decoder alone.
func slowObject(raw []byte) (map[string]any, error) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || t[0] != '{' {
		return nil, errors.New("not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(t))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after the object")
	}
	return m, nil
}

func checkDecoding(t *testing.T, body []byte) {
	t.Helper()
	var all map[string]json.RawMessage
	if json.Unmarshal(body, &all) == nil {
		fields, ok := requestFields(body)
		for i, name := range requestFieldNames {
			if ok && !bytes.Equal(fields[i], all[name]) {
				t.Fatalf("%q: %s is %q, encoding/json says %q", body, name, fields[i], all[name])
			}
		}
	} else if _, ok := requestFields(body); ok {
		t.Fatalf("%q: taken, but encoding/json refuses it", body)
	}
	want, wantErr := slowObject(body)
	got, err := decodeObject(body)
	if (err == nil) != (wantErr == nil) || !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: got %#v (%v), want %#v (%v)", body, got, err, want, wantErr)
	}
}

var decodeSamples = []string{
	`{}`, ` {"query":"{ a }"} `, `{"query":"q","variables":{"id":"x","n":1,"f":-1.5e3,"l":[1,"a",null,true,false,{}],"o":{"a":[]}},"operationName":null}`,
	`{"query":"a","query":"b"}`, `{"qu\u0065ry":"a"}`, `{"query":"caf\u00e9"}`, `{"query":"café"}`, "{\"query\":\"\xff\"}",
	`{"variables":{"a":1}} x`, `{"variables":{"a":01}}`, `{"variables":{"a":1,}}`, `[{"query":"a"}]`, `null`, `"s"`, ``,
	`{"a":{"b":{"c":{"d":[[[[1]]]]}}}}`, `{"variables":{"a":"x","a":"y"}}`, "{\"v\":\"tab\tin\"}", `{"v":tru}`, `{"v":-}`,
	`{"v":1e}`, `{"v":1.}`, `{"v":-0.0e-0}`, `{"v":"\u2028"}`, `{ "a" : [ 1 , 2 ] }`,
}

func TestFastDecodingIsEncodingJSON(t *testing.T) {
	for _, s := range decodeSamples {
		checkDecoding(t, []byte(s))
	}
}

func FuzzFastDecoding(f *testing.F) {
	for _, s := range decodeSamples {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkDecoding(t, body) })
}

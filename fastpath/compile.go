package fastpath

import (
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// A plan is compiled from an operation's selections, as gqlgen's
// executor would collect them for the values of the variables that
// @skip and @include read (graphql.CollectFields itself does the
// collecting, so merging, fragment conditions and the order of fields are
// gqlgen's). What a plan cannot run, it refuses when it is compiled.

// emit writes one value of type T.
type emit[T any] func(w *writer, v T)

// fieldSpec compiles a field of an object of type T; false when the plan
// cannot run it (an argument it does not know, a selection it cannot
// write).
type fieldSpec[T any] func(c *compiler, f *graphql.CollectedField) (emit[T], bool)

// object is what the fast path knows of an object type: the fields it
// can write, by name.
type object[T any] struct {
	name   string
	fields map[string]fieldSpec[T]
}

// compiler compiles the selections of one operation.
type compiler struct {
	opCtx  *graphql.OperationContext
	schema *ast.Schema
}

// satisfies lists the type conditions that fragments on an object of the
// named type match: the type and its interfaces, as gqlgen's
// …Implementors lists do.
func (c *compiler) satisfies(name string) []string {
	out := []string{name}
	if def := c.schema.Types[name]; def != nil {
		out = append(out, def.Interfaces...)
	}
	return out
}

type part[T any] struct {
	key  string // `"alias":`, after a comma unless first
	emit emit[T]
}

// compile compiles a selection set on an object of type o.
func (o *object[T]) compile(c *compiler, sel ast.SelectionSet) (emit[T], bool) {
	fields := graphql.CollectFields(c.opCtx, sel, c.satisfies(o.name))
	parts := make([]part[T], 0, len(fields))
	written := map[string]bool{}
	for i := range fields {
		f := &fields[i]
		if written[f.Alias] {
			continue // gqlgen writes the first of the fields with one response name
		}
		written[f.Alias] = true
		if !c.plainDirectives(f.Field) {
			return nil, false
		}
		var e emit[T]
		if f.Name == "__typename" {
			name := o.name
			e = func(w *writer, _ T) { w.str(name) }
		} else {
			spec := o.fields[f.Name]
			if spec == nil {
				return nil, false
			}
			var ok bool
			if e, ok = spec(c, f); !ok {
				return nil, false
			}
		}
		key := string(appendQuoted(nil, f.Alias)) + ":"
		if len(parts) > 0 {
			key = "," + key
		}
		parts = append(parts, part[T]{key: key, emit: e})
	}
	return func(w *writer, v T) {
		w.buf = append(w.buf, '{')
		for _, p := range parts {
			w.raw(p.key)
			p.emit(w, v)
			if w.failed {
				return
			}
		}
		w.buf = append(w.buf, '}')
	}, true
}

// plainDirectives reports whether a field carries no directive but @skip
// and @include, which CollectFields has applied.
func (c *compiler) plainDirectives(f *ast.Field) bool {
	for _, d := range f.Directives {
		if d.Name != "skip" && d.Name != "include" {
			return false
		}
	}
	return true
}

// ------------------------------------------------------------ field kinds

// leaf compiles a field without selections or arguments into write.
func leaf[T any](write emit[T]) fieldSpec[T] {
	return func(c *compiler, f *graphql.CollectedField) (emit[T], bool) {
		return write, noArgs(f)
	}
}

func str[T any](get func(T) string) fieldSpec[T] {
	return leaf(func(w *writer, v T) { w.str(get(v)) })
}

func enum[T any, E ~string](get func(T) E) fieldSpec[T] {
	return leaf(func(w *writer, v T) { w.str(string(get(v))) })
}

// optStr is a nullable String held as a pointer (nil: null).
func optStr[T any](get getter[T, *string]) fieldSpec[T] {
	return leaf(func(w *writer, v T) {
		s, err := get(w, v)
		switch {
		case err != nil:
			w.fail()
		case s == nil:
			w.null()
		default:
			w.str(*s)
		}
	})
}

func integer[T any](get func(T) int) fieldSpec[T] {
	return leaf(func(w *writer, v T) { w.integer(get(v)) })
}

func float[T any](get func(T) float64) fieldSpec[T] {
	return leaf(func(w *writer, v T) { w.float(get(v)) })
}

// optFloat is a nullable Float held as a pointer (nil: null).
func optFloat[T any](get func(T) *float64) fieldSpec[T] {
	return leaf(func(w *writer, v T) {
		if f := get(v); f == nil {
			w.null()
		} else {
			w.float(*f)
		}
	})
}

func boolean[T any](get getter[T, bool]) fieldSpec[T] {
	return leaf(func(w *writer, v T) {
		b, err := get(w, v)
		if err != nil {
			w.fail()
		}
		w.boolean(b)
	})
}

// getter gets a field's value: from the object itself, or from a
// resolver (whose error abandons the plan).
type getter[T, U any] func(w *writer, v T) (U, error)

// of is the getter of a value the object holds.
func of[T, U any](get func(T) U) getter[T, U] {
	return func(_ *writer, v T) (U, error) { return get(v), nil }
}

// one is an object field: nil is null, or an error when the field is
// non-null.
func one[T, U any](get getter[T, U], o *object[U], nonNull bool, isNil func(U) bool) fieldSpec[T] {
	return func(c *compiler, f *graphql.CollectedField) (emit[T], bool) {
		if !noArgs(f) {
			return nil, false
		}
		sub, ok := o.compile(c, f.Selections)
		if !ok {
			return nil, false
		}
		return func(w *writer, v T) {
			u, err := get(w, v)
			writeObject(w, u, err, nonNull, isNil, sub)
		}, true
	}
}

// ptr is the nil test of pointers, for one.
func ptr[U any](u *U) bool { return u == nil }

// never is the nil test of values, for one.
func never[U any](U) bool { return false }

// list is a non-null list of non-null objects; a nil item is an error.
func list[T, U any](get getter[T, []U], o *object[U], isNil func(U) bool) fieldSpec[T] {
	return func(c *compiler, f *graphql.CollectedField) (emit[T], bool) {
		if !noArgs(f) {
			return nil, false
		}
		sub, ok := o.compile(c, f.Selections)
		if !ok {
			return nil, false
		}
		return func(w *writer, v T) {
			items, err := get(w, v)
			if err != nil {
				w.fail()
			}
			writeList(w, items, sub, isNil)
		}, true
	}
}

func writeList[U any](w *writer, items []U, sub emit[U], isNil func(U) bool) {
	if w.failed {
		return
	}
	w.buf = append(w.buf, '[')
	for i, u := range items {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		if isNil(u) {
			w.fail()
		}
		if w.failed {
			return
		}
		sub(w, u)
	}
	w.buf = append(w.buf, ']')
}

// noArgs reports whether a field has no arguments in the schema (a field
// that gains some must be taught to the plan).
func noArgs(f *graphql.CollectedField) bool {
	return f.Definition != nil && len(f.Definition.Arguments) == 0
}

// writeObject writes a resolved object: gqlgen's answer for an error or a
// null in a non-null field is an error, so the plan gives up on both.
func writeObject[U any](w *writer, u U, err error, nonNull bool, isNil func(U) bool, sub emit[U]) {
	switch {
	case err != nil:
		w.fail()
	case isNil(u) && nonNull:
		w.fail()
	case isNil(u):
		w.null()
	default:
		sub(w, u)
	}
}

package gateway

import (
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"
)

// coerceVariables is validator.VariableValues, without the copy of the
// variables that it makes where the copy equals them: when vars holds
// exactly the operation's variables, each one a String, ID, Boolean, enum
// or custom scalar (not a list) given as a string, a boolean for a
// Boolean, or null where it may be. Those VariableValues keeps as they
// are; every other case is its own.
func coerceVariables(schema *ast.Schema, op *ast.OperationDefinition, vars map[string]any) (map[string]any, error) {
	if len(vars) == len(op.VariableDefinitions) && plainVariables(schema, op, vars) {
		return vars, nil
	}
	return validator.VariableValues(schema, op, vars)
}

func plainVariables(schema *ast.Schema, op *ast.OperationDefinition, vars map[string]any) bool {
	for _, v := range op.VariableDefinitions {
		val, ok := vars[v.Variable]
		if !ok || v.Type.Elem != nil {
			return false
		}
		switch val := val.(type) {
		case nil:
			if v.Type.NonNull {
				return false
			}
		case bool:
			if v.Type.NamedType != "Boolean" {
				return false
			}
		case string:
			if !plainString(schema.Types[v.Type.NamedType], val) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// plainString reports whether VariableValues keeps s, given for a
// variable of type def, as it is.
func plainString(def *ast.Definition, s string) bool {
	switch {
	case def == nil:
		return false
	case def.Kind == ast.Enum:
		for _, e := range def.EnumValues {
			if strings.EqualFold(s, e.Name) {
				return true
			}
		}
		return false
	case def.Kind != ast.Scalar:
		return false
	}
	switch def.Name {
	case "Int", "Float", "Boolean":
		return false // parsed, or refused
	}
	return true // String, ID, and custom scalars, which it takes as they are
}

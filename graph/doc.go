// Package graph is gqlgen's executable schema for schema.graphqls. The
// other files here are generated: edit the schema or gqlgen.yml and run
// `go generate ./...` at the repository root.
package graph

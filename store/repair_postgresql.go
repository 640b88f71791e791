package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// repairPostgreSQL undoes the half-made creations (repair) in every
// FerretDB database (a schema with FerretDB's metadata table) of the
// PostgreSQL database at pgURL. It runs with Convene's lock held, before
// FerretDB starts.
func repairPostgreSQL(pgURL string, logger *slog.Logger) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		return fmt.Errorf("reaching PostgreSQL at %s: %w", redactPG(pgURL), err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT table_schema FROM information_schema.tables WHERE table_name = '_ferretdb_database_metadata'`)
	if err != nil {
		return err
	}
	schemas, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, schema := range schemas {
		c, err := postgresqlCatalog(ctx, conn, schema)
		if err != nil {
			return fmt.Errorf("reading the collections of %s in %s: %w", schema, redactPG(pgURL), err)
		}
		where := redactPG(pgURL) + " (schema " + schema + ")"
		if err := repair(pgRepairer{ctx, conn, schema}, c, where, logger); err != nil {
			return err
		}
	}
	return nil
}

// postgresqlCatalog reads FerretDB's metadata of schema (each collection
// a JSON document whose indexes carry their PostgreSQL names) and the
// schema's tables and indexes.
func postgresqlCatalog(ctx context.Context, conn *pgx.Conn, schema string) (catalog, error) {
	var c catalog
	rows, err := conn.Query(ctx, fmt.Sprintf(`SELECT _jsonb->>'_id', _jsonb->>'table',
		coalesce(ARRAY(SELECT i->>'pgindex' FROM jsonb_array_elements(_jsonb->'indexes') i), '{}'),
		coalesce(ARRAY(SELECT i->>'name' FROM jsonb_array_elements(_jsonb->'indexes') i), '{}')
		FROM %s`, pgx.Identifier{schema, "_ferretdb_database_metadata"}.Sanitize()))
	if err != nil {
		return c, err
	}
	for rows.Next() {
		var coll ferretCollection
		var names []string
		if err := rows.Scan(&coll.name, &coll.table, &coll.indexes, &names); err != nil {
			rows.Close()
			return c, err
		}
		for _, n := range names {
			coll.hasID = coll.hasID || n == "_id_"
		}
		c.collections = append(c.collections, coll)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return c, err
	}
	rows, err = conn.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename NOT LIKE '\_ferretdb\_%'`, schema)
	if err != nil {
		return c, err
	}
	if c.tables, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return c, err
	}
	rows, err = conn.Query(ctx, `SELECT indexname, tablename FROM pg_indexes WHERE schemaname = $1 AND tablename NOT LIKE '\_ferretdb\_%'`, schema)
	if err != nil {
		return c, err
	}
	c.indexes, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) ([2]string, error) {
		var ix [2]string
		err := r.Scan(&ix[0], &ix[1])
		return ix, err
	})
	return c, err
}

type pgRepairer struct {
	ctx    context.Context
	conn   *pgx.Conn
	schema string
}

func (r pgRepairer) name(object string) string { return pgx.Identifier{r.schema, object}.Sanitize() }

func (r pgRepairer) isEmpty(table string) (bool, error) {
	var one int
	err := r.conn.QueryRow(r.ctx, `SELECT 1 FROM `+r.name(table)+` LIMIT 1`).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return true, nil
	}
	return false, err
}

func (r pgRepairer) dropTable(table string) error {
	_, err := r.conn.Exec(r.ctx, `DROP TABLE `+r.name(table))
	return err
}

func (r pgRepairer) dropIndex(index string) error {
	_, err := r.conn.Exec(r.ctx, `DROP INDEX `+r.name(index))
	return err
}

func (r pgRepairer) removeCollection(c ferretCollection) error {
	if _, err := r.conn.Exec(r.ctx, `DELETE FROM `+r.name("_ferretdb_database_metadata")+` WHERE _jsonb->>'table' = $1`, c.table); err != nil {
		return err
	}
	return r.dropTable(c.table)
}

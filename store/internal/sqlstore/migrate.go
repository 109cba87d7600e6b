package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// ErrSchemaNewer reports a database migrated by a newer Palisade than the
// running one; starting would risk misreading its data.
var ErrSchemaNewer = errors.New("database schema is newer than this program")

// Migration is one versioned schema change, from a file named
// "NNNN_name.sql".
type Migration struct {
	Version int
	Name    string
	SQL     string
}

var migrationName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

// LoadMigrations reads every "NNNN_name.sql" file in dir of fsys, sorted by
// version. Versions must start at 1 and have no gaps or repeats, so a
// missing file is caught at build time by the tests, not in production.
func LoadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			return nil, fmt.Errorf("migration file %q: want NNNN_name.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		out = append(out, Migration{Version: v, Name: m[2], SQL: string(b)})
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %04d_%s: want version %d (versions start at 1 without gaps)", m.Version, m.Name, i+1)
		}
	}
	return out, nil
}

// Migrate brings the schema up to date inside the caller's transaction
// (which must keep other starting processes out: BEGIN IMMEDIATE on
// SQLite, an advisory transaction lock on PostgreSQL). It creates the
// schema_migrations table, refuses a database newer than ms, and applies
// the missing migrations in order, recording each.
func Migrate(ctx context.Context, conn Conn, d *Dialect, ms []Migration) (applied int, err error) {
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at BIGINT NOT NULL)`); err != nil {
		return 0, fmt.Errorf("create schema_migrations: %w", err)
	}
	rows, err := conn.Query(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	var current int
	if rows.Next() {
		err = rows.Scan(&current)
	}
	rows.Close()
	if err == nil {
		err = rows.Err()
	}
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if current > len(ms) {
		return 0, fmt.Errorf("database is at version %d, this program knows %d: %w", current, len(ms), ErrSchemaNewer)
	}
	for _, m := range ms[current:] {
		if _, err := conn.Exec(ctx, m.SQL); err != nil {
			return applied, fmt.Errorf("apply migration %04d_%s: %w", m.Version, m.Name, err)
		}
		a := &args{d: d}
		sql := "INSERT INTO schema_migrations (version, name, applied_at) VALUES (" + a.add(m.Version) + ", " + a.add(m.Name) + ", " +
			a.add(time.Now().UTC().UnixMicro()) + ")"
		if _, err := conn.Exec(ctx, sql, a.vals...); err != nil {
			return applied, fmt.Errorf("record migration %04d_%s: %w", m.Version, m.Name, err)
		}
		applied++
	}
	return applied, nil
}

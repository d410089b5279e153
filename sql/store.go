package sql

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/duckdb/duckdb-go/v2"
)

// Open opens (creating if needed) the DuckDB file at dbPath and brings its schema up to
// date. A file whose schema is newer than this binary knows is refused, so that an old
// binary never writes into a layout it does not understand.
func Open(ctx context.Context, dbPath string) (*sql.DB, error) {
	return openMigrated(ctx, dbPath, openOptions{limit: DefaultMemoryLimit})
}

// OpenForImport opens dbPath as Open does, for a process that only imports files:
// DuckDB's memory limit is ImportMemoryLimit unless ALERTLENS_MEMORY_LIMIT sets one.
func OpenForImport(ctx context.Context, dbPath string) (*sql.DB, error) {
	return openMigrated(ctx, dbPath, openOptions{limit: ImportMemoryLimit})
}

// OpenForSync opens dbPath as Open does, for a process that only runs a collector ('alertlens
// sync' without a server): DuckDB's memory limit is SyncMemoryLimit unless
// ALERTLENS_MEMORY_LIMIT sets one. The schema's migrations, which can rewrite a whole
// table, run at the default limit first.
func OpenForSync(ctx context.Context, dbPath string) (*sql.DB, error) {
	db, err := Open(ctx, dbPath)
	if err != nil {
		return nil, err
	}
	if limit, chosen := memoryLimit(SyncMemoryLimit); !chosen {
		if _, err := db.ExecContext(ctx, "set memory_limit = "+quote(limit)); err != nil {
			db.Close()
			return nil, fmt.Errorf("%s: %w", dbPath, err)
		}
	}
	return db, nil
}

func openMigrated(ctx context.Context, dbPath string, opts openOptions) (*sql.DB, error) {
	db, err := open(dbPath, opts)
	if err != nil {
		return nil, err
	}
	if err := Migrate(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", dbPath, err)
	}
	return db, nil
}

// OpenReadOnly opens an existing database file for queries only, with access to other
// files and the network turned off (an ad-hoc query could otherwise read or write any
// file with read_csv or COPY). It checks that the schema is one this binary knows but
// never migrates.
func OpenReadOnly(ctx context.Context, dbPath string) (*sql.DB, error) {
	db, err := open(dbPath, openOptions{limit: DefaultMemoryLimit, readOnly: true})
	if err != nil {
		return nil, err
	}
	applied, err := appliedVersion(ctx, db)
	if err == nil {
		err = checkVersion(applied)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", dbPath, err)
	}
	return db, nil
}

// LockDown turns off DuckDB's access to other files and the network for the rest of
// db's life, but for the folders in allowed. A server that answers ad-hoc queries
// calls it: what it does itself needs no files beside its database, but for the
// imports it spools to a folder of its own.
func LockDown(ctx context.Context, db *sql.DB, allowed ...string) error {
	if len(allowed) > 0 {
		var dirs []string
		for _, d := range allowed {
			dirs = append(dirs, "'"+strings.ReplaceAll(strings.TrimSuffix(d, "/")+"/", "'", "''")+"'")
		}
		// only while external access is on can the folders be set
		if _, err := db.ExecContext(ctx, "set allowed_directories = ["+strings.Join(dirs, ", ")+"]"); err != nil {
			return fmt.Errorf("allow %v: %w", allowed, err)
		}
	}
	if _, err := db.ExecContext(ctx, "set enable_external_access = false"); err != nil {
		return fmt.Errorf("turn off external access: %w", err)
	}
	return nil
}

// dbExtensions are the names a new database file may have. DuckDB opens whatever it
// is given, and an empty path is an in-memory database: a mistyped --db (the history
// file instead of the database, history.jsonl) would take an import, say it stored
// it, and keep nothing.
var dbExtensions = []string{".duckdb", ".db", ".ddb"}

// duckdbMagic is what a DuckDB database file holds at byte 8, after its header's
// checksum.
var duckdbMagic = []byte("DUCK")

// checkPath refuses a path that is not a DuckDB database file: an existing file must
// start with DuckDB's header, a new one must have a database extension.
func checkPath(dbPath string) error {
	if strings.TrimSpace(dbPath) == "" {
		return fmt.Errorf("database path is empty: want a DuckDB file such as alertlens.duckdb (--db or ALERTLENS_DB)")
	}
	f, err := os.Open(dbPath)
	if errors.Is(err, fs.ErrNotExist) {
		ext := strings.ToLower(filepath.Ext(dbPath))
		if !slices.Contains(dbExtensions, ext) {
			return fmt.Errorf("database %s does not exist, and a new database's name must end in .duckdb, .db or .ddb: is it the file to import rather than the database?", dbPath)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("open database %s: %w", dbPath, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("open database %s: %w", dbPath, err)
	}
	if info.IsDir() {
		return fmt.Errorf("database %s is a folder: want a DuckDB file such as %s", dbPath, filepath.Join(dbPath, "alertlens.duckdb"))
	}
	head := make([]byte, 12)
	n, _ := io.ReadFull(f, head)
	if n == 0 {
		return fmt.Errorf("database %s is an empty file, not a DuckDB database: remove it, and alertlens creates the database there", dbPath)
	}
	if n < len(head) || !bytes.Equal(head[8:12], duckdbMagic) {
		return fmt.Errorf("database %s is not a DuckDB file (it does not start with DuckDB's header): want the database, such as alertlens.duckdb, not a file to import", dbPath)
	}
	return nil
}

// DefaultMemoryLimit is DuckDB's memory limit unless ALERTLENS_MEMORY_LIMIT sets
// another (a DuckDB size such as 512MB or 4GB). A process takes somewhat more
// (docs/operations.md, "Memory"): at 1.5 GB, a rebuild after a burst at ten million
// incidents stays under 2 GB (at 2 GB it took 2.0–2.25 GB, at the same speed).
const DefaultMemoryLimit = "1500MB"

// SlicedBuildMemoryLimit is DuckDB's memory limit, unless ALERTLENS_MEMORY_LIMIT sets
// one, for a full build whose temp models would not fit in memory, which computes them
// in slices of the incidents (slices.go).
const SlicedBuildMemoryLimit = "1100MB"

// ImportMemoryLimit is DuckDB's memory limit, unless ALERTLENS_MEMORY_LIMIT sets one,
// for an 'alertlens import' that opens the file itself. An import's chunks are sized
// by the limit (ingest/file, bytesPerLine) and DuckDB keeps what its limit lets it
// hold: at a million incidents the import took 6.2 s and 606 MB at the default
// limit, 6.1 s and 488 MB at this one; at ten million 61 s and 1.55 GB, 66 s and
// 793 MB (high-water marks, docs/benchmarks.md).
const ImportMemoryLimit = "512MB"

// SyncMemoryLimit is DuckDB's memory limit, unless ALERTLENS_MEMORY_LIMIT sets one, for
// an 'alertlens sync' that opens the file itself. A sync merges a page at a time, and
// each merge scans the stored keys of the tables it writes to: DuckDB kept what it read
// up to its limit, so that its cache grew with the account (to 108 MiB of a 146 MiB
// file at 66,000 PagerDuty incidents) and so did the process. At this limit DuckDB's
// accounting stays under about 50 MB, and a 66,000-incident backfill (with the merge's
// look before it deletes, ingest/writer.go) peaked at 319-325 MiB against 418 MiB at the
// default limit, in the same time (200 s against 201 s, each run alone); at 256MB the
// cache still grew (420 MiB). docs/benchmarks.md, the round "sync limit"; since the
// merge looks its keys up (the round "keys looked up"), 282-286 MiB at 66,000 and 283
// MiB at 132,000.
const SyncMemoryLimit = "128MB"

// MemoryLimit is DuckDB's memory limit in a database opened with defaultLimit as its
// own (DefaultMemoryLimit for Open, ImportMemoryLimit for OpenForImport, SyncMemoryLimit
// for OpenForSync).
func MemoryLimit(defaultLimit string) string {
	limit, _ := memoryLimit(defaultLimit)
	return limit
}

// memoryLimit is DuckDB's memory limit for a process whose own is defaultLimit, and
// whether the user chose it (ALERTLENS_MEMORY_LIMIT).
func memoryLimit(defaultLimit string) (limit string, chosen bool) {
	if limit := os.Getenv("ALERTLENS_MEMORY_LIMIT"); limit != "" {
		return limit, true
	}
	return defaultLimit, false
}

// openOptions are how a process opens the file.
type openOptions struct {
	limit    string // DuckDB's memory limit unless ALERTLENS_MEMORY_LIMIT sets one
	readOnly bool   // queries only, with DuckDB's access to other files turned off
}

// open attaches the file to a DuckDB of its own, in memory, and makes it every
// connection's database: only an attach sets the row group size (RowGroupSize). The
// file is attached under the name DuckDB gives a file it opens, its name without the
// extension. A second open of the file in the same process shares the first one's
// DuckDB, as the driver does for a file opened by its path: two DuckDBs writing one
// file would not see each other's writes, and DuckDB's file lock does not keep a
// process from itself.
func open(dbPath string, opts openOptions) (*sql.DB, error) {
	if err := checkPath(dbPath); err != nil {
		return nil, err
	}
	key, err := filepath.Abs(dbPath)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", dbPath, err)
	}
	if real, err := filepath.EvalSymlinks(key); err == nil {
		key = real
	}
	shared.Lock()
	defer shared.Unlock()
	if f := shared.files[key]; f != nil {
		if f.readOnly != opts.readOnly {
			how := "for writing"
			if f.readOnly {
				how = "for queries only"
			}
			return nil, fmt.Errorf("database %s is open already in this process %s: close it first", dbPath, how)
		}
		f.handles++
		return sql.OpenDB(sharedConnector{f}), nil
	}
	connector, err := attach(dbPath, opts)
	if err != nil {
		if strings.Contains(err.Error(), "Could not set lock") {
			// DuckDB lets one process at a time write a file, and none read it meanwhile
			return nil, fmt.Errorf("database %s is in use by another alertlens (a running 'alertlens serve'?): "+
				"stop it first, or ask the server's API instead: %w", dbPath, err)
		}
		return nil, fmt.Errorf("open database %s: %w", dbPath, err)
	}
	f := &sharedFile{key: key, connector: connector, readOnly: opts.readOnly, handles: 1}
	shared.files[key] = f
	return sql.OpenDB(sharedConnector{f}), nil
}

// attach makes the DuckDB that holds dbPath.
func attach(dbPath string, opts openOptions) (*duckdb.Connector, error) {
	// DuckDB takes 80 % of the machine's memory by default, and concurrent queries under
	// load took a server to 19 GB: a limit makes it spill to disk or queue instead.
	limit, _ := memoryLimit(opts.limit)
	// An in-memory DuckDB would spill to .tmp in the working directory; it spills
	// beside the file, as it does for a file opened by its path.
	dsn := ":memory:?memory_limit=" + url.QueryEscape(limit) + "&temp_directory=" + url.QueryEscape(dbPath+".tmp")
	name := quoteIdent(strings.TrimSuffix(filepath.Base(dbPath), filepath.Ext(dbPath)))
	with := fmt.Sprintf("row_group_size %d", RowGroupSize)
	if opts.readOnly {
		with += ", read_only"
	} else if _, err := os.Stat(dbPath); errors.Is(err, fs.ErrNotExist) {
		with += ", storage_version '" + StorageVersion + "'"
	}
	attachFile := fmt.Sprintf("attach %s as %s (%s)", quote(dbPath), name, with)
	connector, err := duckdb.NewConnector(dsn, func(execer driver.ExecerContext) error {
		ctx := context.Background()
		// The first connection attaches the file, the others only use it: by then a
		// read-only or locked-down process (LockDown) has turned off DuckDB's access to
		// files, attaching included.
		if _, err := execer.ExecContext(ctx, "use "+name, nil); err != nil {
			if _, err := execer.ExecContext(ctx, attachFile, nil); err != nil {
				return err
			}
			if _, err := execer.ExecContext(ctx, "use "+name, nil); err != nil {
				return err
			}
			if opts.readOnly {
				// an ad-hoc query could otherwise read or write any file with read_csv or COPY
				if _, err := execer.ExecContext(ctx, "set enable_external_access = false", nil); err != nil {
					return err
				}
			}
		}
		// Every timestamp is stored as UTC; keep any TIMESTAMPTZ arithmetic in UTC too,
		// whatever the machine's zone.
		_, err := execer.ExecContext(ctx, "set TimeZone = 'UTC'", nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	// attach now, so that a file in use or unreadable is reported by open
	c, err := connector.Connect(context.Background())
	if err != nil {
		connector.Close()
		return nil, err
	}
	c.Close()
	return connector, nil
}

// RowGroupSize is how many rows DuckDB puts in a row group of the file; its own is
// 122,880. Each checkpoint puts the rows appended since the one before in row groups
// of their own, and DuckDB's vacuum then merges such small row groups into full ones,
// which takes memory outside DuckDB's limit, several times the merged rows' text: in
// DuckDB alone, 400,000 rows of 1.5 KB appended 500 a commit peaked at 1.08-1.44 GB,
// 434-615 MB at this size, and 214-217 MB at either size with the vacuum turned off.
// A sync commits a page at a time: with DuckDB's row groups a 66,000-incident
// PagerDuty backfill peaked at 863 MB and left 41 % of the file free blocks, at
// 32,768 rows 515 MB (docs/benchmarks.md, "Sync memory"). The vacuum stays on because
// it also reclaims the rows that updates and incremental builds delete. Smaller row
// groups slowed a million-incident build: at 16,384 rows a full build took 13.3-14.2 s
// against 11.3-11.9 s. Every process must use the same size: the vacuum merges row
// groups smaller than its own process's size, which after a sync in smaller ones took
// the next build from 250-270 MB to 1.0 GB.
const RowGroupSize = 32768

// StorageVersion is the DuckDB storage format a new file is written in. DuckDB's own
// default for a new file is still v0.10.2's, which every DuckDB since can read; v1.5's
// compresses text faster on the same size: a million-incident full build took 7.1 s
// against 7.7-8.3 s, and the copy of incident_facts it writes 0.96 s against 1.28 s
// (docs/benchmarks.md, the round "storage version"). Such a file opens in DuckDB 1.5.0
// and later only. A file made before keeps its format: DuckDB would upgrade it in
// place, which no older DuckDB could then read, and that is the user's call
// (docs/operations.md).
const StorageVersion = "v1.5.0"

// shared holds the DuckDB of every file this process has open.
var shared = struct {
	sync.Mutex
	files map[string]*sharedFile
}{files: map[string]*sharedFile{}}

type sharedFile struct {
	key       string
	connector *duckdb.Connector
	readOnly  bool
	handles   int // open *sql.DB of the file; its DuckDB closes with the last
}

// sharedConnector is one *sql.DB's share of its file's DuckDB.
type sharedConnector struct{ f *sharedFile }

func (c sharedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	return c.f.connector.Connect(ctx)
}

func (c sharedConnector) Driver() driver.Driver { return c.f.connector.Driver() }

// Close is called by sql.DB.Close, once.
func (c sharedConnector) Close() error {
	shared.Lock()
	defer shared.Unlock()
	if c.f.handles--; c.f.handles > 0 {
		return nil
	}
	delete(shared.files, c.f.key)
	return c.f.connector.Close()
}

// quoteIdent quotes s as a SQL identifier.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

type migration struct {
	version int
	name    string
	body    string
}

func migrations() ([]migration, error) {
	names, err := fs.Glob(files, "schema/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and an underscore", name)
		}
		body, err := files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: base, body: string(body)})
	}
	return out, nil
}

// SchemaVersion is the newest schema version this binary knows.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// Migrate applies, each in its own transaction, the embedded migrations that the
// database has not seen, and records them in schema_migrations.
func Migrate(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `create table if not exists schema_migrations (
		version integer not null, name varchar not null, applied_at timestamp not null)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	applied, err := appliedVersion(ctx, db)
	if err != nil {
		return err
	}
	if err := checkVersion(applied); err != nil {
		return err
	}
	ms, err := migrations()
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.version <= applied {
			continue
		}
		if err := applyMigration(ctx, db, m); err != nil {
			return fmt.Errorf("migration error: name=%q: %w", m.name, err)
		}
	}
	return nil
}

func applyMigration(ctx context.Context, db *sql.DB, m migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, m.body); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `insert into schema_migrations values (?, ?, now()::timestamp)`, m.version, m.name); err != nil {
		return err
	}
	return tx.Commit()
}

func appliedVersion(ctx context.Context, db *sql.DB) (int, error) {
	var v sql.NullInt64
	err := db.QueryRowContext(ctx, `select max(version) from schema_migrations`).Scan(&v)
	if err != nil {
		var de *duckdb.Error
		if errors.As(err, &de) && de.Type == duckdb.ErrorTypeCatalog {
			return 0, nil // a new, empty file
		}
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return int(v.Int64), nil
}

func checkVersion(applied int) error {
	if known := SchemaVersion(); applied > known {
		return fmt.Errorf("the database has schema version %d, written by a newer alertlens; this binary knows up to version %d: upgrade alertlens", applied, known)
	}
	return nil
}

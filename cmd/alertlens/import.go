package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/alertlens/alertlens/ingest"
	"github.com/alertlens/alertlens/ingest/file"
	sqlmodels "github.com/alertlens/alertlens/sql"
)

func newImportCmd(g *globals) *cobra.Command {
	var (
		source string
		format string
		opts   file.Options
	)
	cmd := &cobra.Command{
		Use:   "import FILE...",
		Short: "Import history in alertlens's own format (JSON Lines or CSV; - for stdin)",
		Long: `import reads incident history in alertlens's import format: JSON Lines with one
record a line (responder, service, incident, notification, review), or a CSV file of
incidents with a header row. Use - to read JSON Lines from standard input.
The format is documented in docs/import-format.md.

Each file is imported in one transaction. A line that cannot be read stops the import
with its file, line and field, and nothing of that file is stored; --skip-invalid
stores the good lines and reports each bad one. Records are keyed by source and id, so
importing the same file twice leaves the same rows. Run 'alertlens build' afterwards.

An import that takes more than a few seconds (a million incidents take about four)
shows on stderr what it is doing: on a terminal one line redrawn each second, in a log
a line every ten seconds. With no server running, an import limits DuckDB's memory to
512 MB unless ALERTLENS_MEMORY_LIMIT sets a limit (docs/operations.md, "Memory").`,
		Example: `  alertlens import history.jsonl
  alertlens import --source opsgenie-export incidents.csv
  my-exporter | alertlens import -`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if r := g.server(cmd.Context()); r != nil {
				r.via(cmd.ErrOrStderr())
				for _, name := range args {
					if err := importThrough(cmd.Context(), cmd.OutOrStdout(), r, name, source, format, opts); err != nil {
						return err
					}
				}
				fmt.Fprintln(cmd.ErrOrStderr(), "the server rebuilds the metrics by itself")
				return nil
			}
			// the server is not running, and this command holds the file
			opts.MemoryLimit = sqlmodels.MemoryLimit(sqlmodels.ImportMemoryLimit)
			db, err := g.openForImport(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			w, err := ingest.NewWriter(cmd.Context(), db, source)
			if err != nil {
				return err
			}
			defer w.Close()
			for _, name := range args {
				if err := importOne(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), w, name, format, opts); err != nil {
					return err
				}
			}
			fmt.Fprintln(cmd.ErrOrStderr(), "run 'alertlens build' to update the metrics")
			return nil
		},
	}
	cmd.Flags().StringVar(&source, "source", "file", "source name the records are stored under (records are keyed by source and id)")
	cmd.Flags().StringVar(&format, "format", "", "jsonl or csv (default: from the file name's extension; jsonl for -)")
	cmd.Flags().BoolVar(&opts.SkipInvalid, "skip-invalid", false, "store the good lines and report each bad one instead of stopping")
	return cmd
}

// openImport opens one import argument: its reader, its name in messages and its format.
func openImport(name, format string) (r io.ReadCloser, display, fmtName string, err error) {
	r, display = io.NopCloser(os.Stdin), name
	if name == "-" {
		display = "<stdin>"
	} else if r, err = os.Open(name); err != nil {
		return nil, "", "", err
	}
	if format == "" {
		format = "jsonl"
		if strings.EqualFold(filepath.Ext(name), ".csv") {
			format = "csv"
		}
	}
	if format != "jsonl" && format != "json" && format != "csv" {
		r.Close()
		return nil, "", "", fmt.Errorf("--format: want jsonl or csv, got %q", format)
	}
	return r, display, format, nil
}

// importOne imports one file through w, with a progress line on errOut while it is long.
func importOne(ctx context.Context, out, errOut io.Writer, w *ingest.Writer, name, format string, opts file.Options) error {
	r, display, format, err := openImport(name, format)
	if err != nil {
		return err
	}
	defer r.Close()
	read := &bytesRead{r: r}
	if f, ok := r.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			read.total = fi.Size()
		}
	}
	p := startProgress(errOut, "import "+display, 0)
	p.set("reading", false, read.String)
	opts.Progress = func(step string) { p.set(step, false, nil) }
	var res file.Result
	if format == "csv" {
		res, err = file.ImportCSV(ctx, w, display, read, opts)
	} else {
		res, err = file.ImportJSONL(ctx, w, display, read, opts)
	}
	p.finish()
	if err != nil {
		return err
	}
	printImport(out, display, res)
	return nil
}

// importThrough sends one file to the running server, which imports it as importOne
// would, and prints the same lines.
func importThrough(ctx context.Context, out io.Writer, srv *remote, name, source, format string, opts file.Options) error {
	r, display, format, err := openImport(name, format)
	if err != nil {
		return err
	}
	defer r.Close()
	q := url.Values{"name": {display}, "source": {source}, "import_format": {format}, "skip_invalid": {strconv.FormatBool(opts.SkipInvalid)}}
	var res file.Result
	if err := srv.call(ctx, http.MethodPost, "/api/v1/import", q, r, "application/octet-stream", &res); err != nil {
		var re *remoteError
		if errors.As(err, &re) && re.param == "body" {
			return errors.New(re.msg) // the line error, as a local import says it
		}
		return err
	}
	printImport(out, display, res)
	return nil
}

func printImport(out io.Writer, display string, res file.Result) {
	for _, le := range res.Invalid {
		fmt.Fprintln(out, "skipped", le)
	}
	fmt.Fprintf(out, "%s: %d records (%s)", display, res.Records, summarize(res.ByType))
	if n := res.Counts.New["incidents"]; res.Counts.Stored["incidents"] > 0 {
		fmt.Fprintf(out, "; %d new incidents, %d updated", n, res.Counts.Stored["incidents"]-n)
	}
	if len(res.Invalid) > 0 {
		fmt.Fprintf(out, "; %d invalid lines skipped", len(res.Invalid))
	}
	fmt.Fprintln(out)
}

func summarize(byType map[string]int) string {
	var keys []string
	for k := range byType {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d %s", byType[k], k))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

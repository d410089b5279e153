package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/alertlens/alertlens/ingest"
	"github.com/alertlens/alertlens/ingest/file"
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
importing the same file twice leaves the same rows. Run 'alertlens build' afterwards.`,
		Example: `  alertlens import history.jsonl
  alertlens import --source opsgenie-export incidents.csv
  my-exporter | alertlens import -`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := g.openDB(cmd.Context())
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
				if err := importOne(cmd.Context(), cmd.OutOrStdout(), w, name, format, opts); err != nil {
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

func importOne(ctx context.Context, out io.Writer, w *ingest.Writer, name, format string, opts file.Options) error {
	var r io.Reader = os.Stdin
	display := name
	if name == "-" {
		display = "<stdin>"
	} else {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	if format == "" {
		format = "jsonl"
		if strings.EqualFold(filepath.Ext(name), ".csv") {
			format = "csv"
		}
	}
	var (
		res file.Result
		err error
	)
	switch format {
	case "jsonl", "json":
		res, err = file.ImportJSONL(ctx, w, display, r, opts)
	case "csv":
		res, err = file.ImportCSV(ctx, w, display, r, opts)
	default:
		return fmt.Errorf("--format: want jsonl or csv, got %q", format)
	}
	if err != nil {
		return err
	}
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
	return nil
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

package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/alertlens/alertlens/ingest/live"
	sqlmodels "github.com/alertlens/alertlens/sql"
)

func newBackupCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "backup FILE",
		Short: "Write a consistent copy of the database to FILE, even while a server holds it",
		Long: `backup writes a copy of the database that is one committed state: the raw
records, the normalised tables and the built models. Beside a running server it asks
the server, which holds off writes and builds for the moment of the copy (readers go
on); otherwise it opens the file itself. The copy is checked (it must open as an
alertlens database) before it replaces FILE. Restore by stopping the server and putting
the copy in the database's place.`,
		Example: `  alertlens backup backups/alertlens-$(date +%F).duckdb`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dest := args[0]
			tmp, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".*")
			if err != nil {
				return err
			}
			defer os.Remove(tmp.Name())
			if r := g.server(cmd.Context()); r != nil {
				r.via(cmd.ErrOrStderr())
				if err := r.call(cmd.Context(), http.MethodGet, "/api/v1/backup", nil, nil, "", tmp); err != nil {
					tmp.Close()
					return err
				}
			} else {
				db, err := g.openDB(cmd.Context())
				if err != nil {
					tmp.Close()
					return err
				}
				copied, err := live.CopyDatabase(cmd.Context(), db, g.absDB())
				db.Close()
				if err != nil {
					tmp.Close()
					return err
				}
				defer os.Remove(copied)
				if err := copyInto(tmp, copied); err != nil {
					tmp.Close()
					return err
				}
			}
			if err := tmp.Close(); err != nil {
				return err
			}
			check, err := sqlmodels.OpenReadOnly(cmd.Context(), tmp.Name())
			if err != nil {
				return fmt.Errorf("the copy does not open as an alertlens database, %s is unchanged: %w", dest, err)
			}
			var incidents int64
			err = check.QueryRowContext(cmd.Context(), "select count(*) from incidents").Scan(&incidents)
			check.Close()
			if err != nil {
				return fmt.Errorf("the copy cannot be read, %s is unchanged: %w", dest, err)
			}
			if err := os.Rename(tmp.Name(), dest); err != nil {
				return err
			}
			info, _ := os.Stat(dest)
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %.1f MB, %d incidents\n", dest, float64(info.Size())/1e6, incidents)
			return nil
		},
	}
	return cmd
}

func copyInto(dst io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(dst, f)
	return err
}

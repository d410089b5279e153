package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/alertlens/alertlens/analytics"
)

func newBuildCmd(g *globals) *cobra.Command {
	var verbose bool
	cmd := &cobra.Command{
		Use:   "build",
		Short: "Rebuild the metric models from the stored history",
		Long: `build runs every SQL model (staging, models, marts) over the stored history, in
dependency order and in one transaction: if any model fails, the previous results stay
as they were. Run it after import or sync; demo and serve run it for you.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := g.openDB(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			cfg, err := g.buildConfig(cmd.Context(), db)
			if err != nil {
				return err
			}
			rep, err := analytics.Build(cmd.Context(), db, cfg)
			if err != nil {
				return err
			}
			printBuild(cmd.OutOrStdout(), rep, verbose)
			return nil
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "list every model with its rows and time")
	return cmd
}

func printBuild(w io.Writer, rep analytics.BuildReport, verbose bool) {
	if verbose {
		for _, m := range rep.Models {
			rows := "view"
			if m.Rows >= 0 {
				rows = fmt.Sprintf("%d rows", m.Rows)
			}
			fmt.Fprintf(w, "  %-8s %-40s %12s %8.0f ms\n", m.Model.Layer, m.Model.Name, rows, float64(m.Duration.Microseconds())/1000)
		}
	}
	fmt.Fprintf(w, "built %d models over %d incidents (%d pages) in %.2f s\n",
		len(rep.Models), rep.Incidents, rep.Pages, rep.Duration.Seconds())
}

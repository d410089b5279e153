package main

import (
	"github.com/spf13/cobra"

	"github.com/alertlens/alertlens/config"
)

// syncSources builds the `alertlens sync <source>` subcommands. Each sync_<source>.go
// file appends its constructor in init(), so a source is added without touching this
// file or root.go.
var syncSources []func(*globals) *cobra.Command

func newSyncCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Pull incident history from a paging tool's API",
		Long: `sync pulls incident history from a paging tool's REST API into the database: the
first run backfills from --since, later runs go on from where the last one stopped.
Every page is committed before the next is fetched, so a sync that is stopped (or
fails) keeps what it stored and the next run resumes there. Credentials come from
environment variables only and are never stored or printed.
Run 'alertlens build' afterwards to update the metrics. See docs/sources.md.`,
		Args: cobra.NoArgs,
	}
	for _, source := range syncSources {
		cmd.AddCommand(source(g))
	}
	return cmd
}

// collectorDefaults lets the config file's section for a source set the defaults of
// the sync flags the user did not give.
func collectorDefaults(cmd *cobra.Command, col config.Collector, credentialFlag string, credentialEnv, apiURL, source *string) {
	for _, d := range []struct {
		flag, value string
		target      *string
	}{{credentialFlag, col.CredentialEnv, credentialEnv}, {"api-url", col.APIURL, apiURL}, {"source", col.Source, source}} {
		if d.value != "" && !cmd.Flags().Changed(d.flag) {
			*d.target = d.value
		}
	}
}

package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/alertlens/alertlens/api"
	"github.com/alertlens/alertlens/ingest/rules"
)

func newRulesCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "Alert rule definitions from Prometheus rule files (runbook coverage)",
		Long: `rules manages the alert rule definitions that alertlens reads from your Prometheus
rule files and PrometheusRule resources. With them, runbook coverage counts every
rule defined in code, not only the rules that fired.`,
	}
	cmd.AddCommand(newRulesImportCmd(g))
	return cmd
}

func newRulesImportCmd(g *globals) *cobra.Command {
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "import PATH...",
		Short: "Import alerting rules from rule files or folders",
		Long: `import reads alerting rules from each PATH: a Prometheus rule file (top-level
groups:), a Kubernetes PrometheusRule resource (kind: PrometheusRule, rules under
spec.groups), or a folder searched recursively for *.yml and *.yaml files (hidden
folders such as .git are skipped). A file may hold several YAML documents; documents
that are neither are ignored, and a file named explicitly must hold rule groups.

For each alerting rule (alert:) it stores the group, expression, for: (in seconds),
labels (severity and team apart) and annotations (runbook_url, else runbook; summary,
else description or message). Recording rules (record:) are counted and skipped.

Rules are stored by PATH, made absolute: importing the same PATH again replaces
everything imported from it before, so a deleted rule disappears. Import a folder
always by the same PATH; a file inside it imported on its own is a PATH of its own.
Every PATH is read before anything is stored: a bad file stops the import with its
file, line and what was wrong, and the database keeps what it had. Run
'alertlens build' afterwards.`,
		Example: `  alertlens rules import monitoring/rules/
  alertlens rules import alert.rules.yml kube-prometheus/manifests/
  alertlens rules import --dry-run manifests/   # coverage only, nothing stored`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var paths []rules.Path
			seen := map[string]bool{}
			for _, arg := range args {
				p, err := rules.Read(arg)
				if err != nil {
					return fmt.Errorf("%w (nothing was imported)", err)
				}
				if !seen[p.Abs] {
					seen[p.Abs] = true
					paths = append(paths, p)
				}
			}
			printCoverage(cmd.OutOrStdout(), cmd.ErrOrStderr(), paths)
			if dryRun {
				return nil
			}
			if r := g.server(cmd.Context()); r != nil {
				// the files are read here, where they are; the server stores what was read
				r.via(cmd.ErrOrStderr())
				var ans map[string]any
				if err := r.postJSON(cmd.Context(), "/api/v1/rules/import", api.RulesBody{Paths: paths}, &ans); err != nil {
					return err
				}
				fmt.Fprintln(cmd.ErrOrStderr(), "the server rebuilds the metrics by itself")
				return nil
			}
			db, err := g.openDB(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			if err := rules.Store(cmd.Context(), db, paths, time.Now()); err != nil {
				return err
			}
			fmt.Fprintln(cmd.ErrOrStderr(), "run 'alertlens build' to update the metrics")
			return nil
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "read the files and print the coverage without storing anything")
	return cmd
}

// printCoverage prints a line per rule file and the total runbook coverage to out, and
// to warn a line per kind of file that was skipped (a repository's root holds CI
// configs, Alertmanager configs and Helm templates beside its rules).
func printCoverage(out, warn io.Writer, paths []rules.Path) {
	var files, alerting, withRunbook, recording int
	skipped := map[rules.Skip][]string{}
	for _, p := range paths {
		for _, f := range p.Files {
			files++
			alerting += len(f.Alerting)
			withRunbook += f.WithRunbook()
			recording += f.Recording
			fmt.Fprintf(out, "%s: %d alerting rules, %d with a runbook, %d recording rules skipped\n",
				f.Name, len(f.Alerting), f.WithRunbook(), f.Recording)
		}
		for _, s := range p.Skipped {
			skipped[s.Reason] = append(skipped[s.Reason], s.Name)
		}
	}
	for _, k := range []rules.Skip{rules.SkipNoGroups, rules.SkipInvalid, rules.SkipTemplate, rules.SkipTestdata} {
		names := skipped[k]
		if len(names) == 0 {
			continue
		}
		what := "file"
		if k == rules.SkipTestdata {
			what = "folder"
		}
		if len(names) > 1 {
			what += "s"
		}
		shown := names
		more := ""
		if len(names) > 5 {
			shown, more = names[:5], fmt.Sprintf(" … and %d more", len(names)-5)
		}
		fmt.Fprintf(warn, "skipped %d %s that %s: %s%s\n", len(names), what, k.Summary(len(names) > 1), strings.Join(shown, ", "), more)
	}
	for _, a := range rules.Ambiguities(paths) {
		places := make([]string, len(a.Places))
		for i, pl := range a.Places {
			places[i] = fmt.Sprintf("%s:%d (group %s)", pl.File, pl.Line, pl.Group)
		}
		fmt.Fprintf(warn, "alert %s: %d definitions that one alert can match equally well give different runbooks, so its incidents take none of them: %s\n",
			a.Rule, len(a.Places), strings.Join(places, ", "))
	}
	coverage := "no alerting rules"
	if alerting > 0 {
		coverage = fmt.Sprintf("%.1f %% runbook coverage", float64(withRunbook)*100/float64(alerting))
	}
	fmt.Fprintf(out, "total: %d alerting rules in %d files, %d with a runbook (%s); %d recording rules skipped\n",
		alerting, files, withRunbook, coverage, recording)
}

package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/alertlens/alertlens/config"
)

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
	for _, k := range sourceKinds {
		cmd.AddCommand(newSyncKindCmd(g, k))
	}
	return cmd
}

// newSyncKindCmd is `alertlens sync <kind>`, the same command for every kind: its
// flags set a config.Source, over the config's source of that name or the kind's
// section, over the kind's defaults.
func newSyncKindCmd(g *globals, k sourceKind) *cobra.Command {
	var src config.Source
	bools := map[string]*bool{} // flags of *bool fields, set only when given
	cmd := &cobra.Command{
		Use:     k.Command,
		Short:   k.Short,
		Long:    k.Long,
		Example: k.Example,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			for name, v := range bools {
				if cmd.Flags().Changed(name) {
					for _, f := range k.Flags {
						if f.Name == name {
							*f.Field(&src).(**bool) = v
						}
					}
				}
			}
			s := k.withDefaults(overFlags(cmd, k, src, configured(cfg, k, cmd, src.Name)))
			if r := g.server(cmd.Context()); r != nil {
				return syncThroughServer(cmd, r, s.Name)
			}
			if s.APIURL == "" {
				return fmt.Errorf("--api-url is required: %s", k.APIURLNeed)
			}
			secret := os.Getenv(s.CredentialEnv)
			if secret == "" {
				return fmt.Errorf("--%s: $%s is empty: set it to %s", k.CredentialFlag, s.CredentialEnv, k.Credential)
			}
			ctx := cmd.Context()
			c, err := k.New(s, secret, cmd.ErrOrStderr())
			if err != nil {
				return k.flagOf(err)
			}
			db, err := g.openForSync(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			res, err := runCollector(ctx, db, nil, s.Name, c)
			if err != nil {
				return err
			}
			fmt.Fprint(cmd.OutOrStdout(), res.Summary)
			fmt.Fprintln(cmd.ErrOrStderr(), "run 'alertlens build' to update the metrics")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&src.CredentialEnv, k.CredentialFlag, k.CredentialEnv, k.CredentialHelp)
	if k.CredentialAlias != "" {
		// The other kinds' spelling works too, so that scripts need not know which is which.
		f.StringVar(&src.CredentialEnv, k.CredentialAlias, k.CredentialEnv, k.CredentialHelp)
		f.MarkHidden(k.CredentialAlias)
	}
	f.StringVar(&src.APIURL, "api-url", k.APIURL, k.APIURLHelp)
	f.StringVar(&src.Name, "source", k.Command, k.SourceHelp)
	for _, kf := range k.Flags {
		switch field := kf.Field(&src).(type) {
		case *string:
			f.StringVar(field, kf.Name, kf.Default, kf.Help)
		case *bool:
			f.BoolVar(field, kf.Name, kf.Default == "true", kf.Help)
		case **bool:
			b := new(bool)
			bools[kf.Name] = b
			f.BoolVar(b, kf.Name, kf.Default == "true", kf.Help)
		}
	}
	f.StringVar(&src.Since, "since", k.Since, k.SinceHelp)
	return cmd
}

// configured is the config's settings for a sync of kind k: the sources: entry of that
// kind named by the flag, else the kind's section. A section's name is the default of
// --source, so it is looked up before the flag's default applies.
func configured(cfg *config.Config, k sourceKind, cmd *cobra.Command, flagName string) config.Source {
	sec, _ := cfg.SectionSource(k.Kind)
	name := flagName
	if !cmd.Flags().Changed("source") && sec.Name != "" {
		name = sec.Name
	}
	if s, ok := cfg.SourceNamed(name); ok && s.Kind == k.Kind {
		return s
	}
	sec.Name = name
	return sec
}

// overFlags lays the flags the user gave over base.
func overFlags(cmd *cobra.Command, k sourceKind, flags, base config.Source) config.Source {
	out := base
	fields := map[string][2]any{
		k.CredentialFlag: {&flags.CredentialEnv, &out.CredentialEnv},
		"api-url":        {&flags.APIURL, &out.APIURL},
		"source":         {&flags.Name, &out.Name},
		"since":          {&flags.Since, &out.Since},
	}
	if k.CredentialAlias != "" {
		fields[k.CredentialAlias] = fields[k.CredentialFlag]
	}
	for _, kf := range k.Flags {
		fields[kf.Name] = [2]any{kf.Field(&flags), kf.Field(&out)}
	}
	cmd.Flags().Visit(func(f *pflag.Flag) {
		fv, ok := fields[f.Name]
		if !ok {
			return
		}
		switch from := fv[0].(type) {
		case *string:
			*fv[1].(*string) = *from
		case *bool:
			*fv[1].(*bool) = *from
		case **bool:
			*fv[1].(**bool) = *from
		}
	})
	// A flag's default counts where neither the flag nor the config says otherwise:
	// the kind-specific flags' defaults are the collector's.
	for _, kf := range k.Flags {
		if p, ok := kf.Field(&out).(*string); ok && *p == "" {
			*p = *kf.Field(&flags).(*string)
		}
	}
	return out
}

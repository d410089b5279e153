package main

import (
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/alertlens/alertlens/config"
	"github.com/alertlens/alertlens/ingest"
	"github.com/alertlens/alertlens/ingest/ingesttest"
)

// Every kind the config accepts has a registry entry, a `sync` subcommand and a
// scheduled job of its kind; a kind added to config.Kinds alone fails here.
func TestRegistryCoversEveryConfigKind(t *testing.T) {
	var kinds []string
	for _, k := range sourceKinds {
		kinds = append(kinds, k.Kind)
	}
	if !slices.Equal(kinds, config.Kinds) {
		t.Fatalf("registry kinds %v, config kinds %v: each needs the other", kinds, config.Kinds)
	}
	sync := newSyncCmd(&globals{})
	var doc strings.Builder
	for _, kind := range config.Kinds {
		k, _ := kindOf(kind)
		cmd, _, err := sync.Find([]string{k.Command})
		if err != nil || cmd.Name() != k.Command {
			t.Errorf("%s: no `sync %s` command (%v)", kind, k.Command, err)
		}
		for _, name := range []string{k.CredentialFlag, "api-url", "source", "since"} {
			if cmd.Flags().Lookup(name) == nil {
				t.Errorf("sync %s has no --%s", k.Command, name)
			}
		}
		doc.WriteString("  - {name: s-" + strings.ReplaceAll(kind, "_", "-") + ", kind: " + kind + ", credential_env: REGISTRY_TEST_SECRET, api_url: http://127.0.0.1:1}\n")
	}
	t.Setenv("REGISTRY_TEST_SECRET", "x")
	cfg, err := config.Parse([]byte("sources:\n"+doc.String()), "a.yaml")
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := scheduledJobs(cfg, ingesttest.OpenDB(t), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	var jobKinds []string
	for _, j := range jobs {
		jobKinds = append(jobKinds, j.Kind)
	}
	if !slices.Equal(jobKinds, config.Kinds) {
		t.Errorf("jobs of kinds %v, want one of each of %v", jobKinds, config.Kinds)
	}
}

// Each kind's constructor gives a collector of its kind from a source with the
// registry's defaults, and refuses a bad option by the collector's name for it, which
// the command says as its flag.
func TestRegistryConstructors(t *testing.T) {
	for _, k := range sourceKinds {
		src := k.withDefaults(config.Source{APIURL: "https://example.test"})
		c, err := k.New(src, "secret", io.Discard)
		if err != nil {
			t.Errorf("%s: %v", k.Kind, err)
			continue
		}
		if c.Kind() != k.Kind || src.Name != k.Command || src.CredentialEnv != k.CredentialEnv || src.Since != k.Since {
			t.Errorf("%s: collector of kind %q from %+v", k.Kind, c.Kind(), src)
		}
		src.APIURL = "example.test"
		_, err = k.New(src, "secret", io.Discard)
		var oe *ingest.OptionError
		if !errors.As(err, &oe) || oe.Option != "API URL" || strings.Contains(err.Error(), "--") {
			t.Errorf("%s: bad API URL: err %v, want an option error naming no flag", k.Kind, err)
		}
		if got := k.flagOf(err).Error(); !strings.Contains(got, "--api-url: want") {
			t.Errorf("%s: the command says %q, want it to name --api-url", k.Kind, got)
		}
	}
	og, _ := kindOf(config.KindOpsgenie)
	_, err := og.New(og.withDefaults(config.Source{Window: "0s"}), "k", io.Discard)
	if got := og.flagOf(err); got == nil || got.Error() != "opsgenie: --window: want a positive duration, got 0s" {
		t.Errorf("window 0s: %v", got)
	}
	_, err = og.New(og.withDefaults(config.Source{Since: "last week"}), "k", io.Discard)
	if got := og.flagOf(err); got == nil || !strings.HasPrefix(got.Error(), "--since: want a number of days") {
		t.Errorf("since: %v", got)
	}
}

// The library's errors name options, never flags: a collector is used by the server
// too, where there are no flags.
func TestLibraryErrorsNameNoFlags(t *testing.T) {
	for _, k := range sourceKinds {
		for _, src := range []config.Source{{APIURL: "nope"}, {Since: "someday"}, {Window: "-1h"}, {AccountTimeZone: "Mars/Base"}} {
			_, err := k.New(k.withDefaults(src), "s", io.Discard)
			if err != nil && strings.Contains(err.Error(), "--") {
				t.Errorf("%s %+v: %v names a flag", k.Kind, src, err)
			}
		}
	}
}

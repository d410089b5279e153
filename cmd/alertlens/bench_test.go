package main

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// A small run of alertlens bench, as CI can afford: every figure is measured and
// printed, the paired ratio is a positive number, and every path answered without
// an error.
func TestBenchSmoke(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(childEnv, "1")
	prev := selfCommand
	selfCommand = func(ctx context.Context, args ...string) (*exec.Cmd, error) {
		return exec.CommandContext(ctx, self, append([]string{"--"}, args...)...), nil
	}
	t.Cleanup(func() { selfCommand = prev })
	out, _ := runCLI(t, "bench", "--sizes", "3000", "--runs", "1", "--clients", "4", "--duration", "300ms",
		"--paths", "/api/v1/goal,/api/v1/rules", "--dir", t.TempDir())
	for _, want := range []string{
		`(?m)^### 3000 incidents \(7[0-9]{3} records, [0-9]+ MB of JSON Lines\)$`,
		`(?m)^\| .alertlens import. \| [0-9.]+ / [0-9.]+ \| [0-9.]+ / [0-9.]+ \|$`,
		`(?m)^\| DuckDB .read_json. of the same file into a database file \| [0-9.]+ / [0-9.]+ \| [0-9.]+ / [0-9.]+ \|$`,
		`(?m)^\| import speed ÷ DuckDB.s, paired run by run \| [0-9]+\.[0-9]*[1-9][0-9]* / [0-9.]+ \| \|$`,
		`(?m)^\| .alertlens build., the first after the import \| [0-9.]+ / [0-9.]+ \| [0-9.]+ / [0-9.]+ \|$`,
		`(?m)^\| .alertlens build --full. \(every incident again\) \| [0-9.]+ / [0-9.]+ \| [0-9.]+ / [0-9.]+ \|$`,
		`(?m)^\| .alertlens build. with nothing changed \| [0-9.]+ / [0-9.]+ \| [0-9.]+ / [0-9.]+ \|$`,
		`(?m)^\| .alertlens build. after importing 100 new incidents \| [0-9.]+ / [0-9.]+ \| [0-9.]+ / [0-9.]+ \|$`,
		"(?m)^\\| `/healthz` \\| [0-9.]+ \\| [0-9.]+ \\| [0-9.]+ \\| [0-9]+ \\| 0 \\|$",
		"(?m)^\\| `/api/v1/goal` \\| [0-9.]+ \\| [0-9.]+ \\| [0-9.]+ \\| [1-9][0-9]* \\| 0 \\|$",
		"(?m)^\\| `/api/v1/rules` \\| [0-9.]+ \\| [0-9.]+ \\| [0-9.]+ \\| [1-9][0-9]* \\| 0 \\|$",
		`(?m)^server peak memory: [1-9][0-9]* MB$`,
		`(?m)^the server's build after importing 100 new incidents through it: [0-9.]*[1-9][0-9.]* / [0-9.]*[1-9][0-9.]* ms$`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("bench output has no line matching %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "| - |") {
		t.Errorf("a path answered nothing:\n%s", out)
	}
}

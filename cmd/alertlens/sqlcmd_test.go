package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// splitArgs splits a shell line of words and double-quoted strings, as the examples are written.
func splitArgs(line string) []string {
	var args []string
	var cur strings.Builder
	quoted, inWord := false, false
	for _, r := range line {
		switch {
		case r == '"':
			quoted, inWord = !quoted, true
		case r == ' ' && !quoted:
			if inWord {
				args = append(args, cur.String())
				cur.Reset()
			}
			inWord = false
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		args = append(args, cur.String())
	}
	return args
}

// The help's examples are what a user copies first: each must run on a built database
// (an empty history is enough to bind every table and column they name).
func TestSQLHelpExamplesRun(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.duckdb")
	runCLI(t, "--db", db, "build")
	examples := 0
	for _, line := range strings.Split(newSQLCmd(&globals{}).Example, "\n") {
		args := splitArgs(strings.TrimSpace(line))
		if len(args) < 3 || args[0] != "alertlens" || args[1] != "sql" {
			t.Fatalf("example %q is not an alertlens sql command line", line)
		}
		out, _ := runCLI(t, append([]string{"--db", db}, args[1:]...)...)
		if !strings.Contains(out, "rule_name") && !strings.Contains(out, "after_hours_pages") {
			t.Errorf("example %q printed no header:\n%s", line, out)
		}
		examples++
	}
	if examples != 2 {
		t.Errorf("%d examples, want the 2 of the help", examples)
	}
}

// alertlens sql reads the database and nothing else: DuckDB's file functions and COPY
// would otherwise read or write any file the user can.
func TestSQLHasNoFileAccess(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "t.duckdb")
	runCLI(t, "--db", db, "build")
	out := filepath.Join(dir, "out.csv")
	for _, c := range []struct{ query, want string }{
		{"select * from read_csv('/etc/passwd')", `Cannot access file "/etc/passwd"`},
		{"select * from read_text('/etc/passwd')", `Cannot access file "/etc/passwd"`},
		{"copy (select * from incidents) to '" + out + "'", `Cannot access file "` + out + `"`},
		{"copy incidents to '" + out + "' (format parquet)", `Cannot access file "` + out + `"`},
	} {
		cmd := newRootCmd()
		cmd.SetArgs([]string{"--db", db, "sql", c.query})
		var sink strings.Builder
		cmd.SetOut(&sink)
		cmd.SetErr(&sink)
		err := cmd.Execute()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %s", c.query, err, c.want)
		}
		if strings.Contains(sink.String(), "root:") {
			t.Errorf("%s printed the file:\n%s", c.query, sink.String())
		}
	}
	if matches, _ := filepath.Glob(out + "*"); len(matches) != 0 {
		t.Errorf("COPY wrote %v", matches)
	}
}

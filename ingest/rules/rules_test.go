package rules

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alertlens/alertlens/ingest/ingesttest"
)

func countRows(tb testing.TB, db *sql.DB, where string, args ...any) int {
	tb.Helper()
	var n int
	if err := db.QueryRow("select count(*) from rule_definitions where "+where, args...).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// The counts made by hand (PyYAML) in shared/formats/SOURCES.md.
var handCounts = []struct {
	file                           string
	alerting, withRunbook, records int
}{
	{"kube-prometheus_main_kubernetesControlPlane-prometheusRule.yaml", 63, 63, 71},
	{"kube-prometheus_main_nodeExporter-prometheusRule.yaml", 26, 26, 15},
	{"kube-prometheus_main_prometheus-prometheusRule.yaml", 23, 23, 0},
	{"kube-prometheus_main_alertmanager-prometheusRule.yaml", 9, 9, 0},
	{"kube-prometheus_v0.1.0_prometheus-rules.yaml", 68, 45, 60},
	{"dockprom_alert.rules.yml", 7, 0, 0},
}

func TestRealFilesMatchHandCounts(t *testing.T) {
	dir := ingesttest.Formats(t, "prometheus_rules")
	db := ingesttest.OpenDB(t)
	for _, c := range handCounts {
		name := filepath.Join(dir, c.file)
		p, err := Read(name)
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if len(p.Files) != 1 {
			t.Fatalf("%s: %d files", c.file, len(p.Files))
		}
		f := p.Files[0]
		if len(f.Alerting) != c.alerting || f.WithRunbook() != c.withRunbook || f.Recording != c.records {
			t.Errorf("%s: %d alerting, %d with runbook, %d recording; want %d, %d, %d",
				c.file, len(f.Alerting), f.WithRunbook(), f.Recording, c.alerting, c.withRunbook, c.records)
		}
		if err := Store(context.Background(), db, []Path{p}, time.Now()); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, db, "path = ?", p.Abs); n != c.alerting {
			t.Errorf("%s: %d rows stored, want %d", c.file, n, c.alerting)
		}
		if n := countRows(t, db, "path = ? and runbook_url <> ''", p.Abs); n != c.withRunbook {
			t.Errorf("%s: %d stored rows with a runbook, want %d", c.file, n, c.withRunbook)
		}
	}
	// In v0.1.0 the alerts without a runbook are in these groups (SOURCES.md).
	rows, err := db.Query(`select group_name, count(*) from rule_definitions
		where file like '%v0.1.0%' and runbook_url = '' group by all order by all`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var g string
		var n int
		rows.Scan(&g, &n)
		got = append(got, fmt.Sprintf("%s=%d", g, n))
	}
	rows.Close()
	want := "alertmanager.rules=3 general.rules=2 kube-prometheus-node-alerting.rules=2 node-network=3 node-time=1 prometheus-operator=2 prometheus.rules=10"
	if strings.Join(got, " ") != want {
		t.Errorf("groups without runbooks in v0.1.0:\n got %s\nwant %s", strings.Join(got, " "), want)
	}
}

func TestDefinitionValues(t *testing.T) {
	dir := ingesttest.Formats(t, "prometheus_rules")
	p, err := Read(filepath.Join(dir, "dockprom_alert.rules.yml"))
	if err != nil {
		t.Fatal(err)
	}
	d := p.Files[0].Alerting[0]
	if d.Group != "targets" || d.Rule != "monitor_service_down" || d.Expr != "up == 0" || d.ForSeconds != 30 ||
		d.Severity != "critical" || d.Team != "" || d.RunbookURL != "" || d.Summary != "Monitor service non-operational" ||
		d.Annotations["description"] != "Service {{ $labels.instance }} is down." {
		t.Errorf("dockprom's first rule: %+v", d)
	}

	p, err = Read(filepath.Join(dir, "kube-prometheus_main_alertmanager-prometheusRule.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	d = p.Files[0].Alerting[0]
	if d.Group != "alertmanager.rules" || d.Rule != "AlertmanagerFailedReload" || d.ForSeconds != 600 || d.Severity != "critical" ||
		d.RunbookURL != "https://runbooks.prometheus-operator.dev/runbooks/alertmanager/alertmanagerfailedreload" ||
		d.Summary != "Reloading an Alertmanager configuration has failed." ||
		!strings.HasPrefix(d.Expr, "# Without max_over_time") || !strings.HasSuffix(d.Expr, "[5m]) == 0") {
		t.Errorf("AlertmanagerFailedReload: %+v", d)
	}

	p, err = Read(filepath.Join(dir, "kube-prometheus_v0.1.0_prometheus-rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range p.Files[0].Alerting {
		if d.Rule == "AlertmanagerDown" && d.Group == "kubernetes-absent" {
			if d.ForSeconds != 900 || d.Summary != "Alertmanager has disappeared from Prometheus target discovery." ||
				d.RunbookURL != "https://github.com/kubernetes-monitoring/kubernetes-mixin/tree/master/runbook.md#alert-name-alertmanagerdown" {
				t.Errorf("v0.1.0 AlertmanagerDown: %+v", d)
			}
			return
		}
	}
	t.Error("v0.1.0 has no AlertmanagerDown in kubernetes-absent")
}

func TestFolderImportAndReimport(t *testing.T) {
	dir := ingesttest.Formats(t, "prometheus_rules")
	db := ingesttest.OpenDB(t)
	ctx := context.Background()
	p, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	alerting, runbooks, records := 0, 0, 0
	for _, f := range p.Files {
		alerting += len(f.Alerting)
		runbooks += f.WithRunbook()
		records += f.Recording
	}
	if len(p.Files) != 6 || alerting != 196 || runbooks != 166 || records != 146 {
		t.Errorf("folder: %d files, %d alerting, %d with runbook, %d recording; want 6, 196, 166, 146",
			len(p.Files), alerting, runbooks, records)
	}
	first := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	if err := Store(ctx, db, []Path{p}, first); err != nil {
		t.Fatal(err)
	}
	// A file imported on its own is a path of its own, left alone by the folder's re-import.
	single, err := Read(filepath.Join(dir, "dockprom_alert.rules.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := Store(ctx, db, []Path{single}, first); err != nil {
		t.Fatal(err)
	}
	if err := Store(ctx, db, []Path{p}, first.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, db, "path = ?", p.Abs); n != 196 {
		t.Errorf("%d rows for the folder after a re-import, want 196", n)
	}
	if n := countRows(t, db, "path = ? and imported_at = ?", p.Abs, first.Add(time.Hour)); n != 196 {
		t.Errorf("%d rows of the folder carry the re-import's time, want 196", n)
	}
	if n := countRows(t, db, "path = ?", single.Abs); n != 7 {
		t.Errorf("%d rows for the single file, want 7", n)
	}
	if n := countRows(t, db, "true"); n != 203 {
		t.Errorf("%d rows in all, want 203", n)
	}
	var file, labels, annotations string
	if err := db.QueryRow(`select file, labels->>'severity', annotations->>'summary' from rule_definitions
		where path = ? and rule = 'monitor_service_down'`, p.Abs).Scan(&file, &labels, &annotations); err != nil {
		t.Fatal(err)
	}
	if file != filepath.Join(p.Abs, "dockprom_alert.rules.yml") || labels != "critical" || annotations != "Monitor service non-operational" {
		t.Errorf("stored file %q, labels.severity %q, annotations.summary %q", file, labels, annotations)
	}
}

func TestDurations(t *testing.T) {
	for in, want := range map[string]int{"0s": 0, "30s": 30, "5m": 300, "1h30m": 5400, "2d": 172800, "1w": 604800, "1500ms": 1} {
		f, err := Parse("x.yml", "/x.yml", []byte("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    for: "+in+"\n"))
		if err != nil {
			t.Errorf("for: %s: %v", in, err)
			continue
		}
		if got := f.Alerting[0].ForSeconds; got != want {
			t.Errorf("for: %s gave %d s, want %d", in, got, want)
		}
	}
}

func TestBadFilesNameFileAndLine(t *testing.T) {
	cases := []struct{ name, yaml, want string }{
		{"bad duration", "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    for: 5x\n",
			`bad.yml:6: alert A: for: want a Prometheus duration such as 5m, 1h30m or 2d, got "5x"`},
		{"out of order duration", "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    for: 30m1h\n",
			`bad.yml:6: alert A: for: want a Prometheus duration such as 5m, 1h30m or 2d, got "30m1h"`},
		{"no expr", "groups:\n- name: g\n  rules:\n  - alert: A\n    for: 5m\n", `bad.yml:4: alert A: expr is missing`},
		{"both", "groups:\n- name: g\n  rules:\n  - alert: A\n    record: r\n    expr: up\n",
			`bad.yml:4: group g: a rule has both alert: A and record: r; want one`},
		{"neither", "groups:\n- name: g\n  rules:\n  - expr: up\n", `bad.yml:4: group g: a rule needs alert: (or record:)`},
		{"no group name", "groups:\n- rules:\n  - alert: A\n    expr: up\n", `bad.yml:2: rule group: name is missing`},
		{"groups not a list", "groups:\n  name: g\n", `bad.yml:2: groups: want a list of rule groups, got Mapping`},
		{"rules not a list", "groups:\n- name: g\n  rules: up\n", `bad.yml:3: group g: rules: want a list of rules, got String`},
		{"misspelt key", "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    lables:\n      severity: page\n",
			`bad.yml:6: group g: rule: unknown field "lables"`},
		{"labels a list", "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    labels: [a, b]\n",
			"bad.yml:6: group g: rule: "},
		{"syntax", "groups:\n- name: g\n  rules:\n  - alert: A\n   expr: up\n", "bad.yml:5: not valid YAML: "},
		{"crd with bad rule in second document",
			"apiVersion: v1\nkind: ConfigMap\n---\napiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nspec:\n  groups:\n  - name: g\n    rules:\n    - alert: A\n      expr: up\n      for: soon\n",
			`bad.yml:12: alert A: for: want a Prometheus duration such as 5m, 1h30m or 2d, got "soon"`},
		{"no rules at all", "apiVersion: v1\nkind: ConfigMap\n",
			"bad.yml: no rule groups: want top-level groups: (a Prometheus rule file) or a kind: PrometheusRule resource"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			name := filepath.Join(dir, "bad.yml")
			os.WriteFile(name, []byte(c.yaml), 0o644)
			t.Chdir(dir)
			_, err := Read("bad.yml")
			if err == nil {
				t.Fatal("want an error")
			}
			if strings.HasSuffix(c.want, ": ") {
				if !strings.HasPrefix(err.Error(), c.want) {
					t.Errorf("error\n got %s\nwant it to start with %s", err, c.want)
				}
			} else if err.Error() != c.want {
				t.Errorf("error\n got %s\nwant %s", err, c.want)
			}
		})
	}
}

func TestMultiDocumentFileAndFolderSkips(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "sub", ".git"), 0o755)
	// Two PrometheusRule resources and a ConfigMap in one file.
	os.WriteFile(filepath.Join(dir, "sub", "multi.yaml"), []byte(`kind: PrometheusRule
spec:
  groups:
  - name: a
    rules:
    - alert: A1
      expr: up == 0
      annotations: {runbook: "https://wiki.example.com/A1"}
    - record: job:up:sum
      expr: sum by (job) (up)
---
kind: ConfigMap
data: {x: y}
---
kind: PrometheusRule
spec:
  groups:
  - name: b
    rules:
    - alert: B1
      expr: up == 0
      labels: {team: Platform, severity: page}
`), 0o644)
	os.WriteFile(filepath.Join(dir, "kustomization.yml"), []byte("resources: [multi.yaml]\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "README.md"), []byte("groups: not yaml rules\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "sub", ".git", "config.yml"), []byte("groups: [[[\n"), 0o644)
	p, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Files) != 2 {
		t.Fatalf("%d files, want kustomization.yml and sub/multi.yaml: %+v", len(p.Files), p.Files)
	}
	k, m := p.Files[0], p.Files[1]
	if k.Name != filepath.Join(dir, "kustomization.yml") || !k.NotRules {
		t.Errorf("kustomization: %+v", k)
	}
	if len(m.Alerting) != 2 || m.Recording != 1 || m.WithRunbook() != 1 ||
		m.Alerting[0].RunbookURL != "https://wiki.example.com/A1" || m.Alerting[1].Team != "Platform" || m.Alerting[1].Severity != "page" {
		t.Errorf("multi.yaml: %+v", m)
	}
}

// BenchmarkImportFolder reads the six real files (196 alerting, 146 recording rules)
// and replaces their rows, as 'alertlens rules import' does.
func BenchmarkImportFolder(b *testing.B) {
	dir := ingesttest.Formats(b, "prometheus_rules")
	db := ingesttest.OpenDB(b)
	for b.Loop() {
		p, err := Read(dir)
		if err != nil {
			b.Fatal(err)
		}
		if err := Store(context.Background(), db, []Path{p}, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadFolder is the parsing part of BenchmarkImportFolder alone.
func BenchmarkReadFolder(b *testing.B) {
	dir := ingesttest.Formats(b, "prometheus_rules")
	for b.Loop() {
		if _, err := Read(dir); err != nil {
			b.Fatal(err)
		}
	}
}

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
	dir := filepath.Join("testdata", "samples")
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
	dir := filepath.Join("testdata", "samples")
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
	dir := filepath.Join("testdata", "samples")
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

// One bad file per case in testdata/bad, with the exact error it gets, as
// Alertmanager's config tests and pint keep theirs: a change in a message or a line
// number shows in review. Every file is a rule file (or named explicitly), so each is
// refused, not skipped.
func TestBadFilesNameFileAndLine(t *testing.T) {
	const dur = "want a Prometheus duration such as 5m, 1h30m or 2d, got"
	cases := map[string]string{
		"after-comments.yml":                      `8: alert A: for: ` + dur + ` "1x"`,
		"alert-and-record.yml":                    `4: group g: a rule has both alert: A and record: r; want one`,
		"bad-duration.yml":                        `6: alert A: for: ` + dur + ` "5x"`,
		"duplicate-annotation.yml":                `10: not valid YAML: mapping key "summary" already defined at [9:7]`,
		"duration-after-block-expr.yml":           `7: alert A: for: ` + dur + ` "5 minutes"`,
		"duration-out-of-order.yml":               `6: alert A: for: ` + dur + ` "30m1h"`,
		"for-a-list.yml":                          `6: group g: rule: cannot unmarshal []interface {} into Go struct field ruleFields.For of type string`,
		"group-key-rule-for-rules.yml":            `3: group node: unknown key "rule", did you mean "rules"?`,
		"group-key-unknown.yml":                   `7: group disk: unknown key "evaluation_interval"; a rule group takes name, interval, query_offset, limit, labels and rules (and the extensions of Thanos, Mimir and vmalert)`,
		"groups-not-a-list.yml":                   `1: groups: want a list of rule groups, got Mapping`,
		"groups-without-rules.yml":                `1: groups: no group has rules:; want a list of rule groups (name: and rules:)`,
		"helm-template.yaml":                      `1: not valid YAML: could not find flow map content (it holds {{ }}: a template, such as a Helm chart's, is read once rendered: helm template ... > rules.yaml)`,
		"labels-a-list.yml":                       `6: group g: rule: sequence was used where mapping is expected`,
		"misspelt-after-document-start.yml":       `7: group g: rule: unknown field "keep_firing"`,
		"misspelt-rule-key.yml":                   `6: group g: rule: unknown field "lables"`,
		"neither-alert-nor-record.yml":            `4: group g: a rule needs alert: (or record:)`,
		"no-expr.yml":                             `4: alert A: expr is missing`,
		"no-group-name.yml":                       `2: rule group: name is missing`,
		"no-rule-groups.yml":                      ` no rule groups: want top-level groups: (a Prometheus rule file) or a kind: PrometheusRule resource`,
		"prometheusrule-bad-second-document.yaml": `12: alert A: for: ` + dur + ` "soon"`,
		"rules-not-a-list.yml":                    `3: group g: rules: want a list of rules, got String`,
		"syntax.yml":                              `5: not valid YAML: value is not allowed in this context`,
	}
	files, err := filepath.Glob(filepath.Join("testdata", "bad", "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(cases) {
		t.Errorf("%d files in testdata/bad, %d cases: every file needs its expected error", len(files), len(cases))
	}
	for _, name := range files {
		base := filepath.Base(name)
		t.Run(base, func(t *testing.T) {
			want, ok := cases[base]
			if !ok {
				t.Fatalf("no expected error for %s", name)
			}
			want = name + ":" + want
			_, err := Read(name)
			if err == nil || err.Error() != want {
				t.Errorf("error\n got %v\nwant %s", err, want)
			}
			// In a folder, a rule file that is broken still fails the import; the
			// template and the file of no rule groups are skipped there instead.
			dir := t.TempDir()
			data, _ := os.ReadFile(name)
			os.WriteFile(filepath.Join(dir, base), data, 0o644)
			p, err := Read(dir)
			switch base {
			case "helm-template.yaml", "no-rule-groups.yml", "groups-without-rules.yml", "groups-not-a-list.yml":
				if err != nil || len(p.Skipped) != 1 || len(p.Files) != 0 {
					t.Errorf("in a folder: %v, skipped %+v, files %d; want it skipped", err, p.Skipped, len(p.Files))
				}
			default:
				if err == nil || !strings.HasSuffix(err.Error(), strings.TrimPrefix(want, name)) {
					t.Errorf("in a folder: error %v, want the same as named alone", err)
				}
			}
		})
	}
}

// A repository's root, in small: two rule files beside an Alertmanager config, a
// kustomization, a .travis.yml that is not YAML, a Helm template and a testdata folder
// with a broken rule file. Counted by hand from the files.
func TestTreeSkipsWhatIsNotRules(t *testing.T) {
	root := filepath.Join("testdata", "tree")
	p, err := Read(root)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range p.Files {
		got = append(got, fmt.Sprintf("%s %d/%d/%d", strings.TrimPrefix(f.Name, root+"/"), len(f.Alerting), f.WithRunbook(), f.Recording))
	}
	want := []string{"rules/app-prometheusrule.yaml 1/1/0", "rules/node.rules.yml 2/1/1"}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("rule files (alerting/with runbook/recording)\n got %v\nwant %v", got, want)
	}
	got = nil
	for _, s := range p.Skipped {
		got = append(got, fmt.Sprintf("%s: %s", strings.TrimPrefix(s.Name, root+"/"), s.Reason.Summary(false)))
	}
	want = []string{
		".travis.yml: is not valid YAML and mentions no groups: or PrometheusRule",
		"alertmanager.yml: holds no rule groups",
		"charts/app/templates/prometheusrule.yaml: is a template ({{ }}) not valid as YAML or rules until rendered",
		"kustomization.yaml: holds no rule groups",
		"testdata: holds test fixtures (testdata)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("skipped\n got %q\nwant %q", got, want)
	}
	// The template's rules are not half-read: nothing of it is kept.
	for _, f := range p.Files {
		for _, d := range f.Alerting {
			if d.Rule == "AppDown" {
				t.Errorf("the Helm template's AppDown was read: %+v", d)
			}
		}
	}
	node := p.Files[1].Alerting[0]
	if node.Rule != "NodeDown" || node.Line != 4 || node.Team != "infra" ||
		node.RunbookURL != "https://runbooks.example.com/node/{{ $labels.instance }}" {
		t.Errorf("NodeDown: %+v", node)
	}
}

// A template that is YAML but whose values are templates ({{ .Values.for }} quoted) is
// skipped in a folder too: its rules are only valid once rendered.
func TestTemplateThatParsesIsSkipped(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "rule.yaml"), []byte("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    for: \"{{ .Values.for }}\"\n"), 0o644)
	p, err := Read(dir)
	if err != nil || len(p.Files) != 0 || len(p.Skipped) != 1 || p.Skipped[0].Reason != SkipTemplate {
		t.Errorf("error %v, files %+v, skipped %+v; want the template skipped", err, p.Files, p.Skipped)
	}
}

func TestGroupKeysAndLabels(t *testing.T) {
	f, err := Parse("g.yml", "/g.yml", []byte(`groups:
- name: g
  interval: 1m
  query_offset: 30s
  limit: 10
  partial_response_strategy: warn
  labels: {team: payments}
  rules:
  - alert: A
    expr: up == 0
    labels: {severity: page, team: other}
`))
	if err != nil {
		t.Fatal(err)
	}
	// The group's labels are added to the rule's, overwriting them.
	d := f.Alerting[0]
	if d.Team != "payments" || d.Severity != "page" || len(d.Labels) != 2 || d.Line != 9 {
		t.Errorf("definition %+v", d)
	}
	// groups: [] is a rule file with nothing in it yet, not another tool's YAML.
	f, err = Parse("e.yml", "/e.yml", []byte("groups: []\n"))
	if err != nil || f.Skip != SkipNone || len(f.Alerting) != 0 {
		t.Errorf("groups: []: %v, %+v", err, f)
	}
}

func TestAmbiguities(t *testing.T) {
	f, err := Parse("a.yml", "/a.yml", []byte(`groups:
- name: upstream
  rules:
  - alert: HighErrorRate
    expr: errors > 1
    labels: {severity: page}
    annotations: {runbook_url: https://r/upstream}
  - alert: HighErrorRate
    expr: errors > 1
    labels: {severity: page, team: payments}
    annotations: {runbook_url: https://r/payments}
  - alert: HighErrorRate
    expr: errors > 1
    labels: {severity: page, team: infra}
    annotations: {runbook_url: https://r/infra}
  - alert: DiskFull
    expr: disk > 0.9
    labels: {severity: page}
    annotations: {runbook_url: https://r/disk-a}
  - alert: DiskFull
    expr: disk > 0.95
    labels: {severity: page}
    annotations: {runbook_url: https://r/disk-b}
  - alert: Same
    expr: a
    annotations: {runbook_url: https://r/same}
  - alert: Same
    expr: b
    annotations: {runbook_url: https://r/same}
`))
	if err != nil {
		t.Fatal(err)
	}
	// HighErrorRate's definitions are told apart by team (infra and payments cannot both
	// be an alert's), and the upstream one sets fewer labels; DiskFull's two are equal
	// for any alert and disagree; Same's agree.
	var got []string
	for _, a := range Ambiguities([]Path{{Files: []File{f}}}) {
		for _, p := range a.Places {
			got = append(got, fmt.Sprintf("%s a.yml:%d %s", a.Rule, p.Line, p.RunbookURL))
		}
	}
	want := []string{"DiskFull a.yml:16 https://r/disk-a", "DiskFull a.yml:20 https://r/disk-b"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("ambiguities\n got %q\nwant %q", got, want)
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
	if len(p.Files) != 1 {
		t.Fatalf("%d rule files, want sub/multi.yaml: %+v", len(p.Files), p.Files)
	}
	m := p.Files[0]
	if len(p.Skipped) != 1 || p.Skipped[0].Name != filepath.Join(dir, "kustomization.yml") || p.Skipped[0].Reason != SkipNoGroups {
		t.Errorf("skipped %+v, want kustomization.yml", p.Skipped)
	}
	if len(m.Alerting) != 2 || m.Recording != 1 || m.WithRunbook() != 1 ||
		m.Alerting[0].RunbookURL != "https://wiki.example.com/A1" || m.Alerting[1].Team != "Platform" || m.Alerting[1].Severity != "page" {
		t.Errorf("multi.yaml: %+v", m)
	}
}

// BenchmarkImportFolder reads the six real files (196 alerting, 146 recording rules)
// and replaces their rows, as 'alertlens rules import' does.
func BenchmarkImportFolder(b *testing.B) {
	dir := filepath.Join("testdata", "samples")
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
	dir := filepath.Join("testdata", "samples")
	for b.Loop() {
		if _, err := Read(dir); err != nil {
			b.Fatal(err)
		}
	}
}

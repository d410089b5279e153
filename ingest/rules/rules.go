// Package rules reads alert definitions from Prometheus rule files (top-level groups:)
// and PrometheusRule resources (spec.groups), so that runbook coverage can be measured
// over the rules defined in code, not only over those that fired.
package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/prometheus/common/model"
)

// Definition is one alerting rule as a rule file defines it.
type Definition struct {
	Group       string
	Rule        string // the alert: name
	Expr        string
	ForSeconds  int
	Severity    string // the severity label
	Team        string // the team label
	Labels      map[string]string
	Annotations map[string]string
	RunbookURL  string // the runbook_url annotation, else runbook
	Summary     string // the summary annotation, else description, else message
	Line        int    // where the rule starts in its file
}

// File is what one YAML file holds.
type File struct {
	Name      string // as shown to the user: the PATH argument, joined with the path below it
	Abs       string // absolute, as stored
	Alerting  []Definition
	Recording int // recording rules, which are not alerts and are skipped
	// Skip says why the file is not a rule file (SkipNone for one). Read lists such
	// files of a folder in Path.Skipped and refuses them when named explicitly.
	Skip Skip
	// skipErr is what an explicitly named file of that kind is refused with.
	skipErr *Error
}

// WithRunbook counts the file's alerting rules that carry a runbook link.
func (f File) WithRunbook() int {
	n := 0
	for _, d := range f.Alerting {
		if d.RunbookURL != "" {
			n++
		}
	}
	return n
}

// Path is everything read from one PATH argument, a file or a folder.
type Path struct {
	Abs     string // absolute and clean: the key that a re-import replaces
	Files   []File // the rule files
	Skipped []Skipped
}

// Skip is why a file or folder under a PATH was not read as rules.
type Skip int

const (
	SkipNone     Skip = iota
	SkipNoGroups      // YAML that holds no rule groups: a kustomization, an Alertmanager config, CI config
	SkipInvalid       // not valid YAML, and nothing in it says groups: or PrometheusRule
	SkipTemplate      // holds {{ }} and is not YAML, or not valid rules, until rendered (Helm, Jinja)
	SkipTestdata      // a testdata folder: test fixtures, deliberately broken rule files among them
)

// Summary is how a list of skipped files of this kind is introduced: "skipped 3 files
// that " + Summary(true) + ": a, b, c".
func (k Skip) Summary(plural bool) string {
	pick := func(one, many string) string {
		if plural {
			return many
		}
		return one
	}
	switch k {
	case SkipNoGroups:
		return pick("holds", "hold") + " no rule groups"
	case SkipInvalid:
		return pick("is", "are") + " not valid YAML and mention" + pick("s", "") + " no groups: or PrometheusRule"
	case SkipTemplate:
		return pick("is a template", "are templates") + " ({{ }}) not valid as YAML or rules until rendered"
	case SkipTestdata:
		return pick("holds", "hold") + " test fixtures (testdata)"
	}
	return pick("is a rule file", "are rule files")
}

// Skipped is one file (or testdata folder) of a folder that was not read as rules.
type Skipped struct {
	Name   string // as shown to the user, like File.Name
	Reason Skip
	Detail string // the YAML or rule error, for a template or an invalid file
}

// Error is a problem in a rule file: where it is and what was wrong.
type Error struct {
	File string
	Line int // 0 when the whole file is concerned
	Msg  string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// Read reads a rule file, or every *.yml and *.yaml file below a folder (hidden
// folders such as .git, and testdata folders, are skipped). A file named explicitly is
// read whatever its extension, and must be a rule file. Of a folder, the files that
// are not rule files (a kustomization, an Alertmanager config, a .travis.yml, a Helm
// template that is not YAML until rendered) are listed in Path.Skipped: importing a
// repository's root must not fail on the first YAML file that is not about rules. A
// file that is a rule file and is broken still fails the whole import.
func Read(path string) (Path, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return Path{}, err
	}
	out := Path{Abs: abs}
	info, err := os.Stat(path)
	if err != nil {
		return out, err
	}
	if !info.IsDir() {
		f, err := readFile(path, abs)
		if err != nil {
			return out, err
		}
		if f.Skip != SkipNone {
			return out, f.skipErr
		}
		out.Files = []File{f}
		return out, nil
	}
	err = filepath.WalkDir(path, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name == path {
				return nil
			}
			if strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			// Go's convention, and others': fixtures for tests, among them rule files
			// broken on purpose (Thanos keeps three). They are nobody's alerts.
			if d.Name() == "testdata" {
				out.Skipped = append(out.Skipped, Skipped{Name: name, Reason: SkipTestdata})
				return filepath.SkipDir
			}
			return nil
		}
		if ext := strings.ToLower(filepath.Ext(name)); ext != ".yml" && ext != ".yaml" {
			return nil
		}
		fileAbs, err := filepath.Abs(name)
		if err != nil {
			return err
		}
		f, err := readFile(name, fileAbs)
		if err != nil {
			return err
		}
		if f.Skip != SkipNone {
			out.Skipped = append(out.Skipped, Skipped{Name: name, Reason: f.Skip, Detail: f.skipErr.Msg})
			return nil
		}
		out.Files = append(out.Files, f)
		return nil
	})
	return out, err
}

func readFile(name, abs string) (File, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return File{}, err
	}
	return Parse(name, abs, data)
}

var (
	// ruleFileHint finds what makes a file that is not valid YAML a broken rule file
	// rather than some other broken file: a groups: key or a PrometheusRule kind.
	ruleFileHint = regexp.MustCompile(`(?m)^\s*(-\s+)?groups\s*:|kind\s*:\s*["']?PrometheusRule\b`)
	templateMark = []byte("{{")
)

// Parse reads one file's content: a single document or several (---). A file that
// is not a rule file comes back with Skip set and no error; an error is a rule file
// that is broken.
func Parse(name, abs string, data []byte) (File, error) {
	f := File{Name: name, Abs: abs}
	p := &fileParser{name: name}
	isTemplate := bytes.Contains(data, templateMark)
	skip := func(k Skip, e *Error) (File, error) {
		f.Skip, f.skipErr = k, e
		f.Alerting, f.Recording = nil, 0 // what a template's rules held before the error is not kept
		return f, nil
	}
	parsed, err := parser.ParseBytes(data, 0)
	if err != nil {
		e := p.yamlErr(err, "not valid YAML")
		switch {
		case isTemplate:
			e.Msg += " (it holds {{ }}: a template, such as a Helm chart's, is read once rendered: helm template ... > rules.yaml)"
			return skip(SkipTemplate, e)
		case !ruleFileHint.Match(data):
			return skip(SkipInvalid, e)
		}
		return f, e
	}
	found := false
	var hint *Error
	for _, doc := range parsed.Docs {
		groups, ok, why, err := p.groupsOf(doc)
		if err == nil && ok {
			err = p.readGroups(&f, groups)
		}
		if err != nil {
			var e *Error
			if isTemplate && errors.As(err, &e) {
				// {{ }} inside the values: the rules are only valid once rendered.
				e.Msg += " (it holds {{ }}: a template is read once rendered)"
				return skip(SkipTemplate, e)
			}
			return f, err
		}
		if !ok {
			if hint == nil {
				hint = why
			}
			continue
		}
		found = true
	}
	if !found {
		if hint == nil {
			hint = &Error{File: name, Msg: "no rule groups: want top-level groups: (a Prometheus rule file) or a kind: PrometheusRule resource"}
		}
		return skip(SkipNoGroups, hint)
	}
	return f, nil
}

type fileParser struct{ name string }

func (p *fileParser) errAt(n ast.Node, format string, args ...any) *Error {
	return &Error{File: p.name, Line: line(n), Msg: fmt.Sprintf(format, args...)}
}

func line(n ast.Node) int {
	if n == nil || n.GetToken() == nil {
		return 0
	}
	return n.GetToken().Position.Line
}

// yamlErr turns a go-yaml error into an Error at the position go-yaml reports.
func (p *fileParser) yamlErr(err error, what string) *Error {
	var ye yaml.Error
	if errors.As(err, &ye) && ye.GetToken() != nil {
		return &Error{File: p.name, Line: ye.GetToken().Position.Line, Msg: what + ": " + ye.GetMessage()}
	}
	return &Error{File: p.name, Msg: what + ": " + err.Error()}
}

// groupsOf finds a document's list of rule groups: spec.groups in a PrometheusRule,
// top-level groups: in a rule file. ok is false for any other document, with why it
// is not a rule file when it has a top-level groups: of another shape. Other tools
// use groups: too, so a top-level groups: makes a rule file only when it is a list of
// mappings of which one has rules: (or a key one typo away from it, which readGroups
// then refuses): a list of groups without rules is somebody else's YAML.
func (p *fileParser) groupsOf(doc *ast.DocumentNode) (groups *ast.MappingValueNode, ok bool, why *Error, err error) {
	if doc.Body == nil || doc.Body.Type() != ast.MappingType {
		return nil, false, nil, nil
	}
	var top struct {
		Kind any `yaml:"kind"`
	}
	if err := yaml.NodeToValue(doc.Body, &top); err != nil {
		return nil, false, nil, p.yamlErr(err, "not a rule file or PrometheusRule")
	}
	if top.Kind == "PrometheusRule" {
		spec := entry(doc.Body, "spec")
		if spec == nil || spec.Value.Type() != ast.MappingType {
			return nil, false, nil, p.errAt(doc.Body, "PrometheusRule: want spec: with groups:")
		}
		return entry(spec.Value, "groups"), true, nil, nil
	}
	groups = entry(doc.Body, "groups")
	if top.Kind != nil || groups == nil {
		return nil, false, nil, nil
	}
	seq, isList := groups.Value.(*ast.SequenceNode)
	if !isList {
		return nil, false, p.errAt(groups.Key, "groups: want a list of rule groups, got %s", groups.Value.Type()), nil
	}
	if len(seq.Values) == 0 {
		return groups, true, nil, nil // groups: [], a generated rule file with nothing in it yet
	}
	for _, g := range seq.Values {
		m, isMap := g.(*ast.MappingNode)
		if !isMap {
			continue
		}
		for _, kv := range m.Values {
			if k := keyOf(kv); k == "rules" || nearRules(k) {
				return groups, true, nil, nil
			}
		}
	}
	return nil, false, p.errAt(groups.Key, "groups: no group has rules:; want a list of rule groups (name: and rules:)"), nil
}

// groupKeys are the keys a rule group may have: Prometheus's own (rulefmt.RuleGroup)
// and the extensions of the rulers that read the same files. Any other key is refused,
// so that a misspelt rules: does not silently drop the group's rules.
var groupKeys = map[string]bool{
	// Prometheus
	"name": true, "interval": true, "rules": true, "limit": true, "query_offset": true, "labels": true,
	// Thanos Ruler
	"partial_response_strategy": true,
	// Cortex and Grafana Mimir rulers
	"source_tenants": true, "evaluation_delay": true, "align_evaluation_time_to_interval": true,
	// VictoriaMetrics vmalert
	"type": true, "concurrency": true, "params": true, "headers": true, "notifier_headers": true,
	"eval_offset": true, "eval_delay": true, "eval_alignment": true, "debug": true, "tenant": true,
}

func keyOf(kv *ast.MappingValueNode) string {
	if kv.Key == nil || kv.Key.GetToken() == nil {
		return ""
	}
	return kv.Key.GetToken().Value
}

// nearRules tells a misspelling of rules: (rule:, rulse:, Rules:) from other keys.
func nearRules(k string) bool {
	return k != "rules" && editDistance(strings.ToLower(k), "rules") <= 2 && len(k) >= 3
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func (p *fileParser) readGroups(f *File, groups *ast.MappingValueNode) error {
	items, err := p.list(groups, "groups", "rule groups")
	if err != nil {
		return err
	}
	for _, g := range items {
		var group struct {
			Name   string            `yaml:"name"`
			Labels map[string]string `yaml:"labels"`
		}
		m, ok := g.(*ast.MappingNode)
		if !ok {
			return p.errAt(g, "groups: want a rule group (name: and rules:), got %s", g.Type())
		}
		if err := yaml.NodeToValue(g, &group); err != nil {
			return p.yamlErr(err, "rule group")
		}
		if strings.TrimSpace(group.Name) == "" {
			return p.errAt(g, "rule group: name is missing")
		}
		for _, kv := range m.Values {
			k := keyOf(kv)
			if groupKeys[k] {
				continue
			}
			if nearRules(k) {
				return p.errAt(kv.Key, "group %s: unknown key %q, did you mean \"rules\"?", group.Name, k)
			}
			return p.errAt(kv.Key, "group %s: unknown key %q; a rule group takes name, interval, query_offset, limit, labels and rules (and the extensions of Thanos, Mimir and vmalert)", group.Name, k)
		}
		rules, err := p.list(entry(m, "rules"), "group "+group.Name+": rules", "rules")
		if err != nil {
			return err
		}
		for _, r := range rules {
			if err := p.readRule(f, group.Name, group.Labels, r); err != nil {
				return err
			}
		}
	}
	return nil
}

// list reads the sequence of a key; an absent or null one is empty.
func (p *fileParser) list(kv *ast.MappingValueNode, what, of string) ([]ast.Node, error) {
	if kv == nil || kv.Value == nil || kv.Value.Type() == ast.NullType {
		return nil, nil
	}
	seq, ok := kv.Value.(*ast.SequenceNode)
	if !ok {
		return nil, p.errAt(kv.Key, "%s: want a list of %s, got %s", what, of, kv.Value.Type())
	}
	return seq.Values, nil
}

// ruleFields are the keys Prometheus accepts in a rule; any other is refused, as
// Prometheus refuses it, so that a misspelt key (lables:) is not silently dropped.
type ruleFields struct {
	Alert         string            `yaml:"alert"`
	Record        string            `yaml:"record"`
	Expr          string            `yaml:"expr"`
	For           string            `yaml:"for"`
	KeepFiringFor string            `yaml:"keep_firing_for"`
	Labels        map[string]string `yaml:"labels"`
	Annotations   map[string]string `yaml:"annotations"`
}

func (p *fileParser) readRule(f *File, group string, groupLabels map[string]string, n ast.Node) error {
	if n.Type() != ast.MappingType {
		return p.errAt(n, "group %s: want a rule (alert: or record:, expr:), got %s", group, n.Type())
	}
	var r ruleFields
	if err := yaml.NodeToValue(n, &r, yaml.DisallowUnknownField()); err != nil {
		return p.yamlErr(err, "group "+group+": rule")
	}
	switch {
	case r.Alert != "" && r.Record != "":
		return p.errAt(n, "group %s: a rule has both alert: %s and record: %s; want one", group, r.Alert, r.Record)
	case r.Record != "":
		f.Recording++
		return nil
	case r.Alert == "":
		return p.errAt(n, "group %s: a rule needs alert: (or record:)", group)
	case strings.TrimSpace(r.Expr) == "":
		return p.errAt(n, "alert %s: expr is missing", r.Alert)
	}
	forSeconds := 0
	if r.For != "" {
		d, err := model.ParseDuration(r.For)
		if err != nil {
			return p.errAt(entry(n, "for").Key, "alert %s: for: want a Prometheus duration such as 5m, 1h30m or 2d, got %q", r.Alert, r.For)
		}
		secs := time.Duration(d) / time.Second
		if secs > math.MaxInt32 {
			return p.errAt(entry(n, "for").Key, "alert %s: for: %s is longer than 68 years", r.Alert, r.For)
		}
		forSeconds = int(secs)
	}
	// A group's labels: are added to each of its rules, overwriting the rule's own
	// ("labels to add or overwrite for each rule in the group"): the alerts carry them,
	// and the models match definitions to alerts by them.
	labels := r.Labels
	if len(groupLabels) > 0 {
		labels = maps.Clone(r.Labels)
		if labels == nil {
			labels = map[string]string{}
		}
		maps.Copy(labels, groupLabels)
	}
	f.Alerting = append(f.Alerting, Definition{
		Group:       group,
		Rule:        r.Alert,
		Expr:        strings.TrimSpace(r.Expr),
		ForSeconds:  forSeconds,
		Severity:    labels["severity"],
		Team:        labels["team"],
		Labels:      labels,
		Annotations: r.Annotations,
		RunbookURL:  firstOf(r.Annotations["runbook_url"], r.Annotations["runbook"]),
		// Older kube-prometheus mixins say it in message.
		Summary: firstOf(r.Annotations["summary"], r.Annotations["description"], r.Annotations["message"]),
		Line:    line(n),
	})
	return nil
}

// entry finds a key of a mapping, nil when absent. Errors about a key's value are
// reported at the key's line: where a value starts on the next line (a mapping given
// for groups: or rules:, a for: value on its own line), the value's line is one below
// the key the message names.
func entry(n ast.Node, key string) *ast.MappingValueNode {
	if m, ok := n.(*ast.MappingNode); ok {
		for _, kv := range m.Values {
			if keyOf(kv) == key {
				return kv
			}
		}
	}
	return nil
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if s := strings.TrimSpace(v); s != "" {
			return s
		}
	}
	return ""
}

// Place is where one definition of an alert is.
type Place struct {
	File       string // as shown to the user
	Line       int
	Group      string
	RunbookURL string
}

// Ambiguity is an alert name with definitions that one alert can match equally well
// (each label they both set has the same value, or a template, and they set as many)
// while they give different runbooks. The models match an incident to the definitions
// of its name whose labels it carries and prefer the one setting the most labels
// (sql/staging/stg_incident_runbooks.sql); between these, no runbook is taken, rather
// than an arbitrary one.
type Ambiguity struct {
	Rule   string
	Places []Place
}

// Ambiguities finds them among everything read, in order of rule name.
func Ambiguities(paths []Path) []Ambiguity {
	type def struct {
		Place
		labels map[string]string
	}
	byName := map[string][]def{}
	var names []string
	for _, p := range paths {
		for _, f := range p.Files {
			for _, d := range f.Alerting {
				if _, ok := byName[d.Rule]; !ok {
					names = append(names, d.Rule)
				}
				byName[d.Rule] = append(byName[d.Rule], def{Place{f.Name, d.Line, d.Group, d.RunbookURL}, d.Labels})
			}
		}
	}
	sort.Strings(names)
	var out []Ambiguity
	for _, name := range names {
		defs := byName[name]
		in := make([]bool, len(defs))
		for i := range defs {
			for j := i + 1; j < len(defs); j++ {
				a, b := defs[i], defs[j]
				if a.RunbookURL != b.RunbookURL && len(a.labels) == len(b.labels) && compatible(a.labels, b.labels) {
					in[i], in[j] = true, true
				}
			}
		}
		amb := Ambiguity{Rule: name}
		for i, d := range defs {
			if in[i] {
				amb.Places = append(amb.Places, d.Place)
			}
		}
		if len(amb.Places) > 0 {
			out = append(out, amb)
		}
	}
	return out
}

// compatible tells whether one alert can carry both label sets.
func compatible(a, b map[string]string) bool {
	for k, v := range a {
		if w, ok := b[k]; ok && v != w && !strings.Contains(v, "{{") && !strings.Contains(w, "{{") {
			return false
		}
	}
	return true
}

// Package rules reads alert definitions from Prometheus rule files (top-level groups:)
// and PrometheusRule resources (spec.groups), so that runbook coverage can be measured
// over the rules defined in code, not only over those that fired.
package rules

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
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
}

// File is what one YAML file holds.
type File struct {
	Name      string // as shown to the user: the PATH argument, joined with the path below it
	Abs       string // absolute, as stored
	Alerting  []Definition
	Recording int  // recording rules, which are not alerts and are skipped
	NotRules  bool // a YAML file found in a folder that holds no rule groups
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
	Abs   string // absolute and clean: the key that a re-import replaces
	Files []File
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
// folders such as .git are skipped). A file named explicitly is read whatever its
// extension, and must hold rule groups; a file found in a folder that holds none
// (a kustomization, an Alertmanager config) is listed as not a rule file.
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
		if f.NotRules {
			return out, &Error{File: path, Msg: "no rule groups: want top-level groups: (a Prometheus rule file) or a kind: PrometheusRule resource"}
		}
		out.Files = []File{f}
		return out, nil
	}
	err = filepath.WalkDir(path, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name != path && strings.HasPrefix(d.Name(), ".") {
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

// Parse reads one file's content: a single document or several (---).
func Parse(name, abs string, data []byte) (File, error) {
	f := File{Name: name, Abs: abs}
	p := &fileParser{name: name}
	parsed, err := parser.ParseBytes(data, 0)
	if err != nil {
		return f, p.yamlErr(err, "not valid YAML")
	}
	found := false
	for _, doc := range parsed.Docs {
		groups, ok, err := p.groupsOf(doc)
		if err != nil {
			return f, err
		}
		if !ok {
			continue
		}
		found = true
		if err := p.readGroups(&f, groups); err != nil {
			return f, err
		}
	}
	f.NotRules = !found
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
func (p *fileParser) yamlErr(err error, what string) error {
	var ye yaml.Error
	if errors.As(err, &ye) && ye.GetToken() != nil {
		return &Error{File: p.name, Line: ye.GetToken().Position.Line, Msg: what + ": " + ye.GetMessage()}
	}
	return &Error{File: p.name, Msg: what + ": " + err.Error()}
}

// groupsOf finds a document's list of rule groups: top-level groups: in a rule file,
// spec.groups in a PrometheusRule. ok is false for any other document.
func (p *fileParser) groupsOf(doc *ast.DocumentNode) (groups ast.Node, ok bool, err error) {
	if doc.Body == nil || doc.Body.Type() != ast.MappingType {
		return nil, false, nil
	}
	var top struct {
		Kind   string   `yaml:"kind"`
		Groups ast.Node `yaml:"groups"`
		Spec   struct {
			Groups ast.Node `yaml:"groups"`
		} `yaml:"spec"`
	}
	if err := yaml.NodeToValue(doc.Body, &top); err != nil {
		return nil, false, p.yamlErr(err, "not a rule file or PrometheusRule")
	}
	switch {
	case top.Kind == "PrometheusRule":
		return top.Spec.Groups, true, nil
	case top.Kind == "" && top.Groups != nil:
		return top.Groups, true, nil
	}
	return nil, false, nil
}

func (p *fileParser) readGroups(f *File, groups ast.Node) error {
	items, err := p.list(groups, "groups", "rule groups")
	if err != nil {
		return err
	}
	for _, g := range items {
		var group struct {
			Name  string   `yaml:"name"`
			Rules ast.Node `yaml:"rules"`
		}
		if g.Type() != ast.MappingType {
			return p.errAt(g, "groups: want a rule group (name: and rules:), got %s", g.Type())
		}
		if err := yaml.NodeToValue(g, &group); err != nil {
			return p.yamlErr(err, "rule group")
		}
		if strings.TrimSpace(group.Name) == "" {
			return p.errAt(g, "rule group: name is missing")
		}
		rules, err := p.list(group.Rules, "group "+group.Name+": rules", "rules")
		if err != nil {
			return err
		}
		for _, r := range rules {
			if err := p.readRule(f, group.Name, r); err != nil {
				return err
			}
		}
	}
	return nil
}

// list reads a sequence; an absent or null one is empty.
func (p *fileParser) list(n ast.Node, what, of string) ([]ast.Node, error) {
	if n == nil || n.Type() == ast.NullType {
		return nil, nil
	}
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		return nil, p.errAt(n, "%s: want a list of %s, got %s", what, of, n.Type())
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

func (p *fileParser) readRule(f *File, group string, n ast.Node) error {
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
			return p.errAt(valueOf(n, "for"), "alert %s: for: want a Prometheus duration such as 5m, 1h30m or 2d, got %q", r.Alert, r.For)
		}
		secs := time.Duration(d) / time.Second
		if secs > math.MaxInt32 {
			return p.errAt(valueOf(n, "for"), "alert %s: for: %s is longer than 68 years", r.Alert, r.For)
		}
		forSeconds = int(secs)
	}
	f.Alerting = append(f.Alerting, Definition{
		Group:       group,
		Rule:        r.Alert,
		Expr:        strings.TrimSpace(r.Expr),
		ForSeconds:  forSeconds,
		Severity:    r.Labels["severity"],
		Team:        r.Labels["team"],
		Labels:      r.Labels,
		Annotations: r.Annotations,
		RunbookURL:  firstOf(r.Annotations["runbook_url"], r.Annotations["runbook"]),
		// Older kube-prometheus mixins say it in message.
		Summary: firstOf(r.Annotations["summary"], r.Annotations["description"], r.Annotations["message"]),
	})
	return nil
}

// valueOf finds the value of a key in a mapping, for its line; n itself when absent.
func valueOf(n ast.Node, key string) ast.Node {
	if m, ok := n.(*ast.MappingNode); ok {
		for _, kv := range m.Values {
			if kv.Key.GetToken() != nil && kv.Key.GetToken().Value == key {
				return kv.Value
			}
		}
	}
	return n
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if s := strings.TrimSpace(v); s != "" {
			return s
		}
	}
	return ""
}

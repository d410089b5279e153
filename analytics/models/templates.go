package models

import (
	"regexp"
	"strings"

	"github.com/alertlens/alertlens/config"
)

// Title templating (METRICS.md, "Alert rule identity"): the lower-cased title with the
// parts that vary between occurrences of one alert replaced by placeholders, so that
// "[db-7] CPU at 93% on 10.0.3.4" and "[db-2] CPU at 88% on 10.0.9.1" are one rule.
// Order matters: quoted values and the longest shapes go before plain numbers.
var placeholders = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`"[^"]*"|'[^']*'|` + "`[^`]*`"), "<value>"},
	{regexp.MustCompile(`\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`), "<uuid>"},
	{regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b`), "<ip>"},
	{regexp.MustCompile(`\b[0-9a-f:]*:[0-9a-f:]*:[0-9a-f:]+\b`), "<ip>"}, // IPv6
	{regexp.MustCompile(`\b[a-z0-9-]+(?:\.[a-z0-9-]+){2,}\b`), "<host>"},
	{regexp.MustCompile(`\b(?:0x)?[0-9a-f]*[0-9][0-9a-f]*[a-f][0-9a-f]*\b|\b(?:0x)?[0-9a-f]*[a-f][0-9a-f]*[0-9][0-9a-f]*\b`), "<hex>"},
	{regexp.MustCompile(`\b[a-z][a-z_]*[-_]?\d+[a-z0-9-]*\b`), "<host>"},
	{regexp.MustCompile(`\d+(?:[.,]\d+)*`), "<n>"},
}

// minHexLen keeps short words such as "dead" or "cafe" out of <hex>: only tokens this
// long that mix digits and letters a-f count as ids.
const minHexLen = 6

// Templater turns titles into rule templates, applying the config's rewrites first.
type Templater struct {
	rewrites []rewrite
}

type rewrite struct {
	re   *regexp.Regexp
	with string
}

// NewTemplater compiles the config's rewrites (already validated by config.Parse).
func NewTemplater(cfg *config.Config) *Templater {
	t := &Templater{}
	for _, r := range cfg.Rules.Rewrites {
		t.rewrites = append(t.rewrites, rewrite{regexp.MustCompile(r.Pattern), r.Replace})
	}
	return t
}

// Template returns the rule template of a title.
func (t *Templater) Template(title string) string {
	for _, r := range t.rewrites {
		title = r.re.ReplaceAllString(title, r.with)
	}
	s := strings.ToLower(strings.TrimSpace(title))
	for _, p := range placeholders {
		if p.with == "<hex>" {
			s = p.re.ReplaceAllStringFunc(s, func(tok string) string {
				if len(strings.TrimPrefix(tok, "0x")) < minHexLen {
					return tok
				}
				return "<hex>"
			})
			continue
		}
		s = p.re.ReplaceAllString(s, p.with)
	}
	return strings.Join(strings.Fields(s), " ")
}

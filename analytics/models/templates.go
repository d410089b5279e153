package models

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"github.com/alertlens/alertlens/config"
)

// Title templating (METRICS.md, "Alert rule identity"): the lower-cased title with the
// parts that vary between occurrences of one alert replaced by placeholders, so that
// "[db-7] CPU at 93% on 10.0.3.4" and "[db-2] CPU at 88% on 10.0.9.1" are one rule.
// Order matters: quoted values and the longest shapes go before plain numbers.
//
// A history can have as many distinct titles as incidents, and Go's regexp costs a few
// microseconds a pass even when nothing matches, so each placeholder has mayMatch: a
// cheap test that is true whenever the expression could match (the characters it cannot
// match without). Skipping a pass that cannot match changes nothing; FuzzTemplate
// checks the result against the plain chain of every expression.
//
// Only quoted values can hold a space: every other expression matches ASCII letters,
// digits and punctuation, and a space is a non-word character to \b just as the end of
// the title is. So after <value>, the title is templated word by word, each word
// tested by each mayMatch alone: most words have no digit and skip every pass, and an
// expression runs over a word instead of the whole title. Numbers, in nearly every
// word that is templated at all, are replaced by a loop (replaceNumbers) instead of
// their expression.
var placeholders = []struct {
	re       *regexp.Regexp
	with     string
	mayMatch func(string) bool
	// spansWords: its matches can hold a space, so it runs over the whole title
	spansWords bool
	// fast replaces exactly as re does, without it; nil to use re
	fast func(string) string
}{
	{re: regexp.MustCompile(`"[^"]*"|'[^']*'|` + "`[^`]*`"), with: "<value>", mayMatch: func(s string) bool { return strings.ContainsAny(s, "\"'`") }, spansWords: true},
	{re: regexp.MustCompile(`\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`), with: "<uuid>", mayMatch: func(s string) bool { return strings.Count(s, "-") >= 4 }},
	{re: regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b`), with: "<ip>", mayMatch: func(s string) bool { return strings.Count(s, ".") >= 3 }},
	{re: regexp.MustCompile(`\b[0-9a-f:]*:[0-9a-f:]*:[0-9a-f:]+\b`), with: "<ip>", mayMatch: func(s string) bool { return strings.Count(s, ":") >= 2 }}, // IPv6
	{re: regexp.MustCompile(`\b[a-z0-9-]+(?:\.[a-z0-9-]+){2,}\b`), with: "<host>", mayMatch: func(s string) bool { return strings.Count(s, ".") >= 2 }},
	{re: regexp.MustCompile(`\b(?:0x)?[0-9a-f]*[0-9][0-9a-f]*[a-f][0-9a-f]*\b|\b(?:0x)?[0-9a-f]*[a-f][0-9a-f]*[0-9][0-9a-f]*\b`), with: "<hex>", mayMatch: hasLongHexWord},
	{re: regexp.MustCompile(`\b[a-z][a-z_]*[-_]?\d+[a-z0-9-]*\b`), with: "<host>", mayMatch: hasDigit},
	{re: regexp.MustCompile(`\d+(?:[.,]\d+)*`), with: "<n>", mayMatch: hasDigit, fast: replaceNumbers},
}

// replaceNumbers is ReplaceAllString(s, "<n>") of \d+(?:[.,]\d+)*: each run of ASCII
// digits, with any [.,] between two digits, becomes <n>.
func replaceNumbers(s string) string {
	isDigit := func(i int) bool { return i < len(s) && '0' <= s[i] && s[i] <= '9' }
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if !isDigit(i) {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := i + 1
		for {
			for isDigit(j) {
				j++
			}
			if j < len(s) && (s[j] == '.' || s[j] == ',') && isDigit(j+1) {
				j++
				continue
			}
			break
		}
		b.WriteString("<n>")
		i = j
	}
	return b.String()
}

func hasDigit(s string) bool { return strings.ContainsAny(s, "0123456789") }

// hasLongHexWord tells whether s has a word (a run of ASCII letters, digits and '_', as
// \b sees words) that the <hex> expression would replace: both ends of its match are word
// boundaries and every character of it is a word character, so it matches whole words
// only, and a word of hex digits, with a digit and a letter a-f, at least minHexLen long
// after an optional 0x.
func hasLongHexWord(s string) bool {
	isWord := func(c byte) bool {
		return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
	}
	for i := 0; i < len(s); {
		if !isWord(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isWord(s[j]) {
			j++
		}
		word := strings.TrimPrefix(s[i:j], "0x")
		digit, letter, hex := false, false, len(word) >= minHexLen
		for k := 0; hex && k < len(word); k++ {
			c := word[k]
			switch {
			case '0' <= c && c <= '9':
				digit = true
			case 'a' <= c && c <= 'f':
				letter = true
			default:
				hex = false
			}
		}
		if hex && digit && letter {
			return true
		}
		i = j
	}
	return false
}

// minHexLen keeps short words such as "dead" or "cafe" out of <hex>: only tokens this
// long that mix digits and letters a-f count as ids.
const minHexLen = 6

// Templater turns titles into rule templates, applying the config's rewrites first.
type Templater struct {
	rewrites    []rewrite
	fingerprint string
}

type rewrite struct {
	re   *regexp.Regexp
	with string
}

// NewTemplater compiles the config's rewrites (already validated by config.Parse).
func NewTemplater(cfg *config.Config) *Templater {
	t := &Templater{}
	h := sha256.New()
	fmt.Fprintf(h, "templater 1\nmin hex %d\n", minHexLen)
	for _, p := range placeholders {
		fmt.Fprintf(h, "placeholder %q %q\n", p.re.String(), p.with)
	}
	for _, r := range cfg.Rules.Rewrites {
		t.rewrites = append(t.rewrites, rewrite{regexp.MustCompile(r.Pattern), r.Replace})
		fmt.Fprintf(h, "rewrite %q %q\n", r.Pattern, r.Replace)
	}
	t.fingerprint = hex.EncodeToString(h.Sum(nil))[:16]
	return t
}

// Fingerprint names what this templater does: its expressions and the config's
// rewrites. Stored templates are reused only by a templater of the same fingerprint;
// bump the "templater" number in NewTemplater when Template's code changes.
func (t *Templater) Fingerprint() string { return t.fingerprint }

// Template returns the rule template of a title.
func (t *Templater) Template(title string) string { return t.template(title, true) }

// template runs the rewrites and the placeholders; without shortcuts every expression
// runs over the whole title, mayMatch or not, one after the other (FuzzTemplate
// compares the two).
func (t *Templater) template(title string, shortcuts bool) string {
	for _, r := range t.rewrites {
		title = r.re.ReplaceAllString(title, r.with)
	}
	s := strings.ToLower(strings.TrimSpace(title))
	if !shortcuts {
		for _, p := range placeholders {
			s = replaceWith(p.re, p.with, s)
		}
		return strings.Join(strings.Fields(s), " ")
	}
	for _, p := range placeholders {
		if p.spansWords && p.mayMatch(s) {
			s = replaceWith(p.re, p.with, s)
		}
	}
	words := strings.Fields(s)
	for i, w := range words {
		for _, p := range placeholders {
			if p.spansWords || !p.mayMatch(w) {
				continue
			}
			if p.fast != nil {
				w = p.fast(w)
			} else {
				w = replaceWith(p.re, p.with, w)
			}
		}
		words[i] = w
	}
	return strings.Join(words, " ")
}

// replaceWith replaces re's matches in s with with; <hex> only those of at least
// minHexLen digits after an optional 0x.
func replaceWith(re *regexp.Regexp, with, s string) string {
	if with != "<hex>" {
		return re.ReplaceAllString(s, with)
	}
	return re.ReplaceAllStringFunc(s, func(tok string) string {
		if len(strings.TrimPrefix(tok, "0x")) < minHexLen {
			return tok
		}
		return "<hex>"
	})
}

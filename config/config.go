// Package config reads the organisation's alertlens.yaml: the reporting time zone, the
// hour windows, holidays, rotations and their time zones, team mapping, goals and rule
// rewrites. Every setting has the METRICS.md default, so an empty file is valid.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/alertlens/alertlens/ingest/alertmanager"
)

// DefaultGoal is the monthly after-hours page count to stay below (Intercom's figure).
const DefaultGoal = 10

// Config is the whole file.
type Config struct {
	Organisation    Organisation        `yaml:"organisation"`
	Rotations       map[string]Scope    `yaml:"rotations"`
	People          map[string]Scope    `yaml:"people"`
	Teams           map[string]Team     `yaml:"teams"`
	TeamMap         map[string]string   `yaml:"team_map"`
	Rules           Rules               `yaml:"rules"`
	RunbookPatterns []string            `yaml:"runbook_patterns"`
	Alertmanager    alertmanager.Config `yaml:"alertmanager"`
	PagerDuty       Section             `yaml:"pagerduty"`
	Opsgenie        Section             `yaml:"opsgenie"`
	GrafanaOnCall   Section             `yaml:"grafana_oncall"`
	Sources         []Source            `yaml:"sources"`
	API             API                 `yaml:"api"`
	Compensation    *Compensation       `yaml:"compensation"`

	// Source is the document this config was parsed from; a build stores it so that a
	// later build without --config uses the same settings.
	Source []byte `yaml:"-"`
}

// Organisation holds the defaults for everyone.
type Organisation struct {
	Name  string `yaml:"name"`
	Scope `yaml:",inline"`
}

// Scope is the settings an organisation, a rotation or a person may set; unset fields
// fall back to the next wider scope (person, then rotation, then organisation).
type Scope struct {
	TimeZone         string   `yaml:"time_zone"`
	Goal             *int     `yaml:"goal"`
	BusinessHours    *Hours   `yaml:"business_hours"`
	SleepHours       *Hours   `yaml:"sleep_hours"`
	Holidays         []string `yaml:"holidays"`
	HolidayCountries []string `yaml:"holiday_countries"`
	// Compensation overrides the rate card for a rotation (rotations.<name> only).
	Compensation *Compensation `yaml:"compensation"`
}

// Hours is a daily window of local wall-clock time; it may wrap past midnight.
type Hours struct {
	Days  []string `yaml:"days"` // business hours only: mon..sun
	Start string   `yaml:"start"`
	End   string   `yaml:"end"`
}

// Team holds a team's goal.
type Team struct {
	Goal *int `yaml:"goal"`
}

// Rules changes how incidents are grouped into rules and judged.
type Rules struct {
	Rewrites         []Rewrite `yaml:"rewrites"`
	TransientMinutes *int      `yaml:"transient_minutes"`
}

// Rewrite is a regex rewrite applied to titles before templating.
type Rewrite struct {
	Pattern string `yaml:"pattern"`
	Replace string `yaml:"replace"`
}

// Section is a kind's own section (pagerduty:, opsgenie:, grafana_oncall:): the
// defaults of the one-off `alertlens sync <kind>` command, whose flags override them.
// It is a Source like those under sources:, one convention for every source setting,
// whose kind is the section's and whose name defaults to it. The credential is named by
// its environment variable, never written here.
type Section struct {
	Settings Source `yaml:",inline"`
	// OldName is the name under the key it had before sections were sources.
	OldName string `yaml:"source"`
}

// SectionSource returns the section of kind as the Source it stands for: kind set, the
// name defaulting to the kind's. ok is false for a kind without a section or a section
// left empty.
func (c *Config) SectionSource(kind string) (src Source, ok bool) {
	var sec Section
	switch kind {
	case KindPagerDuty:
		sec = c.PagerDuty
	case KindOpsgenie:
		sec = c.Opsgenie
	case KindGrafanaOnCall:
		sec = c.GrafanaOnCall
	default:
		return Source{}, false
	}
	src = sec.Settings
	if src.Name == "" {
		src.Name = sec.OldName
	}
	if (src == Source{}) {
		return Source{Kind: kind}, false
	}
	src.Kind = kind
	return src, true
}

// API names the environment variables that hold the server's bearer tokens: the
// tokens themselves never go in the file.
type API struct {
	ReadTokensEnv  []string `yaml:"read_tokens_env"`
	WriteTokensEnv []string `yaml:"write_tokens_env"`
	// WriteTokens are write tokens with the name of their person, who is then the
	// reviewer of every tag written with it: [{name: ana, env: ALERTLENS_TOKEN_ANA}].
	WriteTokens []NamedToken `yaml:"write_tokens"`
	// UserHeader is a request header an authenticating proxy in front of the server sets
	// to the signed-in user (such as X-Forwarded-User). It names the reviewer of a tag
	// when the token carries no name; unset, no such header is trusted.
	UserHeader string `yaml:"user_header"`
}

// NamedToken is one person's write token: a name and the variable that holds the token.
type NamedToken struct {
	Name string `yaml:"name"`
	Env  string `yaml:"env"`
}

var headerName = regexp.MustCompile(`^[A-Za-z0-9-]+$`)

// validateAPI checks the api section: every named token has a name (once) and a variable
// name, and the user header is a header name other than Authorization.
func (a API) validateAPI(add func(key, format string, args ...any)) {
	seen := map[string]bool{}
	for i, t := range a.WriteTokens {
		key := fmt.Sprintf("api.write_tokens[%d]", i)
		switch name := strings.TrimSpace(t.Name); {
		case name == "":
			add(key+".name", "required: the person the token belongs to, the reviewer of what it writes")
		case seen[name]:
			add(key+".name", "%q is named twice: each person's token once", name)
		default:
			seen[name] = true
		}
		if !envName.MatchString(t.Env) {
			// not quoted back: it may be a token pasted here by mistake
			add(key+".env", "want the name of an environment variable such as ALERTLENS_TOKEN_ANA (the token itself goes in that variable)")
		}
	}
	if h := a.UserHeader; h != "" && (!headerName.MatchString(h) || strings.EqualFold(h, "Authorization")) {
		add("api.user_header", "want a header name set by the proxy, such as X-Forwarded-User, got %q", h)
	}
}

// Load reads and validates the file at path; "" gives the defaults.
func Load(path string) (*Config, error) {
	if path == "" {
		return Parse(nil, "")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data, path)
}

// Parse reads and validates a config document; name is used in messages.
func Parse(data []byte, name string) (*Config, error) {
	c := &Config{Alertmanager: alertmanager.DefaultConfig()}
	if len(bytes.TrimSpace(data)) > 0 {
		if err := unmarshal(data, c); err != nil {
			return nil, fmt.Errorf("%s: %s", name, yaml.FormatError(err, false, true))
		}
	}
	c.Source = data
	if err := c.validate(); err != nil {
		if name != "" {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return nil, err
	}
	return c, nil
}

// unmarshal decodes the document strictly. go-yaml v1.19.2 panics on some malformed
// documents (a tag on a scalar where a list is wanted, goccy/go-yaml#735): that is a bad
// file to report, not a reason to crash the command or the server.
func unmarshal(data []byte, c *Config) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("not a config the YAML decoder can read (%v); look for a tag such as !x on a list or map", r)
		}
	}()
	return yaml.UnmarshalWithOptions(data, c, yaml.Strict())
}

// ReportingTimeZone is the zone months and weeks are cut in.
func (c *Config) ReportingTimeZone() string {
	if c.Organisation.TimeZone == "" {
		return "UTC"
	}
	return c.Organisation.TimeZone
}

// TransientMinutes is how soon after creation a resolve makes an incident transient.
func (c *Config) TransientMinutes() int {
	if c.Rules.TransientMinutes == nil {
		return 5
	}
	return *c.Rules.TransientMinutes
}

// OrgGoal is the organisation's monthly goal.
func (c *Config) OrgGoal() int {
	if c.Organisation.Goal == nil {
		return DefaultGoal
	}
	return *c.Organisation.Goal
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

var weekdays = map[string]int{"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}

func (c *Config) validate() error {
	var errs []error
	add := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	checkScope := func(key string, s Scope) {
		if s.TimeZone != "" {
			if _, err := time.LoadLocation(s.TimeZone); err != nil {
				add(key+".time_zone", "want an IANA time zone such as Europe/Dublin, got %q", s.TimeZone)
			}
		}
		if s.Goal != nil && *s.Goal < 1 {
			add(key+".goal", "must be at least 1 (pages must stay below it), got %d", *s.Goal)
		}
		for i, h := range s.Holidays {
			if _, err := time.Parse("2006-01-02", h); err != nil {
				add(fmt.Sprintf("%s.holidays[%d]", key, i), "want a date as YYYY-MM-DD, got %q", h)
			}
		}
		for i, cc := range s.HolidayCountries {
			if _, ok := countryHolidays[normaliseCountry(cc)]; !ok {
				add(fmt.Sprintf("%s.holiday_countries[%d]", key, i), "unknown country code %q; known: %s", cc, strings.Join(knownCountries(), ", "))
			}
		}
		if h := s.BusinessHours; h != nil {
			checkHours(key+".business_hours", h, true, add)
		}
		if h := s.SleepHours; h != nil {
			checkHours(key+".sleep_hours", h, false, add)
		}
	}
	checkScope("organisation", c.Organisation.Scope)
	for _, name := range sortedKeys(c.Rotations) {
		checkScope("rotations."+name, c.Rotations[name])
	}
	for _, name := range sortedKeys(c.People) {
		s := c.People[name]
		if s.Goal != nil {
			add("people."+name+".goal", "goals are set per organisation, rotation or team, not per person")
		}
		checkScope("people."+name, s)
	}
	for _, name := range sortedKeys(c.Teams) {
		if g := c.Teams[name].Goal; g != nil && *g < 1 {
			add("teams."+name+".goal", "must be at least 1, got %d", *g)
		}
	}
	for i, r := range c.Rules.Rewrites {
		if r.Pattern == "" {
			add(fmt.Sprintf("rules.rewrites[%d].pattern", i), "required")
		} else if _, err := regexp.Compile(r.Pattern); err != nil {
			add(fmt.Sprintf("rules.rewrites[%d].pattern", i), "not a valid regular expression: %v", err)
		}
	}
	if m := c.Rules.TransientMinutes; m != nil && (*m < 0 || *m > 24*60) {
		add("rules.transient_minutes", "want 0 to 1440 minutes, got %d", *m)
	}
	for _, sec := range []struct {
		key, kind string
		s         Section
	}{{"pagerduty", KindPagerDuty, c.PagerDuty}, {"opsgenie", KindOpsgenie, c.Opsgenie}, {"grafana_oncall", KindGrafanaOnCall, c.GrafanaOnCall}} {
		c.validateSection(sec.key, sec.kind, sec.s, add)
	}
	c.validateSources(add)
	c.API.validateAPI(add)
	c.validateCompensation(add)
	if err := c.Alertmanager.Validate(); err != nil {
		errs = append(errs, err)
	}
	for i, p := range c.RunbookPatterns {
		if _, err := regexp.Compile(p); err != nil {
			add(fmt.Sprintf("runbook_patterns[%d]", i), "not a valid regular expression: %v", err)
		}
	}
	return errors.Join(errs...)
}

func checkHours(key string, h *Hours, business bool, add func(string, string, ...any)) {
	if _, err := ClockMinutes(h.Start); err != nil {
		add(key+".start", "%v", err)
	}
	if _, err := ClockMinutes(h.End); err != nil {
		add(key+".end", "%v", err)
	}
	if !business && len(h.Days) > 0 {
		add(key+".days", "sleep hours apply every day; days is only for business_hours")
	}
	for i, d := range h.Days {
		if _, ok := weekdays[strings.ToLower(d)]; !ok {
			add(fmt.Sprintf("%s.days[%d]", key, i), "want one of mon, tue, wed, thu, fri, sat, sun, got %q", d)
		}
	}
}

// ClockMinutes reads "HH:MM" as minutes after midnight.
func ClockMinutes(s string) (int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		if s == "24:00" {
			return 24 * 60, nil
		}
		return 0, fmt.Errorf("want a time as HH:MM, got %q", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

// WeekdayNumbers turns day names into ISO weekday numbers (1 = Monday).
func WeekdayNumbers(days []string) []int {
	var out []int
	for _, d := range days {
		out = append(out, weekdays[strings.ToLower(d)])
	}
	sort.Ints(out)
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func normaliseCountry(code string) string { return strings.ToUpper(strings.TrimSpace(code)) }

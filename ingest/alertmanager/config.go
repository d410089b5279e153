package alertmanager

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// Config is the alertmanager section of the organisation config.
type Config struct {
	// Source is the name incidents are stored under (records are keyed by source and id).
	Source string `yaml:"source"`
	// TeamLabel names the alert label that holds the owning team.
	TeamLabel string `yaml:"team_label"`
	// ServiceLabel names the alert label that holds the service; without it an alert
	// belongs to a service named after the receiver.
	ServiceLabel string `yaml:"service_label"`
	// HighSeverities are the values of the severity label that mean high urgency
	// (compared without regard to case).
	HighSeverities []string `yaml:"high_severities"`
	// TokenEnv names the environment variable that holds the bearer token every request
	// must carry. Empty means no token is required. The token itself never goes in the
	// config file.
	TokenEnv string `yaml:"token_env"`
	// RepeatInterval is Alertmanager's repeat_interval on the route to this receiver
	// (the longest, if several): how often it re-sends an alert that is still firing.
	// A Prometheus duration such as 4h.
	RepeatInterval string `yaml:"repeat_interval"`
	// StaleAfter is how long an episode may go without being re-sent before the models
	// close it as ended at an unknown time (its resolve never came: muted by a silence,
	// or lost). Default three repeat intervals.
	StaleAfter string `yaml:"stale_after"`
}

// DefaultConfig is the configuration used for every key left unset.
func DefaultConfig() Config {
	return Config{
		Source:         "alertmanager",
		TeamLabel:      "team",
		ServiceLabel:   "service",
		HighSeverities: []string{"critical", "page", "high"},
		RepeatInterval: "4h", // Alertmanager's own default
	}
}

// staleAfter is StaleAfter, or three repeat intervals when unset. Three, so that a
// resend that comes late (Alertmanager re-sends at the first group_interval tick after
// repeat_interval, and a delivery can fail and be retried) does not close an episode
// that is still firing. c must be valid.
func (c Config) staleAfter() time.Duration {
	if c.StaleAfter != "" {
		d, _ := model.ParseDuration(c.StaleAfter)
		return time.Duration(d)
	}
	d, _ := model.ParseDuration(c.RepeatInterval)
	return 3 * time.Duration(d)
}

// UnmarshalYAML fills unset keys with their defaults and validates the result, so a
// bad section is refused when the config loads.
func (c *Config) UnmarshalYAML(unmarshal func(any) error) error {
	*c = DefaultConfig()
	type plain Config
	if err := unmarshal((*plain)(c)); err != nil {
		return err
	}
	return c.Validate()
}

// withDefaults returns c with every unset key set to its default.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Source == "" {
		c.Source = d.Source
	}
	if c.TeamLabel == "" {
		c.TeamLabel = d.TeamLabel
	}
	if c.ServiceLabel == "" {
		c.ServiceLabel = d.ServiceLabel
	}
	if len(c.HighSeverities) == 0 {
		c.HighSeverities = d.HighSeverities
	}
	if c.RepeatInterval == "" {
		c.RepeatInterval = d.RepeatInterval
	}
	return c
}

var (
	sourceName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
	labelName  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	envName    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// Validate reports every bad key, by name. Unset keys take their defaults and are
// not errors.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if !sourceName.MatchString(c.Source) {
		errs = append(errs, fmt.Errorf("alertmanager.source: want a name of letters, digits, '-', '_' or '.', got %q", c.Source))
	}
	if !labelName.MatchString(c.TeamLabel) {
		errs = append(errs, fmt.Errorf("alertmanager.team_label: want a Prometheus label name such as team, got %q", c.TeamLabel))
	}
	if !labelName.MatchString(c.ServiceLabel) {
		errs = append(errs, fmt.Errorf("alertmanager.service_label: want a Prometheus label name such as service, got %q", c.ServiceLabel))
	}
	for i, s := range c.HighSeverities {
		if strings.TrimSpace(s) == "" {
			errs = append(errs, fmt.Errorf("alertmanager.high_severities[%d]: want a severity label value such as critical, got an empty string", i))
		}
	}
	repeat, err := model.ParseDuration(c.RepeatInterval)
	if err != nil || repeat <= 0 {
		errs = append(errs, fmt.Errorf("alertmanager.repeat_interval: want a duration such as 4h (Alertmanager's repeat_interval for this receiver), got %q", c.RepeatInterval))
	} else if c.StaleAfter != "" {
		stale, err := model.ParseDuration(c.StaleAfter)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("alertmanager.stale_after: want a duration such as 12h, got %q", c.StaleAfter))
		case stale < repeat:
			// shorter than the resend period, it would close episodes still firing
			errs = append(errs, fmt.Errorf("alertmanager.stale_after: want at least repeat_interval (%s), got %s", c.RepeatInterval, c.StaleAfter))
		}
	}
	// The value is not quoted back: a user who pasted the token itself here must not
	// find it in an error message or a log.
	if c.TokenEnv != "" && !envName.MatchString(c.TokenEnv) {
		errs = append(errs, errors.New("alertmanager.token_env: want the name of an environment variable such as ALERTLENS_ALERTMANAGER_TOKEN (the token itself goes in that variable, not in the config)"))
	}
	return errors.Join(errs...)
}

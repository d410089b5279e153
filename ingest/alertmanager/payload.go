package alertmanager

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// The webhook payload, version 4:
// https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
// Fields this receiver does not use (groupKey, groupLabels, externalURL,
// generatorURL, truncatedAlerts) are allowed and ignored.

const (
	statusFiring   = "firing"
	statusResolved = "resolved"
)

// notification is a validated webhook payload.
type notification struct {
	receiver          string
	commonLabels      map[string]string
	commonAnnotations map[string]string
	alerts            []alert
}

// alert is one validated alert of a notification.
type alert struct {
	raw         json.RawMessage // the alert object exactly as sent
	status      string
	fingerprint string
	startsAt    time.Time
	endsAt      time.Time // zero when unset
	labels      map[string]string
	annotations map[string]string
}

// incidentID is the alert's key: one incident per alert instance (fingerprint) and
// firing episode (start time), stable across Alertmanager's resends.
func (a alert) incidentID() string {
	return a.fingerprint + "@" + a.startsAt.UTC().Format(time.RFC3339Nano)
}

// payloadError is a problem in the body: where (a JSON path) and what was expected.
type payloadError struct {
	path string
	msg  string
}

func (e *payloadError) Error() string { return e.path + ": " + e.msg }

func bad(path, format string, args ...any) *payloadError {
	return &payloadError{path: path, msg: fmt.Sprintf(format, args...)}
}

// parseNotification validates the whole body before anything is staged, so a bad
// alert anywhere in it stores nothing.
func parseNotification(body []byte) (notification, error) {
	var top struct {
		Version           json.RawMessage `json:"version"`
		Status            json.RawMessage `json:"status"`
		Receiver          json.RawMessage `json:"receiver"`
		CommonLabels      json.RawMessage `json:"commonLabels"`
		CommonAnnotations json.RawMessage `json:"commonAnnotations"`
		Alerts            json.RawMessage `json:"alerts"`
	}
	if err := json.Unmarshal(body, &top); err != nil {
		if !json.Valid(body) {
			return notification{}, bad("body", "want a JSON object (Alertmanager webhook version 4), got invalid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
		}
		return notification{}, bad("body", "want a JSON object (Alertmanager webhook version 4), got %s", kind(body))
	}
	var n notification
	version, err := str("version", top.Version)
	if err != nil {
		return n, err
	}
	if version != "4" {
		return n, bad("version", `want "4", got %s`, shown(top.Version))
	}
	status, err := str("status", top.Status)
	if err != nil {
		return n, err
	}
	if status != statusFiring && status != statusResolved {
		return n, bad("status", `want "firing" or "resolved", got %s`, shown(top.Status))
	}
	if n.receiver, err = str("receiver", top.Receiver); err != nil {
		return n, err
	}
	if n.receiver == "" {
		return n, bad("receiver", "want the receiver's name, got an empty string")
	}
	if n.commonLabels, err = strMap("commonLabels", top.CommonLabels); err != nil {
		return n, err
	}
	if n.commonAnnotations, err = strMap("commonAnnotations", top.CommonAnnotations); err != nil {
		return n, err
	}
	if absent(top.Alerts) {
		return n, bad("alerts", "want an array of alerts, missing")
	}
	var alerts []json.RawMessage
	if err := json.Unmarshal(top.Alerts, &alerts); err != nil {
		return n, bad("alerts", "want an array of alerts, got %s", kind(top.Alerts))
	}
	for i, raw := range alerts {
		a, err := parseAlert(fmt.Sprintf("alerts[%d]", i), raw, status)
		if err != nil {
			return n, err
		}
		n.alerts = append(n.alerts, a)
	}
	return n, nil
}

func parseAlert(path string, raw json.RawMessage, payloadStatus string) (alert, error) {
	var f struct {
		Status      json.RawMessage `json:"status"`
		Labels      json.RawMessage `json:"labels"`
		Annotations json.RawMessage `json:"annotations"`
		StartsAt    json.RawMessage `json:"startsAt"`
		EndsAt      json.RawMessage `json:"endsAt"`
		Fingerprint json.RawMessage `json:"fingerprint"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		return alert{}, bad(path, "want an alert object, got %s", kind(raw))
	}
	a := alert{raw: raw}
	var err error
	// Older senders leave out the per-alert status; the payload's then applies
	// (Alertmanager sends resolved alerts in a payload of their own unless
	// send_resolved groups them, and then every alert carries its own status).
	if absent(f.Status) {
		a.status = payloadStatus
	} else if a.status, err = str(path+".status", f.Status); err != nil {
		return a, err
	} else if a.status != statusFiring && a.status != statusResolved {
		return a, bad(path+".status", `want "firing" or "resolved", got %s`, shown(f.Status))
	}
	if absent(f.Labels) {
		return a, bad(path+".labels", "want an object of label names to string values, missing")
	}
	if a.labels, err = strMap(path+".labels", f.Labels); err != nil {
		return a, err
	}
	if len(a.labels) == 0 {
		return a, bad(path+".labels", "want at least one label, got an empty object")
	}
	if a.annotations, err = strMap(path+".annotations", f.Annotations); err != nil {
		return a, err
	}
	if a.startsAt, err = timeField(path+".startsAt", f.StartsAt); err != nil {
		return a, err
	}
	if a.startsAt.IsZero() {
		return a, bad(path+".startsAt", "want an RFC 3339 time such as 2026-03-29T00:30:00Z, got %s", shown(f.StartsAt))
	}
	if a.endsAt, err = timeField(path+".endsAt", f.EndsAt); err != nil {
		return a, err
	}
	if a.status == statusResolved {
		if a.endsAt.IsZero() {
			return a, bad(path+".endsAt", "want the RFC 3339 time a resolved alert ended, got %s", shown(f.EndsAt))
		}
		if a.endsAt.Before(a.startsAt) {
			return a, bad(path+".endsAt", "want a time not before startsAt (%s), got %s",
				a.startsAt.UTC().Format(time.RFC3339Nano), shown(f.EndsAt))
		}
	}
	if a.fingerprint, err = str(path+".fingerprint", f.Fingerprint); err != nil {
		return a, err
	}
	if a.fingerprint == "" {
		// Senders older than Alertmanager 0.19 leave it out: compute it the way
		// Alertmanager does, a hash of the sorted label set.
		a.fingerprint = model.LabelSet(toLabelSet(a.labels)).Fingerprint().String()
	}
	return a, nil
}

func toLabelSet(m map[string]string) model.LabelSet {
	ls := make(model.LabelSet, len(m))
	for k, v := range m {
		ls[model.LabelName(k)] = model.LabelValue(v)
	}
	return ls
}

func absent(raw json.RawMessage) bool {
	return len(raw) == 0 || bytes.Equal(raw, []byte("null"))
}

// str reads an optional string field; absent gives "".
func str(path string, raw json.RawMessage) (string, error) {
	if absent(raw) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", bad(path, "want a string, got %s", kind(raw))
	}
	return s, nil
}

// strMap reads an optional object of string values; absent gives an empty map.
func strMap(path string, raw json.RawMessage) (map[string]string, error) {
	out := map[string]string{}
	if absent(raw) {
		return out, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, bad(path, "want an object of names to string values, got %s", kind(raw))
	}
	for _, k := range slices.Sorted(maps.Keys(fields)) { // the first bad key, every time
		var s string
		if absent(fields[k]) || json.Unmarshal(fields[k], &s) != nil {
			return nil, bad(path+"."+k, "want a string, got %s", kind(fields[k]))
		}
		out[k] = s
	}
	return out, nil
}

// timeField reads an optional RFC 3339 time. Alertmanager writes an unset time as
// "0001-01-01T00:00:00Z", which gives the zero time, as does an absent field.
func timeField(path string, raw json.RawMessage) (time.Time, error) {
	s, err := str(path, raw)
	if err != nil || s == "" {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, bad(path, "want an RFC 3339 time such as 2026-03-29T00:30:00Z, got %q", s)
	}
	if t.Year() <= 1 {
		return time.Time{}, nil
	}
	return t.UTC(), nil
}

// kind names a JSON value's type for an error message.
func kind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

// shown quotes a field's value for an error message, or says it was missing.
func shown(raw json.RawMessage) string {
	if absent(raw) {
		return "none"
	}
	if len(raw) > 60 {
		return string(raw[:60]) + "…"
	}
	return string(raw)
}

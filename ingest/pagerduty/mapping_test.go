package pagerduty

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/alertlens/alertlens/ingest"
	pdt "github.com/alertlens/alertlens/ingest/pagerduty/pagerdutytest"
)

// TestMapSampleIncidents maps the real incident samples as they are.
func TestMapSampleIncidents(t *testing.T) {
	// pypd: resolved, last_status_change_by a user_reference, no resolved_at field.
	inc, _, err := mapIncident(pdt.MustJSON(pdt.Sample(t, "incidents_records_pypd.json")), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantResolved := time.Date(2017, 4, 7, 3, 57, 56, 0, time.UTC)
	if inc.ID != "INCIDENT1" || inc.ServiceID != "SERVICE1" || inc.Title != "this is a trigger event!" ||
		inc.Urgency != "high" || inc.ResolvedBy != ingest.ResolvedByHuman || !inc.ResolvedAt.Equal(wantResolved) ||
		!inc.CreatedAt.Equal(time.Date(2017, 4, 7, 3, 41, 8, 0, time.UTC)) || inc.Priority != "" {
		t.Errorf("pypd incident mapped to %+v", inc)
	}
	// faros: triggered, resolved_at null, changed last by its service.
	inc, _, err = mapIncident(pdt.MustJSON(pdt.Sample(t, "incidents_records_faros.json")), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if inc.ID != "Q27MXNAJQ834PC" || inc.ServiceID != "PAZDKS7" || !inc.ResolvedAt.IsZero() || inc.ResolvedBy != "" {
		t.Errorf("faros incident mapped to %+v", inc)
	}
}

func TestMapSampleLogEntry(t *testing.T) {
	// The sample is a trigger from the website with no runbook: kept raw only.
	id, le, err := mapLogEntry(pdt.MustJSON(pdt.Sample(t, "log_entries_records_faros.json")))
	if err != nil || id != "R38IMK6FP5WR0DXUJJF1XX5XYI" || le.Event != nil || le.Notification != nil {
		t.Errorf("trigger without a runbook: id %q, %+v, %v", id, le, err)
	}
}

func TestMapIncidentResolvedBy(t *testing.T) {
	cases := []struct {
		by, want string
	}{
		{`{"id":"U1","type":"user_reference"}`, ingest.ResolvedByHuman},
		{`{"id":"S1","type":"service_reference"}`, ingest.ResolvedByAuto},
		{`{"id":"I1","type":"generic_events_api_inbound_integration_reference"}`, ingest.ResolvedByAuto},
		{`null`, ingest.ResolvedByAuto},
	}
	for _, c := range cases {
		raw := `{"id":"P1","status":"resolved","created_at":"2026-01-01T00:00:00Z","last_status_change_at":"2026-01-01T01:00:00Z",
			"service":{"id":"S1"},"priority":{"summary":"P3"},"last_status_change_by":` + c.by + `}`
		inc, _, err := mapIncident(json.RawMessage(raw), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if inc.ResolvedBy != c.want || inc.Priority != "P3" || !inc.ResolvedAt.Equal(time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC)) {
			t.Errorf("resolved by %s: %+v, want %s", c.by, inc, c.want)
		}
	}
}

func TestMapIncidentErrors(t *testing.T) {
	cases := []struct {
		raw, want string
		unmapped  bool // kept raw and counted; else the page fails
	}{
		{`{"id":"P1","created_at":"yesterday","service":{"id":"S1"}}`, `P1: incident P1: created_at: want an RFC 3339 time, got "yesterday"`, true},
		{`{"title":"no id"}`, `incident record without an id`, false},
		{`[1]`, `incident record: json: cannot unmarshal array into Go value of type pagerduty.incidentRecord`, false},
	}
	for _, c := range cases {
		_, _, err := mapIncident(json.RawMessage(c.raw), nil, nil)
		var ue *unmappedError
		if err == nil || err.Error() != c.want || errors.As(err, &ue) != c.unmapped {
			t.Errorf("%s: error %v (unmapped %v), want %q (unmapped %v)", c.raw, err, ue != nil, c.want, c.unmapped)
		}
	}
	// No field of an incident is required: one without a service is stored, with an
	// empty service, its own policy and teams still naming its rotation and team.
	inc, facts, err := mapIncident(json.RawMessage(`{"id":"P2","created_at":"2026-01-01T00:00:00Z","status":"triggered",
		"escalation_policy":{"id":"E1","summary":"stale"},"teams":[{"id":"T1","summary":"Team one"},{"id":"T2"}]}`),
		map[string]string{"T2": "Team two"}, map[string]string{"E1": "Primary"})
	if err != nil || inc.ServiceID != "" || !facts.NoService || string(inc.Labels) != `{"pagerduty":{"team":"Team one","rotation":"Primary"}}` {
		t.Errorf("incident without a service: %+v %+v %v", inc, facts, err)
	}
}

func TestNotifyChannel(t *testing.T) {
	cases := map[string]string{
		`{"channel":{"type":"auto","notification":{"type":"phone_notification"}}}`: ingest.ChannelPhone,
		`{"channel":{"type":"auto","notification":{"type":"sms_notification"}}}`:   ingest.ChannelSMS,
		`{"notification":{"type":"push_notification"}}`:                            ingest.ChannelPush,
		`{"channel":{"type":"push"}}`:                                              ingest.ChannelPush,
		`{"channel":{"type":"email"}}`:                                             ingest.ChannelEmail,
		`{"channel":{"type":"phone"}}`:                                             ingest.ChannelPhone,
		`{"channel":{"type":"slack"}}`:                                             ingest.ChannelChat,
		`{}`:                                                                       ingest.ChannelChat,
	}
	for raw, want := range cases {
		var r logEntryRecord
		if err := json.Unmarshal([]byte(raw), &r); err != nil {
			t.Fatal(err)
		}
		if got, _ := notifyChannel(r); got != want {
			t.Errorf("%s: channel %q, want %q", raw, got, want)
		}
	}
}

func TestEscalationKind(t *testing.T) {
	base := `{"id":"L1","type":"escalate_log_entry","created_at":"2026-01-01T00:00:00Z","incident":{"id":"P1"},`
	cases := map[string]string{
		`"channel":{"type":"timeout"},"agent":null}`:                                ingest.EventEscalateTimeout,
		`"channel":{"type":"website"},"agent":{"id":"U1","type":"user_reference"}}`: ingest.EventEscalateManual,
		`"channel":{"type":"timeout"},"agent":{"id":"U1","type":"user_reference"}}`: ingest.EventEscalateTimeout,
		`"channel":{"type":"auto"},"agent":{"id":"S1","type":"service_reference"}}`: ingest.EventEscalateTimeout,
	}
	for tail, want := range cases {
		_, le, err := mapLogEntry(json.RawMessage(base + tail))
		if err != nil || le.Event == nil || le.Event.Kind != want {
			t.Errorf("%s: %+v %v, want %s", tail, le.Event, err, want)
		}
	}
}

func TestFindRunbook(t *testing.T) {
	cases := []struct {
		raw, want string
	}{
		{`{"channel":{"details":{"runbook_url":"https://wiki/r/cpu"}}}`, "https://wiki/r/cpu"},
		{`{"channel":{"cef_details":{"details":{"Runbook":"see https://wiki/x."}}}}`, "https://wiki/x"},
		{`{"body":{"details":"CPU high. Runbook: https://wiki/runbooks/cpu, dashboard https://grafana/d/1"}}`, "https://wiki/runbooks/cpu"},
		{`{"description":"see the runbook at https://docs/ops/cpu"}`, "https://docs/ops/cpu"},
		// A field name wins over text elsewhere; a link without the word is no runbook.
		{`{"a":"runbook https://docs/a","z_runbook":"https://docs/z"}`, "https://docs/z"},
		{`{"html_url":"https://x.pagerduty.com/incidents/P1","details":{"graph":"https://grafana/d/1"}}`, ""},
		{`{"runbook":"none yet"}`, ""},
	}
	for _, c := range cases {
		if got := findRunbook(json.RawMessage(c.raw)); got != c.want {
			t.Errorf("%s: %q, want %q", c.raw, got, c.want)
		}
	}
	if got := findRunbook(json.RawMessage(`not json`)); got != "" {
		t.Errorf("not json: %q", got)
	}
}

package grafanaoncall

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/alertlens/alertlens/ingest"
	"github.com/alertlens/alertlens/ingest/grafanaoncall/oncalltest"
)

// samplePage reads the results of a sample list page in testdata/.
func samplePage(t *testing.T, name string) []json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Results []json.RawMessage `json:"results"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Results) != 1 {
		t.Fatalf("%s: %d results, want the 1 of the sample", name, len(p.Results))
	}
	return p.Results
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// sampleCatalog is the configuration around the sample group, built from the ids the
// API reference's examples use with it: its integration CFRPV98RPR1U8 ("Grafana"), whose
// default route is RVBE4RKQSCGJ2, and the group's route RIYGUJXCPFHXY, matching
// us-(east|west), both to chain F5JU6KJET33FE, which notifies a person.
func sampleCatalog(t *testing.T) *catalog {
	cat := newCatalog()
	for _, rec := range []struct{ kind, raw string }{
		{"escalation_chain", `{"id":"F5JU6KJET33FE","name":"default","team_id":null}`},
		{"escalation_policy", `{"id":"E5JJTU52M5YM4","escalation_chain_id":"F5JU6KJET33FE","position":1,"type":"notify_person_next_each_time","persons_to_notify_next_each_time":["U4DNY931HHJS5"]}`},
		{"integration", `{"id":"CFRPV98RPR1U8","name":"Grafana","team_id":null,"type":"grafana","default_route":{"id":"RVBE4RKQSCGJ2","escalation_chain_id":"F5JU6KJET33FE"}}`},
		{"route", `{"id":"RIYGUJXCPFHXY","integration_id":"CFRPV98RPR1U8","escalation_chain_id":"F5JU6KJET33FE","routing_regex":"us-(east|west)","position":0,"is_the_last_route":false}`},
	} {
		if err := cat.learn(rec.kind, json.RawMessage(rec.raw)); err != nil {
			t.Fatal(err)
		}
	}
	cat.policiesRead = true
	return cat
}

// The real sample: an alert group in the older shape (no acknowledged_by, resolved_by
// or last_alert), resolved an hour after it was created, never acknowledged.
func TestMapTheRealAlertGroupSample(t *testing.T) {
	raw := samplePage(t, "alert_groups_list.json")[0]
	inc, err := mapGroup(raw, nil, sampleCatalog(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ field, got, want string }{
		{"id", inc.ID, "I68T24C13IFW1"},
		{"service", inc.ServiceID, "RIYGUJXCPFHXY"},
		{"title", inc.Title, "Memory above 90% threshold"},
		{"urgency", inc.Urgency, "high"},              // its route's chain notifies a person
		{"rule", inc.Rule, "Grafana: us-(east|west)"}, // a route of its own, not the default
		{"resolved by", inc.ResolvedBy, ""},           // the older API does not say who
		{"created", inc.CreatedAt.Format(time.RFC3339Nano), "2020-05-19T12:37:01.430444Z"},
		{"resolved", inc.ResolvedAt.Format(time.RFC3339Nano), "2020-05-19T13:37:01.429805Z"},
		{"runbook", inc.RunbookURL, ""},
	} {
		if c.got != c.want {
			t.Errorf("%s: %q, want %q", c.field, c.got, c.want)
		}
	}
	if !inc.AcknowledgedAt.IsZero() {
		t.Errorf("acknowledged at %v: the sample's acknowledged_at is null", inc.AcknowledgedAt)
	}
	var labels map[string]any
	if err := json.Unmarshal(inc.Labels, &labels); err != nil {
		t.Fatal(err)
	}
	links, _ := labels["permalinks"].(map[string]any)
	if labels["state"] != "resolved" || labels["alerts_count"] != 3.0 || labels["integration_id"] != "CFRPV98RPR1U8" ||
		links["telegram"] != "https://t.me/c/5354/1234?thread=1234" {
		t.Errorf("labels %s", inc.Labels)
	}

	svc := sampleCatalog(t).service("CFRPV98RPR1U8", "RIYGUJXCPFHXY")
	if want := (ingest.Service{ID: "RIYGUJXCPFHXY", Name: "Grafana: us-(east|west)", Team: "", Rotation: "default"}); svc != want {
		t.Errorf("service %+v, want %+v", svc, want)
	}

	// With no configuration readable, the group is still stored: its route's id names the
	// service and rule, and it counts as a page, since nothing says it paged nobody.
	inc, err = mapGroup(raw, nil, newCatalog())
	if err != nil {
		t.Fatal(err)
	}
	if inc.Urgency != "high" || inc.Rule != "CFRPV98RPR1U8: route RIYGUJXCPFHXY" || inc.ServiceID != "RIYGUJXCPFHXY" {
		t.Errorf("without a catalog: urgency %s, rule %q, service %s", inc.Urgency, inc.Rule, inc.ServiceID)
	}
}

// The real alert sample is a legacy Grafana alert: its rule's name is ruleName, and it
// has no annotations, so no runbook.
func TestReadTheRealAlertSample(t *testing.T) {
	var a alertRecord
	if err := json.Unmarshal(samplePage(t, "alerts_list.json")[0], &a); err != nil {
		t.Fatal(err)
	}
	f := readPayload(a.Payload)
	if a.AlertGroupID != "T3HRAP3K3IKOP" || f.AlertName != "Test notification" || f.Title != "[Alerting] Test notification" ||
		f.Runbook != "" || f.Labels != nil || f.Annotations != nil {
		t.Errorf("group %s, facts %+v", a.AlertGroupID, f)
	}
}

// orgCatalog is the catalog of the fake organisation's configuration lists.
func orgCatalog(t *testing.T, d *oncalltest.Data) *catalog {
	cat := newCatalog()
	for _, l := range []struct {
		kind string
		recs []json.RawMessage
	}{{"team", d.Teams}, {"escalation_chain", d.Chains}, {"escalation_policy", d.Policies}, {"integration", d.Integrations}, {"route", d.Routes}} {
		for _, raw := range l.recs {
			if err := cat.learn(l.kind, raw); err != nil {
				t.Fatal(err)
			}
		}
	}
	cat.policiesRead = true
	return cat
}

// Each variant the fake serves, mapped: values worked out from oncalltest.Org's table.
func TestMapGroupVariants(t *testing.T) {
	created := utc("2026-01-01T01:00:00Z")
	d := oncalltest.Org(6, created, 0)
	cat := orgCatalog(t, d)
	at := func(m int) time.Time { return created.Add(time.Duration(m) * time.Minute) }
	cases := []struct {
		what                 string
		service, rule        string
		urgency              string
		acked, resolved      time.Time
		resolvedBy, runbook  string
		silenced, alertname  string
		payloadTeamLabelWant string
	}{
		{"firing", "RPAY1", `Alertmanager: team="payments"`, "high", time.Time{}, time.Time{}, "", "https://runbooks.example.com/HighErrorRate", "", "HighErrorRate", "payments"},
		{"acknowledged by ada", "RPAY1", `Alertmanager: team="payments"`, "high", at(2), time.Time{}, "", "", "", "DiskFull", "payments"},
		{"resolved by bob; runbook still a template", "RPAY1", `Alertmanager: team="payments"`, "high", at(3), at(20), "human", "", "", "PodCrashLooping", "payments"},
		{"resolved by the source, chat-only chain", "RDEF1", "Alertmanager", "low", time.Time{}, at(4), "auto", "", "", "HighErrorRate", "platform"},
		{"silenced", "RDEF1", "Alertmanager", "low", time.Time{}, time.Time{}, "", "https://runbooks.example.com/DiskFull", "2026-01-01T01:01:00.000000Z", "DiskFull", "platform"},
		{"direct paging, acknowledged by the source", "RDP2", "Direct paging", "high", time.Time{}, at(30), "human", "", "", "PodCrashLooping", "platform"},
	}
	for i, c := range cases {
		g := d.Groups[i]
		var rec groupRecord
		if err := json.Unmarshal(g.JSON(), &rec); err != nil {
			t.Fatal(err)
		}
		inc, err := mapGroup(g.JSON(), lastAlertPayload(rec), cat)
		if err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		if inc.ServiceID != c.service || inc.Rule != c.rule || inc.Urgency != c.urgency || !inc.AcknowledgedAt.Equal(c.acked) ||
			!inc.ResolvedAt.Equal(c.resolved) || inc.ResolvedBy != c.resolvedBy || inc.RunbookURL != c.runbook {
			t.Errorf("%s: service %s rule %q urgency %s acked %v resolved %v by %q runbook %q", c.what,
				inc.ServiceID, inc.Rule, inc.Urgency, inc.AcknowledgedAt, inc.ResolvedAt, inc.ResolvedBy, inc.RunbookURL)
		}
		var labels struct {
			Labels     map[string]string `json:"labels"`
			AlertName  string            `json:"alertname"`
			SilencedAt string            `json:"silenced_at"`
		}
		if err := json.Unmarshal(inc.Labels, &labels); err != nil {
			t.Fatal(err)
		}
		if labels.AlertName != c.alertname || labels.SilencedAt != c.silenced || labels.Labels["team"] != c.payloadTeamLabelWant ||
			labels.Labels["severity"] != "critical" {
			t.Errorf("%s: labels %s", c.what, inc.Labels)
		}
	}
}

func TestServicesAndFallbacks(t *testing.T) {
	cat := orgCatalog(t, oncalltest.Org(0, time.Time{}, 0))
	for _, c := range []struct {
		integration, route string
		want               ingest.Service
	}{
		// the chain's team, not the integration's (which has none)
		{"CAM1", "RPAY1", ingest.Service{ID: "RPAY1", Name: `Alertmanager: team="payments"`, Team: "Payments", Rotation: "payments-primary"}},
		{"CAM1", "RDEF1", ingest.Service{ID: "RDEF1", Name: "Alertmanager", Team: "Platform", Rotation: "platform-chat"}},
		// no chain: the integration's team, no rotation
		{"CDP2", "RDP2", ingest.Service{ID: "RDP2", Name: "Direct paging", Team: "Platform", Rotation: ""}},
		// a group that came through no route: the integration, rotated by its default route's chain
		{"CAM1", "", ingest.Service{ID: "CAM1", Name: "Alertmanager", Team: "Platform", Rotation: "platform-chat"}},
		// a route deleted since
		{"CAM1", "RGONE9", ingest.Service{ID: "RGONE9", Name: "Alertmanager: route RGONE9", Team: "", Rotation: ""}},
	} {
		if got := cat.service(c.integration, c.route); got != c.want {
			t.Errorf("service(%s, %s) = %+v, want %+v", c.integration, c.route, got, c.want)
		}
	}
	if got := cat.rule("CAM1", "RGONE9"); got != "Alertmanager: route RGONE9" {
		t.Errorf("rule of a deleted route: %q", got)
	}
	// Without the escalation policies, a route with a chain counts as paging.
	cat.policiesRead = false
	if got := cat.urgency("CAM1", "RDEF1"); got != "high" {
		t.Errorf("urgency without policies: %s, want high", got)
	}
	if got := cat.urgency("CDP2", ""); got != "high" {
		t.Errorf("direct paging without a route: %s, want high", got)
	}
}

func TestFindRunbook(t *testing.T) {
	for _, c := range []struct{ payload, want string }{
		{`{"annotations":{"runbook":"https://wiki.example.com/db","runbook_url":"https://runbooks.example.com/db."}}`, "https://runbooks.example.com/db"},
		{`{"commonAnnotations":{"runbook_url":"https://runbooks.example.com/x"},"alerts":[]}`, "https://runbooks.example.com/x"},
		{`{"alerts":[{"annotations":{"runbook_url":"https://r.example.com/{{ $labels.job }}"}}]}`, ""},
		{`{"message":"CPU high; see the runbook at https://wiki.example.com/cpu."}`, "https://wiki.example.com/cpu"},
		{`{"message":"CPU high, https://grafana.example.com/d/1"}`, ""},
	} {
		if got := readPayload(json.RawMessage(c.payload)).Runbook; got != c.want {
			t.Errorf("%s: runbook %q, want %q", c.payload, got, c.want)
		}
	}
}

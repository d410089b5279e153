package oncalltest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// The organisation's configuration, in the shapes of the API reference: two teams, three
// users (one without a time zone), two escalation chains (one that pages people, one that
// only posts to Slack and calls a webhook), an Alertmanager integration with a payments
// route, a default route and 24 more routes (so that routes take two pages of 25), and
// a direct paging integration.
var (
	teams = []string{
		`{"id":"TPAY1","grafana_id":1,"name":"Payments","email":"","avatar_url":"/avatar/1"}`,
		`{"id":"TPLAT2","grafana_id":2,"name":"Platform","email":"","avatar_url":"/avatar/2"}`,
	}
	users = []string{
		`{"id":"UADA1","grafana_id":11,"email":"ada@example.com","slack":[],"username":"ada","role":"admin","is_phone_number_verified":true,"timezone":"Europe/Dublin","teams":["TPAY1"]}`,
		`{"id":"UBOB2","grafana_id":12,"email":"bob@example.com","slack":[],"username":"bob","role":"editor","is_phone_number_verified":true,"timezone":"America/Los_Angeles","teams":["TPLAT2"]}`,
		`{"id":"UCHI3","grafana_id":13,"email":"chi@example.com","slack":[],"username":"chi","role":"viewer","is_phone_number_verified":false,"timezone":null,"teams":[]}`,
	}
	chains = []string{
		`{"id":"FPAY1","name":"payments-primary","team_id":"TPAY1"}`,
		`{"id":"FCHAT2","name":"platform-chat","team_id":"TPLAT2"}`,
	}
	policies = []string{
		`{"id":"EWAIT1","escalation_chain_id":"FPAY1","position":0,"type":"wait","duration":60}`,
		`{"id":"ENOTE2","escalation_chain_id":"FPAY1","position":1,"type":"notify_persons","important":true,"persons_to_notify":["UADA1","UBOB2"]}`,
		`{"id":"ESLACK3","escalation_chain_id":"FCHAT2","position":0,"type":"notify_whole_channel","important":false}`,
		`{"id":"EHOOK4","escalation_chain_id":"FCHAT2","position":1,"type":"trigger_webhook","action_to_trigger":"WH1"}`,
	}
	integrations = []string{
		`{"id":"CAM1","name":"Alertmanager","description_short":null,"team_id":null,"link":"https://oncall.example/integrations/v1/alertmanager/aXk/","inbound_email":null,"type":"alertmanager","default_route":{"id":"RDEF1","escalation_chain_id":"FCHAT2","slack":{"channel_id":null,"enabled":false}},"templates":{"grouping_key":null,"resolve_signal":null},"heartbeat":null,"maintenance_mode":null}`,
		`{"id":"CDP2","name":"Direct paging","description_short":null,"team_id":"TPLAT2","link":null,"inbound_email":null,"type":"direct_paging","default_route":{"id":"RDP2","escalation_chain_id":null,"slack":{"channel_id":null,"enabled":false}},"templates":{},"heartbeat":null,"maintenance_mode":null}`,
	}
	routes = []string{
		`{"id":"RPAY1","integration_id":"CAM1","escalation_chain_id":"FPAY1","routing_type":"regex","routing_regex":"team=\"payments\"","position":0,"is_the_last_route":false,"slack":{"channel_id":null,"enabled":false}}`,
		`{"id":"RDEF1","integration_id":"CAM1","escalation_chain_id":"FCHAT2","routing_type":"regex","routing_regex":".*","position":25,"is_the_last_route":true,"slack":{"channel_id":null,"enabled":false}}`,
		`{"id":"RDP2","integration_id":"CDP2","escalation_chain_id":null,"routing_type":"regex","routing_regex":".*","position":0,"is_the_last_route":true,"slack":{"channel_id":null,"enabled":false}}`,
	}
)

// Alert names, by group number modulo 3.
var alertNames = []string{"HighErrorRate", "DiskFull", "PodCrashLooping"}

func raws(recs []string) []json.RawMessage {
	out := make([]json.RawMessage, len(recs))
	for i, r := range recs {
		out[i] = json.RawMessage(r)
	}
	return out
}

// Org is the organisation with n alert groups, the i-th created at first + i*step. Group
// i is, by i modulo 6:
//
//	0  firing, payments route
//	1  acknowledged by ada 2 minutes in, payments route
//	2  acknowledged by bob at 3 minutes, resolved by bob at 20, payments route
//	3  resolved by the source at 4 minutes (resolved_by null), default route
//	4  silenced at 1 minute, default route
//	5  direct paging: acknowledged by the source at 1 minute, resolved by ada at 30
//
// Its newest alert's annotations carry a runbook_url when i is a multiple of 4, and a
// runbook_url still holding a template (not a link) when i is 2 modulo 4.
func Org(n int, first time.Time, step time.Duration) *Data {
	d := &Data{Teams: raws(teams), Users: raws(users), Chains: raws(chains), Policies: raws(policies),
		Integrations: raws(integrations), Routes: raws(routes)}
	for i := range 24 {
		d.Routes = append(d.Routes, json.RawMessage(fmt.Sprintf(
			`{"id":"RX%02d","integration_id":"CAM1","escalation_chain_id":"FPAY1","routing_type":"regex","routing_regex":"service=\"svc-%02d\"","position":%d,"is_the_last_route":false,"slack":{"channel_id":null,"enabled":false}}`,
			i, i, i+1)))
	}
	for i := range n {
		d.Groups = append(d.Groups, group(i, first.Add(time.Duration(i)*step)))
	}
	return d
}

func group(i int, at time.Time) *Group {
	name := alertNames[i%3]
	g := &Group{ID: fmt.Sprintf("IG%05d", i), IntegrationID: "CAM1", RouteID: "RPAY1", CreatedAt: at,
		Title: fmt.Sprintf("[FIRING:1] %s payments-api-%d", name, i%7), AlertsCount: 1 + i%3}
	team := "payments"
	after := func(m int) time.Time { return at.Add(time.Duration(m) * time.Minute) }
	switch i % 6 {
	case 1:
		g.AcknowledgedAt, g.AcknowledgedBy = after(2), "UADA1"
	case 2:
		g.AcknowledgedAt, g.AcknowledgedBy, g.ResolvedAt, g.ResolvedBy = after(3), "UBOB2", after(20), "UBOB2"
	case 3:
		g.RouteID, team, g.ResolvedAt = "RDEF1", "platform", after(4)
	case 4:
		g.RouteID, team, g.SilencedAt = "RDEF1", "platform", after(1)
	case 5:
		g.IntegrationID, g.RouteID, g.TeamID, team = "CDP2", "RDP2", "TPLAT2", "platform"
		g.AcknowledgedAt, g.ResolvedAt, g.ResolvedBy = after(1), after(30), "UADA1"
	}
	if team == "payments" {
		g.Labels = map[string]string{"team": team}
	}
	annotations := map[string]string{"summary": name + " on payments-api"}
	switch i % 4 {
	case 0:
		annotations["runbook_url"] = "https://runbooks.example.com/" + name
	case 2:
		annotations["runbook_url"] = "https://runbooks.example.com/{{ $labels.alertname }}"
	}
	payload, err := json.Marshal(map[string]any{
		"status": "firing", "labels": map[string]string{"alertname": name, "severity": "critical", "team": team},
		"annotations": annotations, "startsAt": at.Format(time.RFC3339), "endsAt": "0001-01-01T00:00:00Z",
		"generatorURL": "http://prometheus.example:9090/graph", "fingerprint": fmt.Sprintf("%016x", i),
	})
	if err != nil {
		panic(err)
	}
	g.LastAlert = payload
	return g
}

// AddSamples adds the real samples of dir (alert_groups_list.json, alerts_list.json):
// the sample group as it is, in its older shape without last_alert, and the sample
// alert, with a group of the older shape for it to belong to (the sample's own group is
// not in the sample), created a minute before its alert.
func (d *Data) AddSamples(dir string) error {
	var page struct {
		Results []json.RawMessage `json:"results"`
	}
	read := func(name string) error {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err == nil {
			err = json.Unmarshal(b, &page)
		}
		if err != nil {
			return fmt.Errorf("sample %s: %w", name, err)
		}
		return nil
	}
	if err := read("alert_groups_list.json"); err != nil {
		return err
	}
	for _, raw := range page.Results {
		var g struct {
			ID        string    `json:"id"`
			CreatedAt time.Time `json:"created_at"`
			RouteID   string    `json:"route_id"`
		}
		if err := json.Unmarshal(raw, &g); err != nil {
			return err
		}
		d.Groups = append(d.Groups, &Group{ID: g.ID, RouteID: g.RouteID, CreatedAt: g.CreatedAt, Raw: raw})
	}
	if err := read("alerts_list.json"); err != nil {
		return err
	}
	for _, raw := range page.Results {
		var a struct {
			GroupID   string    `json:"alert_group_id"`
			CreatedAt time.Time `json:"created_at"`
		}
		if err := json.Unmarshal(raw, &a); err != nil {
			return err
		}
		d.Alerts = append(d.Alerts, raw)
		d.Groups = append(d.Groups, &Group{ID: a.GroupID, IntegrationID: "CAM1", RouteID: "RDEF1", Legacy: true,
			CreatedAt: a.CreatedAt.Add(-time.Minute), Title: "[Alerting] Test notification", AlertsCount: 1})
	}
	return nil
}

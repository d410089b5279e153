package grafanaoncall

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/alertlens/alertlens/ingest"
)

// The records of OnCall's public API (engine/apps/public_api/serializers), the fields
// alertlens reads. Ids are OnCall's public keys ("U4DNY931HHJS5"), unique per kind.

type userRecord struct {
	ID       string  `json:"id"`
	Email    string  `json:"email"`
	Username string  `json:"username"`
	Timezone *string `json:"timezone"`
}

type teamRecord struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type chainRecord struct {
	ID     string  `json:"id"`
	Name   string  `json:"name"`
	TeamID *string `json:"team_id"`
}

type policyRecord struct {
	ID                string `json:"id"`
	EscalationChainID string `json:"escalation_chain_id"`
	Type              string `json:"type"`
}

type integrationRecord struct {
	ID           string  `json:"id"`
	Name         string  `json:"name"`
	TeamID       *string `json:"team_id"`
	Type         string  `json:"type"`
	DefaultRoute *struct {
		ID                string  `json:"id"`
		EscalationChainID *string `json:"escalation_chain_id"`
	} `json:"default_route"`
}

type routeRecord struct {
	ID                string  `json:"id"`
	IntegrationID     string  `json:"integration_id"`
	EscalationChainID *string `json:"escalation_chain_id"`
	RoutingRegex      string  `json:"routing_regex"`
	IsTheLastRoute    bool    `json:"is_the_last_route"`
}

// groupRecord is an alert group. The fields that newer OnCall versions added
// (acknowledged_by, resolved_by, last_alert) are kept raw so that a field the server did
// not send tells apart from one it sent as null: "resolved_by": null means resolved by
// the source, no resolved_by at all means an older server that does not say.
type groupRecord struct {
	ID             string          `json:"id"`
	IntegrationID  string          `json:"integration_id"`
	RouteID        *string         `json:"route_id"`
	TeamID         *string         `json:"team_id"`
	AlertsCount    int             `json:"alerts_count"`
	State          string          `json:"state"`
	CreatedAt      string          `json:"created_at"`
	ResolvedAt     *string         `json:"resolved_at"`
	AcknowledgedAt *string         `json:"acknowledged_at"`
	SilencedAt     *string         `json:"silenced_at"`
	AcknowledgedBy json.RawMessage `json:"acknowledged_by"`
	ResolvedBy     json.RawMessage `json:"resolved_by"`
	Title          *string         `json:"title"`
	Labels         []struct {
		Key   struct{ Name string } `json:"key"`
		Value struct{ Name string } `json:"value"`
	} `json:"labels"`
	LastAlert json.RawMessage `json:"last_alert"`
}

func (g groupRecord) routeID() string { return deref(g.RouteID) }

// hasLastAlert tells whether the server sends each group's newest alert (OnCall added
// last_alert to the list in 2024); without it the alert is fetched from /api/v1/alerts/.
func (g groupRecord) hasLastAlert() bool { return len(g.LastAlert) > 0 }

type alertRecord struct {
	ID           string          `json:"id"`
	AlertGroupID string          `json:"alert_group_id"`
	CreatedAt    string          `json:"created_at"`
	Payload      json.RawMessage `json:"payload"`
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// userID reads acknowledged_by or resolved_by: the user's id, "" for null, and ok false
// when the server did not send the field.
func userID(raw json.RawMessage) (id string, ok bool) {
	if len(raw) == 0 {
		return "", false
	}
	var s *string
	if json.Unmarshal(raw, &s) != nil {
		return "", true
	}
	return deref(s), true
}

func parseTime(id, field, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("alert group %s: %s: want an ISO 8601 time, got %q", id, field, s)
	}
	return t.UTC(), nil
}

// Escalation steps that notify people through their personal notification rules
// (phone, SMS, the mobile app...). The other steps (wait, trigger_webhook,
// notify_whole_channel in Slack, resolve, declare_incident and the conditions) page
// nobody by themselves.
var notifySteps = map[string]bool{
	"notify_persons":               true,
	"notify_person_next_each_time": true,
	"notify_on_call_from_schedule": true,
	"notify_user_group":            true,
	"notify_team_members":          true,
}

// The integration type of OnCall's direct paging: a person paged someone by hand.
const directPaging = "direct_paging"

type route struct {
	integrationID, chainID, regex string
	isDefault                     bool
}

type integration struct {
	name, teamID, kind string
	defaultRoute       string
}

type chain struct {
	name, teamID string
}

// catalog is what the configuration lists tell about where an alert group went: its
// integration, route and escalation chain, and the chain's steps. A list the token may
// not read leaves its part empty, and the mapping falls back as the docs say.
type catalog struct {
	teams        map[string]string // id → name
	integrations map[string]integration
	routes       map[string]route
	chains       map[string]chain
	notifying    map[string]bool // chain id → it has a step that notifies people
	policiesRead bool            // the escalation policies were listed
}

func newCatalog() *catalog {
	return &catalog{teams: map[string]string{}, integrations: map[string]integration{},
		routes: map[string]route{}, chains: map[string]chain{}, notifying: map[string]bool{}}
}

func (c *catalog) addIntegration(r integrationRecord) {
	in := integration{name: r.Name, teamID: deref(r.TeamID), kind: r.Type}
	if d := r.DefaultRoute; d != nil && d.ID != "" {
		in.defaultRoute = d.ID
		if _, listed := c.routes[d.ID]; !listed {
			c.routes[d.ID] = route{integrationID: r.ID, chainID: deref(d.EscalationChainID), isDefault: true}
		}
	}
	c.integrations[r.ID] = in
}

func (c *catalog) addRoute(r routeRecord) {
	c.routes[r.ID] = route{integrationID: r.IntegrationID, chainID: deref(r.EscalationChainID),
		regex: r.RoutingRegex, isDefault: r.IsTheLastRoute}
}

// learn reads a record of a configuration list (a team, escalation chain or policy,
// integration or route) into the catalog.
func (c *catalog) learn(kind string, raw json.RawMessage) error {
	var err error
	switch kind {
	case "team":
		var t teamRecord
		if err = json.Unmarshal(raw, &t); err == nil {
			c.teams[t.ID] = t.Name
		}
	case "escalation_chain":
		var ch chainRecord
		if err = json.Unmarshal(raw, &ch); err == nil {
			c.chains[ch.ID] = chain{name: ch.Name, teamID: deref(ch.TeamID)}
		}
	case "escalation_policy":
		var p policyRecord
		if err = json.Unmarshal(raw, &p); err == nil && notifySteps[p.Type] {
			c.notifying[p.EscalationChainID] = true
		}
	case "integration":
		var in integrationRecord
		if err = json.Unmarshal(raw, &in); err == nil {
			c.addIntegration(in)
		}
	case "route":
		var rt routeRecord
		if err = json.Unmarshal(raw, &rt); err == nil {
			c.addRoute(rt)
		}
	}
	return err
}

func (c *catalog) teamName(id string) string {
	if id == "" {
		return ""
	}
	if n := c.teams[id]; n != "" {
		return n
	}
	return id // the teams list was not readable: the id still tells teams apart
}

func (c *catalog) integrationName(id string) string {
	if n := c.integrations[id].name; n != "" {
		return n
	}
	return id
}

// shortRegex keeps a route's routing expression readable as part of a name; a Jinja2
// route can be a whole template.
func shortRegex(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 80 {
		s = string(r[:79]) + "…"
	}
	return s
}

// serviceID is the service an alert group belongs to: its route, else (a group that
// came through no route) its integration. A route, not the integration, because the
// route picks the escalation chain: one Alertmanager integration routed by a team label
// to each team's chain is the common setup, and its groups belong to different rotations.
func serviceID(integrationID, routeID string) string {
	if routeID != "" {
		return routeID
	}
	return integrationID
}

// service names the service of a route (or integration): the integration's name (with
// the routing expression for a route other than the default), the team of the
// escalation chain (else of the integration), and the chain as the rotation.
func (c *catalog) service(integrationID, routeID string) ingest.Service {
	in := c.integrations[integrationID]
	name := c.integrationName(integrationID)
	svc := ingest.Service{ID: serviceID(integrationID, routeID), Name: name, Team: c.teamName(in.teamID)}
	r, known := c.routes[routeID]
	switch {
	case routeID == "":
		r, known = c.routes[in.defaultRoute], in.defaultRoute != ""
	case !known:
		svc.Name = name + ": route " + routeID // deleted since, or the routes were not readable
		return svc
	case !r.isDefault:
		svc.Name = name + ": " + shortRegex(r.regex)
	}
	if ch, ok := c.chains[r.chainID]; known && ok {
		svc.Rotation = ch.name
		if ch.teamID != "" {
			svc.Team = c.teamName(ch.teamID)
		}
	} else if known && r.chainID != "" {
		svc.Rotation = r.chainID
	}
	return svc
}

// rule is the alert rule of a group (METRICS.md: "a Grafana OnCall route or
// integration"): a route with a routing expression of its own is a rule someone wrote
// for these alerts; the default route takes whatever no other route did, so there the
// integration is the rule.
func (c *catalog) rule(integrationID, routeID string) string {
	name := c.integrationName(integrationID)
	r, known := c.routes[routeID]
	switch {
	case routeID == "" || (known && r.isDefault):
		return name
	case !known:
		return name + ": route " + routeID
	}
	return name + ": " + shortRegex(r.regex)
}

// urgency is high when OnCall would page someone for the group: the public API has no
// record of the notifications it sent, so pages are inferred (METRICS.md) from this. A
// group is high when it came through direct paging, or its route's escalation chain has
// a step that notifies people; low when the route has no chain or a chain that only
// waits, posts to a chat channel or calls a webhook. When the lists that tell are not
// readable, it is high: paging is what OnCall is for.
func (c *catalog) urgency(integrationID, routeID string) string {
	if c.integrations[integrationID].kind == directPaging {
		return "high"
	}
	if routeID == "" {
		routeID = c.integrations[integrationID].defaultRoute
	}
	r, known := c.routes[routeID]
	switch {
	case !known || (r.chainID != "" && !c.policiesRead):
		return "high"
	case r.chainID == "" || !c.notifying[r.chainID]:
		return "low"
	}
	return "high"
}

// alertFacts is what an alert's payload tells: the labels and annotations of the
// monitoring tool that sent it, the name of its rule there, and its runbook.
type alertFacts struct {
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	AlertName   string            `json:"alertname,omitempty"`
	Title       string            `json:"-"`
	Runbook     string            `json:"-"`
}

// readPayload reads an alert payload of the shapes OnCall integrations receive: one
// Alertmanager alert (labels, annotations), an Alertmanager or Grafana Alerting webhook
// (commonLabels, commonAnnotations, alerts[]), or a legacy Grafana alert (ruleName, tags).
func readPayload(payload json.RawMessage) alertFacts {
	var p struct {
		Labels            map[string]any `json:"labels"`
		Annotations       map[string]any `json:"annotations"`
		CommonLabels      map[string]any `json:"commonLabels"`
		CommonAnnotations map[string]any `json:"commonAnnotations"`
		Alerts            []struct {
			Labels      map[string]any `json:"labels"`
			Annotations map[string]any `json:"annotations"`
		} `json:"alerts"`
		Tags     map[string]any `json:"tags"`
		RuleName string         `json:"ruleName"`
		Title    string         `json:"title"`
	}
	var f alertFacts
	if len(payload) == 0 || json.Unmarshal(payload, &p) != nil {
		return f
	}
	var alertLabels, alertAnnotations map[string]any
	if len(p.Alerts) > 0 {
		alertLabels, alertAnnotations = p.Alerts[0].Labels, p.Alerts[0].Annotations
	}
	f.Labels = textValues(firstMap(p.Labels, p.CommonLabels, alertLabels, p.Tags))
	f.Annotations = textValues(firstMap(p.Annotations, p.CommonAnnotations, alertAnnotations))
	f.AlertName = f.Labels["alertname"]
	if f.AlertName == "" {
		f.AlertName = p.RuleName
	}
	f.Title = p.Title
	f.Runbook = findRunbook(f.Annotations, payload)
	return f
}

func firstMap(ms ...map[string]any) map[string]any {
	for _, m := range ms {
		if len(m) > 0 {
			return m
		}
	}
	return nil
}

// textValues keeps the values that are text, which is what labels and annotations are.
func textValues(m map[string]any) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := map[string]string{}
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

// findRunbook returns the alert's runbook link: the runbook_url (else runbook) annotation,
// else a URL in any payload field whose name says runbook, else a URL in a text that
// mentions a runbook. A link still holding a template ("{{ $labels.x }}") is no link.
func findRunbook(annotations map[string]string, payload json.RawMessage) string {
	for _, k := range []string{"runbook_url", "runbook"} {
		if u := ingest.RunbookLink(annotations[k]); u != "" {
			return u
		}
	}
	return ingest.RunbookInJSON(payload)
}

// groupLabels is the incident's labels document: the alert's labels (with the group's
// own labels over them) and annotations, for the models and runbook patterns, and what
// the group says of itself that no column holds.
type groupLabels struct {
	alertFacts
	State       string            `json:"state,omitempty"`
	AlertsCount int               `json:"alerts_count"`
	SilencedAt  string            `json:"silenced_at,omitempty"`
	Integration string            `json:"integration_id"`
	Route       string            `json:"route_id,omitempty"`
	Team        string            `json:"team_id,omitempty"`
	Permalinks  map[string]string `json:"permalinks,omitempty"`
}

// mapGroup turns an alert group into an incident, given its newest alert's payload
// (nil when unknown) and the catalog.
//
//   - acknowledged: acknowledged_at, when acknowledged_by names a user (or the server
//     is too old to send acknowledged_by). An acknowledgement by the source (an
//     acknowledge signal from the monitoring tool) is not a person's, and METRICS.md's
//     MTTA and "unacknowledged" are about people.
//   - resolved: resolved_at, for a group whose state is resolved; by human when
//     resolved_by names a user, auto when it is null (the source's resolve signal, the
//     chain's resolve step, the end of a maintenance), unknown ("") from a server that
//     does not send resolved_by.
func mapGroup(raw json.RawMessage, payload json.RawMessage, cat *catalog) (ingest.Incident, error) {
	var g groupRecord
	if err := json.Unmarshal(raw, &g); err != nil {
		return ingest.Incident{}, fmt.Errorf("alert group: %w", err)
	}
	if g.ID == "" {
		return ingest.Incident{}, fmt.Errorf("an alert group without an id: %.200s", raw)
	}
	if g.IntegrationID == "" {
		return ingest.Incident{}, fmt.Errorf("alert group %s: integration_id: missing", g.ID)
	}
	routeID := g.routeID()
	inc := ingest.Incident{ID: g.ID, ServiceID: serviceID(g.IntegrationID, routeID),
		Urgency: cat.urgency(g.IntegrationID, routeID), Rule: cat.rule(g.IntegrationID, routeID)}
	var err error
	if inc.CreatedAt, err = parseTime(g.ID, "created_at", g.CreatedAt); err != nil {
		return inc, err
	}
	if at := deref(g.AcknowledgedAt); at != "" {
		if by, sent := userID(g.AcknowledgedBy); by != "" || !sent {
			if inc.AcknowledgedAt, err = parseTime(g.ID, "acknowledged_at", at); err != nil {
				return inc, err
			}
		}
	}
	if at := deref(g.ResolvedAt); g.State == "resolved" && at != "" {
		if inc.ResolvedAt, err = parseTime(g.ID, "resolved_at", at); err != nil {
			return inc, err
		}
		if by, sent := userID(g.ResolvedBy); by != "" {
			inc.ResolvedBy = ingest.ResolvedByHuman
		} else if sent {
			inc.ResolvedBy = ingest.ResolvedByAuto
		}
	}
	facts := readPayload(payload)
	for _, l := range g.Labels {
		if facts.Labels == nil {
			facts.Labels = map[string]string{}
		}
		facts.Labels[l.Key.Name] = l.Value.Name
	}
	inc.RunbookURL = facts.Runbook
	inc.Title = deref(g.Title)
	if inc.Title == "" {
		inc.Title = facts.Title
	}
	if inc.Title == "" {
		inc.Title = "alert group " + g.ID
	}
	var links struct {
		Permalinks map[string]string `json:"permalinks"`
	}
	json.Unmarshal(raw, &links) // a permalink that is not text is left out, not an error
	inc.Labels, err = json.Marshal(groupLabels{alertFacts: facts, State: g.State, AlertsCount: g.AlertsCount,
		SilencedAt: deref(g.SilencedAt), Integration: g.IntegrationID, Route: routeID, Team: deref(g.TeamID),
		Permalinks: links.Permalinks})
	return inc, err
}

// lastAlertPayload is the payload of the last_alert a group record carries, if any.
func lastAlertPayload(g groupRecord) json.RawMessage {
	if !g.hasLastAlert() || string(g.LastAlert) == "null" {
		return nil
	}
	var a alertRecord
	if json.Unmarshal(g.LastAlert, &a) != nil {
		return nil
	}
	return a.Payload
}

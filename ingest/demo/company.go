package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// The cast of the demo: Northwind, 40 engineers in six teams and three time zones, 25
// services and 150 alert rules. The cast is the same for every seed (it is drawn from a
// fixed source), so docs/demo.md can name it; the seed only moves the incidents.

type person struct {
	id, name, email, zone string
}

type team struct {
	name, rotation string
	loc            *time.Location
	members        []*person
}

type service struct {
	id   string
	team *team
}

// A fix of a noisy rule, as the team made it in the story.
const (
	fixForDelay      = "for"            // a `for` delay: the flapping incidents never fire again
	fixBusinessHours = "business_hours" // low urgency out of business hours: no more night pages
)

// noise makes a rule one of the few that page most out of hours: a steady number of
// short bursts a month of incidents that resolve themselves within minutes, until the
// team fixes it.
type noise struct {
	burstsPerMonth int
	minBurst       int
	maxBurst       int
	nightFrom      int // local hour the bursts start from; -1 for any time
	nightTo        int // local hour they start before
	fixedAt        time.Time
	fix            string
	fixNote        string
}

type rule struct {
	name          string
	svc           *service
	severity      string // critical pages, warning notifies by chat or e-mail
	summary       string // title text; %d takes a number that varies per incident
	lowPerMonth   float64
	pagesPerMonth float64
	runbookFrom   time.Time // zero when the rule never gets a runbook
	noise         *noise
	inferred      bool // raised straight from Alertmanager: no notification records
}

func (r *rule) runbookAt(t time.Time) string {
	if r.runbookFrom.IsZero() || t.Before(r.runbookFrom) {
		return ""
	}
	return "https://wiki.northwind.example/runbooks/" + r.svc.id + "/" + kebab(r.name)
}

func kebab(s string) string {
	var b strings.Builder
	for i, c := range s {
		if c >= 'A' && c <= 'Z' {
			if i > 0 && !(s[i-1] >= 'A' && s[i-1] <= 'Z') {
				b.WriteByte('-')
			}
			c += 'a' - 'A'
		}
		b.WriteRune(c)
	}
	return b.String()
}

type company struct {
	people   []*person
	teams    []*team
	services []*service
	rules    []*rule
}

var teamDefs = []struct {
	name, zone string
	services   []string
	people     []string
}{
	{"Platform", "Europe/Dublin", []string{"edge-proxy", "k8s-cluster", "backup", "ci-runners", "observability"},
		[]string{"Aoife Byrne", "Ciarán Walsh", "Niamh Kelly", "Darragh Murphy", "Siobhán Ryan", "Eoin O'Brien", "Gráinne Doyle"}},
	{"Payments", "Europe/Dublin", []string{"payments-api", "payment-gateway", "ledger", "fraud-scoring"},
		[]string{"Róisín Farrell", "Cormac Nolan", "Fiona McCarthy", "Padraig Lynch", "Orla Brennan", "Tadhg Quinn", "Sinéad Dunne"}},
	{"Storefront", "America/Los_Angeles", []string{"web-storefront", "checkout", "cart", "product-catalog"},
		[]string{"Maya Thompson", "Diego Alvarez", "Priya Raman", "Jordan Lee", "Hannah Kim", "Marcus Bell", "Sofia Ortiz"}},
	{"Mobile", "America/Los_Angeles", []string{"mobile-api", "push-gateway", "app-config", "image-resizer"},
		[]string{"Ethan Park", "Grace Nguyen", "Lucas Moreno", "Ava Chen", "Noah Patel", "Chloe Rivera"}},
	{"Data", "Australia/Sydney", []string{"kafka", "etl-pipeline", "warehouse", "reporting-api"},
		[]string{"Liam Wilson", "Olivia Taylor", "Jack Nguyen", "Isla Brown", "Cooper Smith", "Ruby Martin", "Harper Jones"}},
	{"Search", "Australia/Sydney", []string{"search-api", "search-indexer", "recommendations", "autocomplete"},
		[]string{"Oscar White", "Zoe Harris", "Mia Clarke", "Lachlan Scott", "Matilda King", "Archie Young"}},
}

// The noisy rules, in the order they are fixed. Their bursts produce most of the
// after-hours pages of the first months.
var noisyDefs = []struct {
	service, name, summary string
	noise                  noise
}{
	{"backup", "BackupVolumeDiskSpaceLow", "backup volume on backup-%d below 10%% free",
		noise{burstsPerMonth: 6, minBurst: 2, maxBurst: 3, nightFrom: 1, nightTo: 4,
			fixedAt: date(2026, 1, 19, "Europe/Dublin"), fix: fixBusinessHours,
			fixNote: "low urgency out of business hours; the nightly backup now prunes before it writes"}},
	{"payment-gateway", "PaymentGatewayLatencyP99", "p99 latency above 800ms on pay-gw-%d",
		noise{burstsPerMonth: 4, minBurst: 2, maxBurst: 4, nightFrom: -1,
			fixedAt: date(2026, 2, 9, "Europe/Dublin"), fix: fixForDelay,
			fixNote: "for: 10m, so a one-minute spike no longer fires"}},
	{"checkout", "CheckoutPodCrashLooping", "checkout-%d restarting (CrashLoopBackOff)",
		noise{burstsPerMonth: 3, minBurst: 2, maxBurst: 4, nightFrom: -1,
			fixedAt: date(2026, 3, 16, "America/Los_Angeles"), fix: fixForDelay,
			fixNote: "for: 15m; the liveness probe timeout was raised"}},
	{"kafka", "KafkaConsumerLagHigh", "consumer group etl-%d lag above 50000",
		noise{burstsPerMonth: 4, minBurst: 2, maxBurst: 3, nightFrom: 0, nightTo: 4,
			fixedAt: date(2026, 4, 20, "Australia/Sydney"), fix: fixBusinessHours,
			fixNote: "low urgency out of business hours; the nightly ETL lag is expected"}},
	{"search-indexer", "SearchReplicaLagging", "replica search-%d more than 5 minutes behind",
		noise{burstsPerMonth: 3, minBurst: 2, maxBurst: 3, nightFrom: -1,
			fixedAt: date(2026, 6, 8, "Australia/Sydney"), fix: fixForDelay,
			fixNote: "for: 10m; replicas catch up on their own after a merge"}},
	{"push-gateway", "PushGatewayHeartbeatMissing", "no heartbeat from push-gw-%d for 2 minutes",
		noise{burstsPerMonth: 3, minBurst: 2, maxBurst: 3, nightFrom: -1,
			fixedAt: date(2026, 7, 13, "America/Los_Angeles"), fix: fixForDelay,
			fixNote: "for: 5m; the heartbeat interval was shorter than the scrape interval"}},
	{"observability", "PrometheusTargetDown", "target node-exporter on node-%d down",
		noise{burstsPerMonth: 2, minBurst: 2, maxBurst: 2, nightFrom: -1,
			fixedAt: date(2026, 8, 3, "Europe/Dublin"), fix: fixBusinessHours,
			fixNote: "low urgency out of business hours; it now pages only when a whole zone is down"}},
}

// Rules that come straight from Alertmanager, whose webhook carries no notifications:
// their high-urgency incidents are inferred pages.
var inferredDefs = []struct{ service, name, summary string }{
	{"edge-proxy", "EdgeProxyDown", "edge-proxy-%d not answering health checks"},
	{"warehouse", "WarehouseLoadFailed", "warehouse load batch %d failed"},
}

// The ordinary rules every service draws from.
type catalogEntry struct{ name, severity, summary string }

var catalog = []catalogEntry{
	{"HighErrorRate", "critical", "5xx rate above 5%% on %s-%d"},
	{"ServiceDown", "critical", "%s-%d not answering"},
	{"SLOBurnRateFast", "critical", "error budget burning 14x on %s (window %dm)"},
	{"HighLatencyP99", "critical", "p99 latency above 2s on %s-%d"},
	{"ReplicasUnavailable", "critical", "%s has %d replicas unavailable"},
	{"DatabaseConnectionsExhausted", "critical", "%s connection pool exhausted on db-%d"},
	{"PodRestarting", "warning", "%s-%d restarted 3 times in 15m"},
	{"CPUThrottlingHigh", "warning", "%s-%d throttled 40%% of the time"},
	{"MemoryUsageHigh", "warning", "%s-%d memory above 90%%"},
	{"DiskSpaceLow", "warning", "%s volume on node-%d below 15%% free"},
	{"SLOBurnRateSlow", "warning", "error budget burning 3x on %s (window %dh)"},
	{"CertificateExpiringSoon", "warning", "certificate for %s expires in %d days"},
	{"QueueBacklogGrowing", "warning", "%s queue backlog above %d"},
	{"DeploymentReplicasMismatch", "warning", "%s deployment has %d replicas pending"},
	{"JobFailed", "warning", "%s cron job failed (attempt %d)"},
	{"HostClockSkew", "warning", "%s node-%d clock skew above 50ms"},
	{"HighRequestRate", "warning", "%s request rate %d%% above forecast"},
}

// story is an incident the demo always holds: a page on a public holiday or on a night
// the clocks change, at a local wall-clock time.
type story struct {
	service, rule string
	local         string // "2006-01-02 15:04" in the team's zone
	title         string
	manual        bool // the on-call person called in the secondary
}

var storyDefs = []story{
	{"web-storefront", "HighErrorRate", "2025-11-02 01:40", "5xx rate above 5% on web-storefront-3 (the hour the clocks went back)", false},
	{"cart", "SLOBurnRateFast", "2025-11-02 07:30", "error budget burning 14x on cart (session cleanup ran twice when the clocks went back)", false},
	{"checkout", "HighLatencyP99", "2025-11-27 19:10", "p99 latency above 2s on checkout-2 (Thanksgiving traffic)", true},
	{"ledger", "ServiceDown", "2025-12-25 11:15", "ledger-1 not answering (Christmas Day reconciliation)", true},
	{"payments-api", "HighErrorRate", "2026-01-01 00:20", "5xx rate above 5% on payments-api-4 (New Year traffic)", false},
	{"reporting-api", "ServiceDown", "2026-01-01 00:05", "reporting-api-2 not answering (New Year's Eve)", false},
	{"search-api", "HighLatencyP99", "2026-01-26 14:00", "p99 latency above 2s on search-api-1 (Australia Day)", false},
	{"mobile-api", "HighErrorRate", "2026-03-08 03:10", "5xx rate above 5% on mobile-api-1 (token refresh skipped when the clocks went forward)", false},
	{"edge-proxy", "HighErrorRate", "2026-03-17 16:30", "5xx rate above 5% on edge-proxy-2 (St Patrick's Day)", false},
	{"k8s-cluster", "ReplicasUnavailable", "2026-03-29 07:30", "k8s-cluster has 3 replicas unavailable (clocks went forward)", false},
	{"etl-pipeline", "ServiceDown", "2026-04-05 02:30", "etl-pipeline-2 not answering (batch stuck when the clocks went back)", false},
	{"search-indexer", "ServiceDown", "2026-10-04 07:30", "search-indexer-1 not answering (clocks went forward)", false},
	{"k8s-cluster", "ServiceDown", "2026-10-25 01:30", "k8s-cluster node pool not answering (the hour the clocks went back)", true},
}

func date(y int, m time.Month, d int, zone string) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, mustZone(zone))
}

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("demo: time zone %s: %v", name, err))
	}
	return loc
}

// Background volume: about 14,000 low-urgency incidents and 200 business-hours-heavy
// pages a year, spread unevenly over the ordinary rules.
const (
	lowPerMonthTotal   = 1160.0
	pagesPerMonthTotal = 18.0
	rulesPerService    = 6
)

func newCompany() *company {
	rng := rand.New(rand.NewPCG(20251101, 1)) // the cast never changes
	c := &company{}
	svcByID := map[string]*service{}
	n := 0
	for _, td := range teamDefs {
		t := &team{name: td.name, rotation: strings.ToLower(td.name) + "-oncall", loc: mustZone(td.zone)}
		for _, name := range td.people {
			n++
			first, _, _ := strings.Cut(name, " ")
			p := &person{id: fmt.Sprintf("NW%02d", n), name: name, zone: td.zone,
				email: strings.ToLower(asciiOnly(first)) + fmt.Sprintf(".%02d@northwind.example", n)}
			t.members = append(t.members, p)
			c.people = append(c.people, p)
		}
		for _, id := range td.services {
			s := &service{id: id, team: t}
			c.services = append(c.services, s)
			svcByID[id] = s
		}
		c.teams = append(c.teams, t)
	}

	taken := map[string]int{} // rules a service already has
	for _, d := range noisyDefs {
		nz := d.noise
		c.rules = append(c.rules, &rule{name: d.name, svc: svcByID[d.service], severity: "critical", summary: d.summary, noise: &nz})
		taken[d.service]++
	}
	for _, d := range inferredDefs {
		r := &rule{name: d.name, svc: svcByID[d.service], severity: "critical", summary: d.summary, inferred: true, pagesPerMonth: 0.6}
		if d.name == "EdgeProxyDown" {
			r.runbookFrom = periodStart
		}
		c.rules = append(c.rules, r)
		taken[d.service]++
	}
	var ordinary []*rule
	var lowWeight, pageWeight float64
	for _, s := range c.services {
		// The rules the stories need come first, then a random pick of the catalog.
		var names []string
		for _, st := range storyDefs {
			if st.service == s.id && !slices.Contains(names, st.rule) {
				names = append(names, st.rule)
			}
		}
		for _, i := range rng.Perm(len(catalog)) {
			if !slices.Contains(names, catalog[i].name) {
				names = append(names, catalog[i].name)
			}
		}
		crit, warn := 0, 0
		for _, name := range names {
			if taken[s.id] >= rulesPerService {
				break
			}
			e := catalog[slices.IndexFunc(catalog, func(e catalogEntry) bool { return e.name == name })]
			if (e.severity == "critical" && crit == 2) || (e.severity == "warning" && warn == 4) {
				continue
			}
			r := &rule{name: e.name, svc: s, severity: e.severity}
			if e.severity == "critical" {
				crit++
				r.pagesPerMonth = math.Exp(rng.NormFloat64() * 0.8)
				pageWeight += r.pagesPerMonth
				if rng.Float64() < 0.9 {
					r.runbookFrom = periodStart
				}
			} else {
				warn++
				r.lowPerMonth = math.Exp(rng.NormFloat64())
				lowWeight += r.lowPerMonth
				switch x := rng.Float64(); {
				case x < 0.55:
					r.runbookFrom = periodStart
				case x < 0.8: // written during the year, after a review asked for one
					r.runbookFrom = periodStart.AddDate(0, 1+rng.IntN(10), rng.IntN(28))
				}
			}
			r.summary = strings.Replace(e.summary, "%s", s.id, 1)
			ordinary = append(ordinary, r)
			taken[s.id]++
		}
	}
	for _, r := range ordinary {
		r.lowPerMonth *= lowPerMonthTotal / lowWeight
		r.pagesPerMonth *= pagesPerMonthTotal / pageWeight
	}
	c.rules = append(c.rules, ordinary...)

	return c
}

func asciiOnly(s string) string {
	r := strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "'", "")
	return r.Replace(s)
}

func (c *company) rule(svc, name string) *rule {
	for _, r := range c.rules {
		if r.svc.id == svc && r.name == name {
			return r
		}
	}
	return nil
}

// onCall returns who is primary and secondary at t: the rotation hands over every
// Monday at 09:00 in the team's zone, and the secondary is next week's primary.
func (t *team) onCall(at time.Time) (primary, secondary *person) {
	local := at.In(t.loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	days := int(day.Sub(rotationEpoch).Hours()/24 + 0.5)
	if local.Weekday() == time.Monday && local.Hour() < 9 {
		days--
	}
	week := days / 7
	n := len(t.members)
	return t.members[week%n], t.members[(week+1)%n]
}

// rotationEpoch is a Monday before the period; weeks are counted from it.
var rotationEpoch = time.Date(2025, 10, 27, 0, 0, 0, 0, time.UTC)

// businessHours tells whether t falls Monday to Friday 08:00-18:00 in loc: the hours a
// rule moved to business hours still pages in.
func businessHours(t time.Time, loc *time.Location) bool {
	l := t.In(loc)
	wd := l.Weekday()
	return wd != time.Saturday && wd != time.Sunday && l.Hour() >= 8 && l.Hour() < 18
}

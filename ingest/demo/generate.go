package demo

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/alertlens/alertlens/ingest"
)

// record is one generated incident with what belongs to it.
type record struct {
	inc    ingest.Incident
	notes  []ingest.Notification
	review *ingest.Review
	page   bool
}

// What raised an incident, which decides how people were notified and how it ended.
type kind int

const (
	kindLow      kind = iota // low urgency: chat or e-mail to the on-call person
	kindPage                 // a real problem: paged, acknowledged, worked on, resolved
	kindNoisy                // a noisy rule's burst: paged, gone again within minutes
	kindInferred             // high urgency straight from Alertmanager: no notifications
	kindStory                // a page on a holiday or a night the clocks change
)

type pending struct {
	at    time.Time
	rule  *rule
	kind  kind
	title string // set for stories
	story *story
}

type generator struct {
	c    *company
	rng  *rand.Rand
	next int // incidents so far, for ids
}

// month generates the incidents created in [from, to), in creation order.
func (g *generator) month(from, to time.Time) []record {
	var ps []pending
	for _, r := range g.c.rules {
		loc := r.svc.team.loc
		switch {
		case r.noise != nil:
			nz := r.noise
			for range nz.burstsPerMonth {
				start := g.uniform(from, to)
				if nz.nightFrom >= 0 {
					start = g.localTime(from, to, loc, false, nz.nightFrom, nz.nightTo)
				}
				size := nz.minBurst + g.rng.IntN(nz.maxBurst-nz.minBurst+1)
				if nz.fix == fixForDelay && !start.Before(nz.fixedAt) {
					continue // the `for` delay outlasts every blip: nothing fires
				}
				at := start
				for range size {
					ps = append(ps, pending{at: at, rule: r, kind: kindNoisy})
					at = at.Add(g.seconds(6*60, 20*60)) // the next flap, within the hour
				}
			}
		case r.inferred:
			for range g.poisson(r.pagesPerMonth) {
				ps = append(ps, pending{at: g.uniform(from, to), rule: r, kind: kindInferred})
			}
		default:
			for range g.poisson(r.pagesPerMonth) {
				ps = append(ps, pending{at: g.workTime(from, to, loc, 0.75), rule: r, kind: kindPage})
			}
			for range g.poisson(r.lowPerMonth) {
				ps = append(ps, pending{at: g.workTime(from, to, loc, 0.6), rule: r, kind: kindLow})
			}
		}
	}
	for i := range storyDefs {
		st := &storyDefs[i]
		r := g.c.rule(st.service, st.rule)
		at, err := time.ParseInLocation("2006-01-02 15:04", st.local, r.svc.team.loc)
		if err != nil {
			panic(fmt.Sprintf("demo: story %s: %v", st.local, err))
		}
		if !at.Before(from) && at.Before(to) {
			ps = append(ps, pending{at: at, rule: r, kind: kindStory, title: st.title, story: st})
		}
	}
	slices.SortStableFunc(ps, func(a, b pending) int { return a.at.Compare(b.at) })

	monthIndex := (from.Year()-periodStart.Year())*12 + int(from.Month()-periodStart.Month())
	out := make([]record, 0, len(ps))
	for _, p := range ps {
		out = append(out, g.incident(p, monthIndex))
	}
	return out
}

func (g *generator) incident(p pending, monthIndex int) record {
	g.next++
	r := p.rule
	inc := ingest.Incident{
		ID:        fmt.Sprintf("NW-%05d", g.next),
		ServiceID: r.svc.id,
		Title:     p.title,
		CreatedAt: p.at.UTC().Truncate(time.Second),
		Rule:      r.name,
		Labels:    r.labels(),
	}
	if inc.Title == "" {
		inc.Title = r.name + ": " + fmt.Sprintf(r.summary, 1+g.rng.IntN(8))
	}
	if url := r.runbookAt(p.at); url != "" && g.rng.Float64() < 0.95 {
		inc.RunbookURL = url // a few payloads lose the annotation
	}
	rec := record{inc: inc}
	switch p.kind {
	case kindLow:
		g.lowUrgency(&rec, false)
	case kindPage, kindStory:
		g.humanPage(&rec, p.story != nil && p.story.manual)
	case kindNoisy:
		nz := r.noise
		if nz.fix == fixBusinessHours && !p.at.Before(nz.fixedAt) && !businessHours(p.at, r.svc.team.loc) {
			g.lowUrgency(&rec, true) // moved to business hours: out of hours it only posts to chat
		} else {
			g.noisyPage(&rec)
		}
	case kindInferred:
		rec.inc.Urgency = "high"
		rec.inc.ResolvedBy = ingest.ResolvedByAuto
		rec.inc.ResolvedAt = rec.inc.CreatedAt.Add(g.seconds(8*60, 45*60))
		rec.page = true
	}
	g.review(&rec, p, monthIndex)
	return rec
}

func (g *generator) note(rec *record, p *person, channel string, at time.Time) {
	rec.notes = append(rec.notes, ingest.Notification{IncidentID: rec.inc.ID, ResponderID: p.id, Channel: channel, At: at})
}

// phone calls p, and in one call of ten the provider retries 30-50 seconds later.
func (g *generator) phone(rec *record, p *person, at time.Time) {
	g.note(rec, p, ingest.ChannelPhone, at)
	if g.rng.Float64() < 0.1 {
		g.note(rec, p, ingest.ChannelPhone, at.Add(g.seconds(30, 50)))
	}
}

// lowUrgency notifies the on-call person by chat or e-mail; a flapping incident clears
// itself within five minutes.
func (g *generator) lowUrgency(rec *record, flapping bool) {
	inc := &rec.inc
	inc.Urgency, inc.Priority = "low", "P4"
	if g.rng.Float64() < 0.3 {
		inc.Priority = "P3"
	}
	primary, _ := g.c.teamOf(inc).onCall(inc.CreatedAt)
	channel := ingest.ChannelChat
	if g.rng.Float64() < 0.3 {
		channel = ingest.ChannelEmail
	}
	g.note(rec, primary, channel, inc.CreatedAt.Add(g.seconds(5, 60)))
	if flapping || g.rng.Float64() < 0.55 { // cleared by the integration, often within minutes
		inc.ResolvedBy = ingest.ResolvedByAuto
		if flapping || g.rng.Float64() < 0.35 {
			inc.ResolvedAt = inc.CreatedAt.Add(g.seconds(60, 300))
		} else {
			inc.ResolvedAt = inc.CreatedAt.Add(g.seconds(6*60, 3*3600))
		}
		return
	}
	inc.AcknowledgedAt = inc.CreatedAt.Add(3*time.Minute + g.exp(40*time.Minute, 8*time.Hour))
	inc.ResolvedAt = inc.AcknowledgedAt.Add(10*time.Minute + g.exp(3*time.Hour, 2*24*time.Hour))
	inc.ResolvedBy = ingest.ResolvedByHuman
}

// humanPage pages the on-call person by push, then phone if they have not
// acknowledged within two minutes; after 15 minutes without an acknowledgement the
// page escalates to the secondary.
func (g *generator) humanPage(rec *record, manual bool) {
	inc := &rec.inc
	rec.page = true
	inc.Urgency, inc.Priority = "high", "P2"
	if manual || g.rng.Float64() < 0.2 {
		inc.Priority = "P1"
	}
	primary, secondary := g.c.teamOf(inc).onCall(inc.CreatedAt)
	first := inc.CreatedAt.Add(g.seconds(5, 40))
	g.note(rec, primary, ingest.ChannelPush, first)
	g.note(rec, primary, ingest.ChannelEmail, first)
	escalate := 0.10
	if h := first.In(g.c.zoneOf(primary)).Hour(); h >= 22 || h < 8 {
		escalate = 0.18 // asleep: the phone rings out more often
	}
	if g.rng.Float64() < escalate {
		g.phone(rec, primary, first.Add(2*time.Minute))
		inc.Escalations = 1
		at := inc.CreatedAt.Add(15 * time.Minute)
		g.note(rec, secondary, ingest.ChannelPhone, at)
		g.note(rec, secondary, ingest.ChannelPush, at)
		inc.AcknowledgedAt = at.Add(g.seconds(60, 8*60))
	} else {
		inc.AcknowledgedAt = first.Add(40*time.Second + g.exp(3*time.Minute+30*time.Second, 13*time.Minute))
		if inc.AcknowledgedAt.After(first.Add(2 * time.Minute)) {
			g.phone(rec, primary, first.Add(2*time.Minute))
		}
	}
	if manual || g.rng.Float64() < 0.04 { // the primary calls in help
		inc.ManualEscalations = 1
		g.note(rec, secondary, ingest.ChannelPhone, inc.AcknowledgedAt.Add(g.seconds(5*60, 15*60)))
	}
	inc.ResolvedAt = inc.AcknowledgedAt.Add(10*time.Minute + g.exp(50*time.Minute, 6*time.Hour))
	inc.ResolvedBy = ingest.ResolvedByHuman
}

// noisyPage pages like humanPage, but the condition clears by itself within five
// minutes, mostly before anyone acknowledges.
func (g *generator) noisyPage(rec *record) {
	inc := &rec.inc
	rec.page = true
	inc.Urgency, inc.Priority = "high", "P2"
	primary, _ := g.c.teamOf(inc).onCall(inc.CreatedAt)
	first := inc.CreatedAt.Add(g.seconds(5, 30))
	g.note(rec, primary, ingest.ChannelPush, first)
	if g.rng.Float64() < 0.15 { // someone got to it first
		inc.AcknowledgedAt = first.Add(g.seconds(60, 180))
		inc.ResolvedAt = inc.AcknowledgedAt.Add(g.seconds(60, 6*60))
		inc.ResolvedBy = ingest.ResolvedByHuman
		return
	}
	inc.ResolvedAt = inc.CreatedAt.Add(g.seconds(60, 300))
	inc.ResolvedBy = ingest.ResolvedByAuto
	if call := first.Add(time.Minute); call.Before(inc.ResolvedAt) {
		g.phone(rec, primary, call)
	}
}

var (
	actionNotes = []string{"rolled back the deploy", "scaled out", "failed over to the replica",
		"fixed the config and redeployed", "restarted the stuck worker", "raised the connection limit",
		"opened a ticket for the root cause"}
	noActionNotes = []string{"flapped and cleared by itself", "auto-resolved before anyone looked",
		"known noisy rule, fix planned", "threshold too tight"}
)

// review adds the weekly review's verdict: on the Thursday after the incident's week,
// the team goes through a share of last week's incidents, a share that grows over the
// year as the review becomes a habit.
func (g *generator) review(rec *record, p pending, monthIndex int) {
	share := 0.04 + 0.03*float64(monthIndex)
	if rec.page {
		share = 0.25 + 0.06*float64(monthIndex)
	}
	if g.rng.Float64() >= share {
		return
	}
	local := p.at.In(reportingZone)
	monday := time.Date(local.Year(), local.Month(), local.Day()-(int(local.Weekday())+6)%7, 15, 0, 0, 0, reportingZone)
	at := monday.AddDate(0, 0, 10)
	if !at.Before(periodEnd) {
		return // the review has not happened yet when the history ends
	}
	reviewer, _ := p.rule.svc.team.onCall(at)
	tag, notes := ingest.TagActionTaken, actionNotes
	switch {
	case p.kind == kindNoisy, rec.inc.ResolvedBy == ingest.ResolvedByAuto && g.rng.Float64() < 0.8,
		p.kind == kindLow && g.rng.Float64() < 0.4, p.kind == kindPage && g.rng.Float64() < 0.1:
		tag, notes = ingest.TagNoAction, noActionNotes
	}
	note := notes[g.rng.IntN(len(notes))]
	if p.kind == kindNoisy && at.Before(p.rule.noise.fixedAt) {
		note = "noisy, fix planned: " + p.rule.noise.fixNote
	}
	rec.review = &ingest.Review{IncidentID: rec.inc.ID, Tag: tag, Note: note, Reviewer: reviewer.id, ReviewedAt: at.UTC()}
}

func (r *rule) labels() json.RawMessage {
	b, _ := json.Marshal(map[string]string{"alertname": r.name, "service": r.svc.id,
		"team": r.svc.team.name, "severity": r.severity})
	return b
}

func (c *company) teamOf(inc *ingest.Incident) *team {
	for _, s := range c.services {
		if s.id == inc.ServiceID {
			return s.team
		}
	}
	panic("demo: unknown service " + inc.ServiceID)
}

func (c *company) zoneOf(p *person) *time.Location {
	for _, t := range c.teams {
		if slices.Contains(t.members, p) {
			return t.loc
		}
	}
	return reportingZone
}

// Sampling helpers. Every draw comes from g.rng, in a fixed order.

func (g *generator) seconds(lo, hi int) time.Duration {
	return time.Duration(lo+g.rng.IntN(hi-lo+1)) * time.Second
}

// exp draws an exponential duration with the given mean, capped.
func (g *generator) exp(mean, max time.Duration) time.Duration {
	d := time.Duration(g.rng.ExpFloat64() * float64(mean)).Truncate(time.Second)
	return min(d, max)
}

func (g *generator) poisson(mean float64) int {
	limit, n, p := math.Exp(-mean), 0, g.rng.Float64()
	for p > limit {
		n++
		p *= g.rng.Float64()
	}
	return n
}

func (g *generator) uniform(from, to time.Time) time.Time {
	return from.Add(time.Duration(g.rng.Int64N(int64(to.Sub(from))))).Truncate(time.Second)
}

// workTime draws a creation time: with probability work in business hours of loc
// (most real incidents follow deploys and traffic), else at any time.
func (g *generator) workTime(from, to time.Time, loc *time.Location, work float64) time.Time {
	if g.rng.Float64() >= work {
		return g.uniform(from, to)
	}
	return g.localTime(from, to, loc, true, 8, 18)
}

// localTime draws a time in [from, to) whose local hour in loc is in [h0, h1), on a
// weekday when weekdays is set.
func (g *generator) localTime(from, to time.Time, loc *time.Location, weekdays bool, h0, h1 int) time.Time {
	for {
		day := g.uniform(from, to).In(loc)
		if weekdays && (day.Weekday() == time.Saturday || day.Weekday() == time.Sunday) {
			continue
		}
		t := time.Date(day.Year(), day.Month(), day.Day(), h0+g.rng.IntN(h1-h0), g.rng.IntN(60), g.rng.IntN(60), 0, loc)
		if !t.Before(from) && t.Before(to) {
			return t
		}
	}
}

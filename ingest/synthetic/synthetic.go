// Package synthetic writes seeded histories of any size in the import format, for
// benchmarks: a company of Options.People people in several time zones, teams, services
// and Options.Rules alert rules whose titles carry numbers, hosts and addresses (so
// that rule identity goes through title templating), incidents spread over the months
// with a few noisy rules causing most of them, notifications to the rotation's people
// and a few review tags. About 2.4 records per incident, like a real paging history.
package synthetic

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"
)

// Options size a history.
type Options struct {
	Incidents int
	People    int       // default 200
	Rules     int       // default 500
	Seed      uint64    // the same seed gives the same bytes
	Start     time.Time // default 2024-01-01 UTC
	Months    int       // default 24
	// IDPrefix starts every incident id: a second history of the same company (the
	// same people, services and rules) whose incidents are new to the first.
	IDPrefix string
}

// Summary counts what was written.
type Summary struct {
	Records, Incidents, Notifications, Reviews int
}

var zones = []string{"Europe/Dublin", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Asia/Kolkata", "Australia/Sydney"}

var titles = []string{
	"[%s] CPU at %d%% on %s",
	"[%s] Disk usage above %d%% on %s",
	"High error rate (%[2]d%%) on %[1]s %[3]s",
	"[%s] Memory pressure %d%% on %s",
	"Latency p99 %[2]dms above SLO for %[1]s %[3]s",
	"[%s] Queue backlog %d messages on %s",
	"Certificate for %[1]s expires in %[2]d days (%[3]s)",
	"[%s] Replication lag %ds on %s",
}

type rule struct {
	service, title, name string
	noisy                bool
	weight               float64
}

type record map[string]any

// Write writes a history to w.
func Write(w io.Writer, opts Options) (Summary, error) {
	if opts.People <= 0 {
		opts.People = 200
	}
	if opts.Rules <= 0 {
		opts.Rules = 500
	}
	if opts.Start.IsZero() {
		opts.Start = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if opts.Months <= 0 {
		opts.Months = 24
	}
	r := rand.New(rand.NewPCG(opts.Seed, 0x5eed))
	bw := bufio.NewWriterSize(w, 1<<20)
	enc := json.NewEncoder(bw)
	var sum Summary
	emit := func(rec record) error {
		sum.Records++
		return enc.Encode(rec)
	}

	teams := max(opts.People/10, 1)
	for i := range opts.People {
		if err := emit(record{"type": "responder", "id": fmt.Sprintf("u%d", i), "name": fmt.Sprintf("Person %d", i),
			"email": fmt.Sprintf("p%d@example.com", i), "time_zone": zones[i%len(zones)]}); err != nil {
			return sum, err
		}
	}
	services := max(opts.Rules/5, 1)
	for i := range services {
		team := i % teams
		if err := emit(record{"type": "service", "id": fmt.Sprintf("svc-%d", i), "name": fmt.Sprintf("service-%d", i),
			"team": fmt.Sprintf("Team %d", team), "rotation": fmt.Sprintf("rotation-%d", team)}); err != nil {
			return sum, err
		}
	}
	rules := make([]rule, opts.Rules)
	total := 0.0
	for i := range rules {
		// a Zipf-like spread: a few rules page far more than the rest
		rules[i] = rule{service: fmt.Sprintf("svc-%d", i%services), title: titles[i%len(titles)],
			noisy: i%7 == 0, weight: 1 / math.Pow(float64(i+1), 0.8)}
		if i%3 == 0 {
			rules[i].name = fmt.Sprintf("Alert%d", i) // an explicit rule name, as Alertmanager gives
		}
		total += rules[i].weight
	}
	cumulative := make([]float64, len(rules))
	acc := 0.0
	for i := range rules {
		acc += rules[i].weight / total
		cumulative[i] = acc
	}
	end := opts.Start.AddDate(0, opts.Months, 0)
	span := end.Sub(opts.Start)
	for n := range opts.Incidents {
		u := r.Float64()
		ri := 0
		for lo, hi := 0, len(cumulative)-1; lo <= hi; {
			mid := (lo + hi) / 2
			if cumulative[mid] < u {
				lo = mid + 1
			} else {
				ri, hi = mid, mid-1
			}
		}
		ru := rules[ri]
		// incidents in time order, with jitter, so that windows and months fill evenly
		created := opts.Start.Add(time.Duration((float64(n) + r.Float64()) / float64(opts.Incidents) * float64(span))).Truncate(time.Second)
		id := fmt.Sprintf("%si%d", opts.IDPrefix, n)
		host := fmt.Sprintf("host-%d", r.IntN(40))
		title := fmt.Sprintf(ru.title, host, 50+r.IntN(50), fmt.Sprintf("10.0.%d.%d", r.IntN(255), r.IntN(255)))
		high := r.Float64() < 0.6
		inc := record{"type": "incident", "id": id, "service": ru.service, "title": title,
			"created_at": created.Format(time.RFC3339)}
		if ru.name != "" {
			inc["rule"] = ru.name
		}
		if !high {
			inc["urgency"] = "low"
		}
		resolveAfter := time.Duration(10+r.IntN(90)) * time.Minute
		switch {
		case ru.noisy && r.Float64() < 0.7:
			resolveAfter = time.Duration(30+r.IntN(240)) * time.Second // transient, auto-resolved
			inc["resolved_by"] = "auto"
		case r.Float64() < 0.75:
			inc["acknowledged_at"] = created.Add(time.Duration(1+r.IntN(15)) * time.Minute).Format(time.RFC3339)
			inc["resolved_by"] = "human"
		default:
			inc["resolved_by"] = "auto"
		}
		if n < opts.Incidents-50 { // the newest few are still open
			inc["resolved_at"] = created.Add(max(resolveAfter, 2*time.Minute)).Format(time.RFC3339)
		} else {
			delete(inc, "resolved_by")
		}
		if ri%4 == 0 {
			inc["runbook_url"] = fmt.Sprintf("https://runbooks.example.com/%d", ri)
		}
		if err := emit(inc); err != nil {
			return sum, err
		}
		sum.Incidents++
		if high {
			team := (ri % services) % teams
			person := (team*10 + r.IntN(10)) % opts.People
			channels := []string{"push", "phone"}
			if r.Float64() < 0.3 {
				channels = append(channels, "email")
			}
			for k, ch := range channels {
				if err := emit(record{"type": "notification", "incident": id, "responder": fmt.Sprintf("u%d", person),
					"channel": ch, "at": created.Add(time.Duration(30+k*90) * time.Second).Format(time.RFC3339)}); err != nil {
					return sum, err
				}
				sum.Notifications++
			}
		}
		if r.Float64() < 0.05 {
			tag := "action_taken"
			if ru.noisy {
				tag = "no_action"
			}
			if err := emit(record{"type": "review", "incident": id, "tag": tag, "reviewer": "u0"}); err != nil {
				return sum, err
			}
			sum.Reviews++
		}
	}
	return sum, bw.Flush()
}

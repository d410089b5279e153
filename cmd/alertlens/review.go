package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/alertlens/alertlens/analytics"
	"github.com/alertlens/alertlens/analytics/report"
	"github.com/alertlens/alertlens/api"
	"github.com/alertlens/alertlens/dashboards"
	"github.com/alertlens/alertlens/ingest/review"
)

// reviewer is the weekly review beside a running server (through its API: the write
// token's name is the reviewer) or on the file itself.
type reviewer interface {
	Week(ctx context.Context, week string) (report.ReviewWeek, error)
	TagIncident(ctx context.Context, source, id string, v review.Verdict) (review.Tag, error)
	TagRule(ctx context.Context, ruleID, week string, v review.Verdict) (api.RuleReviewAnswer, error)
	Rules(ctx context.Context) ([]report.RuleStats, error)
	AddFollowUp(ctx context.Context, ruleID string, body api.FollowUpBody) (review.FollowUp, error)
	Weekly(ctx context.Context, week string) (report.WeeklyReport, error)
	Monthly(ctx context.Context, month string) (report.MonthlyReport, error)
	Close() error
}

// openReviewer finds the server that holds the database, else opens the file (for
// writing when write, so that a tag is stored; a read needs no lock).
func (g *globals) openReviewer(cmd *cobra.Command, name string, write bool) (reviewer, error) {
	ctx := cmd.Context()
	if r := g.server(ctx); r != nil {
		r.via(cmd.ErrOrStderr())
		r.header = http.Header{api.ReviewerHeader: {name}}
		return remoteReviewer{r}, nil
	}
	var db *sql.DB
	var err error
	if write {
		db, err = g.openDB(ctx)
	} else {
		db, err = g.openReadOnly(ctx)
	}
	if err != nil {
		return nil, err
	}
	now, err := g.clock()
	if err != nil {
		db.Close()
		return nil, err
	}
	return localReviewer{db: db, svc: analytics.New(db, analytics.WithNow(now)), store: review.New(db, nil), who: name}, nil
}

// reviewerName is --reviewer, else $USER: used with auth off (a named token wins on the
// server's side).
func reviewerName(flag string) string {
	if flag != "" {
		return flag
	}
	return os.Getenv("USER")
}

type remoteReviewer struct{ r *remote }

func (x remoteReviewer) send(ctx context.Context, method, path string, q url.Values, in, out any) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(data)
	}
	err := x.r.call(ctx, method, path, q, body, "application/json", out)
	var re *remoteError
	if errors.As(err, &re) && re.param != "" {
		return fmt.Errorf("%s: %s", re.param, re.msg)
	}
	return err
}

func weekQuery(week string) url.Values {
	if week == "" {
		return nil
	}
	return url.Values{"week": {week}}
}

func (x remoteReviewer) Week(ctx context.Context, week string) (report.ReviewWeek, error) {
	var w report.ReviewWeek
	return w, x.send(ctx, http.MethodGet, "/api/v1/review", weekQuery(week), nil, &w)
}

func (x remoteReviewer) TagIncident(ctx context.Context, source, id string, v review.Verdict) (review.Tag, error) {
	var t review.Tag
	var q url.Values
	if source != "" {
		q = url.Values{"source": {source}}
	}
	return t, x.send(ctx, http.MethodPut, "/api/v1/incidents/"+url.PathEscape(id)+"/review", q,
		api.ReviewBody{Tag: v.Tag, Reason: v.Reason, Note: v.Note, Owner: v.Owner, FollowUpURL: v.FollowUpURL}, &t)
}

func (x remoteReviewer) TagRule(ctx context.Context, ruleID, week string, v review.Verdict) (api.RuleReviewAnswer, error) {
	var a api.RuleReviewAnswer
	return a, x.send(ctx, http.MethodPut, "/api/v1/rules/"+url.PathEscape(ruleID)+"/review", weekQuery(week),
		api.RuleReviewBody{Tag: v.Tag, Reason: v.Reason, Note: v.Note, Owner: v.Owner, FollowUpURL: v.FollowUpURL}, &a)
}

func (x remoteReviewer) Rules(ctx context.Context) ([]report.RuleStats, error) {
	var rows []report.RuleStats
	return rows, x.send(ctx, http.MethodGet, "/api/v1/rules", url.Values{"limit": {"10000"}}, nil, &rows)
}

func (x remoteReviewer) AddFollowUp(ctx context.Context, ruleID string, body api.FollowUpBody) (review.FollowUp, error) {
	var f review.FollowUp
	return f, x.send(ctx, http.MethodPost, "/api/v1/rules/"+url.PathEscape(ruleID)+"/follow-ups", nil, body, &f)
}

func (x remoteReviewer) Weekly(ctx context.Context, week string) (report.WeeklyReport, error) {
	var r report.WeeklyReport
	q := url.Values{"format": {"json"}}
	if week != "" {
		q.Set("week", week)
	}
	return r, x.send(ctx, http.MethodGet, "/api/v1/reports/weekly", q, nil, &r)
}

func (x remoteReviewer) Monthly(ctx context.Context, month string) (report.MonthlyReport, error) {
	var r report.MonthlyReport
	return r, x.send(ctx, http.MethodGet, "/api/v1/reports/monthly", url.Values{"format": {"json"}, "month": {month}}, nil, &r)
}

func (remoteReviewer) Close() error { return nil }

type localReviewer struct {
	db    *sql.DB
	svc   *analytics.Service
	store *review.Store
	who   string
}

func (x localReviewer) Week(ctx context.Context, week string) (report.ReviewWeek, error) {
	return x.svc.ReviewWeek(ctx, week)
}

func (x localReviewer) TagIncident(ctx context.Context, source, id string, v review.Verdict) (review.Tag, error) {
	if source == "" {
		sources, err := x.svc.IncidentSources(ctx, id)
		if err != nil {
			return review.Tag{}, err
		}
		switch len(sources) {
		case 0:
			return review.Tag{}, fmt.Errorf("no incident %q", id)
		case 1:
			source = sources[0]
		default:
			return review.Tag{}, fmt.Errorf("--source: incident %q is in %d sources (%s): say which", id, len(sources), strings.Join(sources, ", "))
		}
	}
	tags, err := x.store.Tag(ctx, []review.Request{{Source: source, IncidentID: id, Verdict: v, Reviewer: x.who}})
	if err != nil {
		return review.Tag{}, err
	}
	return tags[0], nil
}

func (x localReviewer) TagRule(ctx context.Context, ruleID, week string, v review.Verdict) (api.RuleReviewAnswer, error) {
	w, err := x.svc.ReviewWeek(ctx, week)
	if err != nil {
		return api.RuleReviewAnswer{}, err
	}
	var reqs []review.Request
	for _, r := range w.Rules {
		if r.RuleID == ruleID {
			for _, p := range r.Incidents {
				reqs = append(reqs, review.Request{Source: p.Source, IncidentID: p.IncidentID, Verdict: v, Reviewer: x.who})
			}
		}
	}
	if len(reqs) == 0 {
		return api.RuleReviewAnswer{Tags: []review.Tag{}}, v.Validate()
	}
	tags, err := x.store.Tag(ctx, reqs)
	return api.RuleReviewAnswer{Tagged: len(tags), Tags: tags}, err
}

func (x localReviewer) Rules(ctx context.Context) ([]report.RuleStats, error) {
	return x.svc.Rules(ctx, report.Filter{})
}

func (x localReviewer) AddFollowUp(ctx context.Context, ruleID string, body api.FollowUpBody) (review.FollowUp, error) {
	f := review.FollowUp{RuleID: ruleID, TicketURL: body.TicketURL, Change: body.Change, CreatedBy: x.who}
	if body.ShippedOn != nil {
		d, err := time.Parse(time.DateOnly, *body.ShippedOn)
		if err != nil {
			return f, fmt.Errorf("--shipped: want a date as YYYY-MM-DD, got %q", *body.ShippedOn)
		}
		f.ShippedOn = &d
	}
	return x.store.AddFollowUp(ctx, f)
}

func (x localReviewer) Weekly(ctx context.Context, week string) (report.WeeklyReport, error) {
	return x.svc.WeeklyReport(ctx, week)
}

func (x localReviewer) Monthly(ctx context.Context, month string) (report.MonthlyReport, error) {
	return x.svc.MonthlyReport(ctx, month)
}

func (x localReviewer) Close() error { return x.db.Close() }

// findRule resolves RULE, a rule id or a rule name, among rules; a name two rules share
// must be given by id.
func findRule(arg string, ids, names []string) (string, error) {
	var byName []string
	for i, id := range ids {
		if id == arg {
			return id, nil
		}
		if names[i] == arg {
			byName = append(byName, id)
		}
	}
	switch len(byName) {
	case 1:
		return byName[0], nil
	case 0:
		return "", fmt.Errorf("no rule with the id or name %q", arg)
	}
	return "", fmt.Errorf("%d rules are named %q (ids %s): give the id", len(byName), arg, strings.Join(byName, ", "))
}

func newReviewCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "review",
		Short: "The weekly alert review: list a week's pages, tag them, add a rule's follow-ups",
		Long: `review works on the weekly review's tags: list shows a week's pages by rule with
their tags; tag and tag-rule tag one page or every page of a rule in a week
(action_taken or no_action, with a reason from the fixed list); follow-up records
what was changed about a rule and when it shipped, so the reports can tell whether it
worked. Beside a running server they go through its API (with auth on the reviewer is
the write token's name); otherwise they open the file. Tags count in the numbers from
the next build; the server rebuilds by itself.

Reasons: ` + strings.Join(review.Reasons, ", "),
	}
	cmd.AddCommand(newReviewListCmd(g), newReviewTagCmd(g, false), newReviewTagCmd(g, true), newReviewFollowUpCmd(g))
	return cmd
}

func newReviewListCmd(g *globals) *cobra.Command {
	var week string
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "A week's pages by rule, most after-hours first, with their tags",
		Example: "  alertlens review list --week 2026-W47",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rv, err := g.openReviewer(cmd, "", false)
			if err != nil {
				return err
			}
			defer rv.Close()
			w, err := rv.Week(cmd.Context(), week)
			if err != nil {
				return flagError(err)
			}
			printWeek(cmd.OutOrStdout(), w)
			return nil
		},
	}
	cmd.Flags().StringVar(&week, "week", "", "ISO week, YYYY-Www (default: the last complete week)")
	return cmd
}

// printWeek writes the week as a table, a line per page under its rule.
func printWeek(out io.Writer, w report.ReviewWeek) {
	fmt.Fprintf(out, "%s (%s to %s): %d pages, %d after hours, %d untagged\n", w.Week, w.From, w.To, w.Pages, w.AfterHours, w.Untagged)
	tw := tabwriter.NewWriter(out, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "rule\tincident\tlocal time\twindow\tinterrupted\twoken\tsignals\ttag\treason\towner")
	for _, r := range w.Rules {
		for _, p := range r.Incidents {
			var sig []string
			for _, s := range []struct {
				on   bool
				name string
			}{{p.AutoResolved, "auto-resolved"}, {p.Transient, "transient"}, {p.Flapping, "flapping"}, {p.Unacknowledged, "unacknowledged"}} {
				if s.on {
					sig = append(sig, s.name)
				}
			}
			tag, reason, owner := "-", "", ""
			if p.Tag != nil {
				tag, reason, owner = p.Tag.Tag, p.Tag.Reason, p.Tag.Owner
			}
			fmt.Fprintf(tw, "%s\t%s\t%s %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Rule, p.IncidentID, p.LocalTime, p.TimeZone, p.Window,
				strings.Join(p.Interrupted, ", "), strings.Join(p.Woken, ", "), strings.Join(sig, ", "), tag, reason, owner)
		}
	}
	tw.Flush()
}

func newReviewTagCmd(g *globals, rule bool) *cobra.Command {
	var v review.Verdict
	var source, week, who string
	use, short, example := "tag INCIDENT", "Tag one page", `  alertlens review tag PABC123 --tag no_action --reason flapping --note "cleared itself"`
	if rule {
		use, short, example = "tag-rule RULE", "Tag every page of a rule (its id or name) in a week, in one transaction",
			`  alertlens review tag-rule DiskFull --week 2026-W47 --tag no_action --reason threshold_too_sensitive --owner "Data team"`
	}
	cmd := &cobra.Command{
		Use: use, Short: short, Example: example, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rv, err := g.openReviewer(cmd, reviewerName(who), true)
			if err != nil {
				return err
			}
			defer rv.Close()
			ctx := cmd.Context()
			out := cmd.OutOrStdout()
			if !rule {
				t, err := rv.TagIncident(ctx, source, args[0], v)
				if err != nil {
					return flagError(err)
				}
				fmt.Fprintf(out, "%s/%s tagged %s (version %d, by %s)\n", t.Source, t.IncidentID, t.Tag, t.Version, t.Reviewer)
				return nil
			}
			w, err := rv.Week(ctx, week)
			if err != nil {
				return flagError(err)
			}
			var ids, names []string
			for _, r := range w.Rules {
				ids, names = append(ids, r.RuleID), append(names, r.Rule)
			}
			id, err := findRule(args[0], ids, names)
			if err != nil {
				return fmt.Errorf("%w in %s", err, w.Week)
			}
			a, err := rv.TagRule(ctx, id, w.Week, v)
			if err != nil {
				return flagError(err)
			}
			fmt.Fprintf(out, "tagged %d pages of %s in %s %s\n", a.Tagged, args[0], w.Week, v.Tag)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&v.Tag, "tag", "", "action_taken or no_action (required)")
	f.StringVar(&v.Reason, "reason", "", "one of: "+strings.Join(review.Reasons, ", "))
	f.StringVar(&v.Note, "note", "", "what the review said")
	f.StringVar(&v.Owner, "owner", "", "who follows it up")
	f.StringVar(&v.FollowUpURL, "follow-up", "", "the follow-up ticket's URL")
	f.StringVar(&who, "reviewer", "", "your name, when auth is off (default $USER; with auth on the write token's name)")
	if rule {
		f.StringVar(&week, "week", "", "ISO week, YYYY-Www (default: the last complete week)")
	} else {
		f.StringVar(&source, "source", "", "the incident's source, when two sources hold the id")
	}
	cmd.MarkFlagRequired("tag")
	return cmd
}

func newReviewFollowUpCmd(g *globals) *cobra.Command {
	var body api.FollowUpBody
	var shipped, who string
	cmd := &cobra.Command{
		Use:     "follow-up RULE",
		Short:   "Record what was changed about a rule (its id or name) and when it shipped",
		Example: `  alertlens review follow-up DiskFull --change "disk alert at 90 % for 15 minutes" --ticket https://tickets.example/DATA-7 --shipped 2026-11-20`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rv, err := g.openReviewer(cmd, reviewerName(who), true)
			if err != nil {
				return err
			}
			defer rv.Close()
			rules, err := rv.Rules(cmd.Context())
			if err != nil {
				return err
			}
			var ids, names []string
			for _, r := range rules {
				ids, names = append(ids, r.RuleID), append(names, r.Rule)
			}
			id, err := findRule(args[0], ids, names)
			if err != nil {
				return err
			}
			if shipped != "" {
				body.ShippedOn = &shipped
			}
			f, err := rv.AddFollowUp(cmd.Context(), id, body)
			if err != nil {
				return flagError(err)
			}
			state := "not shipped yet"
			if f.ShippedOn != nil {
				state = "shipped " + f.ShippedOn.Format(time.DateOnly)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "follow-up %s of %s: %s (%s)\n", f.ID, args[0], f.Change, state)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&body.Change, "change", "", "what was changed (required)")
	f.StringVar(&body.TicketURL, "ticket", "", "the ticket's URL")
	f.StringVar(&shipped, "shipped", "", "the date it shipped, YYYY-MM-DD (omit while not shipped)")
	f.StringVar(&who, "reviewer", "", "your name, when auth is off (default $USER)")
	cmd.MarkFlagRequired("change")
	return cmd
}

func newReportCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report",
		Short: "The weekly review's report, leadership's monthly report and the month's on-call pay",
	}
	cmd.AddCommand(newWeeklyReportCmd(g), newMonthlyReportCmd(g), newOnCallReportCmd(g))
	return cmd
}

func newWeeklyReportCmd(g *globals) *cobra.Command {
	var week, format, post, out string
	cmd := &cobra.Command{
		Use:   "weekly",
		Short: "A week's after-hours pages against the goal, the rules with their tags, people woken, fixes and their effect",
		Long: `weekly writes the weekly review's report: the week's after-hours and sleep-hours
pages against the goal (the week, and the month to date with its pace), the change
against the week before, the rules that paged after hours with their tags, owners and
follow-ups, rules without a runbook that paged, people woken, pages left untagged, and
the fixes shipped in the 8 weeks up to the week's end with their pages before and
after. The markdown pastes into Slack or a wiki; --post sends it to a Slack incoming
webhook as {"text": ...}.`,
		Example: `  alertlens report weekly --week 2026-W47
  alertlens report weekly --post https://hooks.slack.com/services/T000/B000/XXXX`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			write, ok := map[string]func(io.Writer, report.WeeklyReport) error{
				"markdown": report.WriteWeeklyMarkdown, "html": report.WriteWeeklyHTML, "csv": report.WriteWeeklyCSV}[format]
			if !ok {
				return fmt.Errorf("--format: want markdown, html or csv, got %q", format)
			}
			if post != "" && format != "markdown" {
				return fmt.Errorf("--post sends the markdown: leave out --format %s", format)
			}
			rv, err := g.openReviewer(cmd, "", false)
			if err != nil {
				return err
			}
			defer rv.Close()
			r, err := rv.Weekly(cmd.Context(), week)
			if err != nil {
				return flagError(err)
			}
			var buf bytes.Buffer
			if err := write(&buf, r); err != nil {
				return err
			}
			if post != "" {
				if err := postSlack(cmd.Context(), http.DefaultClient, post, buf.String()); err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "posted the report of %s\n", r.Week.Week)
				if out == "" {
					return nil
				}
			}
			return writeOut(cmd, out, buf.Bytes())
		},
	}
	cmd.Flags().StringVar(&week, "week", "", "ISO week, YYYY-Www (default: the last complete week)")
	cmd.Flags().StringVar(&format, "format", "markdown", "markdown, html or csv")
	cmd.Flags().StringVar(&post, "post", "", "post the markdown to this Slack incoming-webhook URL")
	cmd.Flags().StringVarP(&out, "out", "o", "", "write to this file instead of standard output")
	return cmd
}

func newMonthlyReportCmd(g *globals) *cobra.Command {
	var month, format, out string
	cmd := &cobra.Command{
		Use:   "monthly",
		Short: "Leadership's monthly report per team and rotation, with the 6-month trend",
		Long: `monthly writes, per team and rotation (and the organisation): pages, after-hours and
sleep-hours pages, the goal and whether it was met, people paged and woken, MTTA and
MTTR (medians, minutes), runbook coverage and the actionable rate, for the month and
the 5 months before it. CSV follows METRICS.md's export rules; the HTML has the charts
inline (it works as a file, offline) and prints on A4.`,
		Example: `  alertlens report monthly --month 2026-10 --format html -o report-2026-10.html`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "csv" && format != "html" {
				return fmt.Errorf("--format: want csv or html, got %q", format)
			}
			rv, err := g.openReviewer(cmd, "", false)
			if err != nil {
				return err
			}
			defer rv.Close()
			r, err := rv.Monthly(cmd.Context(), month)
			if err != nil {
				return flagError(err)
			}
			var buf bytes.Buffer
			if format == "html" {
				err = dashboards.WriteMonthlyReportHTML(&buf, r)
			} else {
				err = report.WriteMonthlyCSV(&buf, r)
			}
			if err != nil {
				return err
			}
			return writeOut(cmd, out, buf.Bytes())
		},
	}
	cmd.Flags().StringVar(&month, "month", "", "the month, YYYY-MM (required)")
	cmd.Flags().StringVar(&format, "format", "csv", "csv or html")
	cmd.Flags().StringVarP(&out, "out", "o", "", "write to this file instead of standard output")
	cmd.MarkFlagRequired("month")
	return cmd
}

func writeOut(cmd *cobra.Command, out string, data []byte) error {
	if out == "" {
		_, err := cmd.OutOrStdout().Write(data)
		return err
	}
	return os.WriteFile(out, data, 0o644)
}

// postSlack posts text to a Slack incoming webhook as {"text": text}; an answer other
// than 2xx is an error naming its status (Slack's body says why, such as
// "invalid_payload" or "no_service").
func postSlack(ctx context.Context, client *http.Client, hook, text string) error {
	u, err := url.Parse(hook)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("--post: want the webhook's http(s) URL")
	}
	body, err := json.Marshal(map[string]string{"text": text})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		// the URL is a secret (it lets anyone post): name only its host
		return fmt.Errorf("--post: the webhook at %s did not answer: %v", u.Host, errors.Unwrap(err))
	}
	defer res.Body.Close()
	if res.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		return fmt.Errorf("--post: the webhook at %s answered %s: %s", u.Host, res.Status, strings.TrimSpace(string(msg)))
	}
	return nil
}

// Package dashboards turns typed analytics rows into chart pages: pure functions from rows to
// go-echarts charts, and a renderer for the HTML around them. It never touches the database.
package dashboards

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/url"
	"strings"
	"time"

	"github.com/alertlens/alertlens/analytics/report"
)

//go:embed assets
var assets embed.FS

// Assets holds ECharts (with its licence) to serve at /assets/, so pages load nothing from
// another host.
func Assets() fs.FS {
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}

// Choices are what the filter form offers, from the database's overview.
type Choices struct {
	Teams             []string
	Rotations         []string
	FirstMonth        string
	LastMonth         string
	ReportingTimeZone string
	AsOf              time.Time // the latest page or incident, in the reporting zone
	BuiltAt           time.Time // when the models were last built
}

// Chartable is a go-echarts chart: its options are read with JSON after Validate.
type Chartable interface {
	Validate()
	JSON() map[string]any
}

// Page is one dashboard page.
type Page struct {
	Title    string
	Path     string // the page's own path: the filter form submits to it
	Filter   report.Filter
	Choices  Choices
	Notice   string // shown above the sections, e.g. when the models are not built
	Sections []Section
	// NoFilter leaves out the team/rotation/month form: a page it does not apply to (the
	// review page picks a week; an error page has nothing to filter).
	NoFilter bool
	// PeriodOnly keeps only From and To in the form: a page about one person, whose
	// pages come from every team and rotation.
	PeriodOnly bool
	Problem    *Problem // an error or empty-state page: what is wrong and how to fix it
	Review     *Review  // the weekly review page's client
}

// Problem is what an error page or an empty database says: what is wrong, and the steps
// that fix it.
type Problem struct {
	Status  int // the HTTP status the page is served with
	Message string
	Fix     []string // steps, each shown as a line; a step starting with "$ " is a command
	Links   []Cell   // where to go from here
}

// Section is one block of a page: a chart, figures, a table or the what-if form.
type Section struct {
	Title   string
	Note    string
	Figures []Figure
	Chart   Chartable
	Table   *Table
	WhatIf  *WhatIf
	Pager   *Pager // under the table: previous and next page of its rows
	// ClickHref opens a drill-down when a bar is clicked: "{name}" is replaced by the
	// bar's category (a month), already escaped for a query string.
	ClickHref string
}

// Pager links a long table's previous and next pages.
type Pager struct {
	Label      string // "incidents 51–100 of 312"
	Prev, Next string // "" when there is none
}

// Figure is one headline number.
type Figure struct {
	Label string
	Value string
	Tone  string // "", "good" or "bad"
}

// Table is a plain HTML table; every cell is text and escaped.
type Table struct {
	Columns []string
	Rows    [][]Cell
}

// Cell is a table cell, optionally a link.
type Cell struct {
	Text string
	Href string
}

// WhatIf is the path page's form: the top rules, each with a proposed change, posted to
// the what-if API to redraw the before/after chart.
type WhatIf struct {
	Rules     []report.ParetoRule
	ScopeType string // the scope whose months the chart shows
	Scope     string
}

type renderedSection struct {
	Section
	ChartID string
	Option  template.JS
}

type view struct {
	Page
	Nav      []navItem
	Sections []renderedSection
	Query    string
	Months   []string
	// MetricsVersion is the METRICS.md version the numbers follow.
	MetricsVersion int
}

type navItem struct {
	Label, Href string
	Active      bool
}

var pages = []struct{ label, path string }{
	{"Goal", "/"}, {"Path to goal", "/path"}, {"Team", "/team"}, {"Responders", "/responders"}, {"On call", "/oncall"}, {"Review", "/review"},
}

// weekly pages take a week, not the month filter: their nav link does not carry it.
var weekly = map[string]bool{"/review": true}

// Render writes p as a complete HTML page. Chart options are encoded with encoding/json,
// which escapes <, > and & inside strings, so a source string such as "</script>" stays
// data. (go-echarts' own renderer writes options unescaped and strips its "__f__" function
// markers from every string, so an alert title could end its script or become code: it is
// not used.)
func Render(w io.Writer, p Page) error {
	v := view{Page: p, Query: filterQuery(p.Filter), MetricsVersion: report.MetricsVersion}
	for _, it := range pages {
		href := it.path
		if v.Query != "" && !weekly[it.path] {
			href += "?" + v.Query
		}
		v.Nav = append(v.Nav, navItem{Label: it.label, Href: href, Active: it.path == p.Path})
	}
	v.Months = monthsBetween(p.Choices.FirstMonth, p.Choices.LastMonth)
	for i, s := range p.Sections {
		rs := renderedSection{Section: s}
		if s.Chart != nil {
			s.Chart.Validate()
			opt, err := json.Marshal(s.Chart.JSON())
			if err != nil {
				return fmt.Errorf("chart %q: %w", s.Title, err)
			}
			rs.ChartID = fmt.Sprintf("chart-%d", i)
			rs.Option = template.JS(opt)
		}
		v.Sections = append(v.Sections, rs)
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, v); err != nil {
		return err
	}
	_, err := buf.WriteTo(w)
	return err
}

// filterQuery is the filter as a query string, so links keep it.
func filterQuery(f report.Filter) string {
	q := url.Values{}
	for k, v := range map[string]string{"from": f.From, "to": f.To, "team": f.Team, "rotation": f.Rotation} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q.Encode()
}

// monthsBetween lists the months from first to last, for the period selects.
func monthsBetween(first, last string) []string {
	a, err1 := time.Parse("2006-01", first)
	b, err2 := time.Parse("2006-01", last)
	if err1 != nil || err2 != nil || b.Before(a) {
		return nil
	}
	var out []string
	for m := a; !m.After(b) && len(out) < 600; m = m.AddDate(0, 1, 0) {
		out = append(out, m.Format("2006-01"))
	}
	return out
}

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	// Times keep the zone they come in (the reporting zone, from the overview): a reader
	// sees the local wall clock with its zone, and the <time> element the exact instant.
	"rfc3339": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format(time.RFC3339)
	},
	"local":      func(t time.Time) string { return t.Format("2006-01-02 15:04 MST") },
	"hasPrefix":  strings.HasPrefix,
	"reviewKeys": func() [][2]string { return ReviewKeys },
	"trimPrefix": strings.TrimPrefix,
}).Parse(pageHTML))

const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · alertlens</title>
<link rel="icon" href="data:,">
{{if .Sections}}<script src="/assets/echarts/echarts.min.js"></script>{{end}}
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#1f2d3d;color:#fff;padding:8px 24px;display:flex;gap:8px 24px;align-items:center;flex-wrap:wrap}
header a{color:#cfe0f5;text-decoration:none} header a.active{color:#fff;font-weight:600;border-bottom:2px solid #fff}
header .brand{font-weight:700;color:#fff}
form.filter{padding:10px 24px;background:#eef2f6;display:flex;gap:8px 12px;align-items:center;flex-wrap:wrap;font-size:14px}
main{padding:8px 24px 40px}
h1{font-size:24px;overflow-wrap:anywhere}
section{background:#fff;border:1px solid #e2e6ea;border-radius:6px;margin:16px 0;padding:12px 16px;min-width:0}
section h2{font-size:17px;margin:4px 0 8px;overflow-wrap:anywhere} .note{color:#555;font-size:13px;margin:0 0 8px}
.chart{width:100%;min-height:300px}
.figures{display:flex;gap:12px;flex-wrap:wrap}
.figure{border:1px solid #e2e6ea;border-radius:6px;padding:8px 14px;min-width:130px;flex:0 1 auto}
.figure .v{font-size:22px;font-weight:600} .figure .l{font-size:12px;color:#555}
.good .v{color:#2e9e5b} .bad .v{color:#d9534f}
/* A wide table scrolls inside its card and keeps its first (key) column in view. */
.table-wrap{overflow-x:auto;max-width:100%}
table{border-collapse:separate;border-spacing:0;font-size:13px;width:100%} th,td{border-bottom:1px solid #eee;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f4f6f8} .table-wrap td:first-child,.table-wrap th:first-child{position:sticky;left:0;background:#fff;z-index:1;box-shadow:1px 0 0 #e2e6ea}
.table-wrap th:first-child{background:#f4f6f8}
td{overflow-wrap:break-word}
.pager{display:flex;gap:16px;align-items:center;font-size:14px;margin-top:8px}
.notice{background:#fff3cd;border:1px solid #ffe08a;padding:10px 14px;border-radius:6px}
.problem{background:#fff;border:1px solid #f0b4b2;border-left:4px solid #d9534f;border-radius:6px;padding:12px 16px}
.problem.empty{border-color:#b8d3f0;border-left-color:#5b8ff9}
.problem code{background:#f4f6f8;padding:2px 6px;border-radius:4px;display:inline-block;margin:2px 0}
footer{color:#777;font-size:12px;padding:0 24px 24px}
#whatif input[type=number]{width:5em}
{{with .Review}}` + reviewCSS + `{{end}}
@media (max-width:600px){
  header,form.filter{padding:8px 12px} main{padding:4px 10px 32px} footer{padding:0 12px 16px}
  section{padding:10px 10px} h1{font-size:20px} .figure{min-width:0;flex:1 1 40%;padding:6px 10px} .figure .v{font-size:19px}
}
</style>
</head>
<body>
<header><span class="brand">alertlens</span>
{{range .Nav}}<a href="{{.Href}}"{{if .Active}} class="active"{{end}}>{{.Label}}</a>{{end}}
</header>
{{if not .NoFilter}}<form class="filter" method="get" action="{{.Path}}">
{{$f := .Filter}}{{if not .PeriodOnly}}<label>Team <select name="team"><option value="">all teams</option>{{range .Choices.Teams}}<option value="{{.}}"{{if eq . $f.Team}} selected{{end}}>{{.}}</option>{{end}}</select></label>
<label>Rotation <select name="rotation"><option value="">all rotations</option>{{range .Choices.Rotations}}<option value="{{.}}"{{if eq . $f.Rotation}} selected{{end}}>{{.}}</option>{{end}}</select></label>{{end}}
<label>From <select name="from"><option value="">first month</option>{{range .Months}}<option value="{{.}}"{{if eq . $f.From}} selected{{end}}>{{.}}</option>{{end}}</select></label>
<label>To <select name="to"><option value="">last month</option>{{range .Months}}<option value="{{.}}"{{if eq . $f.To}} selected{{end}}>{{.}}</option>{{end}}</select></label>
<button type="submit">Apply</button>
</form>{{end}}
<main>
<h1>{{.Title}}</h1>
{{with .Notice}}<p class="notice">{{.}}</p>{{end}}
{{with .Problem}}<div class="problem{{if eq .Status 200}} empty{{end}}" data-status="{{.Status}}"><p><strong>{{.Message}}</strong></p>
{{range .Fix}}{{if hasPrefix . "$ "}}<p><code>{{trimPrefix . "$ "}}</code></p>{{else}}<p>{{.}}</p>{{end}}{{end}}
{{with .Links}}<p>{{range .}}<a href="{{.Href}}">{{.Text}}</a> {{end}}</p>{{end}}</div>{{end}}
{{range .Sections}}<section>
{{with .Title}}<h2>{{.}}</h2>{{end}}
{{with .Note}}<p class="note">{{.}}</p>{{end}}
{{with .Figures}}<div class="figures">{{range .}}<div class="figure {{.Tone}}"><div class="v">{{.Value}}</div><div class="l">{{.Label}}</div></div>{{end}}</div>{{end}}
{{if .ChartID}}<div class="chart" id="{{.ChartID}}" data-chart{{if .WhatIf}} data-whatif-chart{{end}}{{with .ClickHref}} data-click-href="{{.}}"{{end}}></div>
<script>window.alertlensCharts=(window.alertlensCharts||[]);window.alertlensCharts.push({id:{{.ChartID}},option:{{.Option}}});</script>{{end}}
{{with .Table}}<div class="table-wrap"><table><thead><tr>{{range .Columns}}<th>{{.}}</th>{{end}}</tr></thead><tbody>
{{range .Rows}}<tr>{{range .}}<td>{{if .Href}}<a href="{{.Href}}">{{.Text}}</a>{{else}}{{.Text}}{{end}}</td>{{end}}</tr>
{{end}}</tbody></table></div>{{end}}
{{with .Pager}}<p class="pager">{{if .Prev}}<a href="{{.Prev}}" rel="prev">← previous</a>{{end}} <span>{{.Label}}</span> {{if .Next}}<a href="{{.Next}}" rel="next">next →</a>{{end}}</p>{{end}}
{{with .WhatIf}}<form id="whatif" data-scope-type="{{.ScopeType}}" data-scope="{{.Scope}}" data-goal-met="` + colorMet + `" data-goal-missed="` + colorMissed + `">
<div class="table-wrap"><table><thead><tr><th>rule</th><th>change</th><th>delay (minutes)</th><th>after-hours pages</th><th>service</th></tr></thead><tbody>
{{range .Rules}}<tr data-rule-id="{{.RuleID}}"><td>{{.Rule}}</td>
<td><select name="action" aria-label="change to {{.Rule}}"><option value="">keep</option><option value="remove">remove</option><option value="business_hours_only">business hours only</option><option value="delay">delay</option></select></td>
<td><input name="delay" type="number" min="1" max="1440" value="10" aria-label="delay for {{.Rule}}"></td><td>{{.AfterHoursPages}}</td><td>{{.Service}}</td></tr>
{{end}}</tbody></table></div>
<p><button type="submit">Recompute</button> <span id="whatif-status" class="note"></span></p>
</form>{{end}}
</section>
{{end}}
{{with .Review}}` + reviewHTML + `{{end}}
</main>
<footer>Months cut in {{.Choices.ReportingTimeZone}}{{with .Choices.AsOf}}{{if not .IsZero}} · data up to <time datetime="{{rfc3339 .}}">{{local .}}</time>{{end}}{{end}}{{with .Choices.BuiltAt}}{{if not .IsZero}} · models built <time datetime="{{rfc3339 .}}">{{local .}}</time>{{end}}{{end}} · metric definitions version {{.MetricsVersion}} · JSON and CSV behind every chart: <a href="/api/openapi.json">/api/openapi.json</a></footer>
{{if .Sections}}<script>
(function(){
  var list = window.alertlensCharts || [];
  list.forEach(function(c){
    var el = document.getElementById(c.id);
    var chart = echarts.init(el, null, {renderer: "canvas"});
    chart.setOption(c.option);
    fit(chart, el);
    window.addEventListener("resize", function(){ fit(chart, el); chart.resize(); });
    var href = el.getAttribute("data-click-href");
    if (href) {
      el.style.cursor = "pointer";
      chart.on("click", function(p){
        if (p.componentType === "series" && p.seriesType === "bar") location.href = href.split("{name}").join(encodeURIComponent(p.name));
      });
    }
  });
  // A phone-wide chart wraps its subtitle and gives the plot the room the wrapped title
  // takes, so the title, legend and axis names never overlap.
  function fit(chart, el){
    var o = chart.getOption(), w = el.clientWidth, narrow = w < 560;
    if (!o.title || !o.title.length) return;
    var sub = o.title[0].subtext || "", perLine = Math.max(20, Math.floor((w - 24) / 6.5));
    var lines = sub ? Math.ceil(sub.length / perLine) : 0;
    var fitted = {
      title: [{textStyle: {fontSize: narrow ? 14 : 18}, subtextStyle: {width: w - 24, overflow: "break", lineHeight: 15}}],
      grid: [{top: (narrow ? 40 : 48) + (narrow ? lines : Math.min(lines, 1)) * 15 + 24}]
    };
    // Slanted category names (rules, people) stand upright and shorter on a phone, where
    // a slant runs the first name off the left edge.
    var ax = o.xAxis && o.xAxis[0];
    if (ax && ax.axisLabel && ax.axisLabel.rotate) fitted.xAxis = [{axisLabel: {rotate: narrow ? 90 : 30, width: narrow ? 90 : 120, overflow: "truncate"}}];
    chart.setOption(fitted);
  }
  var form = document.getElementById("whatif");
  if (!form) return;
  var filter = {{.Filter}};
  form.addEventListener("submit", function(ev){
    ev.preventDefault();
    var changes = [];
    form.querySelectorAll("tr[data-rule-id]").forEach(function(tr){
      var action = tr.querySelector("select[name=action]").value;
      if (!action) return;
      var ch = {rule_id: tr.getAttribute("data-rule-id"), action: action};
      if (action === "delay") ch.delay_minutes = parseInt(tr.querySelector("input[name=delay]").value, 10) || 0;
      changes.push(ch);
    });
    var status = document.getElementById("whatif-status");
    status.textContent = "recomputing…";
    fetch("/api/v1/whatif", {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({filter: filter, changes: changes})})
    .then(function(r){ return r.json().then(function(body){ return {ok: r.ok, body: body}; }); })
    .then(function(res){
      if (!res.ok) { status.textContent = (res.body.error && res.body.error.message) || "failed"; return; }
      var st = form.getAttribute("data-scope-type"), sc = form.getAttribute("data-scope");
      var rows = res.body.filter(function(m){ return m.scope_type === st && m.scope === sc; });
      var chartEl = document.querySelector("[data-whatif-chart]");
      var chart = echarts.getInstanceByDom(chartEl);
      var met = form.getAttribute("data-goal-met"), missed = form.getAttribute("data-goal-missed");
      chart.setOption({
        xAxis: [{data: rows.map(function(m){ return m.month; })}],
        series: [
          {name: "before", data: rows.map(function(m){ return m.after_hours_pages; })},
          // "after" is coloured by whether the month would meet its goal.
          {name: "after", data: rows.map(function(m){ return {value: m.after_hours_pages_after, itemStyle: {color: m.met_after ? met : missed}}; })},
          {name: "goal", data: rows.map(function(m){ return m.goal; })}
        ]
      });
      var last = rows[rows.length - 1];
      status.textContent = last ? (last.month + ": " + last.after_hours_pages + " → " + last.after_hours_pages_after +
        (last.met_after ? " (under goal)" : " (still at or over goal)")) : "no months in the period";
    })
    .catch(function(e){ status.textContent = String(e); });
  });
})();
</script>{{end}}
</body>
</html>
`

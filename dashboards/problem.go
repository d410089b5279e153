package dashboards

import "net/http"

// ErrorPage says in the page's shell what is wrong with a request and how to fix it: a
// bad filter (400), an unknown rule, team or person (404), models not built or a query
// past its deadline (503). The message is the API's own, naming the parameter.
func ErrorPage(ch Choices, path string, status int, message string) Page {
	p := Page{Title: http.StatusText(status), Path: path, Choices: ch, NoFilter: true,
		Problem: &Problem{Status: status, Message: message}}
	switch {
	case status == http.StatusBadRequest:
		p.Title = "That filter does not work"
		p.Problem.Fix = []string{"Change the filter and apply it again: months are YYYY-MM, From is not after To, and teams and rotations are the ones the form lists."}
		p.NoFilter = false // the form is the fix
	case status == http.StatusNotFound:
		p.Title = "Not found"
		p.Problem.Fix = []string{"The link may be from another database or an older history. Start from the goal page or a list of rules."}
	case status == http.StatusServiceUnavailable:
		p.Title = "Not ready"
		p.Problem.Fix = []string{"If the models are not built, build them (the server also builds after every import and sync):", "$ alertlens build",
			"If a query ran too long, narrow the period or the filter and try again."}
	default:
		p.Title = "Something went wrong"
		p.Problem.Fix = []string{"The server log has the details. Try again; if it keeps failing, report it with the URL."}
	}
	p.Problem.Links = []Cell{{Text: "Goal", Href: "/"}, {Text: "Path to goal", Href: "/path"}, {Text: "Team", Href: "/team"}, {Text: "Responders", Href: "/responders"}}
	return p
}

// EmptyPage is every dashboard of a database that holds no history yet: how to load some.
func EmptyPage(ch Choices, title, path string) Page {
	return Page{Title: title, Path: path, Choices: ch, NoFilter: true, Problem: &Problem{Status: http.StatusOK,
		Message: "No incident history yet: the database holds no incidents, so there is nothing to chart.",
		Fix: []string{
			"Try the demo company (a year of history, in its own file):", "$ alertlens demo",
			"Or import your own history in alertlens's import format (docs/import-format.md):", "$ alertlens import history.jsonl",
			"Or sync a paging tool: list it under sources: in alertlens.yaml and restart the server, or run it once:", "$ alertlens sync pagerduty --since 2025-11-01",
			"The server rebuilds the models after an import or a sync; reload this page then.",
		}}}
}

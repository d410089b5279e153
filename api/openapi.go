package api

import (
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/alertlens/alertlens/analytics/report"
)

// The OpenAPI 3 document is generated from the route table, with schemas read from the
// Go types' json tags: what is served is what is documented.

var queryParams = map[string]map[string]any{
	"from":     {"description": "first month, YYYY-MM in the reporting time zone", "schema": map[string]any{"type": "string", "pattern": `^\d{4}-(0[1-9]|1[0-2])$`}},
	"to":       {"description": "last month, YYYY-MM, not before from", "schema": map[string]any{"type": "string", "pattern": `^\d{4}-(0[1-9]|1[0-2])$`}},
	"team":     {"description": "a team the history knows (see /api/v1/overview)", "schema": map[string]any{"type": "string"}},
	"rotation": {"description": "a rotation the history knows (see /api/v1/overview)", "schema": map[string]any{"type": "string"}},
	"limit":    {"description": limitDescription, "schema": map[string]any{"type": "integer", "minimum": 1, "maximum": maxLimit}},
	"format":   {"description": "json or csv (or send Accept: text/csv)", "schema": map[string]any{"type": "string", "enum": []string{"json", "csv"}}},

	"name":          {"description": "the imported file's name, for messages", "schema": map[string]any{"type": "string"}},
	"source":        {"description": "an import: the source name the records are stored under (default file); a review: the incident's source, needed only when two sources hold the id", "schema": map[string]any{"type": "string"}},
	"week":          {"description": "an ISO week, YYYY-Www (default: the last complete week in the reporting time zone)", "schema": map[string]any{"type": "string", "pattern": `^\d{4}-W\d{2}$`}},
	"month":         {"description": "the month, YYYY-MM in the reporting time zone", "schema": map[string]any{"type": "string", "pattern": `^\d{4}-(0[1-9]|1[0-2])$`}},
	"import_format": {"description": "jsonl or csv (default jsonl)", "schema": map[string]any{"type": "string", "enum": []string{"jsonl", "csv"}}},
	"skip_invalid":  {"description": "store the good lines and report each bad one", "schema": map[string]any{"type": "boolean"}},
}

var limitDescription = "at most this many rows; without it a JSON list holds at most " + strconv.Itoa(defaultLimit) +
	" and a CSV export every row (" + truncatedHeader + ": true marks a list that left rows out)"

var ginParam = regexp.MustCompile(`[:*]([A-Za-z_]+)`)

// openAPIPath turns gin's /rules/:id into OpenAPI's /rules/{id}.
func openAPIPath(p string) string { return ginParam.ReplaceAllString(p, "{$1}") }

func (s *Server) openAPIDoc() map[string]any {
	paths := map[string]any{}
	for _, r := range s.routes {
		op := map[string]any{"summary": r.summary}
		var params []any
		for _, m := range ginParam.FindAllStringSubmatch(r.path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range r.query {
			p := map[string]any{"name": q, "in": "query"}
			for k, v := range queryParams[q] {
				p[k] = v
			}
			params = append(params, p)
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if r.body != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(r.body))}}}
		}
		content := map[string]any{}
		if r.response != nil {
			content["application/json"] = map[string]any{"schema": schemaOf(reflect.TypeOf(r.response))}
		}
		if r.content != "" {
			content[r.content] = map[string]any{"schema": map[string]any{"type": "string"}}
		}
		if r.csv {
			content["text/csv"] = map[string]any{"schema": map[string]any{"type": "string",
				"description": "the same rows; header row of the json names, then metrics_version and reporting_time_zone"}}
		}
		ok := map[string]any{"description": "OK", "content": content}
		if slices.Contains(r.query, "limit") {
			ok["headers"] = map[string]any{truncatedHeader: map[string]any{
				"description": "true when the list holds fewer rows than matched (cut by limit or its default)",
				"schema":      map[string]any{"type": "string", "enum": []string{"true"}}}}
		}
		success := "200"
		if r.status != 0 {
			success = strconv.Itoa(r.status)
			ok["description"] = http.StatusText(r.status)
		}
		responses := map[string]any{success: ok}
		for code, desc := range r.errors {
			responses[code] = errResponse(desc)
		}
		if r.access != open {
			responses["401"] = errResponse("no valid bearer token (when auth is on)")
		}
		if r.access == write {
			responses["403"] = errResponse("a read token cannot write")
		}
		if len(params) > 0 || r.body != nil {
			responses["400"] = errResponse("a bad parameter, named in error.param")
		}
		if r.body != nil {
			responses["413"] = errResponse("the body is over its limit, given in error.message")
		}
		if strings.HasPrefix(r.path, "/api/v1/") || r.content == "text/html" {
			responses["503"] = errResponse("the models are not built yet, or the request ran past the server's query deadline")
		}
		op["responses"] = responses
		if r.access != open {
			op["security"] = []any{map[string]any{"bearer": []string{}}, map[string]any{}}
		}
		item, _ := paths[openAPIPath(r.path)].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[openAPIPath(r.path)] = item
		}
		item[strings.ToLower(r.method)] = op
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "alertlens API", "version": "1",
			"description": "Alert-quality metrics (METRICS.md version " + strconv.Itoa(report.MetricsVersion) + "). Every list endpoint answers JSON or, with ?format=csv or Accept: text/csv, CSV."},
		"paths": paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}},
			"schemas": map[string]any{"Error": map[string]any{"type": "object", "properties": map[string]any{
				"error": map[string]any{"type": "object", "properties": map[string]any{
					"param": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"}}}}}},
		},
	}
}

func errResponse(desc string) map[string]any {
	return map[string]any{"description": desc, "content": map[string]any{
		"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}
}

var timeType = reflect.TypeOf(time.Time{})

// schemaOf describes a Go type as an OpenAPI schema, by its json tags.
func schemaOf(t reflect.Type) map[string]any {
	nullable := false
	for t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	var s map[string]any
	switch {
	case t == timeType:
		s = map[string]any{"type": "string", "format": "date-time"}
	case t.Kind() == reflect.Struct:
		props := map[string]any{}
		for i := range t.NumField() {
			f := t.Field(i)
			name := strings.Split(f.Tag.Get("json"), ",")[0]
			if name == "" || name == "-" || !f.IsExported() {
				continue
			}
			props[name] = schemaOf(f.Type)
		}
		s = map[string]any{"type": "object", "properties": props}
	case t.Kind() == reflect.Slice:
		s = map[string]any{"type": "array", "items": schemaOf(t.Elem())}
	case t.Kind() == reflect.Map:
		s = map[string]any{"type": "object"}
	case t.Kind() == reflect.String:
		s = map[string]any{"type": "string"}
	case t.Kind() == reflect.Bool:
		s = map[string]any{"type": "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		s = map[string]any{"type": "integer"}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		s = map[string]any{"type": "number"}
	default:
		s = map[string]any{}
	}
	if nullable {
		s["nullable"] = true
	}
	return s
}

func (s *Server) openAPI(c *gin.Context) { c.JSON(http.StatusOK, s.openAPIDoc()) }

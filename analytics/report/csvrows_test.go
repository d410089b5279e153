package report

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"strings"
	"testing"
	"time"
)

// jsonColumns lists a type's json tag names in field order, minus nested lists.
func jsonColumns(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		name := strings.Split(f.Tag.Get("json"), ",")[0]
		if f.Type.Kind() == reflect.Slice || name == "-" { // lists and fields the JSON leaves out are no columns
			continue
		}
		names = append(names, name)
	}
	return names
}

// header writes zero rows of a type and returns the header row.
func header(t *testing.T, write func(*bytes.Buffer) error) []string {
	t.Helper()
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil || len(rows) != 1 {
		t.Fatalf("want one header row, got %v (%v)", rows, err)
	}
	return rows[0]
}

func TestCSVColumnsAreTheJSONNames(t *testing.T) {
	cases := []struct {
		typ   any
		write func(*bytes.Buffer) error
	}{
		{GoalMonth{}, func(b *bytes.Buffer) error { return WriteGoalMonthsCSV(b, "UTC", nil) }},
		{Pace{}, func(b *bytes.Buffer) error { return WritePaceCSV(b, "UTC", nil) }},
		{RuleStats{}, func(b *bytes.Buffer) error { return WriteRulesCSV(b, "UTC", nil) }},
		{RuleMonth{}, func(b *bytes.Buffer) error { return WriteRuleMonthsCSV(b, "UTC", nil) }},
		{Incident{}, func(b *bytes.Buffer) error { return WriteIncidentsCSV(b, "UTC", nil) }},
		{Page{}, func(b *bytes.Buffer) error { return WritePagesCSV(b, "UTC", nil) }},
		{WindowCount{}, func(b *bytes.Buffer) error { return WriteWindowsCSV(b, "UTC", nil) }},
		{Coverage{}, func(b *bytes.Buffer) error { return WriteCoverageCSV(b, "UTC", nil) }},
		{ResponderLoad{}, func(b *bytes.Buffer) error { return WriteRespondersCSV(b, "UTC", nil) }},
		{Fairness{}, func(b *bytes.Buffer) error { return WriteFairnessCSV(b, "UTC", nil) }},
		{HeatCell{}, func(b *bytes.Buffer) error { return WriteHeatmapCSV(b, "UTC", nil) }},
		{Response{}, func(b *bytes.Buffer) error { return WriteResponseCSV(b, "UTC", nil) }},
		{ParetoRule{}, func(b *bytes.Buffer) error { return WriteParetoCSV(b, "UTC", nil) }},
		{WhatIfMonth{}, func(b *bytes.Buffer) error { return WriteWhatIfCSV(b, "UTC", nil) }},
	}
	for _, c := range cases {
		typ := reflect.TypeOf(c.typ)
		t.Run(typ.Name(), func(t *testing.T) {
			want := append(jsonColumns(typ), "metrics_version", "reporting_time_zone")
			if got := header(t, c.write); !reflect.DeepEqual(got, want) {
				t.Errorf("header\n got %v\nwant %v", got, want)
			}
		})
	}
}

func TestRulesCSVRow(t *testing.T) {
	rate := 0.5
	var buf bytes.Buffer
	err := WriteRulesCSV(&buf, "Europe/Dublin", []RuleStats{{
		RuleID: "r1", Rule: "=HYPERLINK(\"x\")", Incidents: 4, AfterHoursPages: 3,
		NoiseScore: 75, ActionableRate: &rate, HasRunbook: true,
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "\r\n") {
		t.Error("want CRLF line ends")
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	row := map[string]string{}
	for i, name := range rows[0] {
		row[name] = rows[1][i]
	}
	want := map[string]string{
		"rule": `'=HYPERLINK("x")`, "incidents": "4", "after_hours_pages": "3", "noise_score": "75",
		"actionable_rate": "0.5", "has_runbook": "true", "metrics_version": "1",
		"reporting_time_zone": "Europe/Dublin",
	}
	for k, v := range want {
		if row[k] != v {
			t.Errorf("%s = %q, want %q", k, row[k], v)
		}
	}
}

func TestPagesCSVTimesAreRFC3339(t *testing.T) {
	at := time.Date(2026, 3, 29, 0, 30, 0, 0, time.FixedZone("x", 3600))
	var buf bytes.Buffer
	if err := WritePagesCSV(&buf, "UTC", []Page{{IncidentID: "i1", PagedAt: at}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), ",2026-03-28T23:30:00Z,") {
		t.Errorf("want the UTC RFC 3339 time in %q", buf.String())
	}
}

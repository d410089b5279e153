package models

import (
	"bufio"
	"bytes"
	"encoding/json"
	"testing"

	"github.com/alertlens/alertlens/config"
	"github.com/alertlens/alertlens/ingest/synthetic"
)

// BenchmarkTemplate templates the titles of a synthetic history (the bench's), which
// a first build of a long history spends most of its Go time on.
func BenchmarkTemplate(b *testing.B) {
	var buf bytes.Buffer
	if _, err := synthetic.Write(&buf, synthetic.Options{Incidents: 20000, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	var titles []string
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		var r struct{ Type, Title, Rule string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			b.Fatal(err)
		}
		if r.Type == "incident" && r.Rule == "" {
			titles = append(titles, r.Title)
		}
	}
	tm := NewTemplater(&config.Config{})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tm.Template(titles[i%len(titles)])
	}
}

package file

import "testing"

func TestTopLevelType(t *testing.T) {
	cases := []struct {
		in   string
		want string
		ok   bool
	}{
		{`{"type":"incident","id":"i-1"}`, "incident", true},
		{` { "id" : "i-1", "labels": {"type": "x", "a": [1, {"b": "}"}]}, "title": "say \"type\"", "type": "review" }`, "review", true},
		{`{"id":"i-1","escalations":3,"ok":true,"n":null,"type":"service"}`, "service", true},
		{`{"id":"i-1"}`, "", true},
		{`{}`, "", true},
		{`{"type":3}`, "", false},
		{`{"ty\u0070e":"incident"}`, "", false},
		{`{"type":"inci\u0064ent"}`, "", false},
		{`["type","incident"]`, "", false},
		{`{"id":"i-1",`, "", false},
		{`{"id" "i-1"}`, "", false},
		{`{"title":"unterminated`, "", false},
		{``, "", false},
	}
	for _, c := range cases {
		got, ok := topLevelType([]byte(c.in))
		if got != c.want || ok != c.ok {
			t.Errorf("topLevelType(%s) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

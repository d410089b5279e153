package config

import (
	"strings"
	"testing"
)

func TestAPINamedTokensAndUserHeader(t *testing.T) {
	c, err := Parse([]byte("api:\n  write_tokens: [{name: ana, env: ALERTLENS_TOKEN_ANA}, {name: ben, env: ALERTLENS_TOKEN_BEN}]\n  user_header: X-Forwarded-User\n"), "a.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.API.WriteTokens) != 2 || c.API.WriteTokens[1] != (NamedToken{Name: "ben", Env: "ALERTLENS_TOKEN_BEN"}) || c.API.UserHeader != "X-Forwarded-User" {
		t.Errorf("api = %+v", c.API)
	}
	cases := []struct{ doc, want string }{
		{"api:\n  write_tokens: [{env: T}]\n", "api.write_tokens[0].name: required"},
		{"api:\n  write_tokens: [{name: ana, env: A}, {name: ana, env: B}]\n", `api.write_tokens[1].name: "ana" is named twice`},
		{"api:\n  write_tokens: [{name: ana, env: s3cr3t-t0ken}]\n", "api.write_tokens[0].env: want the name of an environment variable"},
		{"api:\n  write_tokens: [{name: ana, env: A, token: x}]\n", `unknown field "token"`},
		{"api:\n  user_header: Authorization\n", `api.user_header: want a header name set by the proxy`},
		{"api:\n  user_header: \"X User\"\n", `api.user_header: want a header name set by the proxy, such as X-Forwarded-User, got "X User"`},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.doc), "a.yaml")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q\n  error = %v\n  want it to contain %q", c.doc, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("the error quotes what may be a token: %v", err)
		}
	}
}

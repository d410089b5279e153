package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/gin-gonic/gin"
)

// AuthConfig is the config file's `api:` section. It names environment variables that hold
// bearer tokens, never the tokens themselves. With no names, auth is off.
type AuthConfig struct {
	ReadTokensEnv  []string `yaml:"read_tokens_env" json:"read_tokens_env,omitempty"`
	WriteTokensEnv []string `yaml:"write_tokens_env" json:"write_tokens_env,omitempty"`
	// WriteTokens are write tokens that carry a person's name: a review tag written with
	// one is that person's, and nobody can type another name over it.
	WriteTokens []NamedToken `yaml:"write_tokens" json:"write_tokens,omitempty"`
}

// NamedToken is a write token of one person: the name, and the variable holding the token.
type NamedToken struct {
	Name string `yaml:"name" json:"name"`
	Env  string `yaml:"env" json:"env"`
}

// Tokens are the accepted bearer tokens, kept as SHA-256 digests so that comparing them
// takes the same time whatever their length. writeNames[i] is write[i]'s person ("" for
// a token of write_tokens_env).
type Tokens struct {
	read, write [][sha256.Size]byte
	writeNames  []string
}

// Enabled reports whether any token is configured.
func (t Tokens) Enabled() bool { return len(t.read)+len(t.write) > 0 }

// Load reads the named variables through getenv (os.Getenv when nil). A named variable
// that is unset or empty is an error naming the variable (never its value).
func (a AuthConfig) Load(getenv func(string) string) (Tokens, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	var t Tokens
	for _, set := range []struct {
		field string
		names []string
		into  *[][sha256.Size]byte
	}{{"api.read_tokens_env", a.ReadTokensEnv, &t.read}, {"api.write_tokens_env", a.WriteTokensEnv, &t.write}} {
		for _, name := range set.names {
			v := strings.TrimSpace(getenv(name))
			if v == "" {
				return Tokens{}, fmt.Errorf("%s: environment variable %s is not set or empty", set.field, name)
			}
			*set.into = append(*set.into, sha256.Sum256([]byte(v)))
		}
	}
	t.writeNames = make([]string, len(t.write))
	for i, nt := range a.WriteTokens {
		field := fmt.Sprintf("api.write_tokens[%d]", i)
		if strings.TrimSpace(nt.Name) == "" {
			return Tokens{}, fmt.Errorf("%s.name: required: the person the token belongs to", field)
		}
		v := strings.TrimSpace(getenv(nt.Env))
		if v == "" {
			return Tokens{}, fmt.Errorf("%s (%s): environment variable %s is not set or empty", field, nt.Name, nt.Env)
		}
		t.write = append(t.write, sha256.Sum256([]byte(v)))
		t.writeNames = append(t.writeNames, strings.TrimSpace(nt.Name))
	}
	return t, nil
}

// tokenNameKey holds, in a request's gin context, the name of the write token it came
// with (when the token has one).
const tokenNameKey = "alertlens.token_name"

// writeName is the name of the write token given (digest), "" when it has none or is not
// a write token. Every accepted token is compared, without stopping early.
func (t Tokens) writeName(given [sha256.Size]byte) string {
	name := ""
	for i, a := range t.write {
		if subtle.ConstantTimeCompare(given[:], a[:]) == 1 {
			name = t.writeNames[i]
		}
	}
	return name
}

// access is what a route needs.
type access int

const (
	open  access = iota // always served
	read                // a read or a write token
	write               // a write token
)

// matches compares the presented token with every accepted one, without stopping early.
func matches(given [sha256.Size]byte, accepted [][sha256.Size]byte) bool {
	found := 0
	for _, a := range accepted {
		found |= subtle.ConstantTimeCompare(given[:], a[:])
	}
	return found == 1
}

// authorize checks the bearer token for a route: 401 without a valid token, 403 when a
// read token asks to write.
func (s *Server) authorize(need access) gin.HandlerFunc {
	return func(c *gin.Context) {
		if need == open || !s.tokens.Enabled() || c.Request.Context().Value(ownRequest{}) != nil {
			return
		}
		h := c.GetHeader("Authorization")
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			c.Header("WWW-Authenticate", `Bearer realm="alertlens"`)
			c.AbortWithStatusJSON(http.StatusUnauthorized, errorBody("Authorization", "want a bearer token: Authorization: Bearer <token>"))
			return
		}
		digest := sha256.Sum256([]byte(strings.TrimSpace(tok)))
		isWrite := matches(digest, s.tokens.write)
		isRead := matches(digest, s.tokens.read)
		switch {
		case isWrite:
			if name := s.tokens.writeName(digest); name != "" {
				c.Set(tokenNameKey, name)
			}
		case isRead && need == read:
		case isRead:
			c.AbortWithStatusJSON(http.StatusForbidden, errorBody("Authorization", "this token may read but not write"))
		default:
			c.Header("WWW-Authenticate", `Bearer realm="alertlens", error="invalid_token"`)
			c.AbortWithStatusJSON(http.StatusUnauthorized, errorBody("Authorization", "the bearer token is not valid"))
		}
	}
}

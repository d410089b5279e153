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
}

// Tokens are the accepted bearer tokens, kept as SHA-256 digests so that comparing them
// takes the same time whatever their length.
type Tokens struct {
	read, write [][sha256.Size]byte
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
	return t, nil
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
		if need == open || !s.tokens.Enabled() {
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
		case isRead && need == read:
		case isRead:
			c.AbortWithStatusJSON(http.StatusForbidden, errorBody("Authorization", "this token may read but not write"))
		default:
			c.Header("WWW-Authenticate", `Bearer realm="alertlens", error="invalid_token"`)
			c.AbortWithStatusJSON(http.StatusUnauthorized, errorBody("Authorization", "the bearer token is not valid"))
		}
	}
}

package deploy

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the binary embeds the zone database (analytics does), so the check does too

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/goccy/go-yaml"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/alertlens/alertlens/config"
)

// The facts docker-compose.yml and the Dockerfile must agree on.
const (
	service     = "alertlens"
	dataVolume  = "alertlens-data"
	dataDir     = "/data"
	dbPath      = "/data/alertlens.duckdb"
	configPath  = "/etc/alertlens/alertlens.yaml"
	listenPort  = "8080"
	healthzPath = "/healthz"
)

// tokenVars are the secrets the container may be given; each must reach it only from
// the environment of 'docker compose', never as a value written in the YAML.
var tokenVars = []string{"PAGERDUTY_TOKEN", "OPSGENIE_API_KEY", "ALERTLENS_WRITE_TOKEN", "ALERTLENS_READ_TOKEN"}

// repoRoot is where docker-compose.yml, the Dockerfile and the build context live.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// loadCompose loads docker-compose.yml as 'docker compose' would, with an empty
// environment: every ${VAR:-} takes its default, and no .env file of the developer's or
// variable of CI's can make the file look valid.
func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	root := repoRoot(t)
	opts, err := cli.NewProjectOptions([]string{filepath.Join(root, "docker-compose.yml")},
		cli.WithWorkingDirectory(root), cli.WithName("alertlens"), cli.WithEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("docker-compose.yml does not load: %v", err)
	}
	return project
}

func composeService(t *testing.T, p *types.Project) types.ServiceConfig {
	t.Helper()
	s, err := p.GetService(service)
	if err != nil {
		t.Fatalf("docker-compose.yml: %v (services: %v)", err, p.ServiceNames())
	}
	return s
}

func TestComposeBuildsTheRepository(t *testing.T) {
	s := composeService(t, loadCompose(t))
	if s.Build == nil {
		t.Fatal("the service has no build: it would need an image pulled from a registry")
	}
	if got := filepath.Clean(s.Build.Context); got != repoRoot(t) {
		t.Errorf("build context %s, want the repository root %s", got, repoRoot(t))
	}
	if _, err := os.Stat(filepath.Join(s.Build.Context, s.Build.Dockerfile)); err != nil {
		t.Errorf("the build's Dockerfile: %v", err)
	}
	if s.Restart != types.RestartPolicyUnlessStopped {
		t.Errorf("restart %q, want %q", s.Restart, types.RestartPolicyUnlessStopped)
	}
	// Shutdown drains HTTP for up to 10s, and a sync has to finish its page; Docker's
	// default of 10s before SIGKILL leaves no room for both.
	if s.StopGracePeriod == nil || time.Duration(*s.StopGracePeriod) < 30*time.Second {
		t.Errorf("stop_grace_period %v, want at least 30s", s.StopGracePeriod)
	}
}

func TestComposeKeepsTheDatabaseOnTheNamedVolume(t *testing.T) {
	p := loadCompose(t)
	s := composeService(t, p)
	v, ok := p.Volumes[dataVolume]
	if !ok {
		t.Fatalf("no top-level volume %q (volumes: %v)", dataVolume, p.VolumeNames())
	}
	// docs/operations.md backs the database up with docker run -v alertlens-data:/data.
	if v.Name != dataVolume {
		t.Errorf("volume %q is named %q on the engine, want %q", dataVolume, v.Name, dataVolume)
	}
	if bool(v.External) {
		t.Errorf("volume %q is external: 'docker compose up' would not create it", dataVolume)
	}
	var mounts []string
	for _, m := range s.Volumes {
		if m.Type == types.VolumeTypeVolume && m.Source == dataVolume {
			mounts = append(mounts, m.Target)
			if m.ReadOnly {
				t.Errorf("%s is mounted read-only: the database could not be written", dataVolume)
			}
		}
	}
	if !slices.Equal(mounts, []string{dataDir}) {
		t.Errorf("%s mounted at %v, want exactly [%s]", dataVolume, mounts, dataDir)
	}
	// The database must be a file on that volume, or it is lost with the container.
	if db := envValue(s, "ALERTLENS_DB"); db != "" && !strings.HasPrefix(db, dataDir+"/") {
		t.Errorf("ALERTLENS_DB=%s is not on the volume at %s", db, dataDir)
	}
}

func TestComposeMountsAValidConfig(t *testing.T) {
	s := composeService(t, loadCompose(t))
	var src string
	for _, m := range s.Volumes {
		if m.Target == configPath {
			if m.Type != types.VolumeTypeBind {
				t.Errorf("%s is mounted as %s, want a bind mount of the repository's file", configPath, m.Type)
			}
			if !m.ReadOnly {
				t.Errorf("%s is mounted writable, want :ro", configPath)
			}
			src = m.Source
		}
	}
	if src == "" {
		t.Fatalf("nothing is mounted at %s", configPath)
	}
	if want := filepath.Join(repoRoot(t), "deploy", "alertlens.yaml"); src != want {
		t.Errorf("the config is mounted from %s, want %s", src, want)
	}
	if got := envValue(s, "ALERTLENS_CONFIG"); got != configPath {
		t.Errorf("ALERTLENS_CONFIG=%q, want the mounted %s", got, configPath)
	}
	// Docker would create a missing bind source as a directory, and the server would then
	// fail on start; the loader is the same one 'alertlens serve' uses, strict about keys.
	cfg, err := config.Load(src)
	if err != nil {
		t.Fatalf("the mounted config does not load: %v", err)
	}
	if cfg.Organisation.Name == "" {
		t.Error("the mounted config names no organisation")
	}
	// Auth that names a variable the user has not set stops the server from starting, so
	// the shipped file must leave auth off until the tokens are there.
	if n := len(cfg.API.ReadTokensEnv) + len(cfg.API.WriteTokensEnv); n > 0 {
		t.Errorf("the shipped config turns API auth on (%d token variables): with the empty defaults of docker-compose.yml the server would not start", n)
	}
}

func envValue(s types.ServiceConfig, name string) string {
	if v := s.Environment[name]; v != nil {
		return *v
	}
	return ""
}

func TestComposeHealthCheckHitsHealthz(t *testing.T) {
	s := composeService(t, loadCompose(t))
	hc := s.HealthCheck
	if hc == nil || hc.Disable || len(hc.Test) < 2 {
		t.Fatalf("no health check: %+v", hc)
	}
	var argv []string
	switch hc.Test[0] {
	case "CMD":
		argv = hc.Test[1:]
	case "CMD-SHELL":
		argv = strings.Fields(strings.Join(hc.Test[1:], " "))
	default:
		t.Fatalf("health check test %q, want CMD or CMD-SHELL", hc.Test)
	}
	checkHealthCommand(t, "docker-compose.yml", argv)
	// The first start builds the models before the server listens.
	if hc.StartPeriod == nil || time.Duration(*hc.StartPeriod) < 60*time.Second {
		t.Errorf("health check start_period %v, want at least 60s", hc.StartPeriod)
	}
	if hc.Interval == nil || time.Duration(*hc.Interval) != 30*time.Second {
		t.Errorf("health check interval %v, want 30s", hc.Interval)
	}
	if hc.Timeout == nil || time.Duration(*hc.Timeout) != 5*time.Second {
		t.Errorf("health check timeout %v, want 5s", hc.Timeout)
	}
	if hc.Retries == nil || *hc.Retries != 3 {
		t.Errorf("health check retries %v, want 3", hc.Retries)
	}
}

// checkHealthCommand wants curl to fail on an HTTP error (-f: without it a 500 passes)
// and to ask the server's own port for /healthz.
func checkHealthCommand(t *testing.T, where string, argv []string) {
	t.Helper()
	if len(argv) == 0 || argv[0] != "curl" {
		t.Errorf("%s: health check %q does not run curl", where, argv)
		return
	}
	failOnError, hit := false, false
	for _, a := range argv[1:] {
		if a == "--fail" || (strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.Contains(a, "f")) {
			failOnError = true
		}
		if u, err := url.Parse(a); err == nil && u.Scheme == "http" {
			hit = u.Path == healthzPath && u.Port() == listenPort
		}
	}
	if !failOnError {
		t.Errorf("%s: health check %q lacks curl -f, so an error status would pass", where, argv)
	}
	if !hit {
		t.Errorf("%s: health check %q does not ask port %s for %s", where, argv, listenPort, healthzPath)
	}
}

func TestComposePublishesOnLoopbackOnly(t *testing.T) {
	s := composeService(t, loadCompose(t))
	if len(s.Ports) == 0 {
		t.Fatal("no published port")
	}
	for _, p := range s.Ports {
		// The API has no auth until tokens are configured: nothing beyond the host.
		if p.HostIP != "127.0.0.1" {
			t.Errorf("port %s:%d is published on %q, want 127.0.0.1", p.Published, p.Target, p.HostIP)
		}
		if p.Published != listenPort || strconv.FormatUint(uint64(p.Target), 10) != listenPort {
			t.Errorf("port %s:%d, want %s:%s", p.Published, p.Target, listenPort, listenPort)
		}
	}
	// A server on the container's loopback would be out of reach of the published port.
	if got := flagValue(s.Command, "--addr"); got != "0.0.0.0:"+listenPort {
		t.Errorf("the command %q listens on %q, want 0.0.0.0:%s", s.Command, got, listenPort)
	}
}

// flagValue is the value of a --name value or --name=value flag in argv.
func flagValue(argv []string, name string) string {
	for i, a := range argv {
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
		if a == name && i+1 < len(argv) {
			return argv[i+1]
		}
	}
	return ""
}

func TestComposeTakesTokensOnlyFromTheEnvironment(t *testing.T) {
	s := composeService(t, loadCompose(t))
	// Loaded with an empty environment, every token is the empty default.
	for _, name := range tokenVars {
		v, ok := s.Environment[name]
		if !ok {
			t.Errorf("%s is not passed to the container", name)
		} else if v != nil && *v != "" {
			t.Errorf("%s is %d characters with an empty environment: a value is written in docker-compose.yml", name, len(*v))
		}
	}
	// Interpolation hides a literal behind the loaded value only when the default is the
	// secret (${X:-s3cret}), so the raw entries are checked as written.
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Services map[string]struct {
			Environment map[string]any `yaml:"environment"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("docker-compose.yml: %v (environment must be a mapping)", err)
	}
	env := doc.Services[service].Environment
	for _, name := range tokenVars {
		if err := fromEnvironment(name, env[name]); err != nil {
			t.Error(err)
		}
	}
	for name, v := range env {
		if secretName.MatchString(name) && !slices.Contains(tokenVars, name) {
			if err := fromEnvironment(name, v); err != nil {
				t.Error(err)
			}
		}
	}
}

// secretName matches the variable names that hold credentials by convention.
var secretName = regexp.MustCompile(`(?i)(TOKEN|KEY|SECRET|PASSWORD)`)

// fromEnvironment accepts only ${NAME} or ${NAME:-}: the variable of the same name from
// the environment of 'docker compose', with nothing written in the file.
func fromEnvironment(name string, raw any) error {
	s, ok := raw.(string)
	if !ok || (s != "${"+name+"}" && s != "${"+name+":-}") {
		// the value itself is not quoted back: it may be a pasted secret
		return fmt.Errorf("environment %s must be ${%s:-} (from the environment only), got a %T value of its own", name, name, raw)
	}
	return nil
}

func TestFromEnvironmentRejectsWrittenValues(t *testing.T) {
	for _, raw := range []any{"${PAGERDUTY_TOKEN:-}", "${PAGERDUTY_TOKEN}"} {
		if err := fromEnvironment("PAGERDUTY_TOKEN", raw); err != nil {
			t.Errorf("%v: %v", raw, err)
		}
	}
	for _, raw := range []any{"u+abc123", "${PAGERDUTY_TOKEN:-u+abc123}", "${OTHER_TOKEN:-}", "", nil, 12345} {
		if fromEnvironment("PAGERDUTY_TOKEN", raw) == nil {
			t.Errorf("%#v was accepted", raw)
		}
	}
}

// dockerfile is the parsed Dockerfile, cut into its stages.
type dockerfile struct {
	stages [][]*parser.Node // each starts with its FROM
}

func parseDockerfile(t *testing.T) dockerfile {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := parser.Parse(f)
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	for _, w := range res.Warnings {
		t.Errorf("Dockerfile: %s", w.Short)
	}
	var d dockerfile
	for _, n := range res.AST.Children {
		if is(n, "FROM") {
			d.stages = append(d.stages, nil)
		} else if len(d.stages) == 0 {
			if !is(n, "ARG") {
				t.Fatalf("Dockerfile line %d: %s before the first FROM", n.StartLine, n.Value)
			}
			continue
		}
		d.stages[len(d.stages)-1] = append(d.stages[len(d.stages)-1], n)
	}
	if len(d.stages) < 2 {
		t.Fatalf("Dockerfile has %d stages, want a build stage and a runtime stage", len(d.stages))
	}
	return d
}

func is(n *parser.Node, instruction string) bool { return strings.EqualFold(n.Value, instruction) }

// args is an instruction's arguments: the words of the exec form, or the shell form's
// one command line.
func args(n *parser.Node) []string {
	var a []string
	for x := n.Next; x != nil; x = x.Next {
		a = append(a, x.Value)
	}
	return a
}

func (d dockerfile) final() []*parser.Node { return d.stages[len(d.stages)-1] }

// last is the stage's last instruction of that kind, which is the one in force.
func last(stage []*parser.Node, instruction string) *parser.Node {
	var found *parser.Node
	for _, n := range stage {
		if is(n, instruction) {
			found = n
		}
	}
	return found
}

func TestDockerfileBuildsWithCgoAndNomsgpack(t *testing.T) {
	d := parseDockerfile(t)
	var builds []string
	for _, stage := range d.stages[:len(d.stages)-1] {
		cgoEnv := false
		for _, n := range stage {
			if is(n, "ENV") && slices.Equal(args(n)[:min(2, len(args(n)))], []string{"CGO_ENABLED", "1"}) {
				cgoEnv = true
			}
			if !is(n, "RUN") || !strings.Contains(n.Original, "go build") {
				continue
			}
			builds = append(builds, n.Original)
			// DuckDB is C++: without cgo the build fails, or a stub without it is built.
			if !cgoEnv && !regexp.MustCompile(`(^|\s)CGO_ENABLED=1\s+go build`).MatchString(strings.Join(args(n), " ")) {
				t.Errorf("line %d builds without CGO_ENABLED=1: %s", n.StartLine, n.Original)
			}
			if !regexp.MustCompile(`\s-tags[ =]nomsgpack(\s|$)`).MatchString(strings.Join(args(n), " ")) {
				t.Errorf("line %d builds without -tags nomsgpack: %s", n.StartLine, n.Original)
			}
		}
		if from := args(stage[0]); len(from) == 0 || !strings.HasPrefix(from[0], "golang:") {
			t.Errorf("build stage from %q, want a golang: image", from)
		}
	}
	if len(builds) != 1 {
		t.Errorf("%d go build commands in the build stages, want 1: %q", len(builds), builds)
	}
}

func TestDockerfileRuntimeStage(t *testing.T) {
	final := parseDockerfile(t).final()
	// glibc, for the cgo-linked DuckDB: musl (Alpine) and static images cannot run it.
	if from := args(final[0]); len(from) == 0 || !strings.HasPrefix(from[0], "debian:") {
		t.Errorf("the runtime stage is FROM %q, want debian:", from)
	}

	user := last(final, "USER")
	if user == nil {
		t.Fatal("the runtime stage sets no USER: the server would run as root")
	}
	name, _, _ := strings.Cut(args(user)[0], ":")
	if name == "root" || name == "0" {
		t.Errorf("USER %s is root", args(user)[0])
	}

	// The volume takes the owner of /data from the image only if it was chowned before
	// VOLUME; a later change to /data is discarded at build.
	chownLine, volumeLine := -1, -1
	for _, n := range final {
		if is(n, "RUN") && regexp.MustCompile(`chown\s+\S+\s+`+regexp.QuoteMeta(dataDir)+`(\s|$)`).MatchString(n.Original) {
			chownLine = n.StartLine
		}
		if is(n, "VOLUME") && slices.Contains(args(n), dataDir) {
			volumeLine = n.StartLine
		}
	}
	if volumeLine < 0 {
		t.Errorf("no VOLUME %s", dataDir)
	}
	if chownLine < 0 || chownLine > volumeLine {
		t.Errorf("%s is not chowned before VOLUME %s (chown on line %d, VOLUME on line %d): the non-root user could not write the database", dataDir, dataDir, chownLine, volumeLine)
	}

	var env []string
	for _, n := range final {
		if is(n, "ENV") {
			a := args(n)
			for i := 0; i+1 < len(a); i += 3 { // the parser gives name, value, separator
				env = append(env, a[i]+"="+a[i+1])
			}
		}
	}
	if !slices.Contains(env, "ALERTLENS_DB="+dbPath) {
		t.Errorf("ENV %v lacks ALERTLENS_DB=%s: the database would not be on the volume", env, dbPath)
	}

	hc := last(final, "HEALTHCHECK")
	if hc == nil {
		t.Fatal("no HEALTHCHECK in the runtime stage")
	}
	hcArgs := args(hc)
	if len(hcArgs) < 2 || hcArgs[0] != "CMD" {
		t.Fatalf("HEALTHCHECK %q, want CMD and a command", hcArgs)
	}
	if hc.Attributes["json"] {
		checkHealthCommand(t, "Dockerfile", hcArgs[1:])
	} else {
		checkHealthCommand(t, "Dockerfile", strings.Fields(hcArgs[1]))
	}
	for _, f := range hc.Flags {
		if v, ok := strings.CutPrefix(f, "--start-period="); ok {
			if d, err := time.ParseDuration(v); err != nil || d < 60*time.Second {
				t.Errorf("HEALTHCHECK %s, want a start period of at least 60s for the first build", f)
			}
		}
	}

	cmd := last(final, "CMD")
	if cmd == nil || !cmd.Attributes["json"] {
		t.Fatal("the runtime stage has no exec-form CMD")
	}
	if got := flagValue(args(cmd), "--addr"); got != "0.0.0.0:"+listenPort {
		t.Errorf("CMD %q listens on %q, want 0.0.0.0:%s", args(cmd), got, listenPort)
	}
	// Exec form, so that alertlens is PID 1 and gets the SIGTERM it drains on.
	if ep := last(final, "ENTRYPOINT"); ep == nil || !ep.Attributes["json"] || args(ep)[0] != "alertlens" {
		t.Errorf("ENTRYPOINT %v, want the exec form [\"alertlens\"]", ep)
	}
}

func TestDockerignoreKeepsSecretsOutAndSourcesIn(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, line := range strings.Split(string(raw), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			patterns = append(patterns, line)
		}
	}
	// .env holds the tokens; COPY . . would put it in the build stage's layers.
	for _, want := range []string{".env", ".git", "*.duckdb"} {
		if !slices.Contains(patterns, want) {
			t.Errorf(".dockerignore lacks %s", want)
		}
	}
	// What 'go build ./cmd/alertlens' reads, go:embed files included.
	for _, need := range []string{"go.mod", "go.sum", "cmd/alertlens/main.go", "sql/embed.go",
		"sql/schema", "dashboards/assets", "ingest/demo/alertlens.yaml", "config/config.go"} {
		if _, err := os.Stat(filepath.Join(repoRoot(t), need)); err != nil {
			t.Errorf("%s: %v (update this list)", need, err)
		}
		if p := ignoredBy(patterns, need); p != "" {
			t.Errorf(".dockerignore pattern %q leaves %s out of the build", p, need)
		}
	}
}

// ignoredBy is the pattern that excludes path or one of its parents; it knows the
// forms used here (globs of a path from the root, and **/ for any depth), not ! rules.
func ignoredBy(patterns []string, path string) string {
	parts := strings.Split(path, "/")
	for _, p := range patterns {
		anyDepth := strings.HasPrefix(p, "**/")
		p := strings.TrimPrefix(strings.TrimPrefix(p, "**/"), "/")
		for end := 1; end <= len(parts); end++ {
			starts := []int{0}
			if anyDepth {
				starts = make([]int, end)
				for i := range starts {
					starts[i] = i
				}
			}
			for _, start := range starts {
				if ok, _ := filepath.Match(p, strings.Join(parts[start:end], "/")); ok {
					return p
				}
			}
		}
	}
	return ""
}

package main

import (
	"encoding/json"
	"strings"
	"testing"
)

const rolesConfig = `[endpoints.work]
provider = "openai"
base_url = "http://BASE"
model = "gpt-endpoint"
system = "the endpoint's prompt"

[roles.reviewer]
system = "You review Go code.\nBugs first."
model = "gpt-reviewer"
temperature = 0.2

[roles.terse]
system = "Be terse."
`

// sentBody is the first request's system message, model and temperature.
func sentBody(t *testing.T, cs *chatServer) (system, model string, temp *float64) {
	t.Helper()
	var body struct {
		Model       string
		Temperature *float64
		Messages    []struct{ Role, Content string }
	}
	if err := json.Unmarshal([]byte(cs.bodies[len(cs.bodies)-1]), &body); err != nil {
		t.Fatal(err)
	}
	for _, m := range body.Messages {
		if m.Role == "system" {
			system = m.Content
		}
	}
	return system, body.Model, body.Temperature
}

func TestRoleSendsItsSystemPromptModelAndTemperature(t *testing.T) {
	t.Parallel()
	cs := newChatServer(t, func(n int, s sse) { delta(s, "ok"); finish(s) })
	dir, _ := writeConfigFile(t, strings.Replace(rolesConfig, "http://BASE", cs.URL, 1))
	env := map[string]string{"XDG_CONFIG_HOME": dir, "OPENAI_API_KEY": "sk-0123456789"}
	for _, tc := range []struct {
		args        []string
		system, mdl string
		temp        float64 // -1: none
	}{
		{[]string{"-e", "work", "hi"}, "the endpoint's prompt", "gpt-endpoint", -1},
		{[]string{"-e", "work", "--role", "reviewer", "hi"}, "You review Go code.\nBugs first.", "gpt-reviewer", 0.2},
		{[]string{"-e", "work", "--role", "terse", "hi"}, "Be terse.", "gpt-endpoint", -1},
		{[]string{"-e", "work", "--role", "reviewer", "--system", "mine", "-m", "gpt-flag", "--temperature", "1", "hi"}, "mine", "gpt-flag", 1},
	} {
		if r := runTokEnv(t, env, "", tc.args...); r.code != 0 {
			t.Fatalf("tok %q: exit %d, stderr %q", tc.args, r.code, r.stderr)
		}
		system, model, temp := sentBody(t, cs)
		if system != tc.system || model != tc.mdl || (temp == nil) != (tc.temp < 0) || temp != nil && *temp != tc.temp {
			t.Errorf("tok %q sent system %q, model %q, temperature %v; want %q, %q, %v", tc.args, system, model, temp, tc.system, tc.mdl, tc.temp)
		}
	}
}

func TestUnknownRoleNamesTheKnownOnes(t *testing.T) {
	t.Parallel()
	dir, path := writeConfigFile(t, rolesConfig)
	r := runTokEnv(t, map[string]string{"XDG_CONFIG_HOME": dir}, "", "--role", "poet", "hi")
	want := "tok: --role poet: no such role in " + path + "; the roles are: reviewer, terse"
	if r.code != exitUsage || !strings.HasPrefix(r.stderr, want) || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("exit %d, stderr %q; want 2 and %q", r.code, r.stderr, want)
	}
	dir, _ = writeConfigFile(t, "")
	if r := runTokEnv(t, map[string]string{"XDG_CONFIG_HOME": dir}, "", "--role", "poet", "hi"); r.code != exitUsage || !strings.Contains(r.stderr, "has no roles") {
		t.Errorf("no roles: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestRolesListsNameModelAndFirstLine(t *testing.T) {
	t.Parallel()
	dir, _ := writeConfigFile(t, rolesConfig)
	r := runTokEnv(t, map[string]string{"XDG_CONFIG_HOME": dir}, "", "roles")
	want := "NAME      MODEL         SYSTEM\nreviewer  gpt-reviewer  You review Go code.\nterse     -             Be terse.\n"
	if r.code != 0 || r.stdout != want {
		t.Errorf("tok roles: exit %d, stdout\n%s\nwant\n%s\nstderr %q", r.code, r.stdout, want, r.stderr)
	}
	if r := runTokEnv(t, map[string]string{"XDG_CONFIG_HOME": dir}, "", "__complete", "--role", ""); !strings.HasPrefix(r.stdout, "reviewer\nterse\n") {
		t.Errorf("--role completes to %q", r.stdout)
	}
}

func TestRoleTablesAreChecked(t *testing.T) {
	t.Parallel()
	for src, want := range map[string]string{
		"[roles.x]\nsystme = \"a\"\n":      `unknown key "systme" in [roles.x] (did you mean system?)`,
		"[roles.x]\ntemperature = 3.5\n":   "line 2: temperature in [roles.x]: 3.5 is out of range: give 0 to 2",
		"roles = \"a\"\n":                  "roles takes a table",
		"[roles]\nx = \"You are terse\"\n": "takes a table",
	} {
		dir, _ := writeConfigFile(t, src)
		r := runTokEnv(t, map[string]string{"XDG_CONFIG_HOME": dir}, "", "roles")
		if r.code == 0 || !strings.Contains(r.stderr, want) {
			t.Errorf("%q: exit %d, stderr %q, want %q", src, r.code, r.stderr, want)
		}
	}
}

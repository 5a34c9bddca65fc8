package main

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/tokcli/tok/render"
)

// fileRole is one [roles.NAME] table of the config file: a system prompt,
// and the model and temperature to ask with, which --role NAME puts over
// the endpoint's (the flags go over the role's).
type fileRole struct {
	Name        string   `toml:"-"`
	System      string   `toml:"system"`
	Model       string   `toml:"model"`
	Temperature *float64 `toml:"temperature"`
}

// roleKeys are the keys of a [roles.NAME] table, for errors.
var roleKeys = tomlKeys(fileRole{})

// configRolesExample is the part of tok config show --example about roles.
const configRolesExample = `
# Roles: a system prompt (and a model, a temperature) to ask with: tok --role NAME
[roles.reviewer]
system = "You review Go code: name bugs first, then style, briefly."
temperature = 0.2

[roles.shell]
system = "Answer with one POSIX shell command and nothing else."
model = "claude-haiku-4-5"
`

// checkRoles validates the [roles.NAME] tables and sets their names.
func (c *fileConfig) checkRoles(src string) error {
	for name, r := range c.Roles {
		r.Name = name
		if t := r.Temperature; t != nil && (*t < 0 || *t > 2) {
			key := []string{"roles", name, "temperature"}
			return &configError{Path: c.Path, Line: nearLine(src, key),
				Msg: fmt.Sprintf("%s: %s is out of range: give 0 to 2", describeKey(key), strconv.FormatFloat(*t, 'g', -1, 64))}
		}
		c.Roles[name] = r
	}
	return nil
}

// role is the config file's role called name, or a usage error that
// names the roles there are.
func (c *fileConfig) role(name string) (*fileRole, error) {
	if r, ok := c.Roles[name]; ok {
		return &r, nil
	}
	if len(c.Roles) == 0 {
		return nil, usageErrorf("--role %s: %s has no roles; add one, as in: [roles.%s] system = \"…\" (tok config show --example)", name, c.Path, tomlKeyName(name))
	}
	return nil, usageErrorf("--role %s: no such role in %s; the roles are: %s", name, c.Path, strings.Join(slices.Sorted(maps.Keys(c.Roles)), ", "))
}

// tomlKeyName is name as a TOML key: bare when it can be.
func tomlKeyName(name string) string { return joinKey([]string{name}) }

// findRole is the role --role names, or nil.
func (o *rootOptions) findRole() (*fileRole, error) {
	if o.Role == "" {
		return nil, nil
	}
	path, err := configPath(o.IO.env)
	if err != nil {
		return nil, usageErrorf("--role %s: %v", o.Role, err)
	}
	cfg, err := loadConfig(path)
	if err != nil {
		return nil, err
	}
	return cfg.role(o.Role)
}

// applyRole puts the role's settings over the config file's endpoint,
// where no flag gave them.
func (r *resolver) applyRole(t *target) {
	ro := r.role
	if ro == nil {
		return
	}
	if ro.System != "" && !r.given("system") {
		t.ep.System = ro.System
	}
	if ro.Model != "" && r.model == "" {
		t.ep.Model, t.modelFrom = ro.Model, fmt.Sprintf("the model of role %q (tok roles)", ro.Name)
	}
	if ro.Temperature != nil && !r.given("temperature") {
		temp := *ro.Temperature
		t.ep.Temperature = &temp
	}
}

// show returns the role's settings as TOML lines.
func (ro fileRole) show() []string {
	var lines []string
	if ro.System != "" {
		lines = append(lines, "system = "+tomlString(ro.System))
	}
	if ro.Model != "" {
		lines = append(lines, "model = "+tomlString(ro.Model))
	}
	if ro.Temperature != nil {
		lines = append(lines, "temperature = "+strconv.FormatFloat(*ro.Temperature, 'g', -1, 64))
	}
	return lines
}

func newRolesCmd(ios *ioStreams) *cobra.Command {
	return &cobra.Command{
		Use:   "roles",
		Short: "List the roles of the config file",
		Long: `tok roles lists the config file's roles ([roles.NAME] tables): each one's
name, model and the first line of its system prompt. tok --role NAME asks
with the role's system prompt, and its model and temperature when it has
them, over the endpoint's; --system, --model and --temperature go over
the role's.` + "\n" + configRolesExample,
		Example: `  tok roles
  tok --role reviewer -f main.go "review this"
  git diff | tok --role shell "undo the last commit but keep the changes"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runRoles(ios) },
	}
}

func runRoles(ios *ioStreams) error {
	path, err := configPath(ios.env)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(path)
	if err != nil {
		return err
	}
	if len(cfg.Roles) == 0 {
		fmt.Fprintf(ios.ErrOut, "tok: no roles in %s; add one, as in: [roles.reviewer] system = \"…\" (tok config show --example)\n", path)
		return nil
	}
	tw := tabwriter.NewWriter(ios.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tMODEL\tSYSTEM")
	for _, name := range slices.Sorted(maps.Keys(cfg.Roles)) {
		ro := cfg.Roles[name]
		model := ro.Model
		if model == "" {
			model = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", render.Line(name, 40), render.Line(model, 40), render.Line(firstLine(ro.System), 72))
	}
	return tw.Flush()
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/tokcli/tok/render"
	"github.com/tokcli/tok/tools"
)

// toolsOptions are the flags of tok tools.
type toolsOptions struct {
	IO   *ioStreams
	JSON bool
	Yes  []string
}

const toolsLong = `tok tools starts the MCP servers of the config file ([mcp.NAME] tables),
waits for them (each up to its startup_timeout, 10 s by default), and
lists each server's state and the tools it offers, then stops them.

The model sees a tool under its own name when no other server offers one
of that name, else as SERVER_TOOL; names keep only letters, digits, _ and
-, at most 64 bytes. "allowed" marks the tools that run without asking
(the server's allow list, or --yes).

Tools run with --provider or --base-url (tok talks to the API and runs the
calls); a --url server runs its own. Each call asks first in the chat: y
runs it once, a allows the tool for the rest of the conversation, A always
(saved in the server's allow list), n denies it (type a reason to send the
model, then enter). Without a terminal nothing asks: allowed tools run,
the others are denied and the model is told so; --yes TOOL or --yes-all
allow them. A server's command gets tok's environment without the
providers' API keys, plus its env table.`

func newToolsCmd(ios *ioStreams) *cobra.Command {
	opts := &toolsOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "tools",
		Short: "List the MCP servers of the config file and their tools",
		Long:  toolsLong,
		Example: `  tok tools
  tok tools --json | jq '.[].tools[].name'
  tok --provider anthropic --yes get_weather "weather in Paris?"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runTools(cmd.Context(), opts) },
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "write the servers and their tools as JSON")
	cmd.Flags().StringSliceVar(&opts.Yes, "yes", nil, "mark these `TOOL`s allowed, as the chat's --yes would")
	return cmd
}

func runTools(ctx context.Context, o *toolsOptions) error {
	path, err := configPath(o.IO.env)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(path)
	if err != nil {
		return err
	}
	var servers []tools.Server
	var skipped []tools.ServerStatus
	for _, name := range slices.Sorted(maps.Keys(cfg.MCP)) {
		m := cfg.MCP[name]
		switch {
		case m.Disabled:
			skipped = append(skipped, tools.ServerStatus{Name: name, State: "disabled", Tools: []tools.ToolStatus{}})
		case len(m.Command) > 0 && cfg.unsafe != "":
			skipped = append(skipped, tools.ServerStatus{Name: name, State: tools.StateFailed, Tools: []tools.ToolStatus{},
				Error: strings.Replace(cfg.unsafe, "its key_cmd", "its commands", 1)})
		default:
			servers = append(servers, m.server())
		}
	}
	r := tools.New(tools.Config{Servers: servers, Yes: o.Yes, Env: toolEnv(os.Environ()), Version: version})
	defer r.Close()
	r.Wait(ctx)
	status := append(r.Status(), skipped...)
	if o.JSON {
		b, err := json.MarshalIndent(status, "", "  ")
		if err != nil {
			return err
		}
		_, err = o.IO.Out.Write(append(render.SafeJSON(b), '\n'))
		return err
	}
	if len(status) == 0 {
		fmt.Fprintf(o.IO.Out, "no MCP servers in %s: add one as [mcp.NAME] (tok config show --example prints a sample)\n", path)
		return nil
	}
	return writeToolsTable(o.IO, status)
}

// writeToolsTable writes each server's line, then its tools', every
// server's text made one safe line.
func writeToolsTable(ios *ioStreams, status []tools.ServerStatus) error {
	tw := tabwriter.NewWriter(ios.Out, 2, 8, 2, ' ', 0)
	for _, s := range status {
		state := string(s.State)
		if s.Error != "" {
			state += ": " + s.Error
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", render.Line(s.Name, 60), s.Kind, render.Line(state, 200))
		for _, t := range s.Tools {
			name := render.Line(t.Name, 64)
			if t.Own != t.Name {
				name += " (" + render.Line(t.Own, 64) + ")"
			}
			allowed := ""
			if t.Allowed {
				allowed = "allowed"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", name, allowed, render.Line(t.Description, 80))
		}
	}
	return tw.Flush()
}

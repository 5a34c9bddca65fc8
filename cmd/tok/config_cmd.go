package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/tokcli/tok/client"
)

// configOptions are the inputs of tok config path and tok config show.
type configOptions struct {
	IO      *ioStreams
	Example bool
}

const configLong = `tok config shows the config file, where tok keeps named endpoints: an LLM
API (provider, model, where its key comes from) or a server that speaks
tok's protocol (url, headers). Pick one with tok -e NAME, or name a default;
flags override what the file says.

The file is $XDG_CONFIG_HOME/tok/config.toml, or ~/.config/tok/config.toml
when XDG_CONFIG_HOME is not set, on every OS. Keep keys out of it: key_cmd
runs a command that prints the key (sh -c, 10 s and 64 KiB of output at
most; never when others can write the file, as ssh refuses such a config),
key_env names the variable that holds it, and with neither tok reads the
provider's own variable. An example:

` + configExample

func newConfigCmd(ios *ioStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Show the config file of named endpoints (tok -e NAME)",
		Long:  configLong,
		Example: `  tok config path
  tok config show
  mkdir -p ~/.config/tok && tok config show --example > ~/.config/tok/config.toml
  tok -e local "hello"`,
		Args:          cobra.ArbitraryArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErrorf("unknown command %q for tok config: give path or show", args[0])
			}
			return cmd.Help()
		},
	}
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
	cmd.AddCommand(newConfigPathCmd(ios), newConfigShowCmd(ios))
	return cmd
}

func newConfigPathCmd(ios *ioStreams) *cobra.Command {
	opts := &configOptions{IO: ios}
	return &cobra.Command{
		Use:   "path",
		Short: "Print where the config file is",
		Long: `tok config path prints the config file's path on stdout, whether or not
the file exists yet; when it does not, a note on stderr says how to start one.`,
		Example: `  tok config path
  $EDITOR "$(tok config path)"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runConfigPath(opts) },
	}
}

func newConfigShowCmd(ios *ioStreams) *cobra.Command {
	opts := &configOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Print the config as tok reads it, without secrets",
		Long: `tok config show prints the config file as tok understood it, as TOML:
default first, then the endpoints sorted by name. It never prints a key:
key_env shows the variable's name and whether it is set, and the values of
credential headers and secret URL parameters (any name holding auth, key,
token, secret, session, cookie, password, credential or signature, as in
-v and errors) are redacted. A file tok cannot read is an error that names its
line.

With --example it prints a config file to start from instead.`,
		Example: `  tok config show
  tok config show --example > "$(tok config path)"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runConfigShow(opts) },
	}
	cmd.Flags().BoolVar(&opts.Example, "example", false, "print an example config file to start from")
	return cmd
}

func runConfigPath(o *configOptions) error {
	path, err := configPath(o.IO.env)
	if err != nil {
		return err
	}
	fmt.Fprintln(o.IO.Out, path)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintln(o.IO.ErrOut, "tok: no config file there yet; `tok config show --example` prints one to start from")
	}
	return nil
}

func runConfigShow(o *configOptions) error {
	if o.Example {
		_, err := io.WriteString(o.IO.Out, configExample)
		return err
	}
	path, err := configPath(o.IO.env)
	if err != nil {
		return err
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(o.IO.ErrOut, "tok: no config file at %s; start one with: mkdir -p %s && tok config show --example > %s\n",
			path, shellQuote(filepath.Dir(path)), shellQuote(path))
		return nil
	}
	cfg, err := loadConfig(path)
	if err != nil {
		return err
	}
	return writeConfig(o.IO.Out, cfg, o.IO.env)
}

// writeConfig writes c as TOML that reads back the same, less its secrets.
func writeConfig(w io.Writer, c *fileConfig, getenv func(string) string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s, as tok reads it\n", c.Path)
	if c.Default != "" {
		fmt.Fprintf(&b, "default = %s\n", tomlString(c.Default))
	}
	if c.Save != nil {
		fmt.Fprintf(&b, "save = %t\n", *c.Save)
	}
	if len(c.Endpoints) == 0 {
		b.WriteString("# no endpoints yet\n")
	}
	for _, name := range slices.Sorted(maps.Keys(c.Endpoints)) {
		fmt.Fprintf(&b, "\n[%s]\n", joinKey([]string{"endpoints", name}))
		for _, line := range c.Endpoints[name].show(getenv) {
			b.WriteString(line + "\n")
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.MCP)) {
		fmt.Fprintf(&b, "\n[%s]\n", joinKey([]string{"mcp", name}))
		for _, line := range c.MCP[name].show() {
			b.WriteString(line + "\n")
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.Roles)) {
		fmt.Fprintf(&b, "\n[%s]\n", joinKey([]string{"roles", name}))
		for _, line := range c.Roles[name].show() {
			b.WriteString(line + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// show returns e's settings as TOML lines, in the struct's order. Secrets
// stay out: key_env's value, credential headers' values, secret URL
// parameters. key_cmd is shown; it is where the key is, not the key.
func (e fileEndpoint) show(getenv func(string) string) []string {
	var lines []string
	add := func(k, v string) {
		if v != "" {
			lines = append(lines, k+" = "+v)
		}
	}
	str := func(k, v string) {
		if v != "" {
			add(k, tomlString(v))
		}
	}
	str("provider", e.Provider)
	str("api", e.API)
	str("url", client.RedactURL(e.URL))
	str("base_url", client.RedactURL(e.BaseURL))
	str("model", e.Model)
	if e.KeyEnv != "" {
		state := map[bool]string{true: "set", false: "not set"}[getenv(e.KeyEnv) != ""]
		add("key_env", tomlString(e.KeyEnv)+" # "+state)
	}
	str("key_cmd", e.KeyCmd)
	if len(e.Headers) > 0 {
		add("headers", showHeaders(e.Headers))
	}
	str("system", e.System)
	if e.MaxTokens > 0 {
		add("max_tokens", strconv.Itoa(e.MaxTokens))
	}
	if e.Temperature != nil {
		add("temperature", strconv.FormatFloat(*e.Temperature, 'f', -1, 64))
	}
	str("thinking", e.Thinking)
	if e.Retries != nil {
		add("retries", strconv.Itoa(*e.Retries))
	}
	if e.ResumeTries != nil {
		add("resume_tries", strconv.Itoa(*e.ResumeTries))
	}
	if e.Save != nil {
		add("save", strconv.FormatBool(*e.Save))
	}
	str("transport", e.Transport)
	str("interrupt_wait", e.InterruptWait)
	return lines
}

// showHeaders writes h as an inline table, sorted, credentials redacted.
func showHeaders(h map[string]string) string {
	var hs []string
	for _, name := range slices.Sorted(maps.Keys(h)) {
		v := h[name]
		if client.IsSecretName(name) {
			v = client.Redact(v)
		}
		hs = append(hs, joinKey([]string{name})+" = "+tomlString(v))
	}
	return "{ " + strings.Join(hs, ", ") + " }"
}

// shellQuote quotes a path for a command line the user may paste.
func shellQuote(s string) string {
	if !strings.ContainsAny(s, " \t'\"$`\\!*?&;|<>()[]{}#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

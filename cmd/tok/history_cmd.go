package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/tokcli/tok/history"
)

// historyOptions are the inputs of tok history's subcommands.
type historyOptions struct {
	IO        *ioStreams
	JSON      bool
	N         int
	Format    string
	Yes       bool
	OlderThan string
	store     *history.Store
}

const historyLong = `tok history lists, searches, shows, exports and deletes the saved
conversations. tok saves every conversation, the one-shot's and the
chat's, while its answers stream: a crash, a Ctrl+C or a closed terminal
keeps what arrived, marked as it ended (stopped, cut off, failed, cut at
the token limit). tok -c continues the conversation used last, --cid ID
another (the start of an id will do); --no-save, or save = false in the
config file, keeps a conversation out.

The history is one SQLite file: $XDG_DATA_HOME/tok/history.db, or
~/.local/share/tok/history.db (tok history path). It holds no keys and no
header values. Its tables are in the README.

A word after tok history must be one of its commands: to ask about
history, quote the prompt, or put -- before it:
  tok -- history of rome`

const historyExample = `  tok history                      # the 20 used last
  tok history search "borrow checker"
  tok history show 3f2a             # rendered on a terminal, markdown in a pipe
  tok -c "and then?"                # continue the conversation used last
  tok --cid 3f2a "one more thing"
  tok history export 3f2a --format json | jq .turns[0].answer
  tok history rm --older-than 90d
  tok history backup ~/tok-history.db`

// historyCommands are tok history's subcommands, for the usage error.
const historyCommands = "list, show, search, rm, rename, export, backup, path"

func newHistoryCmd(ios *ioStreams) *cobra.Command {
	o := &historyOptions{IO: ios}
	cmd := &cobra.Command{
		Use:           "history",
		Short:         "List, search, show, export and delete saved conversations",
		Long:          historyLong,
		Example:       historyExample,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErrorf("%q is not a tok history command (%s); to ask about it, write: tok -- %q",
					args[0], historyCommands, "history "+strings.Join(args, " "))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), runHistoryList, nil) },
	}
	cmd.Flags().IntVarP(&o.N, "number", "n", 20, "list this many conversations (0: all)")
	cmd.Flags().BoolVar(&o.JSON, "json", false, "write JSON")
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
	cmd.AddCommand(newHistoryListCmd(ios), newHistoryShowCmd(ios), newHistorySearchCmd(ios), newHistoryRmCmd(ios),
		newHistoryRenameCmd(ios), newHistoryExportCmd(ios), newHistoryBackupCmd(ios), newHistoryPathCmd(ios))
	return cmd
}

// subcommand makes one of tok history's subcommands.
func subcommand(o *historyOptions, use, short, example string, args cobra.PositionalArgs,
	run func(context.Context, *historyOptions, []string) error) *cobra.Command {
	cmd := &cobra.Command{
		Use: use, Short: short, Example: example, Args: args, SilenceUsage: true, SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd.Context(), run, args) },
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "write JSON")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	return cmd
}

// argsUsage wraps a Cobra argument check as a usage error.
func argsUsage(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageErrorf("%v: see tok %s --help", err, cmd.CommandPath()[len("tok "):])
		}
		return nil
	}
}

// run opens the store, runs f, and closes it.
func (o *historyOptions) run(ctx context.Context, f func(context.Context, *historyOptions, []string) error, args []string) error {
	path, err := history.Path(o.IO.env)
	if err != nil {
		return err
	}
	o.store, err = history.Open(ctx, path)
	if err != nil {
		return err
	}
	defer o.store.Close()
	return f(ctx, o, args)
}

// completeIDs completes a conversation's id, with its title.
func completeIDs(ios *ioStreams) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
		return conversationIDs(cmd.Context(), ios), cobra.ShellCompDirectiveNoFileComp
	}
}

// conversationIDs lists the ids used last, each with its title, for
// completion.
func conversationIDs(ctx context.Context, ios *ioStreams) []string {
	path, err := history.Path(ios.env)
	if err != nil {
		return nil
	}
	st, err := history.Open(ctx, path)
	if err != nil {
		return nil
	}
	defer st.Close()
	list, _ := st.List(ctx, 100)
	var out []string
	for _, s := range list {
		out = append(out, s.ID+"\t"+safeTitle(s.Title))
	}
	return out
}

// writeJSON writes v as indented JSON and a newline.
func (o *historyOptions) writeJSON(v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(o.IO.Out, "%s\n", b)
	return err
}

// find resolves an id or an id's start to a whole id.
func (o *historyOptions) find(ctx context.Context, prefix string) (string, error) {
	if prefix == "" {
		return "", usageErrorf("give a conversation's id: see tok history list")
	}
	return findConversation(ctx, o.store, prefix)
}

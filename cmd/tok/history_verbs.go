package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/tokcli/tok/history"
)

func newHistoryListCmd(ios *ioStreams) *cobra.Command {
	o := &historyOptions{IO: ios}
	cmd := subcommand(o, "list", "List the conversations, used last first (the default)",
		"  tok history list -n 5\n  tok history list --json | jq -r '.[0].id'", argsUsage(cobra.NoArgs), runHistoryList)
	cmd.Flags().IntVarP(&o.N, "number", "n", 20, "list this many conversations (0: all)")
	return cmd
}

func runHistoryList(ctx context.Context, o *historyOptions, _ []string) error {
	list, err := o.store.List(ctx, o.N)
	if err != nil {
		return err
	}
	if o.JSON {
		return o.writeJSON(nonNil(list))
	}
	if len(list) == 0 {
		o.IO.errLine("tok: no saved conversations yet")
		return nil
	}
	return o.writeTable(list)
}

func newHistoryShowCmd(ios *ioStreams) *cobra.Command {
	o := &historyOptions{IO: ios}
	cmd := subcommand(o, "show ID", "Show a conversation: rendered on a terminal, markdown in a pipe",
		"  tok history show 3f2a\n  tok history show 3f2a | less", argsUsage(cobra.ExactArgs(1)), runHistoryShow)
	cmd.ValidArgsFunction = completeIDs(ios)
	return cmd
}

func runHistoryShow(ctx context.Context, o *historyOptions, args []string) error {
	c, err := o.load(ctx, args[0])
	if err != nil {
		return err
	}
	if o.JSON {
		return o.writeExport(c, "json")
	}
	if !o.IO.StdoutTTY {
		return o.writeExport(c, "md")
	}
	return o.writeRendered(c)
}

func newHistorySearchCmd(ios *ioStreams) *cobra.Command {
	o := &historyOptions{IO: ios}
	cmd := subcommand(o, "search QUERY", "Find conversations by words in their prompts and answers",
		`  tok history search rust lifetimes
  tok history search '"exact phrase"'
  tok history search 'kube*' --json`, argsUsage(cobra.MinimumNArgs(1)), runHistorySearch)
	cmd.Long = `Search finds the conversations whose prompts or answers hold every word of
QUERY (SQLite FTS5: quote a phrase, end a word with * for a prefix, use
OR and NOT). A conversation whose prompt holds the words ranks above one
whose answer does. Each is shown with the text around the match.`
	cmd.Flags().IntVarP(&o.N, "number", "n", 20, "show this many conversations (0: all)")
	return cmd
}

func runHistorySearch(ctx context.Context, o *historyOptions, args []string) error {
	hits, err := o.store.Search(ctx, strings.Join(args, " "), o.N)
	if err != nil {
		return usageError{err}
	}
	if o.JSON {
		return o.writeJSON(nonNil(hits))
	}
	if len(hits) == 0 {
		o.IO.errLine("tok: no conversation holds that")
		return nil
	}
	return o.writeHits(hits)
}

func newHistoryRmCmd(ios *ioStreams) *cobra.Command {
	o := &historyOptions{IO: ios}
	cmd := subcommand(o, "rm [ID...]", "Delete conversations, by id or by age",
		"  tok history rm 3f2a 9bc0\n  tok history rm --older-than 30d --yes", argsUsage(cobra.ArbitraryArgs), runHistoryRm)
	cmd.Flags().StringVar(&o.OlderThan, "older-than", "", "delete the conversations not used for this long: 30d, 2w, 12h")
	cmd.Flags().BoolVarP(&o.Yes, "yes", "y", false, "do not ask")
	cmd.ValidArgsFunction = completeIDs(ios)
	return cmd
}

func runHistoryRm(ctx context.Context, o *historyOptions, args []string) error {
	ids, err := o.rmTargets(ctx, args)
	if err != nil || len(ids) == 0 {
		return err
	}
	if !o.Yes {
		ok, err := o.confirm(fmt.Sprintf("Delete %s? [y/N] ", plural(len(ids), "conversation")))
		if err != nil || !ok {
			return err
		}
	}
	n, err := o.store.Delete(ctx, ids...)
	if err != nil {
		return err
	}
	if o.JSON {
		return o.writeJSON(map[string]any{"deleted": n, "ids": ids})
	}
	o.IO.errLine("tok: deleted " + plural(n, "conversation"))
	return nil
}

// rmTargets are the whole ids tok history rm deletes.
func (o *historyOptions) rmTargets(ctx context.Context, args []string) ([]string, error) {
	switch {
	case o.OlderThan != "" && len(args) > 0:
		return nil, usageErrorf("give ids or --older-than, not both")
	case o.OlderThan != "":
		age, err := parseAge(o.OlderThan)
		if err != nil {
			return nil, err
		}
		old, err := o.store.UsedBefore(ctx, time.Now().Add(-age))
		if err != nil {
			return nil, err
		}
		if len(old) == 0 {
			o.IO.errLine("tok: no conversation is older than " + o.OlderThan)
		}
		var ids []string
		for _, s := range old {
			ids = append(ids, s.ID)
		}
		return ids, nil
	case len(args) == 0:
		return nil, usageErrorf("give the ids to delete, or --older-than 30d")
	}
	var ids []string
	for _, a := range args {
		id, err := o.find(ctx, a)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// parseAge reads 30d, 2w, 12h, 90m.
func parseAge(s string) (time.Duration, error) {
	bad := usageErrorf("--older-than %q is not an age: give a number and a unit, as in 30d, 2w or 12h", s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 {
			return 0, bad
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	if n, ok := strings.CutSuffix(s, "w"); ok {
		weeks, err := strconv.Atoi(n)
		if err != nil || weeks < 0 {
			return 0, bad
		}
		return time.Duration(weeks) * 7 * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, bad
	}
	return d, nil
}

// confirm asks on a terminal; elsewhere it needs --yes.
func (o *historyOptions) confirm(question string) (bool, error) {
	if !o.IO.StdinTTY {
		return false, usageErrorf("tok history rm asks before it deletes, and stdin is no terminal: add --yes")
	}
	fmt.Fprint(o.IO.ErrOut, question)
	line, _ := bufio.NewReader(o.IO.In).ReadString('\n')
	answer := strings.ToLower(strings.TrimSpace(line))
	return answer == "y" || answer == "yes", nil
}

func newHistoryRenameCmd(ios *ioStreams) *cobra.Command {
	o := &historyOptions{IO: ios}
	cmd := subcommand(o, "rename ID TITLE", "Give a conversation a new title",
		`  tok history rename 3f2a "SSE notes"`, argsUsage(cobra.MinimumNArgs(2)), runHistoryRename)
	cmd.ValidArgsFunction = completeIDs(ios)
	return cmd
}

func runHistoryRename(ctx context.Context, o *historyOptions, args []string) error {
	id, err := o.find(ctx, args[0])
	if err != nil {
		return err
	}
	title := strings.Join(args[1:], " ")
	if err := o.store.Rename(ctx, id, title); err != nil {
		return usageError{err}
	}
	if o.JSON {
		return o.writeJSON(map[string]string{"id": id, "title": history.Title(title)})
	}
	return nil
}

func newHistoryExportCmd(ios *ioStreams) *cobra.Command {
	o := &historyOptions{IO: ios}
	cmd := subcommand(o, "export ID", "Write a conversation as Markdown or JSON (the README has the JSON schema)",
		"  tok history export 3f2a > notes.md\n  tok history export 3f2a --format json | jq .", argsUsage(cobra.ExactArgs(1)), runHistoryExport)
	cmd.Flags().StringVarP(&o.Format, "format", "f", "md", "md or json")
	cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"md", "json"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.ValidArgsFunction = completeIDs(ios)
	return cmd
}

func runHistoryExport(ctx context.Context, o *historyOptions, args []string) error {
	if o.JSON {
		o.Format = "json"
	}
	if o.Format != "md" && o.Format != "json" {
		return usageErrorf("--format %q: give md or json", o.Format)
	}
	c, err := o.load(ctx, args[0])
	if err != nil {
		return err
	}
	return o.writeExport(c, o.Format)
}

func newHistoryBackupCmd(ios *ioStreams) *cobra.Command {
	o := &historyOptions{IO: ios}
	return subcommand(o, "backup FILE", "Copy the history into a new SQLite file, safely while tok runs",
		"  tok history backup ~/tok-history-$(date +%F).db", argsUsage(cobra.ExactArgs(1)), runHistoryBackup)
}

func runHistoryBackup(ctx context.Context, o *historyOptions, args []string) error {
	if err := o.store.Backup(ctx, args[0]); err != nil {
		return err
	}
	if o.JSON {
		return o.writeJSON(map[string]string{"backup": args[0]})
	}
	o.IO.errLine("tok: the history is backed up in " + args[0])
	return nil
}

func newHistoryPathCmd(ios *ioStreams) *cobra.Command {
	o := &historyOptions{IO: ios}
	cmd := subcommand(o, "path", "Print where the history is kept", "  sqlite3 \"$(tok history path)\" 'select count(*) from conversations'",
		argsUsage(cobra.NoArgs), nil)
	cmd.RunE = func(*cobra.Command, []string) error {
		path, err := history.Path(ios.env)
		if err != nil {
			return err
		}
		if o.JSON {
			return o.writeJSON(map[string]string{"path": path})
		}
		_, err = fmt.Fprintln(ios.Out, path)
		if _, serr := os.Stat(path); serr != nil {
			ios.errLine("tok: no history there yet; tok saves the first conversation there")
		}
		return err
	}
	return cmd
}

// load resolves an id's start and loads its conversation.
func (o *historyOptions) load(ctx context.Context, prefix string) (*history.Conversation, error) {
	id, err := o.find(ctx, prefix)
	if err != nil {
		return nil, err
	}
	return o.store.Load(ctx, id)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// nonNil makes a nil slice an empty one, so JSON says [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

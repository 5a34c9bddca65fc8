package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/tokcli/tok/probe"
)

// compareOptions are the flags of tok probe compare.
type compareOptions struct {
	IO        *ioStreams
	Old, New  string
	Tolerance string

	tolerance float64
}

const compareLong = `tok probe compare reads two runs of tok probe --json (one request, a step
or a sweep) and prints, step by step, how each figure changed: ttft, itl and
e2e at p50, p90 and p99, requests and output tokens a second, the good
fraction and the share of errors. A figure worse by more than --tolerance is
a regression (a latency must also change by a millisecond or more, below
which loopback jitter is no server's doing).

Exit codes:
  0  no regression beyond the tolerance
  1  a regression
  2  usage error, or a file that is not tok probe --json`

func newProbeCompareCmd(ios *ioStreams, runF func(context.Context, *compareOptions) error) *cobra.Command {
	o := &compareOptions{IO: ios}
	cmd := &cobra.Command{
		Use:     "compare OLD.json NEW.json",
		Short:   "Tell the regressions between two runs of tok probe --json",
		Long:    compareLong,
		Example: "  tok probe URL -c 1,2,4,8 --json > base.json\n  tok probe URL -c 1,2,4,8 --json > new.json\n  tok probe compare base.json new.json --tolerance 5%",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usageErrorf("give two files of tok probe --json, as in: tok probe compare old.json new.json")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Old, o.New = args[0], args[1]
			if err := o.parse(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runCompare(o)
		},
	}
	cmd.Flags().StringVar(&o.Tolerance, "tolerance", "10%", "how much worse a figure may get before it is a regression, in percent")
	return cmd
}

// parse reads --tolerance: "10%" or "10", in percent.
func (o *compareOptions) parse() error {
	f, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(o.Tolerance), "%"), 64)
	if err != nil || f < 0 {
		return usageErrorf("--tolerance %q: give a percentage, as in --tolerance 10%%", o.Tolerance)
	}
	o.tolerance = f / 100
	return nil
}

func runCompare(o *compareOptions) error {
	read := func(name string) ([]byte, error) {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, usageErrorf("%v", err)
		}
		return b, nil
	}
	older, err := read(o.Old)
	if err != nil {
		return err
	}
	newer, err := read(o.New)
	if err != nil {
		return err
	}
	c, err := probe.Compare(older, newer, o.tolerance)
	var ie *probe.InputError
	if errors.As(err, &ie) {
		name := o.Old
		if ie.Second {
			name = o.New
		}
		return usageErrorf("%s: %v", name, ie.Err)
	}
	if err != nil {
		return err
	}
	color := o.IO.StdoutTTY && o.IO.env("NO_COLOR") == ""
	if err := c.Report(o.IO.Out, o.Old, o.New, color); err != nil {
		return fmt.Errorf("write stdout: %w", err)
	}
	if len(c.Regressions()) > 0 {
		return probeExit(exitProbeFailed)
	}
	return nil
}

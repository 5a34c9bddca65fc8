package main

import (
	"fmt"
	"io"
	"os"

	"github.com/tokcli/tok/probe"
)

// writeFiles writes the outcome's --html, --csv and --jsonl reports.
func (o *probeOptions) writeFiles(out *probe.Outcome) error {
	for _, f := range []struct {
		flag, name string
		write      func(io.Writer) error
	}{
		{"--html", o.Load.HTML, out.WriteHTML},
		{"--csv", o.Load.CSV, out.WriteCSV},
		{"--jsonl", o.Load.JSONL, out.WriteJSONL},
	} {
		if err := o.writeFile(f.flag, f.name, f.write); err != nil {
			return err
		}
	}
	return nil
}

// writeFile writes one report to name ("-": stdout; "": none).
func (o *probeOptions) writeFile(flag, name string, write func(io.Writer) error) error {
	switch name {
	case "":
		return nil
	case "-":
		if err := write(o.IO.Out); err != nil {
			return fmt.Errorf("write stdout: %w", err)
		}
		return nil
	}
	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("%s %s: %w", flag, name, err)
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("%s %s: %w", flag, name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%s %s: %w", flag, name, err)
	}
	return nil
}

// linesOnStdout reports whether --csv or --jsonl writes to stdout, which
// then holds nothing else.
func (l *loadOptions) linesOnStdout() bool { return l.CSV == "-" || l.JSONL == "-" }

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/render"
)

// filesHelp is what tok --help says of -f.
const filesHelp = `-f FILE attaches a file to the question (repeatable; - is stdin): a text
file as a fenced block named by its path, after stdin and before the
prompt; a png, jpeg, gif or webp image (told by its content, not its
name) as an image part, for Anthropic, OpenAI and Gemini only. In the
chat, -f goes with the first question, and /file PATH attaches a file to
the next one. Limits: a text file 1 MiB, an image 3.75 MiB (5 MiB in
base64, Anthropic's limit), all the files 16 MiB.`

// readFiles reads the -f files, in order, with their limits; "-" is
// stdin, read as the one-shot reads it (a signal ends the wait).
func (o *rootOptions) readFiles(ctx context.Context) ([]client.Attachment, error) {
	var atts []client.Attachment
	var total int64
	stdin := false
	for _, name := range o.Files {
		var a client.Attachment
		var err error
		if name == "-" {
			a, err = o.readStdinFile(ctx, stdin)
			stdin = true
		} else {
			a, err = client.ReadAttachment(name)
		}
		if err != nil {
			return nil, fileError(err)
		}
		if total += a.Size; total > client.MaxAttachments {
			return nil, usageErrorf("the -f files come to over %s, the limit for all of them together: attach fewer", client.LimitWords(client.MaxAttachments))
		}
		atts = append(atts, a)
	}
	return atts, o.checkImages(atts)
}

// readStdinFile is -f -: stdin, once, as a file.
func (o *rootOptions) readStdinFile(ctx context.Context, again bool) (client.Attachment, error) {
	switch {
	case again:
		return client.Attachment{}, usageErrorf("-f - is given twice: stdin can be read once")
	case !o.IO.StdinPiped:
		return client.Attachment{}, usageErrorf(`-f - reads stdin, which is a terminal: pipe a file in, as in: cat diagram.png | tok -f - "what is this?"`)
	}
	b, err := readStdin(ctx, o.IO.In)
	if err != nil {
		return client.Attachment{}, err
	}
	return client.ReadAttachmentFrom("stdin", bytes.NewReader(b))
}

// fileError is a file -f cannot attach, in one line: a usage error.
func fileError(err error) error {
	var fe *client.FileError
	if !errors.As(err, &fe) {
		return err
	}
	fe.Name = render.Line(fe.Name, 200) // a name is shown, never obeyed
	advice := "send a part of it, as in: tail -c 1000000 " + shellQuote(fe.Name) + " | tok -f - …"
	if fe.Name == "stdin" {
		advice = "send a part of it, as in: … | tail -c 1000000 | tok -f - …"
	}
	if fe.Kind == "an image" {
		advice = "scale it down, or save it as a JPEG"
	}
	switch {
	case fe.Limit > 0 && fe.Size > 0:
		return usageErrorf("%s is %s; the limit for -f is %s for %s: %s", fe.Name, client.FormatSize(fe.Size),
			client.LimitWords(fe.Limit), fe.Kind, advice)
	case fe.Limit > 0:
		return usageErrorf("%s is over %s, the limit of -f for %s: %s", fe.Name, client.LimitWords(fe.Limit), fe.Kind, advice)
	}
	return usageErrorf("-f %s", fe.Error())
}

// checkImages refuses images for an endpoint that cannot read them,
// before anything is sent.
func (o *rootOptions) checkImages(atts []client.Attachment) error {
	for _, a := range atts {
		if a.Image == nil || o.target.ep.TakesImages() {
			continue
		}
		return usageErrorf("-f %s is an image, and %s takes text only: ask Anthropic, OpenAI or Gemini (--provider %s), or leave the image out",
			render.Line(a.Name, 200), o.imageWhere(), providerList("|"))
	}
	return nil
}

// imageWhere names the target that takes no images.
func (o *rootOptions) imageWhere() string {
	t := o.target
	switch {
	case t.demo():
		return "the demo model"
	case t.ep.Provider == "":
		return "a --url endpoint (tok's protocol)"
	}
	return fmt.Sprintf("provider %s", t.ep.Provider)
}

// imageAdvice is what to do about images an endpoint refused.
func imageAdvice(ie *client.ImageError) string {
	return ie.Error() + ": ask Anthropic, OpenAI or Gemini (--provider " + providerList("|") + "), or leave the image out"
}

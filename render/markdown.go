package render

import (
	"bytes"
	"fmt"

	"charm.land/glamour/v2/ansi"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"
)

// termRenderer is glamour's TermRenderer, built from glamour's parts the
// way glamour.NewTermRenderer builds it (GFM, definition lists, heading
// IDs, glamour's ANSI renderer), with one part of tok's own: tables too
// wide for the width are laid out by tok (see tables), since glamour cuts
// them. It is not safe for concurrent use.
type termRenderer struct {
	md     goldmark.Markdown
	tables *tables
	buf    bytes.Buffer
}

// newTermRenderer returns a renderer of markdown in the style, wrapped at
// width. The error is glamour's signature's; building cannot fail.
func newTermRenderer(style ansi.StyleConfig, width int) (*termRenderer, error) {
	opts := ansi.Options{WordWrap: width, Styles: style, ChromaFormatter: chromaFormatter}
	t := newTables(opts)
	md := goldmark.New(
		goldmark.WithExtensions(extension.GFM, extension.DefinitionList),
		goldmark.WithParserOptions(
			parser.WithAutoHeadingID(),
			parser.WithASTTransformers(util.Prioritized(t, 100)),
		),
	)
	md.SetRenderer(renderer.NewRenderer(renderer.WithNodeRenderers(util.Prioritized(ansi.NewRenderer(opts), 1000))))
	return &termRenderer{md: md, tables: t}, nil
}

// Render renders markdown.
func (r *termRenderer) Render(in string) (string, error) {
	r.buf.Reset()
	r.tables.reset()
	if err := r.md.Convert([]byte(in), &r.buf); err != nil {
		return "", fmt.Errorf("glamour: %w", err)
	}
	if r.tables.err != nil {
		return "", r.tables.err
	}
	return r.tables.place(r.buf.String()), nil
}

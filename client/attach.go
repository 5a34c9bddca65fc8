package client

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Image is a picture sent with a user's turn, as an image part of the
// APIs that read them ([ProviderSpec.Images]): Anthropic's image block,
// Chat Completions' image_url, Responses' input_image and Gemini's
// inlineData, each with the data in base64.
type Image struct {
	Name string // where it came from, for messages: a path
	MIME string // image/png, image/jpeg, image/gif or image/webp
	Data []byte
}

// dataURL is the image as a data: URL, as OpenAI's APIs take one.
func (im Image) dataURL() string {
	return "data:" + im.MIME + ";base64," + base64.StdEncoding.EncodeToString(im.Data)
}

// Attachment is a file sent with a question: a text file goes in the
// question's text as a fenced block named by its path ([Attachment.Fenced]),
// an image as an image part (Image).
type Attachment struct {
	Name  string // the path as given, or "stdin"
	Size  int64  // bytes
	Text  string // a text file's contents; "" for an image
	Image *Image // an image's, or nil
}

// The limits of an attachment. MaxImage keeps an image's base64 within
// Anthropic's 5 MiB per image; MaxText is some 250,000 tokens;
// MaxAttachments bounds a question's files together.
const (
	MaxText        = 1 << 20
	MaxImage       = 5 << 20 / 4 * 3 // 3.75 MiB
	MaxAttachments = 16 << 20
)

// imageTypes are the images the APIs read, as http.DetectContentType names them.
var imageTypes = []string{"image/png", "image/jpeg", "image/gif", "image/webp"}

// FileError is a file that cannot be attached. Its Error is one line
// naming the file. Limit is set when the file is too large: Size is then
// its size, or 0 when it was read from a stream and is only known to be
// over, and Kind says which limit ("a text file", "an image").
type FileError struct {
	Name   string
	Size   int64
	Limit  int64
	Kind   string
	Reason string // what else is wrong
}

func (e *FileError) Error() string {
	switch {
	case e.Limit > 0 && e.Size > 0:
		return fmt.Sprintf("%s is %s; the limit is %s for %s", e.Name, FormatSize(e.Size), LimitWords(e.Limit), e.Kind)
	case e.Limit > 0:
		return fmt.Sprintf("%s is over %s, the limit for %s", e.Name, LimitWords(e.Limit), e.Kind)
	}
	return e.Name + " " + e.Reason
}

// LimitWords is a limit in words: 1 MiB, 3.75 MiB.
func LimitWords(n int64) string {
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', -1, 64) + " MiB"
}

// ReadAttachment reads the file at path as an attachment: a png, jpeg,
// gif or webp image (told from its first bytes, not its name), or UTF-8
// text; anything else is a [*FileError], as is a file over its limit
// (MaxText or MaxImage), which is refused from its size alone when
// the file says it, and otherwise once a byte past the limit is read.
func ReadAttachment(path string) (Attachment, error) {
	f, err := os.Open(path)
	if err != nil {
		return Attachment{}, openError(path, err)
	}
	defer f.Close()
	size := int64(-1)
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		size = fi.Size()
	} else if err == nil && fi.IsDir() {
		return Attachment{}, &FileError{Name: path, Reason: "is a directory: attach its files one by one"}
	}
	return readAttachment(path, f, size)
}

// ReadAttachmentFrom reads an attachment called name from r (stdin, say),
// as [ReadAttachment] does a file.
func ReadAttachmentFrom(name string, r io.Reader) (Attachment, error) {
	return readAttachment(name, r, -1)
}

func openError(path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &FileError{Name: path, Reason: "does not exist"}
	case errors.Is(err, fs.ErrPermission):
		return &FileError{Name: path, Reason: "cannot be read: permission denied"}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &FileError{Name: path, Reason: "cannot be read: " + err.Error()}
}

// readAttachment sniffs r's first bytes, then reads the rest up to the
// kind's limit; size is the file's, or -1 when unknown.
func readAttachment(name string, r io.Reader, size int64) (Attachment, error) {
	head := make([]byte, 512)
	n, err := io.ReadFull(r, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return Attachment{}, &FileError{Name: name, Reason: "cannot be read: " + err.Error()}
	}
	head = head[:n]
	kind := http.DetectContentType(head)
	image := slices.Contains(imageTypes, kind)
	limit, what := int64(MaxText), "a text file"
	switch {
	case image:
		limit, what = MaxImage, "an image"
	case !looksText(head):
		return Attachment{}, &FileError{Name: name, Reason: binaryReason(kind)}
	}
	if size > limit {
		return Attachment{}, &FileError{Name: name, Size: size, Limit: limit, Kind: what}
	}
	data, err := readRest(head, r, limit)
	if err != nil {
		return Attachment{}, &FileError{Name: name, Reason: "cannot be read: " + err.Error()}
	} else if int64(len(data)) > limit {
		return Attachment{}, &FileError{Name: name, Limit: limit, Kind: what}
	}
	a := Attachment{Name: name, Size: int64(len(data))}
	if image {
		a.Image = &Image{Name: name, MIME: kind, Data: data}
		return a, nil
	}
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		return Attachment{}, &FileError{Name: name, Reason: "is not UTF-8 text, nor a png, jpeg, gif or webp image: tok attaches only those"}
	}
	a.Text = strings.TrimPrefix(string(data), "\uFEFF")
	return a, nil
}

// readRest is head and what follows it in r, up to a byte past limit.
func readRest(head []byte, r io.Reader, limit int64) ([]byte, error) {
	rest, err := io.ReadAll(io.LimitReader(r, limit+1-int64(len(head))))
	return append(head, rest...), err
}

// looksText reports whether a file's first bytes may be text: no NUL,
// and UTF-8 but for a character cut at the end.
func looksText(head []byte) bool {
	if bytes.IndexByte(head, 0) >= 0 {
		return false
	}
	for i := 0; i < 3 && !utf8.Valid(head) && len(head) > 0; i++ {
		head = head[:len(head)-1]
	}
	return utf8.Valid(head)
}

// binaryReason says what a binary file is, when its type is known.
func binaryReason(kind string) string {
	kind, _, _ = strings.Cut(kind, ";")
	if kind == "application/octet-stream" || kind == "" {
		return "is a binary file: tok attaches text files and png, jpeg, gif or webp images"
	}
	return "is a binary file (" + kind + "): tok attaches text files and png, jpeg, gif or webp images"
}

// Fenced is a text attachment as the question carries it: its name on a
// line, then its text in a fenced block tagged with the name's extension,
// the fence one backtick longer than the longest run of backticks in the
// text, so nothing inside can close it.
func (a Attachment) Fenced() string {
	fence := strings.Repeat("`", max(3, longestRun(a.Text, '`')+1))
	lang := strings.ToLower(strings.TrimPrefix(filepath.Ext(a.Name), "."))
	var b strings.Builder
	b.Grow(len(a.Text) + len(a.Name) + 2*len(fence) + len(lang) + 4)
	b.WriteString(a.Name + ":\n" + fence + lang + "\n" + a.Text)
	if !strings.HasSuffix(a.Text, "\n") {
		b.WriteByte('\n')
	}
	b.WriteString(fence + "\n")
	return b.String()
}

func longestRun(s string, c byte) int {
	best, run := 0, 0
	for i := range len(s) {
		if s[i] == c {
			run++
			best = max(best, run)
		} else {
			run = 0
		}
	}
	return best
}

// Question is the user's turn with attachments: its text is before
// (piped stdin, as it came), each text file fenced, then after (the
// prompt), a blank line between each and blank parts left out; its
// images are the image attachments'.
func Question(before string, atts []Attachment, after string) Message {
	var b strings.Builder
	add := func(s string) {
		if strings.TrimSpace(s) == "" {
			return
		}
		if b.Len() > 0 {
			if !strings.HasSuffix(b.String(), "\n") {
				b.WriteByte('\n')
			}
			b.WriteByte('\n')
		}
		b.WriteString(s)
	}
	add(before)
	m := Message{Role: "user"}
	for _, a := range atts {
		if a.Image != nil {
			m.Images = append(m.Images, *a.Image)
		} else {
			add(a.Fenced())
		}
	}
	add(after)
	m.Content = b.String()
	return m
}

// FormatSize is n bytes in words: 812 B, 2.1 KB, 50.0 MB (powers of 1024).
func FormatSize(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
}

// Described is the turn's text as a history keeps it: the text, then a
// line per image in place of its data.
func (m Message) Described() string {
	if len(m.Images) == 0 {
		return m.Content
	}
	var b strings.Builder
	b.WriteString(m.Content)
	for i, im := range m.Images {
		if i == 0 && m.Content != "" {
			b.WriteString("\n\n")
		} else if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "[image %s, %s, %s: not kept]", im.Name, im.MIME, FormatSize(int64(len(im.Data))))
	}
	return b.String()
}

// ImageError is a conversation with images sent where they cannot go.
type ImageError struct {
	Image string // the first image's name
	// Where names the endpoint's kind: "tok's protocol", "OpenAI-compatible"…
	Where string
}

func (e *ImageError) Error() string {
	return fmt.Sprintf("%s is an image, and %s takes text only", e.Image, e.Where)
}

// TakesImages reports whether e's API reads image parts.
func (e Endpoint) TakesImages() bool {
	if e.Provider == "" {
		return false
	}
	spec, ok := e.Provider.Spec()
	return ok && spec.Images
}

// checkImages refuses a conversation with images for an endpoint that
// cannot take them, as an [*ImageError].
func (e Endpoint) checkImages(msgs []Message) error {
	for _, m := range msgs {
		if len(m.Images) > 0 && !e.TakesImages() {
			where := "a --url endpoint (tok's protocol)"
			if e.Provider != "" {
				where = string(e.Provider)
			}
			return &ImageError{Image: m.Images[0].Name, Where: where}
		}
	}
	return nil
}

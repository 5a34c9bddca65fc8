package history

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tokcli/tok/client"
)

// A long answer is appended in parts of about partSize that end at a
// line end, each indexed once, and read back whole while it streams and
// after: no write rewrites what an earlier part holds.
func TestRecorderAppendsALongAnswerInParts(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	r, err := s.Begin(t.Context(), Ask{Prompt: "q"})
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	for i := range 10000 { // 1 MB, in pieces of 100 bytes, lines of 800
		end := " "
		if i%8 == 7 {
			end = "\n"
		}
		piece := fmt.Sprintf("%-99s", fmt.Sprintf("piece%d", i)) + end
		want.WriteString(piece)
		r.Add(client.Event{Kind: client.KindText, Text: piece})
		r.mu.Lock()
		due := r.fresh >= flushBytes
		r.mu.Unlock()
		if due { // what the recorder's goroutine does when kicked, at once
			r.flush()
		}
		if i == 5000 {
			r.Add(client.Event{Kind: client.KindThinking, Text: "hmm"})
		}
	}
	r.mu.Lock()
	held := r.answer.Len()
	r.mu.Unlock()
	if held >= partSize+flushBytes {
		t.Errorf("the recorder holds %d bytes of the answer; want at most a part's worth", held)
	}
	rows, err := s.db.Query(`SELECT text FROM turn_parts WHERE kind = ?`, partAnswer)
	if err != nil {
		t.Fatal(err)
	}
	parts := 0
	for rows.Next() {
		var text string
		rows.Scan(&text)
		if parts++; len(text) < partSize-800 || len(text) > partSize+flushBytes+100 || !strings.HasSuffix(text, "\n") {
			t.Errorf("part %d: %d bytes ending %q; want whole lines, about partSize", parts, len(text), text[len(text)-1:])
		}
	}
	rows.Close()
	if parts < 10 {
		t.Errorf("%d parts of a 1 MB answer; want one every partSize", parts)
	}
	r.flush()
	c, _ := s.Load(t.Context(), r.ConversationID())
	if got := c.Turns[0]; got.Answer != want.String() || got.Thinking != "hmm" {
		t.Errorf("mid-answer: read back %d bytes (thinking %q); want the %d streamed, in order", len(got.Answer), got.Thinking, want.Len())
	}
	r.Add(client.Event{Kind: client.KindText, Text: "the last line, unended"})
	want.WriteString("the last line, unended")
	r.flush()
	if hits, err := s.Search(t.Context(), "unended", 0); err != nil || len(hits) != 1 {
		t.Errorf("search mid-answer for the text after the last part = %+v, %v; want the turn", hits, err)
	}
	if err := r.End(Outcome{}); err != nil {
		t.Fatal(err)
	}
	c, _ = s.Load(t.Context(), r.ConversationID())
	var rest int
	s.db.QueryRow(`SELECT count(*) FROM turn_parts WHERE kind = ?`, partRest).Scan(&rest)
	if got := c.Turns[0].Answer; got != want.String() || rest != 0 {
		t.Errorf("after End: read back %d bytes, %d rests; want the %d streamed, no rest", len(got), rest, want.Len())
	}
	for _, q := range []string{"piece9999", "piece9998 piece9999", `"last line"`, "unended"} {
		hits, err := s.Search(t.Context(), q, 0)
		if err != nil || len(hits) != 1 || hits[0].Field != "answer" || !strings.Contains(hits[0].Snippet, MarkStart) {
			t.Errorf("search %q = %+v, %v; want the turn, its match marked", q, hits, err)
		}
	}
	if hits, _ := s.Search(t.Context(), "piece9999 nowhere", 0); len(hits) != 0 {
		t.Errorf("search for a word the answer lacks = %+v; want none", hits)
	}
	if _, err := s.Delete(t.Context(), r.ConversationID()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(`INSERT INTO turn_parts_fts (turn_parts_fts) VALUES ('integrity-check')`); err != nil {
		t.Errorf("the parts' index after a delete: %v", err)
	}
	if hits, _ := s.Search(t.Context(), "piece9999", 0); len(hits) != 0 {
		t.Errorf("search after the delete = %+v; want none", hits)
	}
}

func TestCutPart(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", partSize)
	for _, c := range []struct {
		in         string
		end        bool
		part, rest string
	}{
		{"a\nb\nc", false, "", "a\nb\nc"},     // short: all rest
		{"a\nb", true, "a\nb", ""},            // the end: all part
		{big + "\nb", false, big + "\n", "b"}, // long: up to the last line end
		{big, false, big, ""},                 // long, no line end: all part
	} {
		if part, rest := cutPart(c.in, c.end); part != c.part || rest != c.rest {
			t.Errorf("cutPart(%.10q, %v) = %.10q, %.10q; want %.10q, %.10q", c.in, c.end, part, rest, c.part, c.rest)
		}
	}
}

// A file at version 4 has the rests of its answers unindexed: version 5
// indexes them.
func TestMigrationIndexesTheRests(t *testing.T) {
	t.Parallel()
	s := openAt(t, 4, `INSERT INTO conversations (id, title, created_at, used_at) VALUES ('c1', 'cut short', 1, 1);
		INSERT INTO turns (conversation_id, seq, prompt, started_at) VALUES ('c1', 1, 'q', 1);
		INSERT INTO turn_parts (turn_id, kind, seq, text) VALUES (1, 2, 0, 'a rest about obsidian');`)
	if hits, err := s.Search(t.Context(), "obsidian", 0); err != nil || len(hits) != 1 || hits[0].Snippet != "a rest about "+MarkStart+"obsidian"+MarkEnd {
		t.Errorf("search for a rest saved at version 4 = %+v, %v; want it found", hits, err)
	}
}

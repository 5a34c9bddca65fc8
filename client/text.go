package client

// textDecoder streams plain text: a body that is not SSE, or SSE whose data
// is not JSON. Each frame's data is answer text; "[DONE]" ends an SSE one.
type textDecoder struct{ sse bool }

func (d *textDecoder) decode(dst []Event, f Frame) ([]Event, error) {
	if d.sse && f.Data == doneSentinel {
		return append(dst, Event{Kind: KindDone}), nil
	}
	return appendText(dst, KindText, f.Data), nil
}

// end: a plain-text body has no end marker, so its end is the answer's end.
// An SSE text stream without [DONE] ends the same way.
func (d *textDecoder) end() []Event { return []Event{{Kind: KindDone}} }

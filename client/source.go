package client

import "io"

// FromEvents returns a Stream of the events next produces, for an answer
// with no wire of its own: a model in process, a test double. next is
// called for one event at a time until it gives a terminal one; an error
// it returns ends the stream as the [Stream] contract says (the caller's
// cancellation as itself, anything else as a cut-off). close, if not nil,
// is called once when the stream is closed. The stream's dialect is d.
func FromEvents(d Dialect, next func() (Event, error), close func()) *Stream {
	return &Stream{
		prod:  &funcProducer{d: d, produce: next},
		rec:   newRecorder(),
		fail:  func(err error) error { return err },
		close: close,
	}
}

// funcProducer is the producer of FromEvents.
type funcProducer struct {
	d       Dialect
	produce func() (Event, error)
}

func (p *funcProducer) next(dst []Event) ([]Event, error) {
	ev, err := p.produce()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF // a source that ends without a terminal event broke off
		}
		return dst, err
	}
	return append(dst, ev), nil
}

func (p *funcProducer) end() []Event     { return nil }
func (p *funcProducer) dialect() Dialect { return p.d }

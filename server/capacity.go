package server

import (
	"context"
	"sync"
	"time"
)

// batch makes the scripted model behave as an inference server under
// load ([Config.Capacity]) and stall once ([Config.Pause]), so that a
// load test has something to find.
//
// Continuous batching, as vLLM, TGI and TensorRT-LLM schedule decoding:
// the server holds at most Capacity streams in its batch. A request that
// arrives when the batch is full waits in a queue (first come, first
// served) for a stream to finish, so its time to first token grows by
// the wait; its headers go out at once, as an OpenAI-compatible server's
// do. Each decoding step serves every stream in the batch, and its cost
// grows with the batch's size, so every wait of a stream in the batch
// (the first token's and each one after) is scaled by the batch's size b
// when it begins:
//
//	wait(b) = base × (1 + (b − 1) / Capacity)
//
// One stream alone keeps the scenario's pace (first, interval); a full
// batch runs at nearly half of it. Throughput (b streams over wait(b))
// still rises up to Capacity, then stays flat while latency climbs:
// the knee a capacity sweep looks for.
//
// The pause is a stall of the whole server, once, as a garbage-collection
// pause, a failover or a model swap makes one: from PauseAfter after the
// first request arrived, for Pause, no stream writes a token. A token
// due during it comes when it ends, and every wait running when it began
// ends Pause later.
//
// A nil *batch has no capacity and no pause: it admits every request and
// leaves every wait as it is.
//
// Invariants: a stream holds at most one slot, from admit until leave;
// admit returns false, holding none, when the request's context ends or
// the server shuts down while it queues.
type batch struct {
	slots      chan struct{} // a token per stream in the batch; nil: no capacity
	size       int
	pauseFor   time.Duration
	pauseAfter time.Duration

	once    sync.Once
	pauseAt time.Time // the pause's start, set by the first request
}

// newBatch returns the batch of a server with capacity slots (0: no
// limit) that pauses once for pauseFor (0: never); nil when it does
// neither.
func newBatch(capacity int, pauseFor, pauseAfter time.Duration) *batch {
	if capacity <= 0 && pauseFor <= 0 {
		return nil
	}
	b := &batch{size: capacity, pauseFor: pauseFor, pauseAfter: pauseAfter}
	if capacity > 0 {
		b.slots = make(chan struct{}, capacity)
	}
	return b
}

// arrive notes a request's arrival: the first starts the pause's clock.
func (b *batch) arrive(now time.Time) {
	if b == nil || b.pauseFor <= 0 {
		return
	}
	b.once.Do(func() { b.pauseAt = now.Add(b.pauseAfter) })
}

// admit takes a slot in the batch, queueing while it is full; it reports
// false when ctx ends or shutdown closes first. It returns at once
// without a capacity.
func (b *batch) admit(ctx context.Context, shutdown <-chan struct{}) bool {
	if b == nil || b.slots == nil {
		return true
	}
	select {
	case b.slots <- struct{}{}:
		return true
	default:
	}
	select {
	case b.slots <- struct{}{}:
		return true
	case <-ctx.Done():
	case <-shutdown:
	}
	return false
}

// leave gives back the slot admit took.
func (b *batch) leave() {
	if b != nil && b.slots != nil {
		<-b.slots
	}
}

// active is how many streams the batch holds.
func (b *batch) active() int {
	if b == nil || b.slots == nil {
		return 0
	}
	return len(b.slots)
}

// pace turns a wait of d that begins at now into the wait the model
// makes: scaled by the batch's size, and pushed past the pause.
func (b *batch) pace(d time.Duration, now time.Time) time.Duration {
	if b == nil || d < 0 {
		return d
	}
	if n := b.active(); n > 1 {
		d += d * time.Duration(n-1) / time.Duration(b.size)
	}
	if b.pauseFor <= 0 || b.pauseAt.IsZero() {
		return d
	}
	start, end := b.pauseAt, b.pauseAt.Add(b.pauseFor)
	due := now.Add(d)
	switch {
	case !now.Before(end) || due.Before(start):
		return d // the pause is over, or comes after this wait
	case now.Before(start):
		return d + b.pauseFor // the wait runs into it: frozen for all of it
	}
	return end.Sub(now) + d // begun during it: starts when it ends
}

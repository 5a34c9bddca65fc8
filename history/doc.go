// Package history keeps tok's conversations in SQLite: every question
// and its answer, saved while the answer streams, so a crash, a Ctrl+C or
// a killed terminal keeps what arrived.
//
// A [Store] owns its file, its schema and its migrations; callers see
// verbs ([Store.Begin] and [Recorder] to save, [Store.List],
// [Store.Search], [Store.Load], [Store.Prompts], [Store.Delete],
// [Store.Rename], [Store.Backup], [Conversation.Markdown],
// [Conversation.JSON]) and never SQL.
//
// Invariants:
//   - The schema's version is PRAGMA user_version. [Open] migrates an
//     older file forward, each step in a transaction of its own, and
//     refuses a newer one ([ErrNewerSchema]) rather than guess at it.
//   - Writes take the database's write lock at once (BEGIN IMMEDIATE)
//     and wait for it up to a busy timeout, and the journal is a WAL: two
//     tok processes saving at the same moment both succeed.
//   - Nothing secret is stored: the endpoint is kept as a label and
//     addresses passed through client.RedactURL by the caller; no key, no
//     header value.
//   - A turn is inserted when it is asked, and its answer appended in
//     parts while it streams, each written and indexed once (see
//     [Recorder]); a turn whose process died mid-answer stays with
//     ending [EndStreaming] and the text saved by then.
package history

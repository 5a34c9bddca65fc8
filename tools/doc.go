// Package tools runs the tools a model calls: it owns the MCP servers
// (Model Context Protocol, through the official Go SDK) that offer them,
// from start to close, and the approval policy that says which calls may
// run. A [Runner] is the [client.ToolRunner] of [client.Client.ChatTools]:
// the stream loop asks it to run a round of calls and gets one result per
// call, in the calls' order; the chat only draws the [Prompt]s the runner
// asks and hands back the user's [Answer].
//
// Servers start in parallel, on the first use (or [Runner.Start]); the
// first use waits for them up to each one's start-up timeout, and a
// server that fails is reported ([Runner.Status]) and left out while the
// others serve. A server's process lives until [Runner.Close], across
// calls and answers: a call stopped or timed out is cancelled through
// MCP's notifications/cancelled, and the process stays for the next.
//
// Names. A tool is offered to the model under its own name when no other
// server offers one of that name, else as SERVER_TOOL; either way made of
// the letters, digits, _ and - every API takes, at most 64 bytes.
//
// Approval. A call runs without asking when its tool is allowed: by
// [Config.YesAll], by [Config.Yes] (the tool's offered or own name), by
// its server's [Server.Allow] (own names), or by an answer earlier in the
// runner's life ([AllowConversation], [AllowAlways]). Otherwise, with
// [Config.Ask] the runner asks through [Runner.Prompts] and waits; without
// it the call is denied at once, and the denial ([Config.Unasked]) is the
// result the model reads, so the answer goes on. Calls whose arguments are
// not a JSON object, or that name no tool, are answered with an error
// result the model can correct, and ask nothing.
package tools

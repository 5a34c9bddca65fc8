module github.com/tokcli/tok/bench/framing

go 1.26.0

require github.com/tokcli/tok v0.0.0

require github.com/coder/websocket v1.8.15 // indirect

require (
	github.com/tmaxmax/go-sse v0.12.0
	github.com/valyala/fastjson v1.6.10 // indirect
)

replace github.com/tokcli/tok => ../..

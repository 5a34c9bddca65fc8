package server

import "net/http"

// vercelDialect is a stub until its encoder lands.
var vercelDialect = &dialect{
	name: "vercel",
	parse: func(*http.Request, []byte) (chatRequest, *apiError) {
		return chatRequest{}, &apiError{http.StatusNotImplemented, "not_implemented", "not implemented yet"}
	},
	writeError: writeTokError,
}

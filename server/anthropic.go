package server

import "net/http"

// anthropicDialect is a stub until its encoder lands.
var anthropicDialect = &dialect{
	name: "anthropic",
	parse: func(*http.Request, []byte) (chatRequest, *apiError) {
		return chatRequest{}, &apiError{http.StatusNotImplemented, "not_implemented", "not implemented yet"}
	},
	writeError: writeTokError,
}

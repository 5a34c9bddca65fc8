package server

import "net/http"

// openAIDialect is a stub until its encoder lands.
var openAIDialect = &dialect{
	name: "openai",
	parse: func(*http.Request, []byte) (chatRequest, *apiError) {
		return chatRequest{}, &apiError{http.StatusNotImplemented, "not_implemented", "not implemented yet"}
	},
	writeError: writeTokError,
}

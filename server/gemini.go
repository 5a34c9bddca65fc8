package server

import "net/http"

// geminiDialect is a stub until its encoder lands.
var geminiDialect = &dialect{
	name: "gemini",
	parse: func(*http.Request, []byte) (chatRequest, *apiError) {
		return chatRequest{}, &apiError{http.StatusNotImplemented, "not_implemented", "not implemented yet"}
	},
	writeError: writeTokError,
}

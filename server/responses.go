package server

import "net/http"

// responsesDialect is a stub until its encoder lands.
var responsesDialect = &dialect{
	name: "responses",
	parse: func(*http.Request, []byte) (chatRequest, *apiError) {
		return chatRequest{}, &apiError{http.StatusNotImplemented, "not_implemented", "not implemented yet"}
	},
	writeError: writeTokError,
}

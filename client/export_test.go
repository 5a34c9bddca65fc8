package client

import "time"

// ExportGatewayLimit is gatewayLimit, for the external tests.
func ExportGatewayLimit(d time.Duration) string {
	s, _ := gatewayLimit(d)
	return s
}

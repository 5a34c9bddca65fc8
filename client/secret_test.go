package client_test

import (
	"strings"
	"testing"

	"github.com/tokcli/tok/client"
)

func TestIsSecretName(t *testing.T) {
	t.Parallel()
	secret := []string{"Authorization", "Proxy-Authorization", "x-api-key", "X-Goog-Api-Key", "api-key", "Cookie",
		"Set-Cookie", "X-Auth-Token", "X-Session-Token", "Private-Token", "X-Access-Token", "X-Custom-Token",
		"key", "apikey", "api_key", "auth", "access_token", "token", "X-Amz-Signature", "X-Amz-Credential",
		"X-Amz-Security-Token", "sig", "SIG", "password", "passwd", "client_secret", "sessionid", "sid", "pwd",
		"X-JWT-Assertion", "token_type_hints_token"}
	public := []string{"Content-Type", "Accept", "X-Team", "X-Tok-Scenario", "model", "alt", "max_tokens",
		"x-ratelimit-remaining-tokens", "anthropic-ratelimit-tokens-limit", "WWW-Authenticate",
		"Proxy-Authenticate", "Access-Control-Allow-Headers", "signal", "design", ""}
	for _, n := range secret {
		if !client.IsSecretName(n) {
			t.Errorf("IsSecretName(%q) = false, want true", n)
		}
	}
	for _, n := range public {
		if client.IsSecretName(n) {
			t.Errorf("IsSecretName(%q) = true, want false", n)
		}
	}
}

func TestRedactShowsAtMostFourCharactersOfALongSecret(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"sk-ant-api03-0123456789abcdef", "sk-a…(redacted)"},
		{"Bearer sk-ant-api03-0123456789abcdef", "Bearer sk-a…(redacted)"},
		{"Bearer sk-secret-456", "Bearer …(redacted)"}, // 13 characters: four would be a third
		{"0123456789abcde", "…(redacted)"},
		{"0123456789abcdef", "0123…(redacted)"},
		{"abc", "…(redacted)"},
		{"", "…(redacted)"},
		{"Basic dXNlcjpwYXNzd29yZC0xMjM0NTY=", "Basic dXNl…(redacted)"},
		{"my secret phrase with spaces in it", "my s…(redacted)"}, // "my" is no scheme, yet a short word: still only four
		{"ééééééééééééééééé", "éééé…(redacted)"},                  // runes, not bytes
	}
	for _, tt := range tests {
		if got := client.Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"https://g.example/v1?key=AIzaSECRET&alt=sse", "https://g.example/v1?key=REDACTED&alt=sse"},
		{"https://h/p?alt=sse&api-key=S1&auth=S2&access_token=S3&sig=S4&X-Amz-Signature=S5&max_tokens=9",
			"https://h/p?alt=sse&api-key=REDACTED&auth=REDACTED&access_token=REDACTED&sig=REDACTED&X-Amz-Signature=REDACTED&max_tokens=9"},
		{"https://h/p?api%2Dkey=S1", "https://h/p?api%2Dkey=REDACTED"},
		{"https://user:hunter2@h/p", "https://user:xxxxx@h/p"},
		{"https://ghp_TOKEN123@h/p", "https://REDACTED@h/p"},
		{"http://localhost:8080/api/chat/stream", "http://localhost:8080/api/chat/stream"},
		{"https://h/p?key", "https://h/p?key"},
		{"https://us er:pw@h%zz/p?key=SECRET", "https://REDACTED@h%zz/p?key=REDACTED"}, // url.Parse refuses it
		{"", ""},
	}
	for _, tt := range tests {
		if got := client.RedactURL(tt.in); got != tt.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestScrubReplacesSecretsOfFourCharactersOrMoreWhole(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text, secret, want string
	}{
		{"long key", "Incorrect API key provided: sk-proj-0123456789abcdef.", "sk-proj-0123456789abcdef",
			"Incorrect API key provided: [redacted]."},
		{"short key", "bad key abcd1234 given", "abcd1234", "bad key [redacted] given"},
		{"four characters", "key k3y! refused", "k3y!", "key [redacted] refused"},
		{"three characters stay: no telling them from text", "key abc refused", "abc", "key abc refused"},
		{"escaped in JSON", `{"detail":"key ab\/cd\/ef\/gh\/ij\/kl refused"}`, "ab/cd/ef/gh/ij/kl", `{"detail":"key [redacted] refused"}`},
		{"escaped in a URL", "GET /v1?key=a%2Bb%2Bc%2Bd failed", "a+b+c+d", "GET /v1?key=[redacted] failed"},
		{"no secret", "nothing here", "", "nothing here"},
	}
	for _, tt := range tests {
		if got := client.Scrub(tt.text, tt.secret); got != tt.want {
			t.Errorf("%s: Scrub(%q, %q) = %q, want %q", tt.name, tt.text, tt.secret, got, tt.want)
		}
	}
	if got := client.Scrub("a sk-0123456789abcdef-1 b", "sk-0123456789abcdef", "sk-0123456789abcdef-1"); strings.Contains(got, "-1") {
		t.Errorf("Scrub with a secret inside another = %q, want the longer one replaced whole", got)
	}
}

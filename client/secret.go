package client

import (
	"net/url"
	"slices"
	"strings"
)

// IsSecretName reports whether a header, a URL query parameter or a config
// key called name holds a credential. It is tok's one rule for secrets:
// such a value is never printed whole (-v, errors, tok config show) and
// never follows a redirect to another host.
//
// It matches, ignoring case, a name that contains auth, key, token,
// secret, session, cookie, passw(or)d, credential, signature or jwt, and
// the short names sig, sid, pass, pwd and pw. Names that hold no secret
// although they contain such a word are not matched: counts of tokens
// (max_tokens, x-ratelimit-remaining-tokens), the challenges
// WWW-Authenticate and Proxy-Authenticate, and the Access-Control-*
// headers, which only list names.
func IsSecretName(name string) bool {
	n := strings.ToLower(name)
	switch {
	case slices.Contains(secretNames, n):
		return true
	case strings.HasPrefix(n, "access-control-") || strings.HasSuffix(n, "-authenticate"):
		return false
	}
	for _, part := range secretParts {
		for i := strings.Index(n, part); i >= 0; {
			end := i + len(part)
			if part != "token" || end == len(n) || n[end] != 's' { // tokens are counted, a token is a secret
				return true
			}
			j := strings.Index(n[end:], part)
			if j < 0 {
				break
			}
			i = end + j
		}
	}
	return false
}

var (
	secretParts = []string{"auth", "key", "token", "secret", "session", "cookie", "passw", "credential", "signature", "jwt"}
	secretNames = []string{"sig", "sid", "pass", "pwd", "pw"}
)

// hintMin is the shortest secret [Redact] shows the start of: four
// characters of a shorter one would be a quarter of it or more.
const hintMin = 16

// Redact returns a hint of the secret v, to print in its place: the
// scheme of an Authorization value and, of a secret of 16 characters or
// more, its first four ("Bearer sk-a…(redacted)"). A shorter secret shows
// none of itself ("Bearer …(redacted)").
func Redact(v string) string {
	scheme, rest, ok := strings.Cut(v, " ")
	if !ok || !isScheme(scheme) {
		scheme, rest = "", v
	} else {
		scheme += " "
	}
	hint := ""
	if r := []rune(rest); len(r) >= hintMin {
		hint = string(r[:4])
	}
	return scheme + hint + "…(redacted)"
}

// isScheme reports whether s is an HTTP auth scheme (Bearer, Basic,
// Token, …), which Redact shows whole: any other first word of a secret
// is part of the secret.
func isScheme(s string) bool {
	return slices.Contains(authSchemes, strings.ToLower(s))
}

// authSchemes are the schemes of the IANA registry and the common
// unregistered ones, in lower case.
var authSchemes = []string{"basic", "bearer", "digest", "dpop", "hoba", "mutual", "negotiate", "ntlm",
	"privatetoken", "scram-sha-1", "scram-sha-256", "vapid", "token", "apikey", "key", "aws4-hmac-sha256", "sso-key"}

// RedactURL returns raw with its credentials replaced, for errors and
// debug output: the values of the query parameters [IsSecretName] matches
// become REDACTED, a password xxxxx, and a user name given without a
// password (a token, as in https://TOKEN@host) REDACTED. The rest keeps
// its order and encoding. A raw that does not parse as a URL is redacted
// as well as its shape allows.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return redactRawURL(raw)
	}
	if u.User != nil {
		if _, ok := u.User.Password(); !ok {
			u.User = url.User("REDACTED")
		}
	}
	u.RawQuery = redactQuery(u.RawQuery)
	return u.Redacted()
}

// redactRawURL is RedactURL for a string url.Parse refuses: it drops
// whatever stands before an @ in the authority and redacts the query.
func redactRawURL(raw string) string {
	s, frag, hasFrag := strings.Cut(raw, "#")
	s, query, hasQuery := strings.Cut(s, "?")
	if scheme, rest, ok := strings.Cut(s, "://"); ok {
		authority, path := rest, ""
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			authority, path = rest[:i], rest[i:]
		}
		if i := strings.LastIndex(authority, "@"); i >= 0 {
			authority = "REDACTED@" + authority[i+1:]
		}
		s = scheme + "://" + authority + path
	}
	if hasQuery {
		s += "?" + redactQuery(query)
	}
	if hasFrag {
		s += "#" + frag
	}
	return s
}

// redactQuery replaces the values of secret parameters in a raw query,
// keeping the others as they were written.
func redactQuery(q string) string {
	if q == "" {
		return q
	}
	parts := strings.Split(q, "&")
	for i, p := range parts {
		k, _, hasValue := strings.Cut(p, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if hasValue && IsSecretName(name) {
			parts[i] = k + "=REDACTED"
		}
	}
	return strings.Join(parts, "&")
}

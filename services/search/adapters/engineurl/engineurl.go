// Package engineurl reads SEARCH_URL for the HTTP search engines (elastic,
// meili): the scheme names the engine and says http or https, the path
// names the index, and credentials never ride in the URL.
package engineurl

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Parse returns the engine's base URL (scheme http or https, no path) and
// the index: index when given (the URL's path must then agree), else the
// URL's path, else def. httpSchemes and httpsSchemes are the schemes that
// mean plain and TLS HTTP for this engine; errors start with engine.
func Parse(engine, raw, index, def string, httpSchemes, httpsSchemes []string) (*url.URL, string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, "", fmt.Errorf("%s: url: %w", engine, err)
	}
	switch s := strings.ToLower(u.Scheme); {
	case slices.Contains(httpSchemes, s):
		u.Scheme = "http"
	case slices.Contains(httpsSchemes, s):
		u.Scheme = "https"
	default:
		return nil, "", fmt.Errorf("%s: url %q: scheme must be one of %s", engine, u.Redacted(), strings.Join(append(slices.Clone(httpSchemes), httpsSchemes...), ", "))
	}
	if u.User != nil {
		return nil, "", fmt.Errorf("%s: url %q: put credentials in the key (SEARCH_API_KEY), not in the URL", engine, u.Redacted())
	}
	if u.Host == "" {
		return nil, "", fmt.Errorf("%s: url %q: no host", engine, u.Redacted())
	}
	if p := strings.Trim(u.Path, "/"); p != "" {
		if index != "" && index != p {
			return nil, "", fmt.Errorf("%s: url %q names index %q, the caller %q", engine, u.Redacted(), p, index)
		}
		index = p
	}
	if index == "" {
		index = def
	}
	u.Path, u.RawPath, u.RawQuery, u.Fragment = "", "", "", ""
	return u, index, nil
}

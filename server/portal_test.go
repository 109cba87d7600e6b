package server

import (
	"net/http"
	"strings"
	"testing"
)

// TestPortalMounted: palisade serve serves the portal under /portal/, and a browser opening the
// server's address is sent there.
func TestPortalMounted(t *testing.T) {
	r := startServer(t)
	hc := &http.Client{Transport: r.hc.Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest(http.MethodGet, r.URL()+"/", nil)
	req.Header.Set("Accept", "text/html")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/portal/" {
		t.Fatalf("GET / from a browser: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, err = r.hc.Get(r.URL() + "/portal/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Request.URL.Path, "/portal/") {
		t.Errorf("GET /portal/: %d at %s", resp.StatusCode, resp.Request.URL)
	}
}

package cli

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const (
	serveTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	serveClient = "11111111-2222-3333-4444-555555555555"
	serveSecret = "serve-test-secret-0123456789abcdefghij"
)

// startServe runs `palisade serve` in-process until the test ends and
// returns its base URL.
func startServe(t *testing.T, args ...string) (url string, out *syncBuffer) {
	t.Helper()
	t.Setenv("PALISADE_TENANT_ID", serveTenant)
	t.Setenv("PALISADE_ADMIN_CLIENT_ID", serveClient)
	t.Setenv("PALISADE_ADMIN_CLIENT_SECRET", serveSecret)
	t.Setenv("PALISADE_ADMIN_PASSWORD", "a long enough password for tests")
	out = &syncBuffer{}
	root := NewRoot()
	root.SetArgs(append([]string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, args...))
	root.SetOut(out)
	root.SetErr(out)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop after cancellation")
		}
	})
	re := regexp.MustCompile(`Listening on (\S+)`)
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1], out
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended early: %v\n%s", err, out)
		default:
		}
	}
	t.Fatalf("serve did not start:\n%s", out)
	return "", nil
}

func TestServeCommand(t *testing.T) {
	url, out := startServe(t, "--locations", "West Europe,North Europe")
	for _, want := range []string{"Tenant id:                  " + serveTenant, "AZURE_CLIENT_ID=" + serveClient} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	resp, err := http.Get(url + "/subscriptions?api-version=2022-12-01")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("anonymous call: %d", resp.StatusCode)
	}
}

func TestServeRefusesPlainHTTPOffLoopback(t *testing.T) {
	var out bytes.Buffer
	code := Main([]string{"serve", "--addr", "0.0.0.0:0", "--data", t.TempDir()}, &out, &out)
	if code != 1 || !strings.Contains(out.String(), "loopback") {
		t.Errorf("exit %d:\n%s", code, out.String())
	}
}

func TestServeFlagsParse(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Duration
		bad  bool
	}{{"90d", 90 * 24 * time.Hour, false}, {"720h", 720 * time.Hour, false}, {"0d", 0, true}, {"soon", 0, true}} {
		got, err := parseRetention(tt.in)
		if (err != nil) != tt.bad || got != tt.want {
			t.Errorf("parseRetention(%q) = %v, %v", tt.in, got, err)
		}
	}
	iss, err := parseTrustedIssuer("https://idp.example/realms/x=api://palisade,https://management.core.windows.net/;oid=sub,upn=email")
	if err != nil || iss.IssuerURL != "https://idp.example/realms/x" || len(iss.Audiences) != 2 || iss.ClaimMap["upn"] != "email" {
		t.Errorf("parseTrustedIssuer = %+v, %v", iss, err)
	}
	for _, bad := range []string{"idp.example=aud", "https://idp.example", "https://idp.example=aud;oid"} {
		if _, err := parseTrustedIssuer(bad); err == nil {
			t.Errorf("parseTrustedIssuer(%q) accepted", bad)
		}
	}
}

// --debug-addr serves the profiler on loopback only.
func TestServeDebugLoopbackOnly(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := serveDebug(ctx, "0.0.0.0:0", slog.Default()); err == nil || !strings.Contains(err.Error(), "not a loopback address") {
		t.Errorf("0.0.0.0: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	if err := serveDebug(ctx, addr, slog.Default()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr + "/debug/pprof/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("cmdline: %d", resp.StatusCode)
	}
}

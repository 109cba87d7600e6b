package cli

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/palisade/palisade/identity"
	"github.com/palisade/palisade/server"
)

// Fixed bootstrap values of the test server (the PALISADE_* settings of
// `palisade serve`).
const (
	tTenant   = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	tSub      = "00000000-0000-0000-0000-00000000c11e"
	tClientID = "11111111-2222-3333-4444-555555555555"
	tSecret   = "test-secret-for-the-administrator-sp-0123456789"
	tPassword = "correct horse battery staple"
	// tTOTP is the administrator's TOTP seed (base32).
	tTOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
)

// testServer is a Palisade server on a free loopback port with a temp data
// folder, stopped when the test ends.
type testServer struct {
	*server.Server
	out   *bytes.Buffer
	clock *testClock
}

// testClock is real time plus an offset the test moves forward, so that
// every TOTP code a test uses falls in a fresh 30-second step (the server
// refuses a step used before).
type testClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// nextCode moves the clock to the next step and returns the
// administrator's TOTP code for it.
func (s *testServer) nextCode(t *testing.T) string {
	t.Helper()
	s.clock.mu.Lock()
	s.clock.offset += 30 * time.Second
	s.clock.mu.Unlock()
	code, err := totp.GenerateCode(tTOTP, s.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func startTestServer(t *testing.T, beforeRun ...func(*server.Server)) *testServer {
	t.Helper()
	return startTestServerAt(t, t.TempDir(), beforeRun...)
}

// startTestServerAt runs a server on the data folder dir; beforeRun hooks
// may register handlers on it first.
func startTestServerAt(t *testing.T, dir string, beforeRun ...func(*server.Server)) *testServer {
	t.Helper()
	return startConfigured(t, dir, nil, beforeRun...)
}

// startConfigured runs a server on dir after mod has changed its
// configuration.
func startConfigured(t *testing.T, dir string, mod func(*server.Config), beforeRun ...func(*server.Server)) *testServer {
	t.Helper()
	out := &bytes.Buffer{}
	clk := &testClock{}
	cfg := server.Config{Now: clk.Now,
		Addr: "127.0.0.1:0", DataDir: dir,
		TenantID: tTenant, SubscriptionID: tSub, AdminClientID: tClientID, AdminClientSecret: tSecret,
		AdminPassword: tPassword, AdminTOTPSecret: tTOTP,
		Argon2: identity.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1}, Out: out,
		ShutdownTimeout: 5 * time.Second,
	}
	if mod != nil {
		mod(&cfg)
	}
	s, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range beforeRun {
		h(s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server Run: %v", err)
		}
	})
	return &testServer{Server: s, out: out, clock: clk}
}

// cliEnv points the CLI's configuration folder at a temp dir and clears the
// environment the CLI reads, so that the test never touches the user's own
// profile.
func cliEnv(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("PALISADE_CONFIG_DIR", "")
	t.Setenv(ServerEnv, "")
	t.Setenv(CAFileEnv, "")
	return dir
}

// terminalMu serialises tests that replace the terminal hooks.
var terminalMu sync.Mutex

// withTerminal makes the CLI believe a person is at a terminal typing
// input, until the returned function (or the end of the test) restores it.
func withTerminal(t *testing.T, input string) (restore func()) {
	t.Helper()
	terminalMu.Lock()
	oldIn, oldInter := stdin, interactive
	stdin = strings.NewReader(input)
	interactive = func() bool { return true }
	var once sync.Once
	restore = func() {
		once.Do(func() {
			stdin, interactive = oldIn, oldInter
			terminalMu.Unlock()
		})
	}
	t.Cleanup(restore)
	return restore
}

// runResult is one CLI run.
type runResult struct {
	code           int
	stdout, stderr string
}

// pal calls Main in-process, as the palisade binary would.
func pal(t *testing.T, args ...string) runResult {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, &out, &errb)
	return runResult{code: code, stdout: out.String(), stderr: errb.String()}
}

// mustRun runs and fails the test unless the exit code is 0.
func mustRun(t *testing.T, args ...string) runResult {
	t.Helper()
	r := pal(t, args...)
	if r.code != 0 {
		t.Fatalf("palisade %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

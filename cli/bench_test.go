package cli

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(n ...int) []time.Duration {
		out := make([]time.Duration, len(n))
		for i, v := range n {
			out[i] = time.Duration(v) * time.Millisecond
		}
		return out
	}
	cases := []struct {
		in   []time.Duration
		q    float64
		want time.Duration
	}{
		{nil, 0.5, 0},
		{ms(7), 0.99, 7 * time.Millisecond},
		{ms(1, 2, 3, 4), 0.5, 2 * time.Millisecond},
		{ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 0.95, 10 * time.Millisecond},
		{ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 0.5, 5 * time.Millisecond},
	}
	for _, c := range cases {
		if got := percentile(c.in, c.q); got != c.want {
			t.Errorf("percentile(%v, %v) = %v, want %v", c.in, c.q, got, c.want)
		}
	}
}

// The load tool signs in with client credentials, writes and reads, and
// reports both phases without errors.
func TestBenchAgainstServer(t *testing.T) {
	url, _ := startServe(t)
	var out syncBuffer
	err := runBench(context.Background(), benchOptions{server: url, tenant: serveTenant, clientID: serveClient,
		clientSecret: serveSecret, group: "bench", clients: 4, names: 50, duration: 500 * time.Millisecond, ops: "put,get"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[1], "PUT") || !strings.HasPrefix(lines[2], "GET") {
		t.Fatalf("output:\n%s", out.String())
	}
	for _, l := range lines[1:] {
		if !strings.Contains(l, "errors 0") || strings.Contains(l, " 0 requests") {
			t.Errorf("phase line %q", l)
		}
	}
	err = runBench(context.Background(), benchOptions{server: url, clients: 1, names: 1, duration: time.Second, ops: "put"}, &out)
	if err == nil || !strings.Contains(err.Error(), "--token") {
		t.Errorf("missing credentials: %v", err)
	}
}

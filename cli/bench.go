package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/palisade/palisade/server"
)

// benchAPIVersion is the Microsoft.Resources version the load tool sends.
const benchAPIVersion = "2025-04-01"

type benchOptions struct {
	server, token, tenant, clientID, clientSecret, caFile string
	subscription, group                                   string
	clients, names                                        int
	duration                                              time.Duration
	ops                                                   string
}

func newBenchCommand() *cobra.Command {
	var o benchOptions
	c := &cobra.Command{
		Use:   "bench",
		Short: "Measure a Palisade server: resource PUT and GET throughput and latency over HTTP",
		Long: `Measure a running server with N concurrent clients: first PUTs of generic resources for
--duration, then GETs of the resources written, printing requests per second and the 50th, 95th and
99th percentile latencies. Authenticate with --token, or with service-principal credentials
(--tenant, --client-id, --client-secret, as printed by the first 'palisade serve').`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runBench(c.Context(), o, stdoutOf(c))
		},
	}
	f := c.Flags()
	f.StringVar(&o.server, "server", "http://"+server.DefaultAddr, "server base `URL`")
	f.StringVar(&o.token, "token", "", "bearer `TOKEN` (instead of client credentials)")
	f.StringVar(&o.tenant, "tenant", "", "tenant `ID` for client credentials")
	f.StringVar(&o.clientID, "client-id", "", "service principal application `ID`")
	f.StringVar(&o.clientSecret, "client-secret", "", "service principal `SECRET`")
	f.StringVar(&o.caFile, "ca", "", "PEM `FILE` of the CA to trust (e.g. DATA/tls/ca.pem)")
	f.StringVar(&o.subscription, "subscription", "", "subscription `ID` (default: the first one listed)")
	f.StringVar(&o.group, "resource-group", "palisade-bench", "resource group to create and write into")
	f.IntVar(&o.clients, "clients", 32, "concurrent clients")
	f.IntVar(&o.names, "names", 2000, "distinct resource names per client (later PUTs replace)")
	f.DurationVar(&o.duration, "duration", 10*time.Second, "duration of each phase")
	f.StringVar(&o.ops, "ops", "put,get", "phases to run, comma-separated: put, get")
	return c
}

// benchResult summarises one phase.
type benchResult struct {
	Op              string
	Requests, Fails int
	Elapsed         time.Duration
	P50, P95, P99   time.Duration
	FirstError      string
}

// String formats the phase as one line: requests, throughput, latency
// percentiles and errors.
func (r benchResult) String() string {
	s := fmt.Sprintf("%-4s %8d requests in %5.1fs  %9.0f req/s  p50 %6.2fms  p95 %6.2fms  p99 %6.2fms  errors %d",
		r.Op, r.Requests, r.Elapsed.Seconds(), float64(r.Requests)/r.Elapsed.Seconds(),
		ms(r.P50), ms(r.P95), ms(r.P99), r.Fails)
	if r.FirstError != "" {
		s += " (first: " + r.FirstError + ")"
	}
	return s
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func runBench(ctx context.Context, o benchOptions, out io.Writer) error {
	if o.clients <= 0 || o.names <= 0 || o.duration <= 0 {
		return usageErrorf("--clients, --names and --duration must be positive")
	}
	tr := &http.Transport{MaxIdleConns: o.clients * 2, MaxIdleConnsPerHost: o.clients * 2, IdleConnTimeout: time.Minute}
	if o.caFile != "" {
		pool, err := server.CertPool(o.caFile)
		if err != nil {
			return usageErrorf("--ca: %v", err)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	base := strings.TrimSuffix(o.server, "/")
	token := o.token
	if token == "" {
		if o.tenant == "" || o.clientID == "" || o.clientSecret == "" {
			return usageErrorf("give --token, or --tenant, --client-id and --client-secret")
		}
		var err error
		if token, err = clientCredentialsToken(ctx, hc, base, o.tenant, o.clientID, o.clientSecret); err != nil {
			return &ExitError{Code: 1, Err: err}
		}
	}
	b := &bencher{hc: hc, base: base, auth: "Bearer " + token}
	sub := o.subscription
	if sub == "" {
		var list struct {
			Value []struct {
				SubscriptionID string `json:"subscriptionId"`
			} `json:"value"`
		}
		if err := b.call(ctx, http.MethodGet, "/subscriptions", nil, &list); err != nil {
			return &ExitError{Code: 1, Err: err}
		}
		if len(list.Value) == 0 {
			return &ExitError{Code: 1, Err: errors.New("no subscription to write into")}
		}
		sub = list.Value[0].SubscriptionID
	}
	rg := "/subscriptions/" + sub + "/resourceGroups/" + o.group
	if err := b.call(ctx, http.MethodPut, rg, []byte(`{"location":"westeurope"}`), nil); err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	fmt.Fprintf(out, "server %s, %d clients, %s per phase\n", base, o.clients, o.duration)
	written := make([]int, o.clients) // per client: how many distinct names exist
	u, err := url.Parse(base)
	if err != nil {
		return usageErrorf("--server: %v", err)
	}
	query := "?api-version=" + benchAPIVersion
	paths := make([]string, o.clients) // per client: the resource path up to the name's number
	conns := make([]*benchConn, o.clients)
	for c := range conns {
		paths[c] = strings.TrimSuffix(u.Path, "/") + fmt.Sprintf("%s/providers/Contoso.Bench/widgets/c%d-", rg, c)
		if conns[c], err = newBenchConn(base, tr.TLSClientConfig, b.auth, 30*time.Second); err != nil {
			return usageErrorf("--server: %v", err)
		}
		defer conns[c].close()
	}
	for _, op := range strings.Split(o.ops, ",") {
		op = strings.TrimSpace(op)
		var r benchResult
		switch op {
		case "put":
			r = b.phase(ctx, "PUT", o, conns, func(ctx context.Context, c *benchConn, client, i int) error {
				n := i % o.names
				body := fmt.Appendf(nil, `{"location":"westeurope","tags":{"bench":"true","client":"%d"},"properties":{"size":%d,"tier":"standard","settings":{"enabled":true,"replicas":3}}}`, client, i)
				err := c.do(ctx, http.MethodPut, paths[client]+strconv.Itoa(n)+query, body)
				if err == nil && n+1 > written[client] {
					written[client] = n + 1
				}
				return err
			})
		case "get":
			for i := range written {
				if written[i] == 0 {
					// Seed one resource per client so a GET-only run has data.
					if err := b.call(ctx, http.MethodPut, fmt.Sprintf("%s/providers/Contoso.Bench/widgets/c%d-0", rg, i), []byte(`{"location":"westeurope"}`), nil); err != nil {
						return &ExitError{Code: 1, Err: err}
					}
					written[i] = 1
				}
			}
			r = b.phase(ctx, "GET", o, conns, func(ctx context.Context, c *benchConn, client, i int) error {
				return c.do(ctx, http.MethodGet, paths[client]+strconv.Itoa(i%written[client])+query, nil)
			})
		default:
			return usageErrorf("--ops: unknown phase %q", op)
		}
		fmt.Fprintln(out, r)
	}
	return nil
}

type bencher struct {
	hc   *http.Client
	base string
	auth string
}

// call sends one ARM request and decodes a JSON answer into v (when not nil).
func (b *bencher) call(ctx context.Context, method, path string, body []byte, v any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.base+path+"?api-version="+benchAPIVersion, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", b.auth)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := b.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, strings.TrimSpace(string(msg)))
	}
	if v != nil {
		return json.NewDecoder(resp.Body).Decode(v)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// phase runs fn from o.clients goroutines, each with its own connection, for o.duration and
// collects latencies.
func (b *bencher) phase(ctx context.Context, name string, o benchOptions, conns []*benchConn, fn func(ctx context.Context, c *benchConn, client, i int) error) benchResult {
	ctx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	lat := make([][]time.Duration, o.clients)
	fails := make([]int, o.clients)
	var firstErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for c := 0; c < o.clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				t0 := time.Now()
				err := fn(ctx, conns[c], c, i)
				if ctx.Err() != nil {
					return // cut off by the deadline: not counted
				}
				if err != nil {
					fails[c]++
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					continue
				}
				lat[c] = append(lat[c], time.Since(t0))
			}
		}(c)
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	r := benchResult{Op: name, Elapsed: elapsed}
	for c := range lat {
		all = append(all, lat[c]...)
		r.Fails += fails[c]
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	r.Requests = len(all)
	r.P50, r.P95, r.P99 = percentile(all, 0.50), percentile(all, 0.95), percentile(all, 0.99)
	if firstErr != nil {
		r.FirstError = firstErr.Error()
	}
	return r
}

// percentile returns the q-quantile of sorted durations (nearest rank).
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// clientCredentialsToken gets an ARM token from the server's built-in
// issuer with the client-credentials grant.
func clientCredentialsToken(ctx context.Context, hc *http.Client, base, tenant, clientID, secret string) (string, error) {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret},
		"scope": {"https://management.core.windows.net//.default"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/"+tenant+"/oauth2/v2.0/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("token request: %w", err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil {
		return "", fmt.Errorf("token response: %w", err)
	}
	if tok.AccessToken == "" {
		return "", fmt.Errorf("token request refused: %s %s", tok.Error, tok.Description)
	}
	return tok.AccessToken, nil
}

package cli

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// benchConn is one load-tool client: a single keep-alive HTTP/1.1 connection
// that sends one request at a time, as each of wrk's connections does.
// net/http's Transport is built for many callers sharing a pool (a reader
// and a writer goroutine per connection, channel hand-offs, pool locks);
// for a load tool that shares the machine with the server under test, that
// bookkeeping costs about as much CPU as the server's own work, so the
// phases speak HTTP/1.1 directly and parse answers with http.ReadResponse.
type benchConn struct {
	target  *url.URL
	tls     *tls.Config // nil for http
	host    string      // Host header
	auth    string      // Authorization header value
	timeout time.Duration

	c  net.Conn
	br *bufio.Reader
	bw *bufio.Writer
}

func newBenchConn(base string, tlsConfig *tls.Config, auth string, timeout time.Duration) (*benchConn, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("server URL: %w", err)
	}
	b := &benchConn{target: u, host: u.Host, auth: auth, timeout: timeout}
	switch u.Scheme {
	case "http":
	case "https":
		b.tls = tlsConfig
		if b.tls == nil {
			b.tls = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		b.tls = b.tls.Clone()
		b.tls.ServerName = u.Hostname()
	default:
		return nil, fmt.Errorf("server URL %q: scheme must be http or https", base)
	}
	return b, nil
}

// dial opens the connection (again, after the server closed it).
func (b *benchConn) dial(ctx context.Context) error {
	addr := b.target.Host
	if b.target.Port() == "" {
		addr = net.JoinHostPort(b.target.Hostname(), map[string]string{"http": "80", "https": "443"}[b.target.Scheme])
	}
	d := net.Dialer{Timeout: b.timeout}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	if b.tls != nil {
		tc := tls.Client(c, b.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			c.Close()
			return fmt.Errorf("TLS handshake: %w", err)
		}
		c = tc
	}
	b.c, b.br, b.bw = c, bufio.NewReaderSize(c, 16<<10), bufio.NewWriterSize(c, 16<<10)
	return nil
}

func (b *benchConn) close() {
	if b.c != nil {
		b.c.Close()
		b.c = nil
	}
}

// do sends one request for path (which carries its query) and reads the whole answer. An
// answer of 300 or more is an error naming the status and the start of the body.
func (b *benchConn) do(ctx context.Context, method, path string, body []byte) error {
	if b.c == nil {
		if err := b.dial(ctx); err != nil {
			return err
		}
	}
	// The phase's deadline is not the connection's: a request in flight when the phase ends
	// finishes and is left uncounted, rather than failing as a timeout.
	b.c.SetDeadline(time.Now().Add(b.timeout))
	w := b.bw
	w.WriteString(method)
	w.WriteByte(' ')
	w.WriteString(path)
	w.WriteString(" HTTP/1.1\r\nHost: ")
	w.WriteString(b.host)
	w.WriteString("\r\nAuthorization: ")
	w.WriteString(b.auth)
	w.WriteString("\r\nUser-Agent: palisade-bench\r\nAccept: application/json\r\n")
	if body != nil {
		w.WriteString("Content-Type: application/json\r\nContent-Length: ")
		w.WriteString(strconv.Itoa(len(body)))
		w.WriteString("\r\n")
	}
	w.WriteString("\r\n")
	w.Write(body)
	if err := w.Flush(); err != nil {
		b.close()
		return err
	}
	resp, err := http.ReadResponse(b.br, nil)
	if err != nil {
		b.close()
		return err
	}
	var msg []byte
	if resp.StatusCode >= 300 {
		msg, _ = io.ReadAll(io.LimitReader(resp.Body, 512))
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || resp.Close {
		b.close()
	}
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, strings.TrimSpace(string(msg)))
	}
	return err
}

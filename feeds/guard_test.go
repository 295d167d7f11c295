package feeds

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
)

func TestCheckAddr(t *testing.T) {
	tests := []struct {
		addr  string
		class string // "" for a public address
	}{
		// Public addresses, including the edges of refused ranges.
		{"8.8.8.8", ""},
		{"1.1.1.1", ""},
		{"93.184.216.34", ""},
		{"11.0.0.0", ""},
		{"9.255.255.255", ""},
		{"100.63.255.255", ""},
		{"100.128.0.0", ""},
		{"172.15.255.255", ""},
		{"172.32.0.0", ""},
		{"192.167.255.255", ""},
		{"192.169.0.0", ""},
		{"169.253.255.255", ""},
		{"169.255.0.0", ""},
		{"126.255.255.255", ""},
		{"128.0.0.0", ""},
		{"223.255.255.255", ""},
		{"168.63.129.15", ""},
		{"2606:4700:4700::1111", ""},
		{"2001:4860:4860::8888", ""},
		{"::ffff:8.8.8.8", ""},
		{"64:ff9b::808:808", ""},
		{"2002:808:808::1", ""},
		{"2000::1", ""},
		{"3ffe::1", ""},

		{"127.0.0.1", guardLoopback},
		{"127.0.0.2", guardLoopback},
		{"127.255.255.254", guardLoopback},
		{"::1", guardLoopback},
		{"::ffff:127.0.0.1", guardLoopback},
		{"64:ff9b::7f00:1", guardLoopback},
		{"2002:7f00:1::", guardLoopback},

		{"10.0.0.1", guardPrivate},
		{"10.255.255.255", guardPrivate},
		{"172.16.0.1", guardPrivate},
		{"172.31.255.255", guardPrivate},
		{"192.168.0.1", guardPrivate},
		{"192.168.255.255", guardPrivate},
		{"fc00::1", guardPrivate},
		{"fd12:3456:789a::1", guardPrivate},
		{"fec0::1", guardPrivate},
		{"::ffff:10.0.0.1", guardPrivate},
		{"::ffff:192.168.1.1", guardPrivate},
		{"64:ff9b::a00:1", guardPrivate},
		{"64:ff9b::c0a8:101", guardPrivate},
		{"64:ff9b:1::a00:1", guardPrivate},
		{"2002:c0a8:101::1", guardPrivate},

		{"169.254.0.1", guardLinkLocal},
		{"169.254.255.255", guardLinkLocal},
		{"fe80::1", guardLinkLocal},
		{"fe80::1%eth0", guardLinkLocal},
		{"febf:ffff::1", guardLinkLocal},
		{"::ffff:169.254.1.1", guardLinkLocal},

		{"100.64.0.1", guardCGNAT},
		{"100.127.255.255", guardCGNAT},
		{"::ffff:100.64.0.1", guardCGNAT},

		{"224.0.0.1", guardMulticast},
		{"239.255.255.250", guardMulticast},
		{"ff02::1", guardMulticast},
		{"ff05::1:3", guardMulticast},
		{"::ffff:224.0.0.251", guardMulticast},

		{"0.0.0.0", guardUnspecified},
		{"0.1.2.3", guardUnspecified},
		{"::", guardUnspecified},
		{"::ffff:0.0.0.0", guardUnspecified},

		{"255.255.255.255", guardBroadcast},
		{"::ffff:255.255.255.255", guardBroadcast},

		{"192.0.2.1", guardDocumentation},
		{"198.51.100.7", guardDocumentation},
		{"203.0.113.9", guardDocumentation},
		{"2001:db8::1", guardDocumentation},
		{"3fff::1", guardDocumentation},

		{"240.0.0.1", guardReserved},
		{"254.255.255.255", guardReserved},
		{"198.18.0.1", guardReserved},
		{"198.19.255.255", guardReserved},
		{"192.0.0.8", guardReserved},
		{"192.88.99.1", guardReserved},
		{"::1.2.3.4", guardReserved},
		{"100::1", guardReserved},
		{"fbff:ffff::1", guardReserved},
		{"4000::1", guardReserved},

		{"169.254.169.254", guardMetadata},
		{"::ffff:169.254.169.254", guardMetadata},
		{"64:ff9b::a9fe:a9fe", guardMetadata},
		{"169.254.170.2", guardMetadata},
		{"fd00:ec2::254", guardMetadata},
		{"100.100.100.200", guardMetadata},
		{"168.63.129.16", guardMetadata},
	}
	for _, tt := range tests {
		name := tt.addr + " is " + tt.class
		if tt.class == "" {
			name = tt.addr + " is public"
		}
		t.Run(name, func(t *testing.T) {
			ip := netip.MustParseAddr(tt.addr)
			err := CheckAddr(ip)
			if tt.class == "" {
				if err != nil {
					t.Fatalf("CheckAddr(%s) = %v, want nil", ip, err)
				}
				return
			}
			var ae *AddrError
			if !errors.As(err, &ae) {
				t.Fatalf("CheckAddr(%s) = %v, want an *AddrError", ip, err)
			}
			if ae.Class != tt.class {
				t.Errorf("CheckAddr(%s).Class = %q, want %q", ip, ae.Class, tt.class)
			}
			if !errors.Is(err, ErrRefused) {
				t.Errorf("CheckAddr(%s) = %v, does not match ErrRefused", ip, err)
			}
		})
	}
}

func TestCheckAddrMessage(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{CheckAddr(netip.MustParseAddr("169.254.169.254")), "refused: 169.254.169.254 is a cloud metadata address"},
		{CheckAddr(netip.MustParseAddr("169.254.1.1")), "refused: 169.254.1.1 is a link-local address"},
		{CheckAddr(netip.MustParseAddr("::ffff:127.0.0.1")), "refused: ::ffff:127.0.0.1 is a loopback address"},
		{CheckAddr(netip.MustParseAddr("10.1.2.3")), "refused: 10.1.2.3 is a private address"},
		{CheckAddr(netip.MustParseAddr("::")), "refused: :: is an unspecified address"},
		{CheckAddr(netip.MustParseAddr("100.64.1.1")), "refused: 100.64.1.1 is a CGNAT address"},
		{&AddrError{Host: "intranet.example", Addr: netip.MustParseAddr("10.0.0.7"), Class: guardPrivate},
			"refused: intranet.example resolves to 10.0.0.7, a private address"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

// countingServer is an httptest server on addr that counts the
// connections it accepted and the requests it served.
type countingServer struct {
	*httptest.Server
	conns    atomic.Int64
	requests atomic.Int64
}

func newCountingServer(t *testing.T, addr string, h http.Handler) *countingServer {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen %s: %v", addr, err)
	}
	cs := &countingServer{}
	cs.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cs.requests.Add(1)
		h.ServeHTTP(w, r)
	}))
	cs.Listener.Close()
	cs.Listener = l
	cs.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			cs.conns.Add(1)
		}
	}
	cs.Start()
	t.Cleanup(cs.Close)
	return cs
}

func (cs *countingServer) assertUntouched(t *testing.T) {
	t.Helper()
	if n := cs.conns.Load(); n != 0 {
		t.Errorf("server %s accepted %d connections, want 0", cs.URL, n)
	}
	if n := cs.requests.Load(); n != 0 {
		t.Errorf("server %s served %d requests, want 0", cs.URL, n)
	}
}

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write([]byte("ok " + r.Host))
})

// allowOnly is a check that treats one loopback address as public, so the
// guard can be tested end to end without leaving the machine.
func allowOnly(allowed netip.Addr) func(netip.Addr) error {
	return func(ip netip.Addr) error {
		if ip.Unmap() == allowed {
			return nil
		}
		return CheckAddr(ip)
	}
}

// mapHosts is a resolver over a fixed table; it never touches DNS.
func mapHosts(table map[string][]netip.Addr) func(context.Context, string) ([]netip.Addr, error) {
	return func(_ context.Context, host string) ([]netip.Addr, error) {
		if addrs, ok := table[host]; ok {
			return addrs, nil
		}
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
}

var (
	loopback1 = netip.MustParseAddr("127.0.0.1")
	loopback2 = netip.MustParseAddr("127.0.0.2")
)

func TestGuardRefusesLoopbackBeforeConnecting(t *testing.T) {
	srv := newCountingServer(t, "127.0.0.1:0", okHandler)
	f := NewFetcher(FetcherOptions{})
	t.Cleanup(f.CloseIdleConnections)

	_, err := f.Get(t.Context(), srv.URL+"/feed", Conditional{})
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("Get(%s) error = %v, want ErrRefused", srv.URL, err)
	}
	want := "fetch " + srv.URL + "/feed: refused: 127.0.0.1 is a loopback address"
	if err.Error() != want {
		t.Errorf("Get(%s) error = %q, want %q", srv.URL, err, want)
	}
	srv.assertUntouched(t)
}

func TestGuardAllowPrivateNetworks(t *testing.T) {
	srv := newCountingServer(t, "127.0.0.1:0", okHandler)
	f := NewFetcher(FetcherOptions{AllowPrivateNetworks: true})
	t.Cleanup(f.CloseIdleConnections)

	res, err := f.Get(t.Context(), srv.URL, Conditional{})
	if err != nil {
		t.Fatalf("Get(%s) with AllowPrivateNetworks: %v", srv.URL, err)
	}
	if !strings.HasPrefix(string(res.Body), "ok ") {
		t.Errorf("Get(%s).Body = %q, want the server's answer", srv.URL, res.Body)
	}
	if n := srv.requests.Load(); n != 1 {
		t.Errorf("server served %d requests, want 1", n)
	}
}

func TestGuardRedirectToRefusedAddress(t *testing.T) {
	inner := newCountingServer(t, "127.0.0.2:0", okHandler)
	outer := newCountingServer(t, "127.0.0.1:0", http.RedirectHandler(inner.URL+"/admin", http.StatusFound))
	f := NewFetcher(FetcherOptions{})
	f.dialer.check = allowOnly(loopback1)
	t.Cleanup(f.CloseIdleConnections)

	// The allowed server really is reachable through the guard...
	_, err := f.Get(t.Context(), outer.URL, Conditional{})
	if n := outer.requests.Load(); n != 1 {
		t.Fatalf("allowed server served %d requests, want 1 (err %v)", n, err)
	}
	// ...and its redirect to the refused one goes nowhere.
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("Get(%s) error = %v, want ErrRefused", outer.URL, err)
	}
	want := "fetch " + outer.URL + ": redirected to " + inner.URL + "/admin: refused: 127.0.0.2 is a loopback address"
	if err.Error() != want {
		t.Errorf("Get(%s) error = %q, want %q", outer.URL, err, want)
	}
	inner.assertUntouched(t)
}

func TestGuardResolvedNames(t *testing.T) {
	good := newCountingServer(t, "127.0.0.1:0", okHandler)
	evil := newCountingServer(t, "127.0.0.2:0", okHandler)
	_, goodPort, _ := net.SplitHostPort(good.Listener.Addr().String())
	_, evilPort, _ := net.SplitHostPort(evil.Listener.Addr().String())

	f := NewFetcher(FetcherOptions{})
	f.dialer.check = allowOnly(loopback1)
	f.dialer.lookup = mapHosts(map[string][]netip.Addr{
		"good.example":  {loopback1},
		"evil.example":  {loopback2},
		"mixed.example": {loopback1, loopback2},
		"v6.example":    {netip.MustParseAddr("::ffff:127.0.0.2")},
	})
	t.Cleanup(f.CloseIdleConnections)

	t.Run("name of an allowed address is dialled at that address", func(t *testing.T) {
		url := "http://good.example:" + goodPort + "/feed"
		res, err := f.Get(t.Context(), url, Conditional{})
		if err != nil {
			t.Fatalf("Get(%s): %v", url, err)
		}
		if want := "ok good.example:" + goodPort; string(res.Body) != want {
			t.Errorf("Get(%s).Body = %q, want %q", url, res.Body, want)
		}
	})
	refused := []struct {
		name, host, port, msg string
	}{
		{"name of a refused address", "evil.example", evilPort, "refused: evil.example resolves to 127.0.0.2, a loopback address"},
		{"name with one refused address among allowed ones", "mixed.example", goodPort, "refused: mixed.example resolves to 127.0.0.2, a loopback address"},
		{"name resolving to an IPv4-mapped refused address", "v6.example", evilPort, "refused: v6.example resolves to ::ffff:127.0.0.2, a loopback address"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			url := "http://" + tt.host + ":" + tt.port + "/feed"
			_, err := f.Get(t.Context(), url, Conditional{})
			if !errors.Is(err, ErrRefused) {
				t.Fatalf("Get(%s) error = %v, want ErrRefused", url, err)
			}
			if want := "fetch " + url + ": " + tt.msg; err.Error() != want {
				t.Errorf("Get(%s) error = %q, want %q", url, err, want)
			}
		})
	}
	t.Run("unknown name", func(t *testing.T) {
		_, err := f.Get(t.Context(), "http://nowhere.example/", Conditional{})
		var dnsErr *net.DNSError
		if !errors.As(err, &dnsErr) {
			t.Fatalf("Get(nowhere.example) error = %v, want a *net.DNSError", err)
		}
	})
	if n := good.requests.Load(); n != 1 {
		t.Errorf("allowed server served %d requests, want 1", n)
	}
	evil.assertUntouched(t)
}

func TestGuardSchemes(t *testing.T) {
	f := NewFetcher(FetcherOptions{AllowPrivateNetworks: true})
	tests := []struct {
		url, want string
	}{
		{"file:///etc/passwd", `fetch file:///etc/passwd: refused: scheme "file" is not http or https`},
		{"ftp://ftp.example.org/feed.xml", `fetch ftp://ftp.example.org/feed.xml: refused: scheme "ftp" is not http or https`},
		{"gopher://gopher.example.org/1", `fetch gopher://gopher.example.org/1: refused: scheme "gopher" is not http or https`},
		{"data:text/xml,<rss/>", `fetch data:text/xml,<rss/>: refused: scheme "data" is not http or https`},
		{"javascript:alert(1)", `fetch javascript:alert(1): refused: scheme "javascript" is not http or https`},
		{"unix:///var/run/docker.sock", `fetch unix:///var/run/docker.sock: refused: scheme "unix" is not http or https`},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			_, err := f.Get(t.Context(), tt.url, Conditional{})
			if !errors.Is(err, ErrRefused) {
				t.Fatalf("Get(%q) error = %v, want ErrRefused", tt.url, err)
			}
			if err.Error() != tt.want {
				t.Errorf("Get(%q) error = %q, want %q", tt.url, err, tt.want)
			}
		})
	}
}

func TestGuardRedirectToOtherScheme(t *testing.T) {
	srv := newCountingServer(t, "127.0.0.1:0", http.RedirectHandler("file:///etc/passwd", http.StatusFound))
	f := NewFetcher(FetcherOptions{AllowPrivateNetworks: true})
	t.Cleanup(f.CloseIdleConnections)

	_, err := f.Get(t.Context(), srv.URL, Conditional{})
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("Get(%s) error = %v, want ErrRefused", srv.URL, err)
	}
	if want := `refused: scheme "file" is not http or https`; !strings.Contains(err.Error(), want) {
		t.Errorf("Get(%s) error = %q, want it to contain %q", srv.URL, err, want)
	}
}

func TestGuardIgnoresProxyEnvironment(t *testing.T) {
	proxy := newCountingServer(t, "127.0.0.1:0", okHandler)
	target := newCountingServer(t, "127.0.0.1:0", okHandler)
	_, port, _ := net.SplitHostPort(target.Listener.Addr().String())
	// A name, not 127.0.0.1: the standard library never proxies loopback
	// addresses, so only a name shows whether the proxy is used.
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("http_proxy", proxy.URL)
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")

	f := NewFetcher(FetcherOptions{AllowPrivateNetworks: true})
	f.dialer.lookup = mapHosts(map[string][]netip.Addr{"feeds.example": {loopback1}})
	t.Cleanup(f.CloseIdleConnections)

	url := "http://feeds.example:" + port + "/"
	if _, err := f.Get(t.Context(), url, Conditional{}); err != nil {
		t.Fatalf("Get(%s): %v", url, err)
	}
	if n := target.requests.Load(); n != 1 {
		t.Errorf("target served %d requests, want 1", n)
	}
	proxy.assertUntouched(t)
}

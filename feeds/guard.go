package feeds

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrRefused is wrapped by every error of the outbound-HTTP guard: a URL
// whose scheme is not http or https, and an address that is not on the
// public internet. Test for it with errors.Is.
var ErrRefused = errors.New("refused")

// AddrError is the guard's refusal of an address.
type AddrError struct {
	// Host is the name that resolved to Addr; empty when the URL named
	// the address itself.
	Host string
	// Addr is the refused address, as resolved.
	Addr netip.Addr
	// Class names why: "loopback", "private", "link-local", "CGNAT",
	// "multicast", "unspecified", "broadcast", "documentation", "reserved"
	// or "cloud metadata".
	Class string
}

// Error reads like "refused: 169.254.169.254 is a cloud metadata address"
// or "refused: intranet.example resolves to 10.0.0.7, a private address".
func (e *AddrError) Error() string {
	if e.Host != "" && e.Host != e.Addr.String() {
		return fmt.Sprintf("refused: %s resolves to %s, %s %s address", e.Host, e.Addr, article(e.Class), e.Class)
	}
	return fmt.Sprintf("refused: %s is %s %s address", e.Addr, article(e.Class), e.Class)
}

// Is makes errors.Is(err, ErrRefused) true for an *AddrError.
func (e *AddrError) Is(target error) bool { return target == ErrRefused }

func article(word string) string {
	if word != "" && strings.ContainsRune("aeiouAEIOU", rune(word[0])) {
		return "an"
	}
	return "a"
}

// Address classes, in the words AddrError uses.
const (
	guardLoopback      = "loopback"
	guardPrivate       = "private"
	guardLinkLocal     = "link-local"
	guardCGNAT         = "CGNAT"
	guardMulticast     = "multicast"
	guardUnspecified   = "unspecified"
	guardBroadcast     = "broadcast"
	guardDocumentation = "documentation"
	guardReserved      = "reserved"
	guardMetadata      = "cloud metadata"
)

// guardMetadataAddrs are the instance-metadata endpoints of the big clouds.
// Most are link-local or private anyway; they are named so the refusal says
// what the request was really after. 168.63.129.16 (Azure's wire server) is
// a public address, so it needs the list.
var guardMetadataAddrs = map[netip.Addr]bool{
	netip.MustParseAddr("169.254.169.254"): true, // AWS, GCP, Azure, OCI, DigitalOcean
	netip.MustParseAddr("169.254.170.2"):   true, // AWS ECS task metadata
	netip.MustParseAddr("fd00:ec2::254"):   true, // AWS over IPv6
	netip.MustParseAddr("100.100.100.200"): true, // Alibaba Cloud
	netip.MustParseAddr("168.63.129.16"):   true, // Azure wire server
}

// guardPrefixes are the special-purpose ranges (IANA registries) that
// netip's predicates do not cover, with their class.
var guardPrefixes = []struct {
	prefix netip.Prefix
	class  string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), guardUnspecified}, // "this network"; Linux routes 0.x to the host
	{netip.MustParsePrefix("100.64.0.0/10"), guardCGNAT},
	{netip.MustParsePrefix("192.0.0.0/24"), guardReserved},
	{netip.MustParsePrefix("192.0.2.0/24"), guardDocumentation},
	{netip.MustParsePrefix("192.88.99.0/24"), guardReserved}, // former 6to4 relay anycast
	{netip.MustParsePrefix("198.18.0.0/15"), guardReserved},  // benchmarking
	{netip.MustParsePrefix("198.51.100.0/24"), guardDocumentation},
	{netip.MustParsePrefix("203.0.113.0/24"), guardDocumentation},
	{netip.MustParsePrefix("255.255.255.255/32"), guardBroadcast},
	{netip.MustParsePrefix("240.0.0.0/4"), guardReserved},
	{netip.MustParsePrefix("64:ff9b:1::/48"), guardPrivate}, // local-use NAT64
	{netip.MustParsePrefix("::/8"), guardReserved},          // IPv4-compatible and other unassigned forms
	{netip.MustParsePrefix("100::/64"), guardReserved},      // discard-only
	{netip.MustParsePrefix("2001:db8::/32"), guardDocumentation},
	{netip.MustParsePrefix("3fff::/20"), guardDocumentation},
	{netip.MustParsePrefix("fec0::/10"), guardPrivate}, // deprecated site-local
}

var (
	guardNAT64          = netip.MustParsePrefix("64:ff9b::/96")
	guardSixToFour      = netip.MustParsePrefix("2002::/16")
	guardGlobalUnicast6 = netip.MustParsePrefix("2000::/3")
)

// CheckAddr reports whether ip may be fetched from: nil for an address on
// the public internet, else an *AddrError naming the address's class. It
// sees through IPv4-mapped IPv6 (::ffff:127.0.0.1), NAT64 (64:ff9b::/96)
// and 6to4 (2002::/16) forms. It is pure; the Fetcher calls it on every
// address it is about to connect to.
func CheckAddr(ip netip.Addr) error {
	if class := guardClassify(ip); class != "" {
		return &AddrError{Addr: ip, Class: class}
	}
	return nil
}

// guardClassify returns the class of a non-public address, or "".
func guardClassify(ip netip.Addr) string {
	if !ip.IsValid() {
		return guardUnspecified
	}
	ip = ip.WithZone("")
	if guardMetadataAddrs[ip] {
		return guardMetadata
	}
	if ip.Is4In6() {
		return guardClassify(ip.Unmap())
	}
	switch {
	case ip.IsUnspecified():
		return guardUnspecified
	case ip.IsLoopback():
		return guardLoopback
	case ip.IsPrivate():
		return guardPrivate
	case ip.IsLinkLocalUnicast():
		return guardLinkLocal
	case ip.IsMulticast():
		return guardMulticast
	}
	if ip.Is6() {
		// Translation prefixes carry an IPv4 address that the gateway
		// connects to: judge the embedded address.
		b := ip.As16()
		if guardNAT64.Contains(ip) {
			return guardClassify(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
		}
		if guardSixToFour.Contains(ip) {
			return guardClassify(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
		}
	}
	for _, p := range guardPrefixes {
		if p.prefix.Contains(ip) {
			return p.class
		}
	}
	if ip.Is6() && !guardGlobalUnicast6.Contains(ip) && !guardNAT64.Contains(ip) {
		// Only 2000::/3 is allocated for global unicast.
		return guardReserved
	}
	return ""
}

// guardScheme refuses a URL that is not plain http or https with a host.
func guardScheme(u *url.URL) error {
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return nil
	case "":
		return fmt.Errorf("%w: no scheme: want an http:// or https:// URL", ErrRefused)
	}
	return fmt.Errorf("%w: scheme %q is not http or https", ErrRefused, u.Scheme)
}

// guardDialer connects only to addresses the check allows. It resolves the
// host itself, checks every address, and dials the checked address, so a
// DNS answer that changes between check and connect (rebinding) cannot get
// around it; redirects pass through it too. The net.Dialer's Control hook
// checks the address of the socket once more, just before connect.
type guardDialer struct {
	dialer net.Dialer
	// allowAll skips the address check (AllowPrivateNetworks).
	allowAll bool
	// check and lookup are fields so tests can allow one loopback address
	// and refuse another, and map names without DNS.
	check  func(netip.Addr) error
	lookup func(ctx context.Context, host string) ([]netip.Addr, error)
}

func newGuardDialer(connectTimeout time.Duration, allowAll bool) *guardDialer {
	g := &guardDialer{
		allowAll: allowAll,
		check:    CheckAddr,
		lookup: func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		},
	}
	g.dialer = net.Dialer{Timeout: connectTimeout, KeepAlive: 30 * time.Second}
	if !allowAll {
		g.dialer.Control = g.control
	}
	return g
}

// control runs on the raw socket before connect: the last word on the
// address actually dialled.
func (g *guardDialer) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot check address %q: %w", ErrRefused, address, err)
	}
	return g.check(ap.Addr())
}

// DialContext resolves, checks and dials; it has net.Dialer's signature
// so it can be http.Transport.DialContext.
func (g *guardDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{ip}
	} else {
		addrs, err = g.lookup(ctx, host)
		if err != nil {
			return nil, fmt.Errorf("resolve %s: %w", host, err)
		}
		if len(addrs) == 0 {
			return nil, fmt.Errorf("resolve %s: no addresses", host)
		}
	}
	if !g.allowAll {
		// One bad address refuses the name: a host that is partly
		// internal is not one to trust with a retry on another address.
		for _, a := range addrs {
			if err := g.check(a); err != nil {
				var ae *AddrError
				if errors.As(err, &ae) && host != a.String() {
					ae.Host = host
				}
				return nil, err
			}
		}
	}
	var firstErr error
	for _, a := range addrs {
		conn, err := g.dialer.DialContext(ctx, network, net.JoinHostPort(a.Unmap().String(), port))
		if err == nil {
			return conn, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, firstErr
}

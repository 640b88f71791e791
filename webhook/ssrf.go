package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// Policy says which URLs webhooks may reach.
type Policy struct {
	AllowPrivate bool // loopback, private, link-local and metadata addresses (tests)
	AllowHTTP    bool // plain http as well as https
}

// Timeout bounds one delivery: connecting, sending and reading the answer.
const Timeout = 10 * time.Second

// maxKept is how much of a response body is kept with a delivery.
const maxKept = 1024

// metadata are cloud metadata endpoints outside the ranges refused anyway.
var metadata = []netip.Prefix{
	netip.MustParsePrefix("fd00:ec2::254/128"),  // AWS over IPv6
	netip.MustParsePrefix("100.100.100.200/32"), // Alibaba Cloud
}

// refused says why a webhook may not connect to ip, or "".
func (p Policy) refused(ip netip.Addr) string {
	ip = ip.Unmap()
	if p.AllowPrivate {
		return ""
	}
	switch {
	case ip.IsLoopback():
		return "a loopback address"
	case ip.IsPrivate(), netip.MustParsePrefix("100.64.0.0/10").Contains(ip):
		return "a private address"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return "a link-local address (cloud metadata among them)"
	case ip.IsUnspecified(), ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		return "not a unicast address"
	}
	for _, m := range metadata {
		if m.Contains(ip) {
			return "a cloud metadata address"
		}
	}
	return ""
}

// CheckURL refuses a URL that is not http(s) as the policy allows, or
// whose host resolves to an address the policy refuses.
func (p Policy) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" {
		return errors.New("must be an absolute https URL without credentials or fragment")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && p.AllowHTTP:
	case u.Scheme == "http":
		return errors.New("must be https (this server does not allow plain http webhooks)")
	default:
		return errors.New("must be an https URL")
	}
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		if why := p.refused(ip); why != "" {
			return fmt.Errorf("%s is %s, which webhooks may not reach", host, why)
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("the host %s does not resolve", host)
	}
	for _, ip := range addrs {
		if why := p.refused(ip); why != "" {
			return fmt.Errorf("%s resolves to %s, %s, which webhooks may not reach", host, ip, why)
		}
	}
	return nil
}

// errRefusedAddress is a connection the policy refused at dial time.
var errRefusedAddress = errors.New("refused address")

// Client returns the HTTP client deliveries use: the policy checked on
// the address each connection actually dials (a name that resolved to a
// public address when the webhook was created may not since), no
// redirects followed, a 10 s deadline.
func (p Policy) Client() *http.Client {
	dialer := &net.Dialer{Timeout: Timeout, Control: func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: %s", errRefusedAddress, address)
		}
		if why := p.refused(ap.Addr()); why != "" {
			return fmt.Errorf("%w: %s is %s", errRefusedAddress, ap.Addr(), why)
		}
		return nil
	}}
	tr := &http.Transport{
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   Timeout,
		ResponseHeaderTimeout: Timeout,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{Transport: tr, Timeout: Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

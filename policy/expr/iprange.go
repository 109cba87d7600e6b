package expr

import (
	"net/netip"
	"strings"
)

// ipRange is an inclusive range of addresses of one family.
type ipRange struct {
	lo, hi netip.Addr
}

// parseIPRange reads a single address, a CIDR block, or "first-last".
func parseIPRange(s string) (ipRange, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return ipRange{}, false
	}
	if first, last, ok := strings.Cut(s, "-"); ok {
		lo, err1 := netip.ParseAddr(strings.TrimSpace(first))
		hi, err2 := netip.ParseAddr(strings.TrimSpace(last))
		if err1 != nil || err2 != nil || lo.Is4() != hi.Is4() || hi.Less(lo) {
			return ipRange{}, false
		}
		return ipRange{lo.Unmap(), hi.Unmap()}, true
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return ipRange{}, false
		}
		p = p.Masked()
		lo := p.Addr()
		hi := lastAddr(p)
		return ipRange{lo, hi}, true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return ipRange{}, false
	}
	a = a.Unmap()
	return ipRange{a, a}, true
}

// lastAddr returns the highest address of a masked prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// fnIPRangeContains reports whether the target (address, CIDR or range)
// lies wholly within the range. Empty input, invalid input and mixed
// address families fail, as the policy-rule page documents.
func fnIPRangeContains(a []any) (any, error) {
	rs, ts, err := twoStrings("ipRangeContains", a)
	if err != nil {
		return nil, err
	}
	r, ok := parseIPRange(rs)
	if !ok {
		return nil, failf("ipRangeContains", "the range '%s' is not a valid IP address, CIDR block or address range", rs)
	}
	t, ok := parseIPRange(ts)
	if !ok {
		return nil, failf("ipRangeContains", "the target range '%s' is not a valid IP address, CIDR block or address range", ts)
	}
	if r.lo.Is4() != t.lo.Is4() {
		return nil, failf("ipRangeContains", "the range '%s' and the target '%s' are of different address families", rs, ts)
	}
	return r.lo.Compare(t.lo) <= 0 && t.hi.Compare(r.hi) <= 0, nil
}

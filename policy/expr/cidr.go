package expr

// CIDR functions, from
// https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-cidr
// Azure Policy does not list them among the unsupported functions.

import (
	"math/big"
	"net/netip"
)

func init() {
	register(
		fixed("parseCidr", 1, pure(fnParseCIDR)),
		fixed("cidrSubnet", 3, pure(fnCIDRSubnet)),
		fixed("cidrHost", 2, pure(fnCIDRHost)),
	)
}

func argPrefix(fn string, a []any) (netip.Prefix, error) {
	s, err := argString(fn, a, 0)
	if err != nil {
		return netip.Prefix{}, err
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, failf(fn, "the value '%s' is not a valid CIDR range", s)
	}
	return p.Masked(), nil
}

// addrInt and intAddr convert between addresses and integers so ranges can
// be computed for both families alike.
func addrInt(a netip.Addr) *big.Int { return new(big.Int).SetBytes(a.AsSlice()) }

func intAddr(n *big.Int, is4 bool) netip.Addr {
	size := 16
	if is4 {
		size = 4
	}
	b := n.FillBytes(make([]byte, size))
	a, _ := netip.AddrFromSlice(b)
	return a
}

// fnParseCIDR describes a range: network, netmask, broadcast (IPv4 only),
// first and last usable addresses, and the prefix length.
func fnParseCIDR(a []any) (any, error) {
	p, err := argPrefix("parseCidr", a)
	if err != nil {
		return nil, err
	}
	is4 := p.Addr().Is4()
	bits := p.Addr().BitLen()
	maskInt := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(bits)), big.NewInt(1))
	hostBits := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(bits-p.Bits())), big.NewInt(1))
	maskInt.Xor(maskInt, hostBits)
	network := p.Addr()
	last := lastAddr(p)
	out := map[string]any{
		"network": network.String(),
		"netmask": intAddr(maskInt, is4).String(),
		"cidr":    int64(p.Bits()),
	}
	first, lastUsable := network, last
	if is4 {
		out["broadcast"] = last.String()
		if p.Bits() < 31 {
			first, lastUsable = network.Next(), last.Prev()
		}
	}
	out["firstUsable"] = first.String()
	out["lastUsable"] = lastUsable.String()
	return out, nil
}

// fnCIDRSubnet returns the index-th subnet of the given new prefix length.
func fnCIDRSubnet(a []any) (any, error) {
	p, err := argPrefix("cidrSubnet", a)
	if err != nil {
		return nil, err
	}
	newBits, err := argInt("cidrSubnet", a, 1)
	if err != nil {
		return nil, err
	}
	index, err := argInt("cidrSubnet", a, 2)
	if err != nil {
		return nil, err
	}
	bits := p.Addr().BitLen()
	if newBits < int64(p.Bits()) || newBits > int64(bits) {
		return nil, failf("cidrSubnet", "the new CIDR %d must be between %d and %d", newBits, p.Bits(), bits)
	}
	count := new(big.Int).Lsh(big.NewInt(1), uint(newBits-int64(p.Bits())))
	if index < 0 || big.NewInt(index).Cmp(count) >= 0 {
		return nil, failf("cidrSubnet", "the subnet index %d is out of range, the range has %s subnets of /%d", index, count, newBits)
	}
	offset := new(big.Int).Lsh(big.NewInt(index), uint(int64(bits)-newBits))
	start := intAddr(offset.Add(offset, addrInt(p.Addr())), p.Addr().Is4())
	return netip.PrefixFrom(start, int(newBits)).String(), nil
}

// fnCIDRHost returns the index-th usable host address (index 0 is the
// address after the network address).
func fnCIDRHost(a []any) (any, error) {
	p, err := argPrefix("cidrHost", a)
	if err != nil {
		return nil, err
	}
	index, err := argInt("cidrHost", a, 1)
	if err != nil {
		return nil, err
	}
	is4 := p.Addr().Is4()
	limit := addrInt(lastAddr(p))
	if is4 {
		limit.Sub(limit, big.NewInt(1)) // the broadcast address is not a host
	}
	host := addrInt(p.Addr())
	host.Add(host, big.NewInt(index))
	host.Add(host, big.NewInt(1))
	if index < 0 || host.Cmp(limit) > 0 {
		return nil, failf("cidrHost", "the host index %d is out of range for '%s'", index, p)
	}
	return intAddr(host, is4).String(), nil
}

//! CIDR arithmetic for `cidr_contains`, `cidr_overlaps` and `is_public_cidr`:
//! strings in (addresses or CIDRs, IPv4 or IPv6), booleans out. Parsing is
//! ipnet's; "public" means containing any globally routable address.

use ipnet::IpNet;
use std::net::IpAddr;

/// An address or a network; a bare address is a one-address network.
pub fn parse(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    if let Ok(net) = s.parse::<IpNet>() {
        return Ok(net.trunc());
    }
    s.parse::<IpAddr>().map(IpNet::from).map_err(|_| {
        format!(
            "`{}` is not an IP address or CIDR",
            crate::escape::terminal(s)
        )
    })
}

/// First and last address as integers in one space (IPv4 mapped to its
/// own range, never equal to an IPv6 address).
fn bounds(net: &IpNet) -> (bool, u128, u128) {
    match net {
        IpNet::V4(n) => (
            false,
            u32::from(n.network()) as u128,
            u32::from(n.broadcast()) as u128,
        ),
        IpNet::V6(n) => (true, u128::from(n.network()), u128::from(n.broadcast())),
    }
}

pub fn contains(net: &str, x: &str) -> Result<bool, String> {
    let (v6a, lo_a, hi_a) = bounds(&parse(net)?);
    let (v6b, lo_b, hi_b) = bounds(&parse(x)?);
    Ok(v6a == v6b && lo_a <= lo_b && hi_b <= hi_a)
}

pub fn overlaps(a: &str, b: &str) -> Result<bool, String> {
    let (v6a, lo_a, hi_a) = bounds(&parse(a)?);
    let (v6b, lo_b, hi_b) = bounds(&parse(b)?);
    Ok(v6a == v6b && lo_a <= hi_b && lo_b <= hi_a)
}

/// Ranges that are not globally routable (IANA special-purpose registries).
const NOT_GLOBAL_V4: &[&str] = &[
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.88.99.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
];

/// IPv6: only 2000::/3 is global unicast; inside it, documentation and
/// the special-purpose blocks are not.
const NOT_GLOBAL_V6: &[&str] = &[
    "::/3",
    "4000::/2",
    "8000::/1",
    "2001::/23",
    "2001:db8::/32",
    "2002::/16",
    "3fff::/20",
];

pub fn is_public(x: &str) -> Result<bool, String> {
    let net = parse(x)?;
    let (v6, lo, hi) = bounds(&net);
    let table = if v6 { NOT_GLOBAL_V6 } else { NOT_GLOBAL_V4 };
    let mut ranges: Vec<(u128, u128)> = table
        .iter()
        .filter_map(|r| r.parse::<IpNet>().ok())
        .map(|n| {
            let (_, a, b) = bounds(&n);
            (a, b)
        })
        .collect();
    ranges.sort_unstable();
    // Walk the sorted ranges: public when some address in [lo, hi] is not covered.
    let mut next = lo;
    for (a, b) in ranges {
        if a > next {
            break;
        }
        if b >= next {
            if b >= hi {
                return Ok(false);
            }
            next = b + 1;
        }
    }
    Ok(next <= hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containment_includes_equal_networks() {
        assert_eq!(contains("10.0.0.0/8", "10.1.2.3"), Ok(true));
        assert_eq!(contains("10.0.0.0/8", "10.0.0.0/8"), Ok(true));
        assert_eq!(contains("10.0.0.0/16", "10.0.0.0/8"), Ok(false));
        assert_eq!(contains("::/0", "10.0.0.1"), Ok(false));
        assert_eq!(contains("2001:db8::/32", "2001:db8:1::/48"), Ok(true));
    }

    #[test]
    fn overlap() {
        assert_eq!(overlaps("10.0.0.0/8", "10.200.0.0/16"), Ok(true));
        assert_eq!(overlaps("10.0.0.0/16", "10.1.0.0/16"), Ok(false));
    }

    #[test]
    fn public_ranges() {
        for (cidr, public) in [
            ("0.0.0.0/0", true),
            ("::/0", true),
            ("10.0.0.0/8", false),
            ("172.16.0.0/12", false),
            ("192.168.1.0/24", false),
            ("10.0.0.0/7", true),
            ("8.8.8.8", true),
            ("127.0.0.1", false),
            ("2001:db8::/32", false),
            ("2606:4700::/32", true),
            ("fd00::/8", false),
        ] {
            assert_eq!(is_public(cidr), Ok(public), "{cidr}");
        }
        assert!(is_public("not-a-cidr").is_err());
    }
}

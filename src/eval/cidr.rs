//! CIDR arithmetic for `cidr_contains`, `cidr_overlaps` and `is_public_cidr`:
//! strings in (addresses or CIDRs, IPv4 or IPv6), booleans out. Addresses
//! are read by the standard library, which refuses an IPv4 part with a
//! leading zero (`010.8.8.8`: inet_aton would read it as octal), with or
//! without a prefix length; "public" means containing an address that the
//! IANA special-purpose registries (below) do not rule out.

use ipnet::IpNet;
use std::net::IpAddr;

/// An address or a network; a bare address is a one-address network. The
/// host bits of a network are cleared (`10.1.2.3/8` is `10.0.0.0/8`).
pub fn parse(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    let refused = || {
        let octal = s
            .split(['/', ':'])
            .filter(|part| part.contains('.'))
            .flat_map(|part| part.split('.'))
            .any(|octet| octet.len() > 1 && octet.starts_with('0'));
        format!(
            "`{}` is not an IP address or CIDR{}",
            crate::escape::terminal(s),
            if octal {
                " (an IPv4 number with a leading zero is refused: some tools read it as octal)"
            } else {
                ""
            }
        )
    };
    let (address, length) = match s.split_once('/') {
        Some((address, length)) => (address, Some(length)),
        None => (s, None),
    };
    let address: IpAddr = address.parse().map_err(|_| refused())?;
    let Some(length) = length else {
        return Ok(IpNet::from(address));
    };
    // Decimal digits only, no sign and no leading zero, like the address.
    let canonical = !length.is_empty()
        && length.bytes().all(|b| b.is_ascii_digit())
        && (length == "0" || !length.starts_with('0'));
    let length: u8 = length
        .parse()
        .ok()
        .filter(|_| canonical)
        .ok_or_else(refused)?;
    IpNet::new(address, length)
        .map(|net| net.trunc())
        .map_err(|_| refused())
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

/// Whether addresses of a block are globally reachable.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reach {
    Global,
    NotGlobal,
}

use Reach::{Global, NotGlobal};

/// IPv4: the whole IANA IPv4 Special-Purpose Address Registry
/// (<https://www.iana.org/assignments/iana-ipv4-special-registry>, RFC 6890
/// and RFC 8190), each block with its "Globally Reachable" column, plus
/// multicast, which is not in that registry (IPv4 Multicast Address Space
/// registry, RFC 5771): a multicast group is not a host on the internet.
/// The most specific block containing an address decides; an address in
/// none is global.
const IPV4: &[(&str, Reach)] = &[
    ("0.0.0.0/0", Global),
    ("0.0.0.0/8", NotGlobal),      // "This network" (RFC 791)
    ("0.0.0.0/32", NotGlobal),     // "This host on this network" (RFC 1122)
    ("10.0.0.0/8", NotGlobal),     // Private-Use (RFC 1918)
    ("100.64.0.0/10", NotGlobal),  // Shared Address Space (RFC 6598)
    ("127.0.0.0/8", NotGlobal),    // Loopback (RFC 1122)
    ("169.254.0.0/16", NotGlobal), // Link Local (RFC 3927)
    ("172.16.0.0/12", NotGlobal),  // Private-Use (RFC 1918)
    ("192.0.0.0/24", NotGlobal),   // IETF Protocol Assignments (RFC 6890)
    ("192.0.0.0/29", NotGlobal),   // IPv4 Service Continuity Prefix (RFC 7335)
    ("192.0.0.8/32", NotGlobal),   // IPv4 dummy address (RFC 7600)
    ("192.0.0.9/32", Global),      // Port Control Protocol Anycast (RFC 7723)
    ("192.0.0.10/32", Global),     // Traversal Using Relays around NAT Anycast (RFC 8155)
    ("192.0.0.170/32", NotGlobal), // NAT64/DNS64 Discovery (RFC 8880, RFC 7050)
    ("192.0.0.171/32", NotGlobal), // NAT64/DNS64 Discovery (RFC 8880, RFC 7050)
    ("192.0.2.0/24", NotGlobal),   // Documentation (TEST-NET-1) (RFC 5737)
    ("192.31.196.0/24", Global),   // AS112-v4 (RFC 7535)
    ("192.52.193.0/24", Global),   // AMT (RFC 7450)
    // Deprecated (6to4 Relay Anycast) (RFC 7526): terminated 2015-03 and
    // no longer routed; the registry leaves it without a reachability.
    ("192.88.99.0/24", NotGlobal),
    ("192.88.99.2/32", NotGlobal), // 6a44-relay anycast address (RFC 6751)
    ("192.168.0.0/16", NotGlobal), // Private-Use (RFC 1918)
    ("192.175.48.0/24", Global),   // Direct Delegation AS112 Service (RFC 7534)
    ("198.18.0.0/15", NotGlobal),  // Benchmarking (RFC 2544)
    ("198.51.100.0/24", NotGlobal), // Documentation (TEST-NET-2) (RFC 5737)
    ("203.0.113.0/24", NotGlobal), // Documentation (TEST-NET-3) (RFC 5737)
    ("224.0.0.0/4", NotGlobal),    // Multicast (RFC 5771; not in the registry)
    ("240.0.0.0/4", NotGlobal),    // Reserved (RFC 1112)
    ("255.255.255.255/32", NotGlobal), // Limited Broadcast (RFC 8190, RFC 919)
];

/// IPv6: only 2000::/3 is allocated as global unicast (IANA IPv6 Address
/// Space registry, RFC 4291); inside and outside it, the whole IANA IPv6
/// Special-Purpose Address Registry
/// (<https://www.iana.org/assignments/iana-ipv6-special-registry>), each
/// block with its "Globally Reachable" column. The registry says "N/A"
/// for Teredo and 6to4, whose reachability is that of the IPv4 address
/// they carry: they count as global, because a rule open to them admits
/// hosts anywhere on the internet (for an exposure check, the safe
/// answer).
const IPV6: &[(&str, Reach)] = &[
    ("::/0", NotGlobal),
    ("2000::/3", Global),          // Global Unicast (RFC 4291)
    ("::1/128", NotGlobal),        // Loopback Address (RFC 4291)
    ("::/128", NotGlobal),         // Unspecified Address (RFC 4291)
    ("::ffff:0:0/96", NotGlobal),  // IPv4-mapped Address (RFC 4291)
    ("64:ff9b::/96", Global),      // IPv4-IPv6 Translat., the NAT64 well-known prefix (RFC 6052)
    ("64:ff9b:1::/48", NotGlobal), // IPv4-IPv6 Translat., local use (RFC 8215)
    ("100::/64", NotGlobal),       // Discard-Only Address Block (RFC 6666)
    ("100:0:0:1::/64", NotGlobal), // Dummy IPv6 Prefix (RFC 9780)
    ("2001::/23", NotGlobal),      // IETF Protocol Assignments (RFC 2928)
    ("2001::/32", Global),         // TEREDO (RFC 4380, RFC 8190): N/A, see above
    ("2001:1::1/128", Global),     // Port Control Protocol Anycast (RFC 7723)
    ("2001:1::2/128", Global),     // Traversal Using Relays around NAT Anycast (RFC 8155)
    ("2001:1::3/128", Global),     // DNS-SD Service Registration Protocol Anycast (RFC 9665)
    ("2001:2::/48", NotGlobal),    // Benchmarking (RFC 5180)
    ("2001:3::/32", Global),       // AMT (RFC 7450)
    ("2001:4:112::/48", Global),   // AS112-v6 (RFC 7535)
    ("2001:10::/28", NotGlobal),   // Deprecated (previously ORCHID) (RFC 4843), terminated 2014-03
    ("2001:20::/28", Global),      // ORCHIDv2 (RFC 7343)
    ("2001:30::/28", Global),      // Drone Remote ID Protocol Entity Tags (RFC 9374)
    ("2001:db8::/32", NotGlobal),  // Documentation (RFC 3849)
    ("2002::/16", Global),         // 6to4 (RFC 3056): N/A, see above
    ("2620:4f:8000::/48", Global), // Direct Delegation AS112 Service (RFC 7534)
    ("3fff::/20", NotGlobal),      // Documentation (RFC 9637)
    ("5f00::/16", NotGlobal),      // Segment Routing (SRv6) SIDs (RFC 9602)
    ("fc00::/7", NotGlobal),       // Unique-Local (RFC 4193, RFC 8190)
    ("fe80::/10", NotGlobal),      // Link-Local Unicast (RFC 4291)
];

/// Whether the address or network contains a globally reachable address.
pub fn is_public(x: &str) -> Result<bool, String> {
    let (v6, lo, hi) = bounds(&parse(x)?);
    let table = if v6 { IPV6 } else { IPV4 };
    let blocks: Vec<(u8, u128, u128, Reach)> = table
        .iter()
        .filter_map(|(block, reach)| {
            let net = block.parse::<IpNet>().ok()?;
            let (_, a, b) = bounds(&net);
            Some((net.prefix_len(), a, b, *reach))
        })
        .collect();
    // Cut [lo, hi] at every block edge inside it: within one piece the
    // same blocks contain every address, so its first address decides.
    let mut starts = vec![lo];
    for &(_, a, b, _) in &blocks {
        if lo < a && a <= hi {
            starts.push(a);
        }
        if lo <= b && b < hi {
            starts.push(b + 1);
        }
    }
    Ok(starts.into_iter().any(|at| {
        blocks
            .iter()
            .filter(|&&(_, a, b, _)| a <= at && at <= b)
            .max_by_key(|&&(len, ..)| len)
            .is_some_and(|&(.., reach)| reach == Global)
    }))
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
            // Registry blocks marked globally reachable, inside blocks that are not.
            ("64:ff9b::/96", true),
            ("64:ff9b::808:808", true),
            ("64:ff9b:1::/48", false),
            ("192.0.0.9", true),
            ("192.0.0.10/32", true),
            ("192.0.0.8/31", true),
            ("192.0.0.0/29", false),
            ("192.0.0.11/32", false),
            ("192.0.0.0/24", true),
            ("2001:1::1", true),
            ("2001:2::/48", false),
            ("2001:20::/28", true),
            ("2001::/32", true),
            ("2002::/16", true),
            ("192.31.196.0/24", true),
            ("192.88.99.0/24", false),
            ("::ffff:8.8.8.8", false),
            ("fe80::/10", false),
            ("ff02::1", false),
            ("224.0.0.0/4", false),
            ("255.255.255.255", false),
            ("100::/64", false),
        ] {
            assert_eq!(is_public(cidr), Ok(public), "{cidr}");
        }
        assert!(is_public("not-a-cidr").is_err());
    }

    #[test]
    fn leading_zeros_are_refused_with_and_without_a_prefix() {
        for refused in [
            "010.8.8.8",
            "010.8.8.8/32",
            "10.08.8.8/32",
            "10.8.8.8/032",
            "10.8.8.8/+8",
            "10.8.8.8/",
            "10.8.8.8/33",
            "::ffff:010.0.0.1",
        ] {
            let message = parse(refused).err().unwrap_or_default();
            assert!(
                message.contains("is not an IP address or CIDR"),
                "{refused}: {message}"
            );
        }
        assert!(
            parse("010.8.8.8/32")
                .err()
                .unwrap_or_default()
                .contains("octal")
        );
        assert_eq!(contains("10.0.0.0/8", "10.8.8.8/32"), Ok(true));
        assert_eq!(contains("0.0.0.0/0", "0.0.0.0"), Ok(true));
        assert_eq!(contains("10.1.2.3/8", "10.200.0.0/16"), Ok(true));
    }
}

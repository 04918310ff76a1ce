//! What a [`FetchUrl`](crate::FetchUrl) refuses by name and by address:
//! cloud metadata names, internal suffixes, and every IP range outside the
//! global unicast space (IANA IPv4 and IPv6 Special-Purpose Address
//! Registries).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::Reason;

/// Cloud metadata services, by name (GCP, AWS, Azure, OpenStack, Alibaba, Oracle).
const METADATA_NAMES: &[&str] = &[
    "metadata",
    "metadata.google.internal",
    "metadata.goog",
    "instance-data",
    "instance-data.ec2.internal",
    "metadata.azure.internal",
    "metadata.tencentyun.com",
    "metadata.platformequinix.com",
];

/// Suffixes that only resolve inside a network (RFC 6761 `.localhost` is
/// handled apart; `.local` is mDNS, `.internal` is ICANN's private-use TLD,
/// `.home.arpa` is RFC 8375).
/// `.svc` is the Kubernetes service domain searched from pods
/// (`kubernetes.default.svc`; `.svc.cluster.local` ends in `.local`),
/// `.consul` is Consul's DNS interface; `.test`, `.invalid` (RFC 6761),
/// `.onion` (RFC 7686) and `.alt` (RFC 9476) are never resolved through
/// the public DNS, so a name there resolves only through local
/// configuration; `.home` and `.private` are names ICANN's collision
/// studies found widely used inside networks.
const INTERNAL_SUFFIXES: &[&str] = &[
    ".internal",
    ".local",
    ".localdomain",
    ".home.arpa",
    ".intranet",
    ".corp",
    ".lan",
    ".svc",
    ".consul",
    ".test",
    ".invalid",
    ".onion",
    ".alt",
    ".home",
    ".private",
];

/// Name rules on the canonical name ([`crate::host::url_host`]).
pub(super) fn check_name(name: &str) -> Result<(), Reason> {
    if name == "localhost" || name.ends_with(".localhost") {
        return Err(Reason::Localhost);
    }
    if METADATA_NAMES.contains(&name) {
        return Err(Reason::Metadata);
    }
    // A name without a dot is looked up through the resolver's search
    // domains: it can only name an internal host.
    if !name.contains('.') || INTERNAL_SUFFIXES.iter().any(|s| name.ends_with(s)) {
        return Err(Reason::InternalName);
    }
    Ok(())
}

/// Checks one IP address against every non-global range; `Ok` only for
/// addresses a server may connect to on a user's behalf.
///
/// Use it in a custom connector to re-check the address actually dialled.
///
/// # Errors
///
/// The [`Reason`] of the range `ip` falls in ([`Reason::Loopback`],
/// [`Reason::PrivateAddress`], [`Reason::Metadata`], ...).
///
/// ```
/// use guardrail_validate::{check_ip, Reason};
/// assert_eq!(check_ip("10.1.2.3".parse().unwrap()), Err(Reason::PrivateAddress));
/// assert_eq!(check_ip("::ffff:169.254.169.254".parse().unwrap()), Err(Reason::Metadata));
/// assert_eq!(check_ip("2606:4700:4700::1111".parse().unwrap()), Ok(()));
/// ```
pub fn check_ip(ip: IpAddr) -> Result<(), Reason> {
    match ip {
        IpAddr::V4(v4) => check_v4(v4),
        IpAddr::V6(v6) => check_v6(v6),
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
    let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
    (u32::from(ip) & mask) == (u32::from(Ipv4Addr::from(net)) & mask)
}

fn check_v4(ip: Ipv4Addr) -> Result<(), Reason> {
    const METADATA: [[u8; 4]; 6] = [
        [169, 254, 169, 254], // AWS, GCP, Azure, OpenStack, DigitalOcean, ...
        [169, 254, 170, 2],   // AWS ECS task credentials
        [169, 254, 169, 253], // AWS DNS
        [169, 254, 169, 123], // AWS time sync
        [100, 100, 100, 200], // Alibaba Cloud
        [192, 0, 0, 192],     // Oracle Cloud
    ];
    if METADATA.iter().any(|m| ip.octets() == *m) {
        return Err(Reason::Metadata);
    }
    let ranges: &[([u8; 4], u32, Reason)] = &[
        ([0, 0, 0, 0], 8, Reason::Unspecified),
        ([10, 0, 0, 0], 8, Reason::PrivateAddress),
        ([100, 64, 0, 0], 10, Reason::SharedAddress),
        ([127, 0, 0, 0], 8, Reason::Loopback),
        ([169, 254, 0, 0], 16, Reason::LinkLocal),
        ([172, 16, 0, 0], 12, Reason::PrivateAddress),
        ([192, 0, 0, 0], 24, Reason::Reserved),
        ([192, 0, 2, 0], 24, Reason::Documentation),
        ([192, 88, 99, 0], 24, Reason::Reserved),
        ([192, 168, 0, 0], 16, Reason::PrivateAddress),
        ([198, 18, 0, 0], 15, Reason::Benchmarking),
        ([198, 51, 100, 0], 24, Reason::Documentation),
        ([203, 0, 113, 0], 24, Reason::Documentation),
        ([224, 0, 0, 0], 4, Reason::Multicast),
        ([255, 255, 255, 255], 32, Reason::Broadcast),
        ([240, 0, 0, 0], 4, Reason::Reserved),
    ];
    match ranges.iter().find(|(net, prefix, _)| in_v4(ip, *net, *prefix)) {
        Some((_, _, reason)) => Err(*reason),
        None => Ok(()),
    }
}

fn in_v6(ip: Ipv6Addr, net: u128, prefix: u32) -> bool {
    let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - prefix) };
    (u128::from(ip) & mask) == (net & mask)
}

fn embedded_v4(bits: u128) -> Ipv4Addr {
    Ipv4Addr::from((bits & 0xffff_ffff) as u32)
}

fn check_v6(ip: Ipv6Addr) -> Result<(), Reason> {
    let bits = u128::from(ip);
    if ip == Ipv6Addr::UNSPECIFIED {
        return Err(Reason::Unspecified);
    }
    if ip == Ipv6Addr::LOCALHOST {
        return Err(Reason::Loopback);
    }
    // AWS's IPv6 metadata endpoints (inside fd00::/8, checked first).
    if bits >> 16 == 0xfd00_0ec2_0000_0000_0000_0000_0000 && matches!(bits & 0xffff, 0x254 | 0x23 | 0x123) {
        return Err(Reason::Metadata);
    }
    // IPv4-mapped (::ffff:0:0/96) and the well-known NAT64 prefix
    // (64:ff9b::/96) reach the embedded IPv4 address: judge that.
    if in_v6(ip, 0xffff_0000_0000, 96) || in_v6(ip, 0x0064_ff9b << 96, 96) {
        return check_v4(embedded_v4(bits));
    }
    // IPv4-compatible (::/96, deprecated): the embedded address's reason,
    // and refused even when that is global.
    if in_v6(ip, 0, 96) {
        check_v4(embedded_v4(bits))?;
        return Err(Reason::Reserved);
    }
    // 6to4 (2002::/16) embeds an IPv4 address in bits 16..48; deprecated
    // (RFC 7526), so refused either way, with the embedded reason if any.
    if in_v6(ip, 0x2002 << 112, 16) {
        check_v4(Ipv4Addr::from(((bits >> 80) & 0xffff_ffff) as u32))?;
        return Err(Reason::Reserved);
    }
    let ranges: &[(u128, u32, Reason)] = &[
        (0x0064_ff9b_0001 << 80, 48, Reason::Reserved), // NAT64 local-use
        (0x0100 << 112, 64, Reason::Reserved),          // discard-only
        (0x2001_0db8 << 96, 32, Reason::Documentation), // documentation
        (0x2001 << 112, 23, Reason::Reserved),          // IETF protocol assignments, Teredo
        (0x3fff << 112, 20, Reason::Documentation),     // documentation (RFC 9637)
        (0x5f00 << 112, 16, Reason::Reserved),          // SRv6 SIDs
        (0xfc00 << 112, 7, Reason::PrivateAddress),     // unique local
        (0xfe80 << 112, 10, Reason::LinkLocal),         // link-local
        (0xfec0 << 112, 10, Reason::PrivateAddress),    // site-local (deprecated)
        (0xff00 << 112, 8, Reason::Multicast),          // multicast
    ];
    if let Some((_, _, reason)) = ranges.iter().find(|(net, prefix, _)| in_v6(ip, *net, *prefix)) {
        return Err(*reason);
    }
    // Only 2000::/3 is allocated as global unicast; the rest is reserved.
    if !in_v6(ip, 0x2000 << 112, 3) {
        return Err(Reason::Reserved);
    }
    Ok(())
}

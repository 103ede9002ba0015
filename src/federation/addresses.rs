//! Which network addresses the node may connect to: one definition for every outgoing
//! request (deliveries, fetches of actors and objects, WebFinger, outboxes, feeds,
//! figures), applied to IP literals in URLs and, at connect time, to every address a
//! name resolves to (so a name cannot be made to point inside the network later: DNS
//! rebinding).
//!
//! Addresses are canonicalised first: IPv4 written inside IPv6 (`::ffff:10.0.0.1`,
//! `::10.0.0.1`, NAT64 `64:ff9b::a00:1`, 6to4 `2002:a00:1::`) is judged as the IPv4
//! address it carries. Then each address falls in one of four classes:
//!
//! - public: always allowed;
//! - private (RFC 1918, carrier-grade NAT 100.64.0.0/10, IPv6 unique-local fc00::/7):
//!   allowed with `allow_private_addresses`, for a regency's own network;
//! - loopback: allowed only for local federation (`insecure_local`) and when the process
//!   environment has `DANGER_FEDERATION_ALLOW_LOCAL_IP` (the federation library's name
//!   for the same switch; the production-shaped tests need it, nothing else should);
//! - never: unspecified, link-local, multicast, broadcast, documentation, benchmarking
//!   and reserved ranges, and the cloud metadata addresses, whatever the settings.

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// The environment variable that also lets the node connect to loopback addresses.
pub const ALLOW_LOOPBACK_ENV: &str = "DANGER_FEDERATION_ALLOW_LOCAL_IP";

/// What kind of address an IP is, for deciding whether to connect to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressClass {
    Public,
    Private,
    Loopback,
    Never,
}

impl AddressClass {
    fn describe(self) -> &'static str {
        match self {
            Self::Public => "a public address",
            Self::Private => "a private network address",
            Self::Loopback => "a loopback address",
            Self::Never => "a special-purpose address (link-local, metadata, reserved, …)",
        }
    }
}

/// The cloud metadata services that sit inside ranges otherwise allowed (Alibaba Cloud's
/// in carrier-grade NAT space, AWS's IPv6 one in unique-local space); 169.254.169.254 is
/// link-local and never allowed anyway.
const METADATA_V4: [Ipv4Addr; 1] = [Ipv4Addr::new(100, 100, 100, 200)];
const METADATA_V6: [Ipv6Addr; 1] = [Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254)];

/// The class of `ip`, judging IPv4 carried inside IPv6 as IPv4.
pub fn classify(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => classify_v4(v4),
            None => classify_v6(v6),
        },
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    };
    (u32::from(ip) & mask) == (u32::from(Ipv4Addr::from(net)) & mask)
}

fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    use AddressClass::*;
    if METADATA_V4.contains(&ip) {
        return Never;
    }
    const NEVER: [([u8; 4], u32); 12] = [
        ([0, 0, 0, 0], 8),       // "this network", unspecified
        ([169, 254, 0, 0], 16),  // link-local, cloud metadata 169.254.169.254
        ([192, 0, 0, 0], 24),    // IETF protocol assignments
        ([192, 0, 2, 0], 24),    // documentation
        ([192, 88, 99, 0], 24),  // 6to4 relay anycast
        ([198, 18, 0, 0], 15),   // benchmarking
        ([198, 51, 100, 0], 24), // documentation
        ([203, 0, 113, 0], 24),  // documentation
        ([224, 0, 0, 0], 4),     // multicast
        ([240, 0, 0, 0], 4),     // reserved, and the broadcast address
        ([255, 255, 255, 255], 32),
        ([192, 31, 196, 0], 24), // AS112
    ];
    const PRIVATE: [([u8; 4], u32); 4] = [
        ([10, 0, 0, 0], 8),
        ([172, 16, 0, 0], 12),
        ([192, 168, 0, 0], 16),
        ([100, 64, 0, 0], 10), // carrier-grade NAT, also used inside organisations
    ];
    if in_v4(ip, [127, 0, 0, 0], 8) {
        Loopback
    } else if NEVER.iter().any(|(net, p)| in_v4(ip, *net, *p)) {
        Never
    } else if PRIVATE.iter().any(|(net, p)| in_v4(ip, *net, *p)) {
        Private
    } else {
        Public
    }
}

/// The IPv4 address an IPv6 address stands for, in the forms that reach IPv4 hosts:
/// IPv4-mapped, IPv4-compatible (deprecated, but still routed by some stacks), the
/// well-known NAT64 prefix and 6to4.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let low = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    // ::a.b.c.d, but not :: and ::1, which are IPv6's own.
    if s[..6] == [0; 6] && u32::from(low) > 1 {
        return Some(low);
    }
    // 64:ff9b::/96, the NAT64 well-known prefix.
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some(low);
    }
    // 2002:AABB:CCDD::/48 carries AA.BB.CC.DD (6to4).
    if s[0] == 0x2002 {
        return Some(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ));
    }
    None
}

fn classify_v6(ip: Ipv6Addr) -> AddressClass {
    use AddressClass::*;
    let s = ip.segments();
    if ip.is_loopback() {
        return Loopback;
    }
    if ip.is_unspecified() || METADATA_V6.contains(&ip) {
        return Never;
    }
    let never = (s[0] & 0xff00) == 0xff00 // multicast
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x2001 && s[1] == 0) // Teredo tunnels
        || (s[0] == 0x2001 && (s[1] & 0xffe0) == 0x0020) // ORCHIDv2
        || (s[0] == 0x2001 && (s[1] & 0xfff0) == 0x0010) // ORCHID
        || (s[0] == 0x0064 && s[1] == 0xff9b && s[2] == 1) // local-use NAT64
        || (s[0] == 0x0100 && s[1..4] == [0, 0, 0]) // discard-only
        || s[0] == 0; // the rest of ::/16: reserved
    if never {
        Never
    } else if (s[0] & 0xfe00) == 0xfc00 {
        Private
    } else {
        Public
    }
}

/// Which classes of address the node connects to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AddressPolicy {
    pub private: bool,
    pub loopback: bool,
}

impl AddressPolicy {
    /// Public addresses only: what a node on the internet needs.
    pub const PUBLIC: Self = Self {
        private: false,
        loopback: false,
    };

    /// From the settings and the process environment (read once, at start).
    pub fn from_settings(insecure_local: bool, allow_private_addresses: bool) -> Self {
        let loopback_env = std::env::var_os(ALLOW_LOOPBACK_ENV).is_some_and(|v| !v.is_empty());
        Self {
            private: insecure_local || allow_private_addresses,
            loopback: insecure_local || loopback_env,
        }
    }

    pub fn allows(&self, ip: IpAddr) -> bool {
        match classify(ip) {
            AddressClass::Public => true,
            AddressClass::Private => self.private,
            AddressClass::Loopback => self.loopback,
            AddressClass::Never => false,
        }
    }

    /// Why `ip` is refused, in one line, or `None` when it is allowed.
    pub fn refusal(&self, host: &str, ip: IpAddr) -> Option<String> {
        if self.allows(ip) {
            return None;
        }
        let class = classify(ip);
        let hint = match class {
            AddressClass::Private => " (set allow_private_addresses for a private network)",
            _ => "",
        };
        Some(if host == ip.to_string() {
            format!("{ip} is {}; not connecting{hint}", class.describe())
        } else {
            format!(
                "{host} resolves to {ip}, {}; not connecting{hint}",
                class.describe()
            )
        })
    }
}

/// The HTTP client's resolver: looks names up as the system does (`/etc/hosts`, DNS)
/// and refuses a name when any of its addresses is one the policy does not allow.
#[derive(Clone, Debug)]
pub struct PolicyResolver {
    policy: AddressPolicy,
}

impl PolicyResolver {
    pub fn new(policy: AddressPolicy) -> Self {
        Self { policy }
    }
}

impl Resolve for PolicyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy;
        let host = name.as_str().trim_end_matches('.').to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if let Some(reason) = addrs
                .iter()
                .find_map(|addr| policy.refusal(&host, addr.ip().to_canonical()))
            {
                return Err(reason.into());
            }
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AddressClass::*;

    fn class(text: &str) -> AddressClass {
        classify(text.parse().expect("an IP address"))
    }

    #[test]
    fn ipv4_ranges() {
        for (ip, expected) in [
            ("93.184.216.34", Public),
            ("8.8.8.8", Public),
            ("10.1.2.3", Private),
            ("172.16.0.1", Private),
            ("172.31.255.255", Private),
            ("172.32.0.1", Public),
            ("192.168.1.1", Private),
            ("100.64.0.1", Private),
            ("100.127.255.255", Private),
            ("100.128.0.1", Public),
            ("127.0.0.1", Loopback),
            ("127.8.9.10", Loopback),
            ("0.0.0.0", Never),
            ("0.1.2.3", Never),
            ("169.254.169.254", Never),
            ("100.100.100.200", Never),
            ("192.0.2.1", Never),
            ("198.18.0.1", Never),
            ("224.0.0.1", Never),
            ("240.0.0.1", Never),
            ("255.255.255.255", Never),
        ] {
            assert_eq!(class(ip), expected, "{ip}");
        }
    }

    #[test]
    fn ipv4_inside_ipv6_is_judged_as_ipv4() {
        for (ip, expected) in [
            ("::ffff:127.0.0.1", Loopback),
            ("::ffff:0.0.0.0", Never),
            ("::ffff:10.0.0.1", Private),
            ("::ffff:169.254.169.254", Never),
            ("::127.0.0.1", Loopback),
            ("::10.0.0.1", Private),
            ("64:ff9b::7f00:1", Loopback),
            ("64:ff9b::a9fe:a9fe", Never),
            ("64:ff9b::5db8:d822", Public),
            ("2002:7f00:1::", Loopback),
            ("2002:a00:1::1", Private),
        ] {
            assert_eq!(class(ip), expected, "{ip}");
        }
    }

    #[test]
    fn ipv6_ranges() {
        for (ip, expected) in [
            ("2606:4700::1111", Public),
            ("::1", Loopback),
            ("::", Never),
            ("fe80::1", Never),
            ("fec0::1", Never),
            ("ff02::1", Never),
            ("2001:db8::1", Never),
            ("2001::1", Never),
            ("64:ff9b:1::1", Never),
            ("100::1", Never),
            ("fd12:3456::1", Private),
            ("fc00::1", Private),
            ("fd00:ec2::254", Never),
        ] {
            assert_eq!(class(ip), expected, "{ip}");
        }
    }

    #[test]
    fn private_networks_never_open_loopback_link_local_or_metadata() {
        let intranet = AddressPolicy {
            private: true,
            loopback: false,
        };
        for ip in ["10.0.0.5", "192.168.10.2", "fd00::5", "2606:4700::1111"] {
            assert!(intranet.allows(ip.parse().expect("ip")), "{ip}");
        }
        for ip in [
            "127.0.0.1",
            "::1",
            "::ffff:127.0.0.1",
            "169.254.169.254",
            "fe80::1",
            "100.100.100.200",
            "fd00:ec2::254",
            "0.0.0.0",
        ] {
            assert!(!intranet.allows(ip.parse().expect("ip")), "{ip}");
        }
        let public = AddressPolicy::PUBLIC;
        assert!(!public.allows("10.0.0.5".parse().expect("ip")));
        assert!(public.allows("93.184.216.34".parse().expect("ip")));
    }

    #[test]
    fn refusals_say_what_the_address_is() {
        let public = AddressPolicy::PUBLIC;
        let reason = public
            .refusal("intranet.example", "10.0.0.5".parse().expect("ip"))
            .expect("refused");
        assert!(
            reason.contains("intranet.example resolves to 10.0.0.5"),
            "{reason}"
        );
        assert!(reason.contains("allow_private_addresses"), "{reason}");
        assert_eq!(
            public.refusal("x", "93.184.216.34".parse().expect("ip")),
            None
        );
    }

    #[tokio::test]
    async fn the_resolver_refuses_names_of_refused_addresses() {
        let resolver = PolicyResolver::new(AddressPolicy::PUBLIC);
        let name: Name = "localhost".parse().expect("name");
        let err = match resolver.resolve(name).await {
            Ok(_) => panic!("localhost must be refused"),
            Err(err) => err.to_string(),
        };
        assert!(err.contains("loopback"), "{err}");
        let allowing = PolicyResolver::new(AddressPolicy {
            private: false,
            loopback: true,
        });
        let name: Name = "localhost".parse().expect("name");
        assert!(allowing.resolve(name).await.is_ok());
    }
}

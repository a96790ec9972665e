//! Rate limits: a token bucket per client and per operation type (query, mutation,
//! subscription start), from `ORGRAPH_RATE_LIMIT_*`.
//!
//! A client is the signed-in person when the request's token verifies, else its address: people
//! behind one office's address do not share a bucket, and a caller without a token (who can
//! read only public reference data) or with a bad one counts by address. The address is the
//! socket peer's, or, when the peer is one of `ORGRAPH_TRUSTED_PROXIES`, the nearest address
//! in `X-Forwarded-For` that is not itself a trusted proxy. An IPv6 client counts by its /64
//! network, which one host usually holds whole.
//!
//! The buckets run on governor's clock abstraction: [`RateClock::Fake`] lets tests move time.

use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::http::HeaderMap;
use governor::clock::{Clock, FakeRelativeClock};
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};
use ipnet::IpNet;
use uuid::Uuid;

/// The header a proxy appends the address it received a request from to.
pub const FORWARDED_FOR: &str = "x-forwarded-for";

/// After how many checks the buckets that are full again are forgotten.
const FORGET_EVERY: u64 = 4096;

/// What a bucket counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationKind {
    Query,
    Mutation,
    /// A subscription started.
    Subscription,
}

impl OperationKind {
    /// The `operation_type` label value and the word of messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Query => "query",
            Self::Mutation => "mutation",
            Self::Subscription => "subscription",
        }
    }

    /// The setting of this kind's rate.
    fn variable(self) -> &'static str {
        match self {
            Self::Query => "ORGRAPH_RATE_LIMIT_QUERIES_PER_MINUTE",
            Self::Mutation => "ORGRAPH_RATE_LIMIT_MUTATIONS_PER_MINUTE",
            Self::Subscription => "ORGRAPH_RATE_LIMIT_SUBSCRIPTIONS_PER_MINUTE",
        }
    }
}

/// Whose bucket a request takes its token from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Client {
    /// A signed-in person.
    Person(Uuid),
    /// A client address (an IPv6 one cut to its /64).
    Address(IpAddr),
}

impl Client {
    /// The client of a request: its person when signed in, else its address.
    pub fn of(person: Option<Uuid>, address: Option<IpAddr>) -> Self {
        match person {
            Some(person) => Self::Person(person),
            None => Self::Address(address.map_or(IpAddr::V4([0, 0, 0, 0].into()), network)),
        }
    }

    /// The `limited_by` label value.
    pub fn label(self) -> &'static str {
        match self {
            Self::Person(_) => "person",
            Self::Address(_) => "address",
        }
    }
}

/// The address that identifies a client: IPv4 as it is, IPv6 its /64 network.
fn network(address: IpAddr) -> IpAddr {
    match address.to_canonical() {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(bits))
        }
        v4 => v4,
    }
}

/// One kind's rate: tokens a minute and the bucket's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub per_minute: NonZeroU32,
    pub burst: NonZeroU32,
}

/// The limits as configured.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// `None`: that kind is not limited.
    pub queries: Option<Rate>,
    pub mutations: Option<Rate>,
    pub subscriptions: Option<Rate>,
    /// The proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
}

/// The time the buckets fill by: the real one, or one a test moves.
#[derive(Debug, Clone)]
pub enum RateClock {
    /// Monotonic time since this instant.
    Real(std::time::Instant),
    /// Time that passes only when [`FakeRelativeClock::advance`] says so.
    Fake(FakeRelativeClock),
}

impl RateClock {
    /// The real clock, from now.
    pub fn real() -> Self {
        Self::Real(std::time::Instant::now())
    }
}

impl Clock for RateClock {
    type Instant = Nanos;

    fn now(&self) -> Nanos {
        match self {
            Self::Real(start) => Nanos::from(start.elapsed()),
            Self::Fake(clock) => clock.now(),
        }
    }
}

type Bucket = RateLimiter<Client, HashMapStateStore<Client>, RateClock, NoOpMiddleware<Nanos>>;

/// A request refused for its client's empty bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limited {
    pub kind: OperationKind,
    /// Whole seconds until the bucket holds a token again, at least 1.
    pub retry_after_seconds: u64,
    pub per_minute: NonZeroU32,
}

impl Limited {
    /// What the client is told.
    pub fn message(&self) -> String {
        let seconds = self.retry_after_seconds;
        format!(
            "too many {kind} operations: this client may send {per_minute} a minute ({variable}); \
             try again in {seconds} s",
            kind = self.kind.as_str(),
            per_minute = self.per_minute,
            variable = self.kind.variable(),
        )
    }
}

/// Every client's buckets.
pub struct RateLimits {
    queries: Option<(Rate, Bucket)>,
    mutations: Option<(Rate, Bucket)>,
    subscriptions: Option<(Rate, Bucket)>,
    trusted_proxies: Vec<IpNet>,
    clock: RateClock,
    checks: AtomicU64,
}

impl RateLimits {
    /// Buckets for `policy`, filling by `clock`.
    pub fn new(policy: &Policy, clock: RateClock) -> Self {
        let bucket = |rate: Option<Rate>| {
            rate.map(|rate| {
                let quota = Quota::per_minute(rate.per_minute).allow_burst(rate.burst);
                let store = HashMapStateStore::default();
                (rate, RateLimiter::new(quota, store, clock.clone()))
            })
        };
        Self {
            queries: bucket(policy.queries),
            mutations: bucket(policy.mutations),
            subscriptions: bucket(policy.subscriptions),
            trusted_proxies: policy.trusted_proxies.clone(),
            clock,
            checks: AtomicU64::new(0),
        }
    }

    /// Takes a token of `kind` from `client`'s bucket, or says how long to wait for one.
    pub fn check(&self, kind: OperationKind, client: Client) -> Result<(), Limited> {
        let bucket = match kind {
            OperationKind::Query => &self.queries,
            OperationKind::Mutation => &self.mutations,
            OperationKind::Subscription => &self.subscriptions,
        };
        let Some((rate, bucket)) = bucket else {
            return Ok(());
        };
        if self.checks.fetch_add(1, Ordering::Relaxed) % FORGET_EVERY == FORGET_EVERY - 1 {
            // A full bucket is the same as none: keep memory to the clients of the last minute.
            bucket.retain_recent();
            bucket.shrink_to_fit();
        }
        bucket.check_key(&client).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            Limited {
                kind,
                retry_after_seconds: whole_seconds(wait),
                per_minute: rate.per_minute,
            }
        })
    }

    /// The client's address: the socket `peer`, or when the peer is a trusted proxy, the
    /// nearest address of `X-Forwarded-For` (read from its right end) that is not one.
    pub fn client_address(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<&str> = headers
            .get_all(FORWARDED_FOR)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            // A hop that is no address ends what can be believed.
            let Some(address) = hop_address(hop) else {
                break;
            };
            client = address;
            if !self.trusts(address) {
                break;
            }
        }
        client
    }

    fn trusts(&self, address: IpAddr) -> bool {
        self.trusted_proxies
            .iter()
            .any(|network| network.contains(&address))
    }
}

/// An `X-Forwarded-For` entry's address: `ip`, `ip:port` or `[ipv6]:port`.
fn hop_address(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    let address = hop
        .parse::<IpAddr>()
        .or_else(|_| {
            hop.parse::<std::net::SocketAddr>()
                .map(|socket| socket.ip())
        })
        .ok()?;
    Some(address.to_canonical())
}

/// `wait` in whole seconds, rounded up, at least 1: `Retry-After` takes seconds.
fn whole_seconds(wait: Duration) -> u64 {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    seconds.max(1)
}

/// Reads `ORGRAPH_TRUSTED_PROXIES`: addresses and networks (CIDR), comma-separated.
pub fn trusted_proxies(value: Option<&str>) -> Result<Vec<IpNet>, String> {
    let Some(value) = value.map(str::trim).filter(|value| !value.is_empty()) else {
        return Ok(Vec::new());
    };
    value
        .split(',')
        .map(str::trim)
        .map(|entry| {
            entry
                .parse::<IpNet>()
                .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                .map(|network| network.trunc())
                .map_err(|_| {
                    format!(
                        "`{entry}` is neither an address nor a network: write e.g. 10.0.0.7, \
                         10.0.0.0/8 or fd00::/8, comma-separated"
                    )
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn rate(per_minute: u32, burst: u32) -> Option<Rate> {
        Some(Rate {
            per_minute: NonZeroU32::new(per_minute).unwrap(),
            burst: NonZeroU32::new(burst).unwrap(),
        })
    }

    fn limits(policy: Policy) -> (RateLimits, FakeRelativeClock) {
        let clock = FakeRelativeClock::default();
        (
            RateLimits::new(&policy, RateClock::Fake(clock.clone())),
            clock,
        )
    }

    #[test]
    fn a_bucket_empties_after_its_burst_and_refills_at_its_rate() {
        let (limits, clock) = limits(Policy {
            queries: rate(6, 2),
            ..Policy::default()
        });
        let person = Client::Person(Uuid::now_v7());
        assert!(limits.check(OperationKind::Query, person).is_ok());
        assert!(limits.check(OperationKind::Query, person).is_ok());
        let limited = limits.check(OperationKind::Query, person).unwrap_err();
        // Six a minute: a token every ten seconds.
        assert_eq!(limited.retry_after_seconds, 10);
        assert!(
            limited.message().contains("6 a minute"),
            "{}",
            limited.message()
        );
        assert!(
            limited
                .message()
                .contains("ORGRAPH_RATE_LIMIT_QUERIES_PER_MINUTE")
        );
        clock.advance(Duration::from_millis(9_500));
        let limited = limits.check(OperationKind::Query, person).unwrap_err();
        assert_eq!(limited.retry_after_seconds, 1, "half a second, rounded up");
        clock.advance(Duration::from_millis(500));
        assert!(limits.check(OperationKind::Query, person).is_ok());
        assert!(limits.check(OperationKind::Query, person).is_err());
    }

    #[test]
    fn kinds_and_clients_have_buckets_of_their_own_and_unset_kinds_none() {
        let (limits, _clock) = limits(Policy {
            queries: rate(1, 1),
            mutations: rate(1, 1),
            ..Policy::default()
        });
        let (one, other) = (
            Client::Person(Uuid::now_v7()),
            Client::Person(Uuid::now_v7()),
        );
        assert!(limits.check(OperationKind::Query, one).is_ok());
        assert!(limits.check(OperationKind::Query, one).is_err());
        assert!(limits.check(OperationKind::Mutation, one).is_ok());
        assert!(limits.check(OperationKind::Query, other).is_ok());
        let address = Client::of(None, Some("10.1.2.3".parse().unwrap()));
        assert!(limits.check(OperationKind::Query, address).is_ok());
        for _ in 0..100 {
            assert!(limits.check(OperationKind::Subscription, one).is_ok());
        }
    }

    #[test]
    fn an_ipv6_client_counts_by_its_network() {
        let a = Client::of(None, Some("2001:db8:1:2::1".parse().unwrap()));
        let b = Client::of(None, Some("2001:db8:1:2:ffff::9".parse().unwrap()));
        let c = Client::of(None, Some("2001:db8:1:3::1".parse().unwrap()));
        assert_eq!(a, b);
        assert_ne!(a, c);
        let mapped = Client::of(None, Some("::ffff:10.0.0.1".parse().unwrap()));
        assert_eq!(mapped, Client::Address("10.0.0.1".parse().unwrap()));
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(FORWARDED_FOR, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn forwarded_for_is_believed_from_trusted_proxies_only() {
        let (limits, _clock) = limits(Policy {
            trusted_proxies: trusted_proxies(Some("10.0.0.0/8, 192.168.1.1")).unwrap(),
            ..Policy::default()
        });
        let ip = |text: &str| text.parse::<IpAddr>().unwrap();
        let headers = forwarded(&["203.0.113.9, 10.0.0.5"]);
        assert_eq!(
            limits.client_address(ip("198.51.100.1"), &headers),
            ip("198.51.100.1"),
            "an untrusted peer's header is ignored"
        );
        assert_eq!(
            limits.client_address(ip("192.168.1.1"), &headers),
            ip("203.0.113.9"),
            "trusted hops are passed over"
        );
        let spoofed = forwarded(&["1.1.1.1", "203.0.113.9:4711"]);
        assert_eq!(
            limits.client_address(ip("10.0.0.1"), &spoofed),
            ip("203.0.113.9"),
            "what the client wrote before the first untrusted hop is not believed"
        );
        let garbage = forwarded(&["203.0.113.9, nonsense"]);
        assert_eq!(
            limits.client_address(ip("10.0.0.1"), &garbage),
            ip("10.0.0.1")
        );
        assert_eq!(
            limits.client_address(ip("10.0.0.1"), &forwarded(&["10.0.0.2"])),
            ip("10.0.0.2"),
            "all trusted: the farthest"
        );
        assert_eq!(
            limits.client_address(ip("10.0.0.1"), &HeaderMap::new()),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn trusted_proxies_are_addresses_and_networks() {
        assert_eq!(trusted_proxies(None).unwrap(), Vec::<IpNet>::new());
        assert_eq!(
            trusted_proxies(Some("10.1.2.3/8,::1")).unwrap(),
            vec![
                "10.0.0.0/8".parse::<IpNet>().unwrap(),
                "::1/128".parse().unwrap()
            ]
        );
        let error = trusted_proxies(Some("10.0.0.0/33")).unwrap_err();
        assert!(error.contains("`10.0.0.0/33`"), "{error}");
    }
}

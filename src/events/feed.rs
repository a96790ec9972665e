//! One subscription's events: those it missed (after a resume token), then live ones from the
//! broker, each passed through the delivery rules; no event twice, none left out at the seam.

use std::collections::VecDeque;
use std::sync::Arc;

use futures_util::Stream;
use sea_orm::{DatabaseConnection, DbErr};
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use super::broker::{Broker, Event};
use super::delivery::{Seam, Subscriber, Topic, Verdict, verdict};
use super::resume::ResumeTokens;
use crate::auth::viewer::Viewer;
use crate::metrics::{Metrics, Open};

/// Opens feeds: the broker, the resume tokens and the replay bound, shared by every
/// subscription.
#[derive(Clone)]
pub struct Feeds {
    pub broker: Arc<Broker>,
    pub tokens: ResumeTokens,
    /// The most missed events a resume replays (`ORGRAPH_SUBSCRIPTION_REPLAY_MAX`).
    pub replay_most: usize,
    pub metrics: Arc<Metrics>,
}

/// What a feed is for.
pub struct FeedOf {
    pub organization: Uuid,
    pub topic: Topic,
    pub subscriber: Arc<Subscriber>,
}

/// An event to deliver, the token that resumes after it, and the subscriber as it may see it.
pub struct Delivery {
    pub event: Event,
    pub resume_token: String,
    pub viewer: Arc<Viewer>,
}

/// Why a feed ends (or does not start).
#[derive(Debug)]
pub enum FeedEnd {
    /// The subscriber may no longer see the organisation.
    Revoked,
    /// The subscriber fell further behind than its buffer; it may resume with this token.
    Lagged {
        resume_token: String,
    },
    /// More events were missed than a replay sends: refetch, then subscribe afresh.
    ReplayTooLong {
        most: usize,
    },
    /// The resume token is malformed, forged, or another organisation's.
    InvalidToken,
    Database(DbErr),
}

impl From<DbErr> for FeedEnd {
    fn from(error: DbErr) -> Self {
        Self::Database(error)
    }
}

impl FeedEnd {
    /// How the metrics name it.
    fn reason(&self) -> &'static str {
        match self {
            Self::Revoked => "revoked",
            Self::Lagged { .. } => "lagged",
            Self::ReplayTooLong { .. } => "replay_too_long",
            Self::InvalidToken => "invalid_token",
            Self::Database(_) => "database",
        }
    }
}

impl Feeds {
    /// `end`, counted, for a feed that does not open.
    fn refused(&self, end: FeedEnd) -> FeedEnd {
        self.metrics.subscription_ended(end.reason());
        end
    }

    /// The token of `organization`'s latest event: a resume from it misses nothing after now.
    pub async fn token_now(
        &self,
        db: &DatabaseConnection,
        organization: Uuid,
    ) -> Result<String, DbErr> {
        let latest = super::latest_sequence(db, Some(organization)).await?;
        Ok(self.tokens.encode(organization, latest))
    }

    /// Opens a feed: live events from now, after the events that followed `resume_token`'s
    /// (at most `replay_most` of the organisation's) when one is given.
    pub async fn open(
        &self,
        db: DatabaseConnection,
        of: FeedOf,
        resume_token: Option<&str>,
    ) -> Result<impl Stream<Item = Result<Delivery, FeedEnd>> + Send + use<>, FeedEnd> {
        let resume_after = resume_token
            .map(|token| self.tokens.decode(of.organization, token))
            .transpose()
            .map_err(|_| self.refused(FeedEnd::InvalidToken))?;
        // Subscribed first: whatever commits during the replay's read arrives live.
        let live = self.broker.subscribe();
        let (replay, seam) = match resume_after {
            Some(after) => {
                let limit = self.replay_most as u64 + 1;
                let missed = super::after(&db, after, Some(of.organization), limit).await?;
                if missed.len() > self.replay_most {
                    return Err(self.refused(FeedEnd::ReplayTooLong {
                        most: self.replay_most,
                    }));
                }
                (
                    missed.into_iter().map(Arc::new).collect(),
                    Seam::after(after),
                )
            }
            None => (VecDeque::new(), Seam::after(live.position)),
        };
        let state = Feed {
            of,
            db,
            tokens: self.tokens.clone(),
            receiver: live.receiver,
            replay,
            seam,
            ended: false,
            _active: self.metrics.subscription_started(),
            metrics: self.metrics.clone(),
        };
        Ok(futures_util::stream::unfold(state, |mut feed| async move {
            let item = feed.next().await?;
            Some((item, feed))
        }))
    }
}

struct Feed {
    _active: Open,
    metrics: Arc<Metrics>,
    of: FeedOf,
    db: DatabaseConnection,
    tokens: ResumeTokens,
    receiver: tokio::sync::broadcast::Receiver<Event>,
    replay: VecDeque<Event>,
    seam: Seam,
    ended: bool,
}

impl Feed {
    async fn next(&mut self) -> Option<Result<Delivery, FeedEnd>> {
        while !self.ended {
            let event = match self.replay.pop_front() {
                Some(event) => event,
                None => match self.receiver.recv().await {
                    Ok(event) => event,
                    Err(RecvError::Lagged(missed)) => {
                        tracing::warn!(
                            missed,
                            organization = %self.of.organization,
                            user = %self.of.subscriber.user_id(),
                            "a subscriber fell behind and was ended"
                        );
                        let resume_token = self.token(self.seam.position());
                        return self.end(FeedEnd::Lagged { resume_token });
                    }
                    Err(RecvError::Closed) => return None,
                },
            };
            self.of.subscriber.observe(&event);
            if !self.seam.advance(event.sequence)
                || event.organization_id != Some(self.of.organization)
            {
                continue;
            }
            let viewer = match self.of.subscriber.viewer(&self.db).await {
                Ok(viewer) => viewer,
                Err(error) => return self.end(FeedEnd::Database(error)),
            };
            let verdict = verdict(
                viewer.as_deref(),
                self.of.organization,
                &self.of.topic,
                &event,
            );
            match (verdict, viewer) {
                (Verdict::Deliver, Some(viewer)) => {
                    let lag = (chrono::Utc::now() - event.created_at).to_std();
                    self.metrics.delivered(lag.unwrap_or_default());
                    return Some(Ok(Delivery {
                        resume_token: self.token(event.sequence),
                        event,
                        viewer,
                    }));
                }
                (Verdict::Skip, _) => {}
                (Verdict::Revoked | Verdict::Deliver, _) => return self.end(FeedEnd::Revoked),
            }
        }
        None
    }

    fn token(&self, sequence: i64) -> String {
        self.tokens.encode(self.of.organization, sequence)
    }

    fn end(&mut self, end: FeedEnd) -> Option<Result<Delivery, FeedEnd>> {
        self.ended = true;
        self.metrics.subscription_ended(end.reason());
        Some(Err(end))
    }
}

#[cfg(test)]
mod tests {
    use entity::enums::{MemberRole, PlatformRole};
    use serde_json::json;
    use tokio::sync::broadcast;

    use super::*;

    fn event(sequence: i64, organization: Uuid) -> Event {
        Arc::new(entity::events::Model {
            sequence,
            id: Uuid::now_v7(),
            organization_id: Some(organization),
            actor_user_id: None,
            aggregate_type: "organization".to_owned(),
            aggregate_id: organization,
            event_type: "organization.updated".to_owned(),
            payload: json!({}),
            created_at: chrono::Utc::now(),
        })
    }

    /// A feed of `organization` for one of its members, replaying `replay` after `after`;
    /// without a database (a member's cached memberships need none).
    fn feed(
        organization: Uuid,
        receiver: broadcast::Receiver<Event>,
        replay: Vec<Event>,
        after: i64,
    ) -> Feed {
        let user = Uuid::now_v7();
        let viewer = Viewer::new(
            user,
            PlatformRole::User,
            [(organization, MemberRole::Viewer)],
        );
        let metrics = Arc::new(Metrics::new().expect("a registry"));
        Feed {
            _active: metrics.subscription_started(),
            metrics,
            of: FeedOf {
                organization,
                topic: Topic::Events(None),
                subscriber: Arc::new(Subscriber::new(user, Some(Arc::new(viewer)))),
            },
            db: DatabaseConnection::default(),
            tokens: ResumeTokens::new(b"0123456789abcdef0123456789abcdef"),
            receiver,
            replay: replay.into(),
            seam: Seam::after(after),
            ended: false,
        }
    }

    async fn delivered(feed: &mut Feed) -> i64 {
        match feed.next().await {
            Some(Ok(delivery)) => delivery.event.sequence,
            other => panic!("a delivery, not {:?}", other.map(|item| item.err())),
        }
    }

    #[tokio::test]
    async fn replayed_and_live_events_meet_without_a_gap_or_a_twin() {
        let (alpha, beta) = (Uuid::now_v7(), Uuid::now_v7());
        let (sender, receiver) = broadcast::channel(16);
        // The replay read what had committed; the live receiver overlaps it.
        let mut feed = feed(alpha, receiver, vec![event(5, alpha), event(6, alpha)], 4);
        for live in [event(6, alpha), event(7, beta), event(8, alpha)] {
            sender.send(live).unwrap();
        }
        assert_eq!(delivered(&mut feed).await, 5);
        assert_eq!(delivered(&mut feed).await, 6);
        assert_eq!(delivered(&mut feed).await, 8, "6 once, and beta's 7 never");
    }

    #[tokio::test]
    async fn a_subscriber_that_falls_behind_is_ended_with_its_resume_token() {
        let alpha = Uuid::now_v7();
        let (sender, receiver) = broadcast::channel(2);
        let mut feed = feed(alpha, receiver, Vec::new(), 0);
        sender.send(event(1, alpha)).unwrap();
        assert_eq!(delivered(&mut feed).await, 1);
        for sequence in 2..=5 {
            sender.send(event(sequence, alpha)).unwrap();
        }
        let Some(Err(FeedEnd::Lagged { resume_token })) = feed.next().await else {
            panic!("the feed lagged");
        };
        assert_eq!(
            feed.tokens.decode(alpha, &resume_token),
            Ok(1),
            "resumes after 1"
        );
        assert!(feed.next().await.is_none(), "and ends");
        let counted = feed.metrics.render(&DatabaseConnection::default());
        for sample in [
            "orgraph_subscription_deliveries_total 1",
            "orgraph_subscriptions_ended_total{reason=\"lagged\"} 1",
            "orgraph_subscriptions_active 1",
        ] {
            assert!(counted.contains(sample), "{sample} in {counted}");
        }
        let metrics = feed.metrics.clone();
        drop(feed);
        let counted = metrics.render(&DatabaseConnection::default());
        assert!(
            counted.contains("orgraph_subscriptions_active 0"),
            "{counted}"
        );
    }
}

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

/// Opens feeds: the broker, the resume tokens and the replay bound, shared by every
/// subscription.
#[derive(Clone)]
pub struct Feeds {
    pub broker: Arc<Broker>,
    pub tokens: ResumeTokens,
    /// The most missed events a resume replays (`ORGRAPH_SUBSCRIPTION_REPLAY_MAX`).
    pub replay_most: usize,
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

impl Feeds {
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
            .map_err(|_| FeedEnd::InvalidToken)?;
        // Subscribed first: whatever commits during the replay's read arrives live.
        let live = self.broker.subscribe();
        let (replay, seam) = match resume_after {
            Some(after) => {
                let limit = self.replay_most as u64 + 1;
                let missed = super::after(&db, after, Some(of.organization), limit).await?;
                if missed.len() > self.replay_most {
                    return Err(FeedEnd::ReplayTooLong {
                        most: self.replay_most,
                    });
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
        };
        Ok(futures_util::stream::unfold(state, |mut feed| async move {
            let item = feed.next().await?;
            Some((item, feed))
        }))
    }
}

struct Feed {
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
                    Err(RecvError::Lagged(_)) => {
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
            match verdict(
                viewer.as_deref(),
                self.of.organization,
                &self.of.topic,
                &event,
            ) {
                Verdict::Skip => {}
                Verdict::Revoked => return self.end(FeedEnd::Revoked),
                Verdict::Deliver => {
                    return Some(Ok(Delivery {
                        resume_token: self.token(event.sequence),
                        event,
                        viewer: viewer.expect("a delivery has a viewer"),
                    }));
                }
            }
        }
        None
    }

    fn token(&self, sequence: i64) -> String {
        self.tokens.encode(self.of.organization, sequence)
    }

    fn end(&mut self, end: FeedEnd) -> Option<Result<Delivery, FeedEnd>> {
        self.ended = true;
        Some(Err(end))
    }
}

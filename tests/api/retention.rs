//! Retention with a clock the test sets: addresses generalised then emptied, old events
//! archived then deleted, soft-deleted people anonymised after their grace period, old
//! invitations removed; a dry run changes nothing.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeDelta, Utc};
use entity::{audit_log, events, organization_invitations, user_consents, users};
use flate2::read::GzDecoder;
use orgraph::audit::{self, Verification};
use orgraph::privacy::retention::{Retention, RetentionLine};
use orgraph::privacy::strategy::Keys;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::TEST_JWT_SECRET;
use crate::rows;
use crate::world::World;

fn retention(archive: &Path) -> Retention {
    Retention::new(Keys::new(TEST_JWT_SECRET.as_bytes()), archive)
}

fn archive_dir() -> PathBuf {
    std::env::temp_dir().join(format!("orgraph-archive-{}", Uuid::now_v7()))
}

fn rows_of(lines: &[RetentionLine], entity: &str, change: &str) -> u64 {
    lines
        .iter()
        .filter(|line| line.entity == entity && line.change == change)
        .map(|line| line.rows)
        .sum()
}

async fn addresses(world: &World) -> (Vec<Option<String>>, Vec<Option<String>>) {
    let db = &world.app.db;
    let audit = audit_log::Entity::find().all(db).await.unwrap();
    let consents = user_consents::Entity::find().all(db).await.unwrap();
    (
        audit.into_iter().map(|row| row.ip_address).collect(),
        consents.into_iter().map(|row| row.ip_address).collect(),
    )
}

#[tokio::test]
async fn addresses_are_generalised_then_emptied_after_ninety_days() {
    let world = World::new().await;
    let db = &world.app.db;
    rows::user_consent(world.alpha.person("viewer").id, world.consent_type)
        .set("ip_address", "2001:db8:85a3::8a2e:370:7334")
        .insert(db)
        .await
        .unwrap();
    let dir = archive_dir();
    let now = Utc::now();
    let before = addresses(&world).await;
    let planned = retention(&dir).run(db, now, true).await.unwrap();
    assert_eq!(addresses(&world).await, before, "a dry run wrote");
    assert_eq!(
        rows_of(&planned, "audit_log", "generalized"),
        2,
        "{planned:?}"
    );
    assert_eq!(
        rows_of(&planned, "user_consents", "generalized"),
        1,
        "{planned:?}"
    );

    let applied = retention(&dir).run(db, now, false).await.unwrap();
    assert_eq!(applied, planned, "the dry run told what the run did");
    let (audit, consents) = addresses(&world).await;
    assert!(
        audit
            .iter()
            .all(|ip| ip.as_deref() == Some("203.0.113.0/24")),
        "{audit:?}"
    );
    assert!(
        consents.contains(&Some("2001:db8:85a3::/48".to_owned())),
        "{consents:?}"
    );
    assert!(matches!(
        audit::verify(db).await.unwrap(),
        Verification::Intact { .. }
    ));
    let again = retention(&dir).run(db, now, false).await.unwrap();
    assert_eq!(
        rows_of(&again, "audit_log", "generalized"),
        0,
        "generalised twice"
    );

    let later = now + TimeDelta::days(91);
    let emptied = retention(&dir).run(db, later, false).await.unwrap();
    assert_eq!(rows_of(&emptied, "audit_log", "emptied"), 2, "{emptied:?}");
    let (audit, consents) = addresses(&world).await;
    assert!(
        audit.iter().chain(&consents).all(Option::is_none),
        "{audit:?} {consents:?}"
    );
    assert!(matches!(
        audit::verify(db).await.unwrap(),
        Verification::Intact { .. }
    ));
}

#[tokio::test]
async fn events_past_two_years_are_archived_then_deleted() {
    let world = World::new().await;
    let db = &world.app.db;
    let now = Utc::now();
    let (old, recent) = (Uuid::now_v7(), Uuid::now_v7());
    for (id, at) in [
        (old, now - TimeDelta::days(800)),
        (recent, now - TimeDelta::days(10)),
    ] {
        rows::event(world.alpha.id)
            .set("id", id)
            .set("created_at", at)
            .insert(db)
            .await
            .unwrap();
    }
    let dir = archive_dir();
    let planned = retention(&dir).run(db, now, true).await.unwrap();
    assert_eq!(rows_of(&planned, "events", "archived"), 1);
    assert!(!dir.exists(), "a dry run archived");
    retention(&dir).run(db, now, false).await.unwrap();
    let kept: Vec<Uuid> = events::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|event| event.id)
        .collect();
    assert!(kept.contains(&recent) && !kept.contains(&old), "{kept:?}");
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let lines: Vec<Value> =
        std::io::BufReader::new(GzDecoder::new(std::fs::File::open(&file).unwrap()))
            .lines()
            .map(|line| serde_json::from_str(&line.unwrap()).unwrap())
            .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["id"], old.to_string());
    std::fs::remove_dir_all(&dir).unwrap();
}

async fn soft_deleted(world: &World, email: &str, at: DateTime<Utc>) -> Uuid {
    let id = Uuid::now_v7();
    rows::user(id, email)
        .set("deleted_at", at)
        .insert(&world.app.db)
        .await
        .unwrap();
    id
}

#[tokio::test]
async fn people_soft_deleted_past_the_grace_period_are_anonymised() {
    let world = World::new().await;
    let db = &world.app.db;
    let now = Utc::now();
    let gone = soft_deleted(&world, "long.gone@example.org", now - TimeDelta::days(40)).await;
    let recent = soft_deleted(&world, "just.left@example.org", now - TimeDelta::days(10)).await;
    let dir = archive_dir();
    let planned = retention(&dir).run(db, now, true).await.unwrap();
    assert_eq!(rows_of(&planned, "users", "anonymized"), 1);
    let unchanged = users::Entity::find_by_id(gone)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (unchanged.email.as_str(), unchanged.anonymized_at),
        ("long.gone@example.org", None)
    );

    retention(&dir).run(db, now, false).await.unwrap();
    let erased = users::Entity::find_by_id(gone)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert!(erased.anonymized_at.is_some());
    assert!(
        erased.email.ends_with("@erased.invalid"),
        "{}",
        erased.email
    );
    let kept = users::Entity::find_by_id(recent)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (kept.email.as_str(), kept.anonymized_at),
        ("just.left@example.org", None)
    );
}

#[tokio::test]
async fn invitations_answered_or_expired_long_ago_are_removed() {
    let world = World::new().await;
    let db = &world.app.db;
    let now = Utc::now();
    let stale = Uuid::now_v7();
    rows::invitation(world.alpha.id, "stale@example.org")
        .set("id", stale)
        .set("expires_at", now - TimeDelta::days(40))
        .insert(db)
        .await
        .unwrap();
    let count = || organization_invitations::Entity::find().count(db);
    let before = count().await.unwrap();
    let dir = archive_dir();
    let planned = retention(&dir).run(db, now, true).await.unwrap();
    assert_eq!(rows_of(&planned, "organization_invitations", "deleted"), 1);
    assert_eq!(count().await.unwrap(), before, "a dry run deleted");
    retention(&dir).run(db, now, false).await.unwrap();
    assert_eq!(count().await.unwrap(), before - 1);
    let left = organization_invitations::Entity::find()
        .filter(organization_invitations::Column::Id.eq(stale))
        .count(db)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

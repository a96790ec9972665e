//! Demo and synthetic seeding.

use entity::prelude::*;
use orgraph::seed::{self, DEMO_ORGANIZATION_SLUGS};
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::helpers::*;

#[tokio::test]
async fn seeding_demo_data_twice_duplicates_nothing() {
    let test = migrated_database().await;
    let db = &test.db;
    assert!(seed::database_is_empty(db).await.unwrap());

    let first = seed::demo(db).await.expect("demo data");
    assert!(
        first.rows > 100,
        "the demo data set has substance: {first:?}"
    );
    let second = seed::demo(db).await.expect("demo data again");
    assert_eq!(second.rows, 0);

    assert_eq!(
        Organization::find().count(db).await.unwrap(),
        DEMO_ORGANIZATION_SLUGS.len() as u64
    );
    assert_eq!(MaturityLevel::find().count(db).await.unwrap(), 10);
    assert_eq!(MaturityCriterion::find().count(db).await.unwrap(), 50);
    assert_eq!(ConsentType::find().count(db).await.unwrap(), 3);
    let table_rows: u64 = first.tables.iter().map(|(_, rows)| rows).sum();
    assert_eq!(table_rows, first.rows);
}

#[tokio::test]
async fn demo_data_has_every_role_and_scored_assessments() {
    use entity::enums::MemberRole;
    use sea_orm::{ColumnTrait, QueryFilter};

    let test = migrated_database().await;
    let db = &test.db;
    seed::demo(db).await.unwrap();
    for role in [
        MemberRole::Owner,
        MemberRole::Admin,
        MemberRole::Analyst,
        MemberRole::Member,
        MemberRole::Viewer,
    ] {
        let members = OrganizationMember::find()
            .filter(entity::organization_members::Column::Role.eq(role))
            .count(db)
            .await
            .unwrap();
        assert!(members >= 3, "{role:?} in every demo organisation");
    }
    let scored = AssessmentScore::find().count(db).await.unwrap();
    let completed = Assessment::find()
        .filter(entity::assessments::Column::Status.eq(entity::enums::AssessmentStatus::Completed))
        .count(db)
        .await
        .unwrap();
    assert_eq!(scored, completed);
    assert_eq!(OrganizationDigitalTwin::find().count(db).await.unwrap(), 3);
    assert_eq!(DigitalTwinSnapshot::find().count(db).await.unwrap(), 36);
}

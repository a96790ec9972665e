//! Every CHECK, unique and foreign-key rule, broken on purpose: the database must refuse.

use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

use crate::helpers::*;
use crate::rows::{self, Tenant, tenant};

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            sql,
        ))
        .await
        .expect("count query")
        .expect("one row");
    row.try_get_by_index::<i64>(0).expect("a count")
}

#[tokio::test]
async fn organization_rules_are_enforced() {
    let test = migrated_database().await;
    let db = &test.db;
    rows::organization(Uuid::now_v7(), "acme")
        .insert(db)
        .await
        .expect("a valid organisation");

    assert_unique_refused(rows::organization(Uuid::now_v7(), "acme").insert(db).await);
    let fresh = || rows::organization(Uuid::now_v7(), "fresh-org");
    assert_check_refused(
        fresh().set("slug", "Acme Two").insert(db).await,
        "ck_organizations_slug",
    );
    assert_check_refused(
        fresh().set("slug", "a").insert(db).await,
        "ck_organizations_slug",
    );
    assert_check_refused(
        fresh().set("name", "  ").insert(db).await,
        "ck_organizations_name",
    );
    assert_check_refused(
        fresh().set("company_size", "huge").insert(db).await,
        "ck_organizations_company_size",
    );
    assert_check_refused(
        fresh().set("status", "gone").insert(db).await,
        "ck_organizations_status",
    );
    assert_eq!(count(db, "SELECT COUNT(*) FROM organizations").await, 1);
}

#[tokio::test]
async fn user_email_is_unique_whatever_its_case() {
    let test = migrated_database().await;
    let db = &test.db;
    rows::user(Uuid::now_v7(), "ann@example.com")
        .insert(db)
        .await
        .expect("a valid user");

    assert_unique_refused(
        rows::user(Uuid::now_v7(), "ANN@Example.com")
            .insert(db)
            .await,
    );
    let fresh = || rows::user(Uuid::now_v7(), "bob@example.com");
    assert_check_refused(
        fresh().set("email", "not-an-email").insert(db).await,
        "ck_users_email",
    );
    assert_check_refused(
        fresh().set("platform_role", "root").insert(db).await,
        "ck_users_platform_role",
    );
    assert_check_refused(
        fresh().set("status", "deleted").insert(db).await,
        "ck_users_status",
    );
    assert_eq!(count(db, "SELECT COUNT(*) FROM users").await, 1);
}

#[tokio::test]
async fn membership_rules_are_enforced() {
    let test = migrated_database().await;
    let db = &test.db;
    let Tenant {
        organization, user, ..
    } = tenant(db, "alpha").await;

    assert_unique_refused(rows::member(organization, user).insert(db).await);
    let other_user = Uuid::now_v7();
    rows::user(other_user, "other@example.com")
        .insert(db)
        .await
        .unwrap();
    assert_check_refused(
        rows::member(organization, other_user)
            .set("role", "superuser")
            .insert(db)
            .await,
        "ck_organization_members_role",
    );
    assert_check_refused(
        rows::member(organization, other_user)
            .set("status", "left")
            .insert(db)
            .await,
        "ck_organization_members_status",
    );
    assert_foreign_key_refused(rows::member(Uuid::now_v7(), other_user).insert(db).await);
    assert_foreign_key_refused(rows::member(organization, Uuid::now_v7()).insert(db).await);
    for role in ["owner", "admin", "analyst", "member", "viewer"] {
        let person = Uuid::now_v7();
        rows::user(person, &format!("{role}@example.com"))
            .insert(db)
            .await
            .unwrap();
        rows::member(organization, person)
            .set("role", role)
            .insert(db)
            .await
            .expect(role);
    }
}

#[tokio::test]
async fn assessment_rules_are_enforced() {
    let test = migrated_database().await;
    let db = &test.db;
    let Tenant {
        organization, user, ..
    } = tenant(db, "alpha").await;
    let fresh = || rows::assessment(Uuid::now_v7(), organization, user);

    for kind in migration::ASSESSMENT_TYPES {
        fresh()
            .set("assessment_type", kind)
            .insert(db)
            .await
            .expect(kind);
    }
    assert_check_refused(
        fresh().set("assessment_type", "astrology").insert(db).await,
        "ck_assessments_type",
    );
    assert_check_refused(
        fresh().set("status", "done").insert(db).await,
        "ck_assessments_status",
    );
    assert_check_refused(
        fresh().set("status", "completed").insert(db).await,
        "ck_assessments_completed_at",
    );
    assert_check_refused(
        fresh()
            .set("completed_at", chrono::Utc::now())
            .insert(db)
            .await,
        "ck_assessments_completed_at",
    );
    assert_check_refused(
        fresh().set("version", "").insert(db).await,
        "ck_assessments_version",
    );
    assert_foreign_key_refused(
        rows::assessment(Uuid::now_v7(), Uuid::now_v7(), user)
            .insert(db)
            .await,
    );
    assert_foreign_key_refused(
        rows::assessment(Uuid::now_v7(), organization, Uuid::now_v7())
            .insert(db)
            .await,
    );
}

#[tokio::test]
async fn deleting_a_respondent_is_refused_but_deleting_an_organisation_cascades() {
    let test = migrated_database().await;
    let db = &test.db;
    tenant(db, "alpha").await;

    // People are erased by anonymisation; their assessments stay with the organisation.
    assert_foreign_key_refused(
        db.execute_unprepared("DELETE FROM users WHERE email = 'alpha@example.com'")
            .await,
    );
    db.execute_unprepared("DELETE FROM organizations WHERE slug = 'alpha'")
        .await
        .expect("organisation deleted");
    assert_eq!(count(db, "SELECT COUNT(*) FROM assessments").await, 0);
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM organization_members").await,
        0
    );
    assert_eq!(count(db, "SELECT COUNT(*) FROM users").await, 1);
}

#[tokio::test]
async fn score_rules_are_enforced() {
    let test = migrated_database().await;
    let db = &test.db;
    let Tenant {
        organization,
        assessment,
        ..
    } = tenant(db, "alpha").await;
    let fresh = || rows::score(assessment, organization);

    for (value, why) in [
        (Decimal::new(501, 2), "above 5"),
        (Decimal::new(-1, 2), "below 0"),
        (Decimal::new(3251, 3), "three decimals"),
    ] {
        let result = fresh().set("overall_score", value).insert(db).await;
        assert!(result.is_err(), "overall score {why} must be refused");
        assert_check_refused(result, "ck_assessment_scores_overall_score");
    }
    assert_check_refused(
        fresh()
            .set("confidence", Decimal::new(101, 2))
            .insert(db)
            .await,
        "ck_assessment_scores_confidence",
    );
    assert_check_refused(
        fresh().set("bracket", "score_6").insert(db).await,
        "ck_assessment_scores_bracket",
    );
    assert_check_refused(
        fresh().set("maturity_level", 10_i16).insert(db).await,
        "ck_assessment_scores_maturity_level",
    );
    for bracket in migration::SCORE_BRACKETS {
        let other = Uuid::now_v7();
        rows::assessment(other, organization, tenant_user(db).await)
            .insert(db)
            .await
            .unwrap();
        rows::score(other, organization)
            .set("bracket", bracket)
            .insert(db)
            .await
            .expect(bracket);
    }
    fresh().insert(db).await.expect("a valid score");
    assert_unique_refused(fresh().insert(db).await);
}

/// Another member of the `alpha` tenant, so assessments have distinct respondents.
async fn tenant_user(db: &DatabaseConnection) -> Uuid {
    let id = Uuid::now_v7();
    rows::user(id, &format!("{}@example.com", id.simple()))
        .insert(db)
        .await
        .unwrap();
    id
}

#[tokio::test]
async fn a_score_cannot_point_at_another_organisations_assessment() {
    let test = migrated_database().await;
    let db = &test.db;
    let alpha = tenant(db, "alpha").await;
    let beta = tenant(db, "beta").await;

    assert_foreign_key_refused(
        rows::score(alpha.assessment, beta.organization)
            .insert(db)
            .await,
    );
    rows::score(alpha.assessment, alpha.organization)
        .insert(db)
        .await
        .expect("same tenant");
}

#[tokio::test]
async fn maturity_reference_rules_are_enforced() {
    let test = migrated_database().await;
    let db = &test.db;
    assert_check_refused(
        db.execute_unprepared("UPDATE maturity_levels SET level = 10 WHERE level = 9")
            .await,
        "ck_maturity_levels_level",
    );
    assert_check_refused(
        db.execute_unprepared("UPDATE maturity_levels SET min_score = 4 WHERE level = 0")
            .await,
        "ck_maturity_levels_range",
    );
    assert_unique_refused(
        db.execute_unprepared("UPDATE maturity_levels SET name = 'Absent' WHERE level = 1")
            .await,
    );
    assert_unique_refused(
        db.execute_unprepared(
            "UPDATE maturity_criteria SET category = 'data' WHERE maturity_level = 0 AND category = 'people'",
        )
        .await,
    );
}

#[tokio::test]
async fn digital_twin_rules_are_enforced() {
    let test = migrated_database().await;
    let db = &test.db;
    let alpha = tenant(db, "alpha").await;
    let beta = tenant(db, "beta").await;
    let twin_id = Uuid::now_v7();
    rows::twin(twin_id, alpha.organization)
        .insert(db)
        .await
        .expect("a valid twin");

    assert_unique_refused(
        rows::twin(Uuid::now_v7(), alpha.organization)
            .insert(db)
            .await,
    );
    let fresh = || rows::twin(Uuid::now_v7(), beta.organization);
    assert_check_refused(
        fresh()
            .set("ai_readiness_score", Decimal::new(10001, 2))
            .insert(db)
            .await,
        "ck_organization_digital_twins_ai_readiness",
    );
    assert_check_refused(
        fresh()
            .set("maturity_score", Decimal::new(510, 2))
            .insert(db)
            .await,
        "ck_organization_digital_twins_maturity_score",
    );
    assert_check_refused(
        fresh().set("maturity_level", -1_i16).insert(db).await,
        "ck_organization_digital_twins_maturity_level",
    );
    assert_check_refused(
        fresh().set("assessment_count", -1).insert(db).await,
        "ck_organization_digital_twins_assessment_count",
    );
    assert_foreign_key_refused(rows::twin(Uuid::now_v7(), Uuid::now_v7()).insert(db).await);

    rows::snapshot(twin_id, alpha.organization)
        .insert(db)
        .await
        .expect("a valid snapshot");
    assert_check_refused(
        rows::snapshot(twin_id, alpha.organization)
            .set("reason", "whim")
            .insert(db)
            .await,
        "ck_digital_twin_snapshots_reason",
    );
    assert_check_refused(
        rows::snapshot(twin_id, alpha.organization)
            .set("maturity_level", 12_i16)
            .insert(db)
            .await,
        "ck_digital_twin_snapshots_maturity_level",
    );
    assert_check_refused(
        rows::snapshot(twin_id, alpha.organization)
            .set("maturity_score", Decimal::new(5001, 3))
            .insert(db)
            .await,
        "ck_digital_twin_snapshots_maturity_score",
    );
    assert_check_refused(
        rows::snapshot(twin_id, alpha.organization)
            .set("ai_readiness_score", Decimal::new(-1, 0))
            .insert(db)
            .await,
        "ck_digital_twin_snapshots_ai_readiness",
    );
    assert_check_refused(
        rows::snapshot(twin_id, alpha.organization)
            .set("assessment_count", -3)
            .insert(db)
            .await,
        "ck_digital_twin_snapshots_assessment_count",
    );
    // The twin is alpha's: a snapshot filed under beta is refused.
    assert_foreign_key_refused(rows::snapshot(twin_id, beta.organization).insert(db).await);

    // History belongs to its twin: removing the twin removes its snapshots.
    db.execute_unprepared("DELETE FROM organization_digital_twins")
        .await
        .expect("twins deleted");
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM digital_twin_snapshots").await,
        0
    );
}

#[tokio::test]
async fn a_score_goes_with_its_assessment() {
    let test = migrated_database().await;
    let db = &test.db;
    let alpha = tenant(db, "alpha").await;
    rows::score(alpha.assessment, alpha.organization)
        .insert(db)
        .await
        .unwrap();

    db.execute_unprepared("DELETE FROM assessments")
        .await
        .expect("assessment deleted");
    assert_eq!(count(db, "SELECT COUNT(*) FROM assessment_scores").await, 0);
}

#[tokio::test]
async fn rubric_criteria_need_an_existing_level() {
    let test = migrated_database().await;
    let db = &test.db;
    assert_foreign_key_refused(
        db.execute_unprepared(
            "UPDATE maturity_criteria SET maturity_level = 11 WHERE maturity_level = 9",
        )
        .await,
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM maturity_criteria WHERE maturity_level = 9"
        )
        .await,
        5
    );
}

#[tokio::test]
async fn consent_rules_are_enforced() {
    let test = migrated_database().await;
    let db = &test.db;
    let alpha = tenant(db, "alpha").await;

    assert_unique_refused(rows::consent_type("marketing", 1).insert(db).await);
    rows::consent_type("marketing", 2)
        .insert(db)
        .await
        .expect("a new version");
    assert_check_refused(
        rows::consent_type("newsletter", 0).insert(db).await,
        "ck_consent_types_version",
    );
    assert_check_refused(
        rows::consent_type("News Letter", 1).insert(db).await,
        "ck_consent_types_code",
    );

    let newsletter = Uuid::now_v7();
    rows::consent_type("newsletter", 1)
        .set("id", newsletter)
        .insert(db)
        .await
        .unwrap();
    rows::user_consent(alpha.user, newsletter)
        .insert(db)
        .await
        .expect("a consent");
    assert_foreign_key_refused(
        rows::user_consent(Uuid::now_v7(), newsletter)
            .insert(db)
            .await,
    );
    assert_foreign_key_refused(
        rows::user_consent(alpha.user, Uuid::now_v7())
            .insert(db)
            .await,
    );
    // A consent type someone answered is evidence and cannot be deleted.
    assert_foreign_key_refused(
        db.execute_unprepared("DELETE FROM consent_types WHERE code = 'newsletter'")
            .await,
    );
}

#[tokio::test]
async fn audit_log_is_append_only() {
    let test = migrated_database().await;
    let db = &test.db;
    rows::audit_entry()
        .insert(db)
        .await
        .expect("a valid audit row");

    assert_check_refused(
        rows::audit_entry()
            .set("operation", "MERGE")
            .insert(db)
            .await,
        "ck_audit_log_operation",
    );
    assert_check_refused(
        rows::audit_entry().set("hash", "abc").insert(db).await,
        "ck_audit_log_hash",
    );
    let refused = |result: Result<sea_orm::ExecResult, sea_orm::DbErr>| {
        let error = result.expect_err("audit_log refuses the change");
        assert!(error.to_string().contains("append-only"), "{error}");
    };
    refused(
        db.execute_unprepared("UPDATE audit_log SET table_name = 'users'")
            .await,
    );
    refused(
        db.execute_unprepared("UPDATE audit_log SET organization_sequence = 7")
            .await,
    );
    refused(db.execute_unprepared("DELETE FROM audit_log").await);
    // Retention may generalise the IP address, which is outside the hashed content.
    db.execute_unprepared("UPDATE audit_log SET ip_address = '203.0.113.0/24'")
        .await
        .expect("generalising an IP address is allowed");
    assert_eq!(count(db, "SELECT COUNT(*) FROM audit_log").await, 1);
}

#[tokio::test]
async fn event_rules_are_enforced() {
    let test = migrated_database().await;
    let db = &test.db;
    let alpha = tenant(db, "alpha").await;
    rows::event(alpha.organization)
        .insert(db)
        .await
        .expect("a valid event");
    rows::event(alpha.organization)
        .insert(db)
        .await
        .expect("another event");

    assert_check_refused(
        rows::event(alpha.organization)
            .set("event_type", "Created")
            .insert(db)
            .await,
        "ck_events_event_type",
    );
    assert_foreign_key_refused(rows::event(Uuid::now_v7()).insert(db).await);
    let duplicate_id = Uuid::now_v7();
    rows::event(alpha.organization)
        .set("id", duplicate_id)
        .insert(db)
        .await
        .unwrap();
    assert_unique_refused(
        rows::event(alpha.organization)
            .set("id", duplicate_id)
            .insert(db)
            .await,
    );
    // Sequences only grow.
    assert_eq!(
        count(db, "SELECT COUNT(DISTINCT sequence) FROM events").await,
        count(db, "SELECT COUNT(*) FROM events").await
    );
}

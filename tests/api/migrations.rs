//! Migrations apply, roll back and apply again, and carry the reference data.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use uuid::Uuid;

use crate::helpers::*;
use crate::rows;

const TABLES: [&str; 16] = [
    "organizations",
    "users",
    "organization_members",
    "assessments",
    "assessment_scores",
    "maturity_levels",
    "maturity_criteria",
    "organization_digital_twins",
    "digital_twin_snapshots",
    "consent_types",
    "user_consents",
    "audit_log",
    "events",
    "mutation_receipts",
    "job_runs",
    "organization_invitations",
];

async fn row_count(db: &DatabaseConnection, table: &str) -> Result<i64, sea_orm::DbErr> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) FROM {table}"),
        ))
        .await?
        .expect("COUNT returns a row");
    row.try_get_by_index::<i64>(0)
}

async fn reference_counts(db: &DatabaseConnection) -> (i64, i64, i64) {
    (
        row_count(db, "maturity_levels").await.unwrap(),
        row_count(db, "maturity_criteria").await.unwrap(),
        row_count(db, "consent_types").await.unwrap(),
    )
}

#[tokio::test]
async fn migrations_go_up_down_and_up_again() {
    let test = empty_database().await;
    let db = &test.db;

    Migrator::up(db, None).await.expect("up");
    for table in TABLES {
        assert_eq!(
            row_count(db, table).await.ok().map(|_| table),
            Some(table),
            "{table} exists"
        );
    }
    assert_eq!(reference_counts(db).await, (10, 50, 3));

    Migrator::down(db, None).await.expect("down");
    for table in TABLES {
        assert!(row_count(db, table).await.is_err(), "{table} was dropped");
    }
    assert_eq!(Migrator::get_applied_migrations(db).await.unwrap().len(), 0);

    Migrator::up(db, None).await.expect("up again");
    assert_eq!(reference_counts(db).await, (10, 50, 3));
    assert_eq!(Migrator::get_pending_migrations(db).await.unwrap().len(), 0);
}

/// The UNIQUE constraints among `TO_ONE_CONSTRAINTS`, and the unique indexes of that name
/// (PostgreSQL's catalogue; SQLite has neither).
async fn to_one_uniques(db: &DatabaseConnection) -> (i64, i64) {
    if !on_postgres() {
        return (0, 0);
    }
    let names = TO_ONE_CONSTRAINTS
        .map(|name| format!("'{name}'"))
        .join(", ");
    let count = |sql: String| async move {
        let row = db
            .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap()
            .expect("COUNT returns a row");
        row.try_get_by_index::<i64>(0).unwrap()
    };
    (
        count(format!(
            "SELECT COUNT(*) FROM pg_constraint WHERE contype = 'u' AND conname IN ({names})"
        ))
        .await,
        count(format!(
            "SELECT COUNT(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
             WHERE i.indisunique AND c.relname IN ({names})"
        ))
        .await,
    )
}

/// The to-one reverse relations made UNIQUE constraints by the last migration (PostgreSQL).
const TO_ONE_CONSTRAINTS: [&str; 2] = [
    "ux_assessment_scores_assessment",
    "ux_organization_digital_twins_org",
];

#[tokio::test]
async fn the_last_migrations_roll_back_alone() {
    let test = migrated_database().await;
    let db = &test.db;
    let constraints = if on_postgres() { 2 } else { 0 };
    assert_eq!(to_one_uniques(db).await, (constraints, constraints));
    let twin_columns = "SELECT dimension_scores, explanation FROM organization_digital_twins";
    let score_column = "SELECT ai_readiness_score FROM assessment_scores";
    let backend = db.get_database_backend();
    let runs = |sql: &str| db.query_all_raw(Statement::from_string(backend, sql.to_owned()));
    assert!(runs(twin_columns).await.is_ok() && runs(score_column).await.is_ok());

    // The data requests go.
    assert_eq!(row_count(db, "gdpr_requests").await.unwrap(), 0);
    Migrator::down(db, Some(1))
        .await
        .expect("down the data requests");
    assert!(row_count(db, "gdpr_requests").await.is_err());
    assert!(row_count(db, "data_deletions").await.is_err());

    // The invitations go.
    assert_eq!(row_count(db, "organization_invitations").await.unwrap(), 0);
    Migrator::down(db, Some(1))
        .await
        .expect("down the invitations");
    assert!(row_count(db, "organization_invitations").await.is_err());

    // The per-organisation audit sequence goes, and coming back numbers the rows it finds.
    let (alpha, beta) = (Uuid::now_v7(), Uuid::now_v7());
    for (organization, sequence) in [(alpha, 1_i64), (beta, 1), (alpha, 2)] {
        let entry = rows::audit_entry().set("organization_id", organization);
        let entry = entry.set("organization_sequence", sequence);
        entry.insert(db).await.expect("an audit row");
    }
    let sequences = "SELECT organization_sequence FROM audit_log ORDER BY id";
    Migrator::down(db, Some(1))
        .await
        .expect("down the audit sequence");
    assert!(runs(sequences).await.is_err());
    Migrator::up(db, Some(1))
        .await
        .expect("up the audit sequence");
    let numbered: Vec<i64> = runs(sequences)
        .await
        .expect("numbered")
        .iter()
        .map(|row| row.try_get_by_index(0).expect("a sequence"))
        .collect();
    assert_eq!(
        numbered,
        [1, 1, 2],
        "each organisation counts from 1 in write order"
    );
    Migrator::down(db, Some(1))
        .await
        .expect("down the audit sequence");

    // The benchmark tables go.
    assert_eq!(row_count(db, "industry_benchmarks").await.unwrap(), 0);
    Migrator::down(db, Some(1))
        .await
        .expect("down the benchmarks");
    assert!(row_count(db, "industry_benchmarks").await.is_err());
    assert!(row_count(db, "benchmark_positions").await.is_err());

    // The job runs go.
    assert_eq!(row_count(db, "job_runs").await.unwrap(), 0);
    Migrator::down(db, Some(1))
        .await
        .expect("down the job runs");
    assert!(row_count(db, "job_runs").await.is_err());

    // The living twin's columns go.
    Migrator::down(db, Some(1))
        .await
        .expect("down the living twin");
    assert!(runs(twin_columns).await.is_err());
    assert!(runs(score_column).await.is_err());

    // The to-one constraints go back to being unique indexes only.
    Migrator::down(db, Some(1)).await.expect("down one");
    assert_eq!(to_one_uniques(db).await, (0, constraints));
    assert_eq!(row_count(db, "mutation_receipts").await.unwrap(), 0);

    Migrator::down(db, Some(1)).await.expect("down another");
    assert!(row_count(db, "mutation_receipts").await.is_err());
    assert!(row_count(db, "events").await.is_ok());

    Migrator::up(db, None).await.expect("up");
    assert_eq!(row_count(db, "mutation_receipts").await.unwrap(), 0);
    assert_eq!(to_one_uniques(db).await, (constraints, constraints));
    assert!(runs(twin_columns).await.is_ok() && runs(score_column).await.is_ok());
    assert_eq!(row_count(db, "benchmark_positions").await.unwrap(), 0);
    assert_eq!(row_count(db, "job_runs").await.unwrap(), 0);
}

#[tokio::test]
async fn maturity_levels_cover_zero_to_five_without_gaps() {
    let test = migrated_database().await;
    let reference = orgraph::db::reference::Reference::load(&test.db)
        .await
        .unwrap();
    let levels = reference.maturity_levels();
    let numbers: Vec<i16> = levels.iter().map(|level| level.level).collect();
    assert_eq!(numbers, (0..10).collect::<Vec<i16>>());
    assert_eq!(levels[0].min_score, rust_decimal::Decimal::ZERO);
    assert_eq!(levels[9].max_score, rust_decimal::Decimal::new(500, 2));
    for pair in levels.windows(2) {
        assert_eq!(
            pair[1].min_score - pair[0].max_score,
            rust_decimal::Decimal::new(1, 2)
        );
    }
}

#[tokio::test]
async fn sqlite_runs_in_wal_mode_with_foreign_keys_and_a_bounded_heap() {
    if on_postgres() {
        return;
    }
    let test = empty_database().await;
    let pragma = |sql: &'static str| {
        let db = test.db.clone();
        async move {
            db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
                .await
                .unwrap()
                .unwrap()
        }
    };
    let journal: String = pragma("PRAGMA journal_mode")
        .await
        .try_get_by_index(0)
        .unwrap();
    let foreign_keys: i32 = pragma("PRAGMA foreign_keys")
        .await
        .try_get_by_index(0)
        .unwrap();
    assert_eq!((journal.as_str(), foreign_keys), ("wal", 1));
    let heap_limit: i64 = pragma("PRAGMA soft_heap_limit")
        .await
        .try_get_by_index(0)
        .unwrap();
    assert_eq!(heap_limit, orgraph::db::SQLITE_HEAP_LIMIT as i64);
}

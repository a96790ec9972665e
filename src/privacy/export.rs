//! A person's data export (the right of access): every row of every table that references
//! them (the entities' relations to `users`, so a new table is covered without a list to
//! keep), and the invitations addressed to their email, as one JSON document and a CSV per
//! table, zipped. The archive is kept until its subject downloads it once, or it expires.

use std::collections::BTreeMap;
use std::io::{Cursor, Write};

use chrono::{DateTime, TimeDelta, Utc};
use entity::{data_exports, gdpr_requests, users};
use sea_orm::sea_query::{Alias, Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    Set, TransactionTrait,
};
use serde_json::{Value, json};
use uuid::Uuid;
use zip::write::SimpleFileOptions;

use super::tables;

/// How long an archive waits for its download.
pub const EXPIRES_AFTER: TimeDelta = TimeDelta::days(7);

/// Columns never exported: secrets' hashes, of no use to the person and of use to an attacker.
const WITHHELD: [&str; 1] = ["token_hash"];

/// Everything stored about one person, by table.
#[derive(Debug, Clone, PartialEq)]
pub struct Export {
    pub subject: Uuid,
    pub generated_at: DateTime<Utc>,
    /// Every table that references people, with the person's rows (possibly none).
    pub tables: BTreeMap<&'static str, Vec<Value>>,
}

impl Export {
    /// Rows in all tables.
    pub fn rows(&self) -> usize {
        self.tables.values().map(Vec::len).sum()
    }

    /// The export as one JSON document.
    pub fn document(&self) -> Value {
        json!({
            "subject": self.subject,
            "generatedAt": self.generated_at,
            "tables": self.tables,
        })
    }

    /// The zip: `export.json`, and `<table>.csv` for each table with rows.
    pub fn archive(&self) -> anyhow::Result<Vec<u8>> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("export.json", options)?;
        serde_json::to_writer_pretty(&mut zip, &self.document())?;
        for (table, rows) in &self.tables {
            if rows.is_empty() {
                continue;
            }
            zip.start_file(format!("{table}.csv"), options)?;
            zip.write_all(&csv(rows)?)?;
        }
        Ok(zip.finish()?.into_inner())
    }
}

/// Reads everything about `subject`.
pub async fn collect(
    db: &DatabaseConnection,
    subject: Uuid,
    now: DateTime<Utc>,
) -> Result<Export, DbErr> {
    let email = users::Entity::find_by_id(subject)
        .one(db)
        .await?
        .map(|user| user.email)
        .unwrap_or_default();
    let mut exported = BTreeMap::new();
    for table in tables::all() {
        let links = table.about(subject, &email);
        if links.is_empty() {
            continue;
        }
        let about = links
            .into_iter()
            .fold(Condition::any(), |about, (column, value)| {
                about.add(Expr::col(Alias::new(column)).eq(value))
            });
        let mut rows = (table.rows)(db, about).await?;
        for row in &mut rows {
            if let Value::Object(columns) = row {
                for column in WITHHELD {
                    columns.remove(column);
                }
            }
        }
        exported.insert(table.name, rows);
    }
    Ok(Export {
        subject,
        generated_at: now,
        tables: exported,
    })
}

/// Keeps `export`'s archive for its request until it is downloaded or expires.
pub async fn store(
    db: &DatabaseConnection,
    request: Uuid,
    archive: Vec<u8>,
    now: DateTime<Utc>,
) -> Result<data_exports::Model, DbErr> {
    data_exports::ActiveModel {
        request_id: Set(request),
        archive_bytes: Set(i64::try_from(archive.len()).unwrap_or(i64::MAX)),
        archive: Set(archive),
        expires_at: Set(now + EXPIRES_AFTER),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
}

/// The archive of `request` if `person` is its subject and it has not expired, removed as it
/// is handed over: an archive is downloaded once.
pub async fn take(
    db: &DatabaseConnection,
    request: Uuid,
    person: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<Vec<u8>>, DbErr> {
    let tx = db.begin().await?;
    let owned = gdpr_requests::Entity::find_by_id(request)
        .filter(gdpr_requests::Column::SubjectUserId.eq(person))
        .one(&tx)
        .await?
        .is_some();
    let Some(stored) = data_exports::Entity::find_by_id(request)
        .filter(data_exports::Column::ExpiresAt.gt(now))
        .one(&tx)
        .await?
        .filter(|_| owned)
    else {
        return Ok(None);
    };
    // Only the transaction that deletes the row hands the archive over.
    let deleted = data_exports::Entity::delete_by_id(request)
        .exec(&tx)
        .await?;
    tx.commit().await?;
    Ok((deleted.rows_affected == 1).then_some(stored.archive))
}

/// Rows as CSV: a header of the columns (in name order), text as it is, anything else as JSON.
fn csv(rows: &[Value]) -> anyhow::Result<Vec<u8>> {
    let columns: Vec<&String> = match rows.first() {
        Some(Value::Object(first)) => first.keys().collect(),
        _ => Vec::new(),
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&columns)?;
    for row in rows {
        let cells = columns.iter().map(|column| match row.get(column.as_str()) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(text)) => text.clone(),
            Some(other) => other.to_string(),
        });
        writer.write_record(cells)?;
    }
    Ok(writer.into_inner()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_encodes_values() {
        let rows = vec![
            json!({ "id": 1, "note": "a, \"quoted\" text", "doc": { "k": [1] }, "gone": null }),
        ];
        let text = String::from_utf8(csv(&rows).unwrap()).unwrap();
        assert_eq!(
            text,
            "doc,gone,id,note\n\"{\"\"k\"\":[1]}\",,1,\"a, \"\"quoted\"\" text\"\n"
        );
    }

    #[test]
    fn the_archive_holds_the_document_and_a_csv_per_table_with_rows() {
        let export = Export {
            subject: Uuid::nil(),
            generated_at: Utc::now(),
            tables: BTreeMap::from([
                ("users", vec![json!({ "email": "a@b.c" })]),
                ("assessments", Vec::new()),
            ]),
        };
        let archive = export.archive().unwrap();
        let zip = zip::ZipArchive::new(Cursor::new(archive)).unwrap();
        let mut names: Vec<String> = zip
            .file_names()
            .map(|name| name.unwrap().into_owned())
            .collect();
        names.sort_unstable();
        assert_eq!(names, ["export.json", "users.csv"]);
    }
}

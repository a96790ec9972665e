//! `mutation_receipts`: the first result of each create-style mutation a person repeated with a
//! `clientMutationId`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mutation_receipts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub client_mutation_id: String,
    /// The mutation's GraphQL name, e.g. `createOrganization`.
    pub mutation: String,
    /// The id of the object the mutation created.
    pub record_id: String,
    /// SHA-256 of the request's canonical input: the same client id with another input is an
    /// error, not a replay.
    pub request_hash: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::UserId",
        to = "super::users::Column::Id",
        on_delete = "Cascade"
    )]
    User,
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

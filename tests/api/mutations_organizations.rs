//! Organisation and membership mutations, through HTTP. Each success returns what it changed
//! and writes its rows, one audit row and one event; each refusal (a role too weak, another
//! tenant's ID, the last owner, an invalid input, a transaction failing half-way) writes
//! nothing at all; a `clientMutationId` makes a create idempotent for its viewer. Every test
//! ends by verifying the audit hash chain.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entity::enums::MemberRole;
use entity::{
    audit_log, events, mutation_receipts, organization_invitations, organization_members,
    organizations, users,
};
use orgraph::audit::{self, Verification};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::refuse_inserts_into;
use crate::world::{Org, Person, ROLES, World, error_codes, global_id};

const CREATE: &str = r#"mutation($input: CreateOrganizationInput!) {
  createOrganization(input: $input) {
    clientMutationId organization { id slug name viewerRole members { totalCount } } } }"#;
const UPDATE: &str = r#"mutation($input: UpdateOrganizationInput!) {
  updateOrganization(input: $input) {
    organization { id name industry companySize settings } } }"#;
const DELETE: &str = r#"mutation($input: DeleteOrganizationInput!) {
  deleteOrganization(input: $input) { deletedOrganizationId } }"#;
// Without its token, which a repeated request does not show again.
const INVITE: &str = r#"mutation($input: InviteMemberInput!) {
  inviteMember(input: $input) {
    clientMutationId invitation { id email role status department organization { id } } } }"#;
const CHANGE: &str = r#"mutation($input: ChangeMemberRoleInput!) {
  changeMemberRole(input: $input) { membership { id role } } }"#;
const REMOVE: &str = r#"mutation($input: RemoveMemberInput!) {
  removeMember(input: $input) { removedMembershipId } }"#;
const LEAVE: &str = r#"mutation($input: LeaveOrganizationInput!) {
  leaveOrganization(input: $input) { removedMembershipId } }"#;

/// What a successful mutation writes: rows added (or removed), and the one audit row (table,
/// operation) and one event (type) that journal it.
#[derive(Debug, Clone, Copy)]
struct Effect {
    organizations: i64,
    members: i64,
    invitations: i64,
    receipts: i64,
    /// The mutation's own event, and one more when it changed the digital twin.
    events: u64,
    journal: (&'static str, &'static str, &'static str),
}

const fn journals(table: &'static str, operation: &'static str, event: &'static str) -> Effect {
    let journal = (table, operation, event);
    Effect {
        organizations: 0,
        members: 0,
        invitations: 0,
        receipts: 0,
        events: 1,
        journal,
    }
}

/// The event of a digital twin's recomputation.
const TWIN_RECOMPUTED: &str = "digital_twin.recomputed";

const ORGANIZATION_CREATED: Effect = Effect {
    organizations: 1,
    members: 1,
    ..journals("organizations", "INSERT", "organization.created")
};
const ORGANIZATION_UPDATED: Effect = journals("organizations", "UPDATE", "organization.updated");
const ORGANIZATION_DELETED: Effect = journals("organizations", "DELETE", "organization.deleted");
/// An invitation, and nothing else: no person, no membership until the invitee accepts.
const INVITED: Effect = Effect {
    invitations: 1,
    ..journals("organization_invitations", "INSERT", "invitation.created")
};
const ROLE_CHANGED: Effect = journals("organization_members", "UPDATE", "member.role_changed");
const MEMBER_REMOVED: Effect = Effect {
    members: -1,
    ..journals("organization_members", "DELETE", "member.removed")
};
const MEMBER_LEFT: Effect = Effect {
    members: -1,
    ..journals("organization_members", "DELETE", "member.left")
};

const LAST_OWNER: &str = "an organisation must keep at least one owner";

/// Row counts of every table these mutations write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counts {
    organizations: u64,
    users: u64,
    members: u64,
    invitations: u64,
    audit: u64,
    events: u64,
    receipts: u64,
}

impl Counts {
    async fn of(db: &DatabaseConnection) -> Self {
        Self {
            organizations: count::<organizations::Entity>(db).await,
            users: count::<users::Entity>(db).await,
            members: count::<organization_members::Entity>(db).await,
            invitations: count::<organization_invitations::Entity>(db).await,
            audit: count::<audit_log::Entity>(db).await,
            events: count::<events::Entity>(db).await,
            receipts: count::<mutation_receipts::Entity>(db).await,
        }
    }

    /// The counts once `effect` happened.
    fn after(self, effect: Effect) -> Self {
        let add = |count: u64, delta: i64| count.checked_add_signed(delta).unwrap();
        Self {
            organizations: add(self.organizations, effect.organizations),
            // No mutation here makes a person: people join with accounts of their own.
            users: self.users,
            members: add(self.members, effect.members),
            invitations: add(self.invitations, effect.invitations),
            audit: self.audit + 1,
            events: self.events + effect.events,
            receipts: add(self.receipts, effect.receipts),
        }
    }
}

async fn count<E: EntityTrait>(db: &DatabaseConnection) -> u64
where
    E::Model: Sync,
{
    E::find().count(db).await.unwrap()
}

async fn run(world: &World, person: &Person, mutation: &str, input: Value) -> Value {
    let variables = json!({ "input": input });
    world.query(Some(person), mutation, variables).await
}

/// The payload of a successful response.
fn payload(response: &Value) -> Value {
    assert!(response.get("errors").is_none(), "{response}");
    let data = response["data"].as_object().expect("data");
    data.values().next().expect("a payload").clone()
}

/// Runs a mutation that must succeed with `effect`, its audit row and event describing the same
/// object. Returns the payload and the key of the object changed.
async fn succeeds(
    world: &World,
    person: &Person,
    mutation: &str,
    input: Value,
    effect: Effect,
) -> (Value, Uuid) {
    let db = &world.app.db;
    let before = Counts::of(db).await;
    let response = run(world, person, mutation, input).await;
    let payload = payload(&response);
    assert_eq!(Counts::of(db).await, before.after(effect), "{response}");
    let audit = audit_log::Entity::find().order_by_desc(audit_log::Column::Id);
    let audit = audit.one(db).await.unwrap().expect("an audit row");
    let event = events::Entity::find()
        .filter(events::Column::EventType.ne(TWIN_RECOMPUTED))
        .order_by_desc(events::Column::Sequence);
    let event = event.one(db).await.unwrap().expect("an event");
    let (table, operation) = (audit.table_name.as_str(), audit.operation.as_str());
    let journaled = (table, operation, event.event_type.as_str());
    assert_eq!(journaled, effect.journal, "{response}");
    assert_eq!(audit.record_id, Some(event.aggregate_id.to_string()));
    assert_eq!(audit.organization_id, event.organization_id);
    (payload, event.aggregate_id)
}

/// Runs a mutation that must fail with `code` and write nothing; returns the response.
async fn refused(
    world: &World,
    person: &Person,
    mutation: &str,
    input: Value,
    code: &str,
) -> Value {
    let before = Counts::of(&world.app.db).await;
    let response = run(world, person, mutation, input).await;
    assert_eq!(error_codes(&response), [code], "{response}");
    assert_eq!(response["data"], Value::Null, "{response}");
    assert_eq!(Counts::of(&world.app.db).await, before, "wrote: {response}");
    response
}

/// The `extensions.field` of a response's first error.
fn field(response: &Value) -> &Value {
    &response["errors"][0]["extensions"]["field"]
}

/// `base` with `field` set to `value`.
fn with(base: &Value, field: &str, value: impl Into<Value>) -> Value {
    let mut input = base.clone();
    input[field] = value.into();
    input
}

/// The key inside a global ID.
fn key(id: &Value) -> Uuid {
    let decoded = URL_SAFE_NO_PAD.decode(id.as_str().expect("an ID")).unwrap();
    let decoded = String::from_utf8(decoded).unwrap();
    decoded.split_once(':').unwrap().1.parse().unwrap()
}

fn organization_id(org: &Org) -> Value {
    json!(global_id("Organization", org.id))
}

/// The global ID of the membership of `org`'s member holding `role`.
async fn membership_of(world: &World, org: &Org, role: &str) -> Value {
    let membership = organization_members::Entity::find()
        .filter(organization_members::Column::OrganizationId.eq(org.id))
        .filter(organization_members::Column::UserId.eq(org.person(role).id))
        .one(&world.app.db);
    let membership = membership.await.unwrap().expect("a membership");
    json!(global_id("Membership", membership.id))
}

async fn stored_membership(world: &World, id: Uuid) -> Option<organization_members::Model> {
    let membership = organization_members::Entity::find_by_id(id);
    membership.one(&world.app.db).await.unwrap()
}

/// What `person` reads of an organisation: `null` once it is not theirs (or gone).
async fn read_organization(world: &World, person: &Person, id: &Value) -> Value {
    let query = "query($id: ID!) { organization(id: $id) { id } }";
    let response = world.query(Some(person), query, json!({ "id": id })).await;
    response["data"]["organization"].clone()
}

async fn assert_audit_chain_intact(world: &World) {
    let rows = audit::count(&world.app.db).await.unwrap();
    let verification = audit::verify(&world.app.db).await.unwrap();
    assert!(
        matches!(verification, Verification::Intact { rows: checked, .. } if checked == rows),
        "{verification:?}"
    );
}

#[tokio::test]
async fn an_organisation_is_created_changed_and_deleted_with_one_audit_row_and_event_each() {
    let world = World::new().await;
    let founder = &world.outsider;
    let input = json!({ "name": "Gamma", "slug": "gamma", "companySize": "MICRO" });
    let (created, gamma) = succeeds(&world, founder, CREATE, input, ORGANIZATION_CREATED).await;
    let id = created["organization"]["id"].clone();
    assert_eq!(key(&id), gamma);
    let expected = json!({ "id": id, "slug": "gamma", "name": "Gamma", "viewerRole": "OWNER",
                           "members": { "totalCount": 1 } });
    assert_eq!(created["organization"], expected);

    let input = json!({ "organizationId": id, "name": "  Gamma Ltd ", "industry": "Retail",
                        "settings": { "theme": "dark" } });
    let (updated, record) = succeeds(&world, founder, UPDATE, input, ORGANIZATION_UPDATED).await;
    assert_eq!(record, gamma);
    let expected = json!({ "id": id, "name": "Gamma Ltd", "industry": "Retail",
                           "companySize": "MICRO", "settings": { "theme": "dark" } });
    assert_eq!(updated["organization"], expected);

    let input = json!({ "organizationId": id });
    let (deleted, record) = succeeds(&world, founder, DELETE, input, ORGANIZATION_DELETED).await;
    assert_eq!((&deleted["deletedOrganizationId"], record), (&id, gamma));
    assert_eq!(read_organization(&world, founder, &id).await, Value::Null);
    let kept = organizations::Entity::find_by_id(gamma).one(&world.app.db);
    let kept = kept.await.unwrap().expect("the row is kept for the record");
    assert!(kept.deleted_at.is_some());
    assert_audit_chain_intact(&world).await;
}

#[tokio::test]
async fn members_are_invited_and_given_roles_with_one_audit_row_and_event_each() {
    let world = World::new().await;
    let admin = world.alpha.person("admin");
    let alpha = organization_id(&world.alpha);

    // A stranger's address and a known person's read alike, and neither makes a membership.
    let known = world.beta.person("viewer");
    for (email, stored) in [
        (
            " New.Person@Example.com ",
            "new.person@example.com".to_owned(),
        ),
        (known.email.as_str(), known.email.to_lowercase()),
    ] {
        let input = json!({ "organizationId": alpha, "email": email, "role": "ANALYST",
                            "department": "Operations" });
        let (invited, record) = succeeds(&world, admin, INVITE, input, INVITED).await;
        let id = invited["invitation"]["id"].clone();
        assert_eq!(key(&id), record);
        let expected = json!({ "id": id, "email": stored, "role": "ANALYST", "status": "PENDING",
                               "department": "Operations", "organization": { "id": alpha } });
        assert_eq!(invited["invitation"], expected);
    }

    let analyst = membership_of(&world, &world.alpha, "analyst").await;
    let input = json!({ "membershipId": analyst, "role": "ADMIN" });
    let (changed, record) = succeeds(&world, admin, CHANGE, input, ROLE_CHANGED).await;
    assert_eq!(
        changed["membership"],
        json!({ "id": analyst, "role": "ADMIN" })
    );
    assert_eq!(record, key(&analyst));
    assert_audit_chain_intact(&world).await;
}

#[tokio::test]
async fn members_are_removed_or_leave_with_one_audit_row_and_event_each() {
    let world = World::new().await;
    let member = membership_of(&world, &world.alpha, "member").await;
    let input = json!({ "membershipId": member });
    let admin = world.alpha.person("admin");
    let (removed, record) = succeeds(&world, admin, REMOVE, input, MEMBER_REMOVED).await;
    assert_eq!(removed["removedMembershipId"], member);
    assert_eq!(record, key(&member));
    assert_eq!(stored_membership(&world, record).await, None);

    // The weakest role is enough to leave.
    let alpha = organization_id(&world.alpha);
    let viewer = world.alpha.person("viewer");
    let own = membership_of(&world, &world.alpha, "viewer").await;
    let input = json!({ "organizationId": alpha });
    let (left, record) = succeeds(&world, viewer, LEAVE, input, MEMBER_LEFT).await;
    assert_eq!(left["removedMembershipId"], own);
    assert_eq!(record, key(&own));
    assert_eq!(read_organization(&world, viewer, &alpha).await, Value::Null);
    assert_audit_chain_intact(&world).await;
}

#[tokio::test]
async fn roles_below_the_required_one_are_forbidden_and_write_nothing() {
    let world = World::new().await;
    let alpha = organization_id(&world.alpha);
    let target = membership_of(&world, &world.alpha, "viewer").await;
    #[rustfmt::skip]
    let cases = [
        (UPDATE, "admin", json!({ "organizationId": alpha, "name": "Renamed" })),
        (DELETE, "owner", json!({ "organizationId": alpha })),
        (INVITE, "admin", json!({ "organizationId": alpha, "email": "a@b.example", "role": "VIEWER" })),
        (CHANGE, "admin", json!({ "membershipId": target, "role": "MEMBER" })),
        (REMOVE, "admin", json!({ "membershipId": target })),
    ];
    for (mutation, required, input) in cases {
        let weaker = ROLES.iter().skip_while(|role| **role != required).skip(1);
        for role in weaker {
            let person = world.alpha.person(role);
            refused(&world, person, mutation, input.clone(), "FORBIDDEN").await;
        }
    }
    assert_audit_chain_intact(&world).await;
}

#[tokio::test]
async fn another_tenants_ids_get_the_answer_of_unknown_ids_and_write_nothing() {
    let world = World::new().await;
    let beta = ROLES.iter().map(|role| world.beta.person(role));
    let strangers: Vec<&Person> = beta.chain([&world.outsider]).collect();
    // Each mutation's other arguments; the ID argument names alpha, or nothing ever issued.
    let cases = [
        (UPDATE, json!({ "name": "Taken over" })),
        (DELETE, json!({})),
        (
            INVITE,
            json!({ "email": "spy@example.com", "role": "VIEWER" }),
        ),
        (LEAVE, json!({})),
        (CHANGE, json!({ "role": "VIEWER" })),
        (REMOVE, json!({})),
    ];
    for stranger in strangers {
        for (mutation, rest) in &cases {
            let (field, kind, alphas) = if [CHANGE, REMOVE].contains(mutation) {
                ("membershipId", "Membership", world.alpha.membership)
            } else {
                ("organizationId", "Organization", world.alpha.id)
            };
            let naming = |key: Uuid| with(rest, field, global_id(kind, key));
            let alphas = refused(&world, stranger, mutation, naming(alphas), "NOT_FOUND").await;
            let unknown = naming(Uuid::now_v7());
            let unknown = refused(&world, stranger, mutation, unknown, "NOT_FOUND").await;
            assert_eq!(alphas, unknown, "{stranger:?}, {field}");
        }
    }
    assert_audit_chain_intact(&world).await;
}

/// How alpha's owner might stop owning it.
#[derive(Debug, Clone, Copy)]
enum StopOwning {
    Demote,
    Remove,
    Leave,
}

/// The mutation by which alpha's owner stops owning it `how`, and its effect on success.
fn stop_owning(world: &World, how: StopOwning) -> (&'static str, Value, Effect) {
    let own = global_id("Membership", world.alpha.membership);
    let alpha = organization_id(&world.alpha);
    // The owner's scored assessment counts in alpha's twin: without them it is recomputed.
    let recomputes = |effect: Effect| Effect {
        events: 2,
        ..effect
    };
    #[rustfmt::skip]
    let stop = match how {
        StopOwning::Demote => (CHANGE, json!({ "membershipId": own, "role": "ADMIN" }), ROLE_CHANGED),
        StopOwning::Remove => (REMOVE, json!({ "membershipId": own }), recomputes(MEMBER_REMOVED)),
        StopOwning::Leave => (LEAVE, json!({ "organizationId": alpha }), recomputes(MEMBER_LEFT)),
    };
    stop
}

/// alpha's owner makes alpha's admin an owner too.
async fn add_second_owner(world: &World) {
    let admin = membership_of(world, &world.alpha, "admin").await;
    let promote = json!({ "membershipId": admin, "role": "OWNER" });
    let owner = world.alpha.person("owner");
    succeeds(world, owner, CHANGE, promote, ROLE_CHANGED).await;
}

#[tokio::test]
async fn the_only_owner_can_be_neither_demoted_nor_removed_nor_leave() {
    let world = World::new().await;
    let owner = world.alpha.person("owner");
    for how in [StopOwning::Demote, StopOwning::Remove, StopOwning::Leave] {
        let (mutation, input, _) = stop_owning(&world, how);
        let response = refused(&world, owner, mutation, input, "CONFLICT").await;
        let message = response["errors"][0]["message"].as_str();
        assert_eq!(message, Some(LAST_OWNER), "{how:?}");
    }
    assert_audit_chain_intact(&world).await;
}

#[tokio::test]
async fn once_a_second_owner_exists_the_first_can_be_demoted() {
    let world = World::new().await;
    add_second_owner(&world).await;
    let (mutation, input, effect) = stop_owning(&world, StopOwning::Demote);
    succeeds(&world, world.alpha.person("owner"), mutation, input, effect).await;
    let own = stored_membership(&world, world.alpha.membership).await;
    let own = own.map(|membership| membership.role);
    assert_eq!(own, Some(MemberRole::Admin));
    assert_audit_chain_intact(&world).await;
}

#[tokio::test]
async fn once_a_second_owner_exists_the_first_can_be_removed_or_leave() {
    for how in [StopOwning::Remove, StopOwning::Leave] {
        let world = World::new().await;
        add_second_owner(&world).await;
        let (mutation, input, effect) = stop_owning(&world, how);
        succeeds(&world, world.alpha.person("owner"), mutation, input, effect).await;
        let own = stored_membership(&world, world.alpha.membership).await;
        assert_eq!(own, None, "{how:?}");
        assert_audit_chain_intact(&world).await;
    }
}

#[tokio::test]
async fn admins_neither_grant_ownership_nor_touch_owners() {
    let world = World::new().await;
    let admin = world.alpha.person("admin");
    let alpha = organization_id(&world.alpha);
    let analyst = membership_of(&world, &world.alpha, "analyst").await;
    let owner = json!(global_id("Membership", world.alpha.membership));
    #[rustfmt::skip]
    let cases = [
        (CHANGE, json!({ "membershipId": analyst, "role": "OWNER" })),
        (INVITE, json!({ "organizationId": alpha, "email": "a@b.example", "role": "OWNER" })),
        (CHANGE, json!({ "membershipId": owner, "role": "ADMIN" })),
        (REMOVE, json!({ "membershipId": owner })),
    ];
    for (mutation, input) in cases {
        refused(&world, admin, mutation, input, "FORBIDDEN").await;
    }
    // Within their own strength they may.
    let input = json!({ "membershipId": analyst, "role": "ADMIN" });
    succeeds(&world, admin, CHANGE, input, ROLE_CHANGED).await;
    assert_audit_chain_intact(&world).await;
}

#[tokio::test]
async fn invalid_inputs_are_refused_naming_the_field_and_write_nothing() {
    let world = World::new().await;
    let alpha = organization_id(&world.alpha);
    let membership = json!(global_id("Membership", world.alpha.membership));
    let create = json!({ "name": "Gamma", "slug": "gamma" });
    let update = json!({ "organizationId": alpha });
    let add = json!({ "organizationId": alpha, "email": "new@example.com", "role": "VIEWER" });
    let change = json!({ "membershipId": membership, "role": "OWNER" });
    let remove = json!({ "membershipId": membership });
    let long = |length: usize| json!("x".repeat(length));
    // (mutation, valid input, the field made invalid, its invalid value)
    let cases = [
        (CREATE, &create, "name", json!("  ")),
        (CREATE, &create, "name", long(201)),
        (UPDATE, &update, "name", json!("")),
        (CREATE, &create, "slug", json!("Gamma")),
        (CREATE, &create, "slug", json!("gamma retail")),
        (CREATE, &create, "slug", json!("-gamma")),
        (CREATE, &create, "slug", json!("g")),
        (CREATE, &create, "industry", long(101)),
        (UPDATE, &update, "industry", long(101)),
        (UPDATE, &update, "settings", json!(["dark"])),
        (UPDATE, &update, "settings", json!("dark")),
        (INVITE, &add, "email", json!("ada")),
        (INVITE, &add, "email", json!("ada@example")),
        (INVITE, &add, "department", long(101)),
        (INVITE, &add, "message", long(1001)),
        (INVITE, &add, "expiresInDays", json!(0)),
        (INVITE, &add, "expiresInDays", json!(31)),
        (UPDATE, &update, "organizationId", json!("not-an-id")),
        (INVITE, &add, "organizationId", membership.clone()),
        (CHANGE, &change, "membershipId", json!("@@")),
        (REMOVE, &remove, "membershipId", alpha.clone()),
    ];
    for (mutation, valid, name, value) in cases {
        let input = with(valid, name, value);
        let owner = world.alpha.person("owner");
        let response = refused(&world, owner, mutation, input, "BAD_USER_INPUT").await;
        let expected = json!(format!("input.{name}"));
        assert_eq!(field(&response), &expected, "{response}");
    }
    assert_audit_chain_intact(&world).await;
}

#[tokio::test]
async fn a_taken_slug_or_an_existing_member_conflicts_and_writes_nothing() {
    let world = World::new().await;
    let input = json!({ "name": "Alpha again", "slug": "alpha" });
    refused(&world, &world.outsider, CREATE, input, "CONFLICT").await;
    let member = &world.alpha.person("member").email;
    for email in [member.to_owned(), member.to_uppercase()] {
        let input = json!({ "organizationId": organization_id(&world.alpha), "email": email,
                            "role": "VIEWER" });
        refused(
            &world,
            world.alpha.person("admin"),
            INVITE,
            input,
            "CONFLICT",
        )
        .await;
    }
    assert_audit_chain_intact(&world).await;
}

/// Runs a create twice with one `clientMutationId`: the first run has `effect` and a receipt,
/// the second returns the first payload and writes nothing. Returns the payload.
async fn created_once(
    world: &World,
    person: &Person,
    mutation: &str,
    input: Value,
    mut effect: Effect,
) -> Value {
    effect.receipts = 1;
    let (first, _) = succeeds(world, person, mutation, input.clone(), effect).await;
    assert_eq!(first["clientMutationId"], input["clientMutationId"]);
    let before = Counts::of(&world.app.db).await;
    let again = run(world, person, mutation, input).await;
    assert_eq!(payload(&again), first, "the first result, again");
    let after = Counts::of(&world.app.db).await;
    assert_eq!(after, before, "a repeat writes nothing");
    first
}

#[tokio::test]
async fn a_repeated_create_organization_returns_the_first_organization_and_writes_nothing() {
    let world = World::new().await;
    let founder = &world.outsider;
    let create = |slug: &str| json!({ "clientMutationId": "once", "name": "Gamma", "slug": slug });
    let gamma = create("gamma");
    let first = created_once(&world, founder, CREATE, gamma, ORGANIZATION_CREATED).await;

    // Another viewer's `once` is their own.
    let other = world.beta.person("owner");
    let theirs = created_once(&world, other, CREATE, create("delta"), ORGANIZATION_CREATED).await;
    assert_ne!(theirs["organization"]["id"], first["organization"]["id"]);

    // The founder's `once` now names a createOrganization, not an inviteMember.
    let input = json!({ "clientMutationId": "once", "organizationId": first["organization"]["id"],
                        "email": "new@example.com", "role": "VIEWER" });
    let response = refused(&world, founder, INVITE, input, "BAD_USER_INPUT").await;
    assert_eq!(field(&response), "input.clientMutationId", "{response}");
    assert_audit_chain_intact(&world).await;
}

#[tokio::test]
async fn a_repeated_invite_member_returns_the_first_invitation_and_writes_nothing() {
    let world = World::new().await;
    let admin = world.alpha.person("admin");
    let add = |email: &str| {
        json!({ "clientMutationId": "once", "organizationId": organization_id(&world.alpha),
                "email": email, "role": "VIEWER" })
    };
    let first = created_once(&world, admin, INVITE, add("ann@example.com"), INVITED).await;

    // Another viewer's `once` is their own.
    let owner = world.alpha.person("owner");
    let theirs = created_once(&world, owner, INVITE, add("bob@example.com"), INVITED).await;
    assert_ne!(theirs["invitation"]["id"], first["invitation"]["id"]);

    // The admin's `once` now names an inviteMember, not a createOrganization.
    let input = json!({ "clientMutationId": "once", "name": "Gamma", "slug": "gamma" });
    let response = refused(&world, admin, CREATE, input, "BAD_USER_INPUT").await;
    assert_eq!(field(&response), "input.clientMutationId", "{response}");
    assert_audit_chain_intact(&world).await;
}

#[tokio::test]
async fn a_mutation_failing_half_way_leaves_nothing_behind() {
    let world = World::new().await;
    // Every mutation writes its event last: refusing events fails each after its other writes.
    refuse_inserts_into(&world.app.db, "events").await;
    let alpha = organization_id(&world.alpha);
    let admin = world.alpha.person("admin");
    #[rustfmt::skip]
    let cases = [
        (&world.outsider, CREATE, json!({ "name": "Gamma", "slug": "gamma" })),
        (admin, INVITE, json!({ "organizationId": alpha, "email": "new@example.com", "role": "VIEWER" })),
    ];
    for (person, mutation, input) in cases {
        let response = refused(&world, person, mutation, input, "INTERNAL_SERVER_ERROR").await;
        assert_eq!(response["errors"][0]["message"], "internal server error");
        let text = response.to_string().to_lowercase();
        for leak in ["injected", "insert", "events", "sql", "trigger"] {
            assert!(!text.contains(leak), "{leak}: {response}");
        }
    }
    assert_audit_chain_intact(&world).await;
}

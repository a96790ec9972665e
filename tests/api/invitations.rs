//! Invitations: nobody becomes a member by another's hand. An admin invites an address; the
//! person who signs in with that address and holds the token joins. Until then the
//! organisation sees nothing of them, an invitation reads the same whether or not the address
//! has an account, and no other organisation reaches an invitation at all.

use entity::{audit_log, events, organization_invitations, organization_members};
use futures_util::future::join_all;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::world::{Org, Person, ROLES, World, error_codes, global_id};

const INVITE: &str = r#"mutation($input: InviteMemberInput!) {
  inviteMember(input: $input) { token
    invitation { id email role status department message organizationName expiresAt respondedAt
                 organization { id } invitedBy { id } } } }"#;
const ACCEPT: &str = r#"mutation($input: AcceptInvitationInput!) {
  acceptInvitation(input: $input) {
    membership { id role status department user { id email } }
    invitation { id status respondedAt } } }"#;
const DECLINE: &str = r#"mutation($input: InvitationInput!) {
  declineInvitation(input: $input) { invitation { id status } } }"#;
const REVOKE: &str = r#"mutation($input: InvitationInput!) {
  revokeInvitation(input: $input) { invitation { id status } } }"#;
const RESEND: &str = r#"mutation($input: ResendInvitationInput!) {
  resendInvitation(input: $input) { token invitation { id status expiresAt } } }"#;
const MY_INVITATIONS: &str = r#"{ viewer { invitations {
  id email role organizationName organization { id } invitedBy { id } } } }"#;
const SENT: &str = r#"query($id: ID!) { organization(id: $id) {
  invitations(first: 10) { totalCount edges { node { id email status } } } } }"#;
const MEMBERS: &str = r#"query($id: ID!) { organization(id: $id) {
  members(first: 20) { totalCount edges { node { user { id email phone } } } } } }"#;

/// Runs `mutation` with `input` as `person`.
async fn run(world: &World, person: &Person, mutation: &str, input: Value) -> Value {
    world
        .query(Some(person), mutation, json!({ "input": input }))
        .await
}

/// The payload of a response that must have succeeded.
fn payload(response: &Value) -> Value {
    assert!(response.get("errors").is_none(), "{response}");
    let data = response["data"].as_object().expect("data");
    data.values().next().expect("a payload").clone()
}

/// `org`'s admin invites `email` as `role`; returns (invitation ID, token).
async fn invite(world: &World, org: &Org, email: &str, role: &str) -> (Value, String) {
    let input = json!({ "organizationId": global_id("Organization", org.id), "email": email,
                        "role": role });
    let invited = payload(&run(world, org.person("admin"), INVITE, input).await);
    let token = invited["token"].as_str().expect("a token").to_owned();
    (invited["invitation"]["id"].clone(), token)
}

/// Rows of the tables invitations write.
async fn counts(world: &World) -> [u64; 4] {
    let db = &world.app.db;
    [
        organization_members::Entity::find()
            .count(db)
            .await
            .unwrap(),
        organization_invitations::Entity::find()
            .count(db)
            .await
            .unwrap(),
        audit_log::Entity::find().count(db).await.unwrap(),
        events::Entity::find().count(db).await.unwrap(),
    ]
}

/// Runs `mutation` as `person`; it must fail with `code` and write nothing.
async fn refused(
    world: &World,
    person: &Person,
    mutation: &str,
    input: Value,
    code: &str,
) -> Value {
    let before = counts(world).await;
    let response = run(world, person, mutation, input).await;
    assert_eq!(error_codes(&response), [code], "{response}");
    assert_eq!(counts(world).await, before, "wrote: {response}");
    response
}

/// `person` accepts with `token`, which must be refused with `code` and write nothing.
async fn accept_refused(world: &World, person: &Person, token: &str, code: &str) -> Value {
    refused(world, person, ACCEPT, json!({ "token": token }), code).await
}

/// `value` with every ID, token and time replaced by its kind, so two answers compare by shape
/// and by what they say.
fn shape(value: &Value) -> Value {
    match value {
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(name, value)| {
                    let kept = match name.as_str() {
                        "id" | "token" | "email" | "expiresAt" => json!(name),
                        _ => shape(value),
                    };
                    (name.clone(), kept)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

#[tokio::test]
async fn an_invitation_reads_the_same_whether_or_not_the_address_has_an_account() {
    let world = World::new().await;
    let alpha = global_id("Organization", world.alpha.id);
    let admin = world.alpha.person("admin");
    let known = world.beta.person("viewer");
    let members_before = world
        .query(Some(admin), MEMBERS, json!({ "id": alpha }))
        .await;
    let mut answers = Vec::new();
    for email in [known.email.as_str(), "nobody.yet@example.org"] {
        let input = json!({ "organizationId": alpha, "email": email, "role": "MEMBER" });
        answers.push(shape(&run(&world, admin, INVITE, input).await));
    }
    assert_eq!(
        answers[0], answers[1],
        "the same answer for a known and an unknown address"
    );
    let invitation = &answers[0]["data"]["inviteMember"]["invitation"];
    assert_eq!(invitation["status"], "PENDING", "{invitation}");
    assert_eq!(invitation["organizationName"], "Org alpha");
    assert!(answers[0].get("errors").is_none(), "{answers:?}");

    // Nothing of the known person is visible: no membership, no person.
    let members = world
        .query(Some(admin), MEMBERS, json!({ "id": alpha }))
        .await;
    assert_eq!(members, members_before);
    let person = r#"query($id: ID!) { node(id: $id) { id } }"#;
    let node = world
        .query(
            Some(admin),
            person,
            json!({ "id": global_id("User", known.id) }),
        )
        .await;
    assert_eq!(node, json!({ "data": { "node": null } }));
}

#[tokio::test]
async fn a_stranger_invited_to_a_side_organisation_shows_nothing_of_themself() {
    let world = World::new().await;
    // Anyone may found an organisation, and so administer one.
    let founder = &world.outsider;
    let create = r#"mutation($input: CreateOrganizationInput!) {
      createOrganization(input: $input) { organization { id } } }"#;
    let input = json!({ "name": "Side", "slug": "side" });
    let side = payload(&run(&world, founder, create, input).await)["organization"]["id"].clone();
    let victim = world.alpha.person("member");
    let input = json!({ "organizationId": side, "email": victim.email, "role": "VIEWER" });
    let invited = payload(&run(&world, founder, INVITE, input).await);
    assert_eq!(invited["invitation"]["status"], "PENDING");

    let members = world
        .query(Some(founder), MEMBERS, json!({ "id": side }))
        .await;
    let users = &members["data"]["organization"]["members"];
    assert_eq!(users["totalCount"], 1, "only the founder: {members}");
    assert_eq!(
        users["edges"][0]["node"]["user"]["id"],
        global_id("User", founder.id)
    );
    let person = r#"query($id: ID!) { node(id: $id) { ... on User { email phone } } }"#;
    let node = world
        .query(
            Some(founder),
            person,
            json!({ "id": global_id("User", victim.id) }),
        )
        .await;
    assert_eq!(
        node,
        json!({ "data": { "node": null } }),
        "the victim stays unknown"
    );
}

#[tokio::test]
async fn the_invitee_joins_once_by_accepting_with_the_token() {
    let world = World::new().await;
    let invitee = world.beta.person("viewer");
    let (invitation, token) = invite(&world, &world.alpha, &invitee.email, "ANALYST").await;

    // The invitee sees who invites them, and nothing else of the organisation.
    let mine = world.query(Some(invitee), MY_INVITATIONS, json!({})).await;
    let expected = json!({ "data": { "viewer": { "invitations": [{
        "id": invitation, "email": invitee.email, "role": "ANALYST", "organizationName": "Org alpha",
        "organization": null, "invitedBy": null }] } } });
    assert_eq!(mine, expected);

    let before = counts(&world).await;
    let accepted = payload(&run(&world, invitee, ACCEPT, json!({ "token": token })).await);
    let [members, invitations, audit, events] = before;
    assert_eq!(
        counts(&world).await,
        [members + 1, invitations, audit + 2, events + 1]
    );
    let membership = &accepted["membership"];
    assert_eq!(membership["role"], "ANALYST");
    assert_eq!(membership["status"], "ACTIVE");
    assert_eq!(membership["user"]["id"], global_id("User", invitee.id));
    assert_eq!(accepted["invitation"]["status"], "ACCEPTED");
    assert!(accepted["invitation"]["respondedAt"].is_string());
    let joined = events::Entity::find()
        .filter(events::Column::EventType.eq("member.joined"))
        .one(&world.app.db)
        .await
        .unwrap()
        .expect("a member.joined event");
    assert_eq!(joined.organization_id, Some(world.alpha.id));

    // Now a member, they read the organisation; its admin reads them.
    let alpha = json!({ "id": global_id("Organization", world.alpha.id) });
    let seen = world
        .query(
            Some(invitee),
            "query($id: ID!) { organization(id: $id) { name } }",
            alpha.clone(),
        )
        .await;
    assert_eq!(seen["data"]["organization"]["name"], "Org alpha");
    let members = world
        .query(Some(world.alpha.person("admin")), MEMBERS, alpha)
        .await;
    assert_eq!(members["data"]["organization"]["members"]["totalCount"], 6);

    // The token is single-use, and the invitation no longer open.
    let again = accept_refused(&world, invitee, &token, "CONFLICT").await;
    assert!(again.to_string().contains("accepted"), "{again}");
    let mine = world.query(Some(invitee), MY_INVITATIONS, json!({})).await;
    assert_eq!(mine["data"]["viewer"]["invitations"], json!([]));
}

#[tokio::test]
async fn a_token_is_of_no_use_to_anyone_but_its_addressee() {
    let world = World::new().await;
    let (_, token) = invite(&world, &world.alpha, "someone@example.org", "MEMBER").await;
    let thief = world.beta.person("owner");
    let stolen = accept_refused(&world, thief, &token, "NOT_FOUND").await;
    let forged = json!({ "token": "x".repeat(43) });
    let unknown = refused(&world, thief, ACCEPT, forged, "NOT_FOUND").await;
    assert_eq!(stolen, unknown, "a stolen token reads like a made-up one");
    let anonymous = world
        .query(None, ACCEPT, json!({ "input": { "token": token } }))
        .await;
    assert_eq!(error_codes(&anonymous), ["UNAUTHENTICATED"], "{anonymous}");

    // The token is never stored, audited or published.
    let db = &world.app.db;
    let rows = audit_log::Entity::find().all(db).await.unwrap();
    let published = events::Entity::find().all(db).await.unwrap();
    let stored = organization_invitations::Entity::find()
        .all(db)
        .await
        .unwrap();
    let texts = rows
        .iter()
        .map(|row| format!("{:?} {:?}", row.old_values, row.new_values))
        .chain(published.iter().map(|event| event.payload.to_string()))
        .chain(stored.iter().map(|row| format!("{row:?}")));
    for text in texts {
        assert!(!text.contains(&token), "the token is kept: {text}");
    }
}

#[tokio::test]
async fn revoked_resent_and_expired_invitations_open_and_close_as_they_should() {
    let world = World::new().await;
    let (admin, invitee) = (world.alpha.person("admin"), world.beta.person("member"));
    let (invitation, first_token) = invite(&world, &world.alpha, &invitee.email, "VIEWER").await;

    // A resend replaces the token.
    let input = json!({ "invitationId": invitation, "expiresInDays": 2 });
    let resent = payload(&run(&world, admin, RESEND, input).await);
    let second_token = resent["token"].as_str().expect("a new token").to_owned();
    assert_ne!(second_token, first_token);
    assert_eq!(resent["invitation"]["status"], "PENDING");
    let old = json!({ "token": first_token });
    refused(&world, invitee, ACCEPT, old, "NOT_FOUND").await;

    // A revoked invitation is answered by nobody, and not resent.
    let revoked = payload(&run(&world, admin, REVOKE, json!({ "invitationId": invitation })).await);
    assert_eq!(revoked["invitation"]["status"], "REVOKED");
    let response = accept_refused(&world, invitee, &second_token, "CONFLICT").await;
    assert!(response.to_string().contains("revoked"), "{response}");
    let input = json!({ "invitationId": invitation });
    refused(&world, admin, RESEND, input.clone(), "CONFLICT").await;
    refused(&world, admin, REVOKE, input, "CONFLICT").await;

    // An invitation past its expiry reads EXPIRED, cannot be accepted, and may be replaced.
    let (expiring, token) = invite(&world, &world.alpha, &invitee.email, "VIEWER").await;
    organization_invitations::Entity::update_many()
        .col_expr(
            organization_invitations::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::minutes(1)),
        )
        .filter(organization_invitations::Column::Status.eq("pending"))
        .exec(&world.app.db)
        .await
        .unwrap();
    let response = accept_refused(&world, invitee, &token, "CONFLICT").await;
    assert!(response.to_string().contains("expired"), "{response}");
    let alpha = json!({ "id": global_id("Organization", world.alpha.id) });
    let sent = world.query(Some(admin), SENT, alpha.clone()).await;
    let statuses: Vec<(Value, Value)> = sent["data"]["organization"]["invitations"]["edges"]
        .as_array()
        .expect("invitations")
        .iter()
        .map(|edge| (edge["node"]["id"].clone(), edge["node"]["status"].clone()))
        .collect();
    assert!(
        statuses.contains(&(expiring.clone(), json!("EXPIRED"))),
        "{sent}"
    );
    let (_, fresh) = invite(&world, &world.alpha, &invitee.email, "VIEWER").await;
    payload(&run(&world, invitee, ACCEPT, json!({ "token": fresh })).await);
}

#[tokio::test]
async fn an_invitation_of_a_deleted_organisation_is_gone_for_its_invitee() {
    let world = World::new().await;
    let invitee = world.beta.person("viewer");
    let (_, token) = invite(&world, &world.alpha, &invitee.email, "MEMBER").await;
    let mine = world.query(Some(invitee), MY_INVITATIONS, json!({})).await;
    assert_eq!(
        mine["data"]["viewer"]["invitations"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let delete = r#"mutation($input: DeleteOrganizationInput!) {
      deleteOrganization(input: $input) { deletedOrganizationId } }"#;
    let input = json!({ "organizationId": global_id("Organization", world.alpha.id) });
    payload(&run(&world, world.alpha.person("owner"), delete, input).await);
    let mine = world.query(Some(invitee), MY_INVITATIONS, json!({})).await;
    assert_eq!(mine["data"]["viewer"]["invitations"], json!([]), "{mine}");
    accept_refused(&world, invitee, &token, "NOT_FOUND").await;
}

#[tokio::test]
async fn the_invitee_may_decline_and_then_not_accept() {
    let world = World::new().await;
    let invitee = world.beta.person("analyst");
    let (invitation, token) = invite(&world, &world.alpha, &invitee.email, "MEMBER").await;
    // Only the addressee declines.
    let input = json!({ "invitationId": invitation });
    refused(
        &world,
        world.beta.person("owner"),
        DECLINE,
        input.clone(),
        "NOT_FOUND",
    )
    .await;
    let declined = payload(&run(&world, invitee, DECLINE, input).await);
    assert_eq!(declined["invitation"]["status"], "DECLINED");
    accept_refused(&world, invitee, &token, "CONFLICT").await;
}

#[tokio::test]
async fn invitations_are_for_the_admins_of_their_organisation_and_nobody_else() {
    let world = World::new().await;
    let alpha = json!({ "id": global_id("Organization", world.alpha.id) });
    let invitation = global_id("Invitation", world.alpha.invitation);
    let never_issued = global_id("Invitation", uuid::Uuid::now_v7());

    let sent = world
        .query(Some(world.alpha.person("admin")), SENT, alpha.clone())
        .await;
    let listed = &sent["data"]["organization"]["invitations"];
    assert_eq!(listed["totalCount"], 1, "{sent}");
    assert_eq!(listed["edges"][0]["node"]["email"], "invitee@alpha.example");
    for role in ["analyst", "member", "viewer"] {
        let member = world.alpha.person(role);
        let response = world.query(Some(member), SENT, alpha.clone()).await;
        assert_eq!(error_codes(&response), ["FORBIDDEN"], "{role}: {response}");
        assert_eq!(response["data"]["organization"]["invitations"], Value::Null);
        // They read no invitation, so for them there is none to revoke.
        let input = json!({ "invitationId": invitation });
        refused(&world, member, REVOKE, input, "NOT_FOUND").await;
    }

    // Another organisation's people: alpha's invitation is an unknown one.
    let beta = ROLES.iter().map(|role| world.beta.person(role));
    for stranger in beta.chain([&world.outsider]) {
        let response = world.query(Some(stranger), SENT, alpha.clone()).await;
        assert_eq!(response, json!({ "data": { "organization": null } }));
        for (mutation, rest) in [
            (REVOKE, json!({})),
            (RESEND, json!({ "expiresInDays": 3 })),
            (DECLINE, json!({})),
        ] {
            let mut foreign = rest.clone();
            foreign["invitationId"] = json!(invitation);
            let mut unknown = rest;
            unknown["invitationId"] = json!(never_issued);
            let response = refused(&world, stranger, mutation, foreign, "NOT_FOUND").await;
            let unknown = refused(&world, stranger, mutation, unknown, "NOT_FOUND").await;
            assert_eq!(response, unknown, "{}: {mutation}", stranger.email);
        }
        let mine = world.query(Some(stranger), MY_INVITATIONS, json!({})).await;
        assert_eq!(
            mine["data"]["viewer"]["invitations"],
            json!([]),
            "{}",
            stranger.email
        );
    }

    // Another person's invitations are nobody else's business.
    let others = r#"query($id: ID!) { node(id: $id) { ... on User { invitations { id } } } }"#;
    let response = world
        .query(
            Some(world.alpha.person("owner")),
            others,
            json!({ "id": global_id("User", world.alpha.person("member").id) }),
        )
        .await;
    assert_eq!(
        response,
        json!({ "data": { "node": { "invitations": null } } })
    );
}

#[tokio::test]
async fn of_many_concurrent_accepts_of_one_token_one_joins() {
    let world = World::new().await;
    let invitee = world.beta.person("viewer");
    let (_, token) = invite(&world, &world.alpha, &invitee.email, "MEMBER").await;
    let before = counts(&world).await;
    let accepts = (0..10).map(|_| run(&world, invitee, ACCEPT, json!({ "token": token })));
    let responses = join_all(accepts).await;
    let codes: Vec<Vec<String>> = responses.iter().map(error_codes).collect();
    let joined = codes.iter().filter(|codes| codes.is_empty()).count();
    assert_eq!(joined, 1, "{responses:?}");
    assert!(
        codes
            .iter()
            .all(|codes| codes.is_empty() || codes == &["CONFLICT"]),
        "{codes:?}"
    );
    assert_eq!(counts(&world).await[0], before[0] + 1);
}

//! Opaque Relay global IDs: `base64url("<Type>:<key>")`. Clients must not parse them; the type
//! prefix lets `node(id:)` find any object and lets typed arguments refuse the wrong kind.

use std::fmt::Display;
use std::str::FromStr;

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::AppError;

/// Every type that implements `Node`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Organization,
    User,
    Membership,
    Assessment,
    AssessmentScore,
    DigitalTwin,
    DigitalTwinSnapshot,
    UserConsent,
    AuditEntry,
    Invitation,
    DataRequest,
    MaturityLevel,
    MaturityCriterion,
    ConsentType,
}

impl NodeKind {
    const ALL: [NodeKind; 14] = [
        Self::Organization,
        Self::User,
        Self::Membership,
        Self::Assessment,
        Self::AssessmentScore,
        Self::DigitalTwin,
        Self::DigitalTwinSnapshot,
        Self::UserConsent,
        Self::AuditEntry,
        Self::Invitation,
        Self::DataRequest,
        Self::MaturityLevel,
        Self::MaturityCriterion,
        Self::ConsentType,
    ];

    /// The GraphQL type name, which is also the ID prefix.
    pub fn name(self) -> &'static str {
        match self {
            Self::Organization => "Organization",
            Self::User => "User",
            Self::Membership => "Membership",
            Self::Assessment => "Assessment",
            Self::AssessmentScore => "AssessmentScore",
            Self::DigitalTwin => "DigitalTwin",
            Self::DigitalTwinSnapshot => "DigitalTwinSnapshot",
            Self::UserConsent => "UserConsent",
            Self::AuditEntry => "AuditEntry",
            Self::Invitation => "Invitation",
            Self::DataRequest => "DataRequest",
            Self::MaturityLevel => "MaturityLevel",
            Self::MaturityCriterion => "MaturityCriterion",
            Self::ConsentType => "ConsentType",
        }
    }

    /// The global ID of the object of this kind with `key`.
    pub fn id(self, key: impl Display) -> ID {
        ID(URL_SAFE_NO_PAD.encode(format!("{}:{key}", self.name())))
    }
}

/// A decoded global ID whose key is still text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalId {
    pub kind: NodeKind,
    key: String,
}

impl GlobalId {
    /// Decodes any global ID; `field` names the argument for the error.
    pub fn decode(id: &ID, field: &str) -> Result<Self, AppError> {
        let malformed = || AppError::BadUserInput {
            message: format!("`{}` is not an orgraph ID", id.as_str()),
            field: Some(field.to_owned()),
        };
        let bytes = URL_SAFE_NO_PAD
            .decode(id.as_str())
            .map_err(|_| malformed())?;
        let text = String::from_utf8(bytes).map_err(|_| malformed())?;
        let (name, key) = text.split_once(':').ok_or_else(malformed)?;
        let kind = NodeKind::ALL
            .into_iter()
            .find(|kind| kind.name() == name)
            .ok_or_else(malformed)?;
        Ok(Self {
            kind,
            key: key.to_owned(),
        })
    }

    /// The key, parsed; a key that does not parse is a malformed ID.
    pub fn key<K: FromStr>(&self, field: &str) -> Result<K, AppError> {
        self.key.parse().map_err(|_| AppError::BadUserInput {
            message: format!("not a valid {} ID", self.kind.name()),
            field: Some(field.to_owned()),
        })
    }

    /// Decodes an ID that must be of `kind`, and parses its key.
    pub fn decode_as<K: FromStr>(id: &ID, kind: NodeKind, field: &str) -> Result<K, AppError> {
        let decoded = Self::decode(id, field)?;
        if decoded.kind != kind {
            return Err(AppError::BadUserInput {
                message: format!("expected an ID of a {}", kind.name()),
                field: Some(field.to_owned()),
            });
        }
        decoded.key(field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn ids_round_trip_and_are_opaque() {
        let key = Uuid::now_v7();
        let id = NodeKind::Assessment.id(key);
        assert!(!id.as_str().contains("Assessment"));
        let decoded: Uuid = GlobalId::decode_as(&id, NodeKind::Assessment, "id").unwrap();
        assert_eq!(decoded, key);
    }

    #[test]
    fn every_kind_decodes_to_itself() {
        for kind in NodeKind::ALL {
            assert_eq!(GlobalId::decode(&kind.id(7), "id").unwrap().kind, kind);
        }
    }

    #[test]
    fn malformed_and_mistyped_ids_are_bad_input() {
        for id in ["", "%%%", "bm9jb2xvbg", &URL_SAFE_NO_PAD.encode("Planet:1")] {
            let error = GlobalId::decode(&ID(id.to_owned()), "id").unwrap_err();
            assert_eq!(error.code(), "BAD_USER_INPUT", "{id}");
        }
        let user = NodeKind::User.id(Uuid::now_v7());
        let error = GlobalId::decode_as::<Uuid>(&user, NodeKind::Assessment, "id").unwrap_err();
        assert_eq!(error.code(), "BAD_USER_INPUT");
        let bad_key = NodeKind::User.id("not-a-uuid");
        assert!(GlobalId::decode_as::<Uuid>(&bad_key, NodeKind::User, "id").is_err());
    }
}

//! `/api/{user_id}/profile`: who the user is to Taskwire — their email (built-in accounts)
//! and the time zone their dates are read and shown in.

use common::{
    dates::Zone,
    db::{self, profiles::Profile},
};
use poem_openapi::{Object, OpenApi, param::Path, payload::Json};
use sqlx::PgPool;

use super::{ApiTags, text::Text};
use crate::{auth::BearerAuth, error::ApiError};

/// The profile endpoints.
pub struct ProfileApi {
    pub pool: PgPool,
}

/// A user's profile.
#[derive(Debug, Object)]
pub struct ProfileOut {
    pub user_id: String,
    /// The email of a built-in account; absent for users signed in elsewhere.
    #[oai(skip_serializing_if_is_none)]
    pub email: Option<String>,
    /// IANA time zone (`Europe/Berlin`); relative dates are read and due dates shown in it.
    /// `UTC` until the user chooses one.
    pub time_zone: String,
}

impl From<Profile> for ProfileOut {
    fn from(p: Profile) -> Self {
        Self {
            user_id: p.user_id,
            email: p.email,
            time_zone: p.time_zone.name().to_owned(),
        }
    }
}

/// A change to the profile.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct ProfileUpdate {
    /// IANA time zone name, e.g. `America/New_York`; unknown names are 422.
    pub time_zone: Text,
}

#[OpenApi(prefix_path = "/api", tag = "ApiTags::Accounts")]
impl ProfileApi {
    /// Read the profile
    #[oai(
        path = "/:user_id/profile",
        method = "get",
        operation_id = "get_profile"
    )]
    async fn get(
        &self,
        auth: BearerAuth,
        user_id: Path<String>,
    ) -> Result<Json<ProfileOut>, ApiError> {
        let user = auth.require(&user_id)?;
        Ok(Json(db::profiles::get(&self.pool, user).await?.into()))
    }

    /// Change the time zone
    ///
    /// 422 naming `time_zone` when it is not a zone of the IANA database; nothing is stored.
    #[oai(
        path = "/:user_id/profile",
        method = "patch",
        operation_id = "update_profile"
    )]
    async fn update(
        &self,
        auth: BearerAuth,
        user_id: Path<String>,
        body: Json<ProfileUpdate>,
    ) -> Result<Json<ProfileOut>, ApiError> {
        let user = auth.require(&user_id)?;
        let zone = Zone::parse(&body.time_zone, "time_zone")?;
        db::profiles::set_time_zone(&self.pool, user, zone).await?;
        Ok(Json(db::profiles::get(&self.pool, user).await?.into()))
    }
}

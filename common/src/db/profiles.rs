//! Profile queries: each user's time zone (a row only once one was chosen; until then the
//! user's zone is UTC), and the email of a built-in account.

use sqlx::PgExecutor;

use crate::{Result, dates::Zone, domain::UserId};

/// What a user's profile holds.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Profile {
    pub user_id: String,
    /// The email of a built-in account; `None` for users from another identity provider.
    pub email: Option<String>,
    #[sqlx(try_from = "String")]
    pub time_zone: Zone,
}

/// `user`'s profile (UTC when no zone was ever chosen).
pub async fn get(db: impl PgExecutor<'_>, user: &UserId) -> Result<Profile> {
    Ok(sqlx::query_as::<_, Profile>(
        "select $1 as user_id, u.email, coalesce(p.time_zone, 'UTC') as time_zone
         from (select) as one
         left join profiles p on p.user_id = $1
         left join users u on u.id::text = $1",
    )
    .bind(user.as_str())
    .fetch_one(db)
    .await?)
}

/// `user`'s time zone (UTC when none was chosen).
pub async fn time_zone(db: impl PgExecutor<'_>, user: &UserId) -> Result<Zone> {
    let name: Option<String> =
        sqlx::query_scalar("select time_zone from profiles where user_id = $1")
            .bind(user.as_str())
            .fetch_optional(db)
            .await?;
    Ok(match name {
        Some(name) => Zone::try_from(name)?,
        None => Zone::UTC,
    })
}

/// Sets `user`'s time zone.
pub async fn set_time_zone(db: impl PgExecutor<'_>, user: &UserId, zone: Zone) -> Result<()> {
    sqlx::query(
        "insert into profiles (user_id, time_zone) values ($1, $2)
         on conflict (user_id) do update set time_zone = excluded.time_zone, updated_at = now()",
    )
    .bind(user.as_str())
    .bind(zone.name())
    .execute(db)
    .await?;
    Ok(())
}

/// Sets `user`'s time zone unless they already have one: the zone a browser reports at
/// sign-in does not overwrite one the user chose.
pub async fn default_time_zone(db: impl PgExecutor<'_>, user: &UserId, zone: Zone) -> Result<()> {
    sqlx::query(
        "insert into profiles (user_id, time_zone) values ($1, $2) on conflict (user_id) do nothing",
    )
    .bind(user.as_str())
    .bind(zone.name())
    .execute(db)
    .await?;
    Ok(())
}

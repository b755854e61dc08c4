-- Every user has an IANA time zone: relative dates ("tomorrow at 5pm") are read, and due
-- dates shown, in it. Instants stay timestamptz. A user id is a token's `sub`, which need not
-- have a row in `users` (tokens from Better Auth), so the profile has its own table.
create table profiles (
    user_id    text        primary key,                          -- the token's sub
    time_zone  text        not null default 'UTC',               -- IANA name, checked by the gateway
    updated_at timestamptz not null default now(),               -- last change
    constraint profiles_user_id_length check (length(user_id) between 1 and 255),
    constraint profiles_time_zone_length check (length(time_zone) between 1 and 64)
);

-- The zone a turn reads dates in: the one its message was sent with, else the user's. Kept
-- on the job so that every delivery of a turn reads "tomorrow" alike.
alter table chat_jobs add column time_zone text not null default 'UTC';

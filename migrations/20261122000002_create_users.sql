-- Accounts for the web page: email + password sign-up and sign-in.
-- The gateway issues its own HS256 tokens for them, sub = users.id; tokens from an external
-- issuer (Better Auth) keep working and need no row here.

create table users (
    id            uuid        primary key,                       -- user id: the sub of the tokens issued
    email         text        not null,                          -- as typed at sign-up, trimmed
    password_hash text        not null,                          -- argon2id, PHC string format
    created_at    timestamptz not null default now(),            -- sign-up time
    constraint users_email_length check (char_length(email) between 3 and 254),
    constraint users_password_hash_not_empty check (length(password_hash) > 0)
);
-- one account per email, whatever its case
create unique index users_email_lower_key on users (lower(email));

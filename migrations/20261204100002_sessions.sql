-- Sessions of the built-in accounts: every token issued at sign-up or sign-in names one (its
-- `sid` claim), and is accepted only while its session is not revoked. Sign-out revokes one;
-- a password change revokes all the others.
create table sessions (
    id uuid primary key,
    user_id text not null,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    revoked_at timestamptz
);
create index sessions_user on sessions (user_id) where revoked_at is null;

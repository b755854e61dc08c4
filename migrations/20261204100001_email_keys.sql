-- One account per address, compared by one rule: the gateway's (Email::key in Rust: NFKC,
-- lower case, NFKC). The old unique index used Postgres' lower(), which follows the
-- database's locale and lower-cased some letters (İ) differently from the gateway, so an
-- address could sign up and then not sign in with the same text.
alter table users add column email_key text;
-- Existing rows: the nearest Postgres can do; the gateway's rule agrees for every address
-- that is ASCII, as were all addresses the old check let through in practice.
update users set email_key = lower(normalize(email, NFKC));
alter table users alter column email_key set not null;
create unique index users_email_key on users (email_key);
drop index users_email_lower_key;
